import ExcelJS from 'exceljs';
import { parse as parseCsv } from 'csv-parse/sync';
import { stringify as stringifyCsv } from 'csv-stringify/sync';
import type { PrismaClient } from '../db/client.js';
import { ValidationError, type FieldIssue } from '../errors.js';
import { extensionFieldSchemas, type ExtensionFieldName } from './fields.js';
import { fromRow } from './rows.js';
import { withDefaults, type ExtensionInput, type ExtensionService, type ImportMode, type PlannedExtension } from './service.js';

export const fileFormats = ['XLSX', 'CSV'] as const;
export type FileFormat = (typeof fileFormats)[number];

/** Columns of the export, the template and the import: the field names, in this order. */
export const columns = Object.keys(extensionFieldSchemas) as ExtensionFieldName[];
const booleanColumns = new Set(columns.filter((c) => extensionFieldSchemas[c].def.type === 'boolean'));
const intColumns = new Set(columns.filter((c) => extensionFieldSchemas[c].def.type === 'number'));
/** Columns of user text: the only ones a formula could hide in, so the only ones quoted and unquoted. */
const isTextColumn = (field: ExtensionFieldName) => !booleanColumns.has(field) && !intColumns.has(field);
const MAX_ROWS = 10_000;

const contentTypes: Record<FileFormat, string> = {
  XLSX: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  CSV: 'text/csv; charset=utf-8',
};

const QUOTE = "'";
/** First characters that make a spreadsheet run a cell as a formula (OWASP, CSV injection). */
const formulaStarts = new Set(['=', '+', '-', '@', '\t', '\r']);
const needsQuote = (first: string | undefined) => first !== undefined && (first === QUOTE || formulaStarts.has(first));

/**
 * Puts a quote before text a spreadsheet would run as a formula, so it shows
 * as text. Text that starts with a quote gets one more, so the import can
 * tell the two apart and every value comes back exactly.
 */
export function neutraliseFormula(text: string): string {
  return needsQuote(text[0]) ? QUOTE + text : text;
}

/** Undoes neutraliseFormula; a quote before any other character was not put there by the export and stays. */
export function restoreFormula(text: string): string {
  return text[0] === QUOTE && needsQuote(text[1]) ? text.slice(1) : text;
}

function cellText(field: ExtensionFieldName, value: unknown): string {
  const text = Array.isArray(value) ? value.join(',') : String(value);
  return isTextColumn(field) ? neutraliseFormula(text) : text;
}

async function toFile(format: FileFormat, rows: string[][], name: string) {
  let buffer: Buffer;
  if (format === 'CSV') {
    buffer = Buffer.from(stringifyCsv([columns, ...rows]), 'utf8');
  } else {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('extensions');
    sheet.addRow(columns);
    // Every cell is a string cell, never a formula; numbers keep their leading zeros.
    for (const row of rows) sheet.addRow(row);
    sheet.getRow(1).font = { bold: true };
    buffer = Buffer.from(await workbook.xlsx.writeBuffer());
  }
  return { filename: `${name}.${format.toLowerCase()}`, contentType: contentTypes[format], base64: buffer.toString('base64') };
}

export async function exportExtensions(prisma: PrismaClient, format: FileFormat) {
  const rows = await prisma.extension.findMany({ include: { dialPermission: { select: { name: true } } }, orderBy: { number: 'asc' } });
  const table = rows.map((row) => {
    const fields = fromRow(row, row.dialPermission.name);
    return columns.map((c) => cellText(c, fields[c]));
  });
  return toFile(format, table, 'extensions');
}

export function extensionTemplate(format: FileFormat) {
  return toFile(format, [], 'extensions-template');
}

