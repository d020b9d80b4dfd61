import type { Tx } from '../db/client.js';
import type { ExtensionFields } from './fields.js';
import { fromRow } from './rows.js';
import type { SnapshotWhitelist } from '../whitelists/config.js';
import type { WhitelistDirection } from '../whitelists/service.js';

export type SnapshotExtension = ExtensionFields & { id: string };

declare module '../pbx/render/snapshot.js' {
  interface PbxSnapshot {
    /** Every extension in number order, enabled or not. */
    extensions: SnapshotExtension[];
  }
}

export async function readExtensionSlice(tx: Tx): Promise<{ extensions: SnapshotExtension[] }> {
  const rows = await tx.extension.findMany({ include: { dialPermission: { select: { name: true } }, whitelist: { select: { name: true } } }, orderBy: { number: 'asc' } });
  return { extensions: rows.map((r) => ({ id: r.id, ...fromRow(r, r.dialPermission.name, r.whitelist?.name ?? '') })) };
}

/** The extensions of these ids (those that exist) and the whitelists they link to: what their PJSIP objects are rendered from. */
export async function readExtensionsById(tx: Tx, ids: string[]): Promise<{ extensions: SnapshotExtension[]; whitelists: SnapshotWhitelist[] }> {
  const rows = await tx.extension.findMany({
    where: { id: { in: ids } },
    include: { dialPermission: { select: { name: true } }, whitelist: { select: { id: true, name: true, direction: true } } },
    orderBy: { number: 'asc' },
  });
  const whitelists = new Map<string, SnapshotWhitelist>();
  for (const { whitelist } of rows) if (whitelist) whitelists.set(whitelist.id, { ...whitelist, direction: whitelist.direction as WhitelistDirection, numbers: [] });
  return { extensions: rows.map((r) => ({ id: r.id, ...fromRow(r, r.dialPermission.name, r.whitelist?.name ?? '') })), whitelists: [...whitelists.values()] };
}
