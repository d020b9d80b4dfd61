import type { PrismaClient } from '../db/client.js';
import type { Logger } from '../logger.js';
import type { Resolver } from './address-guard.js';
import { retryDelayMs } from './backoff.js';
import { sendWebhook, type SendResult } from './sender.js';
import { signatureHeaders } from './wire.js';

export const messageStatuses = ['PENDING', 'DELIVERED', 'FAILED'] as const;
export type MessageStatus = (typeof messageStatuses)[number];

export type DeliverySettings = { allowPrivate: boolean; timeoutMs: number; retryDelaysMs: readonly number[]; resolve?: Resolver };

/** What one attempt needs of a message. */
export type MessageToSend = {
  id: string;
  attempts: number;
  endpoint: { url: string; secret: string };
  event: { id: string; payload: string };
};

/**
 * SCHEDULED: the worker's attempt; a failure schedules the next one with
 * backoff or gives up (FAILED). REPLAY: sent again by hand; delivered makes
 * it DELIVERED, a failure leaves its state as it was. PING: a test event,
 * DELIVERED or FAILED at once, never retried.
 */
export type AttemptMode = 'SCHEDULED' | 'REPLAY' | 'PING';

export type AttemptOutcome = { attemptId: string | null; result: SendResult };

/** The state a message goes to after an attempt (pure). */
export function afterAttempt(
  mode: AttemptMode,
  attemptsMade: number,
  delivered: boolean,
  at: Date,
  delaysMs: readonly number[],
  random: () => number = Math.random,
): { status?: MessageStatus; nextAttemptAt?: Date; deliveredAt?: Date } {
  if (delivered) return { status: 'DELIVERED', deliveredAt: at };
  if (mode === 'PING') return { status: 'FAILED' };
  if (mode === 'REPLAY') return {};
  const delay = retryDelayMs(attemptsMade, delaysMs, random);
  return delay === null ? { status: 'FAILED' } : { status: 'PENDING', nextAttemptAt: new Date(at.getTime() + delay) };
}

/**
 * Sends a message once (signed now, with its webhook-id) and records the
 * attempt in the delivery log with the message's new state. A request the
 * server's stopping aborted is no attempt: nothing is recorded and the
 * message is sent again later. A failure to record is logged; the message
 * then stays due and is sent again (at least once).
 */
export async function attemptDelivery(prisma: PrismaClient, log: Logger, message: MessageToSend, mode: AttemptMode, settings: DeliverySettings, signal?: AbortSignal): Promise<AttemptOutcome> {
  const attemptedAt = new Date();
  const result = await sendWebhook({
    url: message.endpoint.url,
    body: message.event.payload,
    headers: signatureHeaders(message.endpoint.secret, message.event.id, message.event.payload, attemptedAt),
    timeoutMs: settings.timeoutMs,
    allowPrivate: settings.allowPrivate,
    resolve: settings.resolve,
    signal,
  });
  if (result.aborted) return { attemptId: null, result };
  try {
    const attemptId = await prisma.$transaction(async (tx) => {
      const current = await tx.webhookMessage.findUnique({ where: { id: message.id }, select: { status: true } });
      if (!current) return null; // its endpoint was deleted meanwhile
      const next = afterAttempt(mode, message.attempts + 1, result.delivered, new Date(), settings.retryDelaysMs);
      // A scheduled attempt changes only a message still pending (a replay may have delivered it meanwhile).
      const change = mode === 'SCHEDULED' && current.status !== 'PENDING' ? {} : next;
      await tx.webhookMessage.update({ where: { id: message.id }, data: { ...change, attempts: { increment: 1 }, lastAttemptAt: attemptedAt } });
      const attempt = await tx.webhookAttempt.create({
        data: { messageId: message.id, attemptedAt, httpStatus: result.httpStatus, error: result.error, durationMs: result.durationMs, responseBody: result.responseBody },
        select: { id: true },
      });
      return attempt.id;
    });
    return { attemptId, result };
  } catch (error) {
    log.error({ err: error, messageId: message.id }, 'webhooks: recording an attempt failed; the message will be sent again');
    return { attemptId: null, result };
  }
}
