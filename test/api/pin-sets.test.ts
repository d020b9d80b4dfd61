import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_FIELDS, ok, startTestServer, type TestServer } from '../support/server.js';

const SET = `id name pinCount pins`;
const CREATE = `mutation($input: CreatePinSetInput!) { createPinSet(input: $input) { ${ERROR_FIELDS} ... on ConflictError { path } ... on MutationCreatePinSetSuccess { data { ${SET} } } } }`;
const UPDATE = `mutation($id: ID!, $input: UpdatePinSetInput!) { updatePinSet(id: $id, input: $input) { ${ERROR_FIELDS} ... on MutationUpdatePinSetSuccess { data { ${SET} } } } }`;
const DELETE = `mutation($id: ID!) { deletePinSet(id: $id) { ${ERROR_FIELDS} ... on MutationDeletePinSetSuccess { data { count } } } }`;
const CREATE_RULE = `mutation($input: CreateDialRuleInput!) { createDialRule(input: $input) { ${ERROR_FIELDS} ... on MutationCreateDialRuleSuccess { data { id entries { pinSet { name } } } } } }`;

let server: TestServer;
const gql = (query: string, variables?: Record<string, unknown>, token = server.adminToken) => server.gql(query, variables, token);

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

describe('PIN sets (F-4.3.4)', () => {
  it('creates, lists, renames and replaces the PINs of a set', async () => {
    const set = ok(await gql(CREATE, { input: { name: 'Staff', pins: ['1234', '987654', '555'] } }), 'createPinSet');
    expect(set).toMatchObject({ name: 'Staff', pinCount: 3, pins: ['1234', '987654', '555'] });
    const updated = ok(await gql(UPDATE, { id: set.id, input: { name: 'Office staff', pins: ['4321'] } }), 'updatePinSet');
    expect(updated).toMatchObject({ name: 'Office staff', pinCount: 1, pins: ['4321'] });
    const list = await gql(`{ pinSets { name pinCount } }`);
    expect(list.data.pinSets).toContainEqual({ name: 'Office staff', pinCount: 1 });
  });

  it('refuses PINs that are not 3–6 digits or repeat, naming the index and never the PIN', async () => {
    const result = await gql(CREATE, { input: { name: 'Bad', pins: ['12', '1234', 'abcd', '1234', '1234567'] } });
    expect(result.data.createPinSet.__typename).toBe('ValidationError');
    expect(result.data.createPinSet.issues).toEqual([
      { path: ['input', 'pins', '0'], message: 'PIN 1 is not 3–6 digits', code: 'INVALID_FORMAT' },
      { path: ['input', 'pins', '2'], message: 'PIN 3 is not 3–6 digits', code: 'INVALID_FORMAT' },
      { path: ['input', 'pins', '3'], message: 'PIN 4 repeats PIN 2', code: 'DUPLICATE' },
      { path: ['input', 'pins', '4'], message: 'PIN 5 is not 3–6 digits', code: 'INVALID_FORMAT' },
    ]);
    expect(JSON.stringify(result)).not.toContain('1234567');
  });

  it('names are unique and of the name character set', async () => {
    ok(await gql(CREATE, { input: { name: 'Unique', pins: [] } }), 'createPinSet');
    const clash = await gql(CREATE, { input: { name: 'Unique', pins: ['111'] } });
    expect(clash.data.createPinSet).toMatchObject({ __typename: 'ConflictError', path: ['input', 'name'] });
    const bad = await gql(CREATE, { input: { name: 'a;b', pins: [] } });
    expect(bad.data.createPinSet.issues[0]).toMatchObject({ path: ['input', 'name'], code: 'INVALID_FORMAT' });
  });

  it('PINs are readable only by admins and never reach the audit log', async () => {
    ok(await gql(CREATE, { input: { name: 'Secret', pins: ['246810'] } }), 'createPinSet');
    ok(
      await gql(`mutation { createAccount(input: { username: "op1", password: "Operator-pw9", role: OPERATOR }) { __typename ... on MutationCreateAccountSuccess { data { id } } } }`),
      'createAccount',
    );
    const operator = await server.login('op1', 'Operator-pw9');
    const seen = await gql(`{ pinSets { name pinCount pins } }`, {}, operator);
    expect(seen.data.pinSets.find((s: any) => s.name === 'Secret')).toMatchObject({ pinCount: 1, pins: null });
    expect(seen.errors?.[0]?.message).toMatch(/Not permitted/);
    const admin = await gql(`{ pinSets { name pins } }`);
    expect(admin.data.pinSets.find((s: any) => s.name === 'Secret').pins).toEqual(['246810']);
    const audit = await gql(`{ auditLog(first: 100) { edges { node { operation input } } } }`);
    const rows = audit.data.auditLog.edges.map((e: any) => e.node);
    expect(rows.find((r: any) => r.operation === 'createPinSet' && r.input.includes('Secret')).input).toContain('[REDACTED]');
    expect(JSON.stringify(rows)).not.toContain('246810');
    expect(rows.some((r: any) => r.operation === 'readSecrets' && r.input.includes('PinSet.pins'))).toBe(true);
  });

  it('a set that an entry asks for cannot be deleted; an unused one can; the PINs reach the dialplan', async () => {
    const set = ok(await gql(CREATE, { input: { name: 'Callers', pins: ['13579'] } }), 'createPinSet');
    const rule = ok(await gql(CREATE_RULE, { input: { name: 'Intl', entries: [{ prefix: '8', pattern: '00X.', pinSet: 'Callers' }] } }), 'createDialRule');
    expect(rule.entries[0].pinSet).toEqual({ name: 'Callers' });
    const refused = await gql(DELETE, { id: set.id });
    expect(refused.data.deletePinSet.__typename).toBe('ReferencedError');
    expect(refused.data.deletePinSet.referrers[0].label).toBe('dial rule Intl entry 1 (8|00X.) asks for its PINs');
    const applied = await gql(`mutation { applyPbxConfiguration { outcome } }`);
    expect(applied.data.applyPbxConfiguration.outcome).toMatch(/APPLIED|WRITTEN_NOT_RELOADED|NO_CHANGES/);
    const { readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const dialplan = readFileSync(join(server.running.config.asterisk.configDir, 'extensions.conf'), 'utf8');
    expect(dialplan).toContain(`exten => 13579,1,NoOp()`);
    const unused = ok(await gql(CREATE, { input: { name: 'Spare', pins: ['999'] } }), 'createPinSet');
    expect(ok(await gql(DELETE, { id: unused.id }), 'deletePinSet')).toEqual({ count: 1 });
  });
});
