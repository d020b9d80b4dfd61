import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_FIELDS, ok, startTestServer, type TestServer } from '../support/server.js';
import { subscribe, until } from '../support/subscriptions.js';

const STATE = `active applied updatedAt destination { type target targetId }`;
const SET = `mutation($active: Boolean!) { setOfficePause(active: $active) { ${ERROR_FIELDS} ... on MutationSetOfficePauseSuccess { data { ${STATE} } } } }`;
const SET_DESTINATION = `mutation($destination: DestinationInput) { setOfficePauseDestination(destination: $destination) { ${ERROR_FIELDS} ... on MutationSetOfficePauseDestinationSuccess { data { ${STATE} } } } }`;
const WATCH = `subscription { officePauseChanged { active applied destination { type target } } }`;

let server: TestServer;
let operatorToken: string;
const gql = (query: string, variables: Record<string, unknown> = {}, token = server.adminToken) => server.gql(query, variables, token);
const state = async () => (await gql(`{ officePause { ${STATE} } }`)).data.officePause;

beforeAll(async () => {
  server = await startTestServer({ APPLY_DEBOUNCE_MS: '20' });
  ok(await gql(`mutation { createExtensions(input: { startNumber: "100", count: 3 }) { ${ERROR_FIELDS} ... on MutationCreateExtensionsSuccess { data { count } } } }`), 'createExtensions');
  await gql(`mutation { createAccount(input: { username: "op1", password: "Operator-pw1", role: OPERATOR }) { __typename } }`);
  operatorToken = await server.login('op1', 'Operator-pw1');
});
afterAll(() => server.stop());

