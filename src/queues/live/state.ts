import { agentInterface, agentNumberOf, asteriskQueueName } from '../contract.js';
import type { AgentCallFact, MemberFact, QueueFacts } from './facts.js';

/**
 * The live state of one queue as a subscriber sees it (JSON-safe: it crosses
 * the Redis bus): the stored queue and its agents, with what Asterisk
 * reported of them.
 */

export const deviceStates = ['UNKNOWN', 'NOT_INUSE', 'INUSE', 'BUSY', 'INVALID', 'UNAVAILABLE', 'RINGING', 'RINGINUSE', 'ONHOLD'] as const;
export type DeviceState = (typeof deviceStates)[number];

export const agentStatuses = ['LOGGED_OUT', 'UNAVAILABLE', 'PAUSED', 'RINGING', 'IN_CALL', 'AVAILABLE'] as const;
export type AgentStatus = (typeof agentStatuses)[number];

export type MemberKind = 'STATIC' | 'DYNAMIC';

/** A stored queue and its agents (from the Queue and QueueMember tables). */
export type QueueConfig = {
  id: string;
  name: string;
  number: string;
  /** In member order: static agents by position, then dynamic ones by number. */
  agents: { extensionId: string; number: string; kind: MemberKind }[];
};

export type QueueAgentCall = {
  state: 'RINGING' | 'CONNECTED';
  callerNumber: string | null;
  callerName: string | null;
  channel: string;
  /** ISO time it started ringing, or was connected. */
  since: string;
};

export type QueueAgentState = {
  queueId: string;
  /** The extension number of a PJSIP/<number> member; null for another interface. */
  extensionNumber: string | null;
  interface: string;
  /** STATIC or DYNAMIC as stored; null when Asterisk has a member the database does not (added by hand). */
  configuredKind: MemberKind | null;
  /** As Asterisk has it when logged in, else as stored. */
  kind: MemberKind;
  status: AgentStatus;
  /** A member of the queue in Asterisk right now (a static agent always, a dynamic one while logged in). */
  loggedIn: boolean;
  paused: boolean;
  pausedReason: string | null;
  /** ISO time of the last pause (kept after unpausing); null: never. */
  lastPauseAt: string | null;
  /** The device state of PJSIP/<number>; null when not logged in. */
  deviceState: DeviceState | null;
  ringing: boolean;
  inCall: boolean;
  available: boolean;
  callsTaken: number;
  lastCallAt: string | null;
  loggedInAt: string | null;
  /** The call of this queue it is offered or talking to. */
  call: QueueAgentCall | null;
};

export type QueueCallerState = {
  position: number;
  callerNumber: string | null;
  callerName: string | null;
  channel: string;
  uniqueId: string;
  waitingSince: string;
};

export type QueueCounts = {
  waiting: number;
  agents: number;
  loggedIn: number;
  available: number;
  paused: number;
  ringing: number;
  inCall: number;
  unavailable: number;
  completed: number;
  abandoned: number;
};

export type QueueLiveState = {
  queueId: string;
  name: string;
  number: string;
  asteriskName: string;
  asteriskConnected: boolean;
  /** Whether Asterisk has this queue (false until its configuration is applied, and while not connected). */
  inAsterisk: boolean;
  callers: QueueCallerState[];
  agents: QueueAgentState[];
  counts: QueueCounts;
  /** ISO time of the last change a subscriber can see. */
  changedAt: string;
};

export function deviceStateOf(status: number): DeviceState {
  return deviceStates[status] ?? 'UNKNOWN';
}

const epochIso = (seconds: number): string | null => (seconds > 0 ? new Date(seconds * 1000).toISOString() : null);

