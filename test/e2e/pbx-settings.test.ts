import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
// The server (Prisma, GraphQL …) is imported only when the file runs: without the binaries it skips cheaply.
import type { TestServer } from '../support/server.js';
import { subscribe, until } from '../support/subscriptions.js';
import {
  allocatePorts,
  asteriskServerEnv,
  callState,
  disconnected,
  e2eBinaries,
  freePort,
  freeUdpRange,
  incomingCall,
  installationOf,
  RENDERED_FILES,
  startAsterisk,
  startPhone,
  type Asterisk,
  type PbxPorts,
  type Phone,
} from './support/index.js';

/**
 * The PBX settings and the in-call feature codes on a real Asterisk, driven
 * through GraphQL as scenarios.test.ts does: our server renders into the
 * directory Asterisk reads and applies every change by itself; pjsua phones
 * in the harness's network namespace ring, answer and press DTMF (RFC 4733).
 * What is asserted is what a user observes: which phone rings, which calls
 * are connected to which (Asterisk's bridges), the live status subscription,
 * the voicemail spool, and Asterisk's own log of the dialplan it ran.
 * The scenarios run in order on one Asterisk, one server and four phones.
 */
const { ASTERISK, PJSUA } = e2eBinaries();

const ARI_PASSWORD = 'e2e-ari-secret';
const AMI_PASSWORD = 'e2e-ami-secret';
/** The ARI application of the originated "anonymous" calls (scenario 3): a WebSocket of this test holds it. */
const TEST_APP = 'e2e-anonymous';

function findPrompt(bin: string): string | undefined {
  const candidates = ['/usr/share/asterisk/sounds/en/hello-world.wav'];
  try {
    candidates.unshift(path.join(installationOf(bin).data, 'sounds/en/hello-world.wav'));
  } catch {
    /* no data directory: the fallback only */
  }
  return candidates.find((f) => existsSync(f));
}

const STATUS = `subscription { extensionStatusChanged { number state } }`;
const ERRORS = `__typename ... on Error { message } ... on ValidationError { issues { path message } }`;
const CHANNEL = '[0-9a-f]+';

