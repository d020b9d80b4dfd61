import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import yazl from 'yazl';
import { ValidationError } from '../../src/errors.js';
import { MAX_UNPACKED_BYTES, readCsvRows, readXlsxRows } from '../../src/spreadsheet/bounded-read.js';

/** A workbook of one sheet whose XML is `sheetXml`, zipped as Excel does (deflated entries). */
async function workbook(sheetXml: Buffer | string, options: { sheetFirst?: boolean } = {}): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  const add = (name: string, text: Buffer | string) => zip.addBuffer(Buffer.from(text), name, { compress: true });
  add(
    '[Content_Types].xml',
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
  );
  add(
    '_rels/.rels',
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
  );
  if (options.sheetFirst) add('xl/worksheets/sheet1.xml', sheetXml);
  add(
    'xl/workbook.xml',
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>',
  );
  add(
    'xl/_rels/workbook.xml.rels',
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
  );
  if (!options.sheetFirst) add('xl/worksheets/sheet1.xml', sheetXml);
  zip.end();
  const parts: Buffer[] = [];
  for await (const part of zip.outputStream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

const sheet = (rows: string[]) =>
  `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>${rows.join('')}</sheetData></worksheet>`;
const row = (n: number, cells: string[]) => `<row r="${n}">${cells.map((text, i) => `<c r="${String.fromCharCode(65 + i)}${n}" t="inlineStr"><is><t>${text}</t></is></c>`).join('')}</row>`;

/** Sheet XML of `count` rows of ten numeric cells, built without holding one string per row. */
function manyRows(count: number): Buffer {
  const one = (n: number) =>
    `<row r="${n}">${'ABCDEFGHIJ'
      .split('')
      .map((c) => `<c r="${c}${n}"><v>1</v></c>`)
      .join('')}</row>`;
  const head = Buffer.from(`<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>${row(1, ['number'])}`);
  const body: Buffer[] = [head];
  for (let n = 2; n < count + 2; n += 1000) body.push(Buffer.from(Array.from({ length: Math.min(1000, count + 2 - n) }, (_, i) => one(n + i)).join('')));
  body.push(Buffer.from('</sheetData></worksheet>'));
  return Buffer.concat(body);
}

async function refusal(promise: Promise<unknown>): Promise<{ message: string; code: string | undefined }> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ValidationError);
  const issue = (error as ValidationError).issues[0]!;
  return { message: issue.message, code: issue.code };
}

describe('reading an uploaded workbook', () => {
  it('reads the rows of a workbook written by ExcelJS and of one written by hand, with their row numbers', async () => {
    const book = new ExcelJS.Workbook();
    const s = book.addWorksheet('Extensions');
    s.addRow(['number', 'name']);
    s.addRow(['0100', 'Ann']);
    s.addRow([]);
    s.addRow(['0102', '=1+1']);
    const written = Buffer.from(await book.xlsx.writeBuffer());
    expect(await readXlsxRows(written, 10)).toEqual([
      { rowNumber: 1, values: ['number', 'name'] },
      { rowNumber: 2, values: ['0100', 'Ann'] },
      { rowNumber: 4, values: ['0102', '=1+1'] },
    ]);
    const byHand = await workbook(sheet([row(1, ['number', 'name']), row(2, ['200', 'Bo'])]), { sheetFirst: true });
    expect(await readXlsxRows(byHand, 10)).toEqual([
      { rowNumber: 1, values: ['number', 'name'] },
      { rowNumber: 2, values: ['200', 'Bo'] },
    ]);
  });

  it('refuses a sheet with more rows than the limit, stopping at the first one past it', async () => {
    const file = await workbook(manyRows(60_000));
    expect(file.length).toBeLessThan(2 * 1024 * 1024);
    expect(await refusal(readXlsxRows(file, 20_000))).toEqual({ message: 'at most 20000 rows', code: 'OUT_OF_BOUNDS' });
    expect((await readXlsxRows(await workbook(manyRows(20_000)), 20_000)).length).toBe(20_001);
  });

  it('refuses a workbook that unpacks to more than the limit before parsing it', async () => {
    // 128 MiB of rows of ten cells: a few hundred KiB zipped, gigabytes once parsed.
    const cells = `<row>${'<c><v>1</v></c>'.repeat(10)}</row>`;
    const xml = Buffer.concat([Buffer.from(sheet([row(1, ['number'])]).replace('</sheetData></worksheet>', '')), Buffer.alloc(2 * MAX_UNPACKED_BYTES, cells), Buffer.from('</sheetData></worksheet>')]);
    const file = await workbook(xml);
    expect(file.length).toBeLessThan(1024 * 1024);
    expect(await refusal(readXlsxRows(file, 1_000_000))).toEqual({ message: 'the workbook unpacks to more than 64 MiB', code: 'OUT_OF_BOUNDS' });
  });

  it('refuses a workbook whose entries say they are small and inflate to more', async () => {
    // A stored size of 1,000 bytes in the local header and the central directory for a sheet that inflates to 100 MiB.
    const xml = Buffer.alloc(100 * 1024 * 1024, ' ');
    const file = await workbook(xml);
    const patched = Buffer.from(file);
    const declared = xml.length;
    let patchedFields = 0;
    for (let at = 0; at + 4 <= patched.length; at++) {
      if (patched.readUInt32LE(at) === declared) {
        patched.writeUInt32LE(1000, at);
        patchedFields++;
      }
    }
    expect(patchedFields).toBeGreaterThan(0);
    expect(await refusal(readXlsxRows(patched, 10))).toMatchObject({ code: 'INVALID_FILE' });
  });

  it('refuses a file that is not a workbook', async () => {
    expect(await refusal(readXlsxRows(Buffer.from('number,name\n100,Ann\n'), 10))).toEqual({ message: 'not a readable XLSX file', code: 'INVALID_FILE' });
  });
});

describe('reading an uploaded CSV file', () => {
  it('reads records with their row numbers, skipping empty lines', async () => {
    expect(await readCsvRows(Buffer.from('\ufeffnumber,name\n100,"Ann, B"\n\n101,Bo\n'), 10)).toEqual([
      { rowNumber: 1, values: ['number', 'name'] },
      { rowNumber: 2, values: ['100', 'Ann, B'] },
      { rowNumber: 3, values: ['101', 'Bo'] },
    ]);
  });

  it('refuses more rows than the limit, and a record longer than 64 KiB', async () => {
    const lines = ['number', ...Array.from({ length: 50_000 }, (_, i) => String(i))].join('\n');
    expect(await refusal(readCsvRows(Buffer.from(lines), 20_000))).toEqual({ message: 'at most 20000 rows', code: 'OUT_OF_BOUNDS' });
    const long = `number,name\n100,${'x'.repeat(100 * 1024)}\n`;
    expect(await refusal(readCsvRows(Buffer.from(long), 10))).toMatchObject({ code: 'INVALID_FILE', message: expect.stringMatching(/^not a readable CSV file: /) });
  });
});
