import type { Tx } from '../db/client.js';
import { renderDestinations } from '../destinations/render.js';
import type { RenderDestination } from '../domains/types.js';
import { queueKinds } from './contract.js';
import type { QueueScalarFields } from './fields.js';

/** A queue (F-4.2.2) as the renderer sees it. */
export type SnapshotQueue = QueueScalarFields & {
  id: string;
  mohClassId: string;
  periodicAnnouncePromptId: string | null;
  /** Extension numbers, in list order. */
  staticAgents: string[];
  /** Extension numbers, by number. */
  dynamicAgents: string[];
  failover: RenderDestination;
};

declare module '../pbx/render/snapshot.js' {
  interface PbxSnapshot {
    /** Every queue, by number; absent reads as none (snapshots made by hand in tests). */
    queues?: SnapshotQueue[];
  }
}

export async function readQueueSlice(tx: Tx): Promise<{ queues: SnapshotQueue[] }> {
  const rows = await tx.queue.findMany({ include: { members: { include: { extension: { select: { number: true } } }, orderBy: { position: 'asc' } } }, orderBy: { number: 'asc' } });
  const destinations = await renderDestinations(tx, queueKinds.queue);
  return {
    queues: rows.map(({ members, createdAt: _c, updatedAt: _u, ...q }) => ({
      ...(q as typeof q & Pick<QueueScalarFields, 'strategy' | 'autopause' | 'announceHoldTime'>),
      staticAgents: members.filter((m) => m.kind === 'STATIC').map((m) => m.extension.number),
      dynamicAgents: members
        .filter((m) => m.kind === 'DYNAMIC')
        .map((m) => m.extension.number)
        .sort(),
      failover: destinations.get(q.id)?.get('failover') ?? { type: 'HANGUP', number: null },
    })),
  };
}
