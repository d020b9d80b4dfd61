import type { Tx } from '../db/client.js';
import type { RenderDestination } from '../domains/types.js';
import { renderDestinations } from '../destinations/render.js';
import { ivrKeys, keyOfSlot, keySpecs, type IvrKey } from './keys.js';

/** The owner kind of an IVR's key events in the Destination table, and its number kind and destination kind. */
export const ivrKind = 'IVR';

/** An IVR (F-4.2.1) as the renderer sees it. */
export type SnapshotIvr = {
  id: string;
  name: string;
  number: string;
  promptId: string;
  repeatCount: number;
  allowDirectDial: boolean;
  /** The name of the direct-dial permission; null: extension numbers only. */
  directDialPermission: string | null;
  language: string;
  digitTimeoutSeconds: number;
  /** The configured keys 0–9, *, # in key order. */
  keys: { key: IvrKey; destination: RenderDestination }[];
  noInput: RenderDestination;
  invalid: RenderDestination;
};

declare module '../pbx/render/snapshot.js' {
  interface PbxSnapshot {
    /** Every IVR by number; absent reads as none (snapshots made by hand in tests). */
    ivrs?: SnapshotIvr[];
  }
}

const hangup: RenderDestination = { type: 'HANGUP', number: null };

export async function readIvrSlice(tx: Tx): Promise<{ ivrs: SnapshotIvr[] }> {
  const rows = await tx.ivr.findMany({ include: { directDialPermission: { select: { name: true } } }, orderBy: { number: 'asc' } });
  const destinations = await renderDestinations(tx, ivrKind);
  return {
    ivrs: rows.map((row) => {
      const slots = destinations.get(row.id) ?? new Map<string, RenderDestination>();
      const keys = [...slots]
        .map(([slot, destination]) => ({ key: keyOfSlot(slot), destination }))
        .filter((k): k is { key: IvrKey; destination: RenderDestination } => k.key !== null && k.key !== 'NO_INPUT' && k.key !== 'INVALID')
        .sort((a, b) => ivrKeys.indexOf(a.key) - ivrKeys.indexOf(b.key));
      return {
        id: row.id,
        name: row.name,
        number: row.number,
        promptId: row.promptId,
        repeatCount: row.repeatCount,
        allowDirectDial: row.allowDirectDial,
        directDialPermission: row.directDialPermission?.name ?? null,
        language: row.language,
        digitTimeoutSeconds: row.digitTimeoutSeconds,
        keys,
        noInput: slots.get(keySpecs.NO_INPUT.slot) ?? hangup,
        invalid: slots.get(keySpecs.INVALID.slot) ?? hangup,
      };
    }),
  };
}
