import type { Tx } from '../db/client.js';
import { decodeGlobalId } from '../destinations/refs.js';

/** A queue named by its global ID, its number or its name (Destination targets), or null. */
export async function findQueueId(tx: Tx, ref: string): Promise<string | null> {
  const global = decodeGlobalId(ref);
  if (global?.type === 'Queue') return (await tx.queue.findUnique({ where: { id: global.id }, select: { id: true } }))?.id ?? null;
  const row = (await tx.queue.findUnique({ where: { number: ref }, select: { id: true } })) ?? (await tx.queue.findUnique({ where: { name: ref }, select: { id: true } }));
  return row?.id ?? null;
}
