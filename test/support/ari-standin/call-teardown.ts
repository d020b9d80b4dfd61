import { bridgeDestroyed, channelDestroyed, channelHangupRequest, channelLeftBridge, dial, type HangupCause, type HangupRequest } from './ari-events.js';
import { elapsedVariables, releaseChannel, setBridgedQos, setOwnQos, setVariables, type Call } from './call-model.js';
import { continueToHangupPriority } from './call-setup.js';
import { publishEndpointDeviceState } from './device-states.js';
import type { FlowContext } from './flow-context.js';
import type { BridgeRecord, ChannelRecord } from './pbx-state.js';

/**
 * Who ends a call and how: a phone sends BYE/CANCEL/486, or ARI's
 * DELETE /channels/{id} asks Asterisk to hang a channel up with a cause.
 */
export type HangupInitiator = { leg: 'caller' | 'callee'; via: 'phone' } | { leg: 'caller' | 'callee'; via: 'ari'; cause: number };

// ast_softhangup(chan, AST_SOFTHANGUP_EXPLICIT) publishes the flag (0x20) as `cause`.
const ARI_HANGUP_REQUEST: HangupRequest = { cause: 32, soft: true };
const NORMAL_CLEARING: HangupCause = { cause: 16 };
const USER_BUSY: HangupCause = { cause: 17, techCause: 486 };
// A phone's CANCEL while the callee rings, as a real Asterisk 22.10.1 reported it.
const CALLER_CANCEL: HangupCause = { cause: 127, techCause: 487 };
const CALLEE_CANCELLED: HangupCause = { cause: 127, techCause: 500 };

export function hangupCall(ctx: FlowContext, call: Call, initiator: HangupInitiator): void {
  switch (call.phase) {
    case 'up':
      if (initiator.leg === 'callee') calleeEndsAnsweredCall(ctx, call, initiator);
      else if (initiator.via === 'phone') callerPhoneEndsAnsweredCall(ctx, call);
      else ariEndsAnsweredCaller(ctx, call, initiator.cause);
      break;
    case 'ringing':
      if (initiator.leg === 'caller') callerCancelsRinging(ctx, call, initiator);
      else calleeRejectsRinging(ctx, call, initiator.via === 'phone' ? USER_BUSY : { cause: initiator.cause }, initiator);
      break;
    case 'originating':
      if (initiator.leg === 'callee') throw new Error('ARI stand-in: an originated call has no callee yet');
      originatedLegEnds(ctx, call, initiator);
      break;
    case 'ended':
      throw new Error(`ARI stand-in: call ${call.id} has already ended`);
  }
  call.phase = 'ended';
}

/** The callee rejects a ringing call with 486 Busy Here: events-call-100-to-101-busy.jsonl from the rejection on. */
export function rejectBusy(ctx: FlowContext, call: Call): void {
  if (call.phase !== 'ringing') throw new Error(`ARI stand-in: call ${call.id} is not ringing`);
  calleeRejectsRinging(ctx, call, USER_BUSY, { leg: 'callee', via: 'phone' });
  call.phase = 'ended';
}

/** The caller's phone sends BYE: events-call-100-to-101.jsonl from the RTP statistics on. */
function callerPhoneEndsAnsweredCall(ctx: FlowContext, call: Call): void {
  const { caller } = call;
  const callee = call.requireCallee();
  const bridge = call.requireBridge();
  const talkMs = Date.now() - call.answeredAtMs;
  setBridgedQos(ctx, caller, callee, talkMs);
  ctx.emit(channelHangupRequest(caller, NORMAL_CLEARING));
  clearBridgeVariables(ctx, caller, callee);
  leaveBridge(ctx, bridge, caller);
  leaveBridge(ctx, bridge, callee);
  setVariables(ctx, caller, elapsedVariables('ANSWEREDTIME', call.answeredAtMs));
  setOwnQos(ctx, callee, talkMs);
  setVariables(ctx, caller, [...elapsedVariables('DIALEDTIME', call.dialStartedAtMs), ['DIALSTATUS', 'ANSWER']]);
  ctx.emit(channelHangupRequest(caller, { cause: 16, soft: true }));
  releaseChannel(ctx, callee);
  ctx.emit(channelDestroyed(callee, NORMAL_CLEARING));
  destroyBridge(ctx, bridge);
  releaseChannel(ctx, caller);
  publishEndpointDeviceState(ctx.state, ctx.emit, call.to);
  publishEndpointDeviceState(ctx.state, ctx.emit, call.from);
  ctx.emit(channelDestroyed(caller, NORMAL_CLEARING));
}

