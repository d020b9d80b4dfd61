import type { AriEvent } from '../../pbx/ari/types.js';
import { AriRequestError, type PhoneAriRequests, type RecordOptions } from './ari-rest.js';

/** The channel is gone (hung up, or out of our application), or ARI went away, while something waited on it. */
export class ChannelGone extends Error {
  override name = 'ChannelGone';
  constructor(readonly why: 'hangup' | 'disconnected') {
    super(why === 'hangup' ? 'the call ended' : 'the connection to Asterisk was lost');
  }
}

export class WaitTimedOut extends Error {
  override name = 'WaitTimedOut';
}

export type PlaybackOutcome = 'done' | 'failed';
export type RecordingOutcome = { state: 'done' | 'failed' | 'channel-gone'; cause?: string };

type Waiter = { test: (event: AriEvent) => unknown; resolve: (value: unknown) => void; reject: (error: Error) => void };

/**
 * One channel this server originated into its ARI application, seen
 * through the events Asterisk sends about it: waits for what the dialogue
 * needs next (the answer, a playback's or recording's end, a key) and fails
 * every wait once the channel is gone or ARI is lost.
 */
export class CallChannel {
  /** Set by ChannelHangupRequest: Asterisk reports the interrupted playback as failed before the channel leaves. */
  hangupRequested = false;
  answered = false;
  gone: ChannelGone | null = null;
  /** ChannelDestroyed's cause (Q.850) and text, once destroyed. */
  destroyed: { cause: number; text: string } | null = null;
  private readonly waiters = new Set<Waiter>();
  private readonly digits: string[] = [];
  private playbacks = 0;

  constructor(
    readonly id: string,
    private readonly ari: PhoneAriRequests,
  ) {}

  deliver(event: AriEvent): void {
    const data = event as { type: string; digit?: string; cause?: number; cause_txt?: string };
    if (data.type === 'StasisStart') this.answered = true;
    if (data.type === 'ChannelHangupRequest') this.hangupRequested = true;
    if (data.type === 'ChannelDtmfReceived' && data.digit) this.digits.push(data.digit);
    if (data.type === 'ChannelDestroyed') this.destroyed = { cause: data.cause ?? 0, text: data.cause_txt ?? '' };
    for (const waiter of [...this.waiters]) {
      const value = waiter.test(event);
      if (value !== undefined) {
        this.waiters.delete(waiter);
        waiter.resolve(value);
      }
    }
    if (data.type === 'StasisEnd' || data.type === 'ChannelDestroyed') this.end(new ChannelGone('hangup'));
  }

  /** ARI is gone: nothing more will be heard of this channel. */
  lose(): void {
    this.end(new ChannelGone('disconnected'));
  }

