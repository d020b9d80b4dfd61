import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_FIELDS, ok, startTestServer, type TestServer } from '../support/server.js';

const LIST = `id name direction numbers extensions { number }`;
const CREATE = `mutation($input: CreateWhitelistInput!) { createWhitelist(input: $input) { ${ERROR_FIELDS} ... on ConflictError { path } ... on MutationCreateWhitelistSuccess { data { ${LIST} } } } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateWhitelistInput!) { updateWhitelist(id: $id, input: $input) { ${ERROR_FIELDS} ... on MutationUpdateWhitelistSuccess { data { ${LIST} } } } }`;
const DELETE = `mutation($id: ID!) { deleteWhitelist(id: $id) { ${ERROR_FIELDS} ... on MutationDeleteWhitelistSuccess { data { count } } } }`;
const CREATE_EXT = `mutation($input: CreateExtensionInput!) { createExtension(input: $input) { ${ERROR_FIELDS} ... on MutationCreateExtensionSuccess { data { id number whitelist { name direction } } } } }`;
const UPDATE_EXT = `mutation($id: ID!, $input: UpdateExtensionInput!) { updateExtension(id: $id, input: $input) { ${ERROR_FIELDS} ... on MutationUpdateExtensionSuccess { data { number whitelist { name } } } } }`;

let server: TestServer;
const gql = (query: string, variables?: Record<string, unknown>, token = server.adminToken) => server.gql(query, variables, token);
const files = async () => {
  const applied = await gql(`mutation { applyPbxConfiguration { outcome error } }`);
  expect(applied.data.applyPbxConfiguration.error).toBeNull();
  const dir = server.running.config.asterisk.configDir;
  return { dialplan: readFileSync(join(dir, 'extensions.conf'), 'utf8'), pjsip: readFileSync(join(dir, 'pjsip.conf'), 'utf8') };
};

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

