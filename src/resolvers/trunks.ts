import type { Prisma } from '../generated/prisma-sqlite/index.js';
import { NotFoundError, type FieldIssue } from '../errors.js';
import type { FileFormat } from '../spreadsheet/table.js';
import { trunkKinds, type TrunkKind } from '../trunks/contract.js';
import { commonFieldSchemas, iaxFieldSchemas, sipFieldSchemas, type IaxTrunkFieldName, type SipTrunkFieldName } from '../trunks/fields.js';
import { fromRow, type TrunkFields } from '../trunks/rows.js';
import type { ImportMode, TrunkInput } from '../trunks/service.js';
import { exportSipTrunks, importSipTrunks, sipTrunkTemplate } from '../trunks/spreadsheet.js';
import { builder } from './builder.js';
import { noteSecretRead } from './context.js';
import { audited, FieldIssueRef, mutationErrors } from './errors.js';
import { AudioCodecEnum, DtmfModeEnum, FileDownloadRef, FileFormatEnum, ImportModeEnum, RecordingModeEnum, SipTransportEnum, VideoCodecEnum } from './extensions.js';
import { tableType, tableValue } from './runtime-types.js';
import { selection } from './selection.js';
import { encodeGlobalId, trunkTypenames } from './ids.js';

/**
 * SIP and IAX trunks (F-4.3.1.b, F-4.3.1.d). Admin-only: reading and
 * writing need settings:write (trunk credentials and addresses are PBX
 * configuration). Passwords are write-only: `hasPassword` tells whether one is set.
 */

export const TrunkKindEnum = builder.enumType('TrunkKind', { values: trunkKinds, description: 'SIP and IAX today; ANALOG and PRI join with the hardware' });
export const TrunkModeEnum = builder.enumType('TrunkMode', {
  values: {
    CLIENT: { description: 'This PBX registers to the far end (an ITSP or another PBX)' },
    SERVER: { description: 'The far end registers to this PBX (user name = the trunk name) or is known by its address' },
  } as const,
});
const CallerIdPreferenceEnum = builder.enumType('CallerIdPreference', {
  values: { TRUNK: { description: "The trunk's outbound caller ID wins" }, EXTENSION: { description: "The extension's outbound caller ID wins" } } as const,
});

type Row = Prisma.TrunkGetPayload<object>;
const admin = { perm: 'settings:write' } as const;
const typenames: Record<TrunkKind, string> = trunkTypenames;

/** The global ID of a trunk: its GraphQL type (SipTrunk, IaxTrunk) and its id, so node(id) finds it. */
export function trunkGlobalId(kind: TrunkKind, id: string): string {
  return encodeGlobalId(typenames[kind], id);
}

/** The id in a trunk's global ID (SipTrunk:…, IaxTrunk:…, or Trunk:…), optionally of one kind only. */
export function decodeTrunkId(globalId: { typename: string; id: string }, kind?: TrunkKind): string {
  const allowed = kind ? [typenames[kind], 'Trunk'] : [...Object.values(typenames), 'Trunk'];
  if (!allowed.includes(globalId.typename)) throw new NotFoundError(kind ? typenames[kind] : 'Trunk', `${globalId.typename}:${globalId.id}`);
  return globalId.id;
}

/** A row's fields (its options JSON parsed), once per row object. */
const parsed = new WeakMap<Row, TrunkFields>();
function fieldsOf(row: Row): Record<string, unknown> {
  let fields = parsed.get(row);
  if (!fields) {
    fields = fromRow(row, '');
    parsed.set(row, fields);
  }
  return fields;
}

