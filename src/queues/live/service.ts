import { ListingRebuild } from '../../pbx/live/listing-rebuild.js';
import type { EventBus } from '../../events/bus.js';
import type { Logger } from '../../logger.js';
import type { AmiClient } from '../../pbx/ami/client.js';
import type { AmiMessage } from '../../pbx/ami/message.js';
import { asteriskQueueName, queueIdOf } from '../contract.js';
import { agentEvents, eventName, memberEvents } from './ami-events.js';
import { applyQueueEvent, factsFromStatus, type QueueFactsByName } from './facts.js';
import { deriveQueueState, sameQueueState, type QueueConfig, type QueueLiveState } from './state.js';

/** What the live queue state needs of the AMI client. */
export type QueueAmi = Pick<AmiClient, 'connected' | 'list' | 'action' | 'on'>;

const followed = new Set([...memberEvents, 'QueueMemberRemoved', 'QueueCallerJoin', 'QueueCallerLeave', 'QueueCallerAbandon', ...agentEvents]);
const MAX_BUFFERED = 10_000;

type Waiter = { queueId: string; test: (state: QueueLiveState) => boolean; resolve: (state: QueueLiveState | undefined) => void; timer: NodeJS.Timeout };

/**
 * Live state of the stored queues (issue 11, D6), from AMI: app_queue has no
 * ARI resource or event. On every AMI (re)connect, after a reload and every
 * `pollMs` the QueueStatus listing is read again; app_queue's events keep it
 * current in between (events that arrive while the listing is read apply on
 * top of it). Each change of a queue's state is published on the bus as
 * `queueState`. AMI failures are logged and retried by the next listing;
 * nothing here throws out of an event handler.
 */
export class QueueLiveService {
  private configs = new Map<string, QueueConfig>();
  private facts: QueueFactsByName = new Map();
  private current = new Map<string, QueueLiveState>();
  private connected = false;
  private pollTimer: NodeJS.Timeout | null = null;
  private resyncTimer: NodeJS.Timeout | null = null;
  private applied: ReturnType<EventBus['subscribe']> | null = null;
  private waiters = new Set<Waiter>();
  private started = false;
  private readonly listing = new ListingRebuild<AmiMessage>({
    read: () => this.readListing(),
    apply: (message) => this.onEvent(message),
    keepGoing: () => this.connected,
    onError: (error) => this.deps.log.error({ err: error }, 'reading the queue status from AMI failed'),
    maxHeld: MAX_BUFFERED,
  });
  private readonly stored = new ListingRebuild<never>({
    read: () => this.readStoredQueues(),
    apply: () => undefined,
    keepGoing: () => true,
    onError: (error) => this.deps.log.error({ err: error }, 'reading the queues for their live state failed'),
    maxHeld: 0,
  });

