import type { Tx } from '../db/client.js';
import { decodeGlobalId } from '../destinations/refs.js';

/**
 * The only place dial rules read Trunk rows themselves (the trunk domain
 * owns them): finding the trunk an entry names, by its global ID or name,
 * and describing trunks in messages.
 */
export async function findTrunk(tx: Tx, ref: string): Promise<{ id: string; name: string } | null> {
  const global = decodeGlobalId(ref);
  if (global && ['Trunk', 'SipTrunk', 'IaxTrunk'].includes(global.type)) return tx.trunk.findUnique({ where: { id: global.id }, select: { id: true, name: true } });
  return tx.trunk.findUnique({ where: { name: ref }, select: { id: true, name: true } });
}

/** The global ID of a trunk, as the trunk domain's GraphQL types name it. */
export const trunkTypename = (kind: string) => (kind === 'IAX' ? 'IaxTrunk' : 'SipTrunk');

/** The trunks as the warnings of a rule need them (the snapshot's shape, what the warnings read). */
export async function trunksForWarnings(tx: Tx, ids: string[]) {
  const rows = await tx.trunk.findMany({ where: { id: { in: ids } }, select: { id: true, name: true, enabled: true, kind: true } });
  return rows;
}
