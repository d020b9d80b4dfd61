import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_FIELDS, ok, startTestServer, type TestServer } from '../support/server.js';

const PERM = `id name builtIn extensionCount allowExtensions allowDepartments allowFeatureCodes allowPickup dialRules { name }`;
const CREATE = `mutation($input: CreateDialPermissionInput!) { createDialPermission(input: $input) { ${ERROR_FIELDS} ... on ConflictError { path } ... on NotPermittedError { path } ... on MutationCreateDialPermissionSuccess { data { ${PERM} } } } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateDialPermissionInput!) { updateDialPermission(id: $id, input: $input) { ${ERROR_FIELDS} ... on NotPermittedError { path } ... on MutationUpdateDialPermissionSuccess { data { ${PERM} } } } }`;
const DELETE = `mutation($id: ID!) { deleteDialPermission(id: $id) { ${ERROR_FIELDS} ... on MutationDeleteDialPermissionSuccess { data { count } } } }`;
const CREATE_RULE = `mutation($input: CreateDialRuleInput!) { createDialRule(input: $input) { ${ERROR_FIELDS} ... on MutationCreateDialRuleSuccess { data { id name } } } }`;

let server: TestServer;
const gql = (query: string, variables?: Record<string, unknown>, token = server.adminToken) => server.gql(query, variables, token);
const rendered = async (file: string) => {
  const applied = await gql(`mutation { applyPbxConfiguration { outcome error } }`);
  expect(applied.data.applyPbxConfiguration, JSON.stringify(applied)).toMatchObject({ outcome: expect.stringMatching(/^(APPLIED|NO_CHANGES|WRITTEN_NOT_RELOADED)$/) });
  return readFileSync(join(server.running.config.asterisk.configDir, file), 'utf8');
};
const contextOf = (dialplan: string, name: string) => {
  const start = dialplan.indexOf(`[${name}]\n`);
  expect(start, name).toBeGreaterThanOrEqual(0);
  return dialplan.slice(start, dialplan.indexOf('\n\n', start));
};
const permission = async (name: string) => (await gql(`{ dialPermissions { ${PERM} } }`)).data.dialPermissions.find((p: any) => p.name === name);

beforeAll(async () => {
  server = await startTestServer();
  ok(await gql(CREATE_RULE, { input: { name: 'Local', entries: [{ prefix: '0', pattern: 'NXXXXXX' }] } }), 'createDialRule');
  ok(await gql(CREATE_RULE, { input: { name: 'Long', entries: [{ prefix: '0', pattern: 'NXXXXXXXX.' }] } }), 'createDialRule');
  ok(await gql(CREATE_RULE, { input: { name: 'Seven', entries: [{ prefix: '0', pattern: '5XXXXXX' }] } }), 'createDialRule');
});
afterAll(() => server.stop());