describe('office pause (F-4.2.4.a)', () => {
  it('starts off with no destination, and cannot be turned on before one is set', async () => {
    expect(await state()).toEqual({ active: false, applied: true, updatedAt: null, destination: null });
    const refused = (await gql(SET, { active: true })).data.setOfficePause;
    expect(refused.__typename).toBe('ValidationError');
    expect(refused.issues).toEqual([{ path: ['active'], message: expect.stringMatching(/destination/), code: 'REQUIRED' }]);
    expect((await state()).active).toBe(false);
  });

  it('refuses a destination that does not exist or cannot take calls, naming the field', async () => {
    const missing = (await gql(SET_DESTINATION, { destination: { type: 'EXTENSION', target: '999' } })).data.setOfficePauseDestination;
    expect(missing.issues).toEqual([{ path: ['destination', 'target'], message: 'no extension 999 exists', code: 'NOT_FOUND' }]);
    const id102 = (await gql(`{ extension(number: "102") { id } }`)).data.extension.id;
    ok(
      await gql(
        `mutation($ids: [ID!]!) { updateExtensions(ids: $ids, input: { fields: { voicemailEnabled: false } }) { ${ERROR_FIELDS} ... on MutationUpdateExtensionsSuccess { data { extensions { number } } } } }`,
        { ids: [id102] },
      ),
      'updateExtensions',
    );
    const noMailbox = (await gql(SET_DESTINATION, { destination: { type: 'VOICEMAIL', target: '102' } })).data.setOfficePauseDestination;
    expect(noMailbox.issues?.[0]).toMatchObject({ path: ['destination', 'target'], code: 'UNUSABLE' });
    const stray = (await gql(SET_DESTINATION, { destination: { type: 'HANGUP', target: '100' } })).data.setOfficePauseDestination;
    expect(stray.issues?.[0]).toMatchObject({ path: ['destination', 'target'], code: 'NOT_ALLOWED' });
  });

  it('sets the destination into the dialplan, then turns on (not applied: no Asterisk here)', async () => {
    const set = ok(await gql(SET_DESTINATION, { destination: { type: 'EXTENSION', target: '100' } }), 'setOfficePauseDestination');
    expect(set).toMatchObject({ active: false, destination: { type: 'EXTENSION', target: '100' } });
    expect(Date.parse(set.updatedAt)).toBeGreaterThan(Date.now() - 60_000);
    const file = join(server.running.config.asterisk.configDir, 'extensions.conf');
    await until(() => readFileSync(file, 'utf8').includes('same => n(on),Goto(pbx-extensions,100,1)'), 5000, 'office pause destination rendered');
    expect(readFileSync(file, 'utf8')).toContain('same => n,Set(DEVICE_STATE(Custom:officepause)=INUSE)');

    const on = ok(await gql(SET, { active: true }), 'setOfficePause');
    expect(on).toMatchObject({ active: true, applied: false, destination: { type: 'EXTENSION', target: '100' } });
    expect(await state()).toMatchObject({ active: true, applied: false });
  });

  it('keeps its destination from being deleted, and from being removed while on', async () => {
    const extensionId = (await gql(`{ extension(number: "100") { id } }`)).data.extension.id;
    const deleted = (await gql(`mutation($ids: [ID!]!) { deleteExtensions(ids: $ids) { ${ERROR_FIELDS} } }`, { ids: [extensionId] })).data.deleteExtensions;
    expect(deleted.__typename).toBe('ReferencedError');
    expect(deleted.referrers).toContainEqual({ kind: 'OFFICE_PAUSE', label: expect.stringContaining('sends every inbound call there while office pause is on') });
    // Disabling it is refused too: a disabled extension cannot take the calls.
    const disabled = (await gql(`mutation($ids: [ID!]!) { updateExtensions(ids: $ids, input: { fields: { enabled: false } }) { ${ERROR_FIELDS} } }`, { ids: [extensionId] })).data.updateExtensions;
    expect(disabled.__typename).toBe('ReferencedError');
    expect(disabled.referrers).toContainEqual({ kind: 'OFFICE_PAUSE', label: expect.stringMatching(/office pause.*disabled/) });
    const removed = (await gql(SET_DESTINATION, { destination: null })).data.setOfficePauseDestination;
    expect(removed).toMatchObject({ __typename: 'ConflictError', message: expect.stringMatching(/turn it off/) });
  });

  it('an operator may read it but not change it; without a login nothing', async () => {
    expect((await gql(`{ officePause { active } }`, {}, operatorToken)).data.officePause).toEqual({ active: true });
    expect((await gql(SET, { active: false }, operatorToken)).data.setOfficePause.__typename).toBe('NotPermittedError');
    expect((await server.gql(`{ officePause { active } }`)).errors?.[0]?.message).toMatch(/Not authenticated/);
  });

  it('streams the current state first, then each change, over graphql-ws', async () => {
    const sub = subscribe(server.graphqlUrl, operatorToken, WATCH);
    try {
      const first = await sub.waitFor((r) => r.data?.officePauseChanged);
      expect(first.data.officePauseChanged).toEqual({ active: true, applied: false, destination: { type: 'EXTENSION', target: '100' } });
      ok(await gql(SET, { active: false }), 'setOfficePause');
      await sub.waitFor((r) => r.data?.officePauseChanged?.active === false);
      ok(await gql(SET_DESTINATION, { destination: { type: 'HANGUP' } }), 'setOfficePauseDestination');
      await sub.waitFor((r) => r.data?.officePauseChanged?.destination?.type === 'HANGUP');
      expect(sub.results.map((r) => r.data.officePauseChanged.active)).toEqual([true, false, false]);
    } finally {
      await sub.close();
    }
  });

  it('streams the same over SSE', async () => {
    const controller = new AbortController();
    const query = encodeURIComponent('subscription { officePauseChanged { active destination { type } } }');
    const response = await fetch(`${server.graphqlUrl}?query=${query}`, { headers: { accept: 'text/event-stream', authorization: `Bearer ${server.adminToken}` }, signal: controller.signal });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = response.body!.getReader();
    let text = '';
    try {
      while (!text.includes('"active":false')) text += new TextDecoder().decode((await reader.read()).value);
      expect(text).toContain('{"active":false,"destination":{"type":"HANGUP"}}');
      ok(await gql(SET, { active: true }), 'setOfficePause');
      while (!text.includes('"active":true')) text += new TextDecoder().decode((await reader.read()).value);
      expect(text.indexOf('"active":false')).toBeLessThan(text.indexOf('"active":true'));
    } finally {
      controller.abort();
    }
  });

  it('can remove the destination once off, and then refuses to turn on again', async () => {
    ok(await gql(SET, { active: false }), 'setOfficePause');
    expect(ok(await gql(SET_DESTINATION, { destination: null }), 'setOfficePauseDestination')).toMatchObject({ active: false, destination: null });
    expect((await gql(SET, { active: true })).data.setOfficePause.__typename).toBe('ValidationError');
    const file = join(server.running.config.asterisk.configDir, 'extensions.conf');
    await until(() => readFileSync(file, 'utf8').includes('same => n,Playback(beeperr)\n same => n,Hangup()\nexten => *081'), 5000, '*81 refusing without a destination');
  });
});
