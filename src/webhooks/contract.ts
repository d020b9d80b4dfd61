import type { Permission } from '../auth/permissions.js';
import type { Tx } from '../db/client.js';

/** The event types a webhook endpoint may choose (F-6.1.2 and beyond). */
export const webhookEventTypes = ['call.ringing', 'call.answered', 'call.transferred', 'call.ended', 'extension.status', 'voicemail.received', 'voicemail.changed', 'callRecord.created'] as const;
export type WebhookEventType = (typeof webhookEventTypes)[number];

/**
 * What reading an event of each type needs: an endpoint carries its events to a receiver, and its message log
 * shows them, so subscribing to a type, and reading the payloads of its messages, needs what reading that
 * data through the API needs.
 */
export const eventTypePermission: Record<WebhookEventType, Permission> = {
  'call.ringing': 'calls:read',
  'call.answered': 'calls:read',
  'call.transferred': 'calls:read',
  'call.ended': 'calls:read',
  'extension.status': 'extensions:read',
  'voicemail.received': 'voicemail:read',
  'voicemail.changed': 'voicemail:read',
  'callRecord.created': 'callRecords:read',
};

/** Whether a caller with these permissions may read events of this type (an unknown type: no). */
export const mayReadEventType = (permissions: ReadonlySet<Permission>, type: string): boolean => type in eventTypePermission && permissions.has(eventTypePermission[type as WebhookEventType]);

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
