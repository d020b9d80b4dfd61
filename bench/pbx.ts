// Benchmarks of rendering, applying and live state (figures printed, not asserted).
import { spawn } from 'node:child_process';
import type { IncomingMessage } from 'node:http';
import { WebSocketServer, WebSocket } from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { lintRendered } from '../src/pbx/lint-rendered.js';
import { render, type PbxSnapshot } from '../src/pbx/render/index.js';
import { sipDefaults } from '../src/trunks/fields.js';
import type { SnapshotTrunk } from '../src/trunks/snapshot.js';
import type { SnapshotPrompt } from '../src/sounds/contract.js';
import { largeSnapshot } from '../test/pbx/fixtures/snapshots.js';
import { startAriStandin, type AriStandin } from '../test/support/ari-standin/index.js';
import { until } from '../test/support/subscriptions.js';
import { processFigures, repositoryRoot, serverCommand, sleep, spawnServer, tiedToBench, waitUntil, configureExtensions, type ServerCommand, type ServerProcess } from './server-process.js';

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

// Subscribers (issue 12). The server under measure runs as `npm start` runs it, in a process of its own
// (server-process.ts). The plain WebSocket relay it is compared with is a process of its own too, fed by the same ARI stand-in.

const ARI_USER = { username: 'pbx', password: 'ari-bench-pass' };
const count = (n: number) => Math.round(n).toLocaleString('en');

/** The server's V8 heap in use and allocated, from its own /metrics. */
async function heapOf(server: ServerProcess): Promise<string> {
  try {
    const response = await fetch(server.graphqlUrl.replace(/\/graphql$/, '/metrics'), { headers: { authorization: `Bearer ${server.token}` } });
    const text = await response.text();
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1]) / 2 ** 20;
    return `${value('pbx_nodejs_heap_size_used_bytes').toFixed(0)} MB used of ${value('pbx_nodejs_heap_size_total_bytes').toFixed(0)} MB, ${value('pbx_nodejs_external_memory_bytes').toFixed(0)} MB external`;
  } catch (error) {
    return `unknown (${(error as Error).message})`;
  }
}

/**
 * `count` graphql-ws clients, all connected and acknowledged before any subscribes: a client that opened its
 * socket while this process was busy with other clients' messages would miss the server's time for connection_init.
 * Failures are collected, not printed.
 */
