import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_FIELDS, ok, startTestServer, type TestServer } from '../support/server.js';

// Every field of an extension, its relations too: a list reads only the columns the fields asked
// for read (src/resolvers/list-plan.ts), so each field is also asked for alone.
const SCALARS = `id number enabled name mobileNumber password language email outboundCallerId1 outboundCallerId2
  mohClass voicemailEnabled voicemailPin remoteRegistration maxContacts videoEnabled videoCodec recording
  registrationExpirySeconds webLogin pickupGroups transport dtmfMode srtp
  qualifyFrequencySeconds nat iax2Enabled trustedAddresses qualifyTimeoutSeconds sendPai sendRpid rtpTimeoutSeconds
  inbandProgress codecs passwordStrength loginPasswordSet createdAt updatedAt`.split(/\s+/);
const RELATIONS = ['dialPermission { name }', 'whitelist { name direction }', 'departments { name number }', 'qrCode { server port transport payload }'];
const ALL = [...SCALARS, ...RELATIONS].join(' ');
const page = (fields: string, first = 50) => `{ extensions(first: ${first}, filter: { search: "73" }) { totalCount edges { node { ${fields} } } } }`;

let server: TestServer;
const gql = (query: string, variables: Record<string, unknown> = {}, token = server.adminToken) => server.gql(query, variables, token);
let otherId: string;
let departmentsKey: string;

beforeAll(async () => {
  server = await startTestServer();
  ok(await gql(`mutation { createExtensions(input: { startNumber: "730", count: 8 }) { ${ERROR_FIELDS} } }`), 'createExtensions');
  ok(await gql(`mutation { createWhitelist(input: { name: "Allowed", direction: OUTBOUND, numbers: ["5550100"] }) { ${ERROR_FIELDS} } }`), 'createWhitelist');
  const listed = await gql(`{ extensions(first: 2, filter: { search: "73" }) { edges { node { id } } } }`);
  const [first, second] = listed.data.extensions.edges.map((e: any) => e.node.id);
  otherId = second;
  ok(await gql(`mutation($id: ID!) { updateExtension(id: $id, input: { whitelist: "Allowed", codecs: [G722, ULAW], pickupGroups: [3, 1] }) { ${ERROR_FIELDS} } }`, { id: first }), 'updateExtension');
  for (const [name, number, members] of [
    ['Sales', '0400', ['730', '731', '732']],
    ['Support', '0401', ['731']],
  ] as const) {
    const created = await gql(`mutation($input: CreateDepartmentInput!) { createDepartment(input: $input) { ${ERROR_FIELDS} } }`, {
      input: { name, number, ringStrategy: 'RING_ALL', ringTimeSeconds: 20, noAnswerDestination: { type: 'HANGUP' }, members },
    });
    ok(created, 'createDepartment');
  }
  for (const number of ['730', '731'])
    ok(await gql(`mutation { setExtensionLoginPassword(extension: "${number}", password: "Login-${number}-pass") { ${ERROR_FIELDS} } }`), 'setExtensionLoginPassword');
  const key = await gql(`mutation { createApiKey(name: "departments", scopes: [DEPARTMENTS_READ]) { ${ERROR_FIELDS} ... on MutationCreateApiKeySuccess { data { secret } } } }`);
  departmentsKey = ok(key, 'createApiKey').secret;
});
afterAll(() => server.stop());

