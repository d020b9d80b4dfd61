import type { NumberChangeFollower, NumberChanges } from './number-changes.js';
import { inChunks } from '../db/chunks.js';
import type { ConfigChanges } from '../events/changes.js';
import { createChangesFiles, deleteChangesFiles, updateChangesFiles } from './apply-scope.js';
import { LONG_TRANSACTION, type Database, type Tx } from '../db/client.js';
import { LimitExceededError, NotFoundError, NumberConflictError, NotPermittedError, ReferencedError, ValidationError, type FieldIssue } from '../errors.js';
import { can, isSelfExtension, refusal, selfServiceExtensionFields, type Principal } from '../auth/permissions.js';
import { verifyPassword } from '../auth/passwords.js';
import { nameOrNumberContains } from '../db/search.js';
import { decodeGlobalId } from '../destinations/refs.js';
import type { Prisma } from '../generated/prisma-sqlite/index.js';
import { findReferrers } from '../destinations/referrers.js';
import { claimNumber, claimNumbers, findOwners, releaseNumbers } from '../numbering/namespace.js';
import { checkNumberInPlan } from '../numbering/ranges.js';
import type { SettingsStore } from '../settings/store.js';
import { extensionDefaults, perUserFields, type ExtensionFieldName, type ExtensionFields } from './fields.js';
import { fromRow, toRowData, type ExtensionRow } from './rows.js';
import { randomSipPassword } from './secrets.js';
import { validateExtension } from './validate.js';
import { dialableNumber } from '../validation/charsets.js';
import { findWhitelistId } from '../whitelists/service.js';
import { existingMohClassNames } from '../sounds/refs.js';

export type ExtensionInput = Partial<ExtensionFields>;
export type CallerIdStep = 'INCREMENT_1' | 'SAME';
export type ExtensionListFilter = { search?: string | null; enabled?: boolean | null; department?: string | null };
export type BatchCreateInput = {
  startNumber: string;
  count: number;
  startCallerId1?: string | null;
  callerIdStep1?: CallerIdStep | null;
  startCallerId2?: string | null;
  callerIdStep2?: CallerIdStep | null;
  password?: string | null;
  fields?: Omit<ExtensionInput, (typeof perUserFields)[number]>;
};
export type BatchEditInput = {
  fields: Omit<ExtensionInput, (typeof perUserFields)[number]>;
  startCallerId1?: string | null;
  callerIdStep1?: CallerIdStep | null;
  startCallerId2?: string | null;
  callerIdStep2?: CallerIdStep | null;
};
/** A row to create, with the path its issues are reported under. */
export type PlannedExtension = { fields: ExtensionFields; path: string[] };
/** ALL_OR_NOTHING writes nothing when any row has an issue; VALID_ROWS_ONLY writes the rows without one. */
export type ImportMode = 'ALL_OR_NOTHING' | 'VALID_ROWS_ONLY';

export const MAX_BATCH = 5000;

/** What changed, for the "configuration changed" notice. */
type ExtensionChange = { kind: 'created' | 'updated' | 'deleted'; ids: string[]; filesMayChange: boolean };

/**
 * IP extensions (F-4.1.2): validation, the numbering plan, capacity and
 * writes, each operation all-or-nothing in one transaction.
 */
export class ExtensionService {
  constructor(
    private readonly db: Database,
    private readonly settings: SettingsStore,
    private readonly changes: ConfigChanges,
    /** What is kept under the numbers outside the database (mailbox folders, astdb keys), told once a change is committed. */
    private readonly numberFollowers: readonly NumberChangeFollower[] = [],
  ) {}

  async create(input: ExtensionInput): Promise<string> {
    const [id] = await this.createPlanned([{ fields: withDefaults(input), path: ['input'] }]);
    return id!;
  }

