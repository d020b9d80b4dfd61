import type { Tx } from '../db/client.js';

/** The event types a webhook endpoint may choose (F-6.1.2 and beyond). */
export const webhookEventTypes = ['call.ringing', 'call.answered', 'call.transferred', 'call.ended', 'extension.status', 'voicemail.received', 'voicemail.changed', 'callRecord.created'] as const;
export type WebhookEventType = (typeof webhookEventTypes)[number];

/**
 * The durable outbox as other modules write to it. `enqueue` inside the
 * caller's transaction makes the event as durable as what caused it (a call
 * record and its `callRecord.created` event commit together). The
 * idempotency key makes a second write of the same cause a no-op.
 */
export interface WebhookOutbox {
  /** `timestamp`: when it happened (the payload's `timestamp`); now when absent. */
  enqueue(tx: Tx, event: { type: WebhookEventType; data: unknown; idempotencyKey: string; timestamp?: Date | string }): Promise<void>;
}
