import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Database, Tx } from '../db/client.js';
import type { ConfigChanges } from '../events/changes.js';
import { ConflictError, IssueCollector, NotFoundError, ReferencedError, ValidationError } from '../errors.js';
import { resolveDestination, type DestinationInput } from '../destinations/destination.js';
import { findExtensionId } from '../destinations/refs.js';
import { findReferrers } from '../destinations/referrers.js';
import { deleteDestinations, saveDestination } from '../destinations/store.js';
import { claimNumber, releaseNumbers } from '../numbering/namespace.js';
import { checkNumberInPlan } from '../numbering/ranges.js';
import type { SettingsStore } from '../settings/store.js';
import { charset, dialableNumber } from '../validation/charsets.js';
import { checkField } from '../validation/issues.js';

export const ringStrategies = ['RING_ALL', 'SEQUENTIAL'] as const;
export type RingStrategy = (typeof ringStrategies)[number];

export const departmentFieldSchemas = {
  name: z.string().min(1, 'required').max(64, 'at most 64 characters').regex(charset.name.pattern, charset.name.rule).describe(`Department name, unique. ${charset.name.rule}`),
  number: z.string().regex(dialableNumber.pattern, dialableNumber.rule).describe('Dialable number inside the department range'),
  ringStrategy: z.enum(ringStrategies).describe('RING_ALL rings every member at once; SEQUENTIAL rings them one after another in member order'),
  ringTimeSeconds: z.number().int().min(5, 'at least 5').max(600, 'at most 600').describe('How long each member rings, seconds (5–600)'),
  distinctiveRing: z.string().max(64).regex(charset.identifier.pattern, charset.identifier.rule).describe(`Ring tone name sent to phones as Alert-Info; empty for none. ${charset.identifier.rule}`),
} as const;

export type DepartmentInput = {
  name?: string;
  number?: string;
  ringStrategy?: RingStrategy;
  ringTimeSeconds?: number;
  distinctiveRing?: string;
  noAnswerDestination?: DestinationInput;
  /** Extension numbers or global IDs, in ring order. */
  members?: string[];
};

/** Departments (F-4.1.1): number from the department range, members in order, a no-answer destination. */
export class DepartmentService {
  constructor(
    private readonly db: Database,
    private readonly settings: SettingsStore,
    private readonly changes: ConfigChanges,
  ) {}

  async create(input: DepartmentInput) {
    const row = await this.createInTransaction(input);
    this.changes.notify('departments created');
    return row;
  }

  async update(id: string, input: DepartmentInput) {
    const row = await this.updateInTransaction(id, input);
    this.changes.notify('departments updated');
    return row;
  }

  async delete(ids: string[]) {
    const deleted = await this.deleteInTransaction(ids);
    this.changes.notify('departments deleted');
    return deleted;
  }

  private async createInTransaction(input: DepartmentInput) {
    const required = (['name', 'number', 'ringStrategy', 'ringTimeSeconds', 'noAnswerDestination'] as const).filter((k) => input[k] === undefined || input[k] === null);
    if (required.length) throw new ValidationError(required.map((k) => ({ path: ['input', k], message: 'required', code: 'REQUIRED' })));
    return this.db.prisma.$transaction(async (tx) => {
      const fields = { name: input.name!, number: input.number!, ringStrategy: input.ringStrategy!, ringTimeSeconds: input.ringTimeSeconds!, distinctiveRing: input.distinctiveRing ?? '' };
      await this.validate(tx, fields, null);
      const destination = await resolveDestination(tx, input.noAnswerDestination!, ['input', 'noAnswerDestination']);
      const memberIds = await this.memberIds(tx, input.members ?? []);
      // The number is claimed first, so a clash is reported with its owner rather than as a unique-index failure.
      const id = randomUUID();
      await claimNumber(tx, fields.number, 'DEPARTMENT', id, ['input', 'number']);
      const row = await tx.department.create({ data: { id, ...fields } });
      await saveDestination(tx, { kind: 'DEPARTMENT', id, slot: 'noAnswer' }, destination);
      await this.writeMembers(tx, row.id, memberIds);
      return row;
    });
  }