describe('whitelists (F-4.5.10)', () => {
  let inbound: any;
  let outbound: any;

  it('creates, lists and edits lists; names are unique, numbers checked one by one', async () => {
    inbound = ok(await gql(CREATE, { input: { name: 'VIP callers', direction: 'INBOUND', numbers: ['+4930111', '5550100'] } }), 'createWhitelist');
    expect(inbound).toMatchObject({ name: 'VIP callers', direction: 'INBOUND', numbers: ['+4930111', '5550100'], extensions: [] });
    outbound = ok(await gql(CREATE, { input: { name: 'Allowed', direction: 'OUTBOUND' } }), 'createWhitelist');
    outbound = ok(await gql(UPDATE, { id: outbound.id, input: { numbers: ['900441234', '*99#'] } }), 'updateWhitelist');
    expect(outbound).toMatchObject({ direction: 'OUTBOUND', numbers: ['900441234', '*99#'] });
    expect((await gql(CREATE, { input: { name: 'VIP callers', direction: 'OUTBOUND' } })).data.createWhitelist).toMatchObject({ __typename: 'ConflictError', path: ['input', 'name'] });
    const list = (await gql(`{ whitelists(first: 10) { totalCount edges { node { name } } } }`)).data.whitelists;
    expect(list).toEqual({ totalCount: 2, edges: [{ node: { name: 'Allowed' } }, { node: { name: 'VIP callers' } }] });
  });

  it('refuses numbers that are not digits, * and # (leading + allowed), repeats, and bad names', async () => {
    const bad = await gql(CREATE, { input: { name: 'Bad', direction: 'INBOUND', numbers: ['123', '12)3', '123', '5\n[x]', ''] } });
    expect(bad.data.createWhitelist.issues).toEqual([
      { path: ['input', 'numbers', '1'], message: expect.stringContaining('number 2'), code: 'INVALID_FORMAT' },
      { path: ['input', 'numbers', '2'], message: 'number 3 repeats number 1 (123)', code: 'DUPLICATE' },
      { path: ['input', 'numbers', '3'], message: expect.stringContaining('number 4'), code: 'INVALID_FORMAT' },
      { path: ['input', 'numbers', '4'], message: expect.stringContaining('number 5'), code: 'INVALID_FORMAT' },
    ]);
    expect((await gql(CREATE, { input: { name: 'a;b', direction: 'INBOUND' } })).data.createWhitelist.issues[0]).toMatchObject({ path: ['input', 'name'], code: 'INVALID_FORMAT' });
    const { dialplan } = await files();
    expect(dialplan).not.toContain('[x]');
    expect(dialplan).not.toContain('12)3');
  });

  it('an extension links to a list by name or ID; an unknown one is NOT_FOUND; null unlinks', async () => {
    const ext = ok(await gql(CREATE_EXT, { input: { number: '100', name: 'Alice', password: 'Secret-100', whitelist: 'VIP callers' } }), 'createExtension');
    expect(ext.whitelist).toEqual({ name: 'VIP callers', direction: 'INBOUND' });
    ok(await gql(CREATE_EXT, { input: { number: '101', name: 'Bob', password: 'Secret-101', whitelist: outbound.id } }), 'createExtension');
    const unknown = await gql(CREATE_EXT, { input: { number: '102', name: 'Carol', password: 'Secret-102', whitelist: 'Nope' } });
    expect(unknown.data.createExtension).toMatchObject({ __typename: 'ValidationError', issues: [{ path: ['input', 'whitelist'], code: 'NOT_FOUND' }] });
    const carol = ok(await gql(CREATE_EXT, { input: { number: '102', name: 'Carol', password: 'Secret-102' } }), 'createExtension');
    expect(carol.whitelist).toBeNull();
    expect((await gql(UPDATE_EXT, { id: carol.id, input: { whitelist: 'Nope' } })).data.updateExtension.issues[0]).toMatchObject({ path: ['input', 'whitelist'], code: 'NOT_FOUND' });
    expect(ok(await gql(UPDATE_EXT, { id: carol.id, input: { whitelist: 'VIP callers' } }), 'updateExtension').whitelist).toEqual({ name: 'VIP callers' });
    expect(ok(await gql(UPDATE_EXT, { id: carol.id, input: { name: 'Carol C' } }), 'updateExtension').whitelist).toEqual({ name: 'VIP callers' });
    expect(ok(await gql(UPDATE_EXT, { id: carol.id, input: { whitelist: null } }), 'updateExtension').whitelist).toBeNull();
    const listed = (await gql(`query($id: ID!) { node(id: $id) { ... on Whitelist { extensions { number } } } }`, { id: inbound.id })).data.node;
    expect(listed.extensions).toEqual([{ number: '100' }]);
  });

  it("INBOUND: the extension is called with its list; OUTBOUND: the caller's lookup row carries the list (the dial-rule check: test/pbx/render/blacklist-whitelists.test.ts)", async () => {
    const { dialplan, pjsip } = await files();
    // The called extension's INBOUND list comes from its lookup row (ARG5), not from a line of its own.
    expect(dialplan).not.toMatch(/^exten => 10[0-2],/m);
    expect(dialplan).toContain(',${HASH(PBX_EXT,iax2)},${HASH(PBX_EXT,whitelist)}))');
    const called = await server.running.services.db.prisma.$queryRawUnsafe<{ number: string; whitelist: string }[]>('SELECT "number", "whitelist" FROM pbx_extension_lookup ORDER BY "number"');
    expect(called.map((r) => ({ number: r.number, whitelist: String(r.whitelist) }))).toEqual([
      { number: '100', whitelist: rawId(inbound.id) },
      { number: '101', whitelist: '' },
      { number: '102', whitelist: '' },
    ]);
    expect(dialplan).toContain(`[pbx-whitelist-${rawId(inbound.id)}]\nexten => +4930111,1,NoOp()\nexten => 5550100,1,NoOp()\n`);
    expect(dialplan).toContain(`[pbx-whitelist-${rawId(outbound.id)}]\nexten => 900441234,1,NoOp()\nexten => *99#,1,NoOp()\n`);
    expect(dialplan).toContain('GotoIf($["${ARG5}" != ""]?whitelist)');
    // Not set_var on the endpoint (Asterisk does not keep it in astdb): the view Asterisk reads at call time, which pbx-caller reads for the calling endpoint.
    expect(pjsip).not.toContain('PBX_WHITELIST_OUT');
    const rows = await server.running.services.db.prisma.$queryRawUnsafe<{ number: string; whitelist_out: string }[]>('SELECT "number", "whitelist_out" FROM pbx_extension_lookup ORDER BY "number"');
    expect(rows.map((r) => ({ number: r.number, whitelist_out: String(r.whitelist_out) }))).toEqual([
      { number: '100', whitelist_out: '' },
      { number: '101', whitelist_out: rawId(outbound.id) },
      { number: '102', whitelist_out: '' },
    ]);
    expect(dialplan).toContain(' same => n,Set(PBX_WHITELIST_OUT=${HASH(pbxcaller,whitelist_out)})');
  });

  it('a list in use cannot be deleted; once unlinked it can', async () => {
    const refused = await gql(DELETE, { id: inbound.id });
    expect(refused.data.deleteWhitelist).toMatchObject({ __typename: 'ReferencedError', referrers: [{ kind: 'EXTENSION', label: 'extension 100 (Alice) links to it' }] });
    const alice = (await gql(`{ extension(number: "100") { id } }`)).data.extension;
    ok(await gql(UPDATE_EXT, { id: alice.id, input: { whitelist: null } }), 'updateExtension');
    expect(ok(await gql(DELETE, { id: inbound.id }), 'deleteWhitelist').count).toBe(1);
    const { dialplan } = await files();
    expect(dialplan).not.toContain(`pbx-whitelist-${rawId(inbound.id)}`);
  });

  it('needs settings:write to change and settings:read to read', async () => {
    ok(
      await gql(`mutation { createAccount(input: { username: "op1", password: "Operator-pw9", role: OPERATOR }) { __typename ... on MutationCreateAccountSuccess { data { id } } } }`),
      'createAccount',
    );
    const operator = await server.login('op1', 'Operator-pw9');
    expect((await gql(CREATE, { input: { name: 'X', direction: 'INBOUND' } }, operator)).data.createWhitelist.__typename).toBe('NotPermittedError');
    expect((await gql(`{ whitelists { totalCount } }`, {}, operator)).data.whitelists.totalCount).toBe(1);
  });
});

const rawId = (globalId: string) => Buffer.from(globalId, 'base64').toString('utf8').split(':')[1]!;
