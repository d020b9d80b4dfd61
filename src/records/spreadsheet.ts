import type { PrismaClient } from '../db/client.js';
import { ValidationError } from '../errors.js';
import type { Prisma } from '../generated/prisma-sqlite/index.js';
import { cellText, toFile, yieldToEventLoop, type ColumnKinds, type FileDownload, type FileFormat } from '../spreadsheet/table.js';

/** The columns of a call record export (F-5.2), in order. */
export const callRecordColumns = [
  'startedAt',
  'answeredAt',
  'endedAt',
  'caller',
  'callerName',
  'callee',
  'finalCallee',
  'direction',
  'disposition',
  'durationSeconds',
  'talkSeconds',
  'trunk',
  'did',
  'pinCode',
  'callerExtension',
  'calleeExtension',
  'linkedid',
  'uniqueid',
] as const;
const kinds: ColumnKinds = { booleans: new Set(), integers: new Set(['durationSeconds', 'talkSeconds']), lists: new Set() };

/** Rows one export may hold; a larger range is refused so that it can be split. */
export const MAX_EXPORT_ROWS = 100_000;
const PAGE = 2000;

/**
 * The call records of a filter as CSV or XLSX, oldest first, times in UTC
 * (ISO 8601). Text cells are neutralised against formula injection by the
 * shared spreadsheet module: a caller name from outside is data, never a formula.
 */
export async function exportCallRecords(prisma: PrismaClient, where: Prisma.CallRecordWhereInput, format: FileFormat): Promise<FileDownload> {
  const count = await prisma.callRecord.count({ where });
  if (count > MAX_EXPORT_ROWS) throw ValidationError.single(['filter'], `${count} call records match; an export holds at most ${MAX_EXPORT_ROWS}: narrow the time range`, 'OUT_OF_RANGE');
  const table: string[][] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await prisma.callRecord.findMany({
      where,
      orderBy: [{ startedAt: 'asc' }, { id: 'asc' }],
      take: PAGE,
      ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
    });
    for (const r of page) {
      const values: Record<(typeof callRecordColumns)[number], unknown> = {
        ...r,
        startedAt: r.startedAt.toISOString(),
        answeredAt: r.answeredAt?.toISOString() ?? null,
        endedAt: r.endedAt.toISOString(),
      };
      table.push(callRecordColumns.map((c) => cellText(kinds, c, values[c])));
    }
    if (page.length < PAGE) break;
    cursor = page[page.length - 1]!.id;
    await yieldToEventLoop();
  }
  return toFile(format, callRecordColumns, table, 'call-records', 'call records');
}
