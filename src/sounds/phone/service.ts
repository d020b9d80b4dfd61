import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import type { Database } from '../../db/client.js';
import { ConflictError, LimitExceededError, NotFoundError, ValidationError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { AriEvent } from '../../pbx/ari/types.js';
import { promptsFolder, type PromptCategory } from '../contract.js';
import { checkSoundName, sameName } from '../names.js';
import { AriRequestError, type PhoneAriRequests } from './ari-rest.js';
import { CallChannel, ChannelGone } from './channel.js';
import { defaultTiming, playDialogue, recordDialogue, recordingName, type DialogueContext, type DialogueTiming } from './dialogues.js';
import { AsteriskNotConnectedError } from '../../errors.js';
import { isFinal, type PromptPhoneCall, type PromptPhoneCallFailure, type PromptPhoneCallKind, type PromptPhoneCallState } from './model.js';

/** What the service needs of the ARI event connection (src/pbx/ari/connection.ts). */
export type PhoneAriEvents = {
  connected(): boolean;
  on(event: 'event', listener: (event: AriEvent) => void): unknown;
  on(event: 'connected' | 'disconnected', listener: () => void): unknown;
};

/** What a recording needs of the sound library (src/sounds/service.ts). */
export type PromptLibrary = {
  addPromptFromFile(input: { name: string; category: PromptCategory; origin: 'UPLOAD' | 'RECORDING'; filePath: string }): Promise<{ id: string; name: string }>;
};

export type PromptPhoneOptions = {
  db: Database;
  /** Connected only on the instance that holds the Asterisk lease; null without ARI_URL. */
  ari: PhoneAriEvents | null;
  requests: PhoneAriRequests | null;
  /** This server's ARI application (ARI_APP): the calls are originated into it. */
  app: string;
  soundsDir: string;
  log: Logger;
  timing?: Partial<DialogueTiming>;
  limits?: Partial<typeof defaultLimits>;
};

const defaultLimits = {
  /** Calls placed at the same time. */
  maxActiveCalls: 20,
  /** A call that has not ended after this long is hung up (a dialogue that waits on something that never comes). */
  maxCallMs: 20 * 60_000,
  /** How long a finished call can still be read. */
  keepFinishedMs: 60 * 60_000,
  maxFinishedKept: 500,
};

export const ringSecondsRange = { min: 5, max: 120, default: 30 } as const;

/** Ids of our channels and Asterisk recordings: what is left of a call after a crash or a lost connection is removed by this prefix. */
const ownPrefix = 'pbx-prompt-';
const channelIdOf = (callId: string) => `${ownPrefix}call-${callId}`;

type ActiveCall = { call: PromptPhoneCall; channel: CallChannel; events: EventEmitter; timer?: NodeJS.Timeout };

/**
 * Prompts by phone (F-4.4.2, F-4.4.3): rings an extension through ARI and
 * either guides the person through recording a new prompt of the library,
 * or plays a prompt to it. The call runs in this server's ARI application:
 * it is a call the server places itself to one extension, never a caller's
 * call (D1). Each call is followed by id while it runs and for an hour
 * after, on the instance that placed it (the one holding the Asterisk lease).
 */
export class PromptPhoneService {
  private readonly calls = new Map<string, ActiveCall>();
  private readonly byChannel = new Map<string, ActiveCall>();
  private readonly timing: DialogueTiming;
  private readonly limits: typeof defaultLimits;

  constructor(private readonly options: PromptPhoneOptions) {
    this.timing = { ...defaultTiming, ...options.timing };
    this.limits = { ...defaultLimits, ...options.limits };
    const { ari, log } = options;
    ari?.on('event', (event) => this.route(event));
    ari?.on('disconnected', () => {
      for (const active of this.byChannel.values()) active.channel.lose();
    });
    ari?.on('connected', () => void this.sweep().catch((err: unknown) => log.warn({ err }, 'prompt calls: removing what lost calls left in Asterisk failed')));
  }

  /** Rings `extension` and guides whoever answers through recording the prompt `name`; answers at once (RINGING, or FAILED when Asterisk could not call it). */
  async recordByPhone(input: { name: string; category: PromptCategory; extension: string; ringSeconds?: number | null }, library: PromptLibrary): Promise<PromptPhoneCall> {
    checkSoundName(input.name, 'prompt', ['input', 'name']);
    if (input.category !== 'IVR' && input.category !== 'CUSTOM') throw ValidationError.single(['input', 'category'], 'IVR or CUSTOM', 'INVALID_VALUE');
    const ringSeconds = checkRingSeconds(input.ringSeconds, ['input', 'ringSeconds']);
    await this.checkPromptNameFree(input.name);
    await this.checkExtension(input.extension, ['input', 'extension']);
    this.checkCanCall(input.extension, ['input', 'extension']);
    const taken = [...this.calls.values()].find((a) => !isFinal(a.call) && a.call.kind === 'RECORD' && sameName(a.call.promptName, input.name));
    if (taken) throw new ConflictError(`prompt ${input.name} is being recorded on extension ${taken.call.extension}`, ['input', 'name']);
    return this.place({ kind: 'RECORD', extension: input.extension, promptName: input.name, category: input.category, promptId: null }, ringSeconds, (ctx) =>
      recordDialogue(ctx, (filePath) => library.addPromptFromFile({ name: input.name, category: input.category, origin: 'RECORDING', filePath })),
    );
  }

  /** Rings `extension` and plays the prompt to whoever answers, then hangs up; answers at once. */
  async playOnExtension(input: { promptId: string; extension: string; ringSeconds?: number | null }): Promise<PromptPhoneCall> {
    const ringSeconds = checkRingSeconds(input.ringSeconds, ['ringSeconds']);
    const prompt = await this.options.db.prisma.prompt.findUnique({ where: { id: input.promptId }, select: { id: true, name: true } });
    if (!prompt) throw new NotFoundError('Prompt', input.promptId);
    await this.checkExtension(input.extension, ['extension']);
    this.checkCanCall(input.extension, ['extension']);
    const path = join(promptsFolder(this.options.soundsDir), prompt.name);
    return this.place({ kind: 'PLAY', extension: input.extension, promptName: prompt.name, category: null, promptId: prompt.id }, ringSeconds, (ctx) => playDialogue(ctx, path));
  }

  /** A call placed by this server instance (running, or finished within the last hour). */
  get(id: string): PromptPhoneCall | null {
    const active = this.calls.get(id);
    return active ? { ...active.call } : null;
  }

  /** The call now, then each change, until it is over; nothing for an unknown id. */
  watch(id: string): AsyncIterableIterator<PromptPhoneCall> {
    const active = this.calls.get(id);
    const pending: PromptPhoneCall[] = active ? [{ ...active.call }] : [];
    let done = !active;
    let wake: ((result: IteratorResult<PromptPhoneCall>) => void) | null = null;
    const listener = (call: PromptPhoneCall) => {
      if (wake) {
        const resolve = wake;
        wake = null;
        resolve({ value: call, done: false });
      } else pending.push(call);
    };
    const stop = () => {
      done = true;
      active?.events.off('change', listener);
      wake?.({ value: undefined, done: true });
      wake = null;
    };
    active?.events.on('change', listener);
    let last: PromptPhoneCall | null = null;
    const iterator: AsyncIterableIterator<PromptPhoneCall> = {
      next: async () => {
        if (done || (last && isFinal(last))) {
          stop();
          return { value: undefined, done: true };
        }
        const result = pending.length ? { value: pending.shift()!, done: false as const } : await new Promise<IteratorResult<PromptPhoneCall>>((resolve) => (wake = resolve));
        if (!result.done) last = result.value;
        return result;
      },
      return: async () => {
        stop();
        return { value: undefined, done: true };
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  private async place(
    what: { kind: PromptPhoneCallKind; extension: string; promptName: string; category: PromptCategory | null; promptId: string | null },
    ringSeconds: number,
    dialogue: (ctx: DialogueContext) => Promise<void>,
  ): Promise<PromptPhoneCall> {
    const requests = this.requireAsterisk();
    const now = new Date().toISOString();
    const id = randomUUID();
    const call: PromptPhoneCall = { id, ...what, state: 'RINGING', failure: null, failureReason: null, recordedMs: null, startedAt: now, updatedAt: now };
    const active: ActiveCall = { call, channel: new CallChannel(channelIdOf(id), requests), events: new EventEmitter() };
    this.forgetOldCalls();
    this.calls.set(id, active);
    this.byChannel.set(active.channel.id, active);
    const ctx = this.contextOf(active, requests, ringSeconds);
    try {
      await requests.originate({
        endpoint: `PJSIP/${what.extension}`,
        app: this.options.app,
        appArgs: ['prompt-phone', what.kind.toLowerCase()],
        channelId: active.channel.id,
        callerId: what.kind === 'RECORD' ? 'Prompt recording' : 'Prompt playback',
        timeoutSeconds: ringSeconds,
      });
    } catch (error) {
      // chan_pjsip cannot create a channel for an endpoint without a contact: 500 "Allocation failed".
      if (error instanceof AriRequestError && error.status === 500) ctx.fail('UNREACHABLE', `extension ${what.extension} is not registered (Asterisk could not call it)`);
      else ctx.fail(this.options.ari?.connected() ? 'ASTERISK_ERROR' : 'ASTERISK_DISCONNECTED', `Asterisk did not place the call: ${(error as Error).message}`);
      this.finish(active);
      return { ...call };
    }
    this.options.log.info({ call: id, kind: what.kind, extension: what.extension, prompt: what.promptName }, 'prompt call placed');
    active.timer = setTimeout(() => {
      ctx.fail('TIMED_OUT', `the call took longer than ${Math.round(this.limits.maxCallMs / 60_000)} minutes`);
      void active.channel.hangup().catch(() => undefined);
      active.channel.lose();
    }, this.limits.maxCallMs);
    active.timer.unref();
    void this.run(active, ctx, dialogue);
    return { ...call };
  }

  private async run(active: ActiveCall, ctx: DialogueContext, dialogue: (ctx: DialogueContext) => Promise<void>): Promise<void> {
    try {
      await dialogue(ctx);
      if (!isFinal(active.call)) ctx.fail('ASTERISK_ERROR', 'the call ended without an outcome');
    } catch (error) {
      if (error instanceof ChannelGone && error.why === 'disconnected') {
        ctx.fail('ASTERISK_DISCONNECTED', 'the connection to Asterisk was lost during the call');
      } else if (error instanceof ChannelGone) {
        ctx.fail('HUNG_UP', `extension ${active.call.extension} hung up`);
      } else if (!(this.options.ari?.connected() ?? false)) {
        ctx.fail('ASTERISK_DISCONNECTED', 'the connection to Asterisk was lost during the call');
      } else if (active.channel.gone || active.channel.hangupRequested) {
        ctx.fail('HUNG_UP', `extension ${active.call.extension} hung up`);
      } else {
        this.options.log.error({ err: error, call: active.call.id }, 'prompt call failed');
        ctx.fail('ASTERISK_ERROR', `the call failed: ${(error as Error).message}`);
        await active.channel.hangup().catch(() => undefined);
      }
    } finally {
      this.finish(active);
    }
  }

  private contextOf(active: ActiveCall, requests: PhoneAriRequests, ringSeconds: number): DialogueContext {
    const { log } = this.options;
    const change = (patch: Partial<PromptPhoneCall>) => {
      if (isFinal(active.call)) return;
      Object.assign(active.call, patch, { updatedAt: new Date().toISOString() });
      if (isFinal(active.call)) log.info({ call: active.call.id, state: active.call.state, failure: active.call.failure, reason: active.call.failureReason }, 'prompt call over');
      active.events.emit('change', { ...active.call });
    };
    return {
      call: active.call,
      channel: active.channel,
      requests,
      ringSeconds,
      timing: this.timing,
      log,
      update: (state: PromptPhoneCallState, patch: Partial<PromptPhoneCall> = {}) => change({ ...patch, state }),
      fail: (failure: PromptPhoneCallFailure, reason: string) => change({ state: 'FAILED', failure, failureReason: reason }),
    };
  }

  private finish(active: ActiveCall): void {
    clearTimeout(active.timer);
    this.byChannel.delete(active.channel.id);
  }

  private route(event: AriEvent): void {
    const channelId = channelOf(event);
    if (channelId) this.byChannel.get(channelId)?.channel.deliver(event);
  }

  /** After a (re)connect: hangs up our channels and deletes our recordings that no running call owns (left by a lost connection or a restart). */
  private async sweep(): Promise<void> {
    const requests = this.options.requests;
    if (!requests) return;
    const owned = new Set([...this.byChannel.keys(), ...[...this.byChannel.values()].map((a) => recordingName(a.call.id))]);
    for (const id of await requests.channelIds()) if (id.startsWith(ownPrefix) && !owned.has(id)) await requests.hangup(id);
    // Without the spool's recording folder Asterisk cannot list recordings (500): then there is nothing to remove either.
    const recordings = await requests.storedRecordings().catch(() => [] as string[]);
    for (const name of recordings) if (name.startsWith(ownPrefix) && !owned.has(name)) await requests.deleteStoredRecording(name);
  }

  private requireAsterisk(): PhoneAriRequests {
    if (!this.options.requests || !this.options.ari?.connected()) throw new AsteriskNotConnectedError();
    return this.options.requests;
  }

  private checkCanCall(extension: string, path: string[]): void {
    this.requireAsterisk();
    const running = [...this.calls.values()].filter((a) => !isFinal(a.call));
    if (running.some((a) => a.call.extension === extension)) throw new ConflictError(`extension ${extension} is being called for a prompt already`, path);
    if (running.length >= this.limits.maxActiveCalls) {
      throw new LimitExceededError('promptCalls', this.limits.maxActiveCalls, `At most ${this.limits.maxActiveCalls} prompt calls run at the same time`);
    }
  }

  private async checkExtension(number: string, path: string[]): Promise<void> {
    const extension = await this.options.db.prisma.extension.findUnique({ where: { number }, select: { enabled: true } });
    if (!extension) throw ValidationError.single(path, `no extension ${number}`, 'NOT_FOUND');
    if (!extension.enabled) throw ValidationError.single(path, `extension ${number} is disabled`, 'DISABLED');
  }

  private async checkPromptNameFree(name: string): Promise<void> {
    const rows = await this.options.db.prisma.prompt.findMany({ select: { name: true } });
    const clash = rows.find((r) => sameName(r.name, name));
    if (clash) throw ValidationError.single(['input', 'name'], `a prompt named ${clash.name} exists`, 'CONFLICT');
  }

  private forgetOldCalls(): void {
    const finished = [...this.calls.values()].filter((a) => isFinal(a.call));
    const cutoff = Date.now() - this.limits.keepFinishedMs;
    finished.forEach((a, index) => {
      if (Date.parse(a.call.updatedAt) < cutoff || finished.length - index > this.limits.maxFinishedKept) this.calls.delete(a.call.id);
    });
  }
}

function checkRingSeconds(value: number | null | undefined, path: string[]): number {
  const seconds = value ?? ringSecondsRange.default;
  if (!Number.isInteger(seconds) || seconds < ringSecondsRange.min || seconds > ringSecondsRange.max) {
    throw ValidationError.single(path, `${ringSecondsRange.min} to ${ringSecondsRange.max} seconds`, 'OUT_OF_RANGE');
  }
  return seconds;
}

/** The channel an event is about: its channel, a Dial's peer, or a playback's or recording's target. */
function channelOf(event: AriEvent): string | undefined {
  const data = event as { channel?: { id?: string }; peer?: { id?: string }; playback?: { target_uri?: string }; recording?: { target_uri?: string } };
  const target = data.playback?.target_uri ?? data.recording?.target_uri;
  return data.channel?.id ?? data.peer?.id ?? (target?.startsWith('channel:') ? target.slice('channel:'.length) : undefined);
}
