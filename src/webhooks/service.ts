import type { Principal } from '../auth/permissions.js';
import type { Database } from '../db/client.js';
import { IssueCollector, NotFoundError } from '../errors.js';
import type { Logger } from '../logger.js';
import { AddressRefusedError, hostOf, vetHost } from './address-guard.js';
import { attemptDelivery, type AttemptMode, type DeliverySettings } from './attempt.js';
import { CLAIM_MARGIN_MS } from './dispatcher.js';
import { checkEventTypes, checkUrl, MAX_DESCRIPTION_LENGTH, storeEventTypes } from './endpoint-fields.js';
import { eventTypePermission, mayReadEventType } from './contract.js';
import { insertEvent } from './outbox.js';
import { newWebhookId, newWebhookSecret, TEST_EVENT_TYPE } from './wire.js';

export type EndpointInput = { url?: string; eventTypes?: string[]; description?: string; enabled?: boolean };

/** An attempt made on request (a replay or a test ping): the attempt as logged. */
export type AttemptMade = { attemptId: string; messageId: string };

/**
 * Webhook endpoints and what an operator does with them: register (the
 * secret is answered once), change, delete, rotate the secret, send a test
 * ping, replay one message or the failed ones.
 */
export class WebhookService {
  constructor(private readonly deps: { db: Database; log: Logger; settings: DeliverySettings; wake: () => void; endpointsChanged: () => Promise<void> }) {}

  private get prisma() {
    return this.deps.db.prisma;
  }

  async create(actor: Principal, input: EndpointInput) {
    const fields = await this.checked(actor, input, true);
    const secret = newWebhookSecret();
    const endpoint = await this.prisma.webhookEndpoint.create({
      data: { url: fields.url!, eventTypes: fields.eventTypes!, description: fields.description ?? '', enabled: fields.enabled ?? true, secret },
    });
    await this.deps.endpointsChanged();
    return { endpoint, secret };
  }

  async update(actor: Principal, id: string, input: EndpointInput) {
    await this.existing(id);
    const fields = await this.checked(actor, input, false);
    const endpoint = await this.prisma.webhookEndpoint.update({ where: { id }, data: fields });
    // A re-enabled endpoint's pending messages are due again.
    await this.deps.endpointsChanged();
    return endpoint;
  }

  /** Deletes the endpoint with its messages and their delivery log. */
  async delete(id: string): Promise<string> {
    await this.existing(id);
    await this.prisma.$transaction([
      this.prisma.webhookAttempt.deleteMany({ where: { message: { endpointId: id } } }),
      this.prisma.webhookMessage.deleteMany({ where: { endpointId: id } }),
      this.prisma.webhookEndpoint.delete({ where: { id } }),
    ]);
    await this.deps.endpointsChanged();
    return id;
  }

  /** A new secret at once: every attempt from now on (retries too) is signed with it. */
  async rotateSecret(id: string) {
    await this.existing(id);
    const secret = newWebhookSecret();
    const endpoint = await this.prisma.webhookEndpoint.update({ where: { id }, data: { secret } });
    return { endpoint, secret };
  }

  /** A `webhook.test` event to this endpoint, sent now; a failed ping is not retried. */
  async ping(endpointId: string): Promise<AttemptMade> {
    const endpoint = await this.existing(endpointId);
    const eventId = newWebhookId();
    const message = await this.prisma.$transaction(async (tx) => {
      await insertEvent(tx, {
        id: eventId,
        type: TEST_EVENT_TYPE,
        data: { message: 'A test event from sendWebhookTestPing', url: endpoint.url, description: endpoint.description },
        idempotencyKey: `${TEST_EVENT_TYPE}:${eventId}`,
        fannedOut: true,
      });
      // Claimed like the worker claims: should this process die now, the worker sends it later.
      return tx.webhookMessage.create({ data: { endpointId, eventId, status: 'PENDING', nextAttemptAt: this.claimedUntil() }, select: { id: true } });
    });
    return this.attempt(message.id, 'PING');
  }