async function connectedClients(graphqlUrl: string, token: string, count: number, errors: unknown[]): Promise<Client[]> {
  let connected = 0;
  const clients = Array.from({ length: count }, () =>
    createClient({
      url: graphqlUrl.replace('http', 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
      lazy: false,
      onNonLazyError: (error) => errors.push(error),
      on: { connected: () => (connected += 1) },
    }),
  );
  await waitUntil(() => connected + errors.length >= count, 60_000);
  return clients;
}

/** A subscription's failure as one line: graphql-ws hands over GraphQL errors, close events or errors. */
function describeError(error: unknown): string {
  if (Array.isArray(error)) return JSON.stringify(error[0]);
  if (error instanceof Error) return error.message;
  const event = error as { code?: number; reason?: string; type?: string };
  return event.code !== undefined ? `closed ${event.code} ${event.reason ?? ''}` : String(event.type ?? error);
}

/** Waits until the server reports Asterisk (the stand-in) connected. */
async function asteriskConnected(server: ServerProcess, timeoutMs: number): Promise<boolean> {
  const readyz = server.graphqlUrl.replace(/\/graphql$/, '/readyz');
  return waitUntil(async () => {
    const response = await fetch(readyz).catch(() => null);
    return ((await response?.json().catch(() => null)) as { asterisk?: string } | null)?.asterisk === 'connected';
  }, timeoutMs);
}

/**
 * DeviceStateChanged of PJSIP/<n> for n = first … first + count - 1 (count a multiple of ten), back to back.
 * The stand-in names a burst's devices `<prefix><index>`, so ten consecutive numbers go in one call; the
 * even ones become INUSE (BUSY), the odd ones NOT_INUSE (OFFLINE): each is a change of a configured extension.
 */
function emitDeviceStates(standin: AriStandin, first: number, count: number): void {
  for (let n = first; n < first + count; n += 10) standin.burstDeviceStates(10, `PJSIP/${n / 10}`);
}

/** One DeviceStateChanged, PJSIP/<number> INUSE, for a number ending in 0. */
function emitDeviceState(standin: AriStandin, number: number): void {
  standin.burstDeviceStates(1, `PJSIP/${number / 10}`);
}

/**
 * The extensions of the fan-out, the only ones configured: `events` numbers from 1000 for the burst, then one
 * number in ten for the lone events (a lone event's device is `<prefix>0`), then a probe.
 */
function fanoutPlan(events: number, lone: number) {
  const burstFirst = 1000;
  const loneNumbers = Array.from({ length: lone }, (_, i) => burstFirst + events + 10 * i);
  const probe = burstFirst + events + 10 * lone;
  const ranges = [{ start: burstFirst, count: events }, ...[...loneNumbers, probe].map((start) => ({ start, count: 1 }))];
  return { burstFirst, events, loneNumbers, probe, ranges, extensions: events + lone + 1 };
}
type FanoutPlan = ReturnType<typeof fanoutPlan>;

/** What the subscribers received, sorted by what it answers: the initial states, the burst, the lone events. */
class FanoutTally {
  phase: 'start' | 'burst' | 'lone' = 'start';
  initial = 0;
  burst = 0;
  lastBurstAt = 0;
  /** When each lone event was emitted, by number, and how many subscribers have it. */
  readonly loneEmitted = new Map<string, number>();
  readonly loneReceived = new Map<string, number>();
  readonly latencies: number[] = [];

  /** `state` tells a change from an initial state that arrives late (UNAVAILABLE: no extension has a device yet). */
  delivered(number: string, state: string): void {
    const at = performance.now();
    if (this.phase === 'start') this.initial += 1;
    else if (state === 'UNAVAILABLE') return;
    else if (this.phase === 'burst') {
      this.burst += 1;
      this.lastBurstAt = at;
    } else {
      const emitted = this.loneEmitted.get(number);
      if (emitted === undefined) return;
      this.latencies.push(at - emitted);
      this.loneReceived.set(number, (this.loneReceived.get(number) ?? 0) + 1);
    }
  }
}

type FanoutFigures = {
  /** Burst: deliveries that arrived, in how long, and the CPU the publishing process and this one spent meanwhile. */
  burstDelivered: number;
  burstSeconds: number;
  burstComplete: boolean;
  serverCpuMs: number | null;
  benchCpuMs: number;
  /** Lone events: latency of each delivery, and the events that did not reach everyone within their time. */
  latencies: number[];
  loneIncomplete: number;
};

/** Burst then lone events from the stand-in, counted by the tally; `cpuMs` reads the publishing process's CPU time. */
async function driveEvents(standin: AriStandin, plan: FanoutPlan, tally: FanoutTally, subscribers: number, cpuMs: () => number | null): Promise<FanoutFigures> {
  const serverCpu = cpuMs();
  const benchCpu = process.cpuUsage();
  tally.phase = 'burst';
  const started = performance.now();
  tally.lastBurstAt = started;
  emitDeviceStates(standin, plan.burstFirst, plan.events);
  const burstComplete = await waitUntil(() => tally.burst >= subscribers * plan.events, 120_000);
  const serverCpuAfter = cpuMs();
  const bench = process.cpuUsage(benchCpu);
  const figures: FanoutFigures = {
    burstDelivered: tally.burst,
    burstSeconds: (tally.lastBurstAt - started) / 1000,
    burstComplete,
    serverCpuMs: serverCpu !== null && serverCpuAfter !== null ? serverCpuAfter - serverCpu : null,
    benchCpuMs: (bench.user + bench.system) / 1000,
    latencies: tally.latencies,
    loneIncomplete: 0,
  };
  await sleep(500);
  tally.phase = 'lone';
  for (const number of plan.loneNumbers) {
    const key = String(number);
    tally.loneEmitted.set(key, performance.now());
    emitDeviceState(standin, number);
    if (!(await waitUntil(() => (tally.loneReceived.get(key) ?? 0) >= subscribers, 10_000))) figures.loneIncomplete += 1;
    await sleep(50);
  }
  return figures;
}

const STATUS_CHANGED = `subscription($numbers: [String!]) { extensionStatusChanged(numbers: $numbers) { number state } }`;
const STATUS_CHANGED_ALL = `subscription { extensionStatusChanged { number state } }`;

/** 1,000 graphql-ws subscribers of extensionStatusChanged on the server process, fed by the stand-in. */
async function measureGraphqlFanout(print: (line: string) => void, command: ServerCommand, plan: FanoutPlan, subscribers: number): Promise<FanoutFigures | null> {
  const standin = await startAriStandin(ARI_USER);
  let server: ServerProcess | undefined;
  const clients: Client[] = [];
  try {
    server = await spawnServer(command, { asterisk: { ariUrl: standin.url, ...ARI_USER } });
    await configureExtensions(server, plan.ranges);
    if (!(await asteriskConnected(server, 30_000))) {
      print('  graphql-ws: the server did not connect to the ARI stand-in within 30 s; not measured');
      return null;
    }
    // Measured once the extensions' objects are pushed: a push still under way would be measured with the fan-out.
    if (!(await settled(server, 120_000))) print('  (the server was still applying or busy 120 s after the extensions were created; measured anyway)');
    // The probe: one subscriber sees a lone event of a configured extension, so the server follows ARI and knows the extensions.
    const errors: unknown[] = [];
    const probe = (await connectedClients(server.graphqlUrl, server.token, 1, errors))[0]!;
    clients.push(probe);
    let probeState = '';
    probe.subscribe(
      { query: STATUS_CHANGED, variables: { numbers: [String(plan.probe)] } },
      { next: (r: any) => (probeState = r.data?.extensionStatusChanged?.state ?? probeState), error: () => undefined, complete: () => undefined },
    );
    await waitUntil(() => probeState !== '', 30_000);
    emitDeviceState(standin, plan.probe);
    if (!(await waitUntil(() => probeState === 'BUSY', 30_000))) {
      print(`  graphql-ws: the probe's event did not arrive within 30 s (its state: ${probeState || 'none'}); not measured`);
      return null;
    }

    const tally = new FanoutTally();
    const fleet = await connectedClients(server.graphqlUrl, server.token, subscribers, errors);
    clients.push(...fleet);
    const started = performance.now();
    for (const client of fleet) {
      client.subscribe(
        { query: STATUS_CHANGED_ALL },
        { next: (r: any) => tally.delivered(r.data?.extensionStatusChanged?.number, r.data?.extensionStatusChanged?.state), error: (e) => errors.push(e), complete: () => undefined },
      );
    }
    const initialExpected = subscribers * plan.extensions;
    const startComplete = await waitUntil(() => tally.initial >= initialExpected || errors.length > 0, 240_000);
    const startSeconds = (performance.now() - started) / 1000;
    print(
      `  start: ${count(subscribers)} subscribers of extensionStatusChanged (every extension, ${count(plan.extensions)}: one message each) had ${count(tally.initial)} of ${count(initialExpected)} initial messages after ${startSeconds.toFixed(1)} s` +
        (startComplete ? '' : ' (timed out)') +
        (errors.length ? `; ${errors.length} clients or subscriptions failed, e.g. ${describeError(errors[0])}` : ''),
    );
    return await driveEvents(standin, plan, tally, subscribers, () => server!.figures()?.cpuMs ?? null);
  } finally {
    await Promise.all(clients.map(async (c) => c.dispose()));
    await server?.stop();
    await standin.stop();
  }
}

/**
 * A plain WebSocket relay, the floor any subscription layer sits on: it follows the same ARI events and sends
 * each PJSIP device state, as one graphql-ws `next` message of the same shape, to every client. With `coalesce`
 * it writes as the server does: the messages of one turn of the event loop go to a connection in one write.
 */
const RELAY_SOURCE = `
import { WebSocketServer, WebSocket } from 'ws';
const [ariUrl, credentials, coalesce] = process.argv.slice(1);
const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
const connections = new Map();
wss.on('connection', (client, request) => connections.set(client, request.socket));
const held = new Set();
const hold = (connection) => {
  if (held.has(connection)) return;
  held.add(connection);
  connection.cork();
  process.nextTick(() => (held.delete(connection), connection.uncork()));
};
wss.on('listening', () => console.log(JSON.stringify({ port: wss.address().port })));
const ari = new WebSocket(ariUrl.replace(/^http/, 'ws') + '/ari/events?app=bench-relay&subscribeAll=true&api_key=' + encodeURIComponent(credentials));
ari.on('open', () => console.log(JSON.stringify({ ari: 'open' })));
ari.on('message', (data) => {
  const event = JSON.parse(String(data));
  if (event.type !== 'DeviceStateChanged' || !event.device_state.name.startsWith('PJSIP/')) return;
  const number = event.device_state.name.slice('PJSIP/'.length);
  const message = JSON.stringify({ id: '1', type: 'next', payload: { data: { extensionStatusChanged: { number, state: event.device_state.state } } } });
  for (const client of wss.clients) {
    if (coalesce === 'coalesce') hold(connections.get(client));
    client.send(message);
  }
});
`;

/** The same events through the relay process to `subscribers` plain WebSocket clients, which parse every message as graphql-ws clients do. */
async function measureRelayFanout(plan: FanoutPlan, subscribers: number, coalesce: boolean): Promise<FanoutFigures | null> {
  const standin = await startAriStandin(ARI_USER);
  const args = ['--input-type=module', '-e', RELAY_SOURCE, standin.url, `${ARI_USER.username}:${ARI_USER.password}`, coalesce ? 'coalesce' : 'plain'];
  const relay = spawn(process.execPath, args, {
    cwd: repositoryRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  relay.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  relay.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const release = tiedToBench(relay);
  const sockets: WebSocket[] = [];
  try {
    if (!(await waitUntil(() => output.includes('"ari":"open"') && output.includes('"port"'), 30_000))) throw new Error(`the relay did not start: ${output}`);
    const port = (JSON.parse(/\{"port":\d+\}/.exec(output)![0]) as { port: number }).port;
    const tally = new FanoutTally();
    tally.phase = 'burst';
    for (let i = 0; i < subscribers; i++) {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
      ws.on('message', (data) => {
        const { number, state } = JSON.parse(String(data)).payload.data.extensionStatusChanged;
        tally.delivered(number, state);
      });
      sockets.push(ws);
    }
    await waitUntil(() => sockets.every((ws) => ws.readyState === WebSocket.OPEN), 30_000);
    return await driveEvents(standin, plan, tally, subscribers, () => processFigures(relay.pid!)?.cpuMs ?? null);
  } finally {
    for (const ws of sockets) ws.terminate();
    relay.kill('SIGKILL');
    release();
    await standin.stop();
  }
}

function describeFanout(name: string, figures: FanoutFigures, subscribers: number, events: number): string {
  const rate = figures.burstDelivered / figures.burstSeconds;
  const cpu =
    figures.serverCpuMs === null ? '' : `; its CPU ${(figures.serverCpuMs / 1000).toFixed(1)} s (${((figures.serverCpuMs * 1000) / Math.max(1, figures.burstDelivered)).toFixed(1)} µs a delivery)`;
  const arrived = figures.burstComplete ? '' : ` — only ${count(figures.burstDelivered)} of ${count(subscribers * events)} arrived within 120 s`;
  return `  ${name}: ${count(rate)} deliveries/s (${count(figures.burstDelivered)} in ${figures.burstSeconds.toFixed(2)} s)${arrived}${cpu}; the subscribers' process CPU ${(figures.benchCpuMs / 1000).toFixed(1)} s`;
}

function describeLatency(name: string, figures: FanoutFigures, lone: number): string {
  const { latencies } = figures;
  if (!latencies.length) return `  ${name}: no lone event arrived`;
  const missing = figures.loneIncomplete ? ` (${figures.loneIncomplete} of ${lone} events did not reach every subscriber within 10 s)` : '';
  return `  ${name}: p50 ${ms(percentile(latencies, 50))}, p99 ${ms(percentile(latencies, 99))}, max ${ms(Math.max(...latencies))} over ${count(latencies.length)} deliveries${missing}`;
}

/** Waits until the configuration is applied and the server has been idle (under 10 % of a core) for half a second. */
async function settled(server: ServerProcess, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  const applied = await waitUntil(async () => {
    const state = (await server.gql(`{ pbxConfiguration { revision appliedRevision } }`)).data?.pbxConfiguration;
    return state !== undefined && state.revision === state.appliedRevision;
  }, timeoutMs);
  let before = server.figures()?.cpuMs ?? 0;
  while (performance.now() < deadline) {
    await sleep(500);
    const now = server.figures()?.cpuMs ?? 0;
    if (now - before < 50) return applied;
    before = now;
  }
  return false;
}

/** How long after the subscribers started the server's memory is read again. */
const SETTLED_MEMORY_WAIT_MS = 45_000;

const STATUS_SNAPSHOT = `subscription { extensionStatusUpdates { snapshot statuses { number state } } }`;

/** `subscribers` subscribers of every one of `extensions` extensions, from the snapshot subscription: how long until all have their initial state, and the server's memory. */
async function measureSnapshotStart(print: (line: string) => void, command: ServerCommand, extensions: number, subscribers: number): Promise<void> {
  const standin = await startAriStandin(ARI_USER);
  let server: ServerProcess | undefined;
  let clients: Client[] = [];
  let sampler: NodeJS.Timeout | undefined;
  try {
    server = await spawnServer(command, { asterisk: { ariUrl: standin.url, ...ARI_USER } });
    const started = server.figures();
    await configureExtensions(server, [{ start: 1000, count: extensions }]);
    const connected = await asteriskConnected(server, 30_000);
    const quiet = await settled(server, 120_000);
    const idle = server.figures();
    const idleHeap = await heapOf(server);
    let peakRss = idle?.rssMb ?? 0;
    const figuresOf = server.figures;
    sampler = setInterval(() => (peakRss = Math.max(peakRss, figuresOf()?.rssMb ?? 0)), 25);

    const sizes: number[] = [];
    const errors: unknown[] = [];
    const connecting = performance.now();
    clients = await connectedClients(server.graphqlUrl, server.token, subscribers, errors);
    const began = performance.now();
    const serverCpu = server.figures()?.cpuMs;
    const benchCpu = process.cpuUsage();
    let lastAt = began;
    for (const client of clients) {
      client.subscribe(
        { query: STATUS_SNAPSHOT },
        {
          next: (r: any) => {
            const batch = r.data?.extensionStatusUpdates;
            if (!batch?.snapshot) return;
            sizes.push(batch.statuses.length);
            lastAt = performance.now();
          },
          error: (e) => errors.push(e),
          complete: () => undefined,
        },
      );
    }
    const complete = await waitUntil(() => sizes.length >= subscribers || errors.length > 0, 120_000);
    const seconds = ((complete ? lastAt : performance.now()) - began) / 1000;
    const after = server.figures();
    const bench = process.cpuUsage(benchCpu);
    const cpu =
      (after && serverCpu !== undefined ? `; the server's CPU meanwhile ${((after.cpuMs - serverCpu) / 1000).toFixed(1)} s` : '') +
      `, the subscribers' process CPU ${((bench.user + bench.system) / 1e6).toFixed(1)} s`;
    await sleep(2000);
    const later = server.figures();
    clearInterval(sampler);
    // V8 gives back the heap it grew to once it has been idle a while (its memory reducer starts 8 s after a collection).
    await sleep(SETTLED_MEMORY_WAIT_MS - 2000);
    const settledMemory = server.figures();
    const whole = sizes.filter((n) => n === extensions).length;
    const mb = (n: number | undefined) => (n === undefined ? '?' : `${n.toFixed(0)} MB`);
    print(
      `  start: ${count(subscribers)} subscribers of all ${count(extensions)} extensions (extensionStatusUpdates: a snapshot, then batches of changes): ` +
        `connected in ${((began - connecting) / 1000).toFixed(1)} s, then ${count(sizes.length)} had their snapshot (${count(whole)} of them with all ${count(extensions)} statuses) ${seconds.toFixed(2)} s after subscribing` +
        (complete ? '' : ' (timed out)') +
        cpu +
        (errors.length ? `; ${errors.length} clients or subscriptions failed, e.g. ${describeError(errors[0])}` : '') +
        (connected ? '' : '; the stand-in was not connected') +
        (quiet ? '' : '; the server was not idle before'),
    );
    print(
      `  server RSS (${command.how}, its own process): ${mb(started?.rssMb)} at start, ${mb(idle?.rssMb)} idle with ${count(extensions)} extensions, ` +
        `${mb(peakRss)} at most while the subscribers started, ${mb(after?.rssMb)} when all had started, ${mb(later?.rssMb)} 2 s later, ` +
        `${mb(settledMemory?.rssMb)} ${SETTLED_MEMORY_WAIT_MS / 1000} s later (peak of the process's life ${mb(settledMemory?.peakRssMb)})`,
    );
    const laterHeap = await heapOf(server);
    print(`  server heap (its /metrics): ${idleHeap} idle with ${count(extensions)} extensions; ${laterHeap} with the subscribers, ${SETTLED_MEMORY_WAIT_MS / 1000} s after they started`);
  } finally {
    if (sampler) clearInterval(sampler);
    await Promise.all(clients.map(async (c) => c.dispose()));
    await server?.stop();
    await standin.stop();
  }
}

/**
 * Subscriptions at scale (issue 12), side by side in one run against the ARI stand-in: 1,000 graphql-ws subscribers
 * of extension status and a burst of 2,000 device-state events of configured extensions, beside a plain WebSocket
 * relay of the same events; one lone event reaching all 1,000; 1,000 subscribers of 4,000 extensions starting, and
 * the server's memory. Every step has a time limit and prints what arrived.
 */
export async function benchSubscribers(print: (line: string) => void, subscribers = 1000, events = 2000, lone = 30, extensions = 4000) {
  const command = serverCommand(print);
  const plan = fanoutPlan(events, lone);
  print(`subscriptions: the server ${command.how} in a process of its own; ${count(subscribers)} subscribers in the bench process; the ARI stand-in`);
  const failed = (what: string) => (error: unknown) => {
    print(`  ${what} failed: ${error instanceof Error ? error.message : String(error)}`);
    return null;
  };
  const graphql = await measureGraphqlFanout(print, command, plan, subscribers).catch(failed('graphql-ws fan-out'));
  const relay = await measureRelayFanout(plan, subscribers, false).catch(failed('the relay'));
  const coalescing = await measureRelayFanout(plan, subscribers, true).catch(failed('the coalescing relay'));
  print(`  burst of ${count(events)} ARI device-state events of configured extensions to ${count(subscribers)} subscribers:`);
  if (graphql) print(describeFanout('graphql-ws, extensionStatusChanged', graphql, subscribers, events));
  if (relay) print(describeFanout('plain WebSocket relay (own process)', relay, subscribers, events));
  if (coalescing) print(describeFanout('the relay writing as the server does (one write per connection and turn)', coalescing, subscribers, events));
  const rate = (f: FanoutFigures) => f.burstDelivered / f.burstSeconds;
  if (graphql && relay) print(`  graphql-ws / plain relay throughput: ${((rate(graphql) / rate(relay)) * 100).toFixed(0)} % (target ≥ 90 %)`);
  if (graphql && coalescing) print(`  graphql-ws / relay writing as the server does: ${((rate(graphql) / rate(coalescing)) * 100).toFixed(0)} %`);
  print(`  one lone event reaching all ${count(subscribers)} subscribers, from the stand-in's emit (${lone} events; target p99 ≤ 50 ms):`);
  if (graphql) print(describeLatency('graphql-ws', graphql, lone));
  if (relay) print(describeLatency('plain WebSocket relay', relay, lone));
  if (coalescing) print(describeLatency('the relay writing as the server does', coalescing, lone));
  await measureSnapshotStart(print, command, extensions, subscribers).catch(failed('the snapshot start'));
}