/** DELETE /channels/{caller} during the conversation: events-originate-dialplan.jsonl from the RTP statistics on. */
function ariEndsAnsweredCaller(ctx: FlowContext, call: Call, cause: number): void {
  const { caller } = call;
  const callee = call.requireCallee();
  const bridge = call.requireBridge();
  const talkMs = Date.now() - call.answeredAtMs;
  setBridgedQos(ctx, caller, callee, talkMs);
  ctx.emit(channelHangupRequest(caller, ARI_HANGUP_REQUEST));
  clearBridgeVariables(ctx, caller, callee);
  leaveBridge(ctx, bridge, caller);
  setVariables(ctx, caller, [...elapsedVariables('ANSWEREDTIME', call.answeredAtMs), ...elapsedVariables('DIALEDTIME', call.dialStartedAtMs), ['DIALSTATUS', 'ANSWER']]);
  ctx.emit(channelHangupRequest(caller, { cause: 16, soft: true }));
  releaseChannel(ctx, caller);
  publishEndpointDeviceState(ctx.state, ctx.emit, call.from);
  leaveBridge(ctx, bridge, callee);
  ctx.emit(channelDestroyed(caller, { cause }));
  destroyBridge(ctx, bridge);
  setOwnQos(ctx, callee, talkMs);
  releaseChannel(ctx, callee);
  ctx.emit(channelDestroyed(callee, NORMAL_CLEARING));
  publishEndpointDeviceState(ctx.state, ctx.emit, call.to);
}

/**
 * Not recorded; mirrors the caller's BYE. The caller's Dial returns ANSWER
 * and its dialplan goes on to `Hangup()`.
 */
function calleeEndsAnsweredCall(ctx: FlowContext, call: Call, initiator: HangupInitiator): void {
  const { caller } = call;
  const callee = call.requireCallee();
  const bridge = call.requireBridge();
  const talkMs = Date.now() - call.answeredAtMs;
  setBridgedQos(ctx, callee, caller, talkMs);
  ctx.emit(channelHangupRequest(callee, initiator.via === 'ari' ? ARI_HANGUP_REQUEST : NORMAL_CLEARING));
  clearBridgeVariables(ctx, callee, caller);
  leaveBridge(ctx, bridge, callee);
  leaveBridge(ctx, bridge, caller);
  setVariables(ctx, caller, [...elapsedVariables('ANSWEREDTIME', call.answeredAtMs), ...elapsedVariables('DIALEDTIME', call.dialStartedAtMs), ['DIALSTATUS', 'ANSWER']]);
  releaseChannel(ctx, callee);
  ctx.emit(channelDestroyed(callee, initiator.via === 'ari' ? { cause: initiator.cause } : NORMAL_CLEARING));
  destroyBridge(ctx, bridge);
  publishEndpointDeviceState(ctx.state, ctx.emit, call.to);
  continueToHangupPriority(ctx, caller);
  setOwnQos(ctx, caller, talkMs);
  releaseChannel(ctx, caller);
  publishEndpointDeviceState(ctx.state, ctx.emit, call.from);
  ctx.emit(channelDestroyed(caller, NORMAL_CLEARING));
}

/**
 * The caller gives up while the callee rings. Through ARI this is
 * events-originate-bad-priority.jsonl from the RTP statistics on. A phone's
 * CANCEL (seen on a real Asterisk 22.10.1, not recorded here): the caller's
 * 487 maps to cause 127 "Interworking, unspecified"; Dial ends CANCEL and both
 * channels are destroyed with cause 127, the caller with tech_cause 487, the
 * callee (sent CANCEL by app_dial) with tech_cause 500.
 */
