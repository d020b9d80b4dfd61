import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAriStandin, type AriStandin } from '../../support/ari-standin/index.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { subscribe, until } from '../../support/subscriptions.js';

const STATUS = `subscription($numbers: [String!]) { extensionStatusChanged(numbers: $numbers) { number state contacts { ip port status latencyMs uri } } }`;
const APPLIED = `subscription { pbxApplied { revision outcome changedFiles reloadedModules pushedObjects removedObjects error } }`;

let standin: AriStandin;
let server: TestServer;

beforeAll(async () => {
  standin = await startAriStandin({ username: 'pbx', password: 'ari-test-pass' });
  server = await startTestServer({ ARI_URL: standin.url, ARI_USERNAME: 'pbx', ARI_PASSWORD: 'ari-test-pass', APPLY_DEBOUNCE_MS: '150' });
  for (const n of ['100', '101']) {
    const r = await server.gql(`mutation { createExtension(input: { number: "${n}", name: "User ${n}", password: "Secret-${n}" }) { __typename } }`, {}, server.adminToken);
    expect(r.data.createExtension.__typename).toBe('MutationCreateExtensionSuccess');
  }
  await until(() => server.running.services.live.asteriskConnected, 5000, 'ARI connected');
  // The extensions' endpoints exist in Asterisk once the server has pushed them.
  await until(() => ['100', '101'].every((n) => standin.dynamicObject('res_pjsip', 'endpoint', n)), 5000, 'the endpoints pushed');
});
afterAll(async () => {
  await server.stop();
  await standin.stop();
});

