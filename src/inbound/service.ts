import { LONG_TRANSACTION, type Database, type Tx } from '../db/client.js';
import type { ConfigChanges } from '../events/changes.js';
import { ConflictError, NotFoundError, ValidationError, type FieldIssue } from '../errors.js';
import { resolveDestination, type DestinationInput, type StoredDestination } from '../destinations/destination.js';
import { deleteDestinations, saveDestination } from '../destinations/store.js';
import type { Prisma } from '../generated/prisma-sqlite/index.js';
import { checkField } from '../validation/issues.js';
import { inboundOwners } from './contract.js';
import { inboundFieldSchemas } from './fields.js';

export type InboundRouteInput = { destination?: DestinationInput | null; alertInfo?: string | null };
export type DidRouteInput = { did?: string | null; destination?: DestinationInput | null; alertInfo?: string | null };
/** A DID route to create, with the path its issues are reported under (["input"], or ["rows", "7"] in an import). */
export type PlannedDidRoute = { input: DidRouteInput; path: string[]; columns?: boolean };
export type ImportMode = 'ALL_OR_NOTHING' | 'VALID_ROWS_ONLY';

const trunkRouteOwner = (trunkId: string) => ({ kind: inboundOwners.trunkRoute, id: trunkId, slot: inboundOwners.slot });
const didRouteOwner = (id: string) => ({ kind: inboundOwners.didRoute, id, slot: inboundOwners.slot });

/**
 * Inbound routes of trunks (F-4.2.4) and DID routes (F-4.2.5): field rules,
 * unique DIDs, and destinations stored in the one Destination table (so
 * deleting or disabling their target is refused while a route uses it).
 */
export class InboundService {
  constructor(
    private readonly db: Database,
    private readonly changes: ConfigChanges,
  ) {}

  /** Sets a client-mode trunk's inbound route; the destination is required until the trunk has a route. */
  async setTrunkRoute(trunkId: string, input: InboundRouteInput): Promise<void> {
    await this.db.prisma.$transaction(async (tx) => {
      const trunk = await tx.trunk.findUnique({ where: { id: trunkId }, select: { id: true, kind: true, mode: true, name: true } });
      if (!trunk || !['SIP', 'IAX'].includes(trunk.kind)) throw new NotFoundError('Trunk', trunkId);
      if (trunk.mode !== 'CLIENT') {
        throw ValidationError.single(['trunk'], `trunk ${trunk.name} is in server mode: calls from it start in its dial permission's context, not in an inbound route`, 'NOT_ALLOWED');
      }
      const current = await tx.inboundRoute.findUnique({ where: { trunkId } });
      const alertInfo = input.alertInfo ?? current?.alertInfo ?? '';
      const issues = checkField(inboundFieldSchemas.alertInfo, alertInfo, ['input', 'alertInfo']);
      if (!input.destination && !current) issues.push({ path: ['input', 'destination'], message: 'required', code: 'REQUIRED' });
      if (issues.length) throw new ValidationError(issues);
      const destination = input.destination ? await resolveDestination(tx, input.destination, ['input', 'destination']) : null;
      await tx.inboundRoute.upsert({ where: { trunkId }, create: { trunkId, alertInfo }, update: { alertInfo } });
      if (destination) await saveDestination(tx, trunkRouteOwner(trunkId), destination);
    });
    this.changes.notify('inbound routes updated');
  }

  /** Removes a trunk's inbound route: its calls go to the operator extension again. */
  async deleteTrunkRoute(trunkId: string): Promise<boolean> {
    const deleted = await this.db.prisma.$transaction(async (tx) => {
      const trunk = await tx.trunk.findUnique({ where: { id: trunkId }, select: { id: true } });
      if (!trunk) throw new NotFoundError('Trunk', trunkId);
      await deleteDestinations(tx, inboundOwners.trunkRoute, [trunkId]);
      return (await tx.inboundRoute.deleteMany({ where: { trunkId } })).count > 0;
    });
    this.changes.notify('inbound routes deleted');
    return deleted;
  }

  async createDid(input: DidRouteInput): Promise<string> {
    const [id] = await this.db.prisma.$transaction(async (tx) => {
      const planned = [{ input, path: ['input'] }];
      const { issues, resolved } = await this.checkPlanned(tx, planned);
      if (issues.length === 1 && issues[0]!.code === 'TAKEN') throw new ConflictError(issues[0]!.message, issues[0]!.path);
      if (issues.length) throw new ValidationError(issues);
      return this.writePlanned(tx, planned, resolved);
    });
    this.changes.notify('did routes created');
    return id!;
  }

  /** Changes only the fields given. */
  async updateDid(id: string, input: DidRouteInput): Promise<void> {
    await this.db.prisma.$transaction(async (tx) => {
      const current = await tx.didRoute.findUnique({ where: { id } });
      if (!current) throw new NotFoundError('DidRoute', id);
      const fields = { did: input.did ?? current.did, alertInfo: input.alertInfo ?? current.alertInfo };
      const issues = fieldIssues(fields, ['input']);
      if (issues.length) throw new ValidationError(issues);
      if (fields.did !== current.did && (await tx.didRoute.findUnique({ where: { did: fields.did }, select: { id: true } }))) {
        throw new ConflictError(`a DID route for ${fields.did} exists`, ['input', 'did']);
      }
      const destination = input.destination ? await resolveDestination(tx, input.destination, ['input', 'destination']) : null;
      await tx.didRoute.update({ where: { id }, data: fields });
      if (destination) await saveDestination(tx, didRouteOwner(id), destination);
    });
    this.changes.notify('did routes updated');
  }