/** One agent from what is stored and what Asterisk reports (either may be missing). */
export function agentState(queueId: string, iface: string, configured: MemberKind | null, member: MemberFact | undefined, call: AgentCallFact | undefined): QueueAgentState {
  const base = { queueId, extensionNumber: agentNumberOf(iface), interface: iface, configuredKind: configured };
  if (!member) {
    return {
      ...base,
      kind: configured ?? 'DYNAMIC',
      status: 'LOGGED_OUT',
      loggedIn: false,
      paused: false,
      pausedReason: null,
      lastPauseAt: null,
      deviceState: null,
      ringing: false,
      inCall: false,
      available: false,
      callsTaken: 0,
      lastCallAt: null,
      loggedInAt: null,
      call: null,
    };
  }
  const deviceState = deviceStateOf(member.status);
  const ringing = call?.state === 'RINGING' || deviceState === 'RINGING' || deviceState === 'RINGINUSE';
  // InCall follows AgentConnect late or not at all (recorded), so the connected call and the device state count too.
  const inCall = call?.state === 'CONNECTED' || member.inCall || deviceState === 'INUSE' || deviceState === 'BUSY' || deviceState === 'ONHOLD' || deviceState === 'RINGINUSE';
  const unreachable = deviceState === 'UNAVAILABLE' || deviceState === 'INVALID';
  const status: AgentStatus = inCall ? 'IN_CALL' : ringing ? 'RINGING' : unreachable ? 'UNAVAILABLE' : member.paused ? 'PAUSED' : 'AVAILABLE';
  return {
    ...base,
    kind: member.membership === 'static' ? 'STATIC' : 'DYNAMIC',
    status,
    loggedIn: true,
    paused: member.paused,
    pausedReason: member.paused && member.pausedReason ? member.pausedReason : null,
    lastPauseAt: epochIso(member.lastPause),
    deviceState,
    ringing,
    inCall,
    available: status === 'AVAILABLE',
    callsTaken: member.callsTaken,
    lastCallAt: epochIso(member.lastCall),
    loggedInAt: epochIso(member.loginTime),
    call: call ? { state: call.state, callerNumber: call.callerNumber, callerName: call.callerName, channel: call.channel, since: call.since } : null,
  };
}

function counts(agents: QueueAgentState[], callers: QueueCallerState[], facts: QueueFacts | undefined): QueueCounts {
  const count = (test: (a: QueueAgentState) => boolean) => agents.filter(test).length;
  return {
    waiting: callers.length,
    agents: agents.length,
    loggedIn: count((a) => a.loggedIn),
    available: count((a) => a.available),
    paused: count((a) => a.loggedIn && a.paused),
    ringing: count((a) => a.ringing),
    inCall: count((a) => a.inCall),
    unavailable: count((a) => a.status === 'UNAVAILABLE'),
    completed: facts?.completed ?? 0,
    abandoned: facts?.abandoned ?? 0,
  };
}

/**
 * The live state of a stored queue. Its agents: the stored ones in member
 * order, then members Asterisk has that are not stored. `facts` is undefined
 * when Asterisk does not have the queue (or is not connected).
 */
export function deriveQueueState(config: QueueConfig, facts: QueueFacts | undefined, asteriskConnected: boolean): Omit<QueueLiveState, 'changedAt'> {
  const known = asteriskConnected ? facts : undefined;
  const stored = new Map(config.agents.map((a) => [agentInterface(a.number), a.kind]));
  const interfaces = [...stored.keys(), ...[...(known?.members.keys() ?? [])].filter((i) => !stored.has(i)).sort()];
  const agents = interfaces.map((iface) => agentState(config.id, iface, stored.get(iface) ?? null, known?.members.get(iface), known?.agentCalls.get(iface)));
  const callers = (known?.callers ?? []).map((c, i) => ({
    position: i + 1,
    callerNumber: c.callerNumber,
    callerName: c.callerName,
    channel: c.channel,
    uniqueId: c.uniqueId,
    waitingSince: c.waitingSince,
  }));
  return {
    queueId: config.id,
    name: config.name,
    number: config.number,
    asteriskName: asteriskQueueName(config.id),
    asteriskConnected,
    inAsterisk: known !== undefined,
    callers,
    agents,
    counts: counts(agents, callers, known),
  };
}

/** Whether two states differ in anything a subscriber sees (changedAt aside). */
export function sameQueueState(a: Omit<QueueLiveState, 'changedAt'>, b: Omit<QueueLiveState, 'changedAt'>): boolean {
  const { changedAt: _a, ...left } = a as QueueLiveState;
  const { changedAt: _b, ...right } = b as QueueLiveState;
  return JSON.stringify(left) === JSON.stringify(right);
}
