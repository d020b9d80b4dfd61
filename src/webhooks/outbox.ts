import type { Tx } from '../db/client.js';
import { webhookEventTypes, type WebhookOutbox, type WebhookEventType } from './contract.js';
import { newWebhookId, webhookBody } from './wire.js';

export type OutboxEntry = { type: string; data: unknown; idempotencyKey: string; timestamp?: Date | string };

/**
 * Writes one event into the outbox within the caller's transaction; a
 * second write with the same idempotency key does nothing. INSERT … ON
 * CONFLICT DO NOTHING (SQLite and PostgreSQL alike) rather than a read then
 * a write: two writers of the same cause neither fail nor abort the
 * caller's transaction (a unique violation would, on PostgreSQL).
 * Returns whether a new event was written.
 */
export async function insertEvent(tx: Tx, entry: OutboxEntry & { id?: string; fannedOut?: boolean }): Promise<boolean> {
  const id = entry.id ?? newWebhookId();
  const payload = webhookBody(entry.type, entry.data, entry.timestamp);
  const written = await tx.$executeRaw`INSERT INTO "WebhookEvent" ("id", "type", "payload", "idempotencyKey", "createdAt", "fannedOut")
    VALUES (${id}, ${entry.type}, ${payload}, ${entry.idempotencyKey}, ${new Date()}, ${entry.fannedOut ?? false})
    ON CONFLICT ("idempotencyKey") DO NOTHING`;
  return written > 0;
}

/** The outbox other modules write to (call records, in the transaction that stores the record). */
export class SqlWebhookOutbox implements WebhookOutbox {
  /** `onWritten` wakes the delivery worker (it also polls: the caller's transaction may not have committed yet). */
  constructor(private readonly onWritten: () => void = () => undefined) {}

  async enqueue(tx: Tx, event: { type: WebhookEventType; data: unknown; idempotencyKey: string; timestamp?: Date | string }): Promise<void> {
    if (!(webhookEventTypes as readonly string[]).includes(event.type)) throw new Error(`webhook outbox: unknown event type ${event.type}`);
    if (!event.idempotencyKey) throw new Error('webhook outbox: an idempotency key is required');
    if (await insertEvent(tx, event)) this.onWritten();
  }
}