/** Reads a file into rows of strings keyed by column, with their spreadsheet row numbers. */
async function readTable(file: File, format: FileFormat): Promise<{ rowNumber: number; cells: Record<string, string> }[]> {
  const buffer = Buffer.from(await file.arrayBuffer());
  let header: string[];
  let body: { rowNumber: number; values: string[] }[];
  if (format === 'CSV') {
    let records: string[][];
    try {
      records = parseCsv(buffer, { bom: true, skip_empty_lines: true, relax_column_count: true }) as string[][];
    } catch (error) {
      throw ValidationError.single(['file'], `not a readable CSV file: ${(error as Error).message}`, 'INVALID_FILE');
    }
    header = records[0] ?? [];
    body = records.slice(1).map((values, i) => ({ rowNumber: i + 2, values }));
  } else {
    const workbook = new ExcelJS.Workbook();
    try {
      await workbook.xlsx.load(buffer as unknown as ArrayBuffer);
    } catch {
      throw ValidationError.single(['file'], 'not a readable XLSX file', 'INVALID_FILE');
    }
    const sheet = workbook.worksheets[0];
    if (!sheet) throw ValidationError.single(['file'], 'the workbook has no sheet', 'INVALID_FILE');
    header = [];
    body = [];
    sheet.eachRow({ includeEmpty: false }, (row, rowNumber) => {
      const values: string[] = [];
      row.eachCell({ includeEmpty: true }, (cell, col) => {
        values[col - 1] = cell.text ?? '';
      });
      if (rowNumber === 1) header = values.map((v) => v ?? '');
      else body.push({ rowNumber, values: Array.from(values, (v) => v ?? '') });
    });
  }
  const known = new Map(columns.map((c) => [c.toLowerCase(), c]));
  const mapped = header.map((h) => known.get(String(h).trim().toLowerCase()) ?? null);
  const unknown = header.filter((h, i) => String(h).trim() && !mapped[i]);
  if (unknown.length) throw ValidationError.single(['file', 'columns'], `unknown column(s): ${unknown.slice(0, 5).join(', ')}; expected the names of the template`, 'UNKNOWN_COLUMN');
  for (const required of ['number', 'name', 'password'] as const) {
    if (!mapped.includes(required)) throw ValidationError.single(['file', 'columns'], `the column ${required} is missing`, 'REQUIRED');
  }
  if (body.length > MAX_ROWS) throw ValidationError.single(['file'], `at most ${MAX_ROWS} rows`, 'OUT_OF_BOUNDS');
  return body
    .filter((r) => r.values.some((v) => String(v ?? '').trim() !== ''))
    .map((r) => ({
      rowNumber: r.rowNumber,
      cells: Object.fromEntries(mapped.map((field, i) => [field, String(r.values[i] ?? '').trim()]).filter(([field]) => field)),
    }));
}

/** Turns one row's cells into an extension input; cells left empty take the defaults. */
function rowInput(cells: Record<string, string>, path: string[], issues: FieldIssue[]): ExtensionInput {
  const input: Record<string, unknown> = {};
  for (const [field, cell] of Object.entries(cells) as [ExtensionFieldName, string][]) {
    if (cell === '') continue;
    const text = isTextColumn(field) ? restoreFormula(cell) : cell;
    if (booleanColumns.has(field)) {
      const v = text.toLowerCase();
      if (['true', 'yes', '1', 'on'].includes(v)) input[field] = true;
      else if (['false', 'no', '0', 'off'].includes(v)) input[field] = false;
      else issues.push({ path: [...path, field], message: 'true or false', code: 'INVALID_TYPE' });
    } else if (intColumns.has(field)) {
      if (/^-?\d+$/.test(text)) input[field] = Number(text);
      else issues.push({ path: [...path, field], message: 'a whole number', code: 'INVALID_TYPE' });
    } else if (field === 'pickupGroups') {
      const parts = text
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean);
      if (parts.every((p) => /^\d+$/.test(p))) input[field] = parts.map(Number);
      else issues.push({ path: [...path, field], message: 'numbers separated by commas', code: 'INVALID_TYPE' });
    } else if (field === 'codecs') {
      input[field] = text
        .split(',')
        .map((p) => p.trim().toUpperCase())
        .filter(Boolean);
    } else if (field === 'trustedAddresses') {
      input[field] = text
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean);
    } else {
      input[field] = text;
    }
  }
  return input;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Imports extensions. Every row is checked as createExtension checks one;
 * issues name the spreadsheet row (header = row 1). ALL_OR_NOTHING writes
 * nothing when any row fails; VALID_ROWS_ONLY writes the rows that pass.
 */
export async function importExtensions(service: ExtensionService, file: File, format: FileFormat | null, mode: ImportMode) {
  const detected = format ?? (/\.csv$/i.test(file.name) ? 'CSV' : /\.xlsx$/i.test(file.name) ? 'XLSX' : null);
  if (!detected) throw ValidationError.single(['format'], 'give the format, or a file name ending in .xlsx or .csv', 'REQUIRED');
  const table = await readTable(file, detected);
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
