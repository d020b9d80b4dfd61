import { blacklistFieldSchemas, type ImportMode } from '../blacklist/service.js';
import { blacklistTemplate, exportBlacklist, importBlacklist } from '../blacklist/spreadsheet.js';
import type { FieldIssue } from '../errors.js';
import type { FileFormat } from '../spreadsheet/table.js';
import { builder } from './builder.js';
import { audited, FieldIssueRef, mutationErrors } from './errors.js';
import { DeletedRef, deletedPayload, FileDownloadRef, FileFormatEnum, ImportModeEnum } from './extensions.js';
import { decodeId } from './ids.js';
import { selection } from './selection.js';
import { ValidationError } from '../errors.js';

/**
 * The caller blacklist (F-4.2.6). The admin and the operator (接线员) manage
 * it: reading needs settings:read, changing it blacklist:write, which both
 * roles hold (an API key only when given BLACKLIST_WRITE).
 */
const read = { perm: 'settings:read' } as const;
const manage = { perm: 'blacklist:write' } as const;

export const BlacklistEntryRef = builder.prismaNode('BlacklistEntry', {
  id: { field: 'id' },
  description: 'A number whose calls from outside are refused (F-4.2.6)',
  objectAuthScopes: { type: read },
  fields: (t) => ({
    number: t.exposeString('number', { description: blacklistFieldSchemas.number.description }),
    createdBy: t.exposeString('createdBy', { description: 'Who added it: the user name of an account, or `extension <number>` when a phone added it with a feature code' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.queryFields((t) => ({
  blacklist: t.prismaConnection({
    type: 'BlacklistEntry',
    cursor: 'id',
    description: 'The blacklist, by number, paginated',
    authScopes: read,
    args: { search: t.arg.string({ required: false, description: 'Part of the number, or of who added it' }) },
    totalCount: (_c, args, ctx) => ctx.services.db.prisma.blacklistEntry.count({ where: ctx.services.blacklist.listWhere(args.search) }),
    resolve: (query, _r, args, ctx) =>
      ctx.services.db.prisma.blacklistEntry.findMany({ ...selection(query), where: ctx.services.blacklist.listWhere(args.search), orderBy: [{ number: 'asc' }, { id: 'asc' }] }),
  }),
  exportBlacklist: t.field({
    type: FileDownloadRef,
    description: 'The blacklist as a spreadsheet (number, createdBy, createdAt), or with template: true the empty template',
    authScopes: read,
    args: { format: t.arg({ type: FileFormatEnum, defaultValue: 'XLSX' }), template: t.arg.boolean({ defaultValue: false }) },
    resolve: (_r, args, ctx) => (args.template ? blacklistTemplate(args.format) : exportBlacklist(ctx.services.db.prisma, args.format)),
  }),
}));

type ImportResult = { ids: string[]; rejected: FieldIssue[]; rows: number };
const ImportBlacklistPayloadRef = builder.objectRef<ImportResult>('ImportBlacklistPayload').implement({
  fields: (t) => ({
    rows: t.exposeInt('rows', { description: 'Data rows read from the file' }),
    createdCount: t.int({ resolve: (r) => r.ids.length }),
    rejected: t.field({ type: [FieldIssueRef], description: 'Errors of the rows left out (VALID_ROWS_ONLY)', resolve: (r) => r.rejected }),
    entries: t.prismaField({
      type: ['BlacklistEntry'],
      description: 'In number order',
      resolve: (query, r, _a, ctx) => ctx.services.db.prisma.blacklistEntry.findMany({ ...selection(query), where: { id: { in: r.ids } }, orderBy: { number: 'asc' } }),
    }),
  }),
});

builder.mutationFields((t) => ({
  addBlacklistEntry: t.prismaField({
    type: 'BlacklistEntry',
    description: 'Adds a number to the blacklist; createdBy is the caller',
    authScopes: manage,
    errors: { types: mutationErrors },
    args: { number: t.arg.string({ description: blacklistFieldSchemas.number.description }) },
    resolve: async (query, root, args, ctx, info) => {
      const row = await audited((a: typeof args, c) => c.services.blacklist.add(a.number, c.principal!.username))(root, args, ctx, info);
      return ctx.services.db.prisma.blacklistEntry.findUniqueOrThrow({ ...selection(query), where: { id: row.id } });
    },
  }),
  deleteBlacklistEntries: t.field({
    type: DeletedRef,
    description: 'Deletes the selected entries',
    authScopes: manage,
    errors: { types: mutationErrors },
    args: { ids: t.arg.globalIDList() },
    resolve: audited(async (a: { ids: { typename: string; id: string }[] }, c) =>
      deletedPayload(await c.services.blacklist.delete(a.ids.map((id) => decodeId(id, 'BlacklistEntry'))), 'BlacklistEntry'),
    ),
  }),
  deleteAllBlacklistEntries: t.field({
    type: DeletedRef,
    description: 'Empties the blacklist',
    authScopes: manage,
    errors: { types: mutationErrors },
    args: { confirm: t.arg.boolean({ description: 'Must be true' }) },
    resolve: audited(async (a: { confirm: boolean }, c) => {
      if (!a.confirm) throw ValidationError.single(['confirm'], 'must be true to empty the blacklist', 'REQUIRED');
      return deletedPayload(await c.services.blacklist.delete(null), 'BlacklistEntry');
    }),
  }),
  importBlacklist: t.field({
    type: ImportBlacklistPayloadRef,
    description: 'Adds the numbers of an XLSX or CSV file (the column `number`; an export imports as it is); each row is checked as in addBlacklistEntry',
    authScopes: manage,
    errors: { types: mutationErrors },
    args: {
      file: t.arg({ type: 'File' }),
      format: t.arg({ type: FileFormatEnum, required: false, description: 'Default: from the file name' }),
      mode: t.arg({ type: ImportModeEnum, defaultValue: 'ALL_OR_NOTHING' }),
    },
    resolve: audited((a: { file: File; format?: FileFormat | null; mode: ImportMode }, c) => importBlacklist(c.services.blacklist, a.file, a.format ?? null, a.mode, c.principal!.username)),
  }),
}));
