import type { Tx } from '../db/client.js';
import { domains } from '../domains/registry.js';
import type { StoredDestination } from './destination.js';

/**
 * Every stored Destination lives in one table, whichever feature holds it:
 * the owner (kind, id, slot such as `noAnswer`), the kind, and the target as
 * a reference to an object (kind and id), a text, or nothing. References and
 * referrers are therefore found the same way for every feature.
 */
export type DestinationOwner = { kind: string; id: string; slot: string };

export async function saveDestination(tx: Tx, owner: DestinationOwner, destination: StoredDestination): Promise<void> {
  const target = domains.destination(destination.type)?.target;
  const targetKind = target?.kind === 'object' ? target.objectKind : null;
  const data = {
    type: destination.type,
    targetKind,
    targetId: targetKind ? destination.target : null,
    targetText: targetKind ? null : destination.target,
    parameters: JSON.stringify(destination.parameters),
  };
  await tx.destination.upsert({
    where: { ownerKind_ownerId_slot: { ownerKind: owner.kind, ownerId: owner.id, slot: owner.slot } },
    create: { ownerKind: owner.kind, ownerId: owner.id, slot: owner.slot, ...data },
    update: data,
  });
}

type Row = { ownerId: string; slot: string; type: string; targetId: string | null; targetText: string | null; parameters: string };

export function storedFromRow(row: Row): StoredDestination {
  return { type: row.type, target: row.targetId ?? row.targetText, parameters: parseParameters(row.parameters) };
}

/** The destinations of owners of one kind: owner id → slot → destination. */
export async function loadDestinations(tx: Tx, ownerKind: string, ownerIds?: string[]): Promise<Map<string, Map<string, StoredDestination>>> {
  const rows = await tx.destination.findMany({ where: { ownerKind, ...(ownerIds ? { ownerId: { in: ownerIds } } : {}) } });
  const byOwner = new Map<string, Map<string, StoredDestination>>();
  for (const row of rows) {
    const slots = byOwner.get(row.ownerId) ?? new Map<string, StoredDestination>();
    slots.set(row.slot, storedFromRow(row));
    byOwner.set(row.ownerId, slots);
  }
  return byOwner;
}

export async function deleteDestinations(tx: Tx, ownerKind: string, ownerIds: string[]): Promise<void> {
  await tx.destination.deleteMany({ where: { ownerKind, ownerId: { in: ownerIds } } });
}

function parseParameters(text: string): Record<string, unknown> {
  const value: unknown = JSON.parse(text);
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error(`stored destination parameters are not an object: ${text}`);
  return value as Record<string, unknown>;
}