  constructor(
    private readonly deps: {
      readQueues: () => Promise<QueueConfig[]>;
      bus: EventBus;
      log: Logger;
      ami: QueueAmi | null;
      /** Re-read the listing this often while connected (default 60 s). */
      pollMs?: number;
      /** Quiet time before a re-read asked for by a reload (default 500 ms). */
      resyncDelayMs?: number;
      now?: () => Date;
    },
  ) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** Reads the stored queues and follows AMI. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.refresh();
    const ami = this.deps.ami;
    if (!ami) return;
    ami.on('event', (message) => this.onEvent(message));
    ami.on('connected', () => {
      this.connected = true;
      void this.rebuild();
    });
    ami.on('disconnected', () => {
      this.connected = false;
      this.facts.clear();
      this.recomputeAll();
    });
    if (ami.connected()) {
      this.connected = true;
      void this.rebuild();
    }
    this.pollTimer = setInterval(() => {
      if (this.connected && this.configs.size) void this.rebuild();
    }, this.deps.pollMs ?? 60_000);
    this.pollTimer.unref();
    // A reload may add or remove queues and members (queues.conf), or renumber agents (pjsip.conf).
    const applied = this.deps.bus.subscribe('pbxApplied');
    this.applied = applied;
    void (async () => {
      for await (const report of applied) if (report.reloadedModules.length) this.scheduleResync();
    })();
  }

  stop(): void {
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (this.resyncTimer) clearTimeout(this.resyncTimer);
    this.pollTimer = this.resyncTimer = null;
    void this.applied?.return?.();
    this.applied = null;
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.resolve(this.current.get(waiter.queueId));
    }
    this.waiters.clear();
  }

  get asteriskConnected(): boolean {
    return this.connected;
  }

  /** The live state of every stored queue (or of those given; none for an empty list), in number order. */
  list(queueIds?: readonly string[] | null): QueueLiveState[] {
    const wanted = queueIds ? new Set(queueIds) : null;
    return [...this.configs.values()].filter((c) => !wanted || wanted.has(c.id)).map((c) => this.current.get(c.id)!);
  }

  get(queueId: string): QueueLiveState | undefined {
    return this.current.get(queueId);
  }

  /**
   * The stored queues or their agents changed. A deleted queue is reported
   * once more, empty, then no longer. Reads run one at a time: many callers
   * at once (e.g. `live` of every queue in a list) cause one read, or two.
   */
  refresh(): Promise<void> {
    return this.stored.run();
  }

  private async readStoredQueues(): Promise<void> {
    let configs: QueueConfig[];
    try {
      configs = await this.deps.readQueues();
    } catch (error) {
      this.deps.log.error({ err: error }, 'reading the queues for their live state failed');
      return;
    }
    const next = new Map(configs.map((c) => [c.id, c]));
    for (const [id, before] of this.configs) {
      if (next.has(id)) continue;
      const last = this.current.get(id);
      this.current.delete(id);
      if (last) this.deps.bus.publish('queueState', { ...deriveQueueState({ ...before, agents: [] }, undefined, this.connected), changedAt: this.now().toISOString() });
    }
    this.configs = next;
    this.recomputeAll();
  }

  /** Reads the QueueStatus listing again; events that arrive meanwhile apply on top. Never throws. */
  async rebuild(): Promise<void> {
    return this.listing.run();
  }

  /**
   * Resolves with the queue's state once `test` holds for it (checked now and
   * after every change), or after `timeoutMs` with the state as it is then.
   */
  waitFor(queueId: string, test: (state: QueueLiveState) => boolean, timeoutMs: number): Promise<QueueLiveState | undefined> {
    const now = this.current.get(queueId);
    if (now && test(now)) return Promise.resolve(now);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        queueId,
        test,
        resolve,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          resolve(this.current.get(queueId));
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  private async readListing(): Promise<void> {
    const ami = this.deps.ami;
    if (!ami?.connected()) return;
    let listing: AmiMessage[];
    try {
      listing = await ami.list({ Action: 'QueueStatus' });
    } catch (error) {
      // app_queue may not be loaded (an unknown action); the previous facts stay until the next listing.
      this.deps.log.warn({ err: error }, 'AMI QueueStatus failed; the queue state stays as it was');
      return;
    }
    if (!ami.connected()) return; // the disconnect has cleared everything
    this.facts = factsFromStatus(listing, this.now(), this.facts);
    this.recomputeAll();
  }

  private onEvent(message: AmiMessage): void {
    try {
      if (!followed.has(eventName(message))) return;
      if (this.listing.hold(message)) return;
      const touched = applyQueueEvent(this.facts, message, this.now());
      for (const name of touched) {
        const config = this.configs.get(queueIdOf(name) ?? '');
        if (config) this.recompute(config);
      }
    } catch (error) {
      this.deps.log.warn({ err: error, event: message?.Event }, 'unreadable AMI event ignored for the queue state');
    }
  }

  private scheduleResync(): void {
    if (!this.connected || this.resyncTimer) return;
    this.resyncTimer = setTimeout(() => {
      this.resyncTimer = null;
      void this.rebuild();
    }, this.deps.resyncDelayMs ?? 500);
    this.resyncTimer.unref();
  }

  private recomputeAll(): void {
    for (const config of this.configs.values()) this.recompute(config);
  }

  /** Publishes the queue's state when anything a subscriber sees changed. */
  private recompute(config: QueueConfig): void {
    const candidate = deriveQueueState(config, this.facts.get(asteriskQueueName(config.id)), this.connected);
    const before = this.current.get(config.id);
    if (before && sameQueueState(before, candidate)) return;
    const state: QueueLiveState = { ...candidate, changedAt: this.now().toISOString() };
    this.current.set(config.id, state);
    this.deps.bus.publish('queueState', state);
    for (const waiter of this.waiters) {
      if (waiter.queueId !== config.id || !waiter.test(state)) continue;
      clearTimeout(waiter.timer);
      this.waiters.delete(waiter);
      waiter.resolve(state);
    }
  }
}