describe('live extension status from ARI (F-3.2)', () => {
  it('starts with the current state, then follows a registration, a call and an unregistration', async () => {
    const sub = subscribe(server.graphqlUrl, server.adminToken, STATUS, { numbers: ['100', '101'] });
    try {
      await sub.waitFor((r) => r.data?.extensionStatusChanged?.number === '100' && r.data.extensionStatusChanged.state === 'OFFLINE');
      await sub.waitFor((r) => r.data?.extensionStatusChanged?.number === '101' && r.data.extensionStatusChanged.state === 'OFFLINE');

      standin.register('100', { ip: '192.0.2.10', port: 5072, rttUsec: 1085, userAgent: 'pjsua' });
      standin.register('101', { ip: '192.0.2.11', port: 5074, rttUsec: 2500 });
      const online = await sub.waitFor(
        (r) => r.data?.extensionStatusChanged?.number === '100' && r.data.extensionStatusChanged.state === 'ONLINE' && r.data.extensionStatusChanged.contacts[0]?.latencyMs > 0,
      );
      expect(online.data.extensionStatusChanged.contacts[0]).toMatchObject({ ip: '192.0.2.10', port: 5072, status: 'Reachable', latencyMs: 1.085 });

      const call = standin.ring('100', '101');
      await sub.waitFor((r) => r.data?.extensionStatusChanged?.number === '101' && r.data.extensionStatusChanged.state === 'RINGING');
      standin.answer(call);
      await sub.waitFor((r) => r.data?.extensionStatusChanged?.number === '101' && r.data.extensionStatusChanged.state === 'BUSY');
      await sub.waitFor((r) => r.data?.extensionStatusChanged?.number === '100' && r.data.extensionStatusChanged.state === 'BUSY');
      const board = await server.gql(`{ extensionStatuses { asteriskConnected counts { total online inCall ringing offline } } }`, {}, server.adminToken);
      expect(board.data.extensionStatuses).toEqual({ asteriskConnected: true, counts: { total: 2, online: 0, inCall: 2, ringing: 0, offline: 0 } });
      standin.hangup(call);
      const count = sub.results.length;
      await sub.waitFor((r) => sub.results.indexOf(r) >= count && r.data?.extensionStatusChanged?.number === '101' && r.data.extensionStatusChanged.state === 'ONLINE');

      standin.unregister('101');
      await sub.waitFor((r) => r.data?.extensionStatusChanged?.number === '101' && r.data.extensionStatusChanged.state === 'OFFLINE' && r.data.extensionStatusChanged.contacts.length === 0);
    } finally {
      await sub.close();
    }
  });

  it('an extension user may watch only itself', async () => {
    await server.gql(`mutation { setExtensionLoginPassword(extension: "100", password: "Login-100-pass") { __typename } }`, {}, server.adminToken);
    const me = await server.login('100', 'Login-100-pass');
    const own = subscribe(server.graphqlUrl, me, STATUS, {});
    const other = subscribe(server.graphqlUrl, me, STATUS, { numbers: ['101'] });
    try {
      const first = await own.waitFor((r) => !!r.data);
      expect(first.data.extensionStatusChanged.number).toBe('100');
      await until(() => other.errors.length > 0 || other.results.some((r) => r.errors), 3000, 'refusal');
      expect(JSON.stringify([...other.errors, ...other.results])).toContain('only its own');
      standin.register('101', { ip: '192.0.2.11', port: 5074 });
      await new Promise((r) => setTimeout(r, 200));
      expect(own.results.every((r) => r.data.extensionStatusChanged.number === '100')).toBe(true);
    } finally {
      await own.close();
      await other.close();
    }
  });

  it('works over SSE as well', async () => {
    const controller = new AbortController();
    const response = await fetch(`${server.graphqlUrl}?query=${encodeURIComponent('subscription { extensionStatusChanged(numbers: ["100"]) { number state } }')}`, {
      headers: { accept: 'text/event-stream', authorization: `Bearer ${server.adminToken}` },
      signal: controller.signal,
    });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = response.body!.getReader();
    let text = '';
    while (!text.includes('"number":"100"')) text += new TextDecoder().decode((await reader.read()).value);
    expect(text).toMatch(/"state":"(ONLINE|OFFLINE)"/);
    controller.abort();
  });

  it('survives the stand-in dying and coming back: state rebuilt, the subscription kept', async () => {
    const sub = subscribe(server.graphqlUrl, server.adminToken, STATUS, { numbers: ['100'] });
    try {
      await sub.waitFor((r) => r.data?.extensionStatusChanged?.state === 'ONLINE');
      await standin.stop();
      const down = await sub.waitFor((r) => r.data?.extensionStatusChanged?.state === 'UNAVAILABLE', 5000);
      const afterDown = (r: unknown) => sub.results.indexOf(r) > sub.results.indexOf(down);
      expect(server.running.services.live.asteriskConnected).toBe(false);
      // Like Asterisk, the stand-in comes back with the contact 100 registered before (astdb): online, NonQualified.
      await standin.restart();
      await until(() => server.running.services.live.asteriskConnected, 15000, 'ARI reconnected');
      // Rebuilt from the listings alone: ONLINE again, no contact known yet (ARI lists none; no AMI here).
      const rebuilt = await sub.waitFor((r) => afterDown(r) && r.data?.extensionStatusChanged?.state === 'ONLINE', 5000);
      expect(rebuilt.data.extensionStatusChanged.contacts).toEqual([]);
      // The next qualify reports the kept contact; the subscription follows it.
      standin.qualify('100');
      const qualified = await sub.waitFor((r) => afterDown(r) && r.data?.extensionStatusChanged?.contacts?.length === 1, 5000);
      expect(qualified.data.extensionStatusChanged).toMatchObject({ state: 'ONLINE', contacts: [{ ip: '192.0.2.10', port: 5072, status: 'Reachable', latencyMs: 1.085 }] });
      // Later registrations and unregistrations are followed as before the restart.
      standin.register('100', { ip: '192.0.2.20', port: 5090 });
      const back = await sub.waitFor((r) => r.data?.extensionStatusChanged?.state === 'ONLINE' && r.data.extensionStatusChanged.contacts.some((c: { ip: string }) => c.ip === '192.0.2.20'));
      expect(back.data.extensionStatusChanged.contacts.map((c: { ip: string; port: number }) => `${c.ip}:${c.port}`)).toEqual(['192.0.2.10:5072', '192.0.2.20:5090']);
      standin.unregister('100');
      await sub.waitFor((r) => afterDown(r) && r.data?.extensionStatusChanged?.state === 'OFFLINE' && r.data.extensionStatusChanged.contacts.length === 0, 5000);
    } finally {
      await sub.close();
    }
  }, 30_000);

  it('takes a burst of 10,000 ARI events, and a subscriber that never reads holds back no one', async () => {
    const live = server.running.services.live;
    const before = live.eventsReceived;
    const started = performance.now();
    standin.burstDeviceStates(10_000);
    await until(() => live.eventsReceived - before >= 10_000, 20_000, '10,000 events');
    console.log(`10,000 ARI events received and applied in ${(performance.now() - started).toFixed(0)} ms`);

    const fast = subscribe(server.graphqlUrl, server.adminToken, STATUS, { numbers: ['100'] });
    const stalled = server.running.services.bus.subscribe('extensionStatus'); // never read
    try {
      await fast.waitFor(() => true);
      for (let i = 0; i < 10_000; i++) {
        live.store.apply({ type: 'DeviceStateChanged', device_state: { name: 'PJSIP/100', state: i % 2 ? 'INUSE' : 'NOT_INUSE' } });
      }
      live.store.apply({ type: 'DeviceStateChanged', device_state: { name: 'PJSIP/100', state: 'RINGING' } });
      // The fast subscriber reaches the final state; the stalled one holds the latest state per extension only.
      await fast.waitFor((r) => r.data?.extensionStatusChanged?.state === 'RINGING', 5000);
      expect(stalled.pending()).toBe(1);
    } finally {
      await fast.close();
      await stalled.return?.();
    }
  }, 30_000);
});