/** GraphQL types of the fields kept in the options JSON. */
const commonTypes = {
  maxConcurrentCalls: 'Int',
  callerIdPreference: CallerIdPreferenceEnum,
  outboundCallerId: 'String',
  language: 'String',
  recording: RecordingModeEnum,
  codecs: [AudioCodecEnum],
} as const;
const sipTypes: Record<Exclude<SipTrunkFieldName, keyof typeof commonFieldSchemas>, unknown> = {
  authEnabled: 'Boolean',
  serverHost: 'String',
  serverPort: 'Int',
  outboundProxyHost: 'String',
  outboundProxyPort: 'Int',
  username: 'String',
  authUsername: 'String',
  password: 'String',
  contactUser: 'String',
  registrationExpirySeconds: 'Int',
  retryIntervalSeconds: 'Int',
  maxRetries: 'Int',
  clientUri: 'String',
  serverUri: 'String',
  aorContact: 'String',
  remoteAddresses: ['String'],
  transport: SipTransportEnum,
  srtp: 'Boolean',
  nat: 'Boolean',
  dtmfMode: DtmfModeEnum,
  fromUser: 'String',
  fromDomain: 'String',
  sendPai: 'Boolean',
  sendRpid: 'Boolean',
  rtpTimeoutSeconds: 'Int',
  keepAliveSeconds: 'Int',
  videoCodec: VideoCodecEnum,
};
const iaxTypes: Record<Exclude<IaxTrunkFieldName, keyof typeof commonFieldSchemas>, unknown> = {
  authEnabled: 'Boolean',
  serverHost: 'String',
  serverPort: 'Int',
  username: 'String',
  password: 'String',
};
const nullableFields = new Set(['maxConcurrentCalls', 'outboundProxyPort', 'videoCodec']);
const describe = (kind: TrunkKind, name: string) => ((kind === 'SIP' ? sipFieldSchemas : iaxFieldSchemas) as Record<string, { description?: string }>)[name]?.description;

/** The entries of a type table as [name, type, nullable]; the password is exposed only as hasPassword. */
const tableEntries = (types: Record<string, unknown>) => Object.entries(types).map(([name, type]) => ({ name, type: tableType(type), nullable: nullableFields.has(name) }));
const hasPassword = (row: Row) => fieldsOf(row).password !== '';

