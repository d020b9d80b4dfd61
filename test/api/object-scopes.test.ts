import { isObjectType } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../../src/resolvers/schema.js';
import { ERROR_FIELDS, ok, startTestServer, type TestServer } from '../support/server.js';

// `node(id:)` and `nodes(ids:)` reach an object of any type by its ID alone, so each type has to
// guard its own objects wherever they are returned: src/resolvers/object-scopes.ts.
let server: TestServer;
const gql = (query: string, variables: Record<string, unknown> = {}, token = server.adminToken) => server.gql(query, variables, token);
const ids: Record<string, string> = {};
let billing: string;
let operator: string;

const created = (field: string, input: string) => `mutation { ${field}(input: ${input}) { ${ERROR_FIELDS} ... on ${`Mutation${field[0]!.toUpperCase()}${field.slice(1)}Success`} { data { id } } } }`;

beforeAll(async () => {
  server = await startTestServer();
  ids.Whitelist = ok(await gql(created('createWhitelist', '{ name: "Allowed", direction: OUTBOUND, numbers: ["5550100"] }')), 'createWhitelist').id;
  ids.PinSet = ok(await gql(created('createPinSet', '{ name: "Boss", pins: ["4711"] }')), 'createPinSet').id;
  ids.WorkSchedule = ok(await gql(created('createWorkSchedule', '{ name: "Office", ranges: [{ weekday: MON, start: "09:00", end: "17:00" }] }')), 'createWorkSchedule').id;
  ids.SipTrunk = ok(
    await gql(created('createSipTrunk', '{ name: "provider", serverHost: "sip.provider.example", serverPort: 5060, username: "4930123456", password: "from-the-provider" }')),
    'createSipTrunk',
  ).id;
  for (const [username, role] of [
    ['billing1', 'BILLING'],
    ['operator1', 'OPERATOR'],
  ])
    ok(await gql(`mutation { createAccount(input: { username: "${username}", password: "Pass-${username}-x", role: ${role} }) { ${ERROR_FIELDS} } }`), 'createAccount');
  billing = await server.login('billing1', 'Pass-billing1-x');
  operator = await server.login('operator1', 'Pass-operator1-x');
});
afterAll(() => server.stop());

describe('who may read an object', () => {
  it('is declared by every node type for its objects (objectAuthScopes), never before each field', () => {
    const objectTypes = Object.values(schema.getTypeMap()).filter(isObjectType);
    const options = (name: string) => (schema.getType(name)?.extensions as { pothosOptions?: Record<string, unknown> }).pothosOptions ?? {};
    const nodeTypes = objectTypes.filter((t) => t.getInterfaces().some((i) => i.name === 'Node')).map((t) => t.name);
    expect(nodeTypes.length).toBeGreaterThan(20);
    expect(nodeTypes.filter((name) => !options(name).objectAuthScopes)).toEqual([]);
    expect(objectTypes.filter((t) => options(t.name).authScopes).map((t) => t.name)).toEqual([]);
  });

  it('refuses an object to a caller without its permission as one error in its place, by ID and by IDs', async () => {
    const refused = [
      [billing, 'Whitelist'],
      [billing, 'PinSet'],
      [billing, 'WorkSchedule'],
      [operator, 'SipTrunk'],
    ] as const;
    for (const [token, type] of refused) {
      const one = await gql(`query($id: ID!) { node(id: $id) { id ... on ${type} { name } } }`, { id: ids[type] }, token);
      expect(one.data, type).toEqual({ node: null });
      expect(
        one.errors?.map((e) => [e.message, e.extensions?.code, e.path]),
        type,
      ).toEqual([[`Not permitted: ${type}`, 'FORBIDDEN', ['node']]]);
      const many = await gql(`query($ids: [ID!]!) { nodes(ids: $ids) { id ... on ${type} { name } } }`, { ids: [ids[type]] }, token);
      expect(JSON.stringify(many.data ?? null), type).not.toContain(ids[type]);
      expect(many.errors?.map((e) => e.message)).toEqual([`Not permitted: ${type}`]);
    }
  });

  it('gives the object to a caller with the permission', async () => {
    const allowed = [
      [operator, 'Whitelist', 'Allowed'],
      [operator, 'PinSet', 'Boss'],
      [operator, 'WorkSchedule', 'Office'],
      [server.adminToken, 'SipTrunk', 'provider'],
    ] as const;
    for (const [token, type, name] of allowed) {
      const r = await gql(`query($id: ID!) { node(id: $id) { __typename ... on ${type} { name } } }`, { id: ids[type] }, token);
      expect(r.errors, type).toBeUndefined();
      expect(r.data.node).toEqual({ __typename: type, name });
    }
  });
});