  /** Batch add (F-4.1.2.d): numbers and caller IDs in sequence; an empty password gives each its own random one. */
  async createBatch(input: BatchCreateInput): Promise<string[]> {
    const issues: FieldIssue[] = [];
    if (!dialableNumber.pattern.test(input.startNumber)) issues.push({ path: ['input', 'startNumber'], message: dialableNumber.rule, code: 'INVALID_FORMAT' });
    if (!Number.isInteger(input.count) || input.count < 1 || input.count > MAX_BATCH) issues.push({ path: ['input', 'count'], message: `1–${MAX_BATCH}`, code: 'OUT_OF_BOUNDS' });
    if (issues.length) throw new ValidationError(issues);
    const numbers = sequence(input.startNumber, input.count, 'INCREMENT_1');
    if (!numbers) throw ValidationError.single(['input', 'count'], `the numbers run past ${'9'.repeat(input.startNumber.length)}`, 'OUT_OF_BOUNDS');
    const callerIds1 = callerIdSequence(input.startCallerId1, input.callerIdStep1, input.count, ['input', 'startCallerId1']);
    const callerIds2 = callerIdSequence(input.startCallerId2, input.callerIdStep2, input.count, ['input', 'startCallerId2']);
    const shared = rejectPerUserFields(input.fields ?? {}, ['input', 'fields']);
    const planned = numbers.map((number, i) => ({
      path: ['input', 'extensions', String(i)],
      fields: withDefaults({
        ...shared,
        number,
        name: number,
        password: input.password || randomSipPassword(),
        outboundCallerId1: callerIds1?.[i] ?? '',
        outboundCallerId2: callerIds2?.[i] ?? '',
      }),
    }));
    return this.createPlanned(planned);
  }

  /**
   * Creates validated rows in one transaction: every row checked against the
   * field rules, the numbering plan, each other and existing numbers, and the
   * capacity; nothing is written unless all pass. Returns the new ids in number order.
   */
  async createPlanned(planned: PlannedExtension[]): Promise<string[]> {
    const ids = await this.db.prisma.$transaction(async (tx) => {
      const issues = await this.checkPlanned(tx, planned);
      // One extension whose only problem is a taken number: the same NumberConflictError as every other create.
      if (planned.length === 1 && issues.length === 1 && issues[0]!.code === 'NUMBER_TAKEN') throw await numberConflict(tx, planned, issues[0]!);
      if (issues.length) throw new ValidationError(issues);
      return this.writePlanned(tx, planned);
    }, LONG_TRANSACTION);
    this.emit({ kind: 'created', ids, filesMayChange: createChangesFiles(planned.map((p) => p.fields)) });
    return ids;
  }

  /**
   * Imports planned rows: the check and the writes share one transaction, so
   * a number another request claims in between fails the whole write (the
   * claim's primary key) instead of slipping past the check. `readIssues` are
   * the cells that could not be read, reported with the check's issues.
   */
  async importPlanned(planned: PlannedExtension[], readIssues: FieldIssue[], mode: ImportMode): Promise<{ ids: string[]; rejected: FieldIssue[] }> {
    const result = await this.db.prisma.$transaction(async (tx) => {
      const issues = [...readIssues, ...(await this.checkPlanned(tx, planned))];
      if (issues.length && mode === 'ALL_OR_NOTHING') throw new ValidationError(issues);
      const valid = withoutIssues(planned, issues);
      return { ids: valid.length ? await this.writePlanned(tx, valid) : [], rejected: issues, filesMayChange: createChangesFiles(valid.map((p) => p.fields)) };
    }, LONG_TRANSACTION);
    if (result.ids.length) this.emit({ kind: 'created', ids: result.ids, filesMayChange: result.filesMayChange });
    return result;
  }