describe('applying to Asterisk (D3)', () => {
  it('a mutation is applied by itself: the changed object pushed, no file written, no module reloaded, pbxApplied published', async () => {
    const applied = subscribe(server.graphqlUrl, server.adminToken, APPLIED);
    try {
      await applied.waitFor(() => true);
      const revisionBefore = server.running.services.applier.state.revision;
      const reloadsBefore = standin.reloads.length;
      await server.gql(`mutation { updateExtension(id: "${Buffer.from('x').toString('base64')}", input: {}) { __typename } }`, {}, server.adminToken);
      const id = (await server.gql(`{ extension(number: "100") { id } }`, {}, server.adminToken)).data.extension.id;
      await server.gql(`mutation($id: ID!) { updateExtension(id: $id, input: { maxContacts: 4 }) { __typename } }`, { id }, server.adminToken);
      const report = await applied.waitFor((r) => r.data?.pbxApplied?.revision > revisionBefore, 5000);
      expect(report.data.pbxApplied).toMatchObject({ outcome: 'APPLIED', changedFiles: [], reloadedModules: [], pushedObjects: ['res_pjsip/aor/100'], removedObjects: [], error: null });
      expect(standin.reloads.slice(reloadsBefore)).toEqual([]);
      expect(standin.dynamicObject('res_pjsip', 'aor', '100')?.fields.max_contacts).toBe('4');
      const dir = server.running.config.asterisk.configDir;
      expect(readFileSync(join(dir, 'pjsip.conf'), 'utf8')).not.toMatch(/^\[100\]/m);
      const state = await server.gql(`{ pbxConfiguration { revision appliedRevision asteriskConnected lastApply { outcome } } }`, {}, server.adminToken);
      expect(state.data.pbxConfiguration.revision).toBe(state.data.pbxConfiguration.appliedRevision);
      expect(state.data.pbxConfiguration.asteriskConnected).toBe(true);
    } finally {
      await applied.close();
    }
  });

  it('a burst of mutations coalesces into few applies', async () => {
    const applier = server.running.services.applier;
    const before = applier.state.lastApply!.revision;
    const reloadsBefore = standin.reloads.length;
    const pushesBefore = standin.configRequests.length;
    const r = await server.gql(
      `mutation { a: createExtension(input: { number: "102", name: "A", password: "Secret-102" }) { __typename } b: createExtension(input: { number: "103", name: "B", password: "Secret-103" }) { __typename } c: updatePbxSettings(input: { globalRingSeconds: 25 }) { __typename } }`,
      {},
      server.adminToken,
    );
    expect(Object.values(r.data).map((x: any) => x.__typename)).toEqual(['MutationCreateExtensionSuccess', 'MutationCreateExtensionSuccess', 'MutationUpdatePbxSettingsSuccess']);
    await until(() => applier.state.appliedRevision === applier.state.revision && applier.state.lastApply!.revision > before, 5000, 'apply');
    const reloads = standin.reloads.slice(reloadsBefore);
    // The extensions' objects are pushed once each, pjsip.conf is left alone; the dialplan is reloaded once.
    expect(reloads.filter((m) => m === 'res_pjsip.so').length).toBe(0);
    expect(reloads.filter((m) => m === 'pbx_config.so').length).toBe(1);
    const puts = standin.configRequests.slice(pushesBefore).filter((q) => q.method === 'PUT' && q.status === 200);
    expect(puts.map((q) => `${q.type}/${q.id}`).sort()).toEqual(['aor/102', 'aor/103', 'auth/102-auth', 'auth/103-auth', 'endpoint/102', 'endpoint/103']);
  });

  it('a dry run shows the pending diff and writes nothing', async () => {
    const dir = server.running.config.asterisk.configDir;
    const before = readFileSync(join(dir, 'extensions.conf'), 'utf8');
    await server.running.services.applier.stop(); // hold automatic applies for this test
    try {
      await server.running.services.settings.update('pbx', { globalRingSeconds: 44 });
      const dry = await server.gql(`{ pbxDryRun { changes { path diff } dialplanIssues { code } } }`, {}, server.adminToken);
      expect(dry.data.pbxDryRun.changes.map((c: any) => c.path)).toEqual(['extensions.conf']);
      expect(dry.data.pbxDryRun.changes[0].diff).toContain('-PBX_RINGTIME=25\n+PBX_RINGTIME=44');
      expect(readFileSync(join(dir, 'extensions.conf'), 'utf8')).toBe(before);
      const op = await server.gql(`mutation { createAccount(input: { username: "opdry", password: "operator-pass", role: OPERATOR }) { __typename } }`, {}, server.adminToken);
      expect(op.data.createAccount.__typename).toBe('MutationCreateAccountSuccess');
      const denied = await server.gql(`{ pbxDryRun { revision } }`, {}, await server.login('opdry', 'operator-pass'));
      expect(denied.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    } finally {
      (server.running.services.applier as unknown as { stopped: boolean }).stopped = false;
    }
    const report = await server.gql(`mutation { applyPbxConfiguration { outcome changedFiles } }`, {}, server.adminToken);
    expect(report.data.applyPbxConfiguration).toEqual({ outcome: 'APPLIED', changedFiles: ['extensions.conf'] });
  });

  it('a failed reload puts the previous files back and reports the error', async () => {
    const dir = server.running.config.asterisk.configDir;
    const before = readFileSync(join(dir, 'extensions.conf'), 'utf8');
    standin.failReload('pbx_config.so', 409);
    try {
      await server.gql(`mutation { updatePbxSettings(input: { globalRingSeconds: 31 }) { __typename } }`, {}, server.adminToken);
      const applier = server.running.services.applier;
      await until(() => applier.state.lastApply?.outcome === 'FAILED', 5000, 'failed apply');
      expect(applier.state.lastApply!.error).toMatch(/reload failed, previous files restored/);
      expect(readFileSync(join(dir, 'extensions.conf'), 'utf8')).toBe(before);
    } finally {
      standin.failReload('pbx_config.so', null);
    }
    const report = await server.gql(`mutation { applyPbxConfiguration { outcome } }`, {}, server.adminToken);
    expect(report.data.applyPbxConfiguration.outcome).toBe('APPLIED');
  });
});
