// Benchmarks of rendering, applying and live state (figures printed, not asserted).
import type { IncomingMessage } from 'node:http';
import { WebSocketServer, WebSocket } from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { lintRendered } from '../src/pbx/lint-rendered.js';
import { render, type PbxSnapshot } from '../src/pbx/render/index.js';
import { sipDefaults } from '../src/trunks/fields.js';
import type { SnapshotTrunk } from '../src/trunks/snapshot.js';
import type { SnapshotPrompt } from '../src/sounds/contract.js';
import { largeSnapshot } from '../test/pbx/fixtures/snapshots.js';
import { startAriStandin } from '../test/support/ari-standin/index.js';
import { startTestServer } from '../test/support/server.js';
import { until } from '../test/support/subscriptions.js';

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
export const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]!;
export const ms = (n: number) => `${n.toFixed(1)} ms`;

/** `count` graphql-ws clients of one server, connected at once, as one token. */
export function graphqlClients(graphqlUrl: string, token: string, count: number): Client[] {
  return Array.from({ length: count }, () =>
    createClient({ url: graphqlUrl.replace('http', 'ws'), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, retryAttempts: 0, lazy: false }),
  );
}

/**
 * A plain WebSocket server on loopback and `count` clients connected to it;
 * `query` gives each client's URL query (by index), `onConnection` sees the server side of each.
 */
export async function openRelay(
  count: number,
  options: { query?: (index: number) => string; onConnection?: (socket: WebSocket, request: IncomingMessage) => void } = {},
): Promise<{ wss: WebSocketServer; sockets: WebSocket[]; close(): void }> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  if (options.onConnection) wss.on('connection', options.onConnection);
  await new Promise((r) => wss.once('listening', r));
  const query = options.query ?? (() => '');
  const port = (wss.address() as { port: number }).port;
  const sockets = await Promise.all(
    Array.from(
      { length: count },
      (_, index) =>
        new Promise<WebSocket>((resolve) => {
          const ws = new WebSocket(`ws://127.0.0.1:${port}/${query(index)}`);
          ws.once('open', () => resolve(ws));
        }),
    ),
  );
  await until(() => wss.clients.size === count, 10_000, 'relay clients');
  return {
    wss,
    sockets,
    close() {
      for (const ws of sockets) ws.close();
      wss.close();
    },
  };
}

/** Renders and checks a snapshot 5 times; prints the medians under `label`. */
async function measureRenderLint(print: (line: string) => void, label: string, snapshot: PbxSnapshot) {
  const renders: number[] = [];
  const lints: number[] = [];
  for (let i = 0; i < 5; i++) {
    let t = performance.now();
    const result = render(snapshot);
    renders.push(performance.now() - t);
    t = performance.now();
    const issues = lintRendered(result);
    lints.push(performance.now() - t);
    if (issues.length) throw new Error(`lint: ${issues[0]!.message}`);
  }
  print(`${label}: render ${ms(median(renders))}; dialplan check: ${ms(median(lints))} (medians of 5)`);
}

export async function benchRenderLint(print: (line: string) => void) {
  await measureRenderLint(print, 'render 4,000 extensions + 100 departments', largeSnapshot(4000, 100));
}

/** 4,000 extensions with 200 SIP trunks and 500 dial-rule entries (50 rules of 10, each entry on two trunks), all in DialPlan1. */
export function trunkingSnapshot() {
  const snapshot = largeSnapshot(4000, 100);
  const trunks: SnapshotTrunk[] = Array.from({ length: 200 }, (_, i) => ({
    ...sipDefaults,
    id: `trunk-${i}`,
    kind: 'SIP',
    name: `Carrier-${i}`,
    serverHost: `sip${i}.carrier.example`,
    username: `user${i}`,
    password: `Secret-${i}`,
    maxConcurrentCalls: i % 2 ? 30 : null,
  }));
  const dialRules = Array.from({ length: 50 }, (_, r) => ({
    id: `rule-${r}`,
    name: `Rule-${r}`,
    entries: Array.from({ length: 10 }, (_, e) => ({
      id: `entry-${r}-${e}`,
      prefix: `9${String(r).padStart(2, '0')}${e}`,
      pattern: 'NXXXXXX.',
      prependDigits: e % 2 ? '00' : '',
      pinSetId: null,
      callerIdSource: 'EXT_CALLER_ID_1' as const,
      callTimeLimitSeconds: e % 3 ? null : 3600,
      trunkSelection: 'SEQUENTIAL' as const,
      trunks: [`trunk-${(r * 10 + e) % 200}`, `trunk-${(r * 10 + e + 1) % 200}`],
    })),
  }));
  snapshot.trunks = trunks;
  snapshot.dialRules = dialRules;
  snapshot.dialPermissions = snapshot.dialPermissions.map((p) => ({ ...p, dialRules: dialRules.map((r) => r.id) }));
  return snapshot;
}

