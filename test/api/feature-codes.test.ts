import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_FIELDS, ok, startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
const gql = (query: string, variables?: Record<string, unknown>, token = server.adminToken) => server.gql(query, variables, token);
const UPDATE = `mutation($input: UpdateFeatureCodesInput!) { updateFeatureCodes(input: $input) { ${ERROR_FIELDS} ... on MutationUpdateFeatureCodesSuccess { data { key code } } } }`;
const rendered = async (file: string) => {
  await gql(`mutation { applyPbxConfiguration { outcome } }`);
  return readFileSync(join(server.running.config.asterisk.configDir, file), 'utf8');
};

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

describe('feature codes (F-4.7)', () => {
  it('lists the whole table with the manual defaults, and which ones work today', async () => {
    const list = (await gql(`{ featureCodes { key code defaultCode group phase takesNumber rendered } }`)).data.featureCodes;
    expect(list).toHaveLength(46);
    expect(list.find((c: any) => c.key === 'dndOn')).toEqual({ key: 'dndOn', code: '*74', defaultCode: '*74', group: 'F-4.7.k', phase: 'IDLE', takesNumber: false, rendered: true });
    expect(list.find((c: any) => c.key === 'pickupDirected')).toMatchObject({ code: '**', takesNumber: true, rendered: true });
    expect(list.find((c: any) => c.key === 'officePauseOn')).toMatchObject({ code: '*81', rendered: true });
    expect(list.find((c: any) => c.key === 'softphoneWakeAlways')).toMatchObject({ code: '*19', rendered: false });
    expect(list.find((c: any) => c.key === 'cancelTransfer')).toMatchObject({ code: '*', phase: 'ATXFER', rendered: true });
  });

  it('a changed code reaches the dialplan and features.conf; the old one is gone', async () => {
    const changed = ok(
      await gql(UPDATE, {
        input: {
          codes: [
            { key: 'dndOn', code: '*78' },
            { key: 'pickupGroup', code: '*88' },
            { key: 'cancelTransfer', code: '*9' },
          ],
        },
      }),
      'updateFeatureCodes',
    );
    expect(changed.find((c: any) => c.key === 'dndOn').code).toBe('*78');
    const dialplan = await rendered('extensions.conf');
    expect(dialplan).toContain('exten => *78,1,Answer()');
    expect(dialplan).not.toContain('exten => *74,1');
    expect(dialplan).toContain('exten => *88,1,Pickup()');
    const features = await rendered('features.conf');
    expect(features).toContain('pickupexten=\n');
    expect(features).toContain('atxferabort=*9');
    // Codes of features that do not exist are stored and listed, not rendered.
    ok(await gql(UPDATE, { input: { codes: [{ key: 'softphoneWakeAlways', code: '*29' }] } }), 'updateFeatureCodes');
    expect((await gql(`{ featureCodes { key code } }`)).data.featureCodes.find((c: any) => c.key === 'softphoneWakeAlways').code).toBe('*29');
    expect(await rendered('extensions.conf')).not.toContain('*29');
  });

  it('refuses clashes within a phase, malformed codes and unknown keys, naming the field; nothing is written', async () => {
    const clash = await gql(UPDATE, { input: { codes: [{ key: 'voicemailOwn', code: '*60' }] } });
    expect(clash.data.updateFeatureCodes.issues).toEqual([{ path: ['input', 'codes', 'voicemailOwn'], message: '*60 is also the code of voicemailMain', code: 'CODE_CLASH' }]);
    const prefix = await gql(UPDATE, { input: { codes: [{ key: 'attendedTransfer', code: '#1' }] } });
    expect(prefix.data.updateFeatureCodes.issues[0]).toMatchObject({
      path: ['input', 'codes', 'attendedTransfer'],
      code: 'CODE_CLASH',
      message: '# (blindTransfer) is a prefix of #1 (attendedTransfer)',
    });
    const ambiguous = await gql(UPDATE, { input: { codes: [{ key: 'spyListen', code: '*9' }] } });
    expect(ambiguous.data.updateFeatureCodes.issues[0]).toMatchObject({ code: 'CODE_CLASH' });
    const digits = await gql(UPDATE, { input: { codes: [{ key: 'dndOff', code: '074' }] } });
    expect(digits.data.updateFeatureCodes.issues[0]).toMatchObject({ path: ['input', 'codes', 'dndOff'], code: 'INVALID_FORMAT' });
    const unknown = await gql(UPDATE, { input: { codes: [{ key: 'teleport', code: '*42' }] } });
    expect(unknown.data.updateFeatureCodes.issues[0]).toMatchObject({ path: ['input', 'codes', '0', 'key'], code: 'NOT_FOUND' });
    expect((await gql(`{ featureCodes { key code } }`)).data.featureCodes.find((c: any) => c.key === 'voicemailOwn').code).toBe('*61');
  });

  it('the park range follows the park codes, checked against the other ranges', async () => {
    const moved = ok(await gql(UPDATE, { input: { parkRetrievalRange: { start: '70', end: '79' } } }), 'updateFeatureCodes');
    expect(moved).toHaveLength(46);
    expect((await gql(`{ settings { numberingPlan { parkRetrievalRange { start end } } } }`)).data.settings.numberingPlan.parkRetrievalRange).toEqual({ start: '70', end: '79' });
    const overlap = await gql(UPDATE, { input: { parkRetrievalRange: { start: '100', end: '110' } } });
    expect(overlap.data.updateFeatureCodes.__typename).toBe('ValidationError');
  });

  it('every user may read them; only administrators change them', async () => {
    ok(
      await gql(`mutation { createAccount(input: { username: "op-codes", password: "operator-pass", role: OPERATOR }) { ${ERROR_FIELDS} ... on MutationCreateAccountSuccess { data { id } } } }`),
      'createAccount',
    );
    const operator = await server.login('op-codes', 'operator-pass');
    expect((await gql(`{ featureCodes { key } }`, {}, operator)).data.featureCodes.length).toBe(46);
    expect((await gql(UPDATE, { input: { codes: [{ key: 'dndOn', code: '*79' }] } }, operator)).data.updateFeatureCodes.__typename).toBe('NotPermittedError');
    expect((await server.gql(`{ featureCodes { key } }`)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
