import { randomUUID } from 'node:crypto';
import { channelCreated, channelDestroyed, channelHangupRequest, channelStateChange, channelVarset } from './ari-events.js';
import { releaseChannel } from './call-model.js';
import { publishEndpointDeviceState } from './device-states.js';
import type { FlowContext } from './flow-context.js';
import type { ChannelRecord } from './pbx-state.js';

export interface InboundCallOptions {
  /** The trunk's PJSIP endpoint (its name). */
  trunk: string;
  /** The number the provider sends as the request URI user. */
  did: string;
  callerNumber: string;
  callerName?: string;
}

/**
 * Not recorded (the recordings have no trunk): a provider's INVITE arrives on
 * the trunk's endpoint and runs its inbound context, which sets the
 * inheritable PBX_TRUNK and PBX_DID as `Set(__PBX_TRUNK=…)` does: one
 * ChannelVarset each, named as written (with the underscores). Built from the
 * recorded shapes of a phone's incoming channel.
 */
export function arriveFromTrunk(ctx: FlowContext, options: InboundCallOptions): ChannelRecord {
  const endpoint = ctx.state.requireEndpoint(options.trunk);
  const channel = ctx.state.newChannel(endpoint, { state: 'Ring' });
  channel.caller = { name: options.callerName ?? '', number: options.callerNumber };
  channel.dialplan = { ...channel.dialplan, context: `pbx-inbound-${options.trunk}`, exten: options.did };
  ctx.emit(channelCreated(channel));
  channel.protocolId = randomUUID();
  setChannelVariable(ctx, channel, '__PBX_TRUNK', options.trunk);
  setChannelVariable(ctx, channel, '__PBX_DID', options.did);
  publishEndpointDeviceState(ctx.state, ctx.emit, options.trunk);
  return channel;
}

/** The dialplan (or the phone it rang) answers the trunk's channel. */
export function answerInbound(ctx: FlowContext, channel: ChannelRecord): void {
  channel.state = 'Up';
  ctx.emit(channelStateChange(channel));
  publishEndpointDeviceState(ctx.state, ctx.emit, channel.endpoint);
}

/** The provider hangs up (BYE or CANCEL): normal clearing. */
export function endInbound(ctx: FlowContext, channel: ChannelRecord): void {
  ctx.emit(channelHangupRequest(channel, { cause: 16 }));
  releaseChannel(ctx, channel);
  ctx.emit(channelDestroyed(channel, { cause: 16 }));
  publishEndpointDeviceState(ctx.state, ctx.emit, channel.endpoint);
}

/** pbx_builtin_setvar_helper on a channel: stored without the underscores, announced as written. */
export function setChannelVariable(ctx: FlowContext, channel: ChannelRecord, name: string, value: string): void {
  channel.variables.set(name.replace(/^__?/, ''), value);
  ctx.emit(channelVarset(channel, name, value));
}
