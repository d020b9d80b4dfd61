import type { PrismaClient } from '../db/client.js';
import type { FieldIssue } from '../errors.js';
import { cellText, detectFormat, readTable, rowValues, toFile, yieldToEventLoop, type ColumnKinds, type FileFormat } from '../spreadsheet/table.js';
import type { BlacklistService, ImportMode, PlannedBlacklistEntry } from './service.js';

/**
 * The blacklist as a spreadsheet (F-4.2.6 IMPORT): `number`, and in the
 * export `createdBy` and `createdAt` too. An import reads `number` only
 * (an exported file imports as it is); its entries are created by the
 * importing account.
 */
export const blacklistColumns = ['number', 'createdBy', 'createdAt'] as const;
const kinds: ColumnKinds = { booleans: new Set(), integers: new Set(), lists: new Set() };
const MAX_ROWS = 20_000;

export async function exportBlacklist(prisma: PrismaClient, format: FileFormat) {
  const rows = await prisma.blacklistEntry.findMany({ orderBy: { number: 'asc' } });
  const table = rows.map((r) => [cellText(kinds, 'number', r.number), cellText(kinds, 'createdBy', r.createdBy), cellText(kinds, 'createdAt', r.createdAt.toISOString())]);
  return toFile(format, blacklistColumns, table, 'blacklist', 'blacklist');
}

export function blacklistTemplate(format: FileFormat) {
  return toFile(format, ['number'], [], 'blacklist-template', 'blacklist');
}

/** Every row is checked as addBlacklistEntry checks one; issues name the spreadsheet row (header = row 1). */
export async function importBlacklist(service: BlacklistService, file: File, format: FileFormat | null, mode: ImportMode, createdBy: string) {
  const table = await readTable(file, detectFormat(file, format), blacklistColumns, ['number'], MAX_ROWS);
  const issues: FieldIssue[] = [];
  const planned: PlannedBlacklistEntry[] = [];
  for (const [i, row] of table.entries()) {
    if (i % 1000 === 999) await yieldToEventLoop();
    const path = ['rows', String(row.rowNumber)];
    const values = rowValues(kinds, { number: row.cells.number ?? '' }, path, issues);
    planned.push({ number: typeof values.number === 'string' ? values.number : '', path });
  }
  const { ids, rejected } = await service.importPlanned(planned, issues, createdBy, mode);
  return { rows: table.length, ids, rejected };
}
