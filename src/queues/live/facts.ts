import type { AmiMessage } from '../../pbx/ami/message.js';
import { queueIdOf } from '../contract.js';
import { eventName, memberEvents, parseAgentEvent, parseQueueCaller, parseQueueMember, parseQueueParams, type AmiQueueCaller, type AmiQueueMember } from './ami-events.js';

/**
 * What Asterisk said about each of this server's queues (`queue-<id>`),
 * kept current from the QueueStatus listing and app_queue's events. Pure:
 * the time of arrival is passed in. Queues of other names are not kept.
 */

export type MemberFact = Omit<AmiQueueMember, 'queue'>;

export type CallerFact = {
  channel: string;
  uniqueId: string;
  callerNumber: string | null;
  callerName: string | null;
  /** ISO time the caller joined (as seen here: from the event, or now minus the listing's Wait). */
  waitingSince: string;
};

/** The queue call a member is being offered or is connected to, from the Agent* events. */
export type AgentCallFact = {
  state: 'RINGING' | 'CONNECTED';
  channel: string;
  uniqueId: string;
  callerNumber: string | null;
  callerName: string | null;
  since: string;
};

export type QueueFacts = {
  name: string;
  /** Calls answered by an agent and finished, and callers who hung up while waiting, since Asterisk started (or `queue reset stats`). */
  completed: number;
  abandoned: number;
  /** By interface. */
  members: Map<string, MemberFact>;
  /** In queue order (position 1 first). */
  callers: CallerFact[];
  /** By member interface. */
  agentCalls: Map<string, AgentCallFact>;
};

export type QueueFactsByName = Map<string, QueueFacts>;

/** Device states (enum ast_device_state) in which the member's phone rings or talks. */
const RINGING = new Set([6, 7]);
const IN_USE = new Set([2, 3, 7, 8]);

const emptyFacts = (name: string): QueueFacts => ({ name, completed: 0, abandoned: 0, members: new Map(), callers: [], agentCalls: new Map() });

function memberFact(member: AmiQueueMember): MemberFact {
  const { queue: _queue, ...fact } = member;
  return fact;
}

function callerFact(caller: AmiQueueCaller, waitingSince: string): CallerFact {
  return { channel: caller.channel, uniqueId: caller.uniqueId, callerNumber: caller.callerNumber, callerName: caller.callerName, waitingSince };
}

/**
 * The facts of every queue of ours from a QueueStatus listing (QueueParams,
 * QueueMember, QueueEntry). The listing says nothing of which caller a member
 * is offered or talking to: what `previous` knew of it stays while the
 * member's device still rings or talks; a caller known before keeps the
 * time it joined.
 */
export function factsFromStatus(listing: readonly AmiMessage[], now: Date, previous: QueueFactsByName = new Map()): QueueFactsByName {
  const next: QueueFactsByName = new Map();
  const facts = (name: string) => {
    let f = next.get(name);
    if (!f) next.set(name, (f = emptyFacts(name)));
    return f;
  };
  const entries: { caller: AmiQueueCaller; position: number }[] = [];
  for (const message of listing) {
    switch (eventName(message)) {
      case 'QueueParams': {
        const params = parseQueueParams(message);
        if (!params || queueIdOf(params.queue) === null) break;
        Object.assign(facts(params.queue), { completed: params.completed, abandoned: params.abandoned });
        break;
      }
      case 'QueueMember': {
        const member = parseQueueMember(message);
        if (member && queueIdOf(member.queue) !== null) facts(member.queue).members.set(member.interface, memberFact(member));
        break;
      }
      case 'QueueEntry': {
        const caller = parseQueueCaller(message);
        if (caller && queueIdOf(caller.queue) !== null) entries.push({ caller, position: caller.position });
        break;
      }
    }
  }
  entries.sort((a, b) => a.position - b.position);
  for (const { caller } of entries) {
    const known = previous.get(caller.queue)?.callers.find((c) => c.uniqueId === caller.uniqueId);
    const since = known?.waitingSince ?? new Date(now.getTime() - (caller.waitSeconds ?? 0) * 1000).toISOString();
    facts(caller.queue).callers.push(callerFact(caller, since));
  }
  for (const [name, queue] of next) {
    const before = previous.get(name);
    if (!before) continue;
    const waiting = new Set(queue.callers.map((c) => c.uniqueId));
    for (const [iface, call] of before.agentCalls) {
      const member = queue.members.get(iface);
      if (!member) continue;
      const stillRinging = call.state === 'RINGING' && waiting.has(call.uniqueId) && RINGING.has(member.status);
      const stillTalking = call.state === 'CONNECTED' && (member.inCall || IN_USE.has(member.status));
      if (stillRinging || stillTalking) queue.agentCalls.set(iface, call);
    }
  }
  return next;
}

