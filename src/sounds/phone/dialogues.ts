import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../../logger.js';
import { AriRequestError, type PhoneAriRequests, type RecordOptions } from './ari-rest.js';
import { ChannelGone, WaitTimedOut, type CallChannel, type RecordingOutcome } from './channel.js';
import type { PromptPhoneCall, PromptPhoneCallFailure, PromptPhoneCallState } from './model.js';
import { fileMedia, guide, reviewKeys, storedRecordingMedia } from './prompts.js';
import { wavDurationMs } from './wav.js';

/** The times and limits of the dialogue; the defaults are what a person on the phone gets. */
export type DialogueTiming = {
  /** Longest recording (the prompt limit of the library is longer). */
  maxRecordingSeconds: number;
  /** Silence that ends a recording as the pound key does. */
  maxSilenceSeconds: number;
  /** A recording shorter than this is taken as nothing said. */
  minRecordingMs: number;
  /** Tries to record something before giving up. */
  recordAttempts: number;
  /** How long the review menu waits for a key after it was said. */
  reviewKeyWaitMs: number;
  /** Times the review menu is said without a key before the recording is kept as it is. */
  reviewRounds: number;
  /** Upper bound of one playback (prompts of the library last up to 10 minutes). */
  playbackTimeoutMs: number;
  /** Beyond the ring time, how long Asterisk may take to report an answer or its absence. */
  answerSlackMs: number;
  /** Largest recording fetched from Asterisk. */
  maxRecordingBytes: number;
};

export const defaultTiming: DialogueTiming = {
  maxRecordingSeconds: 300,
  maxSilenceSeconds: 5,
  minRecordingMs: 300,
  recordAttempts: 3,
  reviewKeyWaitMs: 8000,
  reviewRounds: 3,
  playbackTimeoutMs: 11 * 60_000,
  answerSlackMs: 15_000,
  maxRecordingBytes: 50 * 1024 * 1024,
};

/** What a dialogue works with: its call, the channel, and how it reports progress. */
export type DialogueContext = {
  call: Readonly<PromptPhoneCall>;
  channel: CallChannel;
  requests: PhoneAriRequests;
  ringSeconds: number;
  timing: DialogueTiming;
  log: Logger;
  update(state: PromptPhoneCallState, patch?: Partial<PromptPhoneCall>): void;
  fail(failure: PromptPhoneCallFailure, reason: string): void;
};

/** Where Asterisk keeps a recording of this call (its spool's recording folder; deleted when the call is over). */
export const recordingName = (callId: string) => `pbx-prompt-rec-${callId}`;

/**
 * Waits until the extension answers (its channel enters our application);
 * false, with the call FAILED, when it did not: busy, no answer within the
 * ring time, or it could not be reached.
 */
export async function answered(ctx: DialogueContext): Promise<boolean> {
  const { channel } = ctx;
  try {
    if (!channel.answered) await channel.waitFor((e) => (e.type === 'StasisStart' ? true : undefined), ctx.ringSeconds * 1000 + ctx.timing.answerSlackMs);
    return true;
  } catch (error) {
    if (error instanceof WaitTimedOut) {
      await channel.hangup().catch(() => undefined);
      ctx.fail('NO_ANSWER', `extension ${ctx.call.extension} did not answer within ${ctx.ringSeconds} s`);
      return false;
    }
    if (error instanceof ChannelGone && error.why === 'hangup') {
      const [failure, reason] = unanswered(ctx.call.extension, ctx.ringSeconds, channel.destroyed);
      ctx.fail(failure, reason);
      return false;
    }
    throw error;
  }
}

/** Why an originated call ended before it was answered, from ChannelDestroyed's cause (as Asterisk 22 reports them). */
function unanswered(extension: string, ringSeconds: number, destroyed: { cause: number; text: string } | null): [PromptPhoneCallFailure, string] {
  const cause = destroyed?.cause;
  if (cause === 17) return ['BUSY', `extension ${extension} is busy`];
  if (cause === 21) return ['BUSY', `extension ${extension} declined the call`];
  if (cause === 18 || cause === 19) return ['NO_ANSWER', `extension ${extension} did not answer within ${ringSeconds} s`];
  return ['UNREACHABLE', `extension ${extension} could not be reached${destroyed?.text ? ` (${destroyed.text})` : ''}`];
}

/**
 * PLAY: the prompt's file by absolute path, then the call is hung up.
 * Hanging up before the end is HUNG_UP; a file Asterisk cannot read is
 * PLAYBACK_FAILED.
 */
export async function playDialogue(ctx: DialogueContext, pathWithoutExtension: string): Promise<void> {
  if (!(await answered(ctx))) return;
  const { channel } = ctx;
  ctx.update('PLAYING');
  const outcome = await channel.play([fileMedia(pathWithoutExtension)], ctx.timing.playbackTimeoutMs);
  if (outcome === 'done') {
    await channel.hangup();
    ctx.update('PLAYED');
  } else if (channel.hangupRequested || channel.gone) {
    ctx.fail('HUNG_UP', `extension ${ctx.call.extension} hung up before the prompt ended`);
  } else {
    await channel.hangup();
    ctx.fail('PLAYBACK_FAILED', `Asterisk could not play ${pathWithoutExtension} (.wav or .sln16): it must be able to read the sound library at this path`);
  }
}

/** Stores the recording as a prompt (the sound library converts it); returns its id. */
export type SaveRecording = (filePath: string) => Promise<{ id: string }>;

