import type { PrismaClient } from '../db/client.js';
import type { FieldIssue } from '../errors.js';
import { cellText, detectFormat, readTable, rowValues, toFile, yieldToEventLoop, type ColumnKinds, type FileFormat } from '../spreadsheet/table.js';
import { sipFieldSchemas, type SipTrunkFieldName } from './fields.js';
import { fromRow } from './rows.js';
import { withDefaults, type ImportMode, type PlannedTrunk, type TrunkService } from './service.js';

/**
 * SIP trunks as a spreadsheet (F-4.3.1, F-2.3.c: "add SIP trunks or import
 * them"): the columns are the field names of createSipTrunk, in its order.
 * The export is a backup and holds the passwords.
 */
export const sipTrunkColumns = Object.keys(sipFieldSchemas) as SipTrunkFieldName[];

/** The base type of a field's schema (through nullable). */
function baseType(column: SipTrunkFieldName): string {
  const def = sipFieldSchemas[column].def as { type: string; innerType?: { def: { type: string } } };
  return def.type === 'nullable' ? def.innerType!.def.type : def.type;
}
const kinds: ColumnKinds = {
  booleans: new Set(sipTrunkColumns.filter((c) => baseType(c) === 'boolean')),
  integers: new Set(sipTrunkColumns.filter((c) => baseType(c) === 'number')),
  lists: new Set(['codecs', 'remoteAddresses']),
};
const MAX_ROWS = 1000;

export async function exportSipTrunks(prisma: PrismaClient, format: FileFormat) {
  const rows = await prisma.trunk.findMany({ where: { kind: 'SIP' }, include: { dialPermission: { select: { name: true } } }, orderBy: { name: 'asc' } });
  const table = rows.map((row) => {
    const fields = fromRow(row, row.dialPermission.name) as Record<string, unknown>;
    return sipTrunkColumns.map((c) => cellText(kinds, c, fields[c]));
  });
  return toFile(format, sipTrunkColumns, table, 'sip-trunks', 'sip-trunks');
}

export function sipTrunkTemplate(format: FileFormat) {
  return toFile(format, sipTrunkColumns, [], 'sip-trunks-template', 'sip-trunks');
}

/** Codes are read regardless of case; every other list item as it is. */
const listItem = (column: string, item: string) => (column === 'codecs' ? item.toUpperCase() : item);

/**
 * Imports SIP trunks: every row is checked as createSipTrunk checks one
 * (names also against each other); issues name the spreadsheet row (header
 * = row 1). Empty cells take the defaults.
 */
export async function importSipTrunks(service: TrunkService, file: File, format: FileFormat | null, mode: ImportMode) {
  const table = await readTable(file, detectFormat(file, format), sipTrunkColumns, ['name'], MAX_ROWS);
  const issues: FieldIssue[] = [];
  const planned: PlannedTrunk[] = [];
  for (const [i, row] of table.entries()) {
    if (i % 250 === 249) await yieldToEventLoop();
    const path = ['rows', String(row.rowNumber)];
    planned.push({ fields: withDefaults('SIP', rowValues(kinds, row.cells, path, issues, listItem)), path });
  }
  const { ids, rejected } = await service.importPlanned('SIP', planned, issues, mode);
  return { rows: table.length, ids, rejected };
}
