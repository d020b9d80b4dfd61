import type { FieldIssue } from '../errors.js';
import { ValidationError } from '../errors.js';
import type { DestinationInput } from '../destinations/destination.js';
import { inboundOwners } from '../inbound/contract.js';
import { inboundFieldSchemas } from '../inbound/fields.js';
import type { DidRouteInput, ImportMode } from '../inbound/service.js';
import { didRouteTemplate, exportDidRoutes, importDidRoutes } from '../inbound/spreadsheet.js';
import type { FileFormat } from '../spreadsheet/table.js';
import { builder } from './builder.js';
import { DestinationInputRef, DestinationRef } from './destinations.js';
import { audited, FieldIssueRef, mutationErrors } from './errors.js';
import { DeletedRef, deletedPayload, FileDownloadRef, FileFormatEnum, ImportModeEnum } from './extensions.js';
import { decodeId } from './ids.js';
import { selection } from './selection.js';
import { decodeTrunkId, TrunkRef } from './trunks.js';

/**
 * Inbound routing (F-4.2.4, F-4.2.5): a trunk's inbound route (a field of
 * Trunk) and DID routes. Admin-only, like trunks: settings:write.
 */
const admin = { perm: 'settings:write' } as const;

type InboundRoute = { trunkId: string; alertInfo: string };
const InboundRouteRef = builder.objectRef<InboundRoute>('InboundRoute').implement({
  description: 'Where the calls of a client-mode trunk go once blacklist, anonymous callers, office pause and DID routes let them through (F-4.2.4)',
  fields: (t) => ({
    destination: t.field({
      type: DestinationRef,
      resolve: async (r, _a, ctx) =>
        (await ctx.loaders.destinationsOfOwner.load(`${inboundOwners.trunkRoute}:${r.trunkId}`)).get(inboundOwners.slot) ?? { type: 'HANGUP', target: null, parameters: {} },
    }),
    alertInfo: t.exposeString('alertInfo', { description: inboundFieldSchemas.alertInfo.description }),
  }),
});

builder.interfaceField(TrunkRef, 'inboundRoute', (t) =>
  t.field({
    type: InboundRouteRef,
    nullable: true,
    description: "The trunk's inbound route; null: its calls go to the operator extension of the PBX settings (server-mode trunks: to their dial permission's context)",
    resolve: (trunk, _a, ctx) => ctx.services.db.prisma.inboundRoute.findUnique({ where: { trunkId: trunk.id } }),
  }),
);

