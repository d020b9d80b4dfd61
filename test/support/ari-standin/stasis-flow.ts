import { randomUUID } from 'node:crypto';
import {
  channelCreated,
  channelDestroyed,
  channelDialplan,
  channelHangupRequest,
  channelStateChange,
  channelVarset,
  playbackFinished,
  playbackStarted,
  stasisEnd,
  stasisStart,
  type AriEvent,
  type PlaybackJson,
} from './ari-events.js';
import { releaseChannel } from './call-model.js';
import { publishEndpointDeviceState } from './device-states.js';
import type { FlowContext } from './flow-context.js';
import type { ChannelRecord } from './pbx-state.js';

/** What tests hold on to: a phone's call that the dialplan handed to a Stasis application. */
export interface StasisCallHandle {
  readonly channelId: string;
  readonly from: string;
  readonly app: string;
  readonly args: readonly string[];
  /** `in-stasis` while the application has it; `failed` when no socket held the app (STASISSTATUS=FAILED); `ended` once hung up. */
  readonly status: 'in-stasis' | 'failed' | 'ended';
  /** Media URIs of the playbacks the application started, in order. */
  readonly played: readonly string[];
  /** The cause of ChannelDestroyed, once ended. */
  readonly hangupCause: number | undefined;
}

export class StasisCall implements StasisCallHandle {
  status: StasisCallHandle['status'] = 'in-stasis';
  readonly played: string[] = [];
  /** Playbacks queued or playing, by id (GET /playbacks/{id}); a finished one is gone, as recorded. */
  readonly playbacks = new Map<string, PlaybackJson>();
  hangupCause: number | undefined;

  constructor(
    readonly channel: ChannelRecord,
    readonly from: string,
    readonly app: string,
    readonly args: readonly string[],
  ) {}

  get channelId(): string {
    return this.channel.id;
  }
}

/** Sends an event to one application only (StasisStart, StasisEnd); false when no socket holds it. */
export type PublishTo = (app: string, event: AriEvent) => boolean;

// ast_softhangup(chan, AST_SOFTHANGUP_EXPLICIT) publishes the flag (0x20) as `cause` (events-stasis-playback-dtmf.jsonl).
const ARI_HANGUP_REQUEST = { cause: 32, soft: true } as const;

function runApp(ctx: FlowContext, channel: ChannelRecord, app: string, data: string): void {
  channel.dialplan = { ...channel.dialplan, app_name: app, app_data: data };
  ctx.emit(channelDialplan(channel));
}

/**
 * A phone dials `exten`, whose dialplan runs Answer() then
 * Stasis(<app>,<args>): the channel comes up, STASISSTATUS is cleared and
 * the application gets StasisStart with the arguments (events-stasis-playback-dtmf.jsonl
 * from `ChannelVarset STASISSTATUS` on). When no WebSocket holds the
 * application, Stasis() sets STASISSTATUS=FAILED and returns to the dialplan.
 */
export function enterStasis(ctx: FlowContext, publishTo: PublishTo, from: string, exten: string, app: string, args: readonly string[]): StasisCall {
  const endpoint = ctx.state.requireEndpoint(from);
  const channel = ctx.state.newChannel(endpoint, { state: 'Ring' });
  channel.dialplan.exten = exten;
  const call = new StasisCall(channel, from, app, args);
  ctx.emit(channelCreated(channel));
  channel.protocolId = randomUUID();
  ctx.emit(channelVarset(channel, 'SIPDOMAIN', ctx.sipDomain));
  runApp(ctx, channel, 'Answer', '');
  channel.state = 'Up';
  ctx.emit(channelStateChange(channel));
  publishEndpointDeviceState(ctx.state, ctx.emit, from);
  runApp(ctx, channel, 'Stasis', [app, ...args].join(','));
  ctx.emit(channelVarset(channel, 'STASISSTATUS', ''));
  if (!publishTo(app, stasisStart(channel, args))) {
    call.status = 'failed';
    ctx.emit(channelVarset(channel, 'STASISSTATUS', 'FAILED'));
  }
  return call;
}

/** POST /channels/{id}/answer on a channel in Stasis: Up (no event when it already is). */
export function answerStasis(ctx: FlowContext, call: StasisCall): void {
  if (call.channel.state === 'Up') return;
  call.channel.state = 'Up';
  ctx.emit(channelStateChange(call.channel));
}

/**
 * POST /channels/{id}/play: answers `queued` at once, then PlaybackStarted
 * and PlaybackFinished (`done`) follow, as recorded for a sound that exists.
 */
export function playOnStasis(ctx: FlowContext, call: StasisCall, media: string, playbackId: string | undefined): PlaybackJson {
  const playback: PlaybackJson = { id: playbackId ?? randomUUID(), media_uri: media, target_uri: `channel:${call.channelId}`, language: 'en', state: 'queued' };
  call.played.push(media);
  call.playbacks.set(playback.id, playback);
  setTimeout(() => {
    if (call.status !== 'in-stasis') return call.playbacks.delete(playback.id);
    playback.state = 'playing';
    ctx.emit(playbackStarted(playback));
    setTimeout(() => {
      call.playbacks.delete(playback.id);
      if (call.status === 'in-stasis') ctx.emit(playbackFinished({ ...playback, state: 'done' }));
    }, 5);
  }, 2);
  return { ...playback };
}

/** DELETE /channels/{id} of a channel in Stasis: the hangup request, StasisEnd to its application, STASISSTATUS=SUCCESS, ChannelDestroyed. */
export function hangupStasis(ctx: FlowContext, publishTo: PublishTo, call: StasisCall, cause: number): void {
  const { channel } = call;
  ctx.emit(channelHangupRequest(channel, ARI_HANGUP_REQUEST));
  if (call.status === 'in-stasis') {
    publishTo(call.app, stasisEnd(channel));
    ctx.emit(channelVarset(channel, 'STASISSTATUS', 'SUCCESS'));
  }
  call.status = 'ended';
  call.hangupCause = cause;
  releaseChannel(ctx, channel);
  ctx.emit(channelDestroyed(channel, { cause }));
  publishEndpointDeviceState(ctx.state, ctx.emit, call.from);
}
