import { z } from 'zod';
import type { Database, Tx } from '../db/client.js';
import { resolveDestination, type DestinationInput, type StoredDestination } from '../destinations/destination.js';
import { findReferrers } from '../destinations/referrers.js';
import { deleteDestinations, loadDestinations, saveDestination } from '../destinations/store.js';
import type { ConfigChanges } from '../events/changes.js';
import { ConflictError, IssueCollector, NotFoundError, ReferencedError, ValidationError } from '../errors.js';
import type { SettingsStore } from '../settings/store.js';
import { charset } from '../validation/charsets.js';
import { checkField } from '../validation/issues.js';
import { findHolidayId, findWorkScheduleId } from './refs.js';
import { holidayRangeIssues, workRangeIssues, type HolidayRange, type WorkRange } from './schedule.js';

const name = (what: string) => z.string().min(1, 'required').max(64, 'at most 64 characters').regex(charset.name.pattern, charset.name.rule).describe(`${what} name, unique. ${charset.name.rule}`);

export const timeRuleFieldSchemas = {
  workScheduleName: name('Work schedule'),
  holidayName: name('Holiday list'),
  timeRuleName: name('Time rule'),
} as const;

export type WorkScheduleInput = { name?: string; ranges?: WorkRange[] };
export type HolidayInput = { name?: string; ranges?: HolidayRange[] };
export type TimeRuleInput = {
  name?: string;
  /** Name or global ID. */
  workSchedule?: string;
  /** Name or global ID; null removes the holiday list. */
  holiday?: string | null;
  workDestination?: DestinationInput;
  offHoursDestination?: DestinationInput;
  holidayDestination?: DestinationInput | null;
};

/** The destination slots of a time rule and their input fields. */
const slots = [
  { slot: 'work', field: 'workDestination' },
  { slot: 'offHours', field: 'offHoursDestination' },
  { slot: 'holiday', field: 'holidayDestination' },
] as const;

type NamedTable = 'workSchedule' | 'holiday' | 'timeRule';

/**
 * Time conditions (F-4.2.3): work schedules (ranges per weekday), holiday
 * lists (date ranges) and time rules joining them with three destinations.
 * A schedule or list a rule uses, and a rule that anything sends calls to or
 * a dial-rule entry depends on, cannot be deleted.
 */
export class TimeRuleService {
  constructor(
    private readonly db: Database,
    private readonly settings: SettingsStore,
    private readonly changes: ConfigChanges,
  ) {}

  // Work schedules (F-4.2.3.a)

  async createWorkSchedule(input: WorkScheduleInput) {
    requireFields(input, ['name', 'ranges']);
    return this.write('work schedules created', async (tx) => {
      await this.checkName(tx, 'workSchedule', input.name!, null);
      checkWorkRanges(input.ranges!);
      return tx.workSchedule.create({ data: { name: input.name!, ranges: JSON.stringify(input.ranges!.map(workRange)) } });
    });
  }

  async updateWorkSchedule(id: string, input: WorkScheduleInput) {
    return this.write('work schedules updated', async (tx) => {
      const current = await tx.workSchedule.findUnique({ where: { id } });
      if (!current) throw new NotFoundError('WorkSchedule', id);
      if (input.name !== undefined) await this.checkName(tx, 'workSchedule', input.name, current.name);
      if (input.ranges) checkWorkRanges(input.ranges);
      return tx.workSchedule.update({
        where: { id },
        data: { name: input.name ?? current.name, ...(input.ranges ? { ranges: JSON.stringify(input.ranges.map(workRange)) } : {}) },
      });
    });
  }

  async deleteWorkSchedules(ids: string[]) {
    return this.write('work schedules deleted', async (tx) => {
      const rows = await this.existing(tx, 'workSchedule', 'WorkSchedule', ids);
      const referrers = await findReferrers(tx, { settings: this.settings }, 'WORK_SCHEDULE', ids, 'delete');
      if (referrers.length) throw new ReferencedError(rows.length === 1 ? `Work schedule ${rows[0]!.name}` : 'These work schedules', referrers);
      await tx.workSchedule.deleteMany({ where: { id: { in: ids } } });
      return ids;
    });
  }

  // Holiday lists (F-4.2.3.b)

  async createHoliday(input: HolidayInput) {
    requireFields(input, ['name', 'ranges']);
    return this.write('holidays created', async (tx) => {
      await this.checkName(tx, 'holiday', input.name!, null);
      checkHolidayRanges(input.ranges!);
      return tx.holiday.create({ data: { name: input.name!, ranges: JSON.stringify(input.ranges!.map(holidayRange)) } });
    });
  }