export async function benchRenderLintTrunks(print: (line: string) => void) {
  await measureRenderLint(print, '4,000 extensions + 200 SIP trunks + 500 dial-rule entries', trunkingSnapshot());
}

/** The trunking snapshot plus 200 time rules and 5,000 DID routes, half of them to a time rule, and a route per trunk. */
export function inboundSnapshot() {
  const snapshot = trunkingSnapshot();
  const extension = (i: number) => ({ type: 'EXTENSION', number: snapshot.extensions[i % snapshot.extensions.length]!.number });
  snapshot.timeRules = Array.from({ length: 200 }, (_, i) => ({
    id: `rule-${i}`,
    name: `Rule-${i}`,
    work: (['MON', 'TUE', 'WED', 'THU', 'FRI'] as const).flatMap((weekday) => [
      { weekday, start: '09:00', end: '12:00' },
      { weekday, start: '13:00', end: '18:00' },
    ]),
    holidays: [
      { start: '2026-12-24', end: '2027-01-02' },
      { start: '2027-05-01', end: '2027-05-05' },
    ],
    workDestination: extension(i),
    offHoursDestination: extension(i + 1),
    holidayDestination: { type: 'HANGUP', number: null },
  }));
  snapshot.didRoutes = Array.from({ length: 5000 }, (_, i) => ({
    id: `did-${i}`,
    did: `8533${String(i).padStart(4, '0')}`,
    destination: i % 2 ? extension(i) : { type: 'TIME_RULE', number: null, targetId: `rule-${i % 200}` },
    alertInfo: i % 3 ? '' : 'ring2',
  }));
  snapshot.inboundRoutes = snapshot.trunks.map((t, i) => ({ trunkId: t.id, destination: { type: 'TIME_RULE', number: null, targetId: `rule-${i % 200}` }, alertInfo: '' }));
  return snapshot;
}

export async function benchRenderLintInbound(print: (line: string) => void) {
  await measureRenderLint(print, 'the same + 5,000 DID routes + 200 time rules + a route per trunk', inboundSnapshot());
}