  /** All issues of planned rows, without writing: used by create and by import previews. */
  async checkPlanned(tx: Tx, planned: PlannedExtension[]): Promise<FieldIssue[]> {
    const issues: FieldIssue[] = [];
    const { numberingPlan: plan, system } = await this.settings.getMany(tx, ['numberingPlan', 'system']);
    const existing = await tx.extension.count();
    if (existing + planned.length > system.maxIpExtensions) {
      throw new LimitExceededError(
        'maxIpExtensions',
        system.maxIpExtensions,
        `This PBX takes at most ${system.maxIpExtensions} IP extensions; ${existing} exist and ${planned.length} more were asked for`,
      );
    }
    const seen = new Map<string, string[]>();
    for (const [i, p] of planned.entries()) {
      // Long imports hand the event loop back now and then.
      if (i % 250 === 249) await new Promise<void>((resolve) => setImmediate(resolve));
      issues.push(...validateExtension(p.fields, p.path));
      const numberPath = [...p.path, 'number'];
      const rangeIssue = dialableNumber.pattern.test(p.fields.number) ? checkNumberInPlan(plan, 'EXTENSION', p.fields.number, numberPath) : null;
      if (rangeIssue) issues.push(rangeIssue);
      const earlier = seen.get(p.fields.number);
      if (earlier) issues.push({ path: numberPath, message: `${p.fields.number} is also given at ${earlier.join('.')}`, code: 'DUPLICATE' });
      else seen.set(p.fields.number, p.path);
    }
    const owners = await findOwners(tx, [...seen.keys()]);
    for (const [number, owner] of owners) {
      issues.push({ path: [...seen.get(number)!, 'number'], message: `Number ${number} is already used by ${owner.label}`, code: 'NUMBER_TAKEN' });
    }
    const names = [...new Set(planned.map((p) => p.fields.dialPermission))];
    const known = new Set((await tx.dialPermission.findMany({ where: { name: { in: names } }, select: { name: true } })).map((d) => d.name));
    for (const p of planned) {
      if (!known.has(p.fields.dialPermission)) issues.push({ path: [...p.path, 'dialPermission'], message: `no dial permission named ${p.fields.dialPermission}`, code: 'NOT_FOUND' });
    }
    const whitelists = await this.whitelistIds(tx, planned);
    for (const p of planned) {
      if (p.fields.whitelist && !whitelists.has(p.fields.whitelist)) issues.push({ path: [...p.path, 'whitelist'], message: `no whitelist named ${p.fields.whitelist}`, code: 'NOT_FOUND' });
    }
    const mohClasses = await existingMohClassNames(
      tx,
      planned.map((p) => p.fields.mohClass),
    );
    for (const p of planned) {
      if (!mohClasses.has(p.fields.mohClass)) issues.push({ path: [...p.path, 'mohClass'], message: `no music-on-hold class named ${p.fields.mohClass}`, code: 'NOT_FOUND' });
    }
    return issues;
  }

  /**
   * Which extensions a caller may list, narrowed by its filter: an extension
   * user sees only itself; others need extensions:read.
   */
  listWhere(principal: Principal | null, filter: ExtensionListFilter | null | undefined): Prisma.ExtensionWhereInput {
    const and: Prisma.ExtensionWhereInput[] = [];
    if (principal?.kind === 'extension') and.push({ id: principal.id });
    else if (!can(principal, 'extensions:read')) throw refusal(principal, 'Not permitted: Query.extensions');
    if (filter?.search) and.push(nameOrNumberContains(filter.search, this.db.provider));
    if (filter?.enabled !== undefined && filter.enabled !== null) and.push({ enabled: filter.enabled });
    if (filter?.department) {
      const ref = filter.department;
      const global = decodeGlobalId(ref);
      and.push({ departments: { some: { department: global ? { id: global.id } : { number: ref } } } });
    }
    return { AND: and };
  }

  /** Changes only the named fields; an extension user may change a few fields of its own extension. */
  async update(principal: Principal | null, id: string, input: ExtensionInput): Promise<ExtensionRow> {
    const changed = definedKeys(input);
    if (principal && isSelfExtension(principal, id)) {
      const forbidden = changed.filter((k) => !(selfServiceExtensionFields as readonly string[]).includes(k));
      if (forbidden.length) throw new NotPermittedError(`An extension user may change only ${selfServiceExtensionFields.join(', ')}`, ['input', forbidden[0]!]);
    }
    const row = await this.db.prisma.$transaction(async (tx) => {
      const current = await tx.extension.findUnique({ where: { id }, include: { dialPermission: { select: { name: true } }, whitelist: { select: { name: true } } } });
      if (!current) throw new NotFoundError('Extension', id);
      // The SIP password is no API password: it may not become the login password either.
      if (input.password && current.loginPasswordHash && (await verifyPassword(current.loginPasswordHash, input.password))) {
        throw ValidationError.single(['input', 'password'], 'must differ from the API login password', 'SAME_AS_LOGIN_PASSWORD');
      }
      const merged = { ...fromRow(current, current.dialPermission.name, current.whitelist?.name ?? ''), ...pick(input, changed) };
      return { row: await this.writeUpdate(tx, current, merged, ['input'], changed), filesMayChange: updateChangesFiles(changed, current, merged), from: current.number };
    });
    this.emit({ kind: 'updated', ids: [row.row.id], filesMayChange: row.filesMayChange });
    if (row.row.number !== row.from) await this.tellNumberFollowers({ renumbered: [{ from: row.from, to: row.row.number }] });
    return row.row;
  }