  /** Sends one message again now, with its webhook-id, whatever its state; delivered makes it DELIVERED. */
  async replay(messageId: string): Promise<AttemptMade> {
    const message = await this.prisma.webhookMessage.findUnique({ where: { id: messageId }, select: { id: true } });
    if (!message) throw new NotFoundError('WebhookMessage', messageId);
    return this.attempt(messageId, 'REPLAY');
  }

  /** The endpoint's given-up messages created since then go back to PENDING with a fresh retry schedule; answers how many. */
  async replayFailed(endpointId: string, since: Date): Promise<number> {
    await this.existing(endpointId);
    const { count } = await this.prisma.webhookMessage.updateMany({
      where: { endpointId, status: 'FAILED', createdAt: { gte: since } },
      data: { status: 'PENDING', attempts: 0, nextAttemptAt: new Date() },
    });
    if (count) this.deps.wake();
    return count;
  }

  private async attempt(messageId: string, mode: AttemptMode): Promise<AttemptMade> {
    const message = await this.prisma.webhookMessage.findUniqueOrThrow({
      where: { id: messageId },
      select: { id: true, attempts: true, endpoint: { select: { url: true, secret: true } }, event: { select: { id: true, payload: true } } },
    });
    const { attemptId } = await attemptDelivery(this.prisma, this.deps.log, message, mode, this.deps.settings);
    if (!attemptId) throw new Error('the attempt was made but could not be recorded');
    return { attemptId, messageId };
  }

  private claimedUntil(): Date {
    return new Date(Date.now() + this.deps.settings.timeoutMs + CLAIM_MARGIN_MS);
  }

  private async existing(id: string) {
    const endpoint = await this.prisma.webhookEndpoint.findUnique({ where: { id } });
    if (!endpoint) throw new NotFoundError('WebhookEndpoint', id);
    return endpoint;
  }

  /** The stored fields of the input, every problem reported at once; the URL's host is resolved and checked (SSRF). */
  private async checked(actor: Principal, input: EndpointInput, create: boolean) {
    const issues = new IssueCollector();
    const out: { url?: string; eventTypes?: string; description?: string; enabled?: boolean } = {};
    if (create && input.url === undefined) issues.add(['input', 'url'], 'required', 'REQUIRED');
    if (create && input.eventTypes === undefined) issues.add(['input', 'eventTypes'], 'required', 'REQUIRED');
    let url: URL | null = null;
    if (input.url !== undefined) {
      const checked = checkUrl(input.url.trim(), ['input', 'url']);
      for (const i of checked.issues) issues.add(i.path, i.message, i.code);
      url = checked.url;
    }
    if (input.eventTypes !== undefined) {
      const checked = checkEventTypes(input.eventTypes, ['input', 'eventTypes']);
      for (const i of checked.issues) issues.add(i.path, i.message, i.code);
      for (const type of checked.types) {
        if (mayReadEventType(actor.permissions, type)) continue;
        const permission = eventTypePermission[type];
        issues.add(['input', 'eventTypes', String(input.eventTypes.indexOf(type))], `${type} carries data that needs ${permission}, which you do not hold yourself`, 'NOT_PERMITTED');
      }
      out.eventTypes = storeEventTypes(checked.types);
    }
    if (input.description !== undefined) {
      if (input.description.length > MAX_DESCRIPTION_LENGTH) issues.add(['input', 'description'], `at most ${MAX_DESCRIPTION_LENGTH} characters`, 'OUT_OF_BOUNDS');
      out.description = input.description;
    }
    if (input.enabled !== undefined) out.enabled = input.enabled;
    if (url) {
      try {
        await vetHost(hostOf(url), this.deps.settings.allowPrivate, this.deps.settings.resolve);
        out.url = url.toString();
      } catch (error) {
        if (!(error instanceof AddressRefusedError)) throw error;
        issues.add(['input', 'url'], error.message, error.code);
      }
    }
    issues.throwIfAny();
    return out;
  }
}