/** 4,000 extensions and 100 departments with 100 queues (10 static and 10 dynamic agents each) and 200 IVRs of 12 keys, a third of them nested. */
export function attendantSnapshot() {
  const snapshot = largeSnapshot(4000, 100);
  const numbers = snapshot.extensions.map((e) => e.number);
  const prompts: SnapshotPrompt[] = Array.from({ length: 20 }, (_, i) => ({ id: `prompt-${i}`, name: `menu-${i}`, category: i % 2 ? 'CUSTOM' : 'IVR' }));
  snapshot.prompts = prompts;
  snapshot.mohClasses = [
    { id: 'mohclassdefault', name: 'default', playMode: 'SEQUENTIAL', fileCount: 0 },
    { id: 'moh-hold', name: 'hold', playMode: 'RANDOM', fileCount: 4 },
  ];
  snapshot.connection = { ...snapshot.connection, soundsDir: '/var/lib/pbx/sounds' };
  snapshot.queues = Array.from({ length: 100 }, (_, q) => ({
    id: `queue${q}`,
    strategy: q % 2 ? 'RING_ALL' : 'RR_MEMORY',
    useMemberOrder: false,
    autofill: true,
    agentRingTimeoutSeconds: 15,
    autopause: 'NO' as const,
    wrapupSeconds: 5,
    reportHoldTime: false,
    maxCallers: 0,
    prefixQueueNameToCallerId: q % 2 === 0,
    joinEmpty: true,
    leaveWhenEmpty: false,
    announceHoldTime: 'ONCE' as const,
    announcePosition: true,
    announceFrequencySeconds: 60,
    name: `Queue-${q}`,
    number: `03${String(q).padStart(2, '0')}`,
    mohClassId: q % 2 ? 'moh-hold' : 'mohclassdefault',
    periodicAnnouncePromptId: q % 3 ? null : 'prompt-1',
    periodicAnnounceFrequencySeconds: q % 3 ? 0 : 60,
    maxWaitSeconds: 300,
    staticAgents: numbers.slice(q * 20, q * 20 + 10),
    dynamicAgents: numbers.slice(q * 20 + 10, q * 20 + 20),
    failover: { type: 'EXTENSION', number: numbers[q]! },
  }));
  const digitKeys = ['KEY_1', 'KEY_2', 'KEY_3', 'KEY_4', 'KEY_5', 'KEY_6', 'KEY_7', 'KEY_8', 'KEY_9', 'KEY_0'] as const;
  snapshot.ivrs = Array.from({ length: 200 }, (_, i) => ({
    id: `ivr${i}`,
    name: `Menu-${i}`,
    number: `0${600 + i}`,
    promptId: `prompt-${(i * 2) % 20}`,
    repeatCount: 3,
    allowDirectDial: i % 2 === 0,
    directDialPermission: null,
    language: 'DEFAULT',
    digitTimeoutSeconds: 3,
    keys: digitKeys.map((key, k) => ({
      key,
      destination:
        k < 4
          ? { type: 'QUEUE', number: snapshot.queues![(i + k) % 100]!.number, targetId: `queue${(i + k) % 100}` }
          : k === 4 && i % 3 === 0
            ? { type: 'IVR', number: null, targetId: `ivr${(i + 1) % 200}` }
            : { type: 'EXTENSION', number: numbers[(i * 10 + k) % numbers.length]! },
    })),
    noInput: { type: 'HANGUP', number: null },
    invalid: { type: 'IVR', number: null, targetId: `ivr${i}` },
  }));
  return snapshot;
}

export async function benchRenderLintAttendants(print: (line: string) => void) {
  await measureRenderLint(print, '4,000 extensions + 100 departments + 100 queues + 200 IVRs', attendantSnapshot());
}

/** From the mutation to files written and the reload requested from (the stand-in of) Asterisk. */
export async function benchOneChange(print: (line: string) => void) {
  const results: Record<number, number[]> = {};
  for (const size of [40, 4000]) {
    const standin = await startAriStandin({ username: 'pbx', password: 'ari-bench-pass' });
    const server = await startTestServer({ ARI_URL: standin.url, ARI_PASSWORD: 'ari-bench-pass', APPLY_DEBOUNCE_MS: '0' });
    try {
      await server.gql(`mutation { updateNumberingPlan(input: { userExtensionRange: { start: "1000", end: "8999" } }) { __typename } }`, {}, server.adminToken);
      await server.gql(`mutation { createExtensions(input: { startNumber: "1000", count: ${size} }) { __typename } }`, {}, server.adminToken);
      const applier = server.running.services.applier;
      await until(
        () => server.running.services.live.asteriskConnected && applier.state.appliedRevision === applier.state.revision && applier.state.lastApply?.outcome === 'APPLIED',
        30_000,
        'initial apply',
      );
      const id = (await server.gql(`{ extension(number: "1000") { id } }`, {}, server.adminToken)).data.extension.id;
      const times: number[] = [];
      for (let i = 0; i < 7; i++) {
        const reloads = standin.reloads.length;
        const started = performance.now();
        await server.gql(`mutation($id: ID!) { updateExtension(id: $id, input: { maxContacts: ${2 + (i % 3) + 1} }) { __typename } }`, { id }, server.adminToken);
        await until(() => standin.reloads.length > reloads, 30_000, 'reload');
        times.push(performance.now() - started);
      }
      results[size] = times;
    } finally {
      await server.stop();
      await standin.stop();
    }
  }
  print(
    `one extension change, mutation → files written → reload requested: ${ms(median(results[40]!))} at 40 extensions, ${ms(median(results[4000]!))} at 4,000 (medians of 7; the whole pjsip.conf is rendered and written)`,
  );
}