  /** Batch edit (F-4.1.2.d): the same shared fields on every selected extension, caller IDs optionally in sequence. */
  async batchEdit(ids: string[], input: BatchEditInput): Promise<string[]> {
    const shared = rejectPerUserFields(input.fields, ['input', 'fields']);
    const sharedKeys = definedKeys(shared);
    const rows = await this.db.prisma.$transaction(async (tx) => {
      const current = await tx.extension.findMany({
        where: { id: { in: ids } },
        include: { dialPermission: { select: { name: true } }, whitelist: { select: { name: true } } },
        orderBy: { number: 'asc' },
      });
      const missing = ids.filter((id) => !current.some((c) => c.id === id));
      if (missing.length) throw new NotFoundError('Extension', missing[0]!);
      const callerIds1 = callerIdSequence(input.startCallerId1, input.callerIdStep1, current.length, ['input', 'startCallerId1']);
      const callerIds2 = callerIdSequence(input.startCallerId2, input.callerIdStep2, current.length, ['input', 'startCallerId2']);
      const issues: FieldIssue[] = [];
      const merged = current.map((row, i) => {
        const fields = { ...fromRow(row, row.dialPermission.name, row.whitelist?.name ?? ''), ...pick(shared, sharedKeys) };
        if (callerIds1) fields.outboundCallerId1 = callerIds1[i]!;
        if (callerIds2) fields.outboundCallerId2 = callerIds2[i]!;
        issues.push(...validateExtension(fields, ['input', 'extensions', String(i)]));
        return fields;
      });
      if (issues.length) throw new ValidationError(issues);
      const updated: ExtensionRow[] = [];
      let filesMayChange = false;
      for (let i = 0; i < current.length; i++) {
        updated.push(await this.writeUpdate(tx, current[i]!, merged[i]!, ['input', 'extensions', String(i)], sharedKeys, true));
        const changed = [...sharedKeys, ...(callerIds1 ? ['outboundCallerId1'] : []), ...(callerIds2 ? ['outboundCallerId2'] : [])];
        filesMayChange ||= updateChangesFiles(changed, current[i]!, merged[i]!);
      }
      return { updated, filesMayChange };
    }, LONG_TRANSACTION);
    const updated = rows.updated.map((r) => r.id);
    this.emit({ kind: 'updated', ids: updated, filesMayChange: rows.filesMayChange });
    return updated;
  }

  /** Deletes the selected extensions (or all when `ids` is null); refused while anything routes to one of them. */
  async delete(ids: string[] | null): Promise<string[]> {
    const deleted = await this.db.prisma.$transaction(async (tx) => {
      const rows = await tx.extension.findMany({ where: ids ? { id: { in: ids } } : {}, select: { id: true, number: true } });
      if (ids) {
        const missing = ids.filter((id) => !rows.some((r) => r.id === id));
        if (missing.length) throw new NotFoundError('Extension', missing[0]!);
      }
      const targetIds = rows.map((r) => r.id);
      const referrers = await findReferrers(tx, { settings: this.settings }, 'EXTENSION', targetIds, 'delete');
      if (referrers.length) throw new ReferencedError(rows.length === 1 ? `Extension ${rows[0]!.number}` : 'These extensions', referrers);
      await releaseNumbers(tx, 'EXTENSION', targetIds);
      await inChunks(targetIds, (chunk) => tx.extension.deleteMany({ where: { id: { in: chunk } } }), 500);
      return { ids: targetIds, filesMayChange: deleteChangesFiles(), numbers: rows.map((r) => r.number) };
    }, LONG_TRANSACTION);
    if (deleted.ids.length) this.emit({ kind: 'deleted', ids: deleted.ids, filesMayChange: deleted.filesMayChange });
    if (deleted.ids.length) await this.tellNumberFollowers({ released: deleted.numbers });
    return deleted.ids;
  }