  private async updateInTransaction(id: string, input: DepartmentInput) {
    return this.db.prisma.$transaction(async (tx) => {
      const current = await tx.department.findUnique({ where: { id } });
      if (!current) throw new NotFoundError('Department', id);
      const fields = {
        name: input.name ?? current.name,
        number: input.number ?? current.number,
        ringStrategy: (input.ringStrategy ?? current.ringStrategy) as RingStrategy,
        ringTimeSeconds: input.ringTimeSeconds ?? current.ringTimeSeconds,
        distinctiveRing: input.distinctiveRing ?? current.distinctiveRing,
      };
      await this.validate(tx, fields, current);
      if (input.noAnswerDestination) {
        const destination = await resolveDestination(tx, input.noAnswerDestination, ['input', 'noAnswerDestination']);
        if (destination.type === 'DEPARTMENT' && destination.target === id) {
          throw ValidationError.single(['input', 'noAnswerDestination', 'target'], 'a department cannot send unanswered calls to itself', 'CYCLE');
        }
        await saveDestination(tx, { kind: 'DEPARTMENT', id, slot: 'noAnswer' }, destination);
      }
      if (fields.number !== current.number) await claimNumber(tx, fields.number, 'DEPARTMENT', id, ['input', 'number']);
      const row = await tx.department.update({ where: { id }, data: fields });
      if (input.members) await this.writeMembers(tx, id, await this.memberIds(tx, input.members));
      return row;
    });
  }

  private async deleteInTransaction(ids: string[]) {
    return this.db.prisma.$transaction(async (tx) => {
      const rows = await tx.department.findMany({ where: { id: { in: ids } } });
      const missing = ids.filter((id) => !rows.some((r) => r.id === id));
      if (missing.length) throw new NotFoundError('Department', missing[0]!);
      const referrers = (await findReferrers(tx, { settings: this.settings }, 'DEPARTMENT', ids, 'delete')).filter((r) => !ids.includes(r.id));
      if (referrers.length) throw new ReferencedError(rows.length === 1 ? `Department ${rows[0]!.number} (${rows[0]!.name})` : 'These departments', referrers);
      await releaseNumbers(tx, 'DEPARTMENT', ids);
      await deleteDestinations(tx, 'DEPARTMENT', ids);
      await tx.department.deleteMany({ where: { id: { in: ids } } });
      return ids;
    });
  }

  private async validate(
    tx: Tx,
    fields: { name: string; number: string; ringStrategy: string; ringTimeSeconds: number; distinctiveRing: string },
    current: { id: string; name: string; number: string } | null,
  ) {
    const issues = new IssueCollector();
    for (const [key, schema] of Object.entries(departmentFieldSchemas)) {
      for (const i of checkField(schema, fields[key as keyof typeof fields], ['input', key])) issues.add(i.path, i.message, i.code);
    }
    if (issues.empty && fields.number !== current?.number) {
      const plan = await this.settings.get(tx, 'numberingPlan');
      const rangeIssue = checkNumberInPlan(plan, 'DEPARTMENT', fields.number, ['input', 'number']);
      if (rangeIssue) issues.add(rangeIssue.path, rangeIssue.message, rangeIssue.code);
    }
    issues.throwIfAny();
    if (fields.name !== current?.name) {
      const clash = await tx.department.findUnique({ where: { name: fields.name }, select: { id: true } });
      if (clash) throw new ConflictError(`A department named ${fields.name} exists`, ['input', 'name']);
    }
  }

  private async memberIds(tx: Tx, refs: string[]): Promise<string[]> {
    const issues = new IssueCollector();
    const ids: string[] = [];
    for (const [i, ref] of refs.entries()) {
      const id = await findExtensionId(tx, ref);
      if (!id) issues.add(['input', 'members', String(i)], `no extension ${ref} exists`, 'NOT_FOUND');
      else if (ids.includes(id)) issues.add(['input', 'members', String(i)], `extension ${ref} is listed twice`, 'DUPLICATE');
      else ids.push(id);
    }
    issues.throwIfAny();
    return ids;
  }

  private async writeMembers(tx: Tx, departmentId: string, extensionIds: string[]) {
    await tx.departmentMember.deleteMany({ where: { departmentId } });
    if (extensionIds.length) await tx.departmentMember.createMany({ data: extensionIds.map((extensionId, position) => ({ departmentId, extensionId, position })) });
  }
}
