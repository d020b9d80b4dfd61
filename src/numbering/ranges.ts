import { domains } from '../domains/registry.js';
import type { FieldIssue } from '../errors.js';
import type { NumberingPlan, NumberRange } from '../settings/schemas.js';

/** The kind of object that owns a dialable number: registered by its domain (D5). */
export type NumberKind = string;

export const rangeLabels: Record<keyof NumberingPlan, string> = {
  userExtensionRange: 'user extension range',
  departmentRange: 'department range',
  queueRange: 'queue range',
  pagingRange: 'paging group range',
  ivrRange: 'IVR range',
  disaRange: 'DISA range',
  conferenceRange: 'conference range',
  parkRetrievalRange: 'park retrieval range',
};

export function inRange(number: string, range: NumberRange): boolean {
  return number.length === range.start.length && number >= range.start && number <= range.end;
}

export function describeRange(field: keyof NumberingPlan, range: NumberRange): string {
  return `the ${rangeLabels[field]} ${range.start}–${range.end}`;
}

/** Returns an issue when `number` is not inside the range its kind draws from. */
export function checkNumberInPlan(plan: NumberingPlan, kind: NumberKind, number: string, path: string[]): FieldIssue | null {
  const field = domains.numberKind(kind)?.range;
  if (!field) return null;
  const range = plan[field];
  if (inRange(number, range)) return null;
  return { path, code: 'OUT_OF_RANGE', message: `${number} is outside ${describeRange(field, range)}` };
}

/** Ranges must be well-formed and must not overlap one another (F-4.6.1.a). */
export function validatePlanShape(plan: NumberingPlan): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const fields = Object.keys(plan) as (keyof NumberingPlan)[];
  for (const field of fields) {
    const r = plan[field];
    if (r.start.length !== r.end.length) {
      issues.push({ path: ['input', field, 'end'], code: 'INVALID', message: `${rangeLabels[field]}: both ends must have the same number of digits` });
    } else if (r.start > r.end) {
      issues.push({ path: ['input', field, 'end'], code: 'INVALID', message: `${rangeLabels[field]}: the end ${r.end} is below the start ${r.start}` });
    }
  }
  for (let i = 0; i < fields.length; i++) {
    for (let j = i + 1; j < fields.length; j++) {
      const a = plan[fields[i]!];
      const b = plan[fields[j]!];
      if (a.start.length === b.start.length && a.start <= b.end && b.start <= a.end) {
        issues.push({
          path: ['input', fields[j]!],
          code: 'OVERLAP',
          message: `${rangeLabels[fields[j]!]} ${b.start}–${b.end} overlaps the ${rangeLabels[fields[i]!]} ${a.start}–${a.end}`,
        });
      }
    }
  }
  return issues;
}
