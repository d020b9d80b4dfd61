import { header, type AmiMessage } from '../../pbx/ami/message.js';

/**
 * The AMI messages of app_queue (apps/app_queue.c of Asterisk 22), read
 * leniently: a message without the fields that identify it gives null.
 * Field names differ between the QueueStatus listing and the events, as
 * recorded on Asterisk 22.10.1 (test/pbx/fixtures/ami-queues): the listing's
 * QueueMember says `Name` and `Location` where the QueueMember* events say
 * `MemberName` and `Interface`, and the listing's QueueEntry writes an
 * unknown caller ID as `unknown` where events write `<unknown>`.
 */

/** A member as QueueMember (listing) or any QueueMember* event reports it: the whole member every time. */
export type AmiQueueMember = {
  queue: string;
  interface: string;
  memberName: string;
  membership: 'static' | 'dynamic' | 'realtime';
  callsTaken: number;
  /** Epoch seconds; 0: never. */
  lastCall: number;
  lastPause: number;
  loginTime: number;
  /** A queue call is connected to the member (set after AgentConnect, cleared once the call is counted). */
  inCall: boolean;
  /** The numeric device state of the member's state interface (enum ast_device_state). */
  status: number;
  paused: boolean;
  pausedReason: string;
};

/** QueueParams of the QueueStatus listing. */
export type AmiQueueParams = { queue: string; completed: number; abandoned: number };

/** A waiting caller: QueueEntry (listing) or QueueCallerJoin / QueueCallerLeave / QueueCallerAbandon. */
export type AmiQueueCaller = {
  queue: string;
  /** 1-based; for Leave and Abandon the position the caller had. */
  position: number;
  channel: string;
  uniqueId: string;
  callerNumber: string | null;
  callerName: string | null;
  /** QueueEntry only: seconds waited so far. */
  waitSeconds: number | null;
};

/** AgentCalled / AgentConnect / AgentComplete / AgentRingNoAnswer / AgentDump: a member and the caller it was offered. */
export type AmiAgentEvent = {
  event: 'AgentCalled' | 'AgentConnect' | 'AgentComplete' | 'AgentRingNoAnswer' | 'AgentDump';
  queue: string;
  interface: string;
  /** The caller's channel and unique id (the channel snapshot without prefix); the member's channel is `Dest…`. */
  channel: string;
  uniqueId: string;
  callerNumber: string | null;
  callerName: string | null;
};

export const memberEvents = new Set(['QueueMemberAdded', 'QueueMemberStatus', 'QueueMemberPause', 'QueueMemberPenalty', 'QueueMemberRinginuse']);
export const agentEvents = new Set<AmiAgentEvent['event']>(['AgentCalled', 'AgentConnect', 'AgentComplete', 'AgentRingNoAnswer', 'AgentDump']);

const value = (m: AmiMessage, name: string): string => header(m, name)?.trim() ?? '';

export function eventName(m: AmiMessage): string {
  return value(m, 'Event');
}

function int(text: string): number {
  if (!/^-?\d+$/.test(text)) return 0;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : 0;
}

function callerId(text: string): string | null {
  return text === '' || text === '<unknown>' || text === 'unknown' ? null : text;
}

/** QueueMember of the listing, or a QueueMember* event (also QueueMemberRemoved). */
export function parseQueueMember(m: AmiMessage): AmiQueueMember | null {
  const event = eventName(m);
  const listed = event === 'QueueMember';
  if (!listed && !memberEvents.has(event) && event !== 'QueueMemberRemoved') return null;
  const queue = value(m, 'Queue');
  const iface = listed ? value(m, 'Location') : value(m, 'Interface');
  if (!queue || !iface) return null;
  const membership = value(m, 'Membership').toLowerCase();
  return {
    queue,
    interface: iface,
    memberName: listed ? value(m, 'Name') : value(m, 'MemberName'),
    membership: membership === 'dynamic' || membership === 'realtime' ? membership : 'static',
    callsTaken: int(value(m, 'CallsTaken')),
    lastCall: int(value(m, 'LastCall')),
    lastPause: int(value(m, 'LastPause')),
    loginTime: int(value(m, 'LoginTime')),
    inCall: value(m, 'InCall') === '1',
    status: int(value(m, 'Status')),
    paused: value(m, 'Paused') === '1',
    pausedReason: value(m, 'PausedReason'),
  };
}

export function parseQueueParams(m: AmiMessage): AmiQueueParams | null {
  const queue = value(m, 'Queue');
  if (eventName(m) !== 'QueueParams' || !queue) return null;
  return { queue, completed: int(value(m, 'Completed')), abandoned: int(value(m, 'Abandoned')) };
}

const callerEvents = new Set(['QueueEntry', 'QueueCallerJoin', 'QueueCallerLeave', 'QueueCallerAbandon']);

export function parseQueueCaller(m: AmiMessage): AmiQueueCaller | null {
  const event = eventName(m);
  const queue = value(m, 'Queue');
  const channel = value(m, 'Channel');
  if (!callerEvents.has(event) || !queue || !channel) return null;
  const wait = value(m, 'Wait');
  return {
    queue,
    position: int(value(m, 'Position')),
    channel,
    uniqueId: value(m, 'Uniqueid') || channel,
    callerNumber: callerId(value(m, 'CallerIDNum')),
    callerName: callerId(value(m, 'CallerIDName')),
    waitSeconds: event === 'QueueEntry' && /^\d+$/.test(wait) ? Number(wait) : null,
  };
}

export function parseAgentEvent(m: AmiMessage): AmiAgentEvent | null {
  const event = eventName(m) as AmiAgentEvent['event'];
  const queue = value(m, 'Queue');
  const iface = value(m, 'Interface');
  if (!agentEvents.has(event) || !queue || !iface) return null;
  const channel = value(m, 'Channel');
  return {
    event,
    queue,
    interface: iface,
    channel,
    uniqueId: value(m, 'Uniqueid') || channel,
    callerNumber: callerId(value(m, 'CallerIDNum')),
    callerName: callerId(value(m, 'CallerIDName')),
  };
}
