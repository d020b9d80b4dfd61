import { can, refusal, type Principal } from '../auth/permissions.js';
import type { CallDirection } from '../calls/contract.js';
import type { Provider } from '../db/client.js';
import { IssueCollector, ValidationError } from '../errors.js';
import type { Prisma } from '../generated/prisma-sqlite/index.js';
import type { Disposition, RecordingKind } from './contract.js';

/** The filters of F-5.2, shared by call records and recordings (F-5.1.1: "the same as the CDR"). */
export type CallFilter = {
  from: Date;
  to: Date;
  caller?: string | null;
  callee?: string | null;
  trunk?: string | null;
  did?: string | null;
  pinCode?: string | null;
  direction?: CallDirection | null;
  disposition?: Disposition | null;
  extension?: string | null;
  minDurationSeconds?: number | null;
  maxDurationSeconds?: number | null;
};
export type RecordingFilter = CallFilter & { kind?: RecordingKind | null };

/** The range and the bounds make sense; issues at filter.<field>. */
export function checkFilter(filter: CallFilter): void {
  const issues = new IssueCollector();
  if (!(filter.from.getTime() < filter.to.getTime())) issues.add(['filter', 'to'], 'must be after from', 'OUT_OF_RANGE');
  for (const key of ['minDurationSeconds', 'maxDurationSeconds'] as const) {
    const value = filter[key];
    if (value !== null && value !== undefined && value < 0) issues.add(['filter', key], 'must be 0 or more', 'OUT_OF_RANGE');
  }
  const { minDurationSeconds: min, maxDurationSeconds: max } = filter;
  if (min !== null && min !== undefined && max !== null && max !== undefined && min > max) issues.add(['filter', 'maxDurationSeconds'], 'must not be below minDurationSeconds', 'OUT_OF_RANGE');
  if (issues.issues.length) throw new ValidationError(issues.issues);
}

/**
 * What a caller may see: an extension user the calls of its number (as caller or callee) since its extension was
 * created (a number given to a new extension does not bring the old one's calls), anyone else everything with the permission.
 */
function ownCalls(principal: Principal | null, permission: 'callRecords:read' | 'recordings:read', field: string): object | null {
  if (principal?.kind === 'extension') return { AND: [{ startedAt: { gte: principal.since } }, { OR: [{ callerExtension: principal.username }, { calleeExtension: principal.username }] }] };
  if (!can(principal, permission)) throw refusal(principal, `Not permitted: Query.${field}`);
  return null;
}

const contains = (text: string, provider: Provider) => (provider === 'postgres' ? { contains: text, mode: 'insensitive' as const } : { contains: text });

/** The conditions both tables share (they have the same column names). */
function commonConditions(filter: CallFilter, provider: Provider): object[] {
  const and: object[] = [{ startedAt: { gte: filter.from, lt: filter.to } }];
  if (filter.callee) and.push({ OR: [{ callee: contains(filter.callee, provider) }, { finalCallee: contains(filter.callee, provider) }] });
  if (filter.trunk) and.push({ trunk: contains(filter.trunk, provider) });
  if (filter.did) and.push({ did: contains(filter.did, provider) });
  if (filter.pinCode) and.push({ pinCode: filter.pinCode });
  if (filter.direction) and.push({ direction: filter.direction });
  if (filter.disposition) and.push({ disposition: filter.disposition });
  if (filter.extension) and.push({ OR: [{ callerExtension: filter.extension }, { calleeExtension: filter.extension }] });
  if (filter.minDurationSeconds !== null && filter.minDurationSeconds !== undefined) and.push({ durationSeconds: { gte: filter.minDurationSeconds } });
  if (filter.maxDurationSeconds !== null && filter.maxDurationSeconds !== undefined) and.push({ durationSeconds: { lte: filter.maxDurationSeconds } });
  return and;
}

/**
 * Call records matching a filter (F-5.2) that the caller may see. Caller:
 * part of the caller's number or name; callee: part of the number dialled
 * or of who took the call; trunk and DID: part of them; the PIN: exactly.
 */
export function callRecordWhere(filter: CallFilter, principal: Principal | null, provider: Provider): Prisma.CallRecordWhereInput {
  checkFilter(filter);
  const own = ownCalls(principal, 'callRecords:read', 'callRecords');
  const and = commonConditions(filter, provider) as Prisma.CallRecordWhereInput[];
  if (filter.caller) and.push({ OR: [{ caller: contains(filter.caller, provider) }, { callerName: contains(filter.caller, provider) }] });
  if (own) and.push(own);
  return { AND: and };
}

/** Recordings matching a filter (F-5.1.1, F-5.1.3), by their call's fields, that the caller may see; the duration is the recording's. */
export function recordingWhere(filter: RecordingFilter, principal: Principal | null, provider: Provider): Prisma.RecordingWhereInput {
  checkFilter(filter);
  const own = ownCalls(principal, 'recordings:read', 'recordings');
  const and = commonConditions(filter, provider) as Prisma.RecordingWhereInput[];
  if (filter.caller) and.push({ caller: contains(filter.caller, provider) });
  if (filter.kind) and.push({ kind: filter.kind });
  if (own) and.push(own);
  return { AND: and };
}

/** Whether the caller may see a recording or record of a call these extensions took part in. */
export function maySee(
  principal: Principal | null,
  permission: 'callRecords:read' | 'recordings:read',
  row: { callerExtension: string | null; calleeExtension: string | null; startedAt: Date },
): boolean {
  if (principal?.kind === 'extension') return row.startedAt >= principal.since && (row.callerExtension === principal.username || row.calleeExtension === principal.username);
  return can(principal, permission);
}
