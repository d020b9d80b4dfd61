// One extension change in effect in Asterisk (issue 12): its PJSIP objects pushed through ARI's dynamic
// configuration, no file written, no module reloaded. Measured from outside (GraphQL over HTTP, pbxApplied
// over graphql-ws, Asterisk's ARI, a SIP REGISTER) at 40 and at 4,000 extensions, plus the first full apply
// and the reconcile after an astdb wipe. On the real Asterisk when ASTERISK_BIN is set (it uses the
// end-to-end harness and its ports, so take the e2e lock), on the ARI stand-in otherwise:
//   flock /tmp/e2e.lock env ASTERISK_BIN=/path/to/asterisk npm run bench -- apply
import { createHash, randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { allocatePorts, asteriskServerEnv, startAsterisk, type Asterisk, type PbxPorts } from '../test/e2e/support/index.js';
import { startAriStandin, type AriStandin } from '../test/support/ari-standin/index.js';
import { startTestServer, type TestServer } from '../test/support/server.js';
import { median, percentile } from './pbx.js';

const SAMPLES = 20;
const WARMUP = 2;
/** How long the bench waits for Asterisk to finish what a push left it to do (its sorcery observers) before it goes on regardless. */
const SETTLE_MS = 300_000;
const SIZES = [40, 4000];
const FIRST = 1000;
const ARI_PASSWORD = 'bench-ari-secret';
const AMI_PASSWORD = 'bench-ami-secret';
const EXTENSION_PASSWORD = 'Bench-pass-0';
const ERRORS = `__typename ... on Error { message } ... on ValidationError { issues { path message } }`;
const REPORT = `revision outcome changedFiles reloadedModules pushedObjects removedObjects error startedAt finishedAt`;

const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));
const fmt = (n: number) => (n >= 1000 ? `${(n / 1000).toFixed(2)} s` : `${n.toFixed(1)} ms`);
const count = (n: number) => n.toLocaleString('en');

type Report = {
  revision: number;
  outcome: string;
  changedFiles: string[];
  reloadedModules: string[];
  pushedObjects: string[];
  removedObjects: string[];
  error: string | null;
  startedAt: string;
  finishedAt: string;
};

/** Every pbxApplied report, with the time it arrived here. */
class ReportFeed {
  readonly arrived: { at: number; report: Report }[] = [];
  private waiters: { test: (r: Report) => boolean; resolve: (a: { at: number; report: Report }) => void }[] = [];
  private readonly client: Client;

  constructor(graphqlUrl: string, token: string) {
    this.client = createClient({ url: graphqlUrl.replace(/^http/, 'ws'), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, retryAttempts: 0, lazy: false });
    this.client.subscribe<{ pbxApplied: Report }>(
      { query: `subscription { pbxApplied { ${REPORT} } }` },
      {
        next: (result) => {
          const report = result.data?.pbxApplied;
          if (!report) return;
          const entry = { at: performance.now(), report };
          this.arrived.push(entry);
          for (const w of [...this.waiters]) {
            if (!w.test(report)) continue;
            this.waiters.splice(this.waiters.indexOf(w), 1);
            w.resolve(entry);
          }
        },
        error: () => undefined,
        complete: () => undefined,
      },
    );
  }