describe('a list of extensions', () => {
  it('answers every field asked for alone as it does with every field: each field reads the columns it needs', async () => {
    const full = await gql(page(ALL));
    expect(full.errors).toBeUndefined();
    const nodes = full.data.extensions.edges.map((e: any) => e.node);
    expect(nodes.map((n: any) => n.number)).toEqual(['730', '731', '732', '733', '734', '735', '736', '737']);
    expect(nodes[0]).toMatchObject({ whitelist: { name: 'Allowed', direction: 'OUTBOUND' }, codecs: ['G722', 'ULAW'], pickupGroups: [3, 1], loginPasswordSet: true });
    expect(nodes[1].departments.map((d: any) => d.name)).toEqual(['Sales', 'Support']);
    expect(nodes[1].whitelist).toBeNull();
    expect(nodes[4].departments).toEqual([]);
    expect(nodes[0].dialPermission).toEqual({ name: 'DialPlan1' });
    expect(JSON.parse(nodes[0].qrCode.payload)).toMatchObject({ extension: '730', username: '730', password: nodes[0].password, displayName: nodes[0].name });
    for (const field of [...SCALARS, ...RELATIONS]) {
      const alone = await gql(page(field));
      expect(alone.errors, field).toBeUndefined();
      const key = field.split(' ')[0]!;
      expect(
        alone.data.extensions.edges.map((e: any) => e.node[key]),
        field,
      ).toEqual(nodes.map((n: any) => n[key]));
    }
  });

  it('reads only the columns the fields need, and a field that declares nothing gets every column', async () => {
    const statements: string[] = [];
    const prisma = server.running.services.db.prisma as unknown as { $on(event: 'query', cb: (e: { query: string }) => void): void };
    prisma.$on('query', (e) => statements.push(e.query));
    const listSql = () => statements.find((q) => /FROM [`"]?main[`"]?\.[`"]Extension[`"]|FROM "public"\."Extension"/.test(q) && /ORDER BY/.test(q)) ?? '';
    await gql(page('number name'));
    expect(listSql()).toMatch(/number/);
    expect(listSql()).not.toMatch(/password/);
    statements.length = 0;
    await gql(page('number ... on Extension { passwordStrength }'));
    expect(listSql()).toMatch(/password/);
    expect(listSql()).not.toMatch(/voicemailPin/);
  });

  it('loads the relations of a page with a fixed number of statements, whatever its size', async () => {
    const db = server.running.services.db;
    const count = async (first: number) => {
      const before = db.queryCount();
      const r = await gql(page('number departments { name members { number } } dialPermission { name } whitelist { name }', first));
      expect(r.errors).toBeUndefined();
      return db.queryCount() - before;
    };
    // The fewest of three: the server's background work (lease renewal, the record import's poll) may add a statement.
    const fewest = async (first: number) => Math.min(await count(first), await count(first), await count(first));
    expect(await fewest(8)).toBe(await fewest(2));
  });
});

describe('who sees an extension', () => {
  it('a key that may read departments but not extensions gets the departments, not their members', async () => {
    const r = await gql(`{ departments(first: 5) { edges { node { name } } } }`, {}, departmentsKey);
    expect(r.errors).toBeUndefined();
    expect(r.data.departments.edges.map((e: any) => e.node.name)).toEqual(['Sales', 'Support']);
    const members = await gql(`{ departments(first: 5) { edges { node { name members { number name } } } } }`, {}, departmentsKey);
    expect(JSON.stringify(members.data ?? null)).not.toMatch(/"73\d"/);
    expect(members.errors?.length).toBeGreaterThan(0);
    for (const error of members.errors ?? []) {
      expect(error).toMatchObject({ message: 'Not permitted: Extension', extensions: { code: 'FORBIDDEN' } });
      expect(error.path?.slice(-2)[0]).toBe('members');
    }
  });

  it('an extension user reaches itself through every path, and no other extension through any', async () => {
    const me = await server.login('730', 'Login-730-pass');
    const own = await gql(`{ me { extension { number } } extension(number: "730") { number } extensions(first: 10) { edges { node { number } } } }`, {}, me);
    expect(own.errors).toBeUndefined();
    expect(own.data).toEqual({ me: { extension: { number: '730' } }, extension: { number: '730' }, extensions: { edges: [{ node: { number: '730' } }] } });
    for (const [query, variables] of [
      [`{ extension(number: "731") { number } }`, {}],
      // A number no extension has is refused alike: the answer tells nothing of which numbers exist.
      [`{ extension(number: "739") { number } }`, {}],
      [`query($id: ID!) { node(id: $id) { ... on Extension { number } } }`, { id: otherId }],
      [`query($id: ID!) { nodes(ids: [$id]) { ... on Extension { number } } }`, { id: otherId }],
    ] as const) {
      const r = await gql(query, variables, me);
      expect(JSON.stringify(r.data ?? null), query).not.toMatch(/731/);
      expect(
        r.errors?.map((e) => [e.message, e.extensions?.code]),
        query,
      ).toEqual([['Not permitted: Extension', 'FORBIDDEN']]);
    }
  });

  it('an extension user sees its dial permission, and not its departments (checked once per object returned)', async () => {
    const me = await server.login('731', 'Login-731-pass');
    const permission = await gql(`{ extension(number: "731") { dialPermission { name } } }`, {}, me);
    expect(permission.errors).toBeUndefined();
    expect(permission.data.extension.dialPermission).toEqual({ name: 'DialPlan1' });
    const departments = await gql(`{ extension(number: "731") { number departments { name } } }`, {}, me);
    expect(JSON.stringify(departments.data ?? null)).not.toMatch(/Sales|Support/);
    expect(departments.errors?.map((e) => [e.message, e.extensions?.code, e.path?.slice(0, 2)])).toEqual([
      ['Not permitted: Department', 'FORBIDDEN', ['extension', 'departments']],
      ['Not permitted: Department', 'FORBIDDEN', ['extension', 'departments']],
    ]);
  });

  it('anonymous callers are told to authenticate', async () => {
    const r = await gql(`query($id: ID!) { node(id: $id) { ... on Extension { number } } }`, { id: otherId }, '');
    expect(r.data?.node ?? null).toBeNull();
    expect(r.errors?.[0]).toMatchObject({ message: 'Not authenticated', extensions: { code: 'UNAUTHENTICATED' } });
  });
});
