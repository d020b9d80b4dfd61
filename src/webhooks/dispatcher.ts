import type { PrismaClient } from '../db/client.js';
import type { Logger } from '../logger.js';
import { attemptDelivery, type DeliverySettings } from './attempt.js';

export type DispatchLimits = {
  /** Requests in flight at once, all endpoints together */
  concurrency: number;
  /** Requests in flight at once to one endpoint: a slow or dead receiver holds at most these, never the others' */
  perEndpoint: number;
};

type InFlight = { endpointId: string; done: Promise<void>; aborted: boolean };

/**
 * Sends the messages that are due, a bounded number at a time and a
 * bounded number per endpoint. Before sending, a message is claimed in the
 * table (its next attempt moved past the request's timeout), so a message
 * whose process was killed mid-request is sent again (same webhook-id) once
 * the claim lapses, and no other sender picks it meanwhile.
 */
export class Dispatcher {
  private readonly inFlight = new Map<string, InFlight>();
  private abort = new AbortController();

  constructor(private readonly deps: { prisma: PrismaClient; log: Logger; settings: DeliverySettings; limits: DispatchLimits; onSettled: () => void }) {}

  get busy(): number {
    return this.inFlight.size;
  }

  /** Starts sending what is due now, as far as the limits allow; returns how many it started. */
  async dispatchDue(now: Date = new Date()): Promise<number> {
    const { prisma, limits } = this.deps;
    let free = limits.concurrency - this.inFlight.size;
    if (free <= 0) return 0;
    const due = { status: 'PENDING', nextAttemptAt: { lte: now }, endpoint: { enabled: true } };
    const groups = await prisma.webhookMessage.groupBy({ by: ['endpointId'], where: due, _min: { nextAttemptAt: true } });
    // The endpoint waiting longest goes first; each gets at most its own share.
    groups.sort((a, b) => (a._min.nextAttemptAt?.getTime() ?? 0) - (b._min.nextAttemptAt?.getTime() ?? 0));
    let started = 0;
    for (const group of groups) {
      const slots = Math.min(free, limits.perEndpoint - this.inFlightOf(group.endpointId));
      if (slots <= 0) continue;
      const candidates = await prisma.webhookMessage.findMany({
        where: { ...due, endpointId: group.endpointId, id: { notIn: [...this.inFlight.keys()] } },
        orderBy: [{ nextAttemptAt: 'asc' }, { createdAt: 'asc' }],
        take: slots,
        select: { id: true },
      });
      const claimed = await this.claim(
        candidates.map((c) => c.id),
        now,
      );
      for (const message of claimed) this.send(message, group.endpointId);
      started += claimed.length;
      free -= claimed.length;
      if (free <= 0) break;
    }
    return started;
  }

  /** Aborts the requests in flight (they are no attempts) and makes their messages due again at once. */
  async stop(): Promise<void> {
    this.abort.abort();
    const pending = [...this.inFlight.entries()];
    await Promise.all(pending.map(([, f]) => f.done));
    const released = pending.filter(([, f]) => f.aborted).map(([id]) => id);
    if (released.length) {
      await this.deps.prisma.webhookMessage.updateMany({ where: { id: { in: released }, status: 'PENDING' }, data: { nextAttemptAt: new Date() } }).catch((error: unknown) => {
        this.deps.log.warn({ err: error }, 'webhooks: releasing the messages in flight failed; they are sent again once their claim lapses');
      });
    }
    this.abort = new AbortController();
  }

  private inFlightOf(endpointId: string): number {
    let n = 0;
    for (const f of this.inFlight.values()) if (f.endpointId === endpointId) n += 1;
    return n;
  }

  /** Moves the messages' next attempt past the request's timeout; answers those this claim got. */
  private async claim(ids: string[], now: Date) {
    if (!ids.length) return [];
    const { prisma, settings } = this.deps;
    const until = new Date(now.getTime() + settings.timeoutMs + CLAIM_MARGIN_MS + Math.floor(Math.random() * 1000));
    await prisma.webhookMessage.updateMany({ where: { id: { in: ids }, status: 'PENDING', nextAttemptAt: { lte: now } }, data: { nextAttemptAt: until } });
    return prisma.webhookMessage.findMany({
      where: { id: { in: ids }, status: 'PENDING', nextAttemptAt: until },
      select: { id: true, attempts: true, endpoint: { select: { url: true, secret: true } }, event: { select: { id: true, payload: true } } },
    });
  }

  private send(message: Parameters<typeof attemptDelivery>[2], endpointId: string): void {
    const entry: InFlight = { endpointId, aborted: false, done: Promise.resolve() };
    entry.done = attemptDelivery(this.deps.prisma, this.deps.log, message, 'SCHEDULED', this.deps.settings, this.abort.signal)
      .then((outcome) => {
        entry.aborted = outcome.result.aborted;
      })
      .catch((error: unknown) => this.deps.log.error({ err: error, messageId: message.id }, 'webhooks: a delivery failed unexpectedly'))
      .finally(() => {
        this.inFlight.delete(message.id);
        this.deps.onSettled();
      });
    this.inFlight.set(message.id, entry);
  }
}

/** How much longer than the request's timeout a claim lasts. */
export const CLAIM_MARGIN_MS = 5000;
