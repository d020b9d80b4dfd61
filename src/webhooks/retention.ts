import type { PrismaClient } from '../db/client.js';

const BATCH = 500;

/**
 * Deletes events older than the retention whose messages are all settled
 * (delivered or given up), with their messages and delivery log. Pending
 * messages are never pruned. Returns how many events it deleted.
 */
export async function pruneSettledEvents(prisma: PrismaClient, retentionMs: number, now: Date = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - retentionMs);
  let deleted = 0;
  for (;;) {
    const rows = await prisma.webhookEvent.findMany({ where: { createdAt: { lt: cutoff }, fannedOut: true, messages: { none: { status: 'PENDING' } } }, select: { id: true }, take: BATCH });
    if (!rows.length) return deleted;
    const ids = rows.map((r) => r.id);
    await prisma.$transaction([
      prisma.webhookAttempt.deleteMany({ where: { message: { eventId: { in: ids } } } }),
      prisma.webhookMessage.deleteMany({ where: { eventId: { in: ids } } }),
      prisma.webhookEvent.deleteMany({ where: { id: { in: ids } } }),
    ]);
    deleted += ids.length;
    if (rows.length < BATCH) return deleted;
  }
}
