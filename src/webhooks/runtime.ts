import type { PrismaClient } from '../db/client.js';
import type { EventBus } from '../events/bus.js';
import type { Lease } from '../jobs/lease.js';
import type { Logger } from '../logger.js';
import type { DeliverySettings } from './attempt.js';
import { BusToOutbox } from './bus-reader.js';
import { Dispatcher, type DispatchLimits } from './dispatcher.js';
import { fanOutPending } from './fanout.js';
import { pruneSettledEvents } from './retention.js';

/** How often the subscribed event types are read when no change on this instance said so. */
const SUBSCRIPTIONS_EVERY_MS = 5000;

export type RuntimeOptions = {
  settings: DeliverySettings;
  retentionMs: number;
  limits: DispatchLimits;
  /** How often the tables are looked at when nothing woke the worker */
  pollMs: number;
  pruneEveryMs: number;
};

/**
 * The singleton webhook work, on the instance that holds the lease: live
 * events from the bus into the outbox, the fan-out of new events into
 * messages, the delivery of due messages, and pruning. All state is in the
 * tables, so whoever holds the lease next (this process restarted, or
 * another instance) goes on where this one stopped. No failure ends it: a
 * round that fails is logged and the next one runs.
 */
export class WebhookRuntime {
  readonly reader: BusToOutbox;
  private readonly dispatcher: Dispatcher;
  private running = false;
  private timer: NodeJS.Timeout | null = null;
  private pruneTimer: NodeJS.Timeout | null = null;
  private round: Promise<void> | null = null;
  private again = false;
  private lastFailureLog = 0;
  private subscriptionsReadAt = 0;
  private subscriptionsChanged = true;
  private readonly onAcquired = () => this.begin();
  private readonly onLost = () => void this.end();

  constructor(private readonly deps: { prisma: PrismaClient; bus: EventBus; lease: Lease; log: Logger; options: RuntimeOptions }) {
    this.reader = new BusToOutbox({ prisma: deps.prisma, bus: deps.bus, log: deps.log, onWritten: () => this.kick() });
    this.dispatcher = new Dispatcher({ prisma: deps.prisma, log: deps.log, settings: deps.options.settings, limits: deps.options.limits, onSettled: () => this.kick() });
  }

  get active(): boolean {
    return this.running;
  }

  start(): void {
    this.deps.lease.on('acquired', this.onAcquired);
    this.deps.lease.on('lost', this.onLost);
    if (this.deps.lease.held()) this.begin();
  }

  async stop(): Promise<void> {
    this.deps.lease.off('acquired', this.onAcquired);
    this.deps.lease.off('lost', this.onLost);
    await this.end();
  }

  /** An endpoint was created, changed or deleted on this instance: which event types are wanted is read again at once. */
  async endpointsChanged(): Promise<void> {
    if (!this.running) return;
    try {
      await this.reader.refreshSubscriptions();
      this.subscriptionsReadAt = Date.now();
    } catch (error) {
      this.subscriptionsChanged = true;
      this.deps.log.warn({ err: error }, 'webhooks: reading the subscribed event types failed; trying again');
    }
    this.kick();
  }

  /** Something was written or settled: look at the tables now rather than at the next poll. */
  kick(): void {
    if (!this.running) return;
    if (this.round) {
      this.again = true;
      return;
    }
    this.schedule(0);
  }

  private begin(): void {
    if (this.running) return;
    this.running = true;
    this.subscriptionsChanged = true;
    this.reader.start();
    this.schedule(0);
    this.pruneTimer = setInterval(() => void this.prune(), this.deps.options.pruneEveryMs);
    this.pruneTimer.unref();
    void this.prune();
  }

  private async end(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    this.timer = this.pruneTimer = null;
    await this.reader.stop();
    await this.reader.drain().catch(() => undefined);
    await this.round;
    await this.dispatcher.stop();
  }

  private schedule(delayMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.round = this.runRound().finally(() => {
        this.round = null;
        if (!this.running) return;
        const again = this.again;
        this.again = false;
        this.schedule(again ? 0 : this.deps.options.pollMs);
      });
    }, delayMs);
    this.timer.unref();
  }

  private async runRound(): Promise<void> {
    try {
      // Another instance may have changed the endpoints: read the subscriptions again now and then.
      if (this.subscriptionsChanged || Date.now() - this.subscriptionsReadAt > SUBSCRIPTIONS_EVERY_MS) {
        this.subscriptionsChanged = false;
        this.subscriptionsReadAt = Date.now();
        await this.reader.refreshSubscriptions();
      }
      // Fan out before sending, so a new event's messages go in this round.
      let rounds = 0;
      while ((await fanOutPending(this.deps.prisma)).events > 0) {
        // A large backlog is fanned out over several rounds, with deliveries in between.
        if (++rounds >= 10) {
          this.again = true;
          break;
        }
      }
      if (this.running) await this.dispatcher.dispatchDue();
    } catch (error) {
      // A database away for a while would log every poll; once per 30 s says the same.
      if (Date.now() - this.lastFailureLog > 30_000) {
        this.lastFailureLog = Date.now();
        this.deps.log.error({ err: error }, 'webhooks: a delivery round failed; trying again');
      }
    }
  }

  private async prune(): Promise<void> {
    try {
      const deleted = await pruneSettledEvents(this.deps.prisma, this.deps.options.retentionMs);
      if (deleted) this.deps.log.info({ deleted }, 'webhooks: settled events past the retention deleted');
    } catch (error) {
      this.deps.log.warn({ err: error }, 'webhooks: pruning failed; trying again later');
    }
  }
}
