import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_FIELDS, ok, startTestServer, type TestServer } from '../support/server.js';
import { subscribe } from '../support/subscriptions.js';

/** The IP blacklist, trusted networks and intrusion protection settings through GraphQL (F-7.7.2–F-7.7.4). */
let server: TestServer;
const BAN = `id address service source reason createdAt expiresAt`;
const gql = (query: string, variables: Record<string, unknown> = {}) => server.gql(query, variables, server.adminToken);
const banIp = (input: Record<string, unknown>) =>
  gql(`mutation($input: BanIpInput!) { banIp(input: $input) { ${ERROR_FIELDS} ... on ConflictError { path } ... on MutationBanIpSuccess { data { ${BAN} } } } }`, { input });
const unbanIp = (address: string) =>
  gql(`mutation($a: String!) { unbanIp(address: $a) { ${ERROR_FIELDS} ... on NotFoundError { entity reference } ... on MutationUnbanIpSuccess { data { count deletedIds } } } }`, { a: address });
const bans = async () => (await gql(`{ ipBans(first: 100) { totalCount edges { node { ${BAN} } } } }`)).data.ipBans as { totalCount: number; edges: { node: Record<string, any> }[] };
const createTrusted = (input: Record<string, unknown>) =>
  gql(
    `mutation($input: CreateTrustedNetworkInput!) { createTrustedNetwork(input: $input) { ${ERROR_FIELDS} ... on ConflictError { path } ... on MutationCreateTrustedNetworkSuccess { data { id name network enabled } } } }`,
    { input },
  );
const pjsipConf = () => readFileSync(join(server.running.config.asterisk.configDir, 'pjsip.conf'), 'utf8');
const applied = async () => (await gql(`mutation { applyPbxConfiguration { outcome error } }`)).data.applyPbxConfiguration;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

describe('intrusion protection settings', () => {
  it('reads its defaults and changes only the fields given, with typed field errors', async () => {
    const read = await gql(`{ settings { intrusionProtection { sipEnabled sipMaxRetry sipFindTimeSeconds sipBanTimeSeconds } } }`);
    expect(read.data.settings.intrusionProtection).toEqual({ sipEnabled: true, sipMaxRetry: 10, sipFindTimeSeconds: 600, sipBanTimeSeconds: 3600 });
    const UPDATE = `mutation($input: IntrusionProtectionSettingsInput!) { updateIntrusionProtectionSettings(input: $input) { ${ERROR_FIELDS} ... on MutationUpdateIntrusionProtectionSettingsSuccess { data { sipEnabled sipMaxRetry sipFindTimeSeconds sipBanTimeSeconds } } } }`;
    expect(ok(await gql(UPDATE, { input: { sipMaxRetry: 5 } }), 'updateIntrusionProtectionSettings')).toEqual({ sipEnabled: true, sipMaxRetry: 5, sipFindTimeSeconds: 600, sipBanTimeSeconds: 3600 });
    const bad = await gql(UPDATE, { input: { sipMaxRetry: 0, sipBanTimeSeconds: 10 } });
    expect(bad.data.updateIntrusionProtectionSettings.__typename).toBe('ValidationError');
    expect(bad.data.updateIntrusionProtectionSettings.issues.map((i: { path: string[] }) => i.path.join('.')).sort()).toEqual(['input.sipBanTimeSeconds', 'input.sipMaxRetry']);
    ok(await gql(UPDATE, { input: { sipMaxRetry: 10 } }), 'updateIntrusionProtectionSettings');
  });
});

