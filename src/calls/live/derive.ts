import type { Call, CallDirection, CallLeg, CallParty, CallState } from '../contract.js';
import { legState, liveLegs, type CallRecord, type Leg } from './call-record.js';
import type { PbxNumbers } from './pbx-numbers.js';

/**
 * The call as subscribers see it, from what the tracker knows of its
 * channels. The rules (README "Calls"):
 * - the originator is the channel whose uniqueid is the linkedid (the first one), else the oldest;
 * - INBOUND when the originator is a trunk's channel, OUTBOUND when another leg is, else INTERNAL;
 * - the caller is the originator's caller ID (the extension itself for a call it was originated to);
 * - the callee is the party that answered last (an extension or a trunk), else the number dialled;
 * - state: ENDED without live legs; ON_HOLD while a leg is held; TRANSFERRED from a
 *   transfer until a leg answers; RINGING while a leg rings and fewer than two legs
 *   are answered; ANSWERED with an answered leg (a phone, or the PBX: IVR, voicemail,
 *   queue); DIALING before that.
 */
export function deriveCall(record: CallRecord, numbers: PbxNumbers): Omit<Call, 'version'> {
  const legs = [...record.legs.values()];
  const originator = originatorOf(record);
  const trunkLeg = legs.find((leg) => leg !== originator && leg.endpoint.kind === 'TRUNK') ?? null;
  const direction: CallDirection = originator?.endpoint.kind === 'TRUNK' ? 'INBOUND' : trunkLeg ? 'OUTBOUND' : 'INTERNAL';
  const state = callState(record);
  const ended = state === 'ENDED';
  const last = ended && !record.mergedInto ? lastEnded(legs) : null;
  const merged = ended ? record.mergedInto : null;
  const did = direction === 'INBOUND' ? originator?.didVariable || legs.find((leg) => leg.didVariable)?.didVariable || null : null;
  return {
    id: record.id,
    direction,
    state,
    caller: originator ? callerOf(originator, numbers) : emptyParty(),
    callee: calleeOf(record, originator, direction, trunkLeg, did, numbers),
    did,
    trunk: direction === 'INBOUND' ? originator!.endpoint.name : direction === 'OUTBOUND' ? trunkLeg!.endpoint.name : null,
    extensions: [...record.extensions],
    departments: [...record.departments],
    queues: [...record.queues],
    legs: legs.map(callLeg),
    transferred: record.transferred,
    startedAt: record.startedAt,
    answeredAt: record.answeredAt,
    endedAt: merged?.at ?? last?.endedAt ?? null,
    hangupCause: last?.hangupCause ?? null,
    hangupCauseText: merged ? `Continued as call ${merged.id} (transferred)` : (last?.hangupCauseText ?? null),
  };
}

export function originatorOf(record: CallRecord): Leg | null {
  const own = record.legs.get(record.id);
  if (own) return own;
  let oldest: Leg | null = null;
  for (const leg of record.legs.values()) if (!oldest || leg.order < oldest.order) oldest = leg;
  return oldest;
}

export function callState(record: CallRecord): CallState {
  const states = liveLegs(record).map(legState);
  if (!states.length) return 'ENDED';
  if (states.includes('ON_HOLD')) return 'ON_HOLD';
  if (record.transferPending) return 'TRANSFERRED';
  const answered = states.filter((s) => s === 'ANSWERED').length;
  if (states.includes('RINGING') && answered < 2) return 'RINGING';
  return answered ? 'ANSWERED' : 'DIALING';
}

/** The leg whose end ended the call: the last phone or trunk leg to end (Local channels only when there is nothing else). */
function lastEnded(legs: Leg[]): Leg | null {
  const ended = legs.filter((leg) => leg.ended).sort((a, b) => a.endOrder - b.endOrder);
  const devices = ended.filter((leg) => leg.endpoint.kind !== 'OTHER');
  return devices.at(-1) ?? ended.at(-1) ?? null;
}

function callerOf(leg: Leg, numbers: PbxNumbers): CallParty {
  const extension = leg.endpoint.kind === 'EXTENSION' ? leg.endpoint.name : null;
  // An originated channel rings the extension with whatever caller ID the originate gave it: the caller is the extension.
  if (extension && leg.originated) return { number: extension, name: numbers.extensions.get(extension) ?? '', extension };
  return { number: leg.callerNumber, name: leg.callerName, extension };
}

function calleeOf(record: CallRecord, originator: Leg | null, direction: CallDirection, trunkLeg: Leg | null, did: string | null, numbers: PbxNumbers): CallParty {
  const answered = [...record.legs.values()]
    .filter((leg) => leg !== originator && leg.answeredAt && leg.endpoint.kind !== 'OTHER')
    .sort((a, b) => Number(a.ended) - Number(b.ended) || (b.answeredAt! < a.answeredAt! ? -1 : b.answeredAt! > a.answeredAt! ? 1 : b.order - a.order));
  const party = answered[0];
  if (party) return partyOf(party, numbers);
  if (direction === 'OUTBOUND' && trunkLeg) return { number: trunkLeg.dialledNumber ?? trunkLeg.callerNumber, name: '', extension: null };
  const number = direction === 'INBOUND' ? (did ?? record.dialled) : record.dialled;
  if (!number) return emptyParty();
  const extension = numbers.extensions.has(number) || [...record.legs.values()].some((leg) => leg.endpoint.kind === 'EXTENSION' && leg.endpoint.name === number) ? number : null;
  const name = extension ? ringingName(record, extension) || (numbers.extensions.get(extension) ?? '') : (numbers.departments.get(number) ?? numbers.queues.get(number) ?? '');
  return { number, name, extension };
}

function partyOf(leg: Leg, numbers: PbxNumbers): CallParty {
  if (leg.endpoint.kind === 'EXTENSION') {
    const extension = leg.endpoint.name;
    return { number: extension, name: leg.callerName || (numbers.extensions.get(extension) ?? ''), extension };
  }
  return { number: leg.dialledNumber ?? leg.callerNumber, name: leg.dialledNumber ? '' : leg.callerName, extension: null };
}

/** The caller ID name a dialled extension's own channel carries (its endpoint's). */
function ringingName(record: CallRecord, extension: string): string {
  for (const leg of record.legs.values()) if (leg.endpoint.kind === 'EXTENSION' && leg.endpoint.name === extension && leg.callerName) return leg.callerName;
  return '';
}

const emptyParty = (): CallParty => ({ number: '', name: '', extension: null });

function callLeg(leg: Leg): CallLeg {
  return {
    channelId: leg.channelId,
    channelName: leg.channelName,
    endpoint: { ...leg.endpoint },
    state: legState(leg),
    callerNumber: leg.callerNumber,
    callerName: leg.callerName,
    connectedNumber: leg.connectedNumber,
    connectedName: leg.connectedName,
    startedAt: leg.startedAt,
    answeredAt: leg.answeredAt,
    endedAt: leg.endedAt,
    hangupCause: leg.hangupCause,
    hangupCauseText: leg.hangupCauseText,
  };
}
