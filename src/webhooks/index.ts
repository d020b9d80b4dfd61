import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import type { EventBus } from '../events/bus.js';
import type { Lease } from '../jobs/lease.js';
import type { Logger } from '../logger.js';
import type { Resolver } from './address-guard.js';
import type { DeliverySettings } from './attempt.js';
import { SqlWebhookOutbox } from './outbox.js';
import { WebhookRuntime } from './runtime.js';
import { WebhookService } from './service.js';

/** Requests in flight at once, and to one endpoint. */
const CONCURRENCY = 32;
const PER_ENDPOINT = 4;
const POLL_MS = 500;
const PRUNE_EVERY_MS = 3600_000;

/**
 * Outgoing webhooks (F-6.1.2): the outbox other modules write to, the
 * endpoints' operations, and the delivery work that runs on the lease holder.
 */
export class Webhooks {
  /** Write `callRecord.created` (and other caused events) here, inside the transaction that stores the cause. */
  readonly outbox: SqlWebhookOutbox;
  readonly service: WebhookService;
  readonly runtime: WebhookRuntime;

  constructor(deps: { config: Config['webhooks']; db: Database; bus: EventBus; lease: Lease; log: Logger; resolve?: Resolver }) {
    const settings: DeliverySettings = { allowPrivate: deps.config.allowPrivate, timeoutMs: deps.config.timeoutMs, retryDelaysMs: deps.config.retryDelaysMs, resolve: deps.resolve };
    this.runtime = new WebhookRuntime({
      prisma: deps.db.prisma,
      bus: deps.bus,
      lease: deps.lease,
      log: deps.log,
      options: { settings, retentionMs: deps.config.retentionMs, limits: { concurrency: CONCURRENCY, perEndpoint: PER_ENDPOINT }, pollMs: POLL_MS, pruneEveryMs: PRUNE_EVERY_MS },
    });
    // The writer's transaction commits after enqueue returns: the wake-up comes a moment later (the poll covers a slow one).
    this.outbox = new SqlWebhookOutbox(() => setTimeout(() => this.runtime.kick(), 20).unref());
    this.service = new WebhookService({ db: deps.db, log: deps.log, settings, wake: () => this.runtime.kick(), endpointsChanged: () => this.runtime.endpointsChanged() });
  }

  /** Follows the lease: the work runs while this instance holds it. */
  start(): void {
    this.runtime.start();
  }

  stop(): Promise<void> {
    return this.runtime.stop();
  }
}
