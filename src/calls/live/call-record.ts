import type { Call, LegEndpoint, LegState } from '../contract.js';

/** What the tracker knows of one channel of a call. */
export type Leg = {
  channelId: string;
  channelName: string;
  endpoint: LegEndpoint;
  /** ARI channel state (Down, Ring, Ringing, Up, …) */
  channelState: string;
  held: boolean;
  /** Put on hold by call control (its channel waits in apiHoldContext), not by the phone */
  heldByApi: boolean;
  ended: boolean;
  callerNumber: string;
  callerName: string;
  connectedNumber: string;
  connectedName: string;
  context: string;
  exten: string;
  startedAt: string;
  answeredAt: string | null;
  endedAt: string | null;
  hangupCause: number | null;
  hangupCauseText: string | null;
  /** What a Dial() dialled to create this channel (trunk legs: the outside number) */
  dialledNumber: string | null;
  /** Created by an originate (a Dial event without a caller): its caller ID is what the originate set, not the phone's */
  originated: boolean;
  /** Inbound routing's PBX_TRUNK and PBX_DID on this channel */
  trunkVariable: string;
  didVariable: string;
  /** The linkedid Asterisk reported for it last (null: not reported) */
  linkedid: string | null;
  /** Order of arrival, and of ending: ties of equal times are broken by them */
  order: number;
  endOrder: number;
  /** The call a transfer moved it out of: snapshots taken before Asterisk re-linked it still name it */
  staleLinkedid: string | null;
};

export type CallRecord = {
  id: string;
  /** In order of arrival */
  legs: Map<string, Leg>;
  extensions: string[];
  departments: string[];
  queues: string[];
  /** The first number the call was dialled to (the originator's dialplan extension), '' until known */
  dialled: string;
  transferred: boolean;
  /** A transfer is under way: the target has not answered yet */
  transferPending: boolean;
  /** Kinds this change must report besides what the comparison finds (a transfer) */
  pendingKinds: Set<'TRANSFERRED'>;
  /** When its oldest channel was created (kept when legs move on) */
  startedAt: string;
  answeredAt: string | null;
  /** What was last published, and its version */
  published: Call | null;
  publishedKey: string;
  version: number;
  /** When it ended, on this server's clock (for how long it stays readable) */
  endedAtMs: number | null;
  /** Its last live leg moved on to another call (a transfer): it ended then */
  mergedInto: { id: string; at: string } | null;
};

export function legState(leg: Leg): LegState {
  if (leg.ended) return 'ENDED';
  if (leg.channelState === 'Up') return leg.held ? 'ON_HOLD' : 'ANSWERED';
  if (leg.channelState === 'Ringing') return 'RINGING';
  return 'DIALING';
}

export function newCallRecord(id: string): CallRecord {
  return {
    id,
    legs: new Map(),
    extensions: [],
    departments: [],
    queues: [],
    dialled: '',
    transferred: false,
    transferPending: false,
    pendingKinds: new Set(),
    startedAt: '',
    answeredAt: null,
    published: null,
    publishedKey: '',
    version: 0,
    endedAtMs: null,
    mergedInto: null,
  };
}

export function liveLegs(record: CallRecord): Leg[] {
  return [...record.legs.values()].filter((leg) => !leg.ended);
}