describe('dial permissions (F-4.3.3)', () => {
  it('DialPlan1 is built in and grants every right; its rule is DialOut', async () => {
    expect(await permission('DialPlan1')).toMatchObject({
      builtIn: true,
      allowExtensions: true,
      allowDepartments: true,
      allowFeatureCodes: true,
      allowPickup: true,
      dialRules: [{ name: 'DialOut' }],
      extensionCount: 0,
    });
  });

  it('creates a permission with some rights withheld and ordered rules; its context includes just those, rules last', async () => {
    const lobby = ok(await gql(CREATE, { input: { name: 'Lobby', allowPickup: false, allowDepartments: false, dialRules: ['Local', 'Long'] } }), 'createDialPermission');
    expect(lobby).toMatchObject({ builtIn: false, allowExtensions: true, allowDepartments: false, allowFeatureCodes: true, allowPickup: false, dialRules: [{ name: 'Local' }, { name: 'Long' }] });
    ok(
      await gql(
        `mutation { createExtension(input: { number: "150", name: "Lobby phone", password: "Lobby-Secret-150x", dialPermission: "Lobby" }) { __typename ... on MutationCreateExtensionSuccess { data { id } } } }`,
      ),
      'createExtension',
    );
    const dialplan = await rendered('extensions.conf');
    const rules = (await gql(`{ dialRules { id name } }`)).data.dialRules;
    const idOf = (name: string) =>
      Buffer.from(rules.find((r: any) => r.name === name).id, 'base64')
        .toString()
        .replace('DialRule:', '');
    expect(contextOf(dialplan, 'pbx-permission-Lobby')).toBe(
      `[pbx-permission-Lobby]\ninclude => pbx-feature-codes\ninclude => pbx-extensions\ninclude => pbx-office-pause-codes\ninclude => pbx-blacklist-codes\ninclude => pbx-ivrs\ninclude => pbx-queues\ninclude => pbx-queue-agent-codes\ninclude => pbx-parked-calls\ninclude => pbx-dialrule-${idOf('Local')}\ninclude => pbx-dialrule-${idOf('Long')}`,
    );
    expect(contextOf(dialplan, 'pbx-permission-DialPlan1')).toContain('include => pbx-pickup-codes');
    expect(readFileSync(join(server.running.config.asterisk.configDir, 'pjsip.conf'), 'utf8')).toContain('context=pbx-permission-Lobby');
    expect((await permission('Lobby')).extensionCount).toBe(1);
  });

  it('changes rights and rule order; refuses an order in which a rule is never reached', async () => {
    const lobby = await permission('Lobby');
    const updated = ok(await gql(UPDATE, { id: lobby.id, input: { allowPickup: true, dialRules: ['Long', 'Seven'] } }), 'updateDialPermission');
    expect(updated).toMatchObject({ allowPickup: true, allowDepartments: false, dialRules: [{ name: 'Long' }, { name: 'Seven' }] });
    const shadowed = await gql(UPDATE, { id: lobby.id, input: { dialRules: ['Local', 'Seven'] } });
    expect(shadowed.data.updateDialPermission.issues).toEqual([
      { path: ['input', 'dialRules', '1'], code: 'SHADOWED', message: 'entry 1 (0|5XXXXXX) of Seven is never reached: rules listed before it take all its numbers; list it first' },
    ]);
    const unknown = await gql(UPDATE, { id: lobby.id, input: { dialRules: ['Nope', 'Long', 'Long'] } });
    expect(unknown.data.updateDialPermission.issues.map((i: any) => i.code)).toEqual(['NOT_FOUND', 'DUPLICATE']);
  });

  it('names are unique and can name a context', async () => {
    expect((await gql(CREATE, { input: { name: 'Lobby' } })).data.createDialPermission).toMatchObject({ __typename: 'ConflictError', path: ['input', 'name'] });
    expect((await gql(CREATE, { input: { name: 'Front desk' } })).data.createDialPermission.issues[0]).toMatchObject({ path: ['input', 'name'], code: 'INVALID_FORMAT' });
  });

  it('DialPlan1 cannot be deleted or renamed; a permission extensions use cannot be deleted; an unused one can', async () => {
    const main = await permission('DialPlan1');
    expect((await gql(DELETE, { id: main.id })).data.deleteDialPermission).toMatchObject({ __typename: 'NotPermittedError', message: 'DialPlan1 is built in: it cannot be deleted' });
    expect((await gql(UPDATE, { id: main.id, input: { name: 'Other' } })).data.updateDialPermission).toMatchObject({ __typename: 'NotPermittedError', path: ['input', 'name'] });
    const lobby = await permission('Lobby');
    const used = await gql(DELETE, { id: lobby.id });
    expect(used.data.deleteDialPermission).toMatchObject({ __typename: 'ReferencedError', referrers: [{ kind: 'EXTENSION', label: 'extension 150 (Lobby phone) uses it' }] });
    const spare = ok(await gql(CREATE, { input: { name: 'Spare', dialRules: ['Seven'] } }), 'createDialPermission');
    const dialplan = await rendered('extensions.conf');
    expect(dialplan).toContain('[pbx-permission-Spare]');
    expect(ok(await gql(DELETE, { id: spare.id }), 'deleteDialPermission')).toEqual({ count: 1 });
    expect(await rendered('extensions.conf')).not.toContain('[pbx-permission-Spare]');
  });

  it('only admins change permissions', async () => {
    ok(
      await gql(`mutation { createAccount(input: { username: "op1", password: "Operator-pw9", role: OPERATOR }) { __typename ... on MutationCreateAccountSuccess { data { id } } } }`),
      'createAccount',
    );
    const operator = await server.login('op1', 'Operator-pw9');
    expect((await gql(CREATE, { input: { name: 'Sneaky' } }, operator)).data.createDialPermission.__typename).toBe('NotPermittedError');
  });
});
