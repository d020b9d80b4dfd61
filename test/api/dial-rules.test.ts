import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_FIELDS, ok, startTestServer, type TestServer } from '../support/server.js';

const RULE = `id name warnings entries { prefix pattern prependDigits callerIdSource callTimeLimitSeconds trunkSelection pinSet { name } trunks { id name enabled } }`;
const CREATE = `mutation($input: CreateDialRuleInput!) { createDialRule(input: $input) { ${ERROR_FIELDS} ... on ConflictError { path } ... on MutationCreateDialRuleSuccess { data { ${RULE} } } } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateDialRuleInput!) { updateDialRule(id: $id, input: $input) { ${ERROR_FIELDS} ... on MutationUpdateDialRuleSuccess { data { ${RULE} } } } }`;
const DELETE = `mutation($id: ID!) { deleteDialRule(id: $id) { ${ERROR_FIELDS} ... on MutationDeleteDialRuleSuccess { data { count } } } }`;
const CREATE_SIP = `mutation($input: CreateSipTrunkInput!) { createSipTrunk(input: $input) { ${ERROR_FIELDS} ... on MutationCreateSipTrunkSuccess { data { id name } } } }`;

let server: TestServer;
const gql = (query: string, variables?: Record<string, unknown>, token = server.adminToken) => server.gql(query, variables, token);
const issues = (result: any, field: string) => {
  const value = result.data?.[field];
  if (value?.__typename !== 'ValidationError') throw new Error(`${field}: expected a ValidationError, got ${JSON.stringify(result)}`);
  return value.issues as { path: string[]; message: string; code: string }[];
};
const rendered = async (file: string) => {
  const applied = await gql(`mutation { applyPbxConfiguration { outcome error } }`);
  expect(applied.data.applyPbxConfiguration, JSON.stringify(applied)).toMatchObject({ outcome: expect.stringMatching(/^(APPLIED|NO_CHANGES|WRITTEN_NOT_RELOADED)$/) });
  return readFileSync(join(server.running.config.asterisk.configDir, file), 'utf8');
};
const sipTrunk = async (name: string) => ok(await gql(CREATE_SIP, { input: { name, serverHost: 'sip.example.com', username: '4930123456', password: 'Pr0vider!secret' } }), 'createSipTrunk');
const entry = (fields: Record<string, unknown>) => ({ prefix: '7', pattern: 'XXXX', ...fields });

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

