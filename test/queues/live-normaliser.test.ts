import { describe, expect, it } from 'vitest';
import { parseAgentEvent, parseQueueCaller, parseQueueMember } from '../../src/queues/live/ami-events.js';
import { applyQueueEvent, factsFromStatus, type QueueFactsByName } from '../../src/queues/live/facts.js';
import { deriveQueueState, type QueueAgentState, type QueueLiveState } from '../../src/queues/live/state.js';
import { readListing, readSteps, RECORDED_QUEUES } from './ami-fixtures.js';

/**
 * The queue normaliser on AMI traffic recorded from Asterisk 22 (record.ts in
 * test/pbx/fixtures/ami-queues): the state after each recorded step is what
 * happened in that step, and wherever a QueueStatus listing was taken, the
 * listing gives the same state as the events that led there.
 */

const T0 = Date.parse('2026-12-02T07:00:00Z');
const [q1Config, q2Config] = RECORDED_QUEUES as [(typeof RECORDED_QUEUES)[0], (typeof RECORDED_QUEUES)[0]];
const state = (facts: QueueFactsByName, config = q1Config) => deriveQueueState(config, facts.get(`queue-${config.id}`), true);
const agent = (s: Omit<QueueLiveState, 'changedAt'>, number: string) => s.agents.find((a) => a.extensionNumber === number)!;
const iso = (epochSeconds: number) => new Date(epochSeconds * 1000).toISOString();

type Expectation = (facts: QueueFactsByName, at: Date) => void;

/** What each step of the recording did, as a subscriber must see it. */
const expected: Record<string, Expectation> = {
  'login-ami': (f) => {
    expect(agent(state(f), '202')).toMatchObject({ status: 'AVAILABLE', loggedIn: true, kind: 'DYNAMIC', configuredKind: 'DYNAMIC', loggedInAt: iso(1796195276), deviceState: 'NOT_INUSE' });
    expect(agent(state(f, q2Config), '202').status).toBe('LOGGED_OUT');
    expect(state(f).counts).toMatchObject({ agents: 2, loggedIn: 2, available: 2 });
  },
  'login-dialplan': (f) => expect(agent(state(f, q2Config), '202')).toMatchObject({ status: 'AVAILABLE', loggedIn: true }),
  'pause-one': (f) => {
    expect(agent(state(f), '202')).toMatchObject({ status: 'PAUSED', paused: true, pausedReason: 'lunch', lastPauseAt: iso(1796195278), available: false });
    expect(agent(state(f, q2Config), '202')).toMatchObject({ status: 'AVAILABLE', paused: false });
    expect(state(f).counts).toMatchObject({ loggedIn: 2, available: 1, paused: 1 });
  },
  'unpause-all': (f) => {
    for (const s of [state(f), state(f, q2Config)]) expect(agent(s, '202')).toMatchObject({ status: 'AVAILABLE', paused: false, pausedReason: null });
  },
  'pause-dialplan': (f) => {
    for (const s of [state(f), state(f, q2Config)]) expect(agent(s, '202')).toMatchObject({ status: 'PAUSED', pausedReason: 'break' });
  },
  'unpause-dialplan': (f) => {
    for (const s of [state(f), state(f, q2Config)]) expect(agent(s, '202').status).toBe('AVAILABLE');
  },
  'call-answered': (f, at) => {
    const s = state(f);
    expect(s.callers).toEqual([{ position: 1, callerNumber: '203', callerName: 'User 203', channel: 'PJSIP/203-00000003', uniqueId: '1796195281.3', waitingSince: at.toISOString() }]);
    for (const n of ['201', '202'])
      expect(agent(s, n)).toMatchObject({ status: 'RINGING', ringing: true, call: { state: 'RINGING', callerNumber: '203', callerName: 'User 203', channel: 'PJSIP/203-00000003' } });
    expect(s.counts).toMatchObject({ waiting: 1, ringing: 2, available: 0 });
    // The same phone rings for queue-q2 too (its device state), but not for a call of that queue.
    expect(agent(state(f, q2Config), '202')).toMatchObject({ status: 'RINGING', call: null });
  },
  '201 answers': (f) => {
    const s = state(f);
    expect(s.callers).toEqual([]);
    expect(agent(s, '201')).toMatchObject({ status: 'IN_CALL', inCall: true, ringing: false, call: { state: 'CONNECTED', callerNumber: '203' } });
    // ringall: the other agent stops ringing without an event of its own for the call.
    expect(agent(s, '202')).toMatchObject({ status: 'AVAILABLE', call: null });
    expect(s.counts).toMatchObject({ waiting: 0, inCall: 1, ringing: 0, available: 1 });
  },
  '203 hangs up': (f) => {
    expect(agent(state(f), '201')).toMatchObject({ status: 'AVAILABLE', call: null, callsTaken: 1, lastCallAt: iso(1796195284) });
    expect(state(f).counts).toMatchObject({ completed: 1, abandoned: 0 });
  },
  'ring-no-answer': (f) => {
    const s = state(f);
    expect(agent(s, '202')).toMatchObject({ status: 'IN_CALL', call: { state: 'CONNECTED', callerNumber: '203', channel: 'PJSIP/203-00000006' } });
    expect(agent(s, '201')).toMatchObject({ status: 'AVAILABLE', call: null });
    expect(s.callers).toEqual([]);
  },
  '202 hangs up': (f) => {
    expect(agent(state(f), '202')).toMatchObject({ status: 'AVAILABLE', callsTaken: 1, call: null });
    expect(state(f).counts.completed).toBe(2);
  },
  'callers-waiting': (f) => {
    const s = state(f);
    expect(s.callers.map((c) => [c.position, c.callerNumber])).toEqual([
      [1, '203'],
      [2, '204'],
    ]);
    expect(agent(s, '201')).toMatchObject({ status: 'PAUSED', pausedReason: 'break' });
    expect(agent(s, '202')).toMatchObject({ status: 'PAUSED', pausedReason: null });
    expect(s.counts).toMatchObject({ waiting: 2, available: 0, paused: 2 });
  },
  '203 abandons': (f) => {
    const s = state(f);
    expect(s.callers.map((c) => [c.position, c.callerNumber, c.channel])).toEqual([[1, '204', 'PJSIP/204-0000000c']]);
    expect(s.counts).toMatchObject({ waiting: 1, abandoned: 1, completed: 2 });
  },
  '201 unpaused, rings, answers and hangs up': (f) => {
    const s = state(f);
    expect(s.callers).toEqual([]);
    expect(agent(s, '201')).toMatchObject({ status: 'AVAILABLE', callsTaken: 2, call: null });
    expect(s.counts).toMatchObject({ completed: 3, abandoned: 1 });
  },
  logout: (f) => {
    expect(agent(state(f), '202')).toMatchObject({ status: 'LOGGED_OUT', loggedIn: false, kind: 'DYNAMIC', deviceState: null });
    expect(state(f).counts).toMatchObject({ agents: 2, loggedIn: 1 });
    expect(agent(state(f, q2Config), '202').loggedIn).toBe(true);
  },
  unavailable: (f) => {
    expect(agent(state(f, q2Config), '202')).toMatchObject({ status: 'UNAVAILABLE', deviceState: 'UNAVAILABLE', available: false, loggedIn: true });
    expect(state(f, q2Config).counts).toMatchObject({ loggedIn: 1, unavailable: 1, available: 0 });
  },
};