function callerCancelsRinging(ctx: FlowContext, call: Call, initiator: HangupInitiator): void {
  const { caller } = call;
  const callee = call.requireCallee();
  const byAri = initiator.via === 'ari';
  if (caller.state === 'Up') setOwnQos(ctx, caller, Date.now() - call.dialStartedAtMs);
  ctx.emit(channelHangupRequest(caller, byAri ? ARI_HANGUP_REQUEST : { cause: CALLER_CANCEL.cause, techCause: CALLER_CANCEL.techCause }));
  ctx.emit(dial({ caller, peer: callee, dialstatus: 'CANCEL', dialstring: '' }));
  setVariables(ctx, caller, [['DIALSTATUS', 'CANCEL']]);
  ctx.emit(channelHangupRequest(caller, { cause: byAri ? 16 : CALLER_CANCEL.cause, soft: true }));
  releaseChannel(ctx, caller);
  ctx.emit(channelDestroyed(caller, byAri ? { cause: initiator.cause } : CALLER_CANCEL));
  releaseChannel(ctx, callee);
  ctx.emit(channelDestroyed(callee, byAri ? NORMAL_CLEARING : CALLEE_CANCELLED));
  publishEndpointDeviceState(ctx.state, ctx.emit, call.from);
  publishEndpointDeviceState(ctx.state, ctx.emit, call.to);
}

/** The ringing callee goes away; with 486 from the phone this is the recorded busy call. */
function calleeRejectsRinging(ctx: FlowContext, call: Call, cause: HangupCause, initiator: HangupInitiator): void {
  const { caller } = call;
  const callee = call.requireCallee();
  const dialstatus = dialStatusFor(cause.cause);
  ctx.emit(channelHangupRequest(callee, initiator.via === 'ari' ? ARI_HANGUP_REQUEST : { cause: cause.cause, techCause: cause.techCause }));
  ctx.emit(dial({ caller, peer: callee, dialstatus, dialstring: '' }));
  setVariables(ctx, caller, [['DIALSTATUS', dialstatus]]);
  releaseChannel(ctx, callee);
  publishEndpointDeviceState(ctx.state, ctx.emit, call.to);
  ctx.emit(channelDestroyed(callee, cause));
  continueToHangupPriority(ctx, caller);
  releaseChannel(ctx, caller);
  ctx.emit(channelDestroyed(caller, cause));
  publishEndpointDeviceState(ctx.state, ctx.emit, call.from);
}

/** Not recorded: the originated endpoint is hung up (ARI) or declines (phone) before answering. */
function originatedLegEnds(ctx: FlowContext, call: Call, initiator: HangupInitiator): void {
  const channel = call.caller;
  const cause: HangupCause = initiator.via === 'ari' ? { cause: initiator.cause } : USER_BUSY;
  ctx.emit(channelHangupRequest(channel, initiator.via === 'ari' ? ARI_HANGUP_REQUEST : { cause: cause.cause, techCause: cause.techCause }));
  const dialstatus = initiator.via === 'ari' ? 'CANCEL' : dialStatusFor(cause.cause);
  ctx.emit(dial({ caller: undefined, peer: channel, dialstatus, dialstring: call.from }));
  releaseChannel(ctx, channel);
  ctx.emit(channelDestroyed(channel, cause));
  publishEndpointDeviceState(ctx.state, ctx.emit, call.from);
}

function clearBridgeVariables(ctx: FlowContext, first: ChannelRecord, second: ChannelRecord): void {
  for (const channel of [first, second]) {
    setVariables(ctx, channel, [
      ['BRIDGEPEER', ''],
      ['BRIDGEPVTCALLID', ''],
    ]);
  }
}

function leaveBridge(ctx: FlowContext, bridge: BridgeRecord, channel: ChannelRecord): void {
  bridge.channels = bridge.channels.filter((id) => id !== channel.id);
  ctx.emit(channelLeftBridge(bridge, channel));
}

function destroyBridge(ctx: FlowContext, bridge: BridgeRecord): void {
  ctx.state.bridges.delete(bridge.id);
  ctx.emit(bridgeDestroyed(bridge));
}

/** app_dial's DIALSTATUS for a peer that hung up with this cause before answering. */
function dialStatusFor(cause: number): string {
  if (cause === 17) return 'BUSY';
  if (cause === 34 || cause === 38) return 'CONGESTION';
  return 'NOANSWER';
}
