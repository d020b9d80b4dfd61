import { LONG_TRANSACTION, type Database, type Tx } from '../db/client.js';
import type { ConfigChanges } from '../events/changes.js';
import { ConflictError, NotFoundError, ReferencedError, ValidationError, type FieldIssue } from '../errors.js';
import type { Prisma } from '../generated/prisma-sqlite/index.js';
import { findReferrers } from '../destinations/referrers.js';
import { deleteDestinations } from '../destinations/store.js';
import { inboundOwners } from '../inbound/contract.js';
import type { SettingsStore } from '../settings/store.js';
import { checkField } from '../validation/issues.js';
import type { TrunkKind } from './contract.js';
import { crossFieldIssues, fieldSchemasOf, iaxDefaults, sipDefaults, type IaxTrunkFields, type SipTrunkFields } from './fields.js';
import { fromRow, toRowData, type TrunkFields, type TrunkRow } from './rows.js';

export type SipTrunkInput = Partial<SipTrunkFields>;
export type IaxTrunkInput = Partial<IaxTrunkFields>;
export type TrunkInput = SipTrunkInput | IaxTrunkInput;
/** A trunk to create, with the path its issues are reported under (["input"], or ["rows", "7"] in an import). */
export type PlannedTrunk = { fields: TrunkFields; path: string[] };
export type ImportMode = 'ALL_OR_NOTHING' | 'VALID_ROWS_ONLY';
export type TrunkListFilter = { kind?: TrunkKind | null; search?: string | null };

const graphqlType = (kind: TrunkKind) => (kind === 'SIP' ? 'SipTrunk' : 'IaxTrunk');

/**
 * SIP and IAX trunks (F-4.3.1): field rules, unique names (regardless of
 * case), the dial permission, and what refers to a trunk. Each operation is
 * all-or-nothing in one transaction and announces the change once it commits.
 */
export class TrunkService {
  constructor(
    private readonly db: Database,
    private readonly settings: SettingsStore,
    private readonly changes: ConfigChanges,
  ) {}

  async create(kind: TrunkKind, input: TrunkInput): Promise<string> {
    const [id] = await this.createPlanned(kind, [{ fields: withDefaults(kind, input), path: ['input'] }]);
    return id!;
  }

  /** Creates checked rows; nothing is written unless every one passes. */
  async createPlanned(kind: TrunkKind, planned: PlannedTrunk[]): Promise<string[]> {
    const ids = await this.db.prisma.$transaction(async (tx) => {
      const issues = await this.checkPlanned(tx, kind, planned);
      if (planned.length === 1 && issues.length === 1 && issues[0]!.code === 'NAME_TAKEN') throw new ConflictError(issues[0]!.message, issues[0]!.path);
      if (issues.length) throw new ValidationError(issues);
      return this.writePlanned(tx, kind, planned);
    });
    this.changes.notify('trunks created');
    return ids;
  }

  /** Imports rows: `readIssues` are cells that could not be read; VALID_ROWS_ONLY writes the rows without issues. */
  async importPlanned(kind: TrunkKind, planned: PlannedTrunk[], readIssues: FieldIssue[], mode: ImportMode): Promise<{ ids: string[]; rejected: FieldIssue[] }> {
    const result = await this.db.prisma.$transaction(async (tx) => {
      const issues = [...readIssues, ...(await this.checkPlanned(tx, kind, planned))];
      if (issues.length && mode === 'ALL_OR_NOTHING') throw new ValidationError(issues);
      const rejected = new Set(issues.map((i) => JSON.stringify(i.path.slice(0, 2))));
      const valid = planned.filter((p) => !rejected.has(JSON.stringify(p.path)));
      return { ids: valid.length ? await this.writePlanned(tx, kind, valid) : [], rejected: issues };
    }, LONG_TRANSACTION);
    if (result.ids.length) this.changes.notify('trunks created');
    return result;
  }

