import type { Tx } from '../db/client.js';
import type { ExtensionFields } from './fields.js';
import { fromRow } from './rows.js';

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
