import type { Tx } from '../db/client.js';
import type { SnapshotTrunkCore } from './contract.js';
import type { IaxTrunkFields, SipTrunkFields } from './fields.js';
import { fromRow } from './rows.js';

/** A SIP trunk as the renderer sees it: the contract's core and every SIP field. */
export type SnapshotSipTrunk = SnapshotTrunkCore & Omit<SipTrunkFields, keyof SnapshotTrunkCore> & { kind: 'SIP' };
/** An IAX trunk as the renderer sees it. */
export type SnapshotIaxTrunk = SnapshotTrunkCore & Omit<IaxTrunkFields, keyof SnapshotTrunkCore> & { kind: 'IAX' };
export type SnapshotTrunk = SnapshotSipTrunk | SnapshotIaxTrunk;

declare module '../pbx/render/snapshot.js' {
  interface PbxSnapshot {
    /** Every SIP and IAX trunk in name order, enabled or not. */
    trunks: SnapshotTrunk[];
  }
}

export async function readTrunkSlice(tx: Tx): Promise<{ trunks: SnapshotTrunk[] }> {
  const rows = await tx.trunk.findMany({ where: { kind: { in: ['SIP', 'IAX'] } }, include: { dialPermission: { select: { name: true } } }, orderBy: { name: 'asc' } });
  return { trunks: rows.map((r) => ({ ...fromRow(r, r.dialPermission.name), id: r.id, kind: r.kind }) as SnapshotTrunk) };
}
