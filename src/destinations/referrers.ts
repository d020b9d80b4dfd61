import type { Tx } from '../db/client.js';
import type { Referrer } from '../errors.js';
import { domains } from '../domains/registry.js';
import type { DomainContext, ReferenceChange } from '../domains/types.js';
import { storedFromRow } from './store.js';

/**
 * Everything that a change to the given objects would break, so the change
 * can be refused with the referrers' names: stored Destinations that point
 * at them (a delete removes their target; an update is re-validated: the
 * object must still be able to take such calls), and whatever the domains
 * register as referrers. Delete and renumber are asked before the write,
 * update after it.
 */
export async function findReferrers(tx: Tx, context: DomainContext, objectKind: string, ids: string[], change: ReferenceChange): Promise<Referrer[]> {
  if (!ids.length) return [];
  const referrers = await destinationReferrers(tx, objectKind, ids, change);
  for (const spec of domains.referrersOf(objectKind)) referrers.push(...(await spec.find(tx, ids, change, context)));
  return referrers;
}

async function destinationReferrers(tx: Tx, objectKind: string, ids: string[], change: ReferenceChange): Promise<Referrer[]> {
  if (change === 'renumber') return []; // destinations hold ids, not numbers
  const rows = await tx.destination.findMany({ where: { targetKind: objectKind, targetId: { in: ids } }, orderBy: [{ ownerKind: 'asc' }, { ownerId: 'asc' }, { slot: 'asc' }] });
  const referrers: Referrer[] = [];
  for (const row of rows) {
    let reason: string | null = null;
    if (change === 'update') {
      const target = domains.destination(row.type)?.target;
      reason = target?.kind === 'object' && target.unusable ? await target.unusable(tx, storedFromRow(row).target!) : null;
      if (!reason) continue;
    }
    const owner = (await domains.numberKind(row.ownerKind)?.describe(tx, [row.ownerId]))?.get(row.ownerId) ?? `${row.ownerKind.toLowerCase()} ${row.ownerId}`;
    const kind = domains.destination(row.type);
    const what = kind && kind.type !== objectKind ? ` (${kind.type})` : '';
    referrers.push({ kind: row.ownerKind, id: row.ownerId, label: `${owner} ${domains.slotLabel(row.slot)}${what}${reason ? `, but ${reason}` : ''}` });
  }
  return referrers;
}