function removeCaller(queue: QueueFacts, uniqueId: string): void {
  queue.callers = queue.callers.filter((c) => c.uniqueId !== uniqueId);
  // The agents offered this caller stop ringing: it was answered by one of them or hung up (no AgentRingNoAnswer follows for the others).
  for (const [iface, call] of queue.agentCalls) if (call.state === 'RINGING' && call.uniqueId === uniqueId) queue.agentCalls.delete(iface);
}

/**
 * Applies one AMI event to the facts (in place) and returns the names of the
 * queues it changed. Events of other queues, and events that are not
 * app_queue's, change nothing. A queue that was not listed yet (created by a
 * reload since) starts from its first event.
 */
export function applyQueueEvent(all: QueueFactsByName, message: AmiMessage, now: Date): string[] {
  const event = eventName(message);
  const at = now.toISOString();
  const facts = (name: string): QueueFacts | null => {
    if (queueIdOf(name) === null) return null;
    let f = all.get(name);
    if (!f) all.set(name, (f = emptyFacts(name)));
    return f;
  };

  if (memberEvents.has(event) || event === 'QueueMemberRemoved') {
    const member = parseQueueMember(message);
    const queue = member && facts(member.queue);
    if (!member || !queue) return [];
    if (event === 'QueueMemberRemoved') {
      queue.members.delete(member.interface);
      queue.agentCalls.delete(member.interface);
    } else {
      queue.members.set(member.interface, memberFact(member));
    }
    return [queue.name];
  }

  switch (event) {
    case 'QueueCallerJoin': {
      const caller = parseQueueCaller(message);
      const queue = caller && facts(caller.queue);
      if (!caller || !queue) return [];
      const others = queue.callers.filter((c) => c.uniqueId !== caller.uniqueId);
      const index = Math.min(Math.max(caller.position - 1, 0), others.length);
      queue.callers = [...others.slice(0, index), callerFact(caller, at), ...others.slice(index)];
      return [queue.name];
    }
    case 'QueueCallerLeave': {
      const caller = parseQueueCaller(message);
      const queue = caller && facts(caller.queue);
      if (!caller || !queue) return [];
      removeCaller(queue, caller.uniqueId);
      return [queue.name];
    }
    case 'QueueCallerAbandon': {
      // QueueCallerLeave follows (recorded); the caller is removed here already so that no state shows it waiting after it hung up.
      const caller = parseQueueCaller(message);
      const queue = caller && facts(caller.queue);
      if (!caller || !queue) return [];
      queue.abandoned += 1;
      removeCaller(queue, caller.uniqueId);
      return [queue.name];
    }
  }

  const agent = parseAgentEvent(message);
  const queue = agent && facts(agent.queue);
  if (!agent || !queue) return [];
  const call = (state: AgentCallFact['state']): AgentCallFact => ({
    state,
    channel: agent.channel,
    uniqueId: agent.uniqueId,
    callerNumber: agent.callerNumber,
    callerName: agent.callerName,
    since: at,
  });
  const current = queue.agentCalls.get(agent.interface);
  switch (agent.event) {
    case 'AgentCalled':
      // A member rung while it talks (ringinuse) keeps its connected call; its device state says it rings too.
      if (current?.state !== 'CONNECTED') queue.agentCalls.set(agent.interface, call('RINGING'));
      break;
    case 'AgentRingNoAnswer':
      if (current?.state === 'RINGING' && current.uniqueId === agent.uniqueId) queue.agentCalls.delete(agent.interface);
      break;
    case 'AgentConnect':
      for (const [iface, other] of queue.agentCalls) if (other.state === 'RINGING' && other.uniqueId === agent.uniqueId) queue.agentCalls.delete(iface);
      queue.agentCalls.set(agent.interface, call('CONNECTED'));
      break;
    case 'AgentComplete':
      queue.completed += 1;
      if (current?.uniqueId === agent.uniqueId) queue.agentCalls.delete(agent.interface);
      break;
    case 'AgentDump':
      if (current?.uniqueId === agent.uniqueId) queue.agentCalls.delete(agent.interface);
      break;
  }
  return [queue.name];
}