  private async tellNumberFollowers(changes: NumberChanges): Promise<void> {
    for (const follower of this.numberFollowers) await follower.apply(changes);
  }

  private async writeUpdate(tx: Tx, current: ExtensionRow, merged: ExtensionFields, path: string[], changed: string[], skipValidation = false): Promise<ExtensionRow> {
    const issues = skipValidation ? [] : validateExtension(merged, path);
    if (merged.number !== current.number && dialableNumber.pattern.test(merged.number)) {
      const plan = await this.settings.get(tx, 'numberingPlan');
      const rangeIssue = checkNumberInPlan(plan, 'EXTENSION', merged.number, [...path, 'number']);
      if (rangeIssue) issues.push(rangeIssue);
    }
    if (issues.length) throw new ValidationError(issues);
    const permission = await tx.dialPermission.findUnique({ where: { name: merged.dialPermission }, select: { id: true } });
    if (!permission) throw ValidationError.single([...path, 'dialPermission'], `no dial permission named ${merged.dialPermission}`, 'NOT_FOUND');
    const whitelistId = merged.whitelist ? await findWhitelistId(tx, merged.whitelist) : null;
    if (merged.whitelist && !whitelistId) throw ValidationError.single([...path, 'whitelist'], `no whitelist named ${merged.whitelist}`, 'NOT_FOUND');
    if (merged.mohClass !== current.mohClass && !(await existingMohClassNames(tx, [merged.mohClass])).has(merged.mohClass)) {
      throw ValidationError.single([...path, 'mohClass'], `no music-on-hold class named ${merged.mohClass}`, 'NOT_FOUND');
    }
    const label = `Extension ${current.number}`;
    if (merged.number !== current.number) {
      const referrers = await findReferrers(tx, { settings: this.settings }, 'EXTENSION', [current.id], 'renumber');
      if (referrers.length) throw new ReferencedError(label, referrers, 'renumbered');
      await claimNumber(tx, merged.number, 'EXTENSION', current.id, [...path, 'number']);
    }
    // The SIP password is not an API credential: its change leaves the API sessions (see setExtensionLoginPassword).
    // A new number starts a new history: the calls of the old one stay the old number's (see maySee).
    const numberSince = merged.number !== current.number ? { numberSince: new Date() } : {};
    const row = await tx.extension.update({ where: { id: current.id }, data: { ...toRowData(merged, permission.id, whitelistId), ...numberSince } });
    // What routes here is checked again against the new values (e.g. a no-answer target of its voicemail).
    const broken = await findReferrers(tx, { settings: this.settings }, 'EXTENSION', [current.id], 'update');
    if (broken.length) throw new ReferencedError(label, broken, 'changed so');
    return row;
  }

  /** Writes rows that passed checkPlanned in the same transaction; the new ids in number order. */
  private async writePlanned(tx: Tx, planned: PlannedExtension[]): Promise<string[]> {
    const permissionIds = await this.dialPermissionIds(tx, planned);
    const whitelistIds = await this.whitelistIds(tx, planned);
    const ids: string[] = [];
    const now = new Date();
    const data = planned.map((p) => {
      const id = newId();
      ids.push(id);
      return { id, createdAt: now, numberSince: now, ...toRowData(p.fields, permissionIds.get(p.fields.dialPermission)!, p.fields.whitelist ? whitelistIds.get(p.fields.whitelist)! : null) };
    });
    await claimNumbers(
      tx,
      planned.map((p, i) => ({ number: p.fields.number, kind: 'EXTENSION' as const, ownerId: ids[i]!, path: [...p.path, 'number'] })),
    );
    await inChunks(data, (chunk) => tx.extension.createMany({ data: chunk }));
    return planned
      .map((p, i) => [p.fields.number, ids[i]!] as const)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([, id]) => id);
  }

  private async dialPermissionIds(tx: Tx, planned: PlannedExtension[]): Promise<Map<string, string>> {
    const names = [...new Set(planned.map((p) => p.fields.dialPermission))];
    const rows = await tx.dialPermission.findMany({ where: { name: { in: names } }, select: { id: true, name: true } });
    return new Map(rows.map((r) => [r.name, r.id]));
  }

  /** The ids of the whitelists the rows name (by name or global ID), by the reference given. */
  private async whitelistIds(tx: Tx, planned: PlannedExtension[]): Promise<Map<string, string>> {
    const refs = [...new Set(planned.map((p) => p.fields.whitelist).filter(Boolean))];
    const found = new Map<string, string>();
    for (const ref of refs) {
      const id = await findWhitelistId(tx, ref);
      if (id) found.set(ref, id);
    }
    return found;
  }

  private emit(change: ExtensionChange): void {
    this.changes.notify(`extensions ${change.kind}`, { domain: 'extensions', ids: change.ids, filesMayChange: change.filesMayChange });
  }
}