  /** The first report from index `from` on that passes `test` (already arrived or coming). */
  wait(test: (r: Report) => boolean, from: number, timeoutMs: number, what: string): Promise<{ at: number; report: Report }> {
    const seen = this.arrived.slice(from).find((a) => test(a.report));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no pbxApplied report for ${what} within ${timeoutMs} ms; last: ${JSON.stringify(this.arrived.at(-1)?.report ?? null).slice(0, 400)}`)),
        timeoutMs,
      );
      this.waiters.push({
        test,
        resolve: (a) => {
          clearTimeout(timer);
          resolve(a);
        },
      });
    });
  }

  async close() {
    await this.client.dispose();
  }
}

/** Polls `check` back to back until it holds; the time it first held (performance.now()). */
async function firstTrue(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await check()) return performance.now();
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(1);
  }
}

// ---------------------------------------------------------------- a minimal SIP registrar client

type Challenge = { realm: string; nonce: string; opaque: string | undefined; qop: string | undefined };

const md5 = (text: string) => createHash('md5').update(text).digest('hex');

/**
 * REGISTER over UDP with RFC 2617 digest authentication, written here so that a
 * sample is one round trip (pjsua or sipsak would add their start-up). A REGISTER
 * without Contact asks for the bindings: Asterisk authenticates it and answers
 * 200 without adding a contact.
 */
class SipRegistrar {
  private socket: Socket;
  private localPort = 0;
  private waiting = new Map<string, (message: string) => void>();
  private cseq = 1;

  private constructor(
    private readonly host: string,
    private readonly port: number,
  ) {
    this.socket = createSocket('udp4');
    this.socket.on('message', (buffer) => {
      const message = buffer.toString();
      const branch = /;branch=([^;\r\n]+)/.exec(message)?.[1];
      const resolve = branch ? this.waiting.get(branch) : undefined;
      if (resolve) {
        this.waiting.delete(branch!);
        resolve(message);
      }
    });
  }

  static async open(host: string, port: number): Promise<SipRegistrar> {
    const registrar = new SipRegistrar(host, port);
    await new Promise<void>((resolve) => registrar.socket.bind(0, '127.0.0.1', () => resolve()));
    registrar.localPort = registrar.socket.address().port;
    return registrar;
  }

  /**
   * One REGISTER transaction: sent again after 0.5, 1, 2, 4 s … like a phone (RFC 3261 timer A) while Asterisk does
   * not answer, until `timeoutMs` (32 s: timer B). Asterisk ignores new requests while one of its task queues is overloaded.
   */
  private async send(user: string, authorization: string | null, timeoutMs = 32_000): Promise<{ status: number; message: string }> {
    const branch = `z9hG4bK${randomBytes(8).toString('hex')}`;
    const uri = `sip:${this.host}:${this.port}`;
    const lines = [
      `REGISTER ${uri} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${this.localPort};branch=${branch};rport`,
      'Max-Forwards: 70',
      `From: <sip:${user}@${this.host}>;tag=${randomBytes(4).toString('hex')}`,
      `To: <sip:${user}@${this.host}>`,
      `Call-ID: ${randomBytes(8).toString('hex')}@bench`,
      `CSeq: ${this.cseq++} REGISTER`,
      ...(authorization ? [`Authorization: ${authorization}`] : []),
      'User-Agent: pbx-bench',
      'Content-Length: 0',
      '',
      '',
    ];
    const text = lines.join('\r\n');
    let retransmit: NodeJS.Timeout | undefined;
    const answer = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        clearTimeout(retransmit);
        this.waiting.delete(branch);
        reject(new Error(`no answer to REGISTER of ${user} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(branch, (message) => {
        clearTimeout(timer);
        clearTimeout(retransmit);
        resolve(message);
      });
    });
    const transmit = (interval: number) => {
      this.socket.send(text, this.port, this.host);
      retransmit = setTimeout(() => transmit(interval * 2), interval);
    };
    transmit(500);
    const message = await answer;
    return { status: Number(/^SIP\/2\.0 (\d{3})/.exec(message)?.[1] ?? 0), message };
  }

  /** Whether Asterisk answers a REGISTER (any status) within `timeoutMs`. */
  async answers(user: string, timeoutMs: number): Promise<boolean> {
    return this.send(user, null, timeoutMs).then(
      () => true,
      () => false,
    );
  }

  /** An unauthenticated REGISTER, for the nonce of Asterisk's 401. */
  async challenge(user: string): Promise<Challenge> {
    const { status, message } = await this.send(user, null);
    const header = message.split('\r\n').find((l) => /^WWW-Authenticate:\s*Digest/i.test(l) && !/algorithm="?(SHA|AKA)/i.test(l));
    if (status !== 401 || !header) throw new Error(`REGISTER of ${user} without credentials: expected a 401 with an MD5 challenge, got ${status}`);
    const param = (name: string) => new RegExp(`${name}="?([^",]+)"?`, 'i').exec(header)?.[1];
    return { realm: param('realm') ?? '', nonce: param('nonce') ?? '', opaque: param('opaque'), qop: param('qop') };
  }

  /** A REGISTER answering `challenge` with `password`: Asterisk's status (200, or 401 for a wrong password). */
  async register(user: string, password: string, challenge: Challenge): Promise<number> {
    const uri = `sip:${this.host}:${this.port}`;
    const ha1 = md5(`${user}:${challenge.realm}:${password}`);
    const ha2 = md5(`REGISTER:${uri}`);
    const cnonce = randomBytes(8).toString('hex');
    const nc = '00000001';
    const qop = challenge.qop?.split(',').includes('auth') ? 'auth' : undefined;
    const response = qop ? md5(`${ha1}:${challenge.nonce}:${nc}:${cnonce}:${qop}:${ha2}`) : md5(`${ha1}:${challenge.nonce}:${ha2}`);
    const parts = [`username="${user}"`, `realm="${challenge.realm}"`, `nonce="${challenge.nonce}"`, `uri="${uri}"`, `response="${response}"`, 'algorithm=MD5'];
    if (challenge.opaque) parts.push(`opaque="${challenge.opaque}"`);
    if (qop) parts.push(`qop=${qop}`, `nc=${nc}`, `cnonce="${cnonce}"`);
    return (await this.send(user, `Digest ${parts.join(', ')}`)).status;
  }

  close() {
    this.socket.close();
  }
}

