import type { Tx } from '../db/client.js';
import type { PbxSnapshot } from '../pbx/render/snapshot.js';
import type { SnapshotTrunkCore } from '../trunks/contract.js';

export const callerIdSources = ['EXT_CALLER_ID_1', 'EXT_CALLER_ID_2'] as const;
export type CallerIdSource = (typeof callerIdSources)[number];
/** How an entry's trunks are tried; only sequential (in order, the next when one fails) is rendered. */
export const trunkSelections = ['SEQUENTIAL'] as const;
export type TrunkSelection = (typeof trunkSelections)[number];

/** One pattern of a dial rule (F-4.3.2.a), as the renderer sees it. */
export type SnapshotDialRuleEntry = {
  id: string;
  prefix: string;
  pattern: string;
  prependDigits: string;
  pinSetId: string | null;
  callerIdSource: CallerIdSource;
  callTimeLimitSeconds: number | null;
  trunkSelection: TrunkSelection;
  /** Trunk ids in the order they are tried. */
  trunks: string[];
  /** Outside the working time of this time rule (holidays included) the entry is not used (F-4.3.2.a); absent or null: always used. */
  timeRuleId?: string | null;
};

/** A dial rule (F-4.3.2): its entries in order. */
export type SnapshotDialRule = { id: string; name: string; entries: SnapshotDialRuleEntry[] };

declare module '../pbx/render/snapshot.js' {
  interface PbxSnapshot {
    /** Every dial rule, by name. */
    dialRules: SnapshotDialRule[];
  }
}

/** The trunks of the snapshot (the trunk domain's slice); none while that domain is not registered. */
export function snapshotTrunks(snapshot: PbxSnapshot): SnapshotTrunkCore[] {
  return (snapshot as { trunks?: SnapshotTrunkCore[] }).trunks ?? [];
}

export async function readDialRuleSlice(tx: Tx): Promise<{ dialRules: SnapshotDialRule[] }> {
  const rows = await tx.dialRule.findMany({
    orderBy: { name: 'asc' },
    include: { entries: { orderBy: { position: 'asc' }, include: { trunks: { orderBy: { position: 'asc' }, select: { trunkId: true } } } } },
  });
  return {
    dialRules: rows.map((r) => ({
      id: r.id,
      name: r.name,
      entries: r.entries.map((e) => ({
        id: e.id,
        prefix: e.prefix,
        pattern: e.pattern,
        prependDigits: e.prependDigits,
        pinSetId: e.pinSetId,
        callerIdSource: e.callerIdSource as CallerIdSource,
        callTimeLimitSeconds: e.callTimeLimitSeconds,
        trunkSelection: e.trunkSelection as TrunkSelection,
        trunks: e.trunks.map((t) => t.trunkId),
        timeRuleId: e.timeRuleId,
      })),
    })),
  };
}
