import type { PrismaClient } from '../db/client.js';
import { parseEventTypes } from './endpoint-fields.js';

/** Events fanned out per transaction. */
const BATCH = 200;

export type FanOutEvent = { id: string; type: string };
export type FanOutEndpoint = { id: string; eventTypes: string };

/** The messages to create: one per event and enabled endpoint subscribed to its type (pure). */
export function planFanOut(events: FanOutEvent[], endpoints: FanOutEndpoint[]): { eventId: string; endpointId: string }[] {
  const subscribed = endpoints.map((e) => ({ id: e.id, types: new Set(parseEventTypes(e.eventTypes)) }));
  return events.flatMap((event) => subscribed.filter((e) => e.types.has(event.type)).map((e) => ({ eventId: event.id, endpointId: e.id })));
}

/**
 * Creates the messages of the events not fanned out yet and marks those
 * events, in one transaction: a crash leaves either both or neither. An
 * event no endpoint wants is marked all the same. Returns how many messages
 * it created (0 when there was nothing to do).
 */
export async function fanOutPending(prisma: PrismaClient, now: () => Date = () => new Date()): Promise<{ events: number; messages: number }> {
  const events = await prisma.webhookEvent.findMany({ where: { fannedOut: false }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], take: BATCH, select: { id: true, type: true } });
  if (!events.length) return { events: 0, messages: 0 };
  const endpoints = await prisma.webhookEndpoint.findMany({ where: { enabled: true }, select: { id: true, eventTypes: true } });
  const plan = planFanOut(events, endpoints);
  const at = now();
  await prisma.$transaction(async (tx) => {
    // The unique (endpointId, eventId) refuses a second fan-out of the same event, should two ever overlap.
    if (plan.length) await tx.webhookMessage.createMany({ data: plan.map((m) => ({ ...m, status: 'PENDING', attempts: 0, nextAttemptAt: at, createdAt: at })) });
    await tx.webhookEvent.updateMany({ where: { id: { in: events.map((e) => e.id) } }, data: { fannedOut: true } });
  });
  return { events: events.length, messages: plan.length };
}
