import type { Tx } from '../db/client.js';
import type { RenderDestination } from '../domains/types.js';
import { renderDestinations } from '../destinations/render.js';

export type SnapshotDepartment = {
  id: string;
  name: string;
  number: string;
  ringStrategy: 'RING_ALL' | 'SEQUENTIAL';
  ringTimeSeconds: number;
  distinctiveRing: string;
  noAnswer: RenderDestination;
  /** Member extension numbers in ring order. */
  members: string[];
};

declare module '../pbx/render/snapshot.js' {
  interface PbxSnapshot {
    /** Every department in number order. */
    departments: SnapshotDepartment[];
  }
}

export async function readDepartmentSlice(tx: Tx): Promise<{ departments: SnapshotDepartment[] }> {
  const rows = await tx.department.findMany({ include: { members: { include: { extension: { select: { number: true } } }, orderBy: { position: 'asc' } } }, orderBy: { number: 'asc' } });
  const destinations = await renderDestinations(tx, 'DEPARTMENT');
  return {
    departments: rows.map((d) => ({
      id: d.id,
      name: d.name,
      number: d.number,
      ringStrategy: d.ringStrategy as 'RING_ALL' | 'SEQUENTIAL',
      ringTimeSeconds: d.ringTimeSeconds,
      distinctiveRing: d.distinctiveRing,
      noAnswer: destinations.get(d.id)?.get('noAnswer') ?? { type: 'HANGUP', number: null },
      members: d.members.map((m) => m.extension.number),
    })),
  };
}
