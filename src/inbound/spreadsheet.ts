import type { PrismaClient } from '../db/client.js';
import { domains } from '../domains/registry.js';
import type { FieldIssue } from '../errors.js';
import { loadDestinations } from '../destinations/store.js';
import { cellText, detectFormat, readTable, rowValues, toFile, yieldToEventLoop, type ColumnKinds, type FileFormat } from '../spreadsheet/table.js';
import { inboundOwners } from './contract.js';
import type { ImportMode, InboundService, PlannedDidRoute } from './service.js';

/**
 * DID routes as a spreadsheet (F-4.2.5: IMPORT with a template, EXPORT):
 * did, the destination as its kind, its target (the number of the target
 * object or the external number) and the kind's parameters, and alertInfo.
 */
const MAX_ROWS = 5000;

type Parameter = { name: string; integer: boolean };

/** The destination parameters of the kinds that exist (e.g. ringTimeSeconds, greeting), each once. */
function parameters(): Parameter[] {
  const byName = new Map<string, Parameter>();
  for (const type of domains.destinationTypes) {
    const shape = (domains.destination(type)!.parameters?.shape ?? {}) as Record<string, { def: { type: string; innerType?: { def: { type: string } } } }>;
    for (const [name, schema] of Object.entries(shape)) {
      const def = schema.def;
      const base = def.type === 'optional' || def.type === 'default' || def.type === 'nullable' ? def.innerType!.def.type : def.type;
      byName.set(name, { name, integer: base === 'number' });
    }
  }
  return [...byName.values()];
}

function layout() {
  const params = parameters();
  const columns = ['did', 'destinationType', 'destinationTarget', ...params.map((p) => p.name), 'alertInfo'];
  const kinds: ColumnKinds = { booleans: new Set(), integers: new Set(params.filter((p) => p.integer).map((p) => p.name)), lists: new Set() };
  return { params, columns, kinds };
}

export async function exportDidRoutes(prisma: PrismaClient, format: FileFormat) {
  const { params, columns, kinds } = layout();
  const { rows, destinations, numbers } = await prisma.$transaction(async (tx) => {
    const destinations = await loadDestinations(tx, inboundOwners.didRoute);
    const targetIds = [...destinations.values()].map((s) => s.get(inboundOwners.slot)?.target).filter((t): t is string => !!t);
    const numbers = new Map((await tx.dialableNumber.findMany({ where: { ownerId: { in: targetIds } } })).map((n) => [`${n.ownerKind}:${n.ownerId}`, n.number]));
    return { rows: await tx.didRoute.findMany({ orderBy: { did: 'asc' } }), destinations, numbers };
  });
  const table = rows.map((row) => {
    const d = destinations.get(row.id)?.get(inboundOwners.slot);
    const target = d ? domains.destination(d.type)?.target : undefined;
    const targetText = !d?.target ? '' : target?.kind === 'object' ? (numbers.get(`${target.objectKind}:${d.target}`) ?? '') : d.target;
    const values: Record<string, unknown> = {
      did: row.did,
      destinationType: d?.type ?? '',
      destinationTarget: targetText,
      alertInfo: row.alertInfo,
      ...Object.fromEntries(params.map((p) => [p.name, d?.parameters[p.name]])),
    };
    return columns.map((c) => cellText(kinds, c, values[c]));
  });
  return toFile(format, columns, table, 'did-routes', 'did-routes');
}

export function didRouteTemplate(format: FileFormat) {
  return toFile(format, layout().columns, [], 'did-routes-template', 'did-routes');
}

/**
 * Imports DID routes: every row is checked as createDidRoute checks one
 * (DIDs also against each other); issues name the spreadsheet row (header =
 * row 1) and the column.
 */
export async function importDidRoutes(service: InboundService, file: File, format: FileFormat | null, mode: ImportMode) {
  const { params, columns, kinds } = layout();
  const table = await readTable(file, detectFormat(file, format), columns, ['did', 'destinationType'], MAX_ROWS);
  const issues: FieldIssue[] = [];
  const planned: PlannedDidRoute[] = [];
  for (const [i, row] of table.entries()) {
    if (i % 250 === 249) await yieldToEventLoop();
    const path = ['rows', String(row.rowNumber)];
    const values = rowValues(kinds, row.cells, path, issues);
    const destination = values.destinationType
      ? {
          type: String(values.destinationType).toUpperCase(),
          target: (values.destinationTarget as string | undefined) ?? null,
          ...Object.fromEntries(params.filter((p) => values[p.name] !== undefined).map((p) => [p.name, values[p.name]])),
        }
      : null;
    planned.push({ input: { did: (values.did as string | undefined) ?? '', alertInfo: (values.alertInfo as string | undefined) ?? '', destination }, path, columns: true });
  }
  const { ids, rejected } = await service.importDids(planned, issues, mode);
  return { rows: table.length, ids, rejected };
}