  /** Resolves with the first non-undefined `test(event)`; rejects on timeout or when the channel is gone (unless `survivesEnd`, which then resolves with `onEnd`). */
  waitFor<T>(test: (event: AriEvent) => T | undefined, timeoutMs: number, options: { onEnd?: T } = {}): Promise<T> {
    const survivesEnd = 'onEnd' in options;
    if (this.gone) return survivesEnd ? Promise.resolve(options.onEnd as T) : Promise.reject(this.gone);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new WaitTimedOut(`no answer from Asterisk within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      timer.unref();
      const waiter: Waiter = {
        test,
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value as T);
        },
        reject: (error) => {
          clearTimeout(timer);
          if (survivesEnd && error instanceof ChannelGone && error.why === 'hangup') resolve(options.onEnd as T);
          else reject(error);
        },
      };
      this.waiters.add(waiter);
    });
  }

  /** Plays the media URIs as one playback; 'failed' when Asterisk could not play them (or the caller hung up meanwhile). */
  async play(media: string[], timeoutMs: number): Promise<PlaybackOutcome> {
    const playbackId = this.nextPlaybackId();
    const finished = this.waitFor((e) => finishedPlayback(e, playbackId), timeoutMs, { onEnd: 'failed' as PlaybackOutcome });
    finished.catch(() => undefined);
    try {
      await this.command(() => this.ari.play(this.id, media, playbackId));
    } catch (error) {
      if (error instanceof ChannelGone && error.why === 'hangup') return 'failed';
      throw error;
    }
    return finished;
  }

  /**
   * Plays the media and listens for a key meanwhile: a key stops the
   * playback and is returned; null when the playback ended without one.
   */
  async playUntilKey(media: string[], timeoutMs: number): Promise<string | null> {
    this.digits.length = 0;
    const playbackId = this.nextPlaybackId();
    const finished = this.waitFor((e) => finishedPlayback(e, playbackId), timeoutMs);
    finished.catch(() => undefined);
    const key = this.waitFor((e) => (e.type === 'ChannelDtmfReceived' ? 'key' : undefined), timeoutMs);
    key.catch(() => undefined);
    await this.command(() => this.ari.play(this.id, media, playbackId));
    const first = await Promise.race([finished, key]);
    if (first === 'key') {
      await this.ari.stopPlayback(playbackId);
      await finished.catch((error: unknown) => {
        if (error instanceof ChannelGone) throw error;
      });
      return this.digits.shift() ?? null;
    }
    return null;
  }

  /** The next key pressed (also one pressed since the last call), or null after `timeoutMs`. */
  async nextKey(timeoutMs: number): Promise<string | null> {
    const pressed = this.digits.shift();
    if (pressed) return pressed;
    try {
      await this.waitFor((e) => (e.type === 'ChannelDtmfReceived' ? true : undefined), timeoutMs);
    } catch (error) {
      if (error instanceof WaitTimedOut) return null;
      throw error;
    }
    return this.digits.shift() ?? null;
  }

  /** Records until the terminating key, the limits, or the hang-up (a recording is kept then: 'channel-gone' when Asterisk said nothing more). */
  async record(options: RecordOptions, timeoutMs: number): Promise<RecordingOutcome> {
    this.digits.length = 0;
    const outcome = this.waitFor<RecordingOutcome>(
      (e) => {
        const recording = (e as { recording?: { name?: string; state?: string; cause?: string } }).recording;
        if (recording?.name !== options.name) return undefined;
        if (e.type === 'RecordingFinished') return { state: 'done' };
        if (e.type === 'RecordingFailed') return { state: 'failed', cause: recording.cause };
        return undefined;
      },
      timeoutMs,
      { onEnd: { state: 'channel-gone' } },
    );
    outcome.catch(() => undefined);
    await this.command(() => this.ari.record(this.id, options));
    return outcome;
  }

  async hangup(): Promise<void> {
    if (!this.gone) await this.ari.hangup(this.id);
  }

  /**
   * A request about this channel. Asterisk answers 404 (no such channel) or
   * 409 (not in the application) when the caller hung up before the events
   * saying so arrived: the channel is gone then.
   */
  private async command(request: () => Promise<void>): Promise<void> {
    try {
      await request();
    } catch (error) {
      if (error instanceof AriRequestError && (error.status === 404 || error.status === 409) && /channel/i.test(error.message)) {
        this.end(new ChannelGone('hangup'));
        throw this.gone!;
      }
      throw error;
    }
  }

  private nextPlaybackId(): string {
    this.playbacks += 1;
    return `${this.id}-play-${this.playbacks}`;
  }

  private end(reason: ChannelGone): void {
    if (this.gone) return;
    this.gone = reason;
    for (const waiter of [...this.waiters]) {
      this.waiters.delete(waiter);
      waiter.reject(reason);
    }
  }
}

function finishedPlayback(event: AriEvent, playbackId: string): PlaybackOutcome | undefined {
  if (event.type !== 'PlaybackFinished') return undefined;
  const playback = (event as { playback?: { id?: string; state?: string } }).playback;
  if (playback?.id !== playbackId) return undefined;
  return playback.state === 'done' ? 'done' : 'failed';
}
