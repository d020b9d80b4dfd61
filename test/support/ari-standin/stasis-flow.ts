import { randomUUID } from 'node:crypto';
import {
  channelCreated,
  channelDestroyed,
  channelDialplan,
  channelHangupRequest,
  channelStateChange,
  channelVarset,
  playbackFinished,
  stasisEnd,
  stasisStart,
  type AriEvent,
  type HangupCause,
  type HangupRequest,
  type LiveRecordingJson,
  type PlaybackJson,
} from './ari-events.js';
import { releaseChannel } from './call-model.js';
import { publishEndpointDeviceState } from './device-states.js';
import type { FlowContext } from './flow-context.js';
import type { ChannelRecord } from './pbx-state.js';

/** What tests hold on to: a call in (or on its way into) a Stasis application. */
export interface StasisCallHandle {
  readonly channelId: string;
  /** The endpoint: the phone that dialled, or the one a POST /channels called. */
  readonly from: string;
  readonly app: string;
  readonly args: readonly string[];
  /**
   * `ringing` while a POST /channels call rings (not in the application yet);
   * `in-stasis` while the application has it; `failed` when no socket held the
   * app (STASISSTATUS=FAILED); `ended` once hung up.
   */
  readonly status: 'ringing' | 'in-stasis' | 'failed' | 'ended';
  /** Media URIs of the playbacks the application started, in order (each URI of a list). */
  readonly played: readonly string[];
  /** Names of the recordings the application started, in order. */
  readonly recordings: readonly string[];
  /** The recording under way: `queued` until RecordingStarted, then `recording`; undefined when none runs. */
  readonly recordingState: 'queued' | 'recording' | undefined;
  /** Media URIs of the playbacks the application stopped (DELETE /playbacks/{id}) while they played. */
  readonly stopped: readonly string[];
  /** The cause of ChannelDestroyed, once ended. */
  readonly hangupCause: number | undefined;
}

/** A playback under way: its URIs play one after the other. */
export interface PlaybackRun {
  json: PlaybackJson;
  uris: string[];
  timer: NodeJS.Timeout | undefined;
}

/** A recording under way (POST /channels/{id}/record). */
export interface RecordingRun {
  json: LiveRecordingJson;
  startedAtMs: number;
  terminateOn: string;
  maxSilenceSeconds: number;
  append: boolean;
  timer: NodeJS.Timeout | undefined;
}

export class StasisCall implements StasisCallHandle {
  status: StasisCallHandle['status'] = 'in-stasis';
  readonly played: string[] = [];
  readonly recordings: string[] = [];
  readonly stopped: string[] = [];
  /** Playbacks queued or playing, by id (GET /playbacks/{id}); a finished one is gone, as recorded. */
  readonly playbacks = new Map<string, PlaybackRun>();
  recording: RecordingRun | undefined;
  hangupCause: number | undefined;
  /** POST /channels: the dial's timeout while it rings. */
  ringTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly channel: ChannelRecord,
    readonly from: string,
    readonly app: string,
    readonly args: readonly string[],
  ) {}

  get channelId(): string {
    return this.channel.id;
  }

  get recordingState(): StasisCallHandle['recordingState'] {
    const state = this.recording?.json.state;
    return state === 'queued' || state === 'recording' ? state : undefined;
  }

  /** Stops every timer (a restart: the call is gone without events). */
  dispose(): void {
    clearTimeout(this.ringTimer);
    for (const run of this.playbacks.values()) clearTimeout(run.timer);
    this.playbacks.clear();
    clearTimeout(this.recording?.timer);
    this.recording = undefined;
    if (this.status !== 'failed') this.status = 'ended';
  }
}

/** Sends an event to one application only (StasisStart, StasisEnd); false when no socket holds it. */
export type PublishTo = (app: string, event: AriEvent) => boolean;

/** Asterisk's recording ends as the hang-up begins (RecordingFinished before StasisEnd, seen on Asterisk 22.10.1). */
export type EndRecording = (call: StasisCall) => void;

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
 * DELETE /channels/{id} of a channel in Stasis: the hangup request, its
 * recording's end, StasisEnd to its application, STASISSTATUS=SUCCESS,
 * ChannelDestroyed (events-stasis-playback-dtmf.jsonl).
 */
export function hangupStasis(ctx: FlowContext, publishTo: PublishTo, call: StasisCall, cause: number, endRecording: EndRecording): void {
  leaveStasis(ctx, publishTo, call, ARI_HANGUP_REQUEST, { cause }, endRecording);
}

/**
 * The phone hangs up (BYE) a call in Stasis. Not in the recordings; as
 * Asterisk 22.10.1 did it: ChannelHangupRequest without a cause, the
 * recording under way finished and kept, the playing playback `failed`,
 * StasisEnd, and ChannelDestroyed with cause 0.
 */
export function phoneHangsUpStasis(ctx: FlowContext, publishTo: PublishTo, call: StasisCall, endRecording: EndRecording): void {
  leaveStasis(ctx, publishTo, call, {}, { cause: 0 }, endRecording);
}

function leaveStasis(ctx: FlowContext, publishTo: PublishTo, call: StasisCall, request: HangupRequest, destroyed: HangupCause, endRecording: EndRecording): void {
  const { channel } = call;
  ctx.emit(channelHangupRequest(channel, request));
  if (call.recording) endRecording(call);
  for (const [id, run] of call.playbacks) {
    clearTimeout(run.timer);
    call.playbacks.delete(id);
    if (run.json.state === 'playing') ctx.emit(playbackFinishedAs(run.json, 'failed'));
  }
  if (call.status === 'in-stasis') {
    publishTo(call.app, stasisEnd(channel));
    ctx.emit(channelVarset(channel, 'STASISSTATUS', 'SUCCESS'));
  }
  call.status = 'ended';
  call.hangupCause = destroyed.cause;
  releaseChannel(ctx, channel);
  ctx.emit(channelDestroyed(channel, destroyed));
  publishEndpointDeviceState(ctx.state, ctx.emit, call.from);
}

/** A playback's end as reported: the last URI, without a next one. */
export function playbackFinishedAs(json: PlaybackJson, state: 'done' | 'failed'): AriEvent {
  const { next_media_uri: _next, ...rest } = json;
  return playbackFinished({ ...rest, state });
}
