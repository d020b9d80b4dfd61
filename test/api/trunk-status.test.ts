import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAriStandin, type AriStandin } from '../support/ari-standin/index.js';
import { ERROR_FIELDS, ok, startTestServer, type TestServer } from '../support/server.js';
import { subscribe, until } from '../support/subscriptions.js';
import { FakeAmiServer } from '../pbx/ami/fake-ami-server.js';
import { FakeTrunkAsterisk } from '../pbx/ami/fake-trunk-asterisk.js';

/** Live trunk status (F-3.3.a) over GraphQL: query, graphql-ws and SSE subscriptions. */
const FIELDS = `trunkId name kind mode status latencyMs serverAddress peerContact lastFailureReason changedAt`;
const WATCH = `subscription($names: [String!]) { trunkStatusChanged(names: $names) { ${FIELDS} } }`;

let standin: AriStandin;
let ami: FakeAmiServer;
let asterisk: FakeTrunkAsterisk;
let server: TestServer;

beforeAll(async () => {
  standin = await startAriStandin({ username: 'pbx', password: 'ari-test-pass' });
  ami = await FakeAmiServer.start({ username: 'pbx', secret: 'ami-test-pass' });
  asterisk = new FakeTrunkAsterisk(ami);
  asterisk.registrations.set('provider-registration', { clientUri: 'sip:pbxuser@127.0.0.1:40243', serverUri: 'sip:127.0.0.1:40243', endpoint: 'provider', status: 'Registered' });
  asterisk.endpoints.set('provider', [{ uri: 'sip:127.0.0.1:40243', status: 'Reachable', rttUsec: 18000 }]);
  asterisk.endpoints.set('101', []);
  server = await startTestServer({ ARI_URL: standin.url, ARI_PASSWORD: 'ari-test-pass', AMI_PORT: String(ami.port), AMI_PASSWORD: 'ami-test-pass' });
  // The trunk rows as the trunk domain writes them; its change notice makes the live status read them.
  const prisma = server.running.services.db.prisma;
  const permission = await prisma.dialPermission.create({ data: { name: 'trunk-status-test' } });
  const row = (name: string, mode: string, options: object, enabled = true) => ({ name, kind: 'SIP', mode, enabled, dialPermissionId: permission.id, options: JSON.stringify(options) });
  await prisma.trunk.createMany({
    data: [
      row('provider', 'CLIENT', { serverHost: '127.0.0.1', serverPort: 40243, username: 'pbxuser' }),
      row('101', 'SERVER', {}),
      row('spare', 'CLIENT', { serverHost: 'spare.example.com', serverPort: 5060, username: 'x' }, false),
    ],
  });
  server.running.services.changes.notify('trunks created');
  await until(() => server.running.services.live.trunks.get('provider')?.status === 'REGISTERED', 10_000, 'provider registered');
});
afterAll(async () => {
  await server.stop();
  await standin.stop();
  await ami.close();
});

describe('trunkStatuses', () => {
  it('lists every trunk with its live status, for admins only', async () => {
    const result = await server.gql(`{ trunkStatuses { ${FIELDS} } }`, {}, server.adminToken);
    expect(result.errors).toBeUndefined();
    const byName = Object.fromEntries(result.data.trunkStatuses.map((s: { name: string }) => [s.name, s]));
    expect(Object.keys(byName)).toEqual(['101', 'provider', 'spare']);
    expect(byName.provider).toMatchObject({ kind: 'SIP', mode: 'CLIENT', status: 'REGISTERED', latencyMs: 18, serverAddress: '127.0.0.1:40243', peerContact: null, lastFailureReason: null });
    expect(typeof byName.provider.trunkId).toBe('string');
    expect(Number.isNaN(Date.parse(byName.provider.changedAt))).toBe(false);
    expect(byName['101']).toMatchObject({ mode: 'SERVER', status: 'UNREGISTERED', peerContact: null });
    expect(byName.spare).toMatchObject({ status: 'DISABLED', latencyMs: null });
    const only = await server.gql(`{ trunkStatuses(names: ["spare"]) { name } }`, {}, server.adminToken);
    expect(only.data.trunkStatuses).toEqual([{ name: 'spare' }]);
    const anonymous = await server.gql(`{ trunkStatuses { name } }`);
    expect(anonymous.errors?.[0]).toMatchObject({ message: 'Not authenticated', extensions: { code: 'UNAUTHENTICATED' } });
  });
});

