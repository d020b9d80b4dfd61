import { channelVarset } from './ari-events.js';
import type { FlowContext } from './flow-context.js';
import type { BridgeRecord, ChannelRecord } from './pbx-state.js';
import { QOS_SUFFIXES, rtpQosVariables } from './rtp-stats.js';

export type CallPhase = 'originating' | 'ringing' | 'up' | 'ended';

/** What tests hold on to: a two-party call through the dialplan `Dial(PJSIP/<to>,30)`. */
export interface CallHandle {
  /** The caller channel's id (the originated channel for POST /channels). */
  readonly id: string;
  readonly from: string;
  readonly to: string;
  readonly phase: CallPhase;
  readonly callerChannelId: string;
  readonly calleeChannelId: string | undefined;
  readonly bridgeId: string | undefined;
}

export class Call implements CallHandle {
  phase: CallPhase;
  callee: ChannelRecord | undefined;
  bridge: BridgeRecord | undefined;
  dialStartedAtMs = 0;
  answeredAtMs = 0;

  constructor(
    readonly caller: ChannelRecord,
    readonly from: string,
    readonly to: string,
    /** Set for calls placed by POST /channels: the caller leg is the originated channel. */
    readonly originated: boolean,
  ) {
    this.phase = originated ? 'originating' : 'ringing';
  }

  get id(): string {
    return this.caller.id;
  }
  get callerChannelId(): string {
    return this.caller.id;
  }
  get calleeChannelId(): string | undefined {
    return this.callee?.id;
  }
  get bridgeId(): string | undefined {
    return this.bridge?.id;
  }

  requireCallee(): ChannelRecord {
    if (!this.callee) throw new Error(`ARI stand-in: call ${this.id} has no callee leg`);
    return this.callee;
  }

  requireBridge(): BridgeRecord {
    if (!this.bridge) throw new Error(`ARI stand-in: call ${this.id} is not bridged`);
    return this.bridge;
  }
}

export function setVariables(ctx: FlowContext, channel: ChannelRecord, variables: [string, string][]): void {
  for (const [name, value] of variables) ctx.emit(channelVarset(channel, name, value));
}

/** `<NAME>` in whole seconds and `<NAME>_MS`, as app_dial sets its timers. */
export function elapsedVariables(name: string, sinceMs: number): [string, string][] {
  const elapsed = Math.max(0, Date.now() - sinceMs);
  return [
    [name, String(Math.floor(elapsed / 1000))],
    [`${name}_MS`, String(elapsed)],
  ];
}

/** The channel whose RTP ends gets RTPAUDIOQOS*, its bridge peer the same values as *BRIDGED. */
export function setBridgedQos(ctx: FlowContext, ending: ChannelRecord, peer: ChannelRecord, durationMs: number): void {
  const qos = rtpQosVariables(durationMs);
  for (const suffix of QOS_SUFFIXES) {
    ctx.emit(channelVarset(ending, `RTPAUDIOQOS${suffix}`, qos[suffix]));
    ctx.emit(channelVarset(peer, `RTPAUDIOQOS${suffix}BRIDGED`, qos[suffix]));
  }
}

export function setOwnQos(ctx: FlowContext, channel: ChannelRecord, durationMs: number): void {
  const qos = rtpQosVariables(durationMs);
  setVariables(
    ctx,
    channel,
    QOS_SUFFIXES.map((suffix) => [`RTPAUDIOQOS${suffix}`, qos[suffix]]),
  );
}

/** Removes the channel from the live state; it keeps the dialplan app it shows once out of the dialplan. */
export function releaseChannel(ctx: FlowContext, channel: ChannelRecord): void {
  ctx.state.channels.delete(channel.id);
  channel.dialplan = { ...channel.dialplan, ...channel.idleApp };
}