// ---------------------------------------------------------------- the engine: the real Asterisk or the stand-in

/** Where the objects go, and how the bench sees them there. */
type Engine = {
  label: string;
  server: TestServer;
  /** Starts Asterisk (or the stand-in), the first time with an empty astdb; resolves when its ARI answers. */
  boot(): Promise<void>;
  /** Stops Asterisk and deletes its astdb. */
  haltAndWipeAstdb(): Promise<void>;
  /** Whether Asterisk answers a SIP request within `timeoutMs`; null without SIP (the stand-in). */
  sipAnswers(timeoutMs: number): Promise<boolean> | null;
  /** What Asterisk's busiest task queues hold now, for a failure's message. */
  diagnose(): Promise<string>;
  /** Waits until Asterisk's sorcery observers and PJSIP's qualify management have nothing queued (the work a push leaves behind); false when they still have after `timeoutMs`. */
  settled(timeoutMs: number): Promise<boolean>;
  /** CPU time Asterisk's process has used so far; null when it is not a process of its own (the stand-in). */
  asteriskCpuMs(): number | null;
  /** An object of ARI's dynamic configuration as Asterisk reads it back; null when it has none. */
  object(type: string, id: string): Promise<Record<string, string> | null>;
  /** Whether Asterisk accepts `password` for `user` now (real: a REGISTER is answered 200). */
  prepareRegister(user: string): Promise<(password: string) => Promise<boolean>>;
  stop(): Promise<void>;
};

