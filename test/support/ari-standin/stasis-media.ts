import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { channelDtmfReceived, playbackContinuing, playbackStarted, recordingFinished, recordingStarted, type LiveRecordingJson, type PlaybackJson } from './ari-events.js';
import type { FlowContext } from './flow-context.js';
import { playbackFinishedAs, type PlaybackRun, type RecordingRun, type StasisCall } from './stasis-flow.js';
import { spokenAudio, type StoredRecordings } from './stored-recordings.js';

/** How long each media URI of a playback lasts here (Asterisk plays the file's length). */
export type MediaTiming = { playbackMs: number };

/**
 * Whether Asterisk would find the media: `recording:<name>` when stored,
 * `sound:/absolute/path` when a file of that base name exists (any format);
 * other sounds are taken to be installed.
 */
export function mediaExists(uri: string, stored: StoredRecordings): boolean {
  if (uri.startsWith('recording:')) return stored.has(uri.slice('recording:'.length));
  if (uri.startsWith('sound:/')) {
    const path = uri.slice('sound:'.length);
    const dir = dirname(path);
    return existsSync(dir) && readdirSync(dir).some((entry) => entry.startsWith(`${basename(path)}.`));
  }
  return true;
}

/**
 * POST /channels/{id}/play: answers `queued` at once; each URI then sends
 * PlaybackStarted, the next ones after PlaybackContinuing, and the last
 * PlaybackFinished `done` (events-stasis-playback-dtmf.jsonl; lists as
 * Asterisk 22.10.1 played them). Media it cannot find: Started, then
 * Finished `failed` at once, as recorded for `sound:no-such-sound`.
 */
export function playOnStasis(ctx: FlowContext, call: StasisCall, media: string, playbackId: string | undefined, timing: MediaTiming, stored: StoredRecordings): PlaybackJson {
  const uris = media.split(',').filter(Boolean);
  const json: PlaybackJson = {
    id: playbackId ?? randomUUID(),
    media_uri: uris[0] ?? '',
    ...(uris[1] ? { next_media_uri: uris[1] } : {}),
    target_uri: `channel:${call.channelId}`,
    language: 'en',
    state: 'queued',
  };
  const run: PlaybackRun = { json, uris, timer: undefined };
  call.played.push(...uris);
  call.playbacks.set(json.id, run);
  const live = () => call.status === 'in-stasis' && call.playbacks.get(json.id) === run;
  const finish = (state: 'done' | 'failed') => {
    call.playbacks.delete(json.id);
    ctx.emit(playbackFinishedAs(run.json, state));
  };
  const start = (index: number) => {
    if (!live()) return;
    const uri = uris[index]!;
    run.json = { ...run.json, media_uri: uri, state: 'playing' };
    if (uris[index + 1]) run.json.next_media_uri = uris[index + 1];
    else delete run.json.next_media_uri;
    ctx.emit(playbackStarted(run.json));
    if (!mediaExists(uri, stored)) return finish('failed');
    run.timer = setTimeout(() => {
      if (!live()) return;
      if (index + 1 >= uris.length) return finish('done');
      ctx.emit(playbackContinuing({ ...run.json, state: 'continuing' }));
      start(index + 1);
    }, timing.playbackMs);
  };
  run.timer = setTimeout(() => start(0), 2);
  return { ...json };
}

/** DELETE /playbacks/{id}: PlaybackFinished `done` at once (as Asterisk 22.10.1 reported a stopped playback); false when there is none. */
export function stopPlayback(ctx: FlowContext, call: StasisCall, playbackId: string): boolean {
  const run = call.playbacks.get(playbackId);
  if (!run) return false;
  clearTimeout(run.timer);
  call.playbacks.delete(playbackId);
  call.stopped.push(run.json.media_uri);
  ctx.emit(playbackFinishedAs(run.json, 'done'));
  return true;
}

export type RecordRequest = { name: string; format: string; maxDurationSeconds: number; maxSilenceSeconds: number; ifExists: 'fail' | 'overwrite' | 'append'; terminateOn: string };

/**
 * POST /channels/{id}/record (res_stasis_recording): answers `queued`, then
 * RecordingStarted; the recording ends on the terminating key, the time
 * limit or the hang-up with RecordingFinished (`duration` in whole seconds;
 * `talking_duration` and `silence_duration` too when maxSilenceSeconds is
 * set) and is stored. What the phone "says" is a tone lasting as long as
 * the recording ran: silence is never detected here.
 */
export function recordOnStasis(ctx: FlowContext, call: StasisCall, request: RecordRequest, stored: StoredRecordings): LiveRecordingJson {
  const json: LiveRecordingJson = { name: request.name, format: request.format, state: 'queued', target_uri: `channel:${call.channelId}` };
  const run: RecordingRun = { json, startedAtMs: Date.now(), terminateOn: request.terminateOn, maxSilenceSeconds: request.maxSilenceSeconds, append: request.ifExists === 'append', timer: undefined };
  call.recording = run;
  call.recordings.push(request.name);
  run.timer = setTimeout(() => {
    if (call.recording !== run) return;
    run.json = { ...json, state: 'recording' };
    run.startedAtMs = Date.now();
    ctx.emit(recordingStarted(run.json));
    if (request.maxDurationSeconds > 0) run.timer = setTimeout(() => endRecording(ctx, call, stored), request.maxDurationSeconds * 1000);
  }, 1);
  return { ...json };
}

/** The recording under way ends: stored, and RecordingFinished. */
export function endRecording(ctx: FlowContext, call: StasisCall, stored: StoredRecordings): void {
  const run = call.recording;
  if (!run) return;
  clearTimeout(run.timer);
  call.recording = undefined;
  const elapsedMs = run.json.state === 'recording' ? Date.now() - run.startedAtMs : 0;
  stored.store(run.json.name, run.json.format, spokenAudio(elapsedMs), run.append ? 'append' : 'replace');
  const duration = Math.floor(elapsedMs / 1000);
  ctx.emit(recordingFinished({ ...run.json, state: 'done', duration, ...(run.maxSilenceSeconds > 0 ? { talking_duration: duration, silence_duration: 0 } : {}) }));
}

/** The phone sends DTMF (RFC 4733): one ChannelDtmfReceived per key (200 ms, as recorded); a recording's terminating key ends it. */
export function dtmfOnStasis(ctx: FlowContext, call: StasisCall, digits: string, stored: StoredRecordings): void {
  for (const digit of digits) {
    ctx.emit(channelDtmfReceived(call.channel, digit, 200));
    const terminateOn = call.recording?.terminateOn;
    if (terminateOn && terminateOn !== 'none' && (terminateOn === 'any' || terminateOn === digit)) endRecording(ctx, call, stored);
  }
}
