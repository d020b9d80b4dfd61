import { Readable } from 'node:stream';
import { parse as parseCsv } from 'csv-parse';
import ExcelJS from 'exceljs';
import yauzl from 'yauzl';
import { ValidationError } from '../errors.js';

/**
 * Reading an uploaded table without letting the file decide what it costs. An upload is small (tens of
 * MiB) but may unpack to gigabytes: a workbook is a zip, and a few MiB of repeated cells inflate to
 * millions of rows. So a workbook's entries are inflated once, counted and dropped, before anything
 * is parsed; rows are then streamed, and reading stops at the first row past the limit.
 */

/** What a workbook may unpack to in all: an export of 10,000 extensions unpacks to about 13 MiB. */
export const MAX_UNPACKED_BYTES = 64 * 1024 * 1024;
/** The longest CSV record: a row of every column of an extension is well under 4 KiB. */
const MAX_CSV_RECORD_BYTES = 64 * 1024;
/** CSV text is handed to the parser in pieces of this size, so that other requests are served in between. */
const CSV_CHUNK_BYTES = 64 * 1024;

export type RawRow = { rowNumber: number; values: string[] };

const tooManyRows = (maxRows: number) => ValidationError.single(['file'], `at most ${maxRows} rows`, 'OUT_OF_BOUNDS');

/**
 * The separator of a CSV file, from its header line: the comma, or the semicolon that spreadsheets
 * write where the comma is the decimal mark (German, French ... Excel), or a tab. The header holds
 * only column names, so the separator it uses most is the file's.
 */
export function csvDelimiter(buffer: Buffer): string {
  const end = buffer.indexOf(0x0a);
  const header = buffer.subarray(0, end < 0 ? Math.min(buffer.length, MAX_CSV_RECORD_BYTES) : Math.min(end, MAX_CSV_RECORD_BYTES)).toString('utf8');
  const counts = { ',': 0, ';': 0, '\t': 0 };
  let quoted = false;
  for (const c of header) {
    if (c === '"') quoted = !quoted;
    else if (!quoted && c in counts) counts[c as keyof typeof counts] += 1;
  }
  return counts[';'] > counts[','] && counts[';'] >= counts['\t'] ? ';' : counts['\t'] > counts[','] ? '\t' : ',';
}

/** The rows of a CSV file (the header is row 1), refused past `maxRows` data rows or at a record longer than 64 KiB. */
export async function readCsvRows(buffer: Buffer, maxRows: number): Promise<RawRow[]> {
  const parser = Readable.from(chunksOf(buffer, CSV_CHUNK_BYTES)).pipe(
    parseCsv({ bom: true, delimiter: csvDelimiter(buffer), skip_empty_lines: true, relax_column_count: true, max_record_size: MAX_CSV_RECORD_BYTES }),
  );
  const rows: RawRow[] = [];
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      if (rows.length > maxRows) throw tooManyRows(maxRows);
      rows.push({ rowNumber: rows.length + 1, values: record });
    }
  } catch (error) {
    if (error instanceof ValidationError) throw error;
    throw ValidationError.single(['file'], `not a readable CSV file: ${(error as Error).message}`, 'INVALID_FILE');
  } finally {
    parser.destroy();
  }
  return rows;
}

/**
 * The rows of the first sheet of an XLSX workbook (row numbers as the sheet has them), refused when
 * the workbook unpacks to more than MAX_UNPACKED_BYTES or its sheet has more than `maxRows` data rows.
 */
export async function readXlsxRows(buffer: Buffer, maxRows: number): Promise<RawRow[]> {
  await assertUnpacksWithin(buffer, MAX_UNPACKED_BYTES);
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(Readable.from([buffer]), {
    sharedStrings: 'cache',
    hyperlinks: 'ignore',
    styles: 'ignore',
    worksheets: 'emit',
    entries: 'ignore',
  });
  const rows: RawRow[] = [];
  let sheets = 0;
  try {
    for await (const sheet of reader) {
      sheets++;
      for await (const row of sheet) {
        if (!row.hasValues) continue;
        if (rows.length > maxRows) throw tooManyRows(maxRows);
        const values: string[] = [];
        row.eachCell({ includeEmpty: true }, (cell, column) => {
          values[column - 1] = cell.text ?? '';
        });
        rows.push({ rowNumber: row.number, values: Array.from(values, (v) => v ?? '') });
      }
      break;
    }
  } catch (error) {
    if (error instanceof ValidationError) throw error;
    throw ValidationError.single(['file'], 'not a readable XLSX file', 'INVALID_FILE');
  }
  if (!sheets) throw ValidationError.single(['file'], 'the workbook has no sheet', 'INVALID_FILE');
  return rows;
}

/**
 * Inflates every entry of a zip and counts what comes out, refusing the file as soon as the total passes
 * `maxBytes`. The declared sizes are checked against the inflated bytes (yauzl's validateEntrySizes),
 * so a file cannot declare small entries and inflate large ones.
 */
export async function assertUnpacksWithin(buffer: Buffer, maxBytes: number): Promise<void> {
  const tooLarge = () => ValidationError.single(['file'], `the workbook unpacks to more than ${maxBytes / (1024 * 1024)} MiB`, 'OUT_OF_BOUNDS');
  const unreadable = () => ValidationError.single(['file'], 'not a readable XLSX file', 'INVALID_FILE');
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.fromBuffer(buffer, { lazyEntries: true, validateEntrySizes: true }, (error, file) => (error || !file ? reject(unreadable()) : resolve(file))),
  );
  let total = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('error', () => reject(unreadable()));
      zip.on('end', () => resolve());
      zip.on('entry', (entry: yauzl.Entry) => {
        total += entry.uncompressedSize;
        if (total > maxBytes) return reject(tooLarge());
        if (entry.fileName.endsWith('/')) return zip.readEntry();
        zip.openReadStream(entry, (error, stream) => {
          if (error || !stream) return reject(unreadable());
          stream.on('error', () => reject(unreadable()));
          stream.on('data', () => undefined);
          stream.on('end', () => zip.readEntry());
        });
      });
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
}

function* chunksOf(buffer: Buffer, size: number): Generator<Buffer> {
  for (let at = 0; at < buffer.length; at += size) yield buffer.subarray(at, at + size);
}
