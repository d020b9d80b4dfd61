import type { FieldIssue } from '../errors.js';

/**
 * Time conditions (F-4.2.3), the pure part: the shape and rules of work
 * ranges and holiday ranges, their normalisation into what Asterisk is given
 * (one place, used by the renderer), and an evaluator of exactly that
 * normalised form with Asterisk's semantics, so tests can prove what the
 * rendered dialplan decides at a given instant.
 */

/** In Asterisk's order (tm_wday: 0 = Sunday), the names GotoIfTime takes in lower case. */
export const weekdays = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] as const;
export type Weekday = (typeof weekdays)[number];

/** A working range of one weekday: start ≤ t < end, HH:MM on a 24-hour clock; end may be 24:00 (midnight). */
export type WorkRange = { weekday: Weekday; start: string; end: string };
/** A holiday range: every date from start to end, both included (YYYY-MM-DD). */
export type HolidayRange = { start: string; end: string };

export type TimeState = 'WORK' | 'OFF_HOURS' | 'HOLIDAY';

export const MAX_WORK_RANGES = 100;
export const MAX_HOLIDAY_RANGES = 200;

const startPattern = /^([01]\d|2[0-3]):[0-5]\d$/;
const endPattern = /^(([01]\d|2[0-3]):[0-5]\d|24:00)$/;
const datePattern = /^(\d{4})-(\d{2})-(\d{2})$/;
export const startRule = 'HH:MM on a 24-hour clock (00:00–23:59)';
export const endRule = 'HH:MM on a 24-hour clock (00:01–24:00)';
export const dateRule = 'a date as YYYY-MM-DD';