type Status = { number: string; state: string };
type AriChannel = { id: string; name: string; state: string; caller: { name: string; number: string } };
type AriBridge = { id: string; channels: string[] };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!ASTERISK || !PJSUA)('PBX settings and feature codes on a real Asterisk', () => {
  let ports: PbxPorts;
  let etcDir: string;
  let server: TestServer;
  let ok: typeof import('../support/server.js').ok;
  let pbx: Asterisk;
  let feed: ReturnType<typeof subscribe>;
  let prompt: string | undefined;
  let testApp: WebSocket | null = null;
  const ids = new Map<string, string>();
  const phones = new Map<string, Phone>();

  // ------------------------------------------------------------ helpers

  async function configuration() {
    const r = await server.gql(`{ pbxConfiguration { revision appliedRevision lastApply { revision outcome error } asteriskConnected } }`, {}, server.adminToken);
    if (r.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(r.errors)}`);
    return r.data.pbxConfiguration;
  }

  /** Runs a mutation, then waits until our server applied it by itself. */
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

  async function createExtension(number: string) {
    const data = await mutateApplied<{ id: string }>(
      'createExtension',
      `mutation($input: CreateExtensionInput!) { createExtension(input: $input) { ${ERRORS} ... on MutationCreateExtensionSuccess { data { id } } } }`,
      { input: { number, name: `User ${number}`, password: `Secret-${number}` } },
    );
    ids.set(number, data.id);
  }

  const updateExtension = (number: string, input: Record<string, unknown>) =>
    mutateApplied(
      'updateExtension',
      `mutation($id: ID!, $input: UpdateExtensionInput!) { updateExtension(id: $id, input: $input) { ${ERRORS} ... on MutationUpdateExtensionSuccess { data { id } } } }`,
      { id: ids.get(number), input },
    );

  const updatePbxSettings = (input: Record<string, unknown>) =>
    mutateApplied<Record<string, unknown>>(
      'updatePbxSettings',
      `mutation($input: PbxSettingsInput!) { updatePbxSettings(input: $input) { ${ERRORS} ... on MutationUpdatePbxSettingsSuccess { data { pressZeroToOperator operatorExtension blockAnonymous globalRingSeconds } } } }`,
      { input },
    );

  const updateFeatureCodes = (codes: { key: string; code: string }[]) =>
    mutateApplied<{ key: string; code: string }[]>(
      'updateFeatureCodes',
      `mutation($input: UpdateFeatureCodesInput!) { updateFeatureCodes(input: $input) { ${ERRORS} ... on MutationUpdateFeatureCodesSuccess { data { key code } } } }`,
      { input: { codes } },
    );

  const statusOf = (r: any): Status | undefined => r?.data?.extensionStatusChanged;
  function waitStatus(number: string, state: string, from: number, timeoutMs = 10_000): Promise<Status> {
    return feed.waitFor((r) => feed.results.indexOf(r) >= from && statusOf(r)?.number === number && statusOf(r)!.state === state, timeoutMs).then(statusOf) as Promise<Status>;
  }
  /** The states the subscription delivered for `number` from result index `from` on. */
  const statesOf = (number: string, from: number) =>
    feed.results
      .slice(from)
      .map(statusOf)
      .filter((s) => s?.number === number)
      .map((s) => s!.state);

  async function phone(number: string): Promise<Phone> {
    return startPhone({
      bin: PJSUA!,
      username: number,
      password: `Secret-${number}`,
      localPort: await freePort(),
      rtpPort: (await freeUdpRange(8)).start,
      registrar: `127.0.0.1:${ports.sipUdp}`,
      sandbox: pbx.sandbox,
      // Like a desk phone: 180 Ringing at once, answered by hand.
      autoAnswer: 180,
      extraArgs: prompt ? [`--play-file=${prompt}`, '--auto-play'] : [],
    });
  }
  const main = (number: string) => {
    const p = phones.get(number);
    if (!p) throw new Error(`no phone ${number}`);
    return p;
  };
  /** Moves the phones' cursors to the end of their output: later waits see only what comes next. */
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
  const activeCalls = async () => Number(/(\d+) active calls?/.exec(await pbx.cli('core show channels count'))?.[1] ?? NaN);

  /** Before a scenario, and after one: no call left in Asterisk, phones idle, cursors at the end. */
  async function idle() {
    for (const p of phones.values()) p.hangup(true);
    await until(async () => (await activeCalls()) === 0 && /\b0 active channels/.test(await pbx.cli('core show channels count')), 10_000, 'no active calls in Asterisk');
    await sleep(300);
    await sync(...phones.values());
  }

  /**
   * Ends a call that still rings: the caller hangs up and the ringing phones
   * see it end. (Hanging up a ringing phone at the same moment as its caller
   * races Asterisk's CANCEL with the phone's own answer, which chan_pjsip
   * logs as an error.)
   */
  async function cancel(caller: Phone, ...ringing: Phone[]) {
    caller.hangup();
    await caller.waitFor(disconnected, 5000);
    for (const p of ringing) await p.waitFor(disconnected, 5000);
    await idle();
  }

  async function ari<T = any>(method: string, resource: string): Promise<T> {
    const r = await pbx.ariRequest(method, resource);
    if (r.status >= 300) throw new Error(`ARI ${method} ${resource}: ${r.status} ${r.body}`);
    return (r.body ? JSON.parse(r.body) : undefined) as T;
  }
  const channels = () => ari<AriChannel[]>('GET', 'channels');

  /**
   * Who hears whom: the phones' channels (PJSIP/<n>, without the unique
   * suffix) grouped by the bridges that join them, a Local channel's two
   * halves (…;1 and …;2, as a department or an attended transfer dials)
   * counting as one wire; only groups with a bridged phone, sorted, e.g.
   * [["PJSIP/100", "PJSIP/102"]], or [["PJSIP/100"], ["PJSIP/101", "PJSIP/102"]]
   * while 100 waits alone on hold.
   */
  async function talking(): Promise<string[][]> {
    const [all, bridges] = await Promise.all([channels(), ari<AriBridge[]>('GET', 'bridges')]);
    const parent = new Map<string, string>();
    const find = (x: string): string => {
      while (parent.has(x) && parent.get(x) !== x) x = parent.get(x)!;
      return x;
    };
    const join = (a: string, b: string) => {
      const [ra, rb] = [find(a), find(b)];
      if (ra !== rb) parent.set(ra, rb);
    };
    const byId = new Map(all.map((c) => [c.id, c]));
    for (const b of bridges) for (const id of b.channels.slice(1)) join(id, b.channels[0]!);
    const halves = new Map<string, string>();
    for (const c of all) {
      const local = /^(Local\/.+);[12]$/.exec(c.name);
      if (!local) continue;
      if (halves.has(local[1]!)) join(c.id, halves.get(local[1]!)!);
      else halves.set(local[1]!, c.id);
    }
    const groups = new Map<string, string[]>();
    for (const id of bridges.flatMap((b) => b.channels)) {
      const name = byId.get(id)?.name ?? id;
      if (!name.startsWith('PJSIP/')) continue;
      const root = find(id);
      groups.set(root, [...(groups.get(root) ?? []), name.replace(/-[0-9a-f]+$/, '')]);
    }
    return [...groups.values()].map((g) => g.sort()).sort();
  }
  /** Waits until exactly these calls are connected (nothing else bridged), e.g. [['PJSIP/100', 'PJSIP/102']]. */
  async function waitTalking(expected: string[][], timeoutMs = 5000) {
    let last: string[][] = [];
    await until(
      async () => {
        last = await talking();
        return JSON.stringify(last) === JSON.stringify(expected);
      },
      timeoutMs,
      `the calls ${JSON.stringify(expected)}`,
    ).catch(() => {
      throw new Error(`expected the bridges ${JSON.stringify(expected)}, Asterisk has ${JSON.stringify(last)}\n${pbx.logLines().slice(-30).join('\n')}`);
    });
  }

  /** `phone` rang (an INVITE reached it) since output offset `from`. */
  const rangSince = (p: Phone, from: number) => incomingCall.test(p.output().slice(from));

  /** Dials a feature code from an idle phone and waits for the end of that short call. */
  async function dialCode(p: Phone, code: string) {
    await sync(p);
    const log = logMark();
    await p.call(uri(code));
    await p.waitFor(callState('CONFIRMED'), 5000);
    await p.waitFor(disconnected, 5000);
    return logSince(log);
  }

  /** `caller` calls `callee`, which answers; both confirmed and bridged. */
  async function connect(caller: Phone, callee: Phone) {
    await sync(caller, callee);
    await caller.call(uri(callee.username));
    await callee.waitFor(incomingCall, 5000);
    await callee.answer(200);
    await callee.waitFor(callState('CONFIRMED'), 5000);
    await caller.waitFor(callState('CONFIRMED'), 5000);
    await waitTalking([[`PJSIP/${caller.username}`, `PJSIP/${callee.username}`].sort()]);
    // The media must be up for DTMF: pjsua says so after CONFIRMED.
    await sleep(500);
  }

  /**
   * Presses a transfer code, waits for Asterisk's "transfer" prompt to the
   * transferer and then dials the number. The prompt is played without
   * listening for digits (bridge_basic's grab_transfer: ast_stream_and_wait
   * with AST_DIGIT_NONE), so a number pressed during it would be lost, as a
   * user pressing too early would find; pbx-transfer lasts about 1 s and the
   * number must follow within transferdigittimeout (3 s).
   */
  async function transfer(transferer: Phone, code: string, number: string) {
    const log = logMark();
    await transferer.sendDtmf(code);
    await waitLog(new RegExp(`<PJSIP/${transferer.username}-${CHANNEL}> Playing 'pbx-transfer\\.`), log, 5000);
    await sleep(1500);
    await transferer.sendDtmf(number);
    return log;
  }

  async function openTestApp(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${ports.http}/ari/events?app=${TEST_APP}&api_key=pbx:${ARI_PASSWORD}`);
      ws.once('open', () => resolve());
      ws.once('error', reject);
      testApp = ws;
    });
  }

  // ------------------------------------------------------------ set-up

  beforeAll(async () => {
    const support = await import('../support/server.js');
    ok = support.ok;
    prompt = findPrompt(ASTERISK!);
    ports = await allocatePorts();
    etcDir = mkdtempSync(path.join(tmpdir(), `pbx-e2e-${process.pid}-etc-`));
    server = await support.startTestServer({
      ...asteriskServerEnv(ports, etcDir, { ari: ARI_PASSWORD, ami: AMI_PASSWORD }),
      APPLY_DEBOUNCE_MS: '50',
      LOG_LEVEL: process.env.PBX_E2E_LOG ?? 'silent',
    });
    await mutateApplied(
      'updateSipSettings',
      `mutation($input: SipSettingsInput!) { updateSipSettings(input: $input) { ${ERRORS} ... on MutationUpdateSipSettingsSuccess { data { udpPort } } } }`,
      { input: { udpPort: ports.sipUdp, tcpPort: ports.sipTcp, rtpPortStart: ports.rtpStart, rtpPortEnd: ports.rtpEnd } },
      /^WRITTEN_NOT_RELOADED$/,
    );
    pbx = await startAsterisk({ bin: ASTERISK!, etcDir, ports });
    await until(async () => (await configuration()).asteriskConnected, 30_000, 'our server connected to Asterisk (ARI)');
    for (const n of ['100', '101', '102', '103']) await createExtension(n);
    feed = subscribe(server.graphqlUrl, server.adminToken, STATUS);
    await feed.waitFor((r) => !!statusOf(r), 5000);
    for (const n of ['100', '101', '102', '103']) phones.set(n, await phone(n));
    for (const n of ['100', '101', '102', '103']) expect(await main(n).waitForRegistration(), main(n).tail()).toMatchObject({ ok: true, status: 200 });
    for (const n of ['100', '101', '102', '103']) await waitStatus(n, 'ONLINE', 0);
  }, 120_000);

  afterAll(async () => {
    testApp?.close();
    await feed?.close().catch(() => undefined);
    await Promise.all([...phones.values()].map((p) => p.stop()));
    await server?.stop();
    await pbx?.stop();
    if (etcDir && process.env.PBX_E2E_KEEP !== '1') rmSync(etcDir, { recursive: true, force: true });
  }, 60_000);

  // ------------------------------------------------------------ scenarios

  it('1a. press 0 for the operator: 101 (no voicemail) does not answer, the caller hears the prompt, presses 0 and the operator 100 rings', async () => {
    await idle();
    const settings = await updatePbxSettings({ pressZeroToOperator: true, operatorExtension: '100', globalRingSeconds: 5 });
    expect(settings).toMatchObject({ pressZeroToOperator: true, operatorExtension: '100', globalRingSeconds: 5 });
    await updateExtension('101', { voicemailEnabled: false });
    // What Asterisk loaded: the prompt after the unanswered Dial while the operator is enabled (looked up per call), 0 leading to the operator,
    // and the mailbox context whose `o` lets app_voicemail offer 0.
    const dial = await pbx.cli('dialplan show s@pbx-dial-extension');
    expect(dial).toContain('GotoIf($["${REALTIME_FIELD(pbx_extension,number,100,enabled)}" != "1"]?no-operator)');
    expect(dial).toContain('Read(PRESSED,vm-reachoper,1,,2,5)');
    expect(dial).toContain('GotoIf($["${PRESSED}" = "0"]?pbx-extensions,100,1)');
    expect(await pbx.cli('dialplan show o@pbx-voicemail-operator')).toContain('Goto(pbx-extensions,100,1)');

    const [operator, callee, caller] = ['100', '101', '102'].map(main) as [Phone, Phone, Phone];
    await sync(operator, callee, caller);
    const from = feed.results.length;
    const log = logMark();
    const operatorHeard = operator.output().length;
    const t0 = Date.now();
    await caller.call(uri('101'));
    await callee.waitFor(incomingCall, 5000);
    await waitStatus('101', 'RINGING', from);
    // 101 rings its 5 s, then the prompt answers the caller.
    await caller.waitFor(callState('CONFIRMED'), 10_000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(4500);
    await callee.waitFor(disconnected, 5000);
    expect(rangSince(operator, operatorHeard), 'the operator rang before 0 was pressed').toBe(false);
    await waitLog(new RegExp(`Executing \\[s@pbx-dial-extension:\\d+\\] Read\\("PJSIP/102-${CHANNEL}", "PRESSED,vm-reachoper,1,,2,5"\\)`), log);
    await waitLog(new RegExp(`<PJSIP/102-${CHANNEL}> Playing 'vm-reachoper\\.`), log);

    // A digit lost on the way (RTP on a loaded machine) is pressed again while the prompt repeats, as a caller would.
    await caller.sendDtmf('0');
    await operator.waitFor(incomingCall, 3000).catch(async () => {
      await caller.sendDtmf('0');
      await operator.waitFor(incomingCall, 5000);
    });
    await waitStatus('100', 'RINGING', from);
    await waitLog(new RegExp(`Executing \\[s@pbx-dial-extension:\\d+\\] GotoIf\\("PJSIP/102-${CHANNEL}", "1\\?pbx-extensions,100,1"\\)`), log);
    // The operator answers: the caller now talks to 100.
    await operator.answer(200);
    await operator.waitFor(callState('CONFIRMED'), 5000);
    await waitTalking([['PJSIP/100', 'PJSIP/102']]);
    await idle();
  }, 60_000);

  it('1b. press 0 for the operator from the voicemail greeting of 101: 100 rings and no message is left', async () => {
    await idle();
    await updateExtension('101', { voicemailEnabled: true });
    expect(await pbx.cli('voicemail show users for default')).toMatch(/\b101\b/);
    const inbox = path.join(pbx.spoolDir, 'voicemail/default/101/INBOX');
    const messages = () => (existsSync(inbox) ? readdirSync(inbox).filter((f) => /^msg\d+\.txt$/.test(f)).length : 0);
    const before = messages();

    const [operator, callee, caller] = ['100', '101', '102'].map(main) as [Phone, Phone, Phone];
    await sync(operator, callee, caller);
    const from = feed.results.length;
    const log = logMark();
    const operatorHeard = operator.output().length;
    await caller.call(uri('101'));
    await callee.waitFor(incomingCall, 5000);
    await caller.waitFor(callState('CONFIRMED'), 10_000);
    await callee.waitFor(disconnected, 5000);
    // While the operator is enabled the message is left in pbx-voicemail-operator, whose `o` makes app_voicemail offer 0.
    await waitLog(new RegExp(`Executing \\[101@pbx-voicemail-operator:1\\] VoiceMail\\("PJSIP/102-${CHANNEL}", "101@default,u"\\)`), log);
    // The unavailable greeting (no recorded one: "the person at extension 1 0 1 is unavailable").
    await waitLog(new RegExp(`<PJSIP/102-${CHANNEL}> Playing 'vm-isunavail\\.`), log);
    expect(rangSince(operator, operatorHeard)).toBe(false);

    await caller.sendDtmf('0');
    await operator.waitFor(incomingCall, 10_000);
    await waitStatus('100', 'RINGING', from);
    await waitLog(new RegExp(`Executing \\[o@pbx-voicemail-operator:1\\] Goto\\("PJSIP/102-${CHANNEL}", "pbx-extensions,100,1"\\)`), log);
    await operator.answer(200);
    await operator.waitFor(callState('CONFIRMED'), 5000);
    await waitTalking([['PJSIP/100', 'PJSIP/102']]);
    await idle();
    expect(messages(), 'the caller left 101 for the operator before the beep: no message').toBe(before);
    expect(logSince(log)).not.toMatch(/Recording the message/);
  }, 60_000);

  it('2a. blind transfer with #: 100 calls 101, 101 presses # and 102; 102 rings, answers and talks to 100, 101 is free', async () => {
    await idle();
    const [a, b, c] = ['100', '101', '102'].map(main) as [Phone, Phone, Phone];
    // The codes as rendered into features.conf and loaded by Asterisk.
    const features = await pbx.cli('features show');
    expect(features).toMatch(/^Blind Transfer\s+(?:\S+\s+)?#\s*$/m);
    expect(features).toMatch(/^Attended Transfer\s+(?:\S+\s+)?\*2\s*$/m);

    await connect(a, b);
    await sync(c);
    const from = feed.results.length;
    await transfer(b, '#', '102');
    // 101 leaves the call at once; 100 is sent to 102, which rings.
    await b.waitFor(disconnected, 5000);
    await c.waitFor(incomingCall, 5000);
    await waitStatus('102', 'RINGING', from);
    await waitStatus('101', 'ONLINE', from);
    await c.answer(200);
    await c.waitFor(callState('CONFIRMED'), 5000);
    await waitTalking([['PJSIP/100', 'PJSIP/102']]);
    expect((await channels()).map((ch) => ch.name).filter((n) => n.startsWith('PJSIP/101-'))).toEqual([]);
    // 100's call was never interrupted: the same SIP call goes on with 102.
    expect(a.output().slice(a.output().lastIndexOf('state changed to CONFIRMED'))).not.toMatch(disconnected);
    await waitStatus('100', 'BUSY', from);
    await waitStatus('102', 'BUSY', from);
    await idle();
  }, 60_000);

  it('2b. attended transfer with *2: 101 consults 102 while 100 waits, hangs up, and 100 talks to 102', async () => {
    await idle();
    const [a, b, c] = ['100', '101', '102'].map(main) as [Phone, Phone, Phone];
    await connect(a, b);
    await sync(c);
    const log = await transfer(b, '*2', '102');
    await c.waitFor(incomingCall, 5000);
    // 101 consults 102 (one SIP call of 101 throughout); 100 waits alone, on hold music.
    await c.answer(200);
    await c.waitFor(callState('CONFIRMED'), 5000);
    await waitTalking([['PJSIP/100'], ['PJSIP/101', 'PJSIP/102']]);
    await waitLog(new RegExp(`Started music on hold, class 'default', on channel 'PJSIP/100-${CHANNEL}'`), log);
    // 101 hangs up: the transfer completes.
    b.hangup();
    await b.waitFor(disconnected, 5000);
    await waitTalking([['PJSIP/100', 'PJSIP/102']]);
    expect(a.output().slice(a.output().lastIndexOf('state changed to CONFIRMED'))).not.toMatch(disconnected);
    await idle();
  }, 60_000);

  it('2c. cancelTransfer (*) during the consultation: 102 is dropped and 101 talks to 100 again', async () => {
    await idle();
    const [a, b, c] = ['100', '101', '102'].map(main) as [Phone, Phone, Phone];
    await connect(a, b);
    await sync(c);
    await transfer(b, '*2', '102');
    await c.waitFor(incomingCall, 5000);
    await c.answer(200);
    await c.waitFor(callState('CONFIRMED'), 5000);
    await waitTalking([['PJSIP/100'], ['PJSIP/101', 'PJSIP/102']]);
    // features.conf's atxferabort is our cancelTransfer code, not Asterisk's *1.
    await b.sendDtmf('*');
    await c.waitFor(disconnected, 5000);
    await waitTalking([['PJSIP/100', 'PJSIP/101']]);
    expect(b.output().slice(b.output().lastIndexOf('state changed to CONFIRMED'))).not.toMatch(disconnected);
    await idle();
  }, 60_000);

  it('2d. blindTransfer changed to ## through updateFeatureCodes: after the apply # alone no longer transfers, ## does', async () => {
    await idle();
    const codes = await updateFeatureCodes([{ key: 'blindTransfer', code: '##' }]);
    expect(codes.find((c) => c.key === 'blindTransfer')?.code).toBe('##');
    try {
      expect(await pbx.cli('features show')).toMatch(/^Blind Transfer\s+(?:\S+\s+)?##\s*$/m);
      const [a, b, c] = ['100', '101', '102'].map(main) as [Phone, Phone, Phone];
      await connect(a, b);
      await sync(c);
      const cHeard = c.output().length;
      // The old code: # waits for a second # (featuredigittimeout, 1 s), then goes on to 100 as a plain digit.
      let log = logMark();
      await sync(a);
      await b.sendDtmf('#');
      await sleep(2000);
      await b.sendDtmf('102');
      // 100 hears them as plain digits, # included.
      for (const digit of ['#', '1', '0', '2']) await a.waitFor(new RegExp(`Incoming DTMF on call \\d+: ${digit}`), 5000);
      await sleep(3500);
      expect(logSince(log)).not.toMatch(/Playing 'pbx-transfer\./);
      expect(rangSince(c, cHeard), 'the old code # transferred the call').toBe(false);
      await waitTalking([['PJSIP/100', 'PJSIP/101']]);

      log = await transfer(b, '##', '102');
      await b.waitFor(disconnected, 5000);
      await c.waitFor(incomingCall, 5000);
      await c.answer(200);
      await c.waitFor(callState('CONFIRMED'), 5000);
      await waitTalking([['PJSIP/100', 'PJSIP/102']]);
      await idle();
    } finally {
      await updateFeatureCodes([{ key: 'blindTransfer', code: '#' }]);
    }
    expect(await pbx.cli('features show')).toMatch(/^Blind Transfer\s+(?:\S+\s+)?#\s*$/m);
  }, 60_000);

  it('3. blockAnonymous: a call to 101 with caller ID "anonymous" or none is refused without ringing; off, the same call rings 101', async () => {
    /*
     * How to place an anonymous call: every endpoint we render has `callerid`
     * set to its extension, and chan_pjsip takes the caller ID from it rather
     * than from the phone's From header, so no phone can call anonymously, and
     * there are no trunks yet (where such calls come from). The check in the
     * dialplan reads only CALLERID(num), so the call is originated through ARI
     * into the very extension a phone reaches (Local/101@pbx-extensions) with
     * the caller ID of an anonymous caller: the Local channel's dialplan half
     * carries that caller ID into pbx-dial-extension exactly as a trunk call
     * would. The originated half enters this test's own ARI application when
     * answered (the refusal answers it to play its prompt), so nothing else of
     * the product is touched.
     */
    await idle();
    await openTestApp();
    const callee = main('101');
    const originate = (callerId: string | null) => {
      const query = new URLSearchParams({ endpoint: 'Local/101@pbx-extensions', app: TEST_APP, timeout: '20', ...(callerId === null ? {} : { callerId }) });
      return ari<AriChannel>('POST', `channels?${query}`);
    };
    /** The caller ID the dialplan half (;2) of the Local channel carries, read from ARI while it lives. */
    const dialplanSideCaller = async () => {
      let found: AriChannel | undefined;
      await until(async () => !!(found = (await channels()).find((c) => /^Local\/101@pbx-extensions-[0-9a-f]+;2$/.test(c.name))), 3000, 'the Local channel into 101');
      return found!.caller;
    };

    await updatePbxSettings({ blockAnonymous: true });
    expect(await pbx.cli('dialplan show s@pbx-dial-extension')).toContain('GotoIf($["${CALLERID(num)}" = "" | "${CALLERID(num)}" = "anonymous"]?anonymous)');
    for (const [callerId, number] of [
      ['"Anonymous" <anonymous>', 'anonymous'],
      [null, ''],
    ] as const) {
      await sync(callee);
      const from = feed.results.length;
      const heard = callee.output().length;
      const log = logMark();
      await originate(callerId);
      expect((await dialplanSideCaller()).number).toBe(number);
      await waitLog(new RegExp(`Executing \\[s@pbx-dial-extension:\\d+\\] Playback\\("Local/101@pbx-extensions-${CHANNEL};2", "privacy-unident"\\)`), log);
      await waitLog(new RegExp(`Executing \\[s@pbx-dial-extension:\\d+\\] Hangup\\("Local/101@pbx-extensions-${CHANNEL};2", "21"\\)`), log, 10_000);
      await until(async () => (await activeCalls()) === 0 && !(await channels()).length, 5000, 'the refused call gone');
      expect(rangSince(callee, heard), `101 rang for caller ID ${callerId}`).toBe(false);
      expect(statesOf('101', from)).not.toContain('RINGING');
      expect(logSince(log)).not.toMatch(/Dial\("Local\/101@pbx-extensions/);
    }

    // A caller with a caller ID still gets through while the setting is on.
    const [caller] = [main('102')];
    await sync(caller, callee);
    await caller.call(uri('101'));
    await callee.waitFor(incomingCall, 5000);
    await cancel(caller, callee);

    // Off: the same anonymous call rings 101.
    await updatePbxSettings({ blockAnonymous: false });
    expect(await pbx.cli('dialplan show s@pbx-dial-extension')).not.toContain('anonymous');
    await sync(callee);
    const from = feed.results.length;
    const log = logMark();
    const originated = await originate('"Anonymous" <anonymous>');
    expect((await dialplanSideCaller()).number).toBe('anonymous');
    await callee.waitFor(incomingCall, 5000);
    await waitStatus('101', 'RINGING', from);
    await waitLog(new RegExp(`Executing \\[s@pbx-dial-extension:\\d+\\] Dial\\("Local/101@pbx-extensions-${CHANNEL};2", "PJSIP/101/`), log);
    await ari('DELETE', `channels/${originated.id}`);
    await callee.waitFor(disconnected, 5000);
    await idle();
  }, 90_000);

  it('4. a department member with DND on (*74) is skipped while the other member rings (RING_ALL); *074 brings it back', async () => {
    await idle();
    await mutateApplied('createDepartment', `mutation($input: CreateDepartmentInput!) { createDepartment(input: $input) { ${ERRORS} ... on MutationCreateDepartmentSuccess { data { id } } } }`, {
      input: { name: 'Sales', number: '0400', ringStrategy: 'RING_ALL', ringTimeSeconds: 10, members: ['101', '102'], noAnswerDestination: { type: 'HANGUP' } },
    });
    const [caller, m1, m2] = ['100', '101', '102'].map(main) as [Phone, Phone, Phone];
    expect(await dialCode(m2, '*74')).toMatch(new RegExp(`Set\\("PJSIP/102-${CHANNEL}", "DB\\(DND/102\\)=1"\\)`));
    expect(await pbx.cli('database show DND')).toMatch(/\/DND\/102\s*:\s*1/);
    try {
      await sync(caller, m1, m2);
      let from = feed.results.length;
      let log = logMark();
      const heard = m2.output().length;
      await caller.call(uri('0400'));
      await m1.waitFor(incomingCall, 5000);
      await waitStatus('101', 'RINGING', from);
      await waitLog(new RegExp(`Executing \\[s@pbx-department-member-dial:\\d+\\] GotoIf\\("Local/102@pbx-department-member-${CHANNEL};2", "1\\?busy"\\)`), log);
      await sleep(1500);
      expect(rangSince(m2, heard), '102 rang despite DND').toBe(false);
      expect(statesOf('102', from)).not.toContain('RINGING');
      // The member that rings answers: the caller talks to 101.
      await m1.answer(200);
      await m1.waitFor(callState('CONFIRMED'), 5000);
      await caller.waitFor(callState('CONFIRMED'), 5000);
      // Through the member's Local channel (/n: kept, not optimised away).
      await waitTalking([['PJSIP/100', 'PJSIP/101']]);
      expect((await channels()).map((c) => c.name).join(' ')).toMatch(/Local\/101@pbx-department-member-[0-9a-f]+;1/);
      await idle();

      expect(await dialCode(m2, '*074')).toMatch(/DB_DELETE|DELETED=1/);
      expect(await pbx.cli('database show DND')).not.toMatch(/\/DND\/102/);
      await sync(caller, m1, m2);
      from = feed.results.length;
      log = logMark();
      await caller.call(uri('0400'));
      await Promise.all([m1.waitFor(incomingCall, 5000), m2.waitFor(incomingCall, 5000)]);
      await waitStatus('101', 'RINGING', from);
      await waitStatus('102', 'RINGING', from);
      await cancel(caller, m1, m2);
    } finally {
      if (/\/DND\/102/.test(await pbx.cli('database show DND'))) await pbx.cli('database del DND 102');
    }
  }, 60_000);

  it('Asterisk logged no warning or error about our rendered files in all of this', () => {
    const problems = pbx.problems(RENDERED_FILES);
    expect(problems, `Asterisk logged problems with the rendered configuration:\n${problems.join('\n')}`).toEqual([]);
  });
});