  /** Changes only the fields given; the password stays unless one is given. */
  async update(kind: TrunkKind, id: string, input: TrunkInput): Promise<TrunkRow> {
    const row = await this.db.prisma.$transaction(async (tx) => {
      const current = await tx.trunk.findUnique({ where: { id }, include: { dialPermission: { select: { name: true } } } });
      if (!current || current.kind !== kind) throw new NotFoundError(graphqlType(kind), id);
      const merged = { ...fromRow(current, current.dialPermission.name), ...defined(input) };
      const issues = validateTrunk(kind, merged, ['input']);
      if (issues.length) throw new ValidationError(issues);
      if (merged.name !== current.name) await this.checkName(tx, merged.name, id, ['input', 'name']);
      const permissionId = await this.permissionId(tx, merged.dialPermission, ['input', 'dialPermission']);
      return tx.trunk.update({ where: { id }, data: toRowData(kind, merged, permissionId) });
    });
    this.changes.notify('trunks updated');
    return row;
  }

  /** Deletes trunks; refused while a dial rule (or anything else registered for TRUNK) sends calls through one. */
  async delete(ids: string[]): Promise<string[]> {
    const deleted = await this.db.prisma.$transaction(async (tx) => {
      const rows = await tx.trunk.findMany({ where: { id: { in: ids } }, select: { id: true, name: true } });
      const missing = ids.filter((id) => !rows.some((r) => r.id === id));
      if (missing.length) throw new NotFoundError('Trunk', missing[0]!);
      const target = rows.length === 1 ? `Trunk ${rows[0]!.name}` : 'These trunks';
      const referrers = await findReferrers(tx, { settings: this.settings }, 'TRUNK', ids, 'delete');
      if (referrers.length) throw new ReferencedError(target, referrers);
      // The inbound route goes with its trunk (cascade), and so does its Destination row.
      await deleteDestinations(tx, inboundOwners.trunkRoute, ids);
      await tx.trunk.deleteMany({ where: { id: { in: ids } } });
      return ids;
    });
    this.changes.notify('trunks deleted');
    return deleted;
  }

  /** Enables or disables trunks: a disabled trunk does not register and carries no calls (F-4.3.1). */
  async setEnabled(ids: string[], enabled: boolean): Promise<string[]> {
    await this.db.prisma.$transaction(async (tx) => {
      const rows = await tx.trunk.findMany({ where: { id: { in: ids } }, select: { id: true } });
      const missing = ids.filter((id) => !rows.some((r) => r.id === id));
      if (missing.length) throw new NotFoundError('Trunk', missing[0]!);
      // Dial rules skip a disabled trunk, so disabling never breaks them (F-4.3.1: it stops the trunk's use).
      await tx.trunk.updateMany({ where: { id: { in: ids } }, data: { enabled } });
    });
    this.changes.notify(enabled ? 'trunks enabled' : 'trunks disabled');
    return ids;
  }

  /** Which trunks a list shows: of one kind, and with a name containing `search`. */
  listWhere(filter: TrunkListFilter): Prisma.TrunkWhereInput {
    const search = filter.search ? (this.db.provider === 'postgres' ? { contains: filter.search, mode: 'insensitive' as const } : { contains: filter.search }) : undefined;
    return { kind: filter.kind ? filter.kind : { in: ['SIP', 'IAX'] }, ...(search ? { name: search } : {}) };
  }