describe('trunkStatusChanged', () => {
  it('over graphql-ws: the current state first, then each change', async () => {
    const sub = subscribe(server.graphqlUrl, server.adminToken, WATCH, { names: ['provider'] });
    try {
      const first = await sub.waitFor((r) => !!r.data?.trunkStatusChanged);
      expect(first.data.trunkStatusChanged).toMatchObject({ name: 'provider', status: 'REGISTERED', latencyMs: 18 });
      await asterisk.play('sip-registered-rejected-registered.txt', { delayMs: 50 });
      const rejected = await sub.waitFor((r) => r.data?.trunkStatusChanged?.status === 'REJECTED');
      expect(rejected.data.trunkStatusChanged.lastFailureReason).toBe('registration rejected by the provider (wrong credentials, or refused)');
      await sub.waitFor((r) => sub.results.indexOf(r) > sub.results.indexOf(rejected) && r.data?.trunkStatusChanged?.status === 'REGISTERED');
      // Only the watched trunk; the repeated Registered was not sent again.
      expect(sub.results.map((r) => r.data.trunkStatusChanged.name)).toEqual(['provider', 'provider', 'provider']);
    } finally {
      await sub.close();
    }
  });

  it("a server-mode trunk shows its peer's contact", async () => {
    const sub = subscribe(server.graphqlUrl, server.adminToken, WATCH, { names: ['101'] });
    try {
      await sub.waitFor((r) => r.data?.trunkStatusChanged?.status === 'UNREGISTERED');
      await asterisk.play('sip-server-peer-registers.txt');
      const registered = await sub.waitFor((r) => r.data?.trunkStatusChanged?.status === 'REGISTERED');
      expect(registered.data.trunkStatusChanged).toMatchObject({ peerContact: 'sip:101@127.0.0.67:44673;ob', serverAddress: '127.0.0.67:44673' });
      await sub.waitFor((r) => sub.results.indexOf(r) > sub.results.indexOf(registered) && r.data?.trunkStatusChanged?.status === 'UNREGISTERED');
    } finally {
      await sub.close();
    }
  });

  it('over SSE: the current state first, then a change', async () => {
    const controller = new AbortController();
    const query = encodeURIComponent('subscription { trunkStatusChanged(names: ["provider"]) { name status latencyMs } }');
    const response = await fetch(`${server.graphqlUrl}?query=${query}`, { headers: { accept: 'text/event-stream', authorization: `Bearer ${server.adminToken}` }, signal: controller.signal });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = response.body!.getReader();
    let text = '';
    try {
      while (!text.includes('"name":"provider"')) text += new TextDecoder().decode((await reader.read()).value);
      expect(text).toMatch(/"status":"REGISTERED"/);
      await asterisk.play('sip-unreachable.txt');
      while (!text.includes('"status":"UNREACHABLE"')) text += new TextDecoder().decode((await reader.read()).value);
      expect(text.indexOf('"status":"REGISTERED"')).toBeLessThan(text.indexOf('"status":"UNREACHABLE"'));
    } finally {
      controller.abort();
    }
  });

  it('refuses a stranger (UNAUTHENTICATED) and a caller without settings:read (FORBIDDEN)', async () => {
    ok(await server.gql(`mutation { createAccount(input: { username: "billing-trunks", password: "Billing-pass3", role: BILLING }) { ${ERROR_FIELDS} } }`, {}, server.adminToken), 'createAccount');
    const billing = await server.login('billing-trunks', 'Billing-pass3');
    for (const [token, code, message] of [
      ['', 'UNAUTHENTICATED', 'Not authenticated'],
      [billing, 'FORBIDDEN', 'Not permitted: trunk status'],
    ] as const) {
      const sub = subscribe(server.graphqlUrl, token, WATCH, {});
      try {
        await until(() => sub.errors.length > 0 || sub.results.some((r) => r.errors), 3000, 'refusal');
        expect([...sub.results.flatMap((r) => r.errors ?? []), ...sub.errors.flat()]).toEqual([expect.objectContaining({ message, extensions: { code } })]);
      } finally {
        await sub.close();
      }
    }
    const query = await server.gql(`{ trunkStatuses { name } }`, {}, billing);
    expect(query.errors?.[0]).toMatchObject({ message: 'Not permitted: trunk status', extensions: { code: 'FORBIDDEN' } });
  });
});