describe('the IP blacklist (F-7.7.3)', () => {
  it('bans an address by hand: listed with reason and expiry, rendered into pjsip.conf, lifted by address', async () => {
    const before = Date.now();
    const ban = ok(await banIp({ address: '203.0.113.50', reason: 'scanner seen in the logs', durationSeconds: 3600 }), 'banIp');
    expect(ban).toMatchObject({ address: '203.0.113.50', service: 'SIP', source: 'MANUAL', reason: 'scanner seen in the logs' });
    expect(new Date(ban.expiresAt).getTime()).toBeGreaterThanOrEqual(before + 3600_000);
    expect(new Date(ban.expiresAt).getTime()).toBeLessThan(Date.now() + 3600_000 + 1000);
    const listed = await bans();
    expect(listed.edges.map((e) => e.node)).toContainEqual(ban);
    expect((await applied()).error).toBeNull();
    expect(pjsipConf()).toContain('[intrusion-bans]\ntype=acl\ndeny=203.0.113.50/32\n');

    const lifted = ok(await unbanIp('203.0.113.50'), 'unbanIp');
    expect(lifted).toEqual({ count: 1, deletedIds: [ban.id] });
    expect((await bans()).edges.some((e) => e.node.address === '203.0.113.50')).toBe(false);
    await applied();
    expect(pjsipConf()).not.toContain('intrusion-bans');
    expect((await unbanIp('203.0.113.50')).data.unbanIp).toMatchObject({ __typename: 'NotFoundError', entity: 'IpBan', reference: '203.0.113.50' });
  });

  it('bans a network until lifted by hand; banning again replaces reason and time; unbanIps lifts by id', async () => {
    const first = ok(await banIp({ address: '2001:db8:bad::/48', durationSeconds: 60 }), 'banIp');
    expect(first).toMatchObject({ address: '2001:db8:bad::/48', reason: 'banned by hand' });
    const again = ok(await banIp({ address: '2001:DB8:BAD:0::/48', reason: 'for good' }), 'banIp');
    expect(again).toMatchObject({ id: first.id, reason: 'for good', expiresAt: null });
    await applied();
    expect(pjsipConf()).toContain('deny=2001:db8:bad::/48\n');
    const lifted = await gql(`mutation($ids: [ID!]!) { unbanIps(ids: $ids) { ${ERROR_FIELDS} ... on MutationUnbanIpsSuccess { data { count } } } }`, { ids: [first.id] });
    expect(ok(lifted, 'unbanIps')).toEqual({ count: 1 });
    const missing = await gql(`mutation($ids: [ID!]!) { unbanIps(ids: $ids) { ${ERROR_FIELDS} } }`, { ids: [first.id] });
    expect(missing.data.unbanIps.__typename).toBe('NotFoundError');
  });

  it('refuses what is not an address, a reason that could break a line, a duration out of range, a too wide network', async () => {
    const issues = async (input: Record<string, unknown>) => {
      const r = (await banIp(input)).data.banIp;
      expect(r.__typename).toBe('ValidationError');
      return r.issues.map((i: { path: string[]; code: string }) => `${i.path.join('.')}:${i.code}`);
    };
    expect(await issues({ address: '203.0.113.1\ndeny=0.0.0.0/0' })).toEqual(['input.address:INVALID_FORMAT']);
    expect(await issues({ address: '203.0.113.1,0.0.0.0/0' })).toEqual(['input.address:INVALID_FORMAT']);
    expect(await issues({ address: 'sip.example.com' })).toEqual(['input.address:INVALID_FORMAT']);
    expect(await issues({ address: '10.0.0.0/7' })).toEqual(['input.address:INVALID_FORMAT']);
    expect(await issues({ address: '203.0.113.7/24' })).toEqual(['input.address:INVALID_FORMAT']);
    expect(await issues({ address: '203.0.113.1', reason: 'a;b', durationSeconds: 0 })).toEqual(['input.reason:INVALID_FORMAT', 'input.durationSeconds:OUT_OF_BOUNDS']);
    expect((await bans()).totalCount).toBe(0);
  });

  it('streams every ban and unban (graphql-ws and SSE), expiry included', async () => {
    const sub = subscribe(server.graphqlUrl, server.adminToken, `subscription { ipBanChanged { change cause ban { address source reason expiresAt } } }`);
    const controller = new AbortController();
    const sse = await fetch(`${server.graphqlUrl}?query=${encodeURIComponent('subscription { ipBanChanged { change cause ban { address } } }')}`, {
      headers: { accept: 'text/event-stream', authorization: `Bearer ${server.adminToken}` },
      signal: controller.signal,
    });
    try {
      expect(sse.headers.get('content-type')).toContain('text/event-stream');
      await new Promise((r) => setTimeout(r, 200));
      ok(await banIp({ address: '203.0.113.60', reason: 'short', durationSeconds: 1 }), 'banIp');
      const banned = await sub.waitFor((r) => r.data?.ipBanChanged?.ban?.address === '203.0.113.60');
      expect(banned.data.ipBanChanged).toMatchObject({ change: 'BANNED', cause: 'MANUAL', ban: { source: 'MANUAL', reason: 'short' } });
      // The timer lifts it about a second later, without any call.
      const expired = await sub.waitFor((r) => r.data?.ipBanChanged?.change === 'UNBANNED' && r.data.ipBanChanged.ban.address === '203.0.113.60', 5000);
      expect(expired.data.ipBanChanged.cause).toBe('EXPIRED');
      expect((await bans()).edges.some((e) => e.node.address === '203.0.113.60')).toBe(false);
      const reader = sse.body!.getReader();
      let text = '';
      while (!text.includes('"UNBANNED"')) text += new TextDecoder().decode((await reader.read()).value);
      expect(text).toContain('"change":"BANNED","cause":"MANUAL","ban":{"address":"203.0.113.60"}');
    } finally {
      controller.abort();
      await sub.close();
    }
  });
});