export const TrunkRef = builder.prismaInterface('Trunk', {
  name: 'Trunk',
  description: 'A SIP or IAX trunk (F-4.3.1): a line to a provider or another PBX',
  interfaces: [builder.nodeInterfaceRef()],
  resolveType: (row) => typenames[row.kind as TrunkKind],
  fields: (t) => ({
    id: t.globalID({ resolve: (row) => ({ type: typenames[row.kind as TrunkKind], id: row.id }) }),
    name: t.exposeString('name', { description: commonFieldSchemas.name.description }),
    kind: t.field({ type: TrunkKindEnum, resolve: (row) => row.kind as TrunkKind }),
    enabled: t.exposeBoolean('enabled', { description: commonFieldSchemas.enabled.description }),
    mode: t.field({ type: TrunkModeEnum, resolve: (row) => row.mode as 'CLIENT' | 'SERVER' }),
    dialPermission: t.relation('dialPermission', { description: commonFieldSchemas.dialPermission.description }),
    ...Object.fromEntries(
      tableEntries(commonTypes).map((f) => [f.name, t.field({ type: f.type, nullable: f.nullable, description: describe('SIP', f.name), resolve: (row) => tableValue(fieldsOf(row)[f.name]) })]),
    ),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const trunkNode = (kind: TrunkKind, types: Record<string, unknown>, description: string) =>
  builder.prismaNode('Trunk', {
    variant: typenames[kind],
    description,
    interfaces: [TrunkRef],
    objectAuthScopes: { type: admin },
    id: { field: 'id' },
    findUnique: (id) => ({ id, kind }),
    fields: (t) =>
      Object.fromEntries(
        tableEntries(types).map((f) =>
          f.name === 'password'
            ? ['hasPassword', t.boolean({ description: 'Whether a password is set (the password itself is write-only)', resolve: hasPassword })]
            : [f.name, t.field({ type: f.type, nullable: f.nullable, description: describe(kind, f.name), resolve: (row) => tableValue(fieldsOf(row)[f.name]) })],
        ),
      ),
  });

export const SipTrunkRef = trunkNode('SIP', sipTypes, 'A SIP trunk (F-4.3.1.b)');
export const IaxTrunkRef = trunkNode('IAX', iaxTypes, 'An IAX2 trunk (F-4.3.1.d)');

builder.queryFields((t) => ({
  trunks: t.prismaConnection({
    type: TrunkRef,
    cursor: 'id',
    description: 'SIP and IAX trunks in name order',
    authScopes: admin,
    args: { kind: t.arg({ type: TrunkKindEnum, required: false }), search: t.arg.string({ required: false, description: 'Part of the name' }) },
    totalCount: (_c, args, ctx) => ctx.services.db.prisma.trunk.count({ where: ctx.services.trunks.listWhere(args) }),
    resolve: (query, _r, args, ctx) => ctx.services.db.prisma.trunk.findMany({ ...selection(query), where: ctx.services.trunks.listWhere(args), orderBy: [{ name: 'asc' }, { id: 'asc' }] }),
  }),
  trunk: t.prismaField({
    type: TrunkRef,
    nullable: true,
    description: 'One trunk by ID',
    authScopes: admin,
    args: { id: t.arg.globalID() },
    resolve: (query, _r, args, ctx) => ctx.services.db.prisma.trunk.findFirst({ ...selection(query), where: { id: decodeTrunkId(args.id), kind: { in: [...trunkKinds] } } }),
  }),
  exportSipTrunks: t.field({
    type: FileDownloadRef,
    description: 'Every SIP trunk as a spreadsheet (a backup: passwords included), or with template: true the empty template',
    authScopes: { $all: { perm: 'settings:write', $any: { perm: 'extensions:secrets' } } },
    args: { format: t.arg({ type: FileFormatEnum, defaultValue: 'XLSX' }), template: t.arg.boolean({ defaultValue: false }) },
    resolve: (_r, args, ctx) => {
      if (args.template) return sipTrunkTemplate(args.format);
      noteSecretRead(ctx, 'exportSipTrunks');
      return exportSipTrunks(ctx.services.db.prisma, args.format);
    },
  }),
}));

type InputFieldBuilder = Parameters<Parameters<typeof builder.inputType>[1]['fields']>[0];
function inputFields(t: InputFieldBuilder, kind: TrunkKind, types: Record<string, unknown>, required: boolean) {
  const all: Record<string, unknown> = { name: 'String', enabled: 'Boolean', mode: TrunkModeEnum, dialPermission: 'String', ...commonTypes, ...types };
  return Object.fromEntries(Object.entries(all).map(([name, type]) => [name, t.field({ type: tableType(type), required: required && name === 'name', description: describe(kind, name) })]));
}
const CreateSipTrunkInput = builder.inputType('CreateSipTrunkInput', { fields: (t) => inputFields(t, 'SIP', sipTypes, true) });
const UpdateSipTrunkInput = builder.inputType('UpdateSipTrunkInput', {
  description: 'Only the fields given change; null resets a nullable field',
  fields: (t) => inputFields(t, 'SIP', sipTypes, false),
});
const CreateIaxTrunkInput = builder.inputType('CreateIaxTrunkInput', { fields: (t) => inputFields(t, 'IAX', iaxTypes, true) });
const UpdateIaxTrunkInput = builder.inputType('UpdateIaxTrunkInput', {
  description: 'Only the fields given change; null resets a nullable field',
  fields: (t) => inputFields(t, 'IAX', iaxTypes, false),
});

type TrunksPayload = { ids: string[] };
const TrunksPayloadRef = builder.objectRef<TrunksPayload>('TrunksPayload').implement({
  fields: (t) => ({
    count: t.int({ resolve: (p) => p.ids.length }),
    trunks: t.prismaField({
      type: [TrunkRef],
      description: 'In name order',
      resolve: (query, p, _a, ctx) => ctx.services.db.prisma.trunk.findMany({ ...selection(query), where: { id: { in: p.ids } }, orderBy: { name: 'asc' } }),
    }),
  }),
});
type DeletedTrunks = { ids: { kind: TrunkKind; id: string }[] };
const DeleteTrunksPayloadRef = builder.objectRef<DeletedTrunks>('DeleteTrunksPayload').implement({
  fields: (t) => ({
    count: t.int({ resolve: (p) => p.ids.length }),
    deletedIds: t.idList({ resolve: (p) => p.ids.map((i) => trunkGlobalId(i.kind, i.id)) }),
  }),
});
type ImportResult = { ids: string[]; rejected: FieldIssue[]; rows: number };
const ImportSipTrunksPayloadRef = builder.objectRef<ImportResult>('ImportSipTrunksPayload').implement({
  fields: (t) => ({
    rows: t.exposeInt('rows', { description: 'Data rows read from the file' }),
    createdCount: t.int({ resolve: (r) => r.ids.length }),
    rejected: t.field({ type: [FieldIssueRef], description: 'Errors of the rows left out (VALID_ROWS_ONLY)', resolve: (r) => r.rejected }),
    trunks: t.prismaField({
      type: [SipTrunkRef],
      description: 'In name order',
      resolve: (query, r, _a, ctx) => ctx.services.db.prisma.trunk.findMany({ ...selection(query), where: { id: { in: r.ids } }, orderBy: { name: 'asc' } }),
    }),
  }),
});

/** Input as the service takes it: absent fields left out; null kept (it resets a nullable field, and is refused elsewhere). */
const given = (input: object) => Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as TrunkInput;

builder.mutationFields((t) => ({
  createSipTrunk: t.prismaField({
    type: SipTrunkRef,
    authScopes: admin,
    errors: { types: mutationErrors },
    args: { input: t.arg({ type: CreateSipTrunkInput }) },
    resolve: async (query, root, args, ctx, info) => {
      const id = await audited((a: typeof args, c) => c.services.trunks.create('SIP', given(a.input)))(root, args, ctx, info);
      return ctx.services.db.prisma.trunk.findUniqueOrThrow({ ...selection(query), where: { id } });
    },
  }),
  updateSipTrunk: t.prismaField({
    type: SipTrunkRef,
    description: 'Changes only the fields given; the password stays unless one is given',
    authScopes: admin,
    errors: { types: mutationErrors },
    args: { id: t.arg.globalID(), input: t.arg({ type: UpdateSipTrunkInput }) },
    resolve: async (query, root, args, ctx, info) => {
      const row = await audited((a: typeof args, c) => c.services.trunks.update('SIP', decodeTrunkId(a.id, 'SIP'), given(a.input)))(root, args, ctx, info);
      return ctx.services.db.prisma.trunk.findUniqueOrThrow({ ...selection(query), where: { id: row.id } });
    },
  }),
  createIaxTrunk: t.prismaField({
    type: IaxTrunkRef,
    authScopes: admin,
    errors: { types: mutationErrors },
    args: { input: t.arg({ type: CreateIaxTrunkInput }) },
    resolve: async (query, root, args, ctx, info) => {
      const id = await audited((a: typeof args, c) => c.services.trunks.create('IAX', given(a.input)))(root, args, ctx, info);
      return ctx.services.db.prisma.trunk.findUniqueOrThrow({ ...selection(query), where: { id } });
    },
  }),
  updateIaxTrunk: t.prismaField({
    type: IaxTrunkRef,
    description: 'Changes only the fields given; the password stays unless one is given',
    authScopes: admin,
    errors: { types: mutationErrors },
    args: { id: t.arg.globalID(), input: t.arg({ type: UpdateIaxTrunkInput }) },
    resolve: async (query, root, args, ctx, info) => {
      const row = await audited((a: typeof args, c) => c.services.trunks.update('IAX', decodeTrunkId(a.id, 'IAX'), given(a.input)))(root, args, ctx, info);
      return ctx.services.db.prisma.trunk.findUniqueOrThrow({ ...selection(query), where: { id: row.id } });
    },
  }),
  deleteTrunks: t.field({
    type: DeleteTrunksPayloadRef,
    description: 'Deletes trunks; refused with ReferencedError while a dial rule sends calls through one',
    authScopes: admin,
    errors: { types: mutationErrors },
    args: { ids: t.arg.globalIDList() },
    resolve: audited(async (a: { ids: { typename: string; id: string }[] }, c) => {
      const ids = a.ids.map((id) => decodeTrunkId(id));
      const kinds = new Map((await c.services.db.prisma.trunk.findMany({ where: { id: { in: ids } }, select: { id: true, kind: true } })).map((r) => [r.id, r.kind as TrunkKind]));
      const deleted = await c.services.trunks.delete(ids);
      return { ids: deleted.map((id) => ({ id, kind: kinds.get(id)! })) };
    }),
  }),
  setTrunksEnabled: t.field({
    type: TrunksPayloadRef,
    description: 'Enables or disables trunks: a disabled trunk does not register and carries no calls',
    authScopes: admin,
    errors: { types: mutationErrors },
    args: { ids: t.arg.globalIDList(), enabled: t.arg.boolean() },
    resolve: audited(async (a: { ids: { typename: string; id: string }[]; enabled: boolean }, c) => ({
      ids: await c.services.trunks.setEnabled(
        a.ids.map((id) => decodeTrunkId(id)),
        a.enabled,
      ),
    })),
  }),
  importSipTrunks: t.field({
    type: ImportSipTrunksPayloadRef,
    description: 'Creates SIP trunks from an XLSX or CSV file in the export format (F-2.3.c); every row is checked as in createSipTrunk',
    authScopes: admin,
    errors: { types: mutationErrors },
    args: {
      file: t.arg({ type: 'File' }),
      format: t.arg({ type: FileFormatEnum, required: false, description: 'Default: from the file name' }),
      mode: t.arg({ type: ImportModeEnum, defaultValue: 'ALL_OR_NOTHING' }),
    },
    resolve: audited((a: { file: File; format?: FileFormat | null; mode: ImportMode }, c) => importSipTrunks(c.services.trunks, a.file, a.format ?? null, a.mode)),
  }),
}));
