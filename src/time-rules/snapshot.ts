import type { Tx } from '../db/client.js';
import type { RenderDestination } from '../domains/types.js';
import { renderDestinations } from '../destinations/render.js';
import type { HolidayRange, WorkRange } from './schedule.js';

/** A time rule (F-4.2.3.c) as the renderer sees it: its schedule's and holiday list's ranges, and its three destinations. */
export type SnapshotTimeRule = {
  id: string;
  name: string;
  work: WorkRange[];
  /** Empty when the rule has no holiday list. */
  holidays: HolidayRange[];
  workDestination: RenderDestination;
  offHoursDestination: RenderDestination;
  /** Null when the rule has no holiday list. */
  holidayDestination: RenderDestination | null;
};

declare module '../pbx/render/snapshot.js' {
  interface PbxSnapshot {
    /** Every time rule, by name; absent reads as none (snapshots made by hand in tests). */
    timeRules?: SnapshotTimeRule[];
  }
}

/** Stored JSON lists of ranges (WorkSchedule.ranges, Holiday.ranges). */
export function parseRanges<T>(text: string): T[] {
  const value: unknown = JSON.parse(text);
  if (!Array.isArray(value)) throw new Error(`stored ranges are not a list: ${text}`);
  return value as T[];
}

const hangup: RenderDestination = { type: 'HANGUP', number: null };

export async function readTimeRuleSlice(tx: Tx): Promise<{ timeRules: SnapshotTimeRule[] }> {
  const rows = await tx.timeRule.findMany({ include: { workSchedule: true, holiday: true }, orderBy: { name: 'asc' } });
  const destinations = await renderDestinations(tx, 'TIME_RULE');
  return {
    timeRules: rows.map((r) => {
      const slots = destinations.get(r.id);
      return {
        id: r.id,
        name: r.name,
        work: parseRanges<WorkRange>(r.workSchedule.ranges),
        holidays: r.holiday ? parseRanges<HolidayRange>(r.holiday.ranges) : [],
        workDestination: slots?.get('work') ?? hangup,
        offHoursDestination: slots?.get('offHours') ?? hangup,
        holidayDestination: r.holiday ? (slots?.get('holiday') ?? hangup) : null,
      };
    }),
  };
}