/** The input over the manual's defaults; missing required fields stay empty for validation to report. */
export function withDefaults(input: ExtensionInput): ExtensionFields {
  const defined = pick(input, definedKeys(input));
  return { ...extensionDefaults, number: '', name: '', password: '', ...defined };
}

/** A clash with an existing number, as every create reports it: NumberConflictError naming the owner. */
async function numberConflict(tx: Tx, planned: PlannedExtension[], issue: FieldIssue): Promise<NumberConflictError> {
  const row = planned.find((p) => JSON.stringify([...p.path, 'number']) === JSON.stringify(issue.path))!;
  const owner = (await findOwners(tx, [row.fields.number])).get(row.fields.number)!;
  return new NumberConflictError(row.fields.number, owner, issue.path);
}

/** The planned rows none of the issues point into (an issue's path starts with its row's path). */
function withoutIssues(planned: PlannedExtension[], issues: FieldIssue[]): PlannedExtension[] {
  const depths = new Set(planned.map((p) => p.path.length));
  const rejected = new Set(issues.flatMap((issue) => [...depths].map((depth) => JSON.stringify(issue.path.slice(0, depth)))));
  return planned.filter((p) => !rejected.has(JSON.stringify(p.path)));
}

function rejectPerUserFields<T extends object>(fields: T, path: string[]): T {
  const present = perUserFields.filter((k) => (fields as Record<string, unknown>)[k] !== undefined && (fields as Record<string, unknown>)[k] !== null);
  if (present.length) throw new ValidationError(present.map((k) => ({ path: [...path, k], message: 'differs per user: batch operations cannot set it', code: 'NOT_ALLOWED' })));
  return fields;
}

/** Numbers from `start` in steps of one, keeping the width; null when they would need another digit. */
export function sequence(start: string, count: number, step: CallerIdStep): string[] | null {
  if (step === 'SAME') return Array.from({ length: count }, () => start);
  const width = start.length;
  const first = BigInt(start);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const text = (first + BigInt(i)).toString().padStart(width, '0');
    if (text.length > width) return null;
    out.push(text);
  }
  return out;
}

function callerIdSequence(start: string | null | undefined, step: CallerIdStep | null | undefined, count: number, path: string[]): string[] | null {
  if (!start) return null;
  const plus = start.startsWith('+') ? '+' : '';
  const digits = start.slice(plus.length);
  if (!/^\d{1,31}$/.test(digits)) throw ValidationError.single(path, 'digits with an optional leading +', 'INVALID_FORMAT');
  const list = sequence(digits, count, step ?? 'INCREMENT_1');
  if (!list) throw ValidationError.single(path, 'the caller IDs would need another digit', 'OUT_OF_BOUNDS');
  return list.map((n) => plus + n);
}

function definedKeys(input: object): ExtensionFieldName[] {
  return Object.entries(input)
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k]) => k as ExtensionFieldName);
}

function pick<T extends object>(input: T, keys: string[]): Partial<ExtensionFields> {
  return Object.fromEntries(keys.map((k) => [k, (input as Record<string, unknown>)[k]]));
}

let counter = 0;
/** Ids made here so batch inserts need no read-back per row; sortable by creation. */
function newId(): string {
  counter = (counter + 1) % 1_000_000;
  return `x${Date.now().toString(36)}${counter.toString(36).padStart(4, '0')}${Math.random().toString(36).slice(2, 10)}`;
}