  async updateHoliday(id: string, input: HolidayInput) {
    return this.write('holidays updated', async (tx) => {
      const current = await tx.holiday.findUnique({ where: { id } });
      if (!current) throw new NotFoundError('Holiday', id);
      if (input.name !== undefined) await this.checkName(tx, 'holiday', input.name, current.name);
      if (input.ranges) checkHolidayRanges(input.ranges);
      return tx.holiday.update({ where: { id }, data: { name: input.name ?? current.name, ...(input.ranges ? { ranges: JSON.stringify(input.ranges.map(holidayRange)) } : {}) } });
    });
  }

  async deleteHolidays(ids: string[]) {
    return this.write('holidays deleted', async (tx) => {
      const rows = await this.existing(tx, 'holiday', 'Holiday', ids);
      const referrers = await findReferrers(tx, { settings: this.settings }, 'HOLIDAY', ids, 'delete');
      if (referrers.length) throw new ReferencedError(rows.length === 1 ? `Holiday list ${rows[0]!.name}` : 'These holiday lists', referrers);
      await tx.holiday.deleteMany({ where: { id: { in: ids } } });
      return ids;
    });
  }

  // Time rules (F-4.2.3.c)

  async createTimeRule(input: TimeRuleInput) {
    requireFields(input, ['name', 'workSchedule', 'workDestination', 'offHoursDestination']);
    return this.write('time rules created', async (tx) => {
      await this.checkName(tx, 'timeRule', input.name!, null);
      const refs = await this.references(tx, input, { workScheduleId: null, holidayId: null });
      const destinations = await this.destinations(tx, input);
      if (refs.holidayId && !destinations.holiday) throw ValidationError.single(['input', 'holidayDestination'], 'required with a holiday list', 'REQUIRED');
      const row = await tx.timeRule.create({ data: { name: input.name!, workScheduleId: refs.workScheduleId!, holidayId: refs.holidayId } });
      for (const [slot, destination] of Object.entries(destinations)) if (destination) await saveDestination(tx, { kind: 'TIME_RULE', id: row.id, slot }, destination);
      return row;
    });
  }

  async updateTimeRule(id: string, input: TimeRuleInput) {
    return this.write('time rules updated', async (tx) => {
      const current = await tx.timeRule.findUnique({ where: { id } });
      if (!current) throw new NotFoundError('TimeRule', id);
      if (input.name !== undefined) await this.checkName(tx, 'timeRule', input.name, current.name);
      const refs = await this.references(tx, input, current);
      const destinations = await this.destinations(tx, input);
      await this.refuseCycles(tx, id, destinations);
      const stored = (await loadDestinations(tx, 'TIME_RULE', [id])).get(id);
      if (refs.holidayId && !destinations.holiday && !stored?.has('holiday')) throw ValidationError.single(['input', 'holidayDestination'], 'required with a holiday list', 'REQUIRED');
      for (const [slot, destination] of Object.entries(destinations)) if (destination) await saveDestination(tx, { kind: 'TIME_RULE', id, slot }, destination);
      return tx.timeRule.update({ where: { id }, data: { name: input.name ?? current.name, workScheduleId: refs.workScheduleId!, holidayId: refs.holidayId } });
    });
  }

  /** Rules deleted together may point at one another; anything else that sends calls to one, or a dial-rule entry that depends on one, refuses. */
  async deleteTimeRules(ids: string[]) {
    return this.write('time rules deleted', async (tx) => {
      const rows = await this.existing(tx, 'timeRule', 'TimeRule', ids);
      const referrers = (await findReferrers(tx, { settings: this.settings }, 'TIME_RULE', ids, 'delete')).filter((r) => !(r.kind === 'TIME_RULE' && ids.includes(r.id)));
      if (referrers.length) throw new ReferencedError(rows.length === 1 ? `Time rule ${rows[0]!.name}` : 'These time rules', referrers);
      await deleteDestinations(tx, 'TIME_RULE', ids);
      await tx.timeRule.deleteMany({ where: { id: { in: ids } } });
      return ids;
    });
  }

  private async write<T>(what: string, work: (tx: Tx) => Promise<T>): Promise<T> {
    const result = await this.db.prisma.$transaction(work);
    this.changes.notify(what);
    return result;
  }

  private async existing(tx: Tx, table: NamedTable, entity: string, ids: string[]): Promise<{ id: string; name: string }[]> {
    const where = { where: { id: { in: ids } }, select: { id: true, name: true } } as const;
    const rows = table === 'workSchedule' ? await tx.workSchedule.findMany(where) : table === 'holiday' ? await tx.holiday.findMany(where) : await tx.timeRule.findMany(where);
    const missing = ids.find((id) => !rows.some((r) => r.id === id));
    if (missing) throw new NotFoundError(entity, missing);
    return rows;
  }

