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
  const broken: { row: (typeof rows)[number]; reason: string | null }[] = [];
  for (const row of rows) {
    if (change !== 'update') {
      broken.push({ row, reason: null });
      continue;
    }
    const target = domains.destination(row.type)?.target;
    const reason = target?.kind === 'object' && target.unusable ? await target.unusable(tx, storedFromRow(row).target!) : null;
    if (reason) broken.push({ row, reason });
  }
  const owners = await describeOwners(
    tx,
    broken.map(({ row }) => row),
  );
  return broken.map(({ row, reason }) => {
    const owner = owners.get(`${row.ownerKind}:${row.ownerId}`) ?? `${row.ownerKind.toLowerCase()} ${row.ownerId}`;
    const kind = domains.destination(row.type);
    const what = kind && kind.type !== objectKind ? ` (${kind.type})` : '';
    return { kind: row.ownerKind, id: row.ownerId, label: `${owner} ${domains.slotLabel(row.slot)}${what}${reason ? `, but ${reason}` : ''}` };
  });
}

/** Owner labels by `KIND:id`, one query per owner kind. */
async function describeOwners(tx: Tx, rows: { ownerKind: string; ownerId: string }[]): Promise<Map<string, string>> {
  const labels = new Map<string, string>();
  for (const kind of new Set(rows.map((r) => r.ownerKind))) {
    const ids = rows.filter((r) => r.ownerKind === kind).map((r) => r.ownerId);
    const described = (await domains.numberKind(kind)?.describe(tx, ids)) ?? new Map<string, string>();
    for (const [id, label] of described) labels.set(`${kind}:${id}`, label);
  }
  return labels;
}