  /** Every issue of planned rows: field rules, names unique among themselves and the stored trunks, dial permissions that exist. */
  private async checkPlanned(tx: Tx, kind: TrunkKind, planned: PlannedTrunk[]): Promise<FieldIssue[]> {
    const issues: FieldIssue[] = [];
    const existing = await tx.trunk.findMany({ select: { name: true } });
    const taken = new Set(existing.map((r) => r.name.toLowerCase()));
    const seen = new Map<string, string[]>();
    for (const p of planned) {
      issues.push(...validateTrunk(kind, p.fields, p.path));
      const key = p.fields.name.toLowerCase();
      if (!key) continue;
      const earlier = seen.get(key);
      if (earlier) issues.push({ path: [...p.path, 'name'], message: `${p.fields.name} is also given at ${earlier.join('.')}`, code: 'DUPLICATE' });
      else if (taken.has(key)) issues.push({ path: [...p.path, 'name'], message: `a trunk named ${p.fields.name} exists (names are unique regardless of case)`, code: 'NAME_TAKEN' });
      seen.set(key, p.path);
    }
    const names = [...new Set(planned.map((p) => p.fields.dialPermission))];
    const known = new Set((await tx.dialPermission.findMany({ where: { name: { in: names } }, select: { name: true } })).map((d) => d.name));
    for (const p of planned) {
      if (p.fields.dialPermission && !known.has(p.fields.dialPermission))
        issues.push({ path: [...p.path, 'dialPermission'], message: `no dial permission named ${p.fields.dialPermission}`, code: 'NOT_FOUND' });
    }
    return issues;
  }

  private async writePlanned(tx: Tx, kind: TrunkKind, planned: PlannedTrunk[]): Promise<string[]> {
    const permissions = await tx.dialPermission.findMany({ where: { name: { in: planned.map((p) => p.fields.dialPermission) } }, select: { id: true, name: true } });
    const ids: string[] = [];
    for (const p of planned) {
      const row = await tx.trunk.create({ data: toRowData(kind, p.fields, permissions.find((d) => d.name === p.fields.dialPermission)!.id), select: { id: true } });
      ids.push(row.id);
    }
    return ids;
  }

  private async checkName(tx: Tx, name: string, ownId: string, path: string[]): Promise<void> {
    const rows = await tx.trunk.findMany({ where: { id: { not: ownId } }, select: { name: true } });
    if (rows.some((r) => r.name.toLowerCase() === name.toLowerCase())) throw new ConflictError(`a trunk named ${name} exists (names are unique regardless of case)`, path);
  }

  private async permissionId(tx: Tx, name: string, path: string[]): Promise<string> {
    const row = await tx.dialPermission.findUnique({ where: { name }, select: { id: true } });
    if (!row) throw ValidationError.single(path, `no dial permission named ${name}`, 'NOT_FOUND');
    return row.id;
  }
}

/** Checks a whole trunk (input merged over the defaults or the stored values); issues are under `path`. */
export function validateTrunk(kind: TrunkKind, fields: TrunkFields, path: string[]): FieldIssue[] {
  const schemas = fieldSchemasOf[kind] as Record<string, Parameters<typeof checkField>[0]>;
  const issues: FieldIssue[] = [];
  for (const [name, schema] of Object.entries(schemas)) {
    const value = (fields as Record<string, unknown>)[name];
    if (name === 'name' && !value) issues.push({ path: [...path, name], message: 'required', code: 'REQUIRED' });
    else issues.push(...checkField(schema, value, [...path, name]));
  }
  const flagged = new Set(issues.map((i) => i.path.join('.')));
  for (const issue of crossFieldIssues(kind, fields)) {
    const issuePath = [...path, issue.field];
    if (!flagged.has(issuePath.join('.'))) issues.push({ path: issuePath, message: issue.message, code: issue.code });
  }
  return issues;
}

/** The input over the kind's defaults; a missing name stays empty for validation to report. */
export function withDefaults(kind: TrunkKind, input: TrunkInput): TrunkFields {
  return { ...(kind === 'SIP' ? sipDefaults : iaxDefaults), name: '', ...defined(input) };
}

/** The given fields; null stands for "not given" except where null is a value (no concurrency limit, no proxy port, no video). */
function defined(input: TrunkInput): Partial<TrunkFields> {
  const nullable = new Set(['maxConcurrentCalls', 'outboundProxyPort', 'videoCodec']);
  return Object.fromEntries(Object.entries(input).filter(([k, v]) => v !== undefined && (v !== null || nullable.has(k))));
}
