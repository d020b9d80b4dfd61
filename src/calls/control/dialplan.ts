import { context, coreContexts, exten } from '../../pbx/render/dialplan-text.js';
import type { PbxSnapshot } from '../../pbx/render/snapshot.js';
import type { NumberExpectation } from '../../pbx/lint/types.js';
import { callControlContexts as contexts, callControlVariables as vars, holdLimitSeconds, parkingLot } from './contexts.js';
import { rangePatterns } from './range-patterns.js';

/**
 * Click-to-call: the server rings the extension (POST /channels) with the
 * number being called as caller ID, so its phone shows it; once answered the
 * channel takes the extension's own caller ID back (its endpoint's `callerid`)
 * and dials the number in the extension's dial-permission context, exactly as
 * a call the phone dialled itself: same rights, dial rules and caller ID.
 */
function clickToCallContext(): string {
  const steps = [`Set(CALLERID(all)=\${PJSIP_ENDPOINT(\${CHANNEL(endpoint)},callerid)})`, `Goto(\${${vars.clickToCallContext}},\${EXTEN},1)`];
  return context(contexts.clickToCall, [exten('_[0-9*#+]!', steps)]);
}

/**
 * Hold from the API (AMI Redirect of both channels): the other party hears
 * music, the extension silence. Taking the call back bridges them again (AMI
 * Bridge), after which each channel goes on at the step after the one it was
 * in: Hangup, so the call ends as any call does. Either side hanging up while
 * held hangs up the other (its name is in PBX_HOLD_PEER, emptied once the call
 * is taken back).
 */
function holdContexts(): string[] {
  const hangUpPeer = exten('h', [`ExecIf($["\${${vars.holdPeer}}" != ""]?SoftHangup(\${${vars.holdPeer}}))`]);
  return [
    context(contexts.held, [exten('s', [`NoOp(Held by \${${vars.holdPeer}})`, `MusicOnHold(\${${vars.holdMusic}})`, 'Hangup()']), hangUpPeer]),
    context(contexts.holding, [exten('s', [`NoOp(Holding \${${vars.holdPeer}})`, `Wait(${holdLimitSeconds})`, 'Hangup()']), hangUpPeer]),
  ];
}

/** The park range (F-4.6.1.a), changed with the park feature codes. */
export function parkSlots(snapshot: PbxSnapshot): { start: string; end: string } {
  return snapshot.settings.numberingPlan.parkRetrievalRange;
}

/** Dialling a slot (with the right allowParking) or being rung for it by pickUpParkedCall takes the parked call back. */
function parkedCallsContext(snapshot: PbxSnapshot): string {
  const { start, end } = parkSlots(snapshot);
  return context(
    contexts.parkedCalls,
    rangePatterns(start, end).map((name) => exten(name, [`ParkedCall(${parkingLot},\${EXTEN})`, 'Hangup()'])),
  );
}

export function callControlDialplan(snapshot: PbxSnapshot): string[] {
  return [clickToCallContext(), ...holdContexts(), parkedCallsContext(snapshot)];
}

/** The first and the last slot reach ParkedCall from what phones dial. */
export function callControlExpectations(snapshot: PbxSnapshot): NumberExpectation[] {
  const { start, end } = parkSlots(snapshot);
  return [...new Set([start, end])].map((slot) => ({ number: slot, context: coreContexts.internal, reaches: { app: 'ParkedCall' }, owner: `parking slot ${slot}` }));
}

/** A range with a leading zero: Asterisk numbers and announces its slots without it. */
export function parkingWarnings(snapshot: PbxSnapshot): string[] {
  const { start, end } = parkSlots(snapshot);
  return start.startsWith('0') ? [`the park range ${start}–${end} starts with 0: Asterisk announces parked calls without the leading zero (${Number(start)}–${Number(end)})`] : [];
}
