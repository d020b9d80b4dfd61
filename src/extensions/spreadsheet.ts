import type { PrismaClient } from '../db/client.js';
import type { FieldIssue } from '../errors.js';
import { cellText, detectFormat, readTable, rowValues, toFile, yieldToEventLoop, type ColumnKinds, type FileFormat } from '../spreadsheet/table.js';
import { extensionFieldSchemas, type ExtensionFieldName } from './fields.js';
import { fromRow } from './rows.js';
import { withDefaults, type ExtensionInput, type ExtensionService, type ImportMode, type PlannedExtension } from './service.js';

export { fileFormats, neutraliseFormula, restoreFormula, type FileFormat } from '../spreadsheet/table.js';

/** Columns of the export, the template and the import: the field names, in this order. */
export const columns = Object.keys(extensionFieldSchemas) as ExtensionFieldName[];
const kinds: ColumnKinds = {
  booleans: new Set(columns.filter((c) => extensionFieldSchemas[c].def.type === 'boolean')),
  integers: new Set(columns.filter((c) => extensionFieldSchemas[c].def.type === 'number')),
  lists: new Set(['pickupGroups', 'codecs', 'trustedAddresses']),
};
const MAX_ROWS = 10_000;

export async function exportExtensions(prisma: PrismaClient, format: FileFormat) {
  const rows = await prisma.extension.findMany({ include: { dialPermission: { select: { name: true } }, whitelist: { select: { name: true } } }, orderBy: { number: 'asc' } });
  const table = rows.map((row) => {
    const fields = fromRow(row, row.dialPermission.name, row.whitelist?.name ?? '');
    return columns.map((c) => cellText(kinds, c, fields[c]));
  });
  return toFile(format, columns, table, 'extensions', 'extensions');
}

export function extensionTemplate(format: FileFormat) {
  return toFile(format, columns, [], 'extensions-template', 'extensions');
}

/** A list item of a cell: pickup groups are numbers, codecs are upper-cased. */
function listItem(column: string, item: string): unknown {
  if (column === 'pickupGroups') return /^\d+$/.test(item) ? Number(item) : undefined;
  if (column === 'codecs') return item.toUpperCase();
  return item;
}

/** Turns one row's cells into an extension input; cells left empty take the defaults. */
function rowInput(cells: Record<string, string>, path: string[], issues: FieldIssue[]): ExtensionInput {
  return rowValues(kinds, cells, path, issues, listItem, 'numbers separated by commas');
}

/**
 * Imports extensions. Every row is checked as createExtension checks one;
 * issues name the spreadsheet row (header = row 1). ALL_OR_NOTHING writes
 * nothing when any row fails; VALID_ROWS_ONLY writes the rows that pass.
 */
export async function importExtensions(service: ExtensionService, file: File, format: FileFormat | null, mode: ImportMode) {
  const table = await readTable(file, detectFormat(file, format), columns, ['number', 'name', 'password'], MAX_ROWS);
  const issues: FieldIssue[] = [];
  const planned: PlannedExtension[] = [];
  for (const [i, row] of table.entries()) {
    if (i % 250 === 249) await yieldToEventLoop();
    const path = ['rows', String(row.rowNumber)];
    // Cells that could not be read are reported and left out; the rest of the row is still checked.
    planned.push({ fields: withDefaults(rowInput(row.cells, path, issues)), path });
  }
  const { ids, rejected } = await service.importPlanned(planned, issues, mode);
  return { rows: table.length, ids, rejected };
}
