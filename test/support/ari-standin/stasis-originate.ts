import { randomUUID } from 'node:crypto';
import { channelCallerId, channelConnectedLine, channelCreated, channelDestroyed, channelDialplan, channelHangupRequest, channelStateChange, channelVarset, dial, stasisStart } from './ari-events.js';
import { releaseChannel } from './call-model.js';
import { publishEndpointDeviceState } from './device-states.js';
import type { FlowContext } from './flow-context.js';
import { channelJson } from './pbx-state.js';
import type { CallerIdJson, ChannelJson } from './snapshots.js';
import { StasisCall, type PublishTo } from './stasis-flow.js';

const OUTGOING_LINE = '(Outgoing Line)';

export interface StasisOriginateRequest {
  endpoint: string;
  app: string;
  args: readonly string[];
  callerId: CallerIdJson | undefined;
  channelId: string | undefined;
  /** The dial's timeout in seconds (ARI's `timeout`: 30 when not given, -1 for none). */
  timeoutSeconds: number;
}

/**
 * POST /channels with `app` (events-stasis-playback-dtmf.jsonl up to
 * `Dial RINGING`): Asterisk calls the endpoint and the channel rings; once
 * answered it runs Stasis(<app>,<args>) (answerStasisOriginate). Unanswered
 * within the timeout: ChannelDestroyed with cause 19, SIP 480, as Asterisk
 * 22.10.1 reported it (ringTimesOut). An auto-answering phone skips the
 * ringing, as the dialplan originate does.
 */
export function originateIntoStasis(ctx: FlowContext, request: StasisOriginateRequest, onRingTimeout: (call: StasisCall) => void): { call: StasisCall; response: ChannelJson } {
  const endpoint = ctx.state.requireEndpoint(request.endpoint);
  const channel = ctx.state.newChannel(endpoint, { state: 'Down', id: request.channelId });
  channel.idleApp = { app_name: 'AppDial2', app_data: OUTGOING_LINE };
  const call = new StasisCall(channel, endpoint.resource, request.app, request.args);
  call.status = 'ringing';
  ctx.emit(channelCreated(channel));
  channel.protocolId = randomUUID();
  channel.dialplan = { ...channel.dialplan, ...channel.idleApp };
  ctx.emit(channelDialplan(channel));
  if (request.callerId) {
    channel.caller = { ...request.callerId };
    ctx.emit(channelCallerId(channel));
    channel.connected = { ...request.callerId };
    ctx.emit(channelConnectedLine(channel));
  }
  ctx.emit(dial({ caller: undefined, peer: channel, dialstatus: '', dialstring: endpoint.resource }));
  const response = channelJson(channel);
  if (!endpoint.autoAnswer) {
    channel.state = 'Ringing';
    ctx.emit(channelStateChange(channel));
    publishEndpointDeviceState(ctx.state, ctx.emit, endpoint.resource);
    ctx.emit(dial({ caller: undefined, peer: channel, dialstatus: 'RINGING', dialstring: endpoint.resource }));
  }
  if (request.timeoutSeconds > 0) call.ringTimer = setTimeout(() => onRingTimeout(call), request.timeoutSeconds * 1000);
  return { call, response };
}

/**
 * The endpoint answers: Up, Dial ANSWER, then Stasis(<app>,<args>) runs on
 * the channel (no dialplan event: pbx_exec), STASISSTATUS is cleared and
 * the application gets StasisStart (events-stasis-playback-dtmf.jsonl).
 * Without a socket for the app, Stasis() fails and the channel is hung up.
 */
export function answerStasisOriginate(ctx: FlowContext, publishTo: PublishTo, call: StasisCall): void {
  const { channel } = call;
  clearTimeout(call.ringTimer);
  channel.state = 'Up';
  ctx.emit(channelStateChange(channel));
  ctx.emit(dial({ caller: undefined, peer: channel, dialstatus: 'ANSWER', dialstring: call.from }));
  channel.dialplan = { ...channel.dialplan, app_name: 'Stasis', app_data: [call.app, ...call.args].join(',') };
  ctx.emit(channelVarset(channel, 'STASISSTATUS', ''));
  if (publishTo(call.app, stasisStart(channel, call.args))) {
    call.status = 'in-stasis';
    publishEndpointDeviceState(ctx.state, ctx.emit, call.from);
    return;
  }
  call.status = 'failed';
  ctx.emit(channelVarset(channel, 'STASISSTATUS', 'FAILED'));
  endRinging(ctx, call, { cause: 16 });
}

/** The ringing phone rejects the call with 486 Busy Here (as Asterisk 22.10.1 reported it). */
export function rejectStasisOriginate(ctx: FlowContext, call: StasisCall): void {
  ctx.emit(channelHangupRequest(call.channel, { cause: 17, techCause: 486 }));
  ctx.emit(dial({ caller: undefined, peer: call.channel, dialstatus: 'BUSY', dialstring: call.from }));
  endRinging(ctx, call, { cause: 17, techCause: 486 });
}

/** Nobody answered within the timeout: ChannelDestroyed 19 "User alerting, no answer", SIP 480. */
export function ringTimesOut(ctx: FlowContext, call: StasisCall): void {
  endRinging(ctx, call, { cause: 19, techCause: 480 });
}

/** DELETE /channels/{id} while it rings (as Asterisk 22.10.1 did): the hangup request, Dial NOANSWER, ChannelDestroyed with the cause asked. */
export function hangupRingingStasisOriginate(ctx: FlowContext, call: StasisCall, cause: number): void {
  ctx.emit(channelHangupRequest(call.channel, { cause: 32, soft: true }));
  ctx.emit(dial({ caller: undefined, peer: call.channel, dialstatus: 'NOANSWER', dialstring: call.from }));
  endRinging(ctx, call, { cause });
}

function endRinging(ctx: FlowContext, call: StasisCall, cause: { cause: number; techCause?: number }): void {
  clearTimeout(call.ringTimer);
  if (call.status !== 'failed') call.status = 'ended';
  call.hangupCause = cause.cause;
  releaseChannel(ctx, call.channel);
  ctx.emit(channelDestroyed(call.channel, cause));
  publishEndpointDeviceState(ctx.state, ctx.emit, call.from);
}