  /** Deletes the given DID routes, or every one when `ids` is null. */
  async deleteDids(ids: string[] | null): Promise<string[]> {
    const deleted = await this.db.prisma.$transaction(async (tx) => {
      const rows = await tx.didRoute.findMany({ where: ids ? { id: { in: ids } } : {}, select: { id: true } });
      const missing = (ids ?? []).filter((id) => !rows.some((r) => r.id === id));
      if (missing.length) throw new NotFoundError('DidRoute', missing[0]!);
      const found = rows.map((r) => r.id);
      await deleteDestinations(tx, inboundOwners.didRoute, found);
      await tx.didRoute.deleteMany({ where: { id: { in: found } } });
      return found;
    }, LONG_TRANSACTION);
    if (deleted.length) this.changes.notify('did routes deleted');
    return deleted;
  }

  /** Imports rows: `readIssues` are cells that could not be read; VALID_ROWS_ONLY writes the rows without issues. */
  async importDids(planned: PlannedDidRoute[], readIssues: FieldIssue[], mode: ImportMode): Promise<{ ids: string[]; rejected: FieldIssue[] }> {
    const result = await this.db.prisma.$transaction(async (tx) => {
      const checked = await this.checkPlanned(tx, planned);
      const issues = [...readIssues, ...checked.issues];
      if (issues.length && mode === 'ALL_OR_NOTHING') throw new ValidationError(issues);
      const rejected = new Set(issues.map((i) => JSON.stringify(i.path.slice(0, 2))));
      const valid = planned.filter((p) => !rejected.has(JSON.stringify(p.path)));
      return { ids: valid.length ? await this.writePlanned(tx, valid, checked.resolved) : [], rejected: issues };
    }, LONG_TRANSACTION);
    if (result.ids.length) this.changes.notify('did routes created');
    return result;
  }

  /** Which DID routes a list shows: with a DID containing `search`. */
  listWhere(search: string | null | undefined): Prisma.DidRouteWhereInput {
    return search ? { did: { contains: search } } : {};
  }

  /** Every issue of planned rows: field rules, the destination, DIDs unique among themselves and the stored routes. */
  private async checkPlanned(tx: Tx, planned: PlannedDidRoute[]): Promise<{ issues: FieldIssue[]; resolved: Map<PlannedDidRoute, StoredDestination> }> {
    const issues: FieldIssue[] = [];
    const dids = planned.map((p) => p.input.did ?? '');
    const taken = new Set((await tx.didRoute.findMany({ where: { did: { in: dids } }, select: { did: true } })).map((r) => r.did));
    const seen = new Map<string, string[]>();
    const resolved = new Map<PlannedDidRoute, StoredDestination>();
    for (const p of planned) {
      const fields = { did: p.input.did ?? '', alertInfo: p.input.alertInfo ?? '' };
      issues.push(...fieldIssues(fields, p.path));
      if (!p.input.destination) issues.push({ path: [...p.path, p.columns ? 'destinationType' : 'destination'], message: 'required', code: 'REQUIRED' });
      else {
        try {
          resolved.set(p, await resolveDestination(tx, p.input.destination, [...p.path, 'destination']));
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          issues.push(...error.issues.map((i) => (p.columns ? { ...i, path: columnPath(i.path, p.path.length) } : i)));
        }
      }
      if (!fields.did) continue;
      const earlier = seen.get(fields.did);
      if (earlier) issues.push({ path: [...p.path, 'did'], message: `${fields.did} is also given at ${earlier.join('.')}`, code: 'DUPLICATE' });
      else if (taken.has(fields.did)) issues.push({ path: [...p.path, 'did'], message: `a DID route for ${fields.did} exists`, code: 'TAKEN' });
      seen.set(fields.did, p.path);
    }
    return { issues, resolved };
  }

  private async writePlanned(tx: Tx, planned: PlannedDidRoute[], resolved: Map<PlannedDidRoute, StoredDestination>): Promise<string[]> {
    const ids: string[] = [];
    for (const p of planned) {
      const row = await tx.didRoute.create({ data: { did: p.input.did!, alertInfo: p.input.alertInfo ?? '' }, select: { id: true } });
      await saveDestination(tx, didRouteOwner(row.id), resolved.get(p)!);
      ids.push(row.id);
    }
    return ids;
  }
}

function fieldIssues(fields: { did: string; alertInfo: string }, path: string[]): FieldIssue[] {
  return [...checkField(inboundFieldSchemas.did, fields.did, [...path, 'did']), ...checkField(inboundFieldSchemas.alertInfo, fields.alertInfo, [...path, 'alertInfo'])];
}

/** A destination issue of a spreadsheet row, under its column: destinationType, destinationTarget or the parameter's name. */
function columnPath(path: string[], rowDepth: number): string[] {
  const field = path[rowDepth + 1];
  const column = field === 'type' ? 'destinationType' : field === 'target' ? 'destinationTarget' : field!;
  return [...path.slice(0, rowDepth), column];
}