/**
 * RECORD, the dialogue voicemail users know: the instructions, a beep,
 * recording until `#`, silence, the time limit or the hang-up; then the
 * review menu (1 keep, 2 listen, 3 record again). Hanging up after
 * speaking keeps the recording, as the instructions say; hanging up before
 * the beep, or saying nothing, keeps nothing. Asterisk's copy of the
 * recording is fetched through ARI and deleted whatever happens.
 */
export async function recordDialogue(ctx: DialogueContext, save: SaveRecording): Promise<void> {
  if (!(await answered(ctx))) return;
  const { channel, call } = ctx;
  ctx.update('ANSWERED');
  await channel.play([guide.instructions], ctx.timing.playbackTimeoutMs);
  if (channel.hangupRequested || channel.gone) {
    ctx.fail('HUNG_UP', `extension ${call.extension} hung up before the recording started`);
    return;
  }
  const name = recordingName(call.id);
  const work = await mkdtemp(join(tmpdir(), 'pbx-prompt-recording-'));
  try {
    for (let attempt = 1; ; attempt++) {
      ctx.update('RECORDING');
      let outcome: RecordingOutcome;
      try {
        outcome = await channel.record(recordOptions(name, ctx.timing), ctx.timing.maxRecordingSeconds * 1000 + 60_000);
      } catch (error) {
        if (!(error instanceof AriRequestError)) throw error;
        await goodbye(channel, guide.failed);
        // 500 is what Asterisk answers when its spool has no `recording` folder (it does not create it).
        ctx.fail('ASTERISK_ERROR', `Asterisk could not start the recording (${error.message}); it records into the recording folder of its spool, which must exist`);
        return;
      }
      if (outcome.state === 'failed') {
        await goodbye(channel, guide.failed);
        ctx.fail('ASTERISK_ERROR', `Asterisk could not record${outcome.cause ? `: ${outcome.cause}` : ''}`);
        return;
      }
      const file = join(work, `take-${attempt}.wav`);
      const recordedMs = await fetchRecording(ctx, name, file);
      if (recordedMs < ctx.timing.minRecordingMs) {
        if (channel.gone || channel.hangupRequested) {
          ctx.fail('NOTHING_RECORDED', `extension ${call.extension} hung up before anything was recorded`);
          return;
        }
        if (attempt >= ctx.timing.recordAttempts) {
          await goodbye(channel, guide.failed);
          ctx.fail('NOTHING_RECORDED', `nothing was recorded in ${attempt} attempts`);
          return;
        }
        await channel.play([guide.tryAgain], ctx.timing.playbackTimeoutMs);
        continue;
      }
      if (!channel.gone && !channel.hangupRequested) {
        ctx.update('REVIEWING');
        if ((await review(channel, name, ctx.timing)) === 'reRecord') continue;
      }
      ctx.update('SAVING');
      let prompt: { id: string };
      try {
        prompt = await save(file);
      } catch (error) {
        ctx.fail('SAVE_FAILED', `the recording could not be stored: ${(error as Error).message}`);
        await goodbye(channel, guide.failed);
        return;
      }
      ctx.update('SAVED', { promptId: prompt.id, recordedMs });
      await goodbye(channel, guide.saved);
      return;
    }
  } finally {
    await rm(work, { recursive: true, force: true });
    await ctx.requests
      .deleteStoredRecording(name)
      .catch((err: unknown) => ctx.log.warn({ err, recording: name }, 'prompt recording: deleting the stored recording in Asterisk failed; removed at the next connect'));
  }
}

function recordOptions(name: string, timing: DialogueTiming): RecordOptions {
  return { name, format: 'wav', maxDurationSeconds: timing.maxRecordingSeconds, maxSilenceSeconds: timing.maxSilenceSeconds, beep: true, terminateOn: '#', ifExists: 'overwrite' };
}

/** Asterisk's stored recording into `file` (GET /recordings/stored/{name}/file); its length, 0 when there is none. */
async function fetchRecording(ctx: DialogueContext, name: string, file: string): Promise<number> {
  try {
    await ctx.requests.downloadStoredRecording(name, file, ctx.timing.maxRecordingBytes);
  } catch (error) {
    if (error instanceof AriRequestError && error.status === 404) return 0;
    throw error;
  }
  return wavDurationMs(file);
}

/** The review menu until a choice; no choice at all (or a hang-up) keeps the recording. */
async function review(channel: CallChannel, name: string, timing: DialogueTiming): Promise<'accept' | 'reRecord'> {
  try {
    let rounds = 0;
    let listened = 0;
    while (rounds < timing.reviewRounds) {
      const key = (await channel.playUntilKey([guide.review], timing.playbackTimeoutMs)) ?? (await channel.nextKey(timing.reviewKeyWaitMs));
      if (key === reviewKeys.accept) return 'accept';
      if (key === reviewKeys.reRecord) return 'reRecord';
      if (key === reviewKeys.listen && listened < 10) {
        listened += 1;
        const during = await channel.playUntilKey([storedRecordingMedia(name)], timing.playbackTimeoutMs);
        if (during === reviewKeys.accept) return 'accept';
        if (during === reviewKeys.reRecord) return 'reRecord';
        continue;
      }
      rounds += 1;
    }
    return 'accept';
  } catch (error) {
    if (error instanceof ChannelGone && error.why === 'hangup') return 'accept';
    throw error;
  }
}

/** The closing words, then the hang-up (the caller may be gone already). */
async function goodbye(channel: CallChannel, first: string): Promise<void> {
  if (channel.gone || channel.hangupRequested) return;
  await channel.play([first, guide.goodbye], 30_000).catch(() => undefined);
  await channel.hangup().catch(() => undefined);
}
