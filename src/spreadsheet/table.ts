import ExcelJS from 'exceljs';
import { stringify as stringifyCsv } from 'csv-stringify/sync';
import { ValidationError, type FieldIssue } from '../errors.js';
import { readCsvRows, readXlsxRows } from './bounded-read.js';

/**
 * Spreadsheets (XLSX and CSV) for export, templates and import, the same
 * for every kind of object: one header row of field names, one row per
 * object, every cell a string cell (never a formula), text cells protected
 * against formula injection.
 */

export const fileFormats = ['XLSX', 'CSV'] as const;
export type FileFormat = (typeof fileFormats)[number];
export type FileDownload = { filename: string; contentType: string; base64: string };

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

/** The kinds of column a table has: how a cell is written and read back. */
export type ColumnKinds = { booleans: ReadonlySet<string>; integers: ReadonlySet<string>; lists: ReadonlySet<string> };

const isText = (kinds: ColumnKinds, column: string) => !kinds.booleans.has(column) && !kinds.integers.has(column);

/** A value as its cell text: lists joined with commas, null as an empty cell, text neutralised. */
export function cellText(kinds: ColumnKinds, column: string, value: unknown): string {
  const text = value === null || value === undefined ? '' : Array.isArray(value) ? value.join(',') : String(value);
  return isText(kinds, column) ? neutraliseFormula(text) : text;
}

/** A file of a header row and data rows. */
export async function toFile(format: FileFormat, columns: readonly string[], rows: string[][], name: string, sheetName: string): Promise<FileDownload> {
  let buffer: Buffer;
  if (format === 'CSV') {
    buffer = Buffer.from(stringifyCsv([[...columns], ...rows]), 'utf8');
  } else {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet(sheetName);
    sheet.addRow([...columns]);
    // Every cell is a string cell, never a formula; numbers keep their leading zeros.
    for (const row of rows) sheet.addRow(row);
    sheet.getRow(1).font = { bold: true };
    buffer = Buffer.from(await workbook.xlsx.writeBuffer());
  }
  return { filename: `${name}.${format.toLowerCase()}`, contentType: contentTypes[format], base64: buffer.toString('base64') };
}

/** The format given, else the one the file name says; a ValidationError on `format` when neither does. */
export function detectFormat(file: File, format: FileFormat | null): FileFormat {
  const detected = format ?? (/\.csv$/i.test(file.name) ? 'CSV' : /\.xlsx$/i.test(file.name) ? 'XLSX' : null);
  if (!detected) throw ValidationError.single(['format'], 'give the format, or a file name ending in .xlsx or .csv', 'REQUIRED');
  return detected;
}

export type TableRow = { rowNumber: number; cells: Record<string, string> };

/**
 * Reads a file into rows of cell texts keyed by column, with their
 * spreadsheet row numbers (the header is row 1). Header names match the
 * columns regardless of case; an unknown or missing required column, an
 * unreadable file and too many rows are refused as a whole.
 */
export async function readTable(file: File, format: FileFormat, columns: readonly string[], required: readonly string[], maxRows: number): Promise<TableRow[]> {
  const buffer = Buffer.from(await file.arrayBuffer());
  const rows = format === 'CSV' ? await readCsvRows(buffer, maxRows) : await readXlsxRows(buffer, maxRows);
  const header = rows[0]?.values ?? [];
  const body = rows.slice(1);
  const known = new Map(columns.map((c) => [c.toLowerCase(), c]));
  const mapped = header.map((h) => known.get(String(h).trim().toLowerCase()) ?? null);
  const unknown = header.filter((h, i) => String(h).trim() && !mapped[i]);
  if (unknown.length) throw ValidationError.single(['file', 'columns'], `unknown column(s): ${unknown.slice(0, 5).join(', ')}; expected the names of the template`, 'UNKNOWN_COLUMN');
  for (const column of required) {
    if (!mapped.includes(column)) throw ValidationError.single(['file', 'columns'], `the column ${column} is missing`, 'REQUIRED');
  }
  return body
    .filter((r) => r.values.some((v) => String(v ?? '').trim() !== ''))
    .map((r) => ({
      rowNumber: r.rowNumber,
      cells: Object.fromEntries(mapped.map((field, i) => [field, String(r.values[i] ?? '').trim()]).filter(([field]) => field)),
    }));
}

/**
 * One row's cells as input values: booleans, whole numbers and comma
 * lists by their column kind, text as it is (formula quotes undone). Empty
 * cells are left out, so they take the defaults; `listItem` reads a list
 * item (numbers, upper-cased codes ...) or returns undefined when it cannot.
 */
export function rowValues(
  kinds: ColumnKinds,
  cells: Record<string, string>,
  path: string[],
  issues: FieldIssue[],
  listItem: (column: string, item: string) => unknown = (_c, item) => item,
  listRule = 'values separated by commas',
): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const [column, cell] of Object.entries(cells)) {
    if (cell === '') continue;
    const text = isText(kinds, column) ? restoreFormula(cell) : cell;
    if (kinds.booleans.has(column)) {
      const v = text.toLowerCase();
      if (['true', 'yes', '1', 'on'].includes(v)) input[column] = true;
      else if (['false', 'no', '0', 'off'].includes(v)) input[column] = false;
      else issues.push({ path: [...path, column], message: 'true or false', code: 'INVALID_TYPE' });
    } else if (kinds.integers.has(column)) {
      if (/^-?\d+$/.test(text)) input[column] = Number(text);
      else issues.push({ path: [...path, column], message: 'a whole number', code: 'INVALID_TYPE' });
    } else if (kinds.lists.has(column)) {
      const items = text
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean)
        .map((item) => listItem(column, item));
      if (items.every((i) => i !== undefined)) input[column] = items;
      else issues.push({ path: [...path, column], message: listRule, code: 'INVALID_TYPE' });
    } else {
      input[column] = text;
    }
  }
  return input;
}

export const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
