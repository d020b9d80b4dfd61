import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import WebSocket from 'ws';
// The server (Prisma, GraphQL …) is imported only when the file runs: without the binaries it skips cheaply.
import type { TestServer } from '../support/server.js';
import { subscribe, until } from '../support/subscriptions.js';
import {
  allocatePorts,
  asteriskServerEnv,
  callState,
  disconnected,
  freePort,
  freeUdpRange,
  incomingCall,
  installationOf,
  e2eBinaries,
  RENDERED_FILES,
  startAsterisk,
  startPhone,
  type Asterisk,
  type PbxPorts,
  type Phone,
  type PhoneOptions,
} from './support/index.js';

/**
 * The product on a real Asterisk, driven through GraphQL as a user would:
 * our server renders into the very directory Asterisk reads (etcDir), applies
 * each change by itself and serves the live state from ARI/AMI; pjsua phones
 * in the harness's network namespace register, call, pick up, leave voicemail.
 * The scenarios run in order and build on each other (one Asterisk, one
 * server, four phones). Without the binaries the file skips at once.
 *
 * PBX_E2E_RECORD=<file>: also writes every ARI event Asterisk sent (a second,
 * subscribeAll application) as JSON lines, to compare with the stand-in.
 */
const { ASTERISK, PJSUA } = e2eBinaries();

const RENDERED = RENDERED_FILES;
const ARI_PASSWORD = 'e2e-ari-secret';
const AMI_PASSWORD = 'e2e-ami-secret';
/** An 8 kHz mono WAV the phones play into calls (voicemail): the installation's own prompt. */
function findPrompt(bin: string): string | undefined {
  const candidates = ['/usr/share/asterisk/sounds/en/hello-world.wav'];
  try {
    candidates.unshift(path.join(installationOf(bin).data, 'sounds/en/hello-world.wav'));
  } catch {
    /* no data directory: the fallback only */
  }
  return candidates.find((f) => existsSync(f));
}

const STATUS = `subscription { extensionStatusChanged { number state contacts { uri ip port status latencyMs userAgent } } }`;
const ERRORS = `__typename ... on Error { message } ... on ValidationError { issues { path message } }`;

type Status = { number: string; state: string; contacts: { uri: string; ip: string | null; port: number | null; status: string; latencyMs: number | null; userAgent: string | null }[] };
type StatusFeed = ReturnType<typeof subscribe>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The largest absolute sample of a 16-bit PCM WAV. */
function peakOfWav(buffer: Buffer): number {
  const data = buffer.indexOf('data');
  if (data < 0) return 0;
  let peak = 0;
  for (let i = data + 8; i + 1 < buffer.length; i += 2) peak = Math.max(peak, Math.abs(buffer.readInt16LE(i)));
  return peak;
}