/** 1,000 graphql-ws subscribers of extension status fed by ARI events, beside a plain WebSocket relay of the same events. */
export async function benchSubscribers(print: (line: string) => void, subscribers = 1000, events = 2000) {
  const standin = await startAriStandin({ username: 'pbx', password: 'ari-bench-pass' });
  const server = await startTestServer({ ARI_URL: standin.url, ARI_PASSWORD: 'ari-bench-pass' });
  try {
    await until(() => server.running.services.live.asteriskConnected, 10_000, 'ARI');
    // One configured extension: its current status is every subscriber's first message.
    await server.gql(`mutation { createExtension(input: { number: "100", name: "First", password: "Secret-100" }) { __typename } }`, {}, server.adminToken);
    const live = server.running.services.live;
    const published: number[] = [];
    live.store.on('changed', () => published.push(performance.now()));
    const latencies: number[] = [];
    let received = 0;
    const clients = graphqlClients(server.graphqlUrl, server.adminToken, subscribers);
    const ready: Promise<void>[] = [];
    for (const client of clients) {
      let seen = 0;
      ready.push(
        new Promise((resolve) => {
          client.subscribe(
            { query: 'subscription { extensionStatusChanged { number state } }' },
            {
              next: () => {
                if (seen === 0) resolve();
                const at = published[seen - 1];
                if (seen > 0 && at !== undefined) latencies.push(performance.now() - at);
                seen += 1;
                received += 1;
              },
              error: () => undefined,
              complete: () => undefined,
            },
          );
        }),
      );
    }
    // Each subscriber's first message is the current status of 100, so every later one is an event.
    await Promise.race([Promise.all(ready), new Promise((_, reject) => setTimeout(() => reject(new Error('subscribers did not all start')), 60_000))]);
    published.length = 0;
    received = 0;
    latencies.length = 0;
    const started = performance.now();
    standin.burstDeviceStates(events, 'PJSIP/');
    await until(() => received >= subscribers * events * 0.999, 120_000, 'delivery');
    const seconds = (performance.now() - started) / 1000;
    print(
      `${subscribers} graphql-ws subscribers, ${events} ARI events (distinct extensions): ${Math.round((subscribers * events) / seconds).toLocaleString('en')} deliveries/s, p99 latency ${ms(percentile(latencies, 99))}, median ${ms(median(latencies))}`,
    );
    await Promise.all(clients.map(async (c) => c.dispose()));
  } finally {
    await server.stop();
    await standin.stop();
  }

  // The same events through a plain WebSocket relay: the floor any subscription layer sits on.
  const relay = await openRelay(subscribers);
  const { wss, sockets } = relay;
  const sent: number[] = [];
  const latencies: number[] = [];
  let received = 0;
  for (const ws of sockets) {
    let seen = 0;
    ws.on('message', () => {
      latencies.push(performance.now() - sent[seen]!);
      seen += 1;
      received += 1;
    });
  }
  const started = performance.now();
  for (let i = 0; i < events; i++) {
    const payload = JSON.stringify({ type: 'next', payload: { data: { extensionStatusChanged: { number: String(i), state: 'BUSY' } } } });
    sent.push(performance.now());
    for (const client of wss.clients) client.send(payload);
    if (i % 50 === 49) await new Promise((r) => setImmediate(r));
  }
  await until(() => received >= subscribers * events, 120_000, 'relay delivery');
  const seconds = (performance.now() - started) / 1000;
  print(
    `plain WebSocket relay, same ${subscribers} clients and ${events} events: ${Math.round((subscribers * events) / seconds).toLocaleString('en')} deliveries/s, p99 latency ${ms(percentile(latencies, 99))}, median ${ms(median(latencies))}`,
  );
  relay.close();
}