/** Steps at which QueueStatus was listed (the listing's moment is the step's label). */
const listedAt = new Set(['logged-in', 'paused', 'ringing', 'talking', 'completed', 'waiting', 'abandoned', 'after-calls', 'final']);

describe('the queue normaliser on recorded Asterisk 22 traffic', () => {
  it('starts from the QueueStatus listing: only queue-<id> queues, stored agents first, logged out where Asterisk has none', () => {
    const facts = factsFromStatus(readListing('initial'), new Date(T0));
    expect([...facts.keys()].sort()).toEqual(['queue-q1', 'queue-q2']);
    const q1 = state(facts);
    expect(q1).toMatchObject({ queueId: 'q1', asteriskName: 'queue-q1', inAsterisk: true, callers: [] });
    expect(q1.agents.map((a) => [a.extensionNumber, a.kind, a.status])).toEqual([
      ['201', 'STATIC', 'AVAILABLE'],
      ['202', 'DYNAMIC', 'LOGGED_OUT'],
    ]);
    expect(agent(q1, '201')).toMatchObject({
      interface: 'PJSIP/201',
      configuredKind: 'STATIC',
      loggedIn: true,
      deviceState: 'NOT_INUSE',
      callsTaken: 0,
      lastCallAt: null,
      loggedInAt: iso(1796195273),
    });
    expect(q1.counts).toEqual({ waiting: 0, agents: 2, loggedIn: 1, available: 1, paused: 0, ringing: 0, inCall: 0, unavailable: 0, completed: 0, abandoned: 0 });
    expect(state(facts, q2Config).agents.map((a) => a.status)).toEqual(['LOGGED_OUT']);
  });

  it('follows every recorded step, and each listing agrees with the events that led to it', () => {
    const steps = readSteps();
    const labels = steps.map((s) => s.label);
    for (const label of [...Object.keys(expected), ...listedAt]) expect(labels, `step ${label} recorded`).toContain(label);
    let facts = factsFromStatus(readListing('initial'), new Date(T0));
    const checked: string[] = [];
    steps.slice(labels.indexOf('initial') + 1).forEach((step, i) => {
      const at = new Date(T0 + (i + 1) * 1000);
      for (const event of step.events) applyQueueEvent(facts, event, at);
      expected[step.label]?.(facts, at);
      if (listedAt.has(step.label)) {
        const listed = factsFromStatus(readListing(step.label), at, facts);
        for (const config of RECORDED_QUEUES) expect(state(listed, config), `listing ${step.label}, ${config.id}`).toEqual(state(facts, config));
        facts = listed;
      }
      if (expected[step.label] || listedAt.has(step.label)) checked.push(step.label);
    });
    expect(checked.length).toBe(Object.keys(expected).length + listedAt.size);
  });

  it('keeps what the listing cannot say: the caller an agent rings for or talks to, and when a known caller joined', () => {
    const steps = readSteps();
    const facts = factsFromStatus(readListing('logged-in'), new Date(T0));
    const joined = new Date(T0 + 1000);
    for (const event of steps.find((s) => s.label === 'call-answered')!.events) applyQueueEvent(facts, event, joined);
    const listed = factsFromStatus(readListing('ringing'), new Date(T0 + 60_000), facts);
    expect(state(listed).callers[0]!.waitingSince).toBe(joined.toISOString());
    expect(agent(state(listed), '201').call).toMatchObject({ state: 'RINGING', callerNumber: '203' });
    // Without what was known before, the wait comes from the listing's Wait (1 s) and no call is known.
    const fresh = factsFromStatus(readListing('ringing'), new Date(T0 + 60_000));
    expect(state(fresh).callers[0]!.waitingSince).toBe(new Date(T0 + 59_000).toISOString());
    expect(agent(state(fresh), '201')).toMatchObject({ status: 'RINGING', call: null });
    // The talking agent: the listing's InCall and device state keep its connected call.
    for (const event of steps.find((s) => s.label === '201 answers')!.events) applyQueueEvent(listed, event, joined);
    expect(agent(state(factsFromStatus(readListing('talking'), new Date(T0 + 61_000), listed)), '201').call).toMatchObject({ state: 'CONNECTED', callerNumber: '203' });
    expect(agent(state(factsFromStatus(readListing('completed'), new Date(T0 + 62_000), listed)), '201').call).toBeNull();
  });

  it('ignores queues that are not ours, other events and malformed ones', () => {
    const facts: QueueFactsByName = new Map();
    const support = readSteps()
      .flatMap((s) => s.events)
      .filter((e) => e.Queue === 'support');
    expect(support.length).toBeGreaterThan(0);
    for (const event of support) expect(applyQueueEvent(facts, event, new Date(T0))).toEqual([]);
    expect(applyQueueEvent(facts, { Event: 'Newchannel', Channel: 'PJSIP/201-1' }, new Date(T0))).toEqual([]);
    expect(applyQueueEvent(facts, { Event: 'QueueCallerJoin', Queue: 'queue-q1' }, new Date(T0))).toEqual([]);
    expect(applyQueueEvent(facts, { Event: 'AgentCalled', Queue: 'queue-q1', Channel: 'PJSIP/203-1' }, new Date(T0))).toEqual([]);
    expect(applyQueueEvent(facts, { Event: 'QueueMemberStatus', Queue: 'queue-Q1!', Interface: 'PJSIP/201' }, new Date(T0))).toEqual([]);
    expect(facts.size).toBe(0);
    expect(parseQueueMember({ Event: 'QueueMemberStatus', Queue: 'queue-q1' })).toBeNull();
    expect(parseQueueCaller({ Event: 'QueueEntry', Queue: 'queue-q1', Channel: 'PJSIP/1-1', CallerIDNum: 'unknown', CallerIDName: '<unknown>', Wait: 'x' })).toMatchObject({
      callerNumber: null,
      callerName: null,
      waitSeconds: null,
    });
    expect(parseAgentEvent({ Event: 'AgentDump', Queue: 'queue-q1', Interface: 'PJSIP/201', Channel: 'PJSIP/203-1' })).toMatchObject({ event: 'AgentDump', uniqueId: 'PJSIP/203-1' });
  });

  it('AgentDump ends an offered call; a member added by hand shows as an agent that is not stored', () => {
    const facts = factsFromStatus(readListing('initial'), new Date(T0));
    const called = readSteps()
      .find((s) => s.label === 'call-answered')!
      .events.filter((e) => e.Event === 'QueueCallerJoin' || (e.Event === 'AgentCalled' && e.Interface === 'PJSIP/201'));
    for (const event of called) applyQueueEvent(facts, event, new Date(T0));
    expect(agent(state(facts), '201').call?.state).toBe('RINGING');
    applyQueueEvent(facts, { ...called[1]!, Event: 'AgentDump' }, new Date(T0));
    expect(agent(state(facts), '201').call).toBeNull();
    applyQueueEvent(facts, { Event: 'QueueMemberAdded', Queue: 'queue-q1', MemberName: 'Local', Interface: 'Local/300@agents', Membership: 'dynamic', Status: '1', Paused: '0' }, new Date(T0));
    const extra = state(facts).agents.at(-1) as QueueAgentState;
    expect(extra).toMatchObject({ interface: 'Local/300@agents', extensionNumber: null, configuredKind: null, kind: 'DYNAMIC', status: 'AVAILABLE' });
  });

  it('without Asterisk every agent is logged out and nobody waits', () => {
    const facts = factsFromStatus(readListing('waiting'), new Date(T0));
    const s = deriveQueueState(q1Config, facts.get('queue-q1'), false);
    expect(s).toMatchObject({ asteriskConnected: false, inAsterisk: false, callers: [] });
    expect(s.agents.map((a) => a.status)).toEqual(['LOGGED_OUT', 'LOGGED_OUT']);
    expect(s.counts).toMatchObject({ waiting: 0, loggedIn: 0, completed: 0 });
  });
});
