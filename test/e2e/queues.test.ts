import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { subscribe, until } from '../support/subscriptions.js';
import { callState, disconnected, e2eBinaries, incomingCall, type Phone } from './support/index.js';
import { ERRORS, startProduct, type Product } from './support/product.js';

/**
 * Queue calls on a real Asterisk (issue 11, F-4.2.2): callers wait with music
 * while every agent is busy and the live state (subscription
 * queueStateChanged) shows them in line; the agent who becomes free gets the
 * call by the strategy; a dynamic agent logs in, pauses, resumes and logs out
 * by feature code (and through GraphQL) and gets calls only while logged in
 * and not paused; the max wait sends a caller to the failover destination.
 * Queue configuration on its own (queues.conf, the codes over a reload) is
 * queues-config.test.ts. One product, one Asterisk, six phones:
 * 200 calls, 201–203 are agents answering by hand, 204 and 205 answer at once.
 * Without the binaries the file skips at once.
 */
const { ASTERISK, PJSUA } = e2eBinaries();

const LIVE = `queueId number
  callers { position callerNumber callerName channel }
  agents { extensionNumber kind status loggedIn paused pausedReason ringing inCall callsTaken call { state callerNumber } }
  counts { waiting loggedIn available paused ringing inCall }`;

type LiveAgent = {
  extensionNumber: string | null;
  kind: string;
  status: string;
  loggedIn: boolean;
  paused: boolean;
  pausedReason: string | null;
  ringing: boolean;
  inCall: boolean;
  callsTaken: number;
  call: { state: string; callerNumber: string | null } | null;
};
type LiveState = {
  queueId: string;
  number: string;
  callers: { position: number; callerNumber: string | null; callerName: string | null; channel: string }[];
  agents: LiveAgent[];
  counts: Record<string, number>;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!ASTERISK || !PJSUA)('queue calls on a real Asterisk: waiting callers, agents, failover', () => {
  let product: Product;
  const extensionIds = new Map<string, string>();
  const phones = new Map<string, Phone>();
  const phone = (n: string) => phones.get(n)!;

  beforeAll(async () => {
    product = await startProduct({ asterisk: ASTERISK!, pjsua: PJSUA! });
    // Once connected, the server reloads what it wrote before Asterisk started; an apply meanwhile would be refused
    // ("Another reload is currently in progress": the applier does not wait for its own reconcile).
    await until(async () => (await product.gql(`{ pbxConfiguration { pendingReloads } }`)).pbxConfiguration.pendingReloads.length === 0, 15_000, 'the reloads pending since before Asterisk started');
    for (const n of ['200', '201', '202', '203', '204', '205']) extensionIds.set(n, (await product.createExtension(n)).id);
    for (const n of extensionIds.keys()) phones.set(n, await product.phone(n, n === '204' || n === '205' ? { autoAnswer: 200 } : {}));
    for (const p of phones.values()) expect((await p.waitForRegistration()).ok, p.tail()).toBe(true);
  }, 120_000);

  afterAll(async () => {
    await product?.stop();
  }, 60_000);

  afterEach(async () => {
    await product?.idle();
  }, 20_000);

  // ------------------------------------------------------------ helpers

  async function createQueue(input: Record<string, unknown>): Promise<{ id: string; number: string }> {
    return product.mutateApplied('createQueue', `mutation($input: CreateQueueInput!) { createQueue(input: $input) { ${ERRORS} ... on MutationCreateQueueSuccess { data { id number } } } }`, {
      input: { failoverDestination: { type: 'HANGUP' }, ...input },
    });
  }

  /** The live state of one queue over the subscription, from its first answer (the current state) on. */
  async function watch(queueId: string) {
    const sub = subscribe(product.server.graphqlUrl, product.server.adminToken, `subscription($ids: [ID!]) { queueStateChanged(queueIds: $ids) { ${LIVE} } }`, { ids: [queueId] });
    onTestFinished(() => sub.close());
    const stateOf = (r: any): LiveState | undefined => r?.data?.queueStateChanged;
    await sub.waitFor((r) => !!stateOf(r), 5000);
    return {
      /** The current state when it passes `test`, else the first later one that does (a passing state in between counts too). */
      async reach(what: string, test: (s: LiveState) => boolean, timeoutMs = 10_000): Promise<LiveState> {
        const from = sub.results.length - 1;
        const match = await sub
          .waitFor((r) => sub.results.indexOf(r) >= from && !!stateOf(r) && test(stateOf(r)!), timeoutMs)
          .catch((e: Error) => {
            throw new Error(`queue state: not ${what}: ${e.message}`);
          });
        return stateOf(match)!;
      },
    };
  }

  const agent = (s: LiveState, number: string): LiveAgent => s.agents.find((a) => a.extensionNumber === number)!;
  const waitingAlone = (callerNumber: string) => (s: LiveState) => s.callers.length === 1 && s.callers[0]!.position === 1 && s.callers[0]!.callerNumber === callerNumber;

  /** Moves the phone's cursor to the end of its output: the next wait sees only what comes after. */
  const skipOutput = (p: Phone) => p.waitFor(/$/, 100);

  /** `number` calls `target` and waits until the call is answered. */
  async function callAnswered(number: string, target: string) {
    const p = phone(number);
    await skipOutput(p);
    await p.call(product.uri(target));
    await p.waitFor(callState('CONFIRMED'), 10_000);
  }

  /** The agent dials a feature code; Asterisk answers, plays its tone and hangs up. */
  async function dialCode(number: string, code: string) {
    const p = phone(number);
    await skipOutput(p);
    await p.call(product.uri(code));
    await p.waitFor(disconnected, 15_000);
  }

  /** The phone's output from here on, for "it did not ring" checks. */
  function outputFrom(number: string): () => string {
    const mark = phone(number).output().length;
    return () => phone(number).output().slice(mark);
  }

  /** Mutations of the live state (not configuration: nothing to apply). */
  async function agentMutation<T = any>(field: string, args: string, selection: string, variables: Record<string, unknown>): Promise<T> {
    const success = `Mutation${field[0]!.toUpperCase()}${field.slice(1)}Success`;
    const data = await product.gql(`mutation($queue: ID!, $extension: ID!) { ${field}(${args}) { ${ERRORS} ... on ${success} { data { ${selection} } } } }`, variables);
    const result = data[field];
    if (result.__typename !== success) throw new Error(`${field}: ${JSON.stringify(result)}`);
    return result.data as T;
  }

  // ------------------------------------------------------------ scenarios

  it('1. a caller waits with music while both static agents are busy, shown at position 1; the agent who becomes free gets the call, then LINEAR rings the first agent', async () => {
    const queue = await createQueue({ name: 'Sales', strategy: 'LINEAR', staticAgents: ['201', '202'] });
    const live = await watch(queue.id);
    // Both agents talk to 205 (which answers at once).
    await callAnswered('201', '205');
    await callAnswered('202', '205');
    await live.reach('both agents in a call', (s) => agent(s, '201').status === 'IN_CALL' && agent(s, '202').status === 'IN_CALL');

    const rang201 = outputFrom('201');
    const rang202 = outputFrom('202');
    const mark = product.logMark();
    await callAnswered('200', queue.number);
    const waiting = await live.reach('200 waiting at position 1', waitingAlone('200'));
    expect(waiting.counts.waiting).toBe(1);
    expect(waiting.callers[0]!.channel).toMatch(/^PJSIP\/200-/);
    await product.waitLog(/Started music on hold, class 'default', on channel 'PJSIP\/200-/, mark);
    await sleep(1500);
    expect(rang201(), 'busy agent 201 rang').not.toMatch(incomingCall);
    expect(rang202(), 'busy agent 202 rang').not.toMatch(incomingCall);

    // 202, the second in member order, hangs up first: being the only free agent, it gets the call.
    phone('202').hangup();
    await phone('202').waitFor(disconnected, 5000);
    await phone('202').waitFor(incomingCall, 10_000);
    await live.reach('202 ringing with the call of 200', (s) => agent(s, '202').ringing && agent(s, '202').call?.callerNumber === '200');
    await phone('202').answer();
    await phone('202').waitFor(callState('CONFIRMED'), 5000);
    const connected = await live.reach(
      '202 in the call of 200, nobody waiting',
      (s) => s.callers.length === 0 && agent(s, '202').status === 'IN_CALL' && agent(s, '202').call?.state === 'CONNECTED' && agent(s, '202').call?.callerNumber === '200',
    );
    expect(connected.counts.waiting).toBe(0);
    expect(agent(connected, '201').status).toBe('IN_CALL');
    expect(rang201(), 'busy agent 201 rang').not.toMatch(incomingCall);
    await product.waitLog(/Stopped music on hold on PJSIP\/200-/, mark);

    await product.idle();
    await live.reach('202 has taken one call, both agents free', (s) => agent(s, '202').callsTaken === 1 && s.agents.every((a) => a.status === 'AVAILABLE'));
    // Both free: LINEAR offers the call to the first agent of the list only.
    const again202 = outputFrom('202');
    await skipOutput(phone('201'));
    await callAnswered('200', queue.number);
    await phone('201').waitFor(incomingCall, 10_000);
    await live.reach('201 ringing', (s) => agent(s, '201').ringing);
    await sleep(1000);
    expect(again202(), 'LINEAR rang 202 while 201 rings').not.toMatch(incomingCall);
  }, 60_000);

  it('2. dynamic agent 203 gets calls only while logged in and not paused: *62 / *95 / *095 / *062 + the queue number, then loginQueueAgent and pauseQueueAgent', async () => {
    const queue = await createQueue({ name: 'Support', strategy: 'RING_ALL', dynamicAgents: ['203'] });
    const live = await watch(queue.id);
    const before = await live.reach('203 logged out', (s) => agent(s, '203').status === 'LOGGED_OUT');
    expect(agent(before, '203')).toMatchObject({ kind: 'DYNAMIC', loggedIn: false });

    // Not logged in: a caller waits and 203 does not ring.
    let rang = outputFrom('203');
    await callAnswered('200', queue.number);
    await live.reach('200 waiting', waitingAlone('200'));
    await sleep(2000);
    expect(rang(), '203 rang before logging in').not.toMatch(incomingCall);

    // *62 + number: logged in, and the waiting caller rings it.
    await dialCode('203', `*62${queue.number}`);
    await live.reach('203 logged in', (s) => agent(s, '203').loggedIn && agent(s, '203').kind === 'DYNAMIC');
    await phone('203').waitFor(incomingCall, 10_000);
    await phone('203').answer();
    await phone('203').waitFor(callState('CONFIRMED'), 5000);
    await live.reach('203 in the call of 200', (s) => s.callers.length === 0 && agent(s, '203').status === 'IN_CALL' && agent(s, '203').call?.callerNumber === '200');
    await product.idle();

    // *95: paused, a new caller waits and 203 does not ring.
    await dialCode('203', '*95');
    await live.reach('203 paused', (s) => agent(s, '203').paused && agent(s, '203').status === 'PAUSED');
    rang = outputFrom('203');
    await callAnswered('200', queue.number);
    await live.reach('200 waiting', waitingAlone('200'));
    await sleep(2000);
    expect(rang(), '203 rang while paused').not.toMatch(incomingCall);
    // *095: resumed, the waiting caller rings it.
    await dialCode('203', '*095');
    await live.reach('203 resumed', (s) => !agent(s, '203').paused);
    await phone('203').waitFor(incomingCall, 10_000);
    await live.reach('203 ringing with the call of 200', (s) => agent(s, '203').ringing && agent(s, '203').call?.callerNumber === '200');
    await product.idle();

    // *062 + number: logged out, a new caller waits and 203 does not ring.
    await dialCode('203', `*062${queue.number}`);
    await live.reach('203 logged out', (s) => agent(s, '203').status === 'LOGGED_OUT' && !agent(s, '203').loggedIn);
    rang = outputFrom('203');
    await callAnswered('200', queue.number);
    await live.reach('200 waiting', waitingAlone('200'));
    await sleep(2000);
    expect(rang(), '203 rang after logging out').not.toMatch(incomingCall);

    // loginQueueAgent: logged in again, and the waiting caller rings it.
    const ids = { queue: queue.id, extension: extensionIds.get('203') };
    await skipOutput(phone('203'));
    const loggedIn = await agentMutation('loginQueueAgent', 'queue: $queue, extension: $extension', 'extensionNumber loggedIn status', ids);
    expect(loggedIn).toMatchObject({ extensionNumber: '203', loggedIn: true });
    await phone('203').waitFor(incomingCall, 10_000);
    await product.idle();
    await live.reach('203 available', (s) => agent(s, '203').status === 'AVAILABLE');

    // pauseQueueAgent with a reason, shown in the live state; then resumed and logged out.
    const paused = await agentMutation<LiveAgent[]>('pauseQueueAgent', 'queue: $queue, extension: $extension, paused: true, reason: "lunch"', 'extensionNumber paused pausedReason status', ids);
    expect(paused).toEqual([{ extensionNumber: '203', paused: true, pausedReason: 'lunch', status: 'PAUSED' }]);
    await live.reach('203 paused for lunch', (s) => agent(s, '203').status === 'PAUSED' && agent(s, '203').pausedReason === 'lunch');
    await agentMutation('pauseQueueAgent', 'queue: $queue, extension: $extension, paused: false', 'paused', ids);
    await live.reach('203 available', (s) => agent(s, '203').status === 'AVAILABLE');
    await agentMutation('logoutQueueAgent', 'queue: $queue, extension: $extension', 'loggedIn', ids);
    await live.reach('203 logged out', (s) => agent(s, '203').status === 'LOGGED_OUT');
  }, 90_000);

  it('3. a caller who waited maxWaitSeconds with no free agent goes to the failover destination, extension 204', async () => {
    const queue = await createQueue({ name: 'Overflow', staticAgents: ['201'], maxWaitSeconds: 5, failoverDestination: { type: 'EXTENSION', target: '204' } });
    const live = await watch(queue.id);
    await callAnswered('201', '205');
    await live.reach('201 in a call', (s) => agent(s, '201').status === 'IN_CALL');

    const rang201 = outputFrom('201');
    const caller = outputFrom('200');
    await skipOutput(phone('204'));
    await callAnswered('200', queue.number);
    const joined = Date.now();
    await live.reach('200 waiting', waitingAlone('200'));
    // 204 answers at once (pjsua's auto-answer prints no "Incoming call" line).
    await phone('204').waitFor(callState('CONFIRMED'), 15_000);
    const waited = (Date.now() - joined) / 1000;
    expect(waited, 'seconds before the failover').toBeGreaterThanOrEqual(4);
    expect(waited, 'seconds before the failover').toBeLessThan(9);
    expect(phone('204').output()).toMatch(/From: "User 200" <sip:200@/);
    await live.reach('nobody waiting', (s) => s.callers.length === 0);
    // The caller is now talking to 204: its call never ended, and the busy agent never rang.
    await sleep(500);
    expect(caller(), 'the caller was hung up').not.toMatch(disconnected);
    expect(rang201(), 'busy agent 201 rang').not.toMatch(incomingCall);
    await until(async () => /PJSIP\/204-/.test(await product.pbx.cli('core show channels concise')), 5000, "204's channel up");
  }, 60_000);
});
