/**
 * The live call model (D6, issue 10) shared by the call tracker (src/calls/live),
 * call control (src/calls/control), subscriptions and webhooks. One `Call` is
 * one conversation: Asterisk's linkedid, which every channel of the call
 * carries (ari.conf's channelvars name CHANNEL(linkedid)). Transfers keep one
 * call. Values are JSON-safe: they travel on the bus, which may cross Redis.
 */

export const callDirections = ['INTERNAL', 'INBOUND', 'OUTBOUND'] as const;
export type CallDirection = (typeof callDirections)[number];

export const callStates = ['DIALING', 'RINGING', 'ANSWERED', 'ON_HOLD', 'TRANSFERRED', 'ENDED'] as const;
export type CallState = (typeof callStates)[number];

export const legStates = ['DIALING', 'RINGING', 'ANSWERED', 'ON_HOLD', 'ENDED'] as const;
export type LegState = (typeof legStates)[number];

/** What a channel's endpoint is in this PBX: an extension (PJSIP/IAX2 by number), a trunk (by name), or something else (Local, a Stasis-only channel). */
export type LegEndpoint = { kind: 'EXTENSION' | 'TRUNK' | 'OTHER'; name: string };

export type CallParty = {
  number: string;
  name: string;
  /** The extension number when the party is one of ours */
  extension: string | null;
};

/** One channel of a call. */
export type CallLeg = {
  /** ARI channel id (Asterisk's uniqueid) */
  channelId: string;
  channelName: string;
  endpoint: LegEndpoint;
  state: LegState;
  callerNumber: string;
  callerName: string;
  connectedNumber: string;
  connectedName: string;
  startedAt: string;
  answeredAt: string | null;
  endedAt: string | null;
  /** Q.850 cause code of the hang-up */
  hangupCause: number | null;
  /** The cause in words, as Asterisk says it (e.g. "Normal Clearing", "User busy") */
  hangupCauseText: string | null;
};

export type Call = {
  /** Asterisk's linkedid */
  id: string;
  direction: CallDirection;
  state: CallState;
  caller: CallParty;
  callee: CallParty;
  /** The number dialled on the trunk (inbound), or null */
  did: string | null;
  /** The trunk the call came in or went out on, or null */
  trunk: string | null;
  /** Every extension that took part, ever (ringing counts) */
  extensions: string[];
  /** Departments (their numbers) and queues (their numbers) the call passed through */
  departments: string[];
  queues: string[];
  legs: CallLeg[];
  /** Whether it was transferred at least once (it stays one call) */
  transferred: boolean;
  startedAt: string;
  answeredAt: string | null;
  endedAt: string | null;
  hangupCause: number | null;
  hangupCauseText: string | null;
  /** Grows with every change of this call: a client orders what it sees by it */
  version: number;
};

/**
 * Where call control keeps the extension's channel of a call it put on hold
 * (holdCall): the tracker shows that leg ON_HOLD until it enters a bridge again.
 */
export const apiHoldContext = 'pbx-call-holding';

export const callEventKinds = ['STARTED', 'RINGING', 'ANSWERED', 'HELD', 'UNHELD', 'TRANSFERRED', 'UPDATED', 'ENDED'] as const;
export type CallEventKind = (typeof callEventKinds)[number];

/** What the bus carries on topic `call`: the call as it is after the change, and what changed. */
export type CallEvent = { kind: CallEventKind; call: Call; at: string };

/** The live calls as the tracker knows them (what call control and the API read). */
export interface CallDirectory {
  list(): Call[];
  get(id: string): Call | null;
  /** The call a channel belongs to, or null */
  callOfChannel(channelId: string): Call | null;
}