  private async checkName(tx: Tx, table: NamedTable, value: string, current: string | null) {
    const schema = table === 'workSchedule' ? timeRuleFieldSchemas.workScheduleName : table === 'holiday' ? timeRuleFieldSchemas.holidayName : timeRuleFieldSchemas.timeRuleName;
    const issues = checkField(schema, value, ['input', 'name']);
    if (issues.length) throw new ValidationError(issues);
    if (value === current) return;
    const where = { where: { name: value }, select: { id: true } } as const;
    const clash = table === 'workSchedule' ? await tx.workSchedule.findUnique(where) : table === 'holiday' ? await tx.holiday.findUnique(where) : await tx.timeRule.findUnique(where);
    const noun = table === 'workSchedule' ? 'work schedule' : table === 'holiday' ? 'holiday list' : 'time rule';
    if (clash) throw new ConflictError(`A ${noun} named ${value} exists`, ['input', 'name']);
  }

  /** The schedule and holiday list the input names (absent: unchanged; holiday null: none). */
  private async references(tx: Tx, input: TimeRuleInput, current: { workScheduleId: string | null; holidayId: string | null }) {
    const issues = new IssueCollector();
    let workScheduleId = current.workScheduleId;
    let holidayId = current.holidayId;
    if (input.workSchedule !== undefined) {
      workScheduleId = await findWorkScheduleId(tx, input.workSchedule);
      if (!workScheduleId) issues.add(['input', 'workSchedule'], `no work schedule ${input.workSchedule} exists`, 'NOT_FOUND');
    }
    if (input.holiday !== undefined) {
      holidayId = input.holiday === null ? null : await findHolidayId(tx, input.holiday);
      if (input.holiday !== null && !holidayId) issues.add(['input', 'holiday'], `no holiday list ${input.holiday} exists`, 'NOT_FOUND');
    }
    issues.throwIfAny();
    return { workScheduleId, holidayId };
  }

  private async destinations(tx: Tx, input: TimeRuleInput): Promise<Record<string, StoredDestination | null>> {
    const result: Record<string, StoredDestination | null> = {};
    for (const { slot, field } of slots) {
      const given = input[field];
      result[slot] = given ? await resolveDestination(tx, given, ['input', field]) : null;
    }
    return result;
  }

  /**
   * A rule whose destination leads, through time rules only, back to itself
   * would loop in the dialplan without end: refused. Other features on the
   * way (a department ringing, an IVR waiting for a key) are not a loop.
   */
  private async refuseCycles(tx: Tx, id: string, destinations: Record<string, StoredDestination | null>) {
    const names = async (ids: string[]) => new Map((await tx.timeRule.findMany({ where: { id: { in: ids } }, select: { id: true, name: true } })).map((r) => [r.id, r.name]));
    for (const { slot, field } of slots) {
      const destination = destinations[slot];
      if (destination?.type !== 'TIME_RULE' || !destination.target) continue;
      const path = ['input', field, 'target'];
      if (destination.target === id) throw ValidationError.single(path, 'a time rule cannot send calls to itself', 'CYCLE');
      const chain = await timeRulePath(tx, destination.target, id);
      if (chain) {
        const label = await names(chain);
        throw ValidationError.single(path, `time rule ${label.get(chain[0]!)} leads back to this rule (${chain.map((c) => label.get(c)).join(' → ')} → this rule): calls would loop`, 'CYCLE');
      }
    }
  }
}

/** The chain of time rules from `from` that reaches `to` through TIME_RULE destinations, or null. */
async function timeRulePath(tx: Tx, from: string, to: string): Promise<string[] | null> {
  const seen = new Set<string>([from]);
  const queue: string[][] = [[from]];
  while (queue.length) {
    const chain = queue.shift()!;
    const rows = await tx.destination.findMany({ where: { ownerKind: 'TIME_RULE', ownerId: chain[chain.length - 1]!, type: 'TIME_RULE' }, select: { targetId: true } });
    for (const { targetId } of rows) {
      if (!targetId) continue;
      if (targetId === to) return chain;
      if (seen.has(targetId)) continue;
      seen.add(targetId);
      queue.push([...chain, targetId]);
    }
  }
  return null;
}

function requireFields<T extends object>(input: T, keys: (keyof T & string)[]) {
  const missing = keys.filter((k) => input[k] === undefined || input[k] === null);
  if (missing.length) throw new ValidationError(missing.map((k) => ({ path: ['input', k], message: 'required', code: 'REQUIRED' })));
}

function checkWorkRanges(ranges: WorkRange[]) {
  const issues = workRangeIssues(ranges, ['input', 'ranges']);
  if (issues.length) throw new ValidationError(issues);
}

function checkHolidayRanges(ranges: HolidayRange[]) {
  const issues = holidayRangeIssues(ranges, ['input', 'ranges']);
  if (issues.length) throw new ValidationError(issues);
}

/** Only the fields of a range are stored (the input may carry more). */
const workRange = (r: WorkRange): WorkRange => ({ weekday: r.weekday, start: r.start, end: r.end });
const holidayRange = (r: HolidayRange): HolidayRange => ({ start: r.start, end: r.end });