describe('dial rules (F-4.3.2)', () => {
  it('DialOut (9, X., no trunks) exists from the first start in DialPlan1, and warns that its calls get congestion', async () => {
    const rules = await gql(`{ dialRules { ${RULE} } dialPermissions { name dialRules { name } } }`);
    expect(rules.data.dialRules).toEqual([
      expect.objectContaining({
        name: 'DialOut',
        entries: [expect.objectContaining({ prefix: '9', pattern: 'X.', trunks: [], callerIdSource: 'EXT_CALLER_ID_1', trunkSelection: 'SEQUENTIAL', callTimeLimitSeconds: null })],
      }),
    ]);
    expect(rules.data.dialRules[0].warnings).toEqual(['dial rule DialOut entry 1 (9|X.) has no enabled trunk: its calls get congestion']);
    expect(rules.data.dialPermissions).toContainEqual({ name: 'DialPlan1', dialRules: [{ name: 'DialOut' }] });
    const dialplan = await rendered('extensions.conf');
    expect(dialplan).toMatch(
      /\[pbx-dialrule-\w+\]\nexten => _9X\.,1,GotoIf\(\$\{REGEX\("\[\^0-9\*#\+\]" \$\{EXTEN\}\)\}\?not-a-number\)\n same => n,NoOp\(No trunk carries this dial rule entry\)\n same => n,Congestion\(5\)/,
    );
    const applied = await gql(`{ pbxConfiguration { lastApply { warnings } } }`);
    expect(JSON.stringify(applied)).toContain('dial rule DialOut entry 1 (9|X.) has no enabled trunk');
  });

  it('creates a rule with ordered entries and trunks; the entries reach the dialplan', async () => {
    const a = await sipTrunk('Carrier-A');
    await sipTrunk('Carrier-B');
    await gql(`mutation { createPinSet(input: { name: "Boss", pins: ["4711"] }) { __typename } }`);
    const rule = ok(
      await gql(CREATE, {
        input: {
          name: 'Long distance',
          entries: [
            { prefix: '80', pattern: 'ZXXXXXXX', prependDigits: '0', trunks: ['Carrier-B', a.id], callerIdSource: 'EXT_CALLER_ID_2', callTimeLimitSeconds: 600, pinSet: 'Boss' },
            { prefix: '81', pattern: '[2-5]XX.', trunks: ['Carrier-A'] },
          ],
        },
      }),
      'createDialRule',
    );
    expect(rule.entries[0]).toMatchObject({ prefix: '80', pattern: 'ZXXXXXXX', prependDigits: '0', callerIdSource: 'EXT_CALLER_ID_2', callTimeLimitSeconds: 600, pinSet: { name: 'Boss' } });
    expect(rule.entries[0].trunks.map((t: any) => t.name)).toEqual(['Carrier-B', 'Carrier-A']);
    expect(rule.entries[0].trunks[1].id).toBe(a.id);
    expect(rule.warnings).toEqual([]);
    const dialplan = await rendered('extensions.conf');
    expect(dialplan).toContain(
      'exten => _80ZXXXXXXX,1,Gosub(pbx-caller,s,1)\n same => n,GotoIf($["${PBX_WHITELIST_OUT}" != "" & !${DIALPLAN_EXISTS(pbx-whitelist-${PBX_WHITELIST_OUT},${EXTEN},1)}]?not-listed)\n same => n,Set(PBX_DIALNUM=0${EXTEN:2})\n same => n,Set(PBX_CID=${PBX_CID2})\n same => n,Set(PBX_ORIGCID=${CALLERID(num)})\n same => n,Gosub(pbx-pin-check,s,1(pbx-pinset-',
    );
    expect(dialplan).toMatch(/Dial\(PJSIP\/\$\{PBX_DIALNUM\}@Carrier-B,,TL\(600000\)\)[\s\S]*Dial\(PJSIP\/\$\{PBX_DIALNUM\}@Carrier-A,,TL\(600000\)\)/);
  });

  it('refuses patterns Asterisk reads differently than they look, naming the entry and field', async () => {
    const cases: [string, RegExp][] = [
      ['xxxx', /lower-case x/],
      ['X.X', /must be the last character/],
      ['1-23', /'-' outside brackets/],
      ['1[]3', /empty brackets/],
      ['1 23', /spaces/],
      ['[5-1]X', /runs backwards/],
      ['[12', /never closed/],
      ['', /required/],
    ];
    for (const [pattern, message] of cases) {
      const found = issues(await gql(CREATE, { input: { name: 'Bad', entries: [entry({}), entry({ prefix: '6', pattern })] } }), 'createDialRule');
      expect(found, pattern).toEqual([expect.objectContaining({ path: ['input', 'entries', '1', 'pattern'], message: expect.stringMatching(message) })]);
    }
  });

  it('refuses bad prefixes, prepends, time limits, unknown trunks and PIN sets, and twin entries', async () => {
    const found = issues(
      await gql(CREATE, {
        input: {
          name: 'Bad',
          entries: [
            entry({ prefix: '9a', prependDigits: '1,2', callTimeLimitSeconds: 59 }),
            entry({ prefix: '6', callTimeLimitSeconds: 3601, trunks: ['Nope'], pinSet: 'Nope' }),
            entry({ prefix: '5', pattern: '[0-9]XXX' }),
            entry({ prefix: '5', pattern: 'XXXX' }),
          ],
        },
      }),
      'createDialRule',
    );
    expect(found.map((i) => `${i.path.join('.')}:${i.code}`)).toEqual([
      'input.entries.0.prefix:INVALID_FORMAT',
      'input.entries.0.prependDigits:INVALID_FORMAT',
      'input.entries.0.callTimeLimitSeconds:OUT_OF_BOUNDS',
      'input.entries.1.callTimeLimitSeconds:OUT_OF_BOUNDS',
      'input.entries.1.pinSet:NOT_FOUND',
      'input.entries.1.trunks.0:NOT_FOUND',
      'input.entries.3.pattern:DUPLICATE',
    ]);
    expect(issues(await gql(CREATE, { input: { name: 'Empty', entries: [] } }), 'createDialRule')).toEqual([expect.objectContaining({ path: ['input', 'entries'], code: 'REQUIRED' })]);
  });

  it('refuses a fixed-length entry on internal numbers (a range, a feature code); a catch-all is allowed', async () => {
    const range = issues(await gql(CREATE, { input: { name: 'Local', entries: [{ prefix: '', pattern: '1XX' }] } }), 'createDialRule');
    expect(range).toEqual([expect.objectContaining({ path: ['input', 'entries', '0', 'pattern'], code: 'SHADOWS_NUMBERS', message: expect.stringContaining('user extension range 100–899') })]);
    const code = issues(await gql(CREATE, { input: { name: 'Star', entries: [{ prefix: '*', pattern: '6X' }] } }), 'createDialRule');
    expect(code[0]).toMatchObject({ code: 'SHADOWS_NUMBERS', message: expect.stringContaining('feature code *60') });
    ok(await gql(CREATE, { input: { name: 'Everything', entries: [{ prefix: '', pattern: '.' }] } }), 'createDialRule');
  });

  it('warns when entries of two rules can match one number', async () => {
    const first = ok(await gql(CREATE, { input: { name: 'Mobile', entries: [{ prefix: '61', pattern: '3XXXXXXXXX' }] } }), 'createDialRule');
    const overlap = first.warnings.filter((w: string) => w.includes('can match the same numbers'));
    expect(overlap).toHaveLength(1);
    expect(overlap[0]).toContain('dial rule Mobile entry 1 (61|3XXXXXXXXX)');
    expect(overlap[0]).toContain('dial rule Everything entry 1 (|.)');
  });

  it('updates name and entries; a trunk an entry uses cannot be deleted; a rule a permission uses cannot be deleted', async () => {
    const rules = (await gql(`{ dialRules { id name } }`)).data.dialRules;
    const long = rules.find((r: any) => r.name === 'Long distance');
    const updated = ok(await gql(UPDATE, { id: long.id, input: { name: 'National', entries: [{ prefix: '80', pattern: 'NXXXXXXX', trunks: ['Carrier-A'] }] } }), 'updateDialRule');
    expect(updated).toMatchObject({ name: 'National', entries: [{ prefix: '80', pattern: 'NXXXXXXX', pinSet: null, trunks: [{ name: 'Carrier-A' }] }] });
    const trunks = (await gql(`{ trunks(first: 10) { edges { node { id name } } } }`)).data.trunks.edges.map((e: any) => e.node);
    const carrierA = trunks.find((t: any) => t.name === 'Carrier-A');
    const refused = await gql(`mutation($ids: [ID!]!) { deleteTrunks(ids: $ids) { ${ERROR_FIELDS} } }`, { ids: [carrierA.id] });
    expect(refused.data.deleteTrunks.__typename).toBe('ReferencedError');
    expect(refused.data.deleteTrunks.referrers).toContainEqual({ kind: 'DIAL_RULE', label: 'dial rule National entry 1 (80|NXXXXXXX) sends calls through it' });
    const dialOut = rules.find((r: any) => r.name === 'DialOut');
    const inUse = await gql(DELETE, { id: dialOut.id });
    expect(inUse.data.deleteDialRule).toMatchObject({ __typename: 'ReferencedError', referrers: [{ kind: 'DIAL_PERMISSION', label: 'dial permission DialPlan1 uses it' }] });
    expect(ok(await gql(DELETE, { id: updated.id }), 'deleteDialRule')).toEqual({ count: 1 });
  });

  it('DialOut is created once: deleted, it does not come back on the next start', async () => {
    const permission = (await gql(`{ dialPermissions { id name } }`)).data.dialPermissions.find((p: any) => p.name === 'DialPlan1');
    ok(
      await gql(`mutation($id: ID!) { updateDialPermission(id: $id, input: { dialRules: [] }) { ${ERROR_FIELDS} ... on MutationUpdateDialPermissionSuccess { data { id } } } }`, { id: permission.id }),
      'updateDialPermission',
    );
    const dialOut = (await gql(`{ dialRules { id name } }`)).data.dialRules.find((r: any) => r.name === 'DialOut');
    ok(await gql(DELETE, { id: dialOut.id }), 'deleteDialRule');
    await server.restart();
    expect((await gql(`{ dialRules { name } }`)).data.dialRules.map((r: any) => r.name)).not.toContain('DialOut');
  });
});