const minuteOf = (time: string) => Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));
const hhmm = (minute: number) => `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;

/** Field issues of a schedule's ranges, under `path` (e.g. input.ranges.3.end); overlaps name the other range's index. */
export function workRangeIssues(ranges: WorkRange[], path: string[]): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (ranges.length > MAX_WORK_RANGES) return [{ path, message: `at most ${MAX_WORK_RANGES} ranges`, code: 'OUT_OF_BOUNDS' }];
  const valid: { index: number; range: WorkRange }[] = [];
  ranges.forEach((range, index) => {
    const at = [...path, String(index)];
    const before = issues.length;
    if (!weekdays.includes(range.weekday)) issues.push({ path: [...at, 'weekday'], message: `one of ${weekdays.join(', ')}`, code: 'INVALID_VALUE' });
    if (!startPattern.test(range.start)) issues.push({ path: [...at, 'start'], message: startRule, code: 'INVALID_FORMAT' });
    if (!endPattern.test(range.end)) issues.push({ path: [...at, 'end'], message: endRule, code: 'INVALID_FORMAT' });
    if (issues.length > before) return;
    if (minuteOf(range.end) <= minuteOf(range.start)) {
      issues.push({ path: [...at, 'end'], message: `must be after the start ${range.start}`, code: 'INVALID_RANGE' });
      return;
    }
    const other = valid.find((v) => v.range.weekday === range.weekday && minuteOf(v.range.start) < minuteOf(range.end) && minuteOf(range.start) < minuteOf(v.range.end));
    if (other) {
      const o = other.range;
      issues.push({ path: at, message: `overlaps range ${other.index} (${o.weekday} ${o.start}–${o.end}) of the same day`, code: 'OVERLAP' });
      return;
    }
    valid.push({ index, range });
  });
  return issues;
}

/** The date as a number YYYYMMDD, or null when it is not a calendar date. */
export function dateNumber(date: string): number | null {
  const m = datePattern.exec(date);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const check = new Date(Date.UTC(y, mo - 1, d));
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) return null;
  return y * 10000 + mo * 100 + d;
}

/** Field issues of a holiday list's ranges, under `path`. Ranges may span months and years, and may overlap (harmless). */
export function holidayRangeIssues(ranges: HolidayRange[], path: string[]): FieldIssue[] {
  if (ranges.length > MAX_HOLIDAY_RANGES) return [{ path, message: `at most ${MAX_HOLIDAY_RANGES} ranges`, code: 'OUT_OF_BOUNDS' }];
  const issues: FieldIssue[] = [];
  ranges.forEach((range, index) => {
    const at = [...path, String(index)];
    const start = dateNumber(range.start);
    const end = dateNumber(range.end);
    if (start === null) issues.push({ path: [...at, 'start'], message: dateRule, code: 'INVALID_FORMAT' });
    if (end === null) issues.push({ path: [...at, 'end'], message: dateRule, code: 'INVALID_FORMAT' });
    if (start !== null && end !== null && end < start) issues.push({ path: [...at, 'end'], message: `must not be before the start ${range.start}`, code: 'INVALID_RANGE' });
  });
  return issues;
}

/**
 * One GotoIfTime condition: `times` as Asterisk reads it and the weekdays
 * (0 = Sunday) it holds on.
 *
 * Asterisk 22, main/pbx_timing.c get_timerange(): a range `HH:MM-HH:MM` sets
 * one bit per minute from the start minute up to the end minute and then
 * "Do the last one": the end minute is included, so `09:00-18:00` would hold
 * until 18:00:59. A schedule's end is exclusive (09:00–18:00 means
 * 09:00:00 ≤ t < 18:00:00), so the end is written one minute earlier
 * (`09:00-17:59`, and 24:00 becomes 23:59). ast_check_timing2() compares
 * whole minutes (tm_hour, tm_min), so seconds need nothing more.
 */
export type Timing = { times: string; days: number[] };

/** A schedule's ranges as GotoIfTime conditions: ranges with the same times share one condition, in start order. */
export function workTimings(ranges: WorkRange[]): Timing[] {
  const byTimes = new Map<string, Set<number>>();
  for (const r of ranges) {
    const times = `${r.start}-${hhmm(minuteOf(r.end) - 1)}`;
    const days = byTimes.get(times) ?? new Set<number>();
    days.add(weekdays.indexOf(r.weekday));
    byTimes.set(times, days);
  }
  return [...byTimes].sort(([a], [b]) => a.localeCompare(b)).map(([times, days]) => ({ times, days: [...days].sort((a, b) => a - b) }));
}

/** The day-of-week field of GotoIfTime: runs of days as `mon-fri`, the rest joined with `&` (get_range() reads both). */
export function weekdayField(days: number[]): string {
  const names = days.map((d) => weekdays[d]!.toLowerCase());
  const parts: string[] = [];
  for (let i = 0; i < days.length;) {
    let j = i;
    while (j + 1 < days.length && days[j + 1] === days[j]! + 1) j++;
    parts.push(j > i ? `${names[i]}-${names[j]}` : names[i]!);
    i = j + 1;
  }
  return parts.join('&');
}

/** Holiday ranges as inclusive YYYYMMDD bounds, compared with STRFTIME(…,%Y%m%d) (GotoIfTime has no year), sorted, duplicates once. */
export function holidaySpans(ranges: HolidayRange[]): { from: number; to: number }[] {
  const spans = ranges.map((r) => ({ from: dateNumber(r.start), to: dateNumber(r.end) }));
  if (spans.some((s) => s.from === null || s.to === null)) throw new Error('holiday range with an invalid date');
  const unique = new Map(spans.map((s) => [`${s.from}-${s.to}`, s as { from: number; to: number }]));
  return [...unique.values()].sort((a, b) => a.from - b.from || a.to - b.to);
}

/** The wall-clock date, weekday and minute of an instant in a zone ('' = this host's zone). */
export function localTime(at: Date, zone: string): { date: number; weekday: number; minute: number } {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone: zone || undefined,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    weekday: 'short',
    hourCycle: 'h23',
  });
  const parts = Object.fromEntries(format.formatToParts(at).map((p) => [p.type, p.value]));
  return {
    date: Number(parts.year) * 10000 + Number(parts.month) * 100 + Number(parts.day),
    weekday: weekdays.indexOf(parts.weekday!.toUpperCase() as Weekday),
    minute: Number(parts.hour) * 60 + Number(parts.minute),
  };
}

/**
 * Whether a rendered condition holds, read as Asterisk 22 reads it
 * (pbx_timing.c): `times` a range whose end minute is included, `dow` names
 * and runs joined with `&`.
 */
export function asteriskTimingHolds(times: string, dow: string, local: { weekday: number; minute: number }): boolean {
  const dayMask = new Set<number>();
  for (const part of dow.split('&')) {
    const [a, b = a] = part.split('-').map((n) => weekdays.indexOf(n.toUpperCase() as Weekday));
    for (let d = a!; ; d = (d + 1) % 7) {
      dayMask.add(d);
      if (d === b) break;
    }
  }
  if (!dayMask.has(local.weekday)) return false;
  const [start, end] = times.split('-').map(minuteOf) as [number, number];
  for (let m = start; ; m = (m + 1) % (24 * 60)) {
    if (m === local.minute) return true;
    if (m === end) return false; // "Do the last one": the end minute was just checked
  }
}

/**
 * What a time rule decides at an instant, from the same normalised form the
 * dialplan is rendered from: a holiday date first, then a working range of
 * the weekday, else off hours (F-4.2.3.c).
 */
export function timeStateAt(rule: { work: WorkRange[]; holidays: HolidayRange[] }, at: Date, zone: string): TimeState {
  const local = localTime(at, zone);
  if (holidaySpans(rule.holidays).some((s) => local.date >= s.from && local.date <= s.to)) return 'HOLIDAY';
  if (workTimings(rule.work).some((t) => asteriskTimingHolds(t.times, weekdayField(t.days), local))) return 'WORK';
  return 'OFF_HOURS';
}