export const DidRouteRef = builder.prismaNode('DidRoute', {
  id: { field: 'id' },
  description: 'A DID route (F-4.2.5): calls to this number, from any client-mode trunk, go to its destination, bypassing time rules and the trunk route',
  objectAuthScopes: { type: admin },
  fields: (t) => ({
    did: t.exposeString('did', { description: inboundFieldSchemas.did.description }),
    destination: t.field({
      type: DestinationRef,
      resolve: async (d, _a, ctx) => (await ctx.loaders.destinationsOfOwner.load(`${inboundOwners.didRoute}:${d.id}`)).get(inboundOwners.slot) ?? { type: 'HANGUP', target: null, parameters: {} },
    }),
    alertInfo: t.exposeString('alertInfo', { description: inboundFieldSchemas.alertInfo.description }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

builder.queryFields((t) => ({
  didRoutes: t.prismaConnection({
    type: 'DidRoute',
    cursor: 'id',
    description: 'DID routes in DID order',
    authScopes: admin,
    args: { search: t.arg.string({ required: false, description: 'Part of the DID' }) },
    totalCount: (_c, args, ctx) => ctx.services.db.prisma.didRoute.count({ where: ctx.services.inbound.listWhere(args.search) }),
    resolve: (query, _r, args, ctx) => ctx.services.db.prisma.didRoute.findMany({ ...selection(query), where: ctx.services.inbound.listWhere(args.search), orderBy: [{ did: 'asc' }, { id: 'asc' }] }),
  }),
  exportDidRoutes: t.field({
    type: FileDownloadRef,
    description: 'Every DID route as a spreadsheet, or with template: true the empty template',
    authScopes: admin,
    args: { format: t.arg({ type: FileFormatEnum, defaultValue: 'XLSX' }), template: t.arg.boolean({ defaultValue: false }) },
    resolve: (_r, args, ctx) => (args.template ? didRouteTemplate(args.format) : exportDidRoutes(ctx.services.db.prisma, args.format)),
  }),
}));

const InboundRouteInputRef = builder.inputType('InboundRouteInput', {
  description: 'Only the fields given change; a trunk without a route needs a destination',
  fields: (t) => ({
    destination: t.field({ type: DestinationInputRef, required: false }),
    alertInfo: t.string({ required: false, description: inboundFieldSchemas.alertInfo.description }),
  }),
});
const DidRouteFields = (required: boolean) => (t: Parameters<Parameters<typeof builder.inputType>[1]['fields']>[0]) => ({
  did: t.string({ required, description: inboundFieldSchemas.did.description }),
  destination: t.field({ type: DestinationInputRef, required }),
  alertInfo: t.string({ required: false, description: inboundFieldSchemas.alertInfo.description }),
});
const CreateDidRouteInput = builder.inputType('CreateDidRouteInput', { fields: DidRouteFields(true) });
const UpdateDidRouteInput = builder.inputType('UpdateDidRouteInput', { description: 'Only the fields given change', fields: DidRouteFields(false) });

type ImportResult = { ids: string[]; rejected: FieldIssue[]; rows: number };
const ImportDidRoutesPayloadRef = builder.objectRef<ImportResult>('ImportDidRoutesPayload').implement({
  fields: (t) => ({
    rows: t.exposeInt('rows', { description: 'Data rows read from the file' }),
    createdCount: t.int({ resolve: (r) => r.ids.length }),
    rejected: t.field({ type: [FieldIssueRef], description: 'Errors of the rows left out (VALID_ROWS_ONLY)', resolve: (r) => r.rejected }),
    didRoutes: t.prismaField({
      type: ['DidRoute'],
      description: 'In DID order',
      resolve: (query, r, _a, ctx) => ctx.services.db.prisma.didRoute.findMany({ ...selection(query), where: { id: { in: r.ids } }, orderBy: { did: 'asc' } }),
    }),
  }),
});

/** The input without absent fields; the destination as the destination module takes it. */
const given = (input: { did?: string | null; alertInfo?: string | null; destination?: object | null }): DidRouteInput => ({
  did: input.did ?? undefined,
  alertInfo: input.alertInfo ?? undefined,
  destination: input.destination ? (Object.fromEntries(Object.entries(input.destination).filter(([, v]) => v !== null && v !== undefined)) as DestinationInput) : undefined,
});

builder.mutationFields((t) => ({
  setInboundRoute: t.prismaField({
    type: TrunkRef,
    description: "Sets where a client-mode trunk's calls go (F-4.2.4); only the fields given change",
    authScopes: admin,
    errors: { types: mutationErrors },
    args: { trunk: t.arg.globalID(), input: t.arg({ type: InboundRouteInputRef }) },
    resolve: async (query, root, args, ctx, info) => {
      const id = decodeTrunkId(args.trunk);
      const { destination, alertInfo } = given(args.input);
      await audited((_a: typeof args, c) => c.services.inbound.setTrunkRoute(id, { destination, alertInfo }))(root, args, ctx, info);
      return ctx.services.db.prisma.trunk.findUniqueOrThrow({ ...selection(query), where: { id } });
    },
  }),
  deleteInboundRoute: t.prismaField({
    type: TrunkRef,
    description: "Removes a trunk's inbound route: its calls go to the operator extension again",
    authScopes: admin,
    errors: { types: mutationErrors },
    args: { trunk: t.arg.globalID() },
    resolve: async (query, root, args, ctx, info) => {
      const id = decodeTrunkId(args.trunk);
      await audited((_a: typeof args, c) => c.services.inbound.deleteTrunkRoute(id))(root, args, ctx, info);
      return ctx.services.db.prisma.trunk.findUniqueOrThrow({ ...selection(query), where: { id } });
    },
  }),
  createDidRoute: t.prismaField({
    type: 'DidRoute',
    authScopes: admin,
    errors: { types: mutationErrors },
    args: { input: t.arg({ type: CreateDidRouteInput }) },
    resolve: async (query, root, args, ctx, info) => {
      const id = await audited((a: typeof args, c) => c.services.inbound.createDid(given(a.input)))(root, args, ctx, info);
      return ctx.services.db.prisma.didRoute.findUniqueOrThrow({ ...selection(query), where: { id } });
    },
  }),
  updateDidRoute: t.prismaField({
    type: 'DidRoute',
    authScopes: admin,
    errors: { types: mutationErrors },
    args: { id: t.arg.globalID(), input: t.arg({ type: UpdateDidRouteInput }) },
    resolve: async (query, root, args, ctx, info) => {
      const id = decodeId(args.id, 'DidRoute');
      await audited((a: typeof args, c) => c.services.inbound.updateDid(id, given(a.input)))(root, args, ctx, info);
      return ctx.services.db.prisma.didRoute.findUniqueOrThrow({ ...selection(query), where: { id } });
    },
  }),
  deleteDidRoutes: t.field({
    type: DeletedRef,
    authScopes: admin,
    errors: { types: mutationErrors },
    args: { ids: t.arg.globalIDList() },
    resolve: audited(async (a: { ids: { typename: string; id: string }[] }, c) => deletedPayload(await c.services.inbound.deleteDids(a.ids.map((id) => decodeId(id, 'DidRoute'))), 'DidRoute')),
  }),
  deleteAllDidRoutes: t.field({
    type: DeletedRef,
    authScopes: admin,
    errors: { types: mutationErrors },
    args: { confirm: t.arg.boolean({ description: 'Must be true' }) },
    resolve: audited(async (a: { confirm: boolean }, c) => {
      if (!a.confirm) throw ValidationError.single(['confirm'], 'must be true to delete every DID route', 'REQUIRED');
      return deletedPayload(await c.services.inbound.deleteDids(null), 'DidRoute');
    }),
  }),
  importDidRoutes: t.field({
    type: ImportDidRoutesPayloadRef,
    description: 'Creates DID routes from an XLSX or CSV file in the export format; every row is checked as in createDidRoute',
    authScopes: admin,
    errors: { types: mutationErrors },
    args: {
      file: t.arg({ type: 'File' }),
      format: t.arg({ type: FileFormatEnum, required: false, description: 'Default: from the file name' }),
      mode: t.arg({ type: ImportModeEnum, defaultValue: 'ALL_OR_NOTHING' }),
    },
    resolve: audited((a: { file: File; format?: FileFormat | null; mode: ImportMode }, c) => importDidRoutes(c.services.inbound, a.file, a.format ?? null, a.mode)),
  }),
}));