describe('trusted networks (F-7.7.4)', () => {
  it('creates, lists, updates and deletes; a trusted network lifts the bans it overlaps and refuses new ones', async () => {
    ok(await banIp({ address: '192.0.2.10', reason: 'by mistake' }), 'banIp');
    const office = ok(await createTrusted({ name: 'Office', network: '192.0.2.0/24' }), 'createTrustedNetwork');
    expect(office).toMatchObject({ name: 'Office', network: '192.0.2.0/24', enabled: true });
    expect((await bans()).edges.some((e) => e.node.address === '192.0.2.10')).toBe(false);

    const refused = (await banIp({ address: '192.0.2.0/25' })).data.banIp;
    expect(refused).toMatchObject({ __typename: 'ConflictError', path: ['input', 'address'] });
    expect(refused.message).toContain('trusted network Office (192.0.2.0/24)');

    const own = (await banIp({ address: '127.0.0.1' })).data.banIp;
    expect(own).toMatchObject({ __typename: 'ConflictError', path: ['input', 'address'], message: "127.0.0.1 holds 127.0.0.1, this host's own address, which is never banned" });

    const list = await gql(`{ trustedNetworks { id name network enabled } }`);
    expect(list.data.trustedNetworks).toEqual([office]);

    const UPDATE = `mutation($id: ID!, $input: UpdateTrustedNetworkInput!) { updateTrustedNetwork(id: $id, input: $input) { ${ERROR_FIELDS} ... on MutationUpdateTrustedNetworkSuccess { data { name network enabled } } } }`;
    expect(ok(await gql(UPDATE, { id: office.id, input: { enabled: false } }), 'updateTrustedNetwork')).toEqual({ name: 'Office', network: '192.0.2.0/24', enabled: false });
    // Disabled, it no longer protects.
    ok(await banIp({ address: '192.0.2.11' }), 'banIp');
    ok(await gql(UPDATE, { id: office.id, input: { enabled: true, name: 'Head office' } }), 'updateTrustedNetwork');
    expect((await bans()).edges.some((e) => e.node.address === '192.0.2.11')).toBe(false);

    const removed = await gql(`mutation($ids: [ID!]!) { deleteTrustedNetworks(ids: $ids) { ${ERROR_FIELDS} ... on MutationDeleteTrustedNetworksSuccess { data { count } } } }`, { ids: [office.id] });
    expect(ok(removed, 'deleteTrustedNetworks')).toEqual({ count: 1 });
    expect((await gql(`{ trustedNetworks { id } }`)).data.trustedNetworks).toEqual([]);
  });

  it('validates name and network with typed field errors; the same network twice is a conflict', async () => {
    const bad = (await createTrusted({ name: '', network: '192.0.2.300' })).data.createTrustedNetwork;
    expect(bad.__typename).toBe('ValidationError');
    expect(bad.issues.map((i: { path: string[] }) => i.path.join('.'))).toEqual(['input.name', 'input.network']);
    const injected = (await createTrusted({ name: 'Lab]\n[x', network: '10.0.0.0/8' })).data.createTrustedNetwork;
    expect(injected.issues.map((i: { path: string[] }) => i.path.join('.'))).toEqual(['input.name']);
    const lab = ok(await createTrusted({ name: 'Lab', network: '2001:db8:1::/48', enabled: false }), 'createTrustedNetwork');
    expect(lab).toMatchObject({ network: '2001:db8:1::/48', enabled: false });
    const twice = (await createTrusted({ name: 'Lab again', network: '2001:DB8:1:0::/48' })).data.createTrustedNetwork;
    expect(twice).toMatchObject({ __typename: 'ConflictError', path: ['input', 'network'] });
  });
});

describe('who may', () => {
  it('an operator may neither read nor change bans and trusted networks', async () => {
    ok(
      await gql(`mutation { createAccount(input: { username: "op-sec", password: "operator-pass", role: OPERATOR }) { ${ERROR_FIELDS} ... on MutationCreateAccountSuccess { data { id } } } }`),
      'createAccount',
    );
    const token = await server.login('op-sec', 'operator-pass');
    const read = await server.gql(`{ ipBans(first: 1) { totalCount } }`, {}, token);
    expect(read.errors?.[0]?.message).toContain('Not permitted');
    const trusted = await server.gql(`{ trustedNetworks { id } }`, {}, token);
    expect(trusted.errors?.[0]?.message).toContain('Not permitted');
    const ban = await server.gql(`mutation { banIp(input: { address: "203.0.113.99" }) { __typename } }`, {}, token);
    expect(ban.data.banIp.__typename).toBe('NotPermittedError');
    const settings = await server.gql(`mutation { updateIntrusionProtectionSettings(input: { sipEnabled: false }) { __typename } }`, {}, token);
    expect(settings.data.updateIntrusionProtectionSettings.__typename).toBe('NotPermittedError');
  });
});
