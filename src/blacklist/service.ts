import { z } from 'zod';
import { inChunks } from '../db/chunks.js';
import { LONG_TRANSACTION, type Database, type Tx } from '../db/client.js';
import type { ConfigChanges } from '../events/changes.js';
import { NotFoundError, ValidationError, type FieldIssue } from '../errors.js';
import type { Prisma } from '../generated/prisma-sqlite/index.js';
import { checkField } from '../validation/issues.js';

/** The characters of a listed number: what a caller ID or a dialled number carries (digits, * and #, an optional leading +). */
export const listedNumberPattern = /^\+?[0-9*#]{1,32}$/;
export const listedNumberRule = 'Digits, * and # with an optional leading +; 1–32 characters';

export const blacklistFieldSchemas = {
  number: z.string().regex(listedNumberPattern, listedNumberRule).describe(`A caller's number (its caller ID) that may not call in. ${listedNumberRule}; unique`),
} as const;

export type PlannedBlacklistEntry = { number: string; path: string[] };
export type ImportMode = 'ALL_OR_NOTHING' | 'VALID_ROWS_ONLY';

/** The entry's creator when a phone added it with a feature code (F-4.7.e). */
export const phoneCreator = (extension: string) => `extension ${extension}`;

/**
 * The blacklist (F-4.2.6): numbers whose calls from outside are refused.
 * Entries come from accounts (createdBy = the user name), imports and
 * phones (feature codes, createdBy = `extension <number>`).
 */
export class BlacklistService {
  constructor(
    private readonly db: Database,
    private readonly changes: ConfigChanges,
  ) {}

  listWhere(search: string | null | undefined): Prisma.BlacklistEntryWhereInput {
    if (!search) return {};
    const insensitive = this.db.provider === 'postgres' ? { mode: 'insensitive' as const } : {};
    return { OR: [{ number: { contains: search } }, { createdBy: { contains: search, ...insensitive } }] };
  }

  /** Adds one number; a number already listed is a ValidationError (DUPLICATE) on `number` (the argument). */
  async add(number: string, createdBy: string) {
    const issues = checkField(blacklistFieldSchemas.number, number, ['number']);
    if (issues.length) throw new ValidationError(issues);
    const row = await this.db.prisma.$transaction(async (tx) => {
      if (await tx.blacklistEntry.findUnique({ where: { number }, select: { id: true } })) throw ValidationError.single(['number'], `${number} is already on the blacklist`, 'DUPLICATE');
      return tx.blacklistEntry.create({ data: { number, createdBy } });
    });
    this.changes.notify('blacklist added');
    return row;
  }

  /**
   * From a phone (F-4.7.e): adds the number unless it is listed already
   * (then the entry stays as it was). False when the number is not one a
   * blacklist can hold.
   */
  async addFromPhone(number: string, extension: string): Promise<boolean> {
    if (!listedNumberPattern.test(number)) return false;
    const created = await this.db.prisma.$transaction(async (tx) => {
      if (await tx.blacklistEntry.findUnique({ where: { number }, select: { id: true } })) return false;
      await tx.blacklistEntry.create({ data: { number, createdBy: phoneCreator(extension) } });
      return true;
    });
    if (created) this.changes.notify('blacklist added');
    return true;
  }

  /** From a phone (F-4.7.e): removes the number; false when it was not listed. */
  async removeFromPhone(number: string): Promise<boolean> {
    if (!listedNumberPattern.test(number)) return false;
    const { count } = await this.db.prisma.blacklistEntry.deleteMany({ where: { number } });
    if (count) this.changes.notify('blacklist deleted');
    return count > 0;
  }

  /** Deletes the selected entries, or every entry when `ids` is null. */
  async delete(ids: string[] | null): Promise<string[]> {
    const deleted = await this.db.prisma.$transaction(async (tx) => {
      const rows = await tx.blacklistEntry.findMany({ where: ids ? { id: { in: ids } } : {}, select: { id: true } });
      if (ids) {
        const missing = ids.find((id) => !rows.some((r) => r.id === id));
        if (missing) throw new NotFoundError('BlacklistEntry', missing);
      }
      const found = rows.map((r) => r.id);
      await inChunks(found, (chunk) => tx.blacklistEntry.deleteMany({ where: { id: { in: chunk } } }), 500);
      return found;
    }, LONG_TRANSACTION);
    if (deleted.length) this.changes.notify('blacklist deleted');
    return deleted;
  }

  /**
   * Imports numbers: each checked as `add` checks one, against each other
   * and against the list. A number already listed is an issue of its row.
   */
  async importPlanned(planned: PlannedBlacklistEntry[], readIssues: FieldIssue[], createdBy: string, mode: ImportMode): Promise<{ ids: string[]; rejected: FieldIssue[] }> {
    const result = await this.db.prisma.$transaction(async (tx) => {
      const issues = [...readIssues, ...(await checkPlanned(tx, planned))];
      if (issues.length && mode === 'ALL_OR_NOTHING') throw new ValidationError(issues);
      const rejected = new Set(issues.map((i) => JSON.stringify(i.path.slice(0, 2))));
      const valid = planned.filter((p) => !rejected.has(JSON.stringify(p.path)));
      await inChunks(valid, (chunk) => tx.blacklistEntry.createMany({ data: chunk.map((p) => ({ number: p.number, createdBy })) }), 500);
      const ids: string[] = [];
      await inChunks(
        valid,
        async (chunk) => {
          for (const r of await tx.blacklistEntry.findMany({ where: { number: { in: chunk.map((p) => p.number) } }, select: { id: true } })) ids.push(r.id);
        },
        500,
      );
      return { ids, rejected: issues };
    }, LONG_TRANSACTION);
    if (result.ids.length) this.changes.notify('blacklist imported');
    return result;
  }
}

async function checkPlanned(tx: Tx, planned: PlannedBlacklistEntry[]): Promise<FieldIssue[]> {
  const issues: FieldIssue[] = [];
  const seen = new Map<string, string[]>();
  for (const p of planned) {
    const path = [...p.path, 'number'];
    const own = checkField(blacklistFieldSchemas.number, p.number, path);
    if (own.length) {
      issues.push(...own);
      continue;
    }
    const earlier = seen.get(p.number);
    if (earlier) issues.push({ path, message: `${p.number} is also given at ${earlier.join('.')}`, code: 'DUPLICATE' });
    else seen.set(p.number, p.path);
  }
  const numbers = [...seen.keys()];
  const listed = new Set<string>();
  await inChunks(
    numbers,
    async (chunk) => {
      for (const r of await tx.blacklistEntry.findMany({ where: { number: { in: chunk } }, select: { number: true } })) listed.add(r.number);
    },
    500,
  );
  for (const number of listed) issues.push({ path: [...seen.get(number)!, 'number'], message: `${number} is already on the blacklist`, code: 'DUPLICATE' });
  return issues;
}
