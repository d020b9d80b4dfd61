import { randomUUID } from 'node:crypto';
import type { PrismaClient } from '../db/client.js';
import type { BusTopic, BusTopics, EventBus } from '../events/bus.js';
import type { Logger } from '../logger.js';
import { callWebhookEvent, ExtensionStateChanges, voicemailWebhookEvent, type LiveWebhookEvent } from './bus-events.js';
import { parseEventTypes } from './endpoint-fields.js';
import { insertEvent } from './outbox.js';

/** Events written to the outbox per transaction. */
const BATCH = 200;
/** Events held in memory while the database does not take them; beyond that the oldest are dropped (and logged). */
const MAX_HELD = 50_000;
const RETRY_MS = [500, 1000, 2000, 5000];

/**
 * Turns live events from the bus (calls, extension status, voicemail) into
 * outbox events, on the instance that holds the lease; only the types some
 * enabled endpoint subscribes to are written. It only copies events
 * into memory as they come (nothing on the bus waits for the database) and
 * writes them in batches, one transaction each; a failed write is tried
 * again with the same idempotency keys, so nothing is written twice.
 */
export class BusToOutbox {
  private held: LiveWebhookEvent[] = [];
  private subscriptions: { return?(): Promise<unknown> }[] = [];
  private writing: Promise<void> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private failures = 0;
  private statusChanges = new ExtensionStateChanges(randomUUID());
  /** The event types some enabled endpoint subscribes to: the others are not written (null: not read yet, write all). */
  private wanted: Set<string> | null = null;
  private stopping = false;

  constructor(private readonly deps: { prisma: PrismaClient; bus: EventBus; log: Logger; onWritten: () => void }) {}

  get running(): boolean {
    return this.subscriptions.length > 0;
  }

  start(): void {
    if (this.running) return;
    this.stopping = false;
    this.statusChanges = new ExtensionStateChanges(randomUUID());
    this.follow('call', (e) => callWebhookEvent(e));
    this.follow('extensionStatus', (s) => this.statusChanges.next(s));
    this.follow('voicemail', (c) => voicemailWebhookEvent(c));
  }

  /** Reads which event types enabled endpoints subscribe to; events of other types are not written at all. */
  async refreshSubscriptions(): Promise<void> {
    const rows = await this.deps.prisma.webhookEndpoint.findMany({ where: { enabled: true }, select: { eventTypes: true } });
    this.wanted = new Set(rows.flatMap((r) => parseEventTypes(r.eventTypes)));
  }

  /** Stops reading; what was read is still written. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const subscriptions = this.subscriptions.splice(0);
    for (const subscription of subscriptions) await subscription.return?.();
  }

  /** Writes what was read so far, trying once more after earlier failures; resolves when written or a write failed. */
  async drain(): Promise<void> {
    this.failures = 0;
    while (this.held.length && this.failures === 0) await (this.writing ?? this.write());
    await this.writing;
  }

  private follow<T extends BusTopic>(topic: T, toEvent: (payload: BusTopics[T]) => LiveWebhookEvent | null): void {
    const subscription = this.deps.bus.subscribe(topic, { lossless: true });
    this.subscriptions.push(subscription);
    void (async () => {
      for await (const payload of subscription) {
        let event: LiveWebhookEvent | null = null;
        try {
          event = toEvent(payload);
        } catch (error) {
          this.deps.log.error({ err: error, topic }, 'webhooks: a bus event could not be read');
        }
        if (event && (!this.wanted || this.wanted.has(event.type))) this.hold(event);
      }
    })();
  }

  private hold(event: LiveWebhookEvent): void {
    this.held.push(event);
    if (this.held.length > MAX_HELD) {
      const dropped = this.held.splice(0, this.held.length - MAX_HELD);
      this.deps.log.error({ dropped: dropped.length }, 'webhooks: the database has not taken events for a while; the oldest are dropped');
    }
    if (!this.writing && !this.retryTimer) void this.write();
  }

  private write(): Promise<void> {
    this.writing ??= this.writeBatches().finally(() => (this.writing = null));
    return this.writing;
  }

  private async writeBatches(): Promise<void> {
    while (this.held.length) {
      const batch = this.held.slice(0, BATCH);
      try {
        await this.deps.prisma.$transaction(async (tx) => {
          for (const event of batch) await insertEvent(tx, event);
        });
        this.held.splice(0, batch.length);
        this.failures = 0;
        this.deps.onWritten();
      } catch (error) {
        this.failures += 1;
        if (this.stopping) {
          // Stopping (the lease went, or the server stops): kept in memory, written if this instance reads the bus again.
          this.deps.log.error({ err: error, held: this.held.length }, 'webhooks: events could not be written to the outbox before stopping');
          return;
        }
        const delay = RETRY_MS[Math.min(this.failures - 1, RETRY_MS.length - 1)]!;
        this.deps.log.warn({ err: error, held: this.held.length, retryInMs: delay }, 'webhooks: writing events to the outbox failed; trying again');
        this.retryTimer = setTimeout(() => {
          this.retryTimer = null;
          void this.write();
        }, delay);
        this.retryTimer.unref();
        return;
      }
    }
  }
}