describe.skipIf(!ASTERISK || !PJSUA)('the product on a real Asterisk', () => {
  let ports: PbxPorts;
  let etcDir: string;
  let server: TestServer;
  let ok: typeof import('../support/server.js').ok;
  let pbx: Asterisk;
  let feed: StatusFeed;
  const ids = new Map<string, string>();
  const phones = new Map<string, Phone>();
  /** The SIP port of each phone (its contact). */
  const phonePorts = new Map<Phone, number>();
  let prompt: string | undefined;
  const recorded: string[] = [];
  let recorder: WebSocket | null = null;

  // ------------------------------------------------------------ helpers

  async function gql<T = any>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const r = await server.gql(query, variables, server.adminToken);
    if (r.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(r.errors)}`);
    return r.data as T;
  }

  async function configuration() {
    return (await gql(`{ pbxConfiguration { revision appliedRevision asteriskConnected lastApply { revision outcome error changedFiles reloadedModules } } }`)).pbxConfiguration;
  }

  /** Runs a mutation, then waits until our server applied it by itself (the revision it caused is applied and reached Asterisk). */
  async function mutateApplied<T>(field: string, query: string, variables: Record<string, unknown> = {}, outcomes = /^(APPLIED|NO_CHANGES)$/): Promise<T> {
    const before = (await configuration()).revision as number;
    const data = ok<T>(await server.gql(query, variables, server.adminToken), field);
    let last: any;
    await until(
      async () => {
        last = await configuration();
        return last.revision > before && last.appliedRevision === last.revision && last.lastApply?.revision === last.revision;
      },
      10_000,
      `the apply of ${field}`,
    ).catch((e) => {
      throw new Error(`${(e as Error).message}: ${JSON.stringify(last)}`);
    });
    expect(last.lastApply.outcome, JSON.stringify(last.lastApply)).toMatch(outcomes);
    return data;
  }

  async function createExtension(number: string, extra: Record<string, unknown> = {}) {
    const data = await mutateApplied<{ id: string }>(
      'createExtension',
      `mutation($input: CreateExtensionInput!) { createExtension(input: $input) { ${ERRORS} ... on MutationCreateExtensionSuccess { data { id number } } } }`,
      { input: { number, name: `User ${number}`, password: `Secret-${number}`, ...extra } },
    );
    ids.set(number, data.id);
    return data;
  }

  async function updateExtension(number: string, input: Record<string, unknown>) {
    return mutateApplied(
      'updateExtension',
      `mutation($id: ID!, $input: UpdateExtensionInput!) { updateExtension(id: $id, input: $input) { ${ERRORS} ... on MutationUpdateExtensionSuccess { data { id } } } }`,
      { id: ids.get(number), input },
    );
  }

  async function startStatusFeed(): Promise<StatusFeed> {
    const s = subscribe(server.graphqlUrl, server.adminToken, STATUS);
    await s.waitFor((r) => !!r.data?.extensionStatusChanged, 5000);
    return s;
  }

  const statusOf = (r: any): Status | undefined => r?.data?.extensionStatusChanged;
  /** The first status of `number` from result index `from` on that passes `test`. */
  function waitStatus(number: string, test: (s: Status) => boolean, from: number, timeoutMs = 10_000, sub = feed): Promise<Status> {
    return sub.waitFor((r) => sub.results.indexOf(r) >= from && statusOf(r)?.number === number && test(statusOf(r)!), timeoutMs).then(statusOf) as Promise<Status>;
  }
  const inState = (state: string) => (s: Status) => s.state === state;
  /** What the subscription delivered for these numbers from `from` on, for failure messages. */
  const delivered = (from: number, numbers: string[], sub = feed) =>
    sub.results
      .slice(from)
      .map(statusOf)
      .filter((s) => s && numbers.includes(s.number))
      .map((s) => `${s!.number}:${s!.state}`)
      .join(' ');

  async function phone(number: string, options: Partial<PhoneOptions> = {}): Promise<Phone> {
    const localPort = await freePort();
    const p = startPhone({
      bin: PJSUA!,
      username: number,
      password: `Secret-${number}`,
      localPort,
      // pjsua would take 4000 for every instance.
      rtpPort: (await freeUdpRange(8)).start,
      registrar: `127.0.0.1:${ports.sipUdp}`,
      sandbox: pbx.sandbox,
      // Like a desk phone: 180 Ringing at once (pjsua answers nothing by itself otherwise), answered by hand.
      autoAnswer: 180,
      // The prompt is played into every call once its media is up (the caller's side too, whatever pjsua's help says).
      extraArgs: prompt ? [`--play-file=${prompt}`, '--auto-play'] : [],
      ...options,
    });
    phonePorts.set(p, localPort);
    return p;
  }
  /** A phone for one test only: stopped when it ends. */
  async function tempPhone(number: string, options: Partial<PhoneOptions> = {}): Promise<Phone> {
    const p = await phone(number, options);
    onTestFinished(() => p.stop());
    return p;
  }
  const main = (number: string) => {
    const p = phones.get(number);
    if (!p) throw new Error(`no phone ${number}`);
    return p;
  };
  /** Moves the phone's cursor to the end of its output: later waits see only what comes next. */
  const sync = async (...ps: Phone[]) => {
    for (const p of ps) await p.waitFor(/$/, 100);
  };
  const uri = (target: string) => `sip:${target}@127.0.0.1:${ports.sipUdp}`;
  const logMark = () => pbx.logLines().length;
  const logSince = (mark: number) => pbx.logLines().slice(mark).join('\n');
  async function waitLog(pattern: RegExp, mark: number, timeoutMs = 10_000): Promise<RegExpExecArray> {
    let match: RegExpExecArray | null = null;
    await until(() => !!(match = pattern.exec(logSince(mark))), timeoutMs, `${pattern} in the Asterisk log`).catch(() => {
      throw new Error(`no ${pattern} in the Asterisk log within ${timeoutMs} ms; the log since:\n${logSince(mark).split('\n').slice(-40).join('\n')}`);
    });
    return match!;
  }
  /** The phone dials a feature code, which answers and hangs up; what Asterisk logged meanwhile. */
  async function dialCode(p: Phone, code: string): Promise<string> {
    await sync(p);
    const log = logMark();
    await p.call(uri(code));
    await p.waitFor(callState('CONFIRMED'), 5000);
    await p.waitFor(disconnected, 5000);
    return logSince(log);
  }
  /** Hangs up every call of these phones and waits until they are idle. */
  async function hangupAll(...ps: Phone[]) {
    for (const p of ps) p.hangup(true);
    await until(async () => /\b0 active calls/.test(await pbx.cli('core show channels count')), 10_000, 'no active calls in Asterisk');
    await sleep(200);
  }

  /** Before a scenario: no call left over from an earlier one (a failed one may leave some). */
  async function idle() {
    for (const p of phones.values()) p.hangup(true);
    await until(async () => /\b0 active calls/.test(await pbx.cli('core show channels count')), 10_000, 'no active calls in Asterisk');
    await sleep(300);
    await sync(...phones.values());
  }

  function startRecorder() {
    const file = process.env.PBX_E2E_RECORD;
    if (!file) return;
    const open = () => {
      const ws = new WebSocket(`ws://127.0.0.1:${ports.http}/ari/events?app=e2e-recorder&subscribeAll=true&api_key=pbx:${ARI_PASSWORD}`);
      recorder = ws;
      ws.on('open', () => recorded.push(`${Date.now()} {"type":"#","note":"recorder connected"}`));
      ws.on('message', (data) => recorded.push(`${Date.now()} ${data.toString()}`));
      ws.on('error', () => undefined);
      ws.on('close', () => {
        if (recorder === ws) setTimeout(open, 500);
      });
    };
    open();
  }
  const mark = (note: string) => recorded.push(`${Date.now()} {"type":"#","note":${JSON.stringify(note)}}`);

  // ------------------------------------------------------------ set-up

  beforeAll(async () => {
    const support = await import('../support/server.js');
    ok = support.ok;
    prompt = findPrompt(ASTERISK!);
    ports = await allocatePorts();
    // The pid in the name lets a later run remove it if this one is killed (sandbox.ts sweeps pbx-e2e-<pid>-*).
    etcDir = mkdtempSync(path.join(tmpdir(), `pbx-e2e-${process.pid}-etc-`));
    server = await support.startTestServer({
      ...asteriskServerEnv(ports, etcDir, { ari: ARI_PASSWORD, ami: AMI_PASSWORD }),
      APPLY_DEBOUNCE_MS: '50',
      LOG_LEVEL: process.env.PBX_E2E_LOG ?? 'silent',
    });
    // The SIP ports and the RTP range, through GraphQL, before Asterisk boots: the rendered files carry them.
    await mutateApplied(
      'updateSipSettings',
      `mutation($input: SipSettingsInput!) { updateSipSettings(input: $input) { ${ERRORS} ... on MutationUpdateSipSettingsSuccess { data { udpPort } } } }`,
      { input: { udpPort: ports.sipUdp, tcpPort: ports.sipTcp, rtpPortStart: ports.rtpStart, rtpPortEnd: ports.rtpEnd } },
      // No Asterisk yet: written, to be reloaded when it connects.
      /^WRITTEN_NOT_RELOADED$/,
    );
    pbx = await startAsterisk({ bin: ASTERISK!, etcDir, ports });
    startRecorder();
    await until(async () => (await configuration()).asteriskConnected, 30_000, 'our server connected to Asterisk (ARI)');
  }, 90_000);

  afterAll(async () => {
    recorder?.removeAllListeners('close');
    recorder?.close();
    if (process.env.PBX_E2E_RECORD) writeFileSync(process.env.PBX_E2E_RECORD, recorded.join('\n') + '\n');
    await feed?.close().catch(() => undefined);
    await Promise.all([...phones.values()].map((p) => p.stop()));
    await server?.stop();
    await pbx?.stop();
    if (etcDir && process.env.PBX_E2E_KEEP !== '1') rmSync(etcDir, { recursive: true, force: true });
  }, 60_000);

  // ------------------------------------------------------------ scenarios

  it('1. two extensions created through GraphQL register from two phones: ONLINE with contact, latency and user agent', async () => {
    mark('scenario 1');
    for (const n of ['100', '101', '102', '103']) await createExtension(n);
    // The feed starts with the current status of every extension, then every change.
    feed = await startStatusFeed();
    const from = 0;
    const out = await pbx.cli('pjsip show endpoints');
    for (const n of ['100', '101', '102', '103']) expect(out).toMatch(new RegExp(`Endpoint:\\s+${n}/${n}\\s`));

    for (const n of ['100', '101', '102', '103']) phones.set(n, await phone(n));
    for (const n of ['100', '101', '102', '103']) expect(await main(n).waitForRegistration(), main(n).tail()).toMatchObject({ ok: true, status: 200 });

    for (const n of ['100', '101']) {
      const online = await waitStatus(n, (s) => s.state === 'ONLINE' && (s.contacts[0]?.latencyMs ?? 0) > 0, from).catch((e) => {
        throw new Error(`${(e as Error).message}\ndelivered: ${delivered(from, [n])}`);
      });
      const contact = online.contacts[0]!;
      expect(contact).toMatchObject({ ip: '127.0.0.1', port: phonePorts.get(main(n)), status: 'Reachable' });
      expect(contact.uri).toMatch(new RegExp(`^sip:${n}@127\\.0\\.0\\.1:${contact.port}`));
      expect(contact.latencyMs).toBeLessThan(1000);
    }
    // The user agent comes from AMI (PJSIPShowContacts) shortly after the contact.
    const withAgent = await waitStatus('100', (s) => !!s.contacts[0]?.userAgent, from, 5000).catch(() => null);
    expect(
      withAgent?.contacts[0]?.userAgent ?? null,
      `no userAgent delivered for 100: ${JSON.stringify(
        feed.results
          .slice(from)
          .map(statusOf)
          .filter((s) => s?.number === '100'),
      )}`,
    ).toMatch(/PJSUA/i);
  });

  it('2. 100 calls 101: 101 RINGING, both BUSY while connected, both ONLINE after hang-up', async () => {
    mark('scenario 2');
    await idle();
    const [a, b] = [main('100'), main('101')];
    await sync(a, b);
    const from = feed.results.length;
    await a.call(uri('101'));
    await b.waitFor(incomingCall, 5000);
    await waitStatus('101', inState('RINGING'), from);
    await waitStatus('100', inState('BUSY'), from);
    await b.answer(200);
    await b.waitFor(callState('CONFIRMED'), 5000);
    await a.waitFor(callState('CONFIRMED'), 5000);
    const connected = feed.results.length;
    await waitStatus('101', inState('BUSY'), from).catch((e) => {
      throw new Error(`${(e as Error).message}\ndelivered: ${delivered(from, ['100', '101'])}`);
    });
    await waitStatus('100', inState('BUSY'), from);
    expect(await pbx.cli('core show channels count')).toMatch(/1 active call/);

    a.hangup();
    await a.waitFor(disconnected, 5000);
    await b.waitFor(disconnected, 5000);
    await waitStatus('101', inState('ONLINE'), connected);
    await waitStatus('100', inState('ONLINE'), connected);
  });

  it('2b. a call of an extension that records its calls is recorded (MixMonitor) into the monitor spool', async () => {
    mark('scenario 2b');
    await idle();
    const id = (await server.gql(`{ extension(number: "100") { id } }`, {}, server.adminToken)).data.extension.id;
    const setRecording = (recording: string) =>
      mutateApplied(
        'updateExtension',
        `mutation($id: ID!, $r: RecordingMode!) { updateExtension(id: $id, input: { recording: $r }) { ${ERRORS} ... on MutationUpdateExtensionSuccess { data { recording } } } }`,
        { id, r: recording },
      );
    await setRecording('OUTBOUND');
    try {
      const monitor = path.join(pbx.spoolDir, 'monitor');
      const before = existsSync(monitor) ? readdirSync(monitor) : [];
      const [a, b] = [main('100'), main('101')];
      await sync(a, b);
      await a.call(uri('101'));
      await b.waitFor(incomingCall, 5000);
      await b.answer(200);
      await a.waitFor(callState('CONFIRMED'), 5000);
      await new Promise((r) => setTimeout(r, 1500));
      a.hangup();
      await b.waitFor(disconnected, 5000);
      await until(() => existsSync(monitor) && readdirSync(monitor).some((f) => !before.includes(f) && /-100-101-.*\.wav$/.test(f)), 5000, 'a recording of 100 calling 101');
      const file = readdirSync(monitor).find((f) => !before.includes(f) && /-100-101-/.test(f))!;
      expect(statSync(path.join(monitor, file)).size).toBeGreaterThan(1000);
    } finally {
      await setRecording('OFF');
    }
  });

  it('3. departments: RING_ALL rings every member at once, SEQUENTIAL one after another; no answer goes to the destination', async () => {
    mark('scenario 3');
    await idle();
    const create = (input: Record<string, unknown>) =>
      mutateApplied(
        'createDepartment',
        `mutation($input: CreateDepartmentInput!) { createDepartment(input: $input) { ${ERRORS} ... on MutationCreateDepartmentSuccess { data { id number members { number } } } } }`,
        { input: { ringTimeSeconds: 5, members: ['101', '102', '103'], ...input } },
      );
    await create({ name: 'Sales', number: '0400', ringStrategy: 'RING_ALL', noAnswerDestination: { type: 'HANGUP' } });
    await create({ name: 'Support', number: '0401', ringStrategy: 'SEQUENTIAL', noAnswerDestination: { type: 'VOICEMAIL', target: '101' } });
    const caller = main('100');
    const members = ['101', '102', '103'].map(main);

    // RING_ALL: all three ring together; after 5 s nobody answered and the call is hung up.
    await sync(caller, ...members);
    let from = feed.results.length;
    let log = logMark();
    let t0 = Date.now();
    await caller.call(uri('0400'));
    const rang = await Promise.all(members.map((m) => m.waitFor(incomingCall, 5000).then(() => Date.now() - t0)));
    expect(Math.max(...rang) - Math.min(...rang), `ring times ${rang}`).toBeLessThan(1500);
    for (const n of ['101', '102', '103']) await waitStatus(n, inState('RINGING'), from);
    const [, code] = await caller.waitFor(disconnected, 10_000);
    const ended = Date.now() - t0;
    expect(ended, `the call ended after ${ended} ms`).toBeGreaterThanOrEqual(4500);
    expect(ended).toBeLessThan(9000);
    for (const m of members) await m.waitFor(disconnected, 5000);
    expect(logSince(log)).toMatch(/Executing \[s@pbx-department-0400:\d+\] Hangup\(/);
    expect(code).not.toBe('200');

    // SEQUENTIAL: 101, then 102 after 101's ring time, then 103; then 101's voicemail answers.
    await sync(caller, ...members);
    from = feed.results.length;
    log = logMark();
    t0 = Date.now();
    await caller.call(uri('0401'));
    const times: Record<string, number> = {};
    for (const [i, m] of members.entries()) {
      await m.waitFor(incomingCall, 10_000);
      times[`ring${i}`] = Date.now() - t0;
      await m.waitFor(disconnected, 10_000);
      times[`stop${i}`] = Date.now() - t0;
    }
    await caller.waitFor(callState('CONFIRMED'), 10_000);
    times.answered = Date.now() - t0;
    const order = JSON.stringify(times);
    expect(times.ring0!, order).toBeLessThan(2000);
    for (const i of [1, 2]) {
      // The next member rings only after the previous one stopped, one ring time (5 s) later.
      expect(times[`ring${i}`]!, order).toBeGreaterThanOrEqual(times[`stop${i - 1}`]!);
      expect(times[`ring${i}`]! - times[`ring${i - 1}`]!, order).toBeGreaterThanOrEqual(4500);
      expect(times[`ring${i}`]! - times[`ring${i - 1}`]!, order).toBeLessThan(7000);
    }
    expect(times.answered - times.ring2!, order).toBeGreaterThanOrEqual(4500);
    await waitLog(/Executing \[101@pbx-voicemail:\d+\] VoiceMail\("PJSIP\/100-[0-9a-f]+", "101@default,u"\)/, log);
    // The live state saw the same order: each member RINGING, never two at once.
    const ringing = feed.results
      .slice(from)
      .map(statusOf)
      .filter((s) => s && ['101', '102', '103'].includes(s.number))
      .map((s) => `${s!.number}:${s!.state}`);
    const firstRinging = ['101', '102', '103'].map((n) => ringing.indexOf(`${n}:RINGING`));
    expect(firstRinging.every((i) => i >= 0) && firstRinging[0]! < firstRinging[1]! && firstRinging[1]! < firstRinging[2]!, ringing.join(' ')).toBe(true);
    await hangupAll(caller);
  }, 60_000);

  it('4. 101 does not answer: the caller leaves a voicemail; *61 on 101 opens its own mailbox', async () => {
    mark('scenario 4');
    await idle();
    expect(prompt, 'no hello-world.wav to play into the voicemail').toBeDefined();
    await mutateApplied('updatePbxSettings', `mutation { updatePbxSettings(input: { globalRingSeconds: 5 }) { ${ERRORS} ... on MutationUpdatePbxSettingsSuccess { data { globalRingSeconds } } } }`);
    const [a, b] = [main('100'), main('101')];
    const inbox = path.join(pbx.spoolDir, 'voicemail/default/101/INBOX');
    const messagesBefore = existsSync(inbox) ? readdirSync(inbox).filter((f) => /^msg\d+\.txt$/.test(f)) : [];
    await sync(a, b);
    const log = logMark();
    const t0 = Date.now();
    await a.call(uri('101'));
    await b.waitFor(incomingCall, 5000);
    await a.waitFor(callState('CONFIRMED'), 10_000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(4500);
    await b.waitFor(disconnected, 5000);
    await waitLog(/Executing \[s@pbx-dial-extension:\d+\] VoiceMail\("PJSIP\/100-[0-9a-f]+", "101@default,u"\)/, log);
    // The greeting, the beep, then the phone's prompt (hello-world, looped) is recorded for 3 s.
    await waitLog(/Recording the message/, log, 20_000);
    await sleep(3000);
    a.hangup();
    await a.waitFor(disconnected, 5000);
    await until(() => existsSync(inbox) && readdirSync(inbox).filter((f) => /^msg\d+\.txt$/.test(f)).length > messagesBefore.length, 5000, 'a new message in 101/INBOX').catch(() => {
      throw new Error(`no new message in ${inbox}; the log since the call:\n${logSince(log).split('\n').slice(-30).join('\n')}`);
    });
    const message = readdirSync(inbox)
      .filter((f) => /^msg\d+\.txt$/.test(f) && !messagesBefore.includes(f))
      .sort()[0]!;
    const text = readFileSync(path.join(inbox, message), 'utf8');
    expect(text).toMatch(/callerid="User 100" <100>/);
    expect(Number(/duration=(\d+)/.exec(text)?.[1])).toBeGreaterThanOrEqual(2);
    const wav = path.join(inbox, message.replace(/\.txt$/, '.wav'));
    expect(existsSync(wav), `${wav} missing`).toBe(true);
    // 16-bit 8 kHz: two seconds are 32 kB, and it is the prompt, not silence.
    expect(statSync(wav).size).toBeGreaterThan(16_000);
    expect(peakOfWav(readFileSync(wav)), 'the recorded message is silent').toBeGreaterThan(2000);

    // *61 from 101: VoiceMailMain for its own mailbox, asking for its PIN.
    await sync(b);
    const log61 = logMark();
    await b.call(uri('*61'));
    await b.waitFor(callState('CONFIRMED'), 5000);
    await waitLog(/Executing \[\*61@pbx-permission-DialPlan1:\d+\] VoiceMailMain\("PJSIP\/101-[0-9a-f]+", "101@default"\)/, log61);
    await waitLog(/Playing 'vm-password/, log61);
    await hangupAll(b);
  }, 60_000);

  it('5. *74 on 101: calls to 101 get its busy voicemail without ringing; *074 restores ringing', async () => {
    mark('scenario 5');
    await idle();
    const [a, b] = [main('100'), main('101')];
    const feature = (code: string) => dialCode(b, code);
    expect(await feature('*74')).toMatch(/Set\("PJSIP\/101-[0-9a-f]+", "DB\(DND\/101\)=1"\)/);
    expect(await pbx.cli('database show DND')).toMatch(/\/DND\/101\s*:\s*1/);
    // The API reads the same key.
    const dnd = async () => (await gql(`{ extension(number: "101") { doNotDisturb } }`)).extension.doNotDisturb;
    expect(await dnd()).toBe(true);

    await sync(a, b);
    let from = feed.results.length;
    const log = logMark();
    const heard = b.output().length;
    await a.call(uri('101'));
    await a.waitFor(callState('CONFIRMED'), 5000);
    await waitLog(/Executing \[s@pbx-dial-extension:\d+\] VoiceMail\("PJSIP\/100-[0-9a-f]+", "101@default,b"\)/, log);
    await sleep(500);
    expect(b.output().slice(heard)).not.toMatch(incomingCall);
    expect(delivered(from, ['101'])).not.toContain('101:RINGING');
    await hangupAll(a);

    expect(await feature('*074')).toMatch(/Executing \[\*074@pbx-permission-DialPlan1:\d+\] Set\("PJSIP\/101-[0-9a-f]+", "DELETED=1"\)/);
    expect(await pbx.cli('database show DND')).not.toMatch(/\/DND\/101/);
    expect(await dnd()).toBe(false);
    // ... and changes it as the codes do.
    const setDnd = `mutation($id: ID!, $on: Boolean!) { setExtensionDoNotDisturb(id: $id, enabled: $on) { ${ERRORS} ... on MutationSetExtensionDoNotDisturbSuccess { data { doNotDisturb } } } }`;
    expect(ok(await server.gql(setDnd, { id: ids.get('101'), on: true }, server.adminToken), 'setExtensionDoNotDisturb')).toEqual({ doNotDisturb: true });
    expect(await pbx.cli('database show DND')).toMatch(/\/DND\/101\s*:\s*1/);
    expect(ok(await server.gql(setDnd, { id: ids.get('101'), on: false }, server.adminToken), 'setExtensionDoNotDisturb')).toEqual({ doNotDisturb: false });
    expect(await pbx.cli('database show DND')).not.toMatch(/\/DND\/101/);
    await sync(a, b);
    from = feed.results.length;
    await a.call(uri('101'));
    await b.waitFor(incomingCall, 5000);
    await waitStatus('101', inState('RINGING'), from);
    a.hangup();
    await b.waitFor(disconnected, 5000);
    await hangupAll(a);
  }, 60_000);

  it('5b. call forwarding: *71 plus 102 on 101 sends its calls to 102 without ringing 101, *071 stops it; a BUSY forward set through the API rings 103 once 101 answers busy', async () => {
    mark('scenario 5b');
    await idle();
    const [a, b, c, d] = ['100', '101', '102', '103'].map(main) as [Phone, Phone, Phone, Phone];
    const feature = (code: string) => dialCode(b, code);
    const forwarding = async () => (await gql(`{ extension(number: "101") { callForwarding { always busy noAnswer } } }`)).extension.callForwarding;

    expect(await feature('*71102')).toMatch(/Set\("PJSIP\/101-[0-9a-f]+", "DB\(CF\/101\)=102"\)/);
    expect(await pbx.cli('database show CF')).toMatch(/\/CF\/101\s*:\s*102/);
    expect(await forwarding()).toEqual({ always: '102', busy: null, noAnswer: null });

    await sync(a, b, c);
    let heard = b.output().length;
    await a.call(uri('101'));
    await c.waitFor(incomingCall, 5000);
    expect(b.output().slice(heard)).not.toMatch(incomingCall);
    await c.answer();
    await a.waitFor(callState('CONFIRMED'), 5000);
    await hangupAll(a, c);

    // DB_DELETE gives the value it removed.
    expect(await feature('*071')).toMatch(/Executing \[\*071@pbx-permission-DialPlan1:\d+\] Set\("PJSIP\/101-[0-9a-f]+", "DELETED=102"\)/);
    expect(await pbx.cli('database show CF')).not.toMatch(/\/CF\/101/);

    // A number 101's dial permission does not reach is not forwarded to: 101 rings. Its permission here has no dial rule.
    await mutateApplied(
      'createDialPermission',
      `mutation { createDialPermission(input: { name: "InternalOnly", dialRules: [] }) { ${ERRORS} ... on MutationCreateDialPermissionSuccess { data { id } } } }`,
    );
    await updateExtension('101', { dialPermission: 'InternalOnly' });
    const setForward = `mutation($id: ID!, $type: CallForwardType!, $number: String) { setExtensionCallForwarding(id: $id, type: $type, number: $number) { ${ERRORS} ... on MutationSetExtensionCallForwardingSuccess { data { callForwarding { always busy noAnswer } } } } }`;
    ok(await server.gql(setForward, { id: ids.get('101'), type: 'ALWAYS', number: '9999' }, server.adminToken), 'setExtensionCallForwarding');
    await sync(a, b);
    const unreachable = logMark();
    await a.call(uri('101'));
    await waitLog(/NoOp\("PJSIP\/100-[0-9a-f]+", "Not forwarded: 101 may not call 9999"\)/, unreachable);
    await b.waitFor(incomingCall, 5000);
    await hangupAll(a, b);
    ok(await server.gql(setForward, { id: ids.get('101'), type: 'ALWAYS', number: null }, server.adminToken), 'setExtensionCallForwarding');
    await updateExtension('101', { dialPermission: 'DialPlan1' });

    // BUSY through the API: 101 rings first; when it answers busy (486), 103 rings.
    expect(ok(await server.gql(setForward, { id: ids.get('101'), type: 'BUSY', number: '103' }, server.adminToken), 'setExtensionCallForwarding')).toEqual({
      callForwarding: { always: null, busy: '103', noAnswer: null },
    });
    expect(await pbx.cli('database show CFB')).toMatch(/\/CFB\/101\s*:\s*103/);
    await sync(a, b, d);
    heard = d.output().length;
    await a.call(uri('101'));
    await b.waitFor(incomingCall, 5000);
    expect(d.output().slice(heard)).not.toMatch(incomingCall);
    await b.answer(486);
    await d.waitFor(incomingCall, 5000);
    await d.answer();
    await a.waitFor(callState('CONFIRMED'), 5000);
    await hangupAll(a, d);
    await b.waitFor(disconnected, 5000);

    expect(ok(await server.gql(setForward, { id: ids.get('101'), type: 'BUSY', number: null }, server.adminToken), 'setExtensionCallForwarding')).toEqual({
      callForwarding: { always: null, busy: null, noAnswer: null },
    });
    expect(await pbx.cli('database show CFB')).not.toMatch(/\/CFB\/101/);
  }, 90_000);

  it('6. *8 picks up a ringing extension of the same pickup group; ** plus a number picks up that one', async () => {
    mark('scenario 6');
    await idle();
    const [a, b, c, d] = ['100', '101', '102', '103'].map(main) as [Phone, Phone, Phone, Phone];
    for (const [picker, code, how] of [
      // Group pickup is the dialplan's (features.conf's pickupexten is off, so the dial permission's allowPickup decides).
      [c, '*8', /Executing \[\*8@pbx-permission-DialPlan1:1\] Pickup\("PJSIP\/102-[0-9a-f]+", ""\)/],
      [d, '**101', /Executing \[\*\*101@pbx-permission-DialPlan1:1\] Pickup\("PJSIP\/103-[0-9a-f]+", "101@PICKUPMARK"\)/],
    ] as const) {
      await sync(a, b, picker);
      const log = logMark();
      await a.call(uri('101'));
      await b.waitFor(incomingCall, 5000);
      await picker.call(uri(code));
      await picker.waitFor(callState('CONFIRMED'), 5000);
      await a.waitFor(callState('CONFIRMED'), 5000);
      await b.waitFor(disconnected, 5000);
      await waitLog(how, log, 2000);
      expect(await pbx.cli('core show channels count')).toMatch(/1 active call/);
      await hangupAll(a, picker);
    }
  }, 60_000);

  it('7. a changed password applies by itself; a disabled extension cannot register; a deleted one is gone from Asterisk', async () => {
    mark('scenario 7');
    await idle();
    await updateExtension('101', { password: 'Changed-101' });
    const old = await tempPhone('101');
    const refused = await old.waitForRegistration();
    expect(refused.ok, old.tail()).toBe(false);
    expect([401, 403]).toContain(refused.status);
    const fresh = await tempPhone('101', { password: 'Changed-101' });
    expect(await fresh.waitForRegistration(), fresh.tail()).toMatchObject({ ok: true, status: 200 });
    await fresh.stop();

    const from = feed.results.length;
    await updateExtension('101', { enabled: false });
    expect(await pbx.cli('pjsip show endpoints')).not.toMatch(/Endpoint:\s+101\//);
    const disabled = await tempPhone('101', { password: 'Changed-101' });
    const r = await disabled.waitForRegistration();
    expect(r.ok, disabled.tail()).toBe(false);
    await waitStatus('101', inState('UNAVAILABLE'), from);
    await disabled.stop();

    // Back as it was, for the scenarios after this one.
    await updateExtension('101', { enabled: true, password: 'Secret-101' });
    main('101').send('rr');
    expect(await main('101').waitForRegistration(), main('101').tail()).toMatchObject({ ok: true });

    await createExtension('104');
    const p104 = await tempPhone('104');
    expect(await p104.waitForRegistration(), p104.tail()).toMatchObject({ ok: true });
    expect(await pbx.cli('pjsip show endpoints')).toMatch(/Endpoint:\s+104\/104\s/);
    await mutateApplied('deleteExtensions', `mutation($ids: [ID!]!) { deleteExtensions(ids: $ids) { ${ERRORS} ... on MutationDeleteExtensionsSuccess { data { count } } } }`, {
      ids: [ids.get('104')],
    });
    expect(await pbx.cli('pjsip show endpoints')).not.toMatch(/Endpoint:\s+104\//);
    expect(await pbx.cli('dialplan show 104@pbx-internal')).not.toMatch(/'104' =>/);
    p104.send('rr');
    expect((await p104.waitForRegistration()).ok, p104.tail()).toBe(false);
  }, 60_000);

  it('7b. an extension in DND is deleted and created again: the new one rings, its DND did not stay in astdb', async () => {
    mark('scenario 7b');
    await idle();
    await createExtension('105');
    const p105 = await tempPhone('105');
    expect(await p105.waitForRegistration(), p105.tail()).toMatchObject({ ok: true });
    await sync(p105);
    await p105.call(uri('*74'));
    await p105.waitFor(callState('CONFIRMED'), 5000);
    await p105.waitFor(disconnected, 5000);
    expect(await pbx.cli('database show DND')).toMatch(/\/DND\/105\s*:\s*1/);

    await mutateApplied('deleteExtensions', `mutation($ids: [ID!]!) { deleteExtensions(ids: $ids) { ${ERRORS} ... on MutationDeleteExtensionsSuccess { data { count } } } }`, {
      ids: [ids.get('105')],
    });
    await until(async () => !/\/DND\/105\b/.test(await pbx.cli('database show DND')), 5000, 'DND/105 removed from astdb');
    await createExtension('105');
    p105.send('rr');
    expect(await p105.waitForRegistration(), p105.tail()).toMatchObject({ ok: true });

    const a = main('100');
    await sync(a, p105);
    await a.call(uri('105'));
    await p105.waitFor(incomingCall, 5000);
    a.hangup();
    await hangupAll(a, p105);
  }, 60_000);

  it('8. our server stops in the middle of a call: the call stays up; after its restart the live state shows it within 2 s', async () => {
    mark('scenario 8');
    await idle();
    const [a, c] = [main('100'), main('102')];
    await sync(a, c);
    const from = feed.results.length;
    await a.call(uri('102'));
    await c.waitFor(incomingCall, 5000);
    await c.answer(200);
    await a.waitFor(callState('CONFIRMED'), 5000);
    await c.waitFor(callState('CONFIRMED'), 5000);
    await waitStatus('100', inState('BUSY'), from);
    await waitStatus('102', inState('BUSY'), from);
    await feed.close();
    const [aSaid, cSaid] = [a.output().length, c.output().length];

    await server.restart();
    const restarted = Date.now();
    // Nothing happened to the call while our server was away.
    expect(a.output().slice(aSaid)).not.toMatch(disconnected);
    expect(c.output().slice(cSaid)).not.toMatch(disconnected);
    expect(await pbx.cli('core show channels count')).toMatch(/\b1 active call\b/);

    feed = subscribe(server.graphqlUrl, server.adminToken, STATUS);
    await waitStatus('100', inState('BUSY'), 0, 2000);
    await waitStatus('102', inState('BUSY'), 0, Math.max(100, 2000 - (Date.now() - restarted)));
    const seen = Date.now() - restarted;
    expect(seen).toBeLessThanOrEqual(2000);

    const hung = feed.results.length;
    a.hangup();
    await a.waitFor(disconnected, 5000);
    await c.waitFor(disconnected, 5000);
    await waitStatus('100', inState('ONLINE'), hung);
    await waitStatus('102', inState('ONLINE'), hung);
  }, 60_000);

  it('9. Asterisk restarts: our server reconnects by itself and the registered phones are ONLINE again', async () => {
    mark('scenario 9');
    await idle();
    const from = feed.results.length;
    await pbx.restart();
    const booted = Date.now();
    // Asterisk went away: the store was cleared (UNAVAILABLE), then our server came back by itself.
    const gone = new Map<string, number>();
    for (const n of ['100', '101', '102', '103']) {
      const s = await waitStatus(n, inState('UNAVAILABLE'), from, 10_000);
      gone.set(
        n,
        feed.results.findIndex((r, i) => i >= from && statusOf(r) === s),
      );
    }
    await until(async () => (await configuration()).asteriskConnected, 30_000, 'asteriskConnected again');
    const reconnected = Date.now() - booted;
    for (const n of ['100', '101', '102', '103']) {
      await waitStatus(n, (s) => s.state === 'ONLINE' && s.contacts.length > 0, gone.get(n)!, 20_000).catch((e) => {
        throw new Error(`${(e as Error).message}\ndelivered: ${delivered(from, [n])}`);
      });
    }
    const online = Date.now() - booted;
    // The phones' next REGISTER (forced here) is accepted and the state stays right.
    for (const n of ['100', '101', '102', '103']) {
      main(n).send('rr');
      expect(await main(n).waitForRegistration(), main(n).tail()).toMatchObject({ ok: true, status: 200 });
    }
    await sleep(300);
    const board = (await gql(`{ extensionStatuses(numbers: ["100", "101", "102", "103"]) { asteriskConnected statuses { number state contacts { status } } } }`)).extensionStatuses;
    expect(board.asteriskConnected).toBe(true);
    expect(board.statuses.map((s: Status) => `${s.number}:${s.state}`)).toEqual(['100:ONLINE', '101:ONLINE', '102:ONLINE', '103:ONLINE']);
    console.log(
      `e2e: ARI reconnected ${reconnected} ms after Asterisk was back; all phones ONLINE ${online} ms after; contacts ${JSON.stringify(board.statuses.map((s: Status) => s.contacts.map((c) => c.status)))}`,
    );
  }, 90_000);

  it('Asterisk logged no warning or error about our rendered files in all of this', () => {
    const problems = pbx.problems(RENDERED);
    expect(problems, `Asterisk logged problems with the rendered configuration:\n${problems.join('\n')}`).toEqual([]);
  });
});
