import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/**
 * What goes over the wire, the Standard Webhooks way: a JSON body
 * {type, timestamp, data}, and the headers webhook-id, webhook-timestamp and
 * webhook-signature made by the `standardwebhooks` library with the
 * endpoint's whsec_ secret. The body is built once, when the event is
 * written, so every attempt and replay sends the same bytes.
 */

/** The type of the event `sendWebhookTestPing` sends; it is not subscribed to, every endpoint may receive it. */
export const TEST_EVENT_TYPE = 'webhook.test';

export type WebhookBody = { type: string; timestamp: string; data: unknown };

export function webhookBody(type: string, data: unknown, timestamp: Date | string = new Date()): string {
  // A timestamp that is no date must not fail the writer's transaction: the time of writing stands in.
  const at = new Date(timestamp);
  const body: WebhookBody = { type, timestamp: (Number.isNaN(at.getTime()) ? new Date() : at).toISOString(), data };
  return JSON.stringify(body);
}

/** A new webhook-id (the WebhookEvent's id): receivers deduplicate by it. */
export function newWebhookId(): string {
  return `msg_${randomBytes(16).toString('base64url')}`;
}

/** A new signing secret: 32 random bytes, base64, with the whsec_ prefix Standard Webhooks libraries expect. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** The three headers of one attempt; the timestamp is the attempt's own, so a retry hours later still verifies. */
export function signatureHeaders(secret: string, webhookId: string, body: string, at: Date = new Date()): Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string> {
  return {
    'webhook-id': webhookId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(webhookId, at, body),
  };
}
