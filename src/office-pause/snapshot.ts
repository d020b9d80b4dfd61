import type { Tx } from '../db/client.js';
import type { RenderDestination } from '../domains/types.js';
import { renderDestinations } from '../destinations/render.js';

/** Where office pause keeps its one destination in the Destination table. */
export const officePauseOwner = { kind: 'OFFICE_PAUSE', id: 'office-pause', slot: 'officePause' } as const;

export type SnapshotOfficePause = {
  /** Where every inbound call goes while office pause is on; null: none set yet (*81 is refused). */
  destination: RenderDestination | null;
};

declare module '../pbx/render/snapshot.js' {
  interface PbxSnapshot {
    /** Office pause (F-4.2.4.a): its destination. Whether it is on is Asterisk's device state, not configuration. */
    officePause: SnapshotOfficePause;
  }
}

export async function readOfficePauseSlice(tx: Tx): Promise<{ officePause: SnapshotOfficePause }> {
  const destinations = await renderDestinations(tx, officePauseOwner.kind);
  return { officePause: { destination: destinations.get(officePauseOwner.id)?.get(officePauseOwner.slot) ?? null } };
}