/** User and system CPU time of a process, from Linux's /proc; null elsewhere or once it is gone. */
function processCpuMs(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // After the command in parentheses: utime (field 14) and stime (15) are [11] and [12], in ticks of 10 ms.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

const serverCpuMs = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

async function readObject(ariUrl: string, authorization: string, type: string, id: string): Promise<Record<string, string> | null> {
  const response = await fetch(`${ariUrl}/ari/asterisk/config/dynamic/res_pjsip/${type}/${encodeURIComponent(id)}`, { headers: { authorization }, signal: AbortSignal.timeout(5000) });
  if (response.status === 404) {
    await response.arrayBuffer();
    return null;
  }
  if (!response.ok) throw new Error(`GET ${type} ${id}: ${response.status} ${await response.text()}`);
  const fields = (await response.json()) as { attribute: string; value: string }[];
  return Object.fromEntries(fields.map((f) => [f.attribute, f.value]));
}

async function realEngine(bin: string): Promise<Engine> {
  const ports: PbxPorts = await allocatePorts();
  // The pid in the names lets the harness sweep them if the bench is killed.
  const etcDir = mkdtempSync(path.join(tmpdir(), `pbx-e2e-${process.pid}-etc-`));
  const varDir = mkdtempSync(path.join(tmpdir(), `pbx-e2e-${process.pid}-var-`));
  const dirs = { spoolDir: path.join(varDir, 'spool'), logDir: path.join(varDir, 'log') };
  const server = await startTestServer({
    ...asteriskServerEnv(ports, etcDir, { ari: ARI_PASSWORD, ami: AMI_PASSWORD }, dirs),
    APPLY_DEBOUNCE_MS: '0',
    LOG_LEVEL: process.env.PBX_BENCH_LOG ?? 'silent',
  });
  const ok = await gqlAs(server);
  await ok('updateSipSettings', `mutation($input: SipSettingsInput!) { updateSipSettings(input: $input) { ${ERRORS} } }`, {
    input: { udpPort: ports.sipUdp, tcpPort: ports.sipTcp, rtpPortStart: ports.rtpStart, rtpPortEnd: ports.rtpEnd },
  });
  let pbx: Asterisk | null = null;
  const authorization = basic('pbx', ARI_PASSWORD);
  const ariUrl = `http://127.0.0.1:${ports.http}`;
  let registrar: SipRegistrar | null = null;
  let label = 'the real Asterisk';
  return {
    get label() {
      return label;
    },
    server,
    async boot() {
      if (pbx) return pbx.resume();
      pbx = await startAsterisk({ bin, etcDir, ports, ...dirs });
      const version = await pbx.cli('core show version');
      label = `the real Asterisk (${version.trim().split(' ').slice(0, 2).join(' ')}, Asterisk and the server on the host's loopback)`;
    },
    object: (type, id) => readObject(ariUrl, authorization, type, id),
    async prepareRegister(user) {
      registrar ??= await SipRegistrar.open('127.0.0.1', ports.sipUdp);
      const challenge = await registrar.challenge(user);
      return async (password) => (await registrar!.register(user, password, challenge)) === 200;
    },
    asteriskCpuMs: () => processCpuMs(pbx?.pid()),
    async diagnose() {
      const queues = (await pbx!.cli('core show taskprocessors')).split('\n').filter((line) => /^\S+\s+\d+\s+[1-9]\d*\s/.test(line));
      return `Asterisk's task processors with tasks in their queue: ${queues.length ? queues.join(' | ') : 'none'}`;
    },
    async settled(timeoutMs) {
      // `core show taskprocessors` rows: name, processed, in queue, max depth, …
      const busy = async () =>
        (await pbx!.cli('core show taskprocessors'))
          .split('\n')
          .filter((line) => /^(sorcery\/|taskpool\/s:sorcery|pjsip\/options)/.test(line))
          .some((line) => Number(line.trim().split(/\s+/)[2]) > 0);
      const deadline = performance.now() + timeoutMs;
      while (await busy()) {
        if (performance.now() > deadline) return false;
        await sleep(200);
      }
      return true;
    },
    async sipAnswers(timeoutMs) {
      registrar ??= await SipRegistrar.open('127.0.0.1', ports.sipUdp);
      return registrar.answers(String(FIRST), timeoutMs);
    },
    async haltAndWipeAstdb() {
      await pbx!.pause();
      for (const name of ['astdb.sqlite3', 'astdb.sqlite3-journal', 'astdb.sqlite3-wal', 'astdb.sqlite3-shm']) rmSync(path.join(pbx!.root, 'varlib', name), { force: true });
    },
    async stop() {
      registrar?.close();
      await server.stop().catch(() => undefined);
      await pbx?.stop();
      for (const dir of [etcDir, varDir]) rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function standinEngine(): Promise<Engine> {
  const standin: AriStandin = await startAriStandin({ username: 'pbx', password: ARI_PASSWORD });
  // "Asterisk" is down until boot(): the server starts with it away, as it would with a real one.
  await standin.stop();
  const server = await startTestServer({ ARI_URL: standin.url, ARI_PASSWORD, APPLY_DEBOUNCE_MS: '0', LOG_LEVEL: process.env.PBX_BENCH_LOG ?? 'silent' });
  const authorization = basic('pbx', ARI_PASSWORD);
  return {
    label: 'the ARI stand-in (no SIP: a password counts as in effect when the stand-in holds it; no AMI, so no fingerprints: a reconcile pushes every object)',
    server,
    boot: () => standin.restart({ wipeAstdb: true }),
    object: (type, id) => readObject(standin.url, authorization, type, id),
    async prepareRegister(user) {
      return async (password) => (await readObject(standin.url, authorization, 'auth', `${user}-auth`))?.password === password;
    },
    haltAndWipeAstdb: () => standin.stop(),
    asteriskCpuMs: () => null,
    diagnose: async () => '',
    settled: async () => true,
    sipAnswers: () => null,
    async stop() {
      await server.stop().catch(() => undefined);
      await standin.stop();
    },
  };
}

async function gqlAs(server: TestServer) {
  return async <T = any>(field: string, query: string, variables: Record<string, unknown> = {}): Promise<T> => {
    const result = await server.gql(query, variables, server.adminToken);
    const value = result.data?.[field];
    if (result.errors?.length || !value || (value.__typename && !String(value.__typename).endsWith('Success'))) throw new Error(`${field}: ${JSON.stringify(result).slice(0, 600)}`);
    return value as T;
  };
}

// ---------------------------------------------------------------- the measurements

type Sample = { answered: number; report: number; inEffect: number; files: string[]; modules: string[]; pushed: number; removed: number };

type FullApply = {
  connectToReport: number;
  bootToConnect: number;
  applyMs: number;
  pushed: number;
  reports: string;
  serverCpuMs: number;
  asteriskCpuMs: number | null;
  /** Times (ms after the ARI connect) from which until which Asterisk answered no REGISTER; null: without SIP (the stand-in). */
  sipSilences: { from: number; to: number | null }[] | null;
  /** When Asterisk answered SIP again after the report (ms after the report). */
  sipBackAfterReport: number | null;
  /** When Asterisk's sorcery and qualify queues were empty (ms after the report), and the CPU it used from the connect until then. */
  settledAfterReport: number | null;
  asteriskCpuUntilSettled: number | null;
};

/**
 * Sends a REGISTER every 250 ms (each given 1 s) from now on and notes when Asterisk answers none, until it answers one
 * sent after `reported()` gives a time, or 120 s after that.
 */
async function watchSip(engine: Engine, reported: () => number | null): Promise<{ silences: { from: number; to: number | null }[]; backAt: number | null } | null> {
  const silences: { from: number; to: number | null }[] = [];
  for (;;) {
    const sent = performance.now();
    const answering = engine.sipAnswers(1000);
    if (answering === null) return null;
    const answered = await answering;
    const open = silences.at(-1)?.to === null ? silences.at(-1)! : null;
    if (!answered && !open) silences.push({ from: sent, to: null });
    if (answered && open) open.to = sent;
    const report = reported();
    if (answered && report !== null && sent > report) return { silences, backAt: sent };
    if (report !== null && performance.now() - report > 120_000) return { silences, backAt: null };
    await sleep(250);
  }
}

/** The samples of one kind of change, and what Asterisk spent on them until its task queues were empty again. */
type Series = { samples: Sample[]; asteriskCpuPerChange: number | null; settledAfter: number | null; busyAtStart: boolean };

type SizeFigures = {
  rename: Series;
  password: Series;
  create: Series;
  firstApply: FullApply;
  wipe: FullApply;
};

/** Time from Asterisk's start to the server's ARI connection and from there to the report that pushed every object. */
async function measureFullApply(engine: Engine, feed: ReportFeed, size: number) {
  const live = engine.server.running.services.live;
  await firstTrue(async () => !live.asteriskConnected, 30_000, 'the server to see Asterisk gone');
  let connectedAt = 0;
  let cpuAtConnect = { server: 0, asterisk: null as number | null };
  const watch = setInterval(() => {
    if (connectedAt || !live.asteriskConnected) return;
    connectedAt = performance.now();
    cpuAtConnect = { server: serverCpuMs(), asterisk: engine.asteriskCpuMs() };
  }, 1);
  const from = feed.arrived.length;
  const started = performance.now();
  try {
    await engine.boot();
    let reportedAt: number | null = null;
    const sip = watchSip(engine, () => reportedAt);
    const { at, report } = await feed.wait((r) => r.pushedObjects.length >= 3 * size && r.outcome === 'APPLIED', from, 600_000, `the reconcile of ${size} extensions`);
    reportedAt = at;
    if (!connectedAt) connectedAt = at;
    const cpu = { server: serverCpuMs() - cpuAtConnect.server, asterisk: cpuAtConnect.asterisk === null ? null : (engine.asteriskCpuMs() ?? 0) - cpuAtConnect.asterisk };
    // What else the (re)connect brings (AMI's own connect reconciles again when the first reconcile could not read the fingerprints);
    // and the changes measured next start once Asterisk answers SIP again.
    const [watched] = await Promise.all([sip, sleep(3000)]);
    const settled = await engine.settled(SETTLE_MS);
    const settledAt = performance.now();
    const asteriskCpuUntilSettled = cpuAtConnect.asterisk === null ? null : (engine.asteriskCpuMs() ?? 0) - cpuAtConnect.asterisk;
    const reports = feed.arrived
      .slice(from)
      .map(
        (a) =>
          `${a.report.outcome}${a.report.pushedObjects.length ? ` ${count(a.report.pushedObjects.length)} pushed` : ''}${a.report.changedFiles.length ? ` files ${a.report.changedFiles.join(',')}` : ''}`,
      )
      .join('; ');
    return {
      bootToConnect: connectedAt - started,
      connectToReport: at - connectedAt,
      applyMs: Date.parse(report.finishedAt) - Date.parse(report.startedAt),
      pushed: report.pushedObjects.length,
      reports,
      serverCpuMs: cpu.server,
      asteriskCpuMs: cpu.asterisk,
      sipSilences: watched?.silences.map((s) => ({ from: s.from - connectedAt, to: s.to === null ? null : s.to - connectedAt })) ?? null,
      sipBackAfterReport: watched?.backAt ? watched.backAt - at : null,
      settledAfterReport: settled ? settledAt - at : null,
      asteriskCpuUntilSettled,
    };
  } finally {
    clearInterval(watch);
  }
}

/**
 * One change: `mutate` runs the mutation; from its answer on, the report of its
 * revision and `inEffect` (polled back to back) are timed.
 */
async function measureChange(engine: Engine, feed: ReportFeed, mutate: () => Promise<void>, inEffect: () => Promise<boolean>, what: string): Promise<Sample> {
  const applier = engine.server.running.services.applier;
  const revision = applier.state.revision + 1;
  const from = feed.arrived.length;
  const sent = performance.now();
  await mutate();
  const answered = performance.now();
  const report = feed.wait((r) => r.revision >= revision, from, 30_000, what);
  const effect = await firstTrue(inEffect, 30_000, `${what} in Asterisk`).catch((error: Error) => {
    throw new Error(`${error.message}; reports since the change: ${JSON.stringify(feed.arrived.slice(from).map((a) => a.report)).slice(0, 1000)}`);
  });
  const { at, report: r } = await report;
  if (r.outcome !== 'APPLIED') throw new Error(`${what}: apply ${r.outcome} ${r.error ?? ''}`);
  return {
    answered: answered - sent,
    report: at - answered,
    inEffect: effect - answered,
    files: r.changedFiles,
    modules: r.reloadedModules,
    pushed: r.pushedObjects.length,
    removed: r.removedObjects.length,
  };
}

async function measureSize(engine: Engine, size: number): Promise<SizeFigures> {
  const { server } = engine;
  const ok = await gqlAs(server);
  // The bench's REGISTERs with a password Asterisk does not have yet are failed authentications: from loopback, they must not get it banned.
  await ok('createTrustedNetwork', `mutation { createTrustedNetwork(input: { name: "bench", network: "127.0.0.0/8" }) { ${ERRORS} } }`);
  await ok('updateNumberingPlan', `mutation { updateNumberingPlan(input: { userExtensionRange: { start: "1000", end: "8999" } }) { ${ERRORS} } }`);
  await ok('createExtensions', `mutation($input: CreateExtensionsInput!) { createExtensions(input: $input) { ${ERRORS} } }`, {
    input: { startNumber: String(FIRST), count: size, password: EXTENSION_PASSWORD },
  });
  const feed = new ReportFeed(server.graphqlUrl, server.adminToken);
  try {
    await feed.wait(() => true, 0, 10_000, 'the subscription');
    const firstApply = await measureFullApply(engine, feed, size);
    const idOf = async (number: string) => (await server.gql(`query($n: String!) { extension(number: $n) { id } }`, { n: number }, server.adminToken)).data.extension.id as string;
    const pick = (i: number) => String(FIRST + ((i * 7919) % size));
    const update = (id: string, input: Record<string, unknown>) => async () => {
      await ok('updateExtension', `mutation($id: ID!, $input: UpdateExtensionInput!) { updateExtension(id: $id, input: $input) { ${ERRORS} } }`, { id, input });
    };
    const runs = async (take: (i: number) => Promise<Sample>): Promise<Series> => {
      // Each kind of change starts on a quiet Asterisk, and is charged what it leaves Asterisk to do.
      const busyAtStart = !(await engine.settled(SETTLE_MS));
      const cpuBefore = engine.asteriskCpuMs();
      const samples: Sample[] = [];
      for (let i = 0; i < WARMUP + SAMPLES; i++) {
        const sample = await take(i).catch(async (error: Error) => {
          const now = performance.now();
          const recent = feed.arrived.slice(-8).map((a) => `${fmt(now - a.at)} ago: revision ${a.report.revision} ${a.report.outcome}, ${a.report.pushedObjects.length} pushed`);
          throw new Error(`${error.message}\nthe last reports: ${recent.join('; ')}\n${await engine.diagnose()}`);
        });
        if (i >= WARMUP) samples.push(sample);
      }
      const last = performance.now();
      const settled = await engine.settled(SETTLE_MS);
      const cpuAfter = engine.asteriskCpuMs();
      const asteriskCpuPerChange = cpuBefore === null || cpuAfter === null ? null : (cpuAfter - cpuBefore) / (WARMUP + SAMPLES);
      return { samples, asteriskCpuPerChange, settledAfter: settled ? performance.now() - last : null, busyAtStart };
    };

    const rename = await runs(async (i) => {
      const number = pick(i);
      const name = `Renamed ${size} ${i}`;
      return measureChange(engine, feed, update(await idOf(number), { name }), async () => (await engine.object('endpoint', number))?.callerid?.includes(name) ?? false, `rename of ${number}`);
    });

    const passwords = new Map<string, string>();
    const password = await runs(async (i) => {
      const number = pick(i + 50);
      const next = `Bench-pass-${i + 1}-${randomBytes(3).toString('hex')}`;
      const accepts = await engine.prepareRegister(number);
      if (!(await accepts(passwords.get(number) ?? EXTENSION_PASSWORD))) throw new Error(`extension ${number} refuses its current password`);
      if (await accepts(next)) throw new Error(`extension ${number} accepts a password it does not have yet`);
      const sample = await measureChange(engine, feed, update(await idOf(number), { password: next }), () => accepts(next), `password change of ${number}`);
      passwords.set(number, next);
      return sample;
    });

    let nextNumber = FIRST + size;
    const create = await runs(async () => {
      const number = String(nextNumber++);
      return measureChange(
        engine,
        feed,
        async () => {
          await ok('createExtension', `mutation($input: CreateExtensionInput!) { createExtension(input: $input) { ${ERRORS} } }`, {
            input: { number, name: `New ${number}`, password: EXTENSION_PASSWORD },
          });
        },
        async () => (await engine.object('endpoint', number)) !== null,
        `creation of ${number}`,
      );
    });

    await engine.haltAndWipeAstdb();
    const wipe = await measureFullApply(engine, feed, size);
    return { rename, password, create, firstApply, wipe };
  } finally {
    await feed.close();
  }
}

// ---------------------------------------------------------------- printing

const stats = (xs: number[]) => ({ median: median(xs), p95: percentile(xs, 95) });

function printFigures(print: (line: string) => void, results: Map<number, SizeFigures>) {
  const [smallest, largest] = [SIZES[0]!, SIZES.at(-1)!];
  const line = (label: string, pick: (f: SizeFigures) => Sample[], key: keyof Pick<Sample, 'answered' | 'report' | 'inEffect'>) => {
    const figures = new Map(SIZES.map((size) => [size, stats(pick(results.get(size)!).map((s) => s[key]))]));
    const [a, b] = [figures.get(smallest)!, figures.get(largest)!];
    const each = SIZES.map((size) => `${fmt(figures.get(size)!.median)} (p95 ${fmt(figures.get(size)!.p95)}) at ${count(size)}`).join(', ');
    print(`  ${label}: ${each}; ratio ${count(largest)}/${count(smallest)} ${(b.median / a.median).toFixed(2)}× (p95 ${(b.p95 / a.p95).toFixed(2)}×)`);
  };
  const touched = (samples: Sample[]) => {
    const files = new Set(samples.flatMap((s) => s.files));
    const modules = new Set(samples.flatMap((s) => s.modules));
    const pushed = [...new Set(samples.map((s) => s.pushed))].join('/');
    return `files written: ${files.size ? [...files].join(', ') : 'none'}; modules reloaded: ${modules.size ? [...modules].join(', ') : 'none'}; objects pushed per change: ${pushed}`;
  };
  const change = (title: string, series: (f: SizeFigures) => Series, effect: string) => {
    const pick = (f: SizeFigures) => series(f).samples;
    print(`${title} (medians and p95 of ${SAMPLES}, from the mutation's answer):`);
    line('mutation answered (from sending it)', pick, 'answered');
    line('pbxApplied report of its revision, APPLIED', pick, 'report');
    line(effect, pick, 'inEffect');
    for (const size of SIZES) {
      const s = series(results.get(size)!);
      const empty = s.settledAfter === null ? `still not empty ${fmt(SETTLE_MS)} after the last change` : `empty ${fmt(s.settledAfter)} after the last change`;
      const busy = s.busyAtStart ? `; Asterisk's queues were still not empty when the series started (${fmt(SETTLE_MS)} of waiting)` : '';
      const cpu = s.asteriskCpuPerChange === null ? '' : `; Asterisk CPU per change, until its sorcery and qualify queues were empty: ${fmt(s.asteriskCpuPerChange)} (${empty})${busy}`;
      print(`  at ${count(size)}: ${touched(s.samples)}${cpu}`);
    }
  };
  change('rename of an extension', (f) => f.rename, 'Asterisk shows the new caller ID (ARI GET of the endpoint)');
  change('password change', (f) => f.password, 'Asterisk answers a REGISTER with the new password with 200');
  change('new extension (createExtension)', (f) => f.create, 'Asterisk has the endpoint (ARI GET of the endpoint)');
  for (const [title, pick] of [
    ['first full apply, server with the extensions in its database and Asterisk started empty', (f: SizeFigures) => f.firstApply],
    ['reconcile after an astdb wipe (Asterisk stopped, astdb.sqlite3 deleted, started again)', (f: SizeFigures) => f.wipe],
  ] as const) {
    print(`${title}:`);
    for (const size of SIZES) {
      const f = pick(results.get(size)!);
      const cpu = `CPU used meanwhile: ${f.asteriskCpuMs === null ? `the server and the stand-in (one process) ${fmt(f.serverCpuMs)}` : `the server ${fmt(f.serverCpuMs)}, Asterisk ${fmt(f.asteriskCpuMs)}`}`;
      print(
        `  at ${count(size)}: ARI connect → report ${fmt(f.connectToReport)} (${count(f.pushed)} objects pushed, ${(f.connectToReport / f.pushed).toFixed(2)} ms each; the apply itself ${fmt(f.applyMs)}; ${cpu}); Asterisk start → ARI connect ${fmt(f.bootToConnect)}; reports from the connect until 3 s after: ${f.reports}`,
      );
      if (f.sipSilences) {
        const silent = f.sipSilences.map((s) => `${fmt(s.from)} → ${s.to === null ? 'the end of the watch' : fmt(s.to)}`);
        print(
          `    SIP meanwhile (a REGISTER every 250 ms): ${silent.length ? `no answer from ${silent.join(', ')} after the ARI connect` : 'every one answered'}; ${f.sipBackAfterReport === null ? 'still unanswered 120 s after the report' : `answered ${fmt(f.sipBackAfterReport)} after the report`}`,
        );
      }
      if (f.asteriskCpuUntilSettled !== null) {
        const empty = f.settledAfterReport === null ? `still not empty ${fmt(SETTLE_MS)} after the report` : `empty ${fmt(f.settledAfterReport)} after the report`;
        print(`    Asterisk's sorcery and qualify queues ${empty}; Asterisk CPU from the connect until then ${fmt(f.asteriskCpuUntilSettled)}`);
      }
    }
  }
}

export async function benchApply(print: (line: string) => void) {
  const bin = process.env.ASTERISK_BIN;
  // Asterisk on the host, not in the harness's network namespace: the namespace's bridge holds about one AMI request
  // in two for 40 ms (delayed acknowledgements), which would hide the apply's own time; and the REGISTERs are sent from here.
  const netns = process.env.PBX_E2E_NETNS;
  if (bin) process.env.PBX_E2E_NETNS = '0';
  const results = new Map<number, SizeFigures>();
  let label = '';
  try {
    for (const size of SIZES) {
      const engine = bin ? await realEngine(bin) : await standinEngine();
      try {
        results.set(size, await measureSize(engine, size));
        label = engine.label;
      } finally {
        await engine.stop();
      }
    }
  } finally {
    if (netns === undefined) delete process.env.PBX_E2E_NETNS;
    else process.env.PBX_E2E_NETNS = netns;
  }
  print(`one extension change in effect, against ${label}; server in this process, APPLY_DEBOUNCE_MS=0, ${process.env.TEST_DATABASE ?? 'sqlite'}`);
  printFigures(print, results);
}
