import type { Prisma } from '../generated/prisma-sqlite/index.js';
import { AsteriskNotConnectedError, NotPermittedError, ValidationError } from '../errors.js';
import { isSelfExtension } from '../auth/permissions.js';
import { audioCodecs, dtmfModes, extensionFieldSchemas, recordingModes, transports, videoCodecs, type ExtensionFieldName } from '../extensions/fields.js';
import { parseList } from '../extensions/rows.js';
import { passwordStrength } from '../extensions/secrets.js';
import type { ExtensionInput } from '../extensions/service.js';
import { QR_IMAGES_PER_REQUEST, qrPayload, qrPng, takeQrImage } from '../extensions/qr.js';
import { exportExtensions, extensionTemplate, fileFormats, importExtensions, type FileFormat } from '../extensions/spreadsheet.js';
import { builder } from './builder.js';
import { selection } from './selection.js';
import { listPlan, withColumns, type FieldNeeds } from './list-plan.js';
import { DialPermissionRef } from './dial-permissions.js';
import { WhitelistRef } from './whitelists.js';
import { noteSecretRead, type Context } from './context.js';
import { namedType, tableType, tableValue } from './runtime-types.js';
import { audited, FieldIssueRef, mutationErrors } from './errors.js';
import { decodeId } from './ids.js';

export const AudioCodecEnum = builder.enumType('AudioCodec', { values: audioCodecs });
export const VideoCodecEnum = builder.enumType('VideoCodec', { values: videoCodecs });
export const SipTransportEnum = builder.enumType('SipTransport', { values: transports });
export const DtmfModeEnum = builder.enumType('DtmfMode', { values: dtmfModes });
export const RecordingModeEnum = builder.enumType('RecordingMode', { values: recordingModes });
const PasswordStrengthEnum = builder.enumType('PasswordStrength', { values: ['WEAK', 'MEDIUM', 'STRONG'] as const });
export const FileFormatEnum = builder.enumType('FileFormat', { values: fileFormats });
export const ImportModeEnum = builder.enumType('ImportMode', {
  values: {
    ALL_OR_NOTHING: { description: 'Any row with an error: nothing is written and every error is returned' },
    VALID_ROWS_ONLY: { description: 'Write the valid rows; return the errors of the others' },
  } as const,
});
const CallerIdStepEnum = builder.enumType('CallerIdStep', {
  values: { INCREMENT_1: { description: 'Add one per extension' }, SAME: { description: 'The same caller ID for every extension' } } as const,
});
const ExtensionOrderFieldEnum = builder.enumType('ExtensionOrderField', { values: ['NUMBER', 'NAME', 'CREATED_AT'] as const });
export const OrderDirectionEnum = builder.enumType('OrderDirection', { values: ['ASC', 'DESC'] as const });

/** The GraphQL type of each extension field, in one table for outputs and inputs alike. */
const fieldTypes: Record<Exclude<ExtensionFieldName, 'password' | 'voicemailPin' | 'dialPermission' | 'whitelist'>, unknown> &
  Record<'password' | 'voicemailPin' | 'dialPermission' | 'whitelist', 'String'> = {
  number: 'String',
  enabled: 'Boolean',
  name: 'String',
  mobileNumber: 'String',
  dialPermission: 'String',
  password: 'String',
  language: 'String',
  email: 'String',
  outboundCallerId1: 'String',
  outboundCallerId2: 'String',
  mohClass: 'String',
  voicemailEnabled: 'Boolean',
  voicemailPin: 'String',
  remoteRegistration: 'Boolean',
  maxContacts: 'Int',
  videoEnabled: 'Boolean',
  videoCodec: VideoCodecEnum,
  recording: RecordingModeEnum,
  registrationExpirySeconds: 'Int',
  webLogin: 'Boolean',
  pickupGroups: ['Int'],
  transport: SipTransportEnum,
  dtmfMode: DtmfModeEnum,
  srtp: 'Boolean',
  qualifyFrequencySeconds: 'Int',
  nat: 'Boolean',
  iax2Enabled: 'Boolean',
  trustedAddresses: ['String'],
  qualifyTimeoutSeconds: 'Int',
  sendPai: 'Boolean',
  sendRpid: 'Boolean',
  rtpTimeoutSeconds: 'Int',
  inbandProgress: 'Boolean',
  codecs: [AudioCodecEnum],
  whitelist: 'String',
};
const fieldNames = Object.keys(fieldTypes) as ExtensionFieldName[];
const secretFields = new Set<ExtensionFieldName>(['password', 'voicemailPin']);
const listColumns = new Set<ExtensionFieldName>(['pickupGroups', 'trustedAddresses', 'codecs']);
const describe = (name: ExtensionFieldName) => extensionFieldSchemas[name].description;

type Row = Prisma.ExtensionGetPayload<object>;

/** What a field that is not an exposed column needs of a list (see list-plan.ts): the columns it reads. */
const reads = (...columns: (keyof Row & string)[]): FieldNeeds<Row, Context> => ({ columns });
/** ... and the relation it loads for a whole page. */
const loads = (columns: (keyof Row & string)[], prefetch: (rows: Row[], ctx: Context) => Promise<unknown>): FieldNeeds<Row, Context> => ({ columns, prefetch });

export const ExtensionRef = builder.prismaNode('Extension', {
  id: { field: 'id' },
  description: 'An IP (SIP) extension (F-4.1.2). Readable with extensions:read, or by the extension user itself.',
  // Checked once per extension where it is returned (object-scopes.ts), not before each field.
  objectAuthScopes: { type: { perm: 'extensions:read' }, object: (ext) => ({ selfExtension: ext.id }) },
  fields: (t) => ({
    ...Object.fromEntries(
      fieldNames
        .filter((name) => name !== 'dialPermission' && name !== 'whitelist')
        .map((name) => {
          const type = tableType(fieldTypes[name]);
          if (secretFields.has(name)) {
            return [
              name,
              t.field({
                type: 'String',
                nullable: true,
                description: `${describe(name)}. Write-only except with extensions:secrets or for the extension itself.`,
                authScopes: (ext: Row) => ({ $any: { perm: 'extensions:secrets', selfExtension: ext.id } }),
                extensions: reads(name as keyof Row & string),
                resolve: (ext: Row, _a: unknown, ctx: Context) => {
                  noteSecretRead(ctx, `Extension.${name}`);
                  return ext[name as 'password'];
                },
              }),
            ];
          }
          if (listColumns.has(name)) {
            return [
              name,
              t.field({
                type,
                description: describe(name),
                extensions: reads(name as keyof Row & string),
                resolve: (ext: Row) => tableValue(parseList(ext[name as 'codecs'], `${name} of extension ${ext.number}`)),
              }),
            ];
          }
          return [name, t.expose(tableValue(name), { type, description: describe(name) })];
        }),
    ),
    passwordStrength: t.field({ type: PasswordStrengthEnum, extensions: reads('password'), resolve: (ext) => passwordStrength(ext.password) }),
    // The relations load through the request's loaders (extensions-loaders.ts): one query for a page, loaded
    // by a list before its rows are resolved, the same row shared by the extensions that refer to it.
    dialPermission: t.field({
      type: DialPermissionRef,
      extensions: loads(['dialPermissionId'], (rows, ctx) => ctx.loaders.dialPermissionById.preload(rows.map((r) => r.dialPermissionId))),
      resolve: (ext, _a, ctx) => present(ctx.loaders.dialPermissionById.get(ext.dialPermissionId), 'dial permission', ext),
    }),
    whitelist: t.field({
      type: WhitelistRef,
      nullable: true,
      description: 'The whitelist it links to (F-4.5.10), or null',
      extensions: loads(['whitelistId'], (rows, ctx) => ctx.loaders.whitelistById.preload(rows.flatMap((r) => (r.whitelistId ? [r.whitelistId] : [])))),
      resolve: (ext, _a, ctx) => (ext.whitelistId ? ctx.loaders.whitelistById.get(ext.whitelistId) : null),
    }),
    departments: t.field({
      type: [namedType('Department')],
      description: 'Departments this extension is a member of',
      extensions: loads(['id'], (rows, ctx) => ctx.loaders.departmentsOfExtension.preload(rows.map((r) => r.id))),
      resolve: (ext, _a, ctx) => tableValue(ctx.loaders.departmentsOfExtension.get(ext.id)),
    }),
    qrCode: t.field({
      type: QrCodeRef,
      description: 'Registration data for the mobile app (F-4.1.2.e); for the extension itself and holders of extensions:secrets',
      authScopes: (ext) => ({ $any: { perm: 'extensions:secrets', selfExtension: ext.id } }),
      extensions: reads('number', 'name', 'password', 'transport'),
      resolve: async (ext, _a, ctx) => {
        noteSecretRead(ctx, 'Extension.qrCode');
        return qrPayload(ext, await ctx.loaders.qrSettings.load('qr'));
      },
    }),
    doNotDisturb: t.field({
      type: 'Boolean',
      nullable: true,
      description:
        'In do not disturb (F-4.7.k): calls to it go to its busy voicemail, or a busy tone, without ringing. Set by its phone with the DND codes (*74 / *074) or by setExtensionDoNotDisturb; Asterisk keeps it. Null while Asterisk cannot be asked (AMI not connected here)',
      extensions: loads(['number'], (_rows, ctx) => ctx.loaders.doNotDisturb.preload(['dnd'])),
      resolve: (ext, _a, ctx) => {
        const numbers = ctx.loaders.doNotDisturb.get('dnd');
        return numbers instanceof Promise ? numbers.then((set) => (set ? set.has(ext.number) : null)) : numbers ? numbers.has(ext.number) : null;
      },
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

/** A row the foreign key guarantees: its absence is a broken database, reported as such. */
function present<T>(row: T | null | Promise<T | null>, what: string, ext: Row): T | Promise<T> {
  return row instanceof Promise ? row.then((value) => presentRow(value, what, ext)) : presentRow(row, what, ext);
}

function presentRow<T>(row: T | null, what: string, ext: Row): T {
  if (row === null) throw new Error(`extension ${ext.number} refers to a ${what} that does not exist`);
  return row;
}

type Qr = ReturnType<typeof qrPayload>;
const QrCodeRef = builder.objectRef<Qr>('ExtensionQrCode').implement({
  fields: (t) => ({
    server: t.exposeString('server'),
    port: t.exposeInt('port'),
    transport: t.exposeString('transport'),
    payload: t.exposeString('payload', { description: 'The JSON text encoded in the QR code' }),
    pngDataUrl: t.string({
      nullable: true,
      description:
        `The QR code as a PNG data URL (256×256), rendered off the main thread. At most ${QR_IMAGES_PER_REQUEST} per request ` +
        `(over WebSocket: per operation, the events of a subscription together), counted as they are resolved: ` +
        `each one after the ${QR_IMAGES_PER_REQUEST}th is null with an error whose extensions.code is LIMIT_EXCEEDED, ` +
        'and the rest of the response is unaffected. Ask for more a page at a time; the payload has no such limit.',
      resolve: (qr, _a, ctx) => {
        takeQrImage(ctx);
        return qrPng(qr.payload);
      },
    }),
  }),
});

const ExtensionFilter = builder.inputType('ExtensionFilter', {
  fields: (t) => ({
    search: t.string({ required: false, description: 'Fuzzy match on name or number' }),
    enabled: t.boolean({ required: false }),
    department: t.string({ required: false, description: 'Number or ID of a department the extensions belong to' }),
  }),
});
const ExtensionOrder = builder.inputType('ExtensionOrder', {
  fields: (t) => ({
    field: t.field({ type: ExtensionOrderFieldEnum, defaultValue: 'NUMBER' }),
    direction: t.field({ type: OrderDirectionEnum, defaultValue: 'ASC' }),
  }),
});

const orderColumns = { NUMBER: 'number', NAME: 'name', CREATED_AT: 'createdAt' } as const;

builder.queryFields((t) => ({
  extensions: t.prismaConnection({
    type: 'Extension',
    cursor: 'id',
    description: 'IP extensions, paginated; an extension user sees only itself',
    authScopes: { authenticated: true },
    args: { filter: t.arg({ type: ExtensionFilter, required: false }), orderBy: t.arg({ type: ExtensionOrder, required: false }) },
    totalCount: (_c, args, ctx) => ctx.services.db.prisma.extension.count({ where: ctx.services.extensions.listWhere(ctx.principal, args.filter) }),
    resolve: async (query, _r, args, ctx, info) => {
      const column = orderColumns[args.orderBy?.field ?? 'NUMBER'];
      const direction = args.orderBy?.direction === 'DESC' ? 'desc' : 'asc';
      const plan = listPlan<Row, Context>(info, ['edges', 'node'], 'Extension', ['id']);
      const rows = await ctx.services.db.prisma.extension.findMany({
        ...withColumns(query, plan.columns),
        where: ctx.services.extensions.listWhere(ctx.principal, args.filter),
        orderBy: [{ [column]: direction }, { id: direction }],
      });
      await plan.prefetch(rows, ctx);
      return rows;
    },
  }),
  extension: t.prismaField({
    type: 'Extension',
    nullable: true,
    description: 'One extension by number or ID',
    authScopes: { authenticated: true },
    args: { number: t.arg.string({ required: false }), id: t.arg.globalID({ required: false }) },
    resolve: (query, _r, args, ctx) => {
      // An extension user is refused any other extension alike, whether it exists or not: numbers are easy to guess.
      const principal = ctx.principal;
      if (principal?.kind === 'extension' && ((args.number && args.number !== principal.username) || (args.id && !isSelfExtension(principal, args.id.id)))) {
        throw new NotPermittedError('Not permitted: Extension');
      }
      if (args.id) return ctx.services.db.prisma.extension.findUnique({ ...selection(query), where: { id: decodeId(args.id, 'Extension') } });
      if (args.number) return ctx.services.db.prisma.extension.findUnique({ ...selection(query), where: { number: args.number } });
      return null;
    },
  }),
  exportExtensions: t.field({
    type: FileDownloadRef,
    description: 'Every extension as a spreadsheet (a backup, passwords included), or with template: true the empty template',
    authScopes: { perm: 'extensions:secrets' },
    args: { format: t.arg({ type: FileFormatEnum, defaultValue: 'XLSX' }), template: t.arg.boolean({ defaultValue: false }) },
    resolve: (_r, args, ctx) => {
      if (args.template) return extensionTemplate(args.format);
      noteSecretRead(ctx, 'exportExtensions');
      return exportExtensions(ctx.services.db.prisma, args.format);
    },
  }),
}));

type FileDownload = { filename: string; contentType: string; base64: string };
export const FileDownloadRef = builder.objectRef<FileDownload>('FileDownload').implement({
  fields: (t) => ({ filename: t.exposeString('filename'), contentType: t.exposeString('contentType'), base64: t.exposeString('base64', { description: 'The file content, base64-encoded' }) }),
});

/** Input types built from the same field table: create (number, name, password required), update, batch (shared fields only). */
function inputFields(t: Parameters<Parameters<typeof builder.inputType>[1]['fields']>[0], names: ExtensionFieldName[], required: ExtensionFieldName[] = []) {
  return Object.fromEntries(names.map((name) => [name, t.field({ type: tableType(fieldTypes[name]), required: required.includes(name), description: describe(name) })]));
}
const perUser: ExtensionFieldName[] = ['number', 'name', 'email', 'mobileNumber', 'password'];
const sharedNames = fieldNames.filter((n) => !perUser.includes(n));

const CreateExtensionInput = builder.inputType('CreateExtensionInput', { fields: (t) => inputFields(t, fieldNames, ['number', 'name', 'password']) });
const UpdateExtensionInput = builder.inputType('UpdateExtensionInput', {
  description: 'Only the fields given change; the rest keep their values',
  fields: (t) => inputFields(t, fieldNames),
});
const SharedExtensionFields = builder.inputType('SharedExtensionFields', {
  description: 'Fields that batch add and batch edit may set: everything except number, name, email, mobileNumber and password',
  fields: (t) => inputFields(t, sharedNames),
});
const CreateExtensionsInput = builder.inputType('CreateExtensionsInput', {
  description: 'Batch add (F-4.1.2.d)',
  fields: (t) => ({
    startNumber: t.string({ description: 'First number; the others follow one by one' }),
    count: t.int(),
    startCallerId1: t.string({ required: false }),
    callerIdStep1: t.field({ type: CallerIdStepEnum, required: false }),
    startCallerId2: t.string({ required: false }),
    callerIdStep2: t.field({ type: CallerIdStepEnum, required: false }),
    password: t.string({ required: false, description: 'Empty: each extension gets its own random 10-character password' }),
    fields: t.field({ type: SharedExtensionFields, required: false }),
  }),
});
const UpdateExtensionsInput = builder.inputType('UpdateExtensionsInput', {
  description: 'Batch edit (F-4.1.2.d)',
  fields: (t) => ({
    fields: t.field({ type: SharedExtensionFields }),
    startCallerId1: t.string({ required: false, description: 'Assign caller IDs 1 in sequence, in number order' }),
    callerIdStep1: t.field({ type: CallerIdStepEnum, required: false }),
    startCallerId2: t.string({ required: false }),
    callerIdStep2: t.field({ type: CallerIdStepEnum, required: false }),
  }),
});

type ExtensionsPayload = { ids: string[] };
const ExtensionsPayloadRef = builder.objectRef<ExtensionsPayload>('ExtensionsPayload').implement({
  fields: (t) => ({
    count: t.int({ resolve: (p) => p.ids.length }),
    extensions: t.prismaField({ type: ['Extension'], description: 'In number order', resolve: (query, p, _a, ctx) => loadExtensions(ctx, query, p.ids) }),
  }),
});
/** What a delete mutation returns: the global IDs of what it deleted. */
type Deleted = { ids: string[]; typename: string };
export const DeletedRef = builder.objectRef<Deleted>('DeletePayload').implement({
  fields: (t) => ({
    count: t.int({ resolve: (p) => p.ids.length }),
    deletedIds: t.idList({ resolve: (p) => p.ids.map((id) => Buffer.from(`${p.typename}:${id}`).toString('base64')) }),
  }),
});
export function deletedPayload(ids: string[], typename: string): Deleted {
  return { ids, typename };
}

type ImportResult = { ids: string[]; rejected: import('../errors.js').FieldIssue[]; rows: number };
const ImportResultRef = builder.objectRef<ImportResult>('ImportExtensionsPayload').implement({
  fields: (t) => ({
    rows: t.exposeInt('rows', { description: 'Data rows read from the file' }),
    createdCount: t.int({ resolve: (r) => r.ids.length }),
    rejected: t.field({ type: [FieldIssueRef], description: 'Errors of the rows left out (VALID_ROWS_ONLY)', resolve: (r) => r.rejected }),
    extensions: t.prismaField({ type: ['Extension'], description: 'In number order', resolve: (query, r, _a, ctx) => loadExtensions(ctx, query, r.ids) }),
  }),
});

/** Rows a service wrote, read with the selection the client asked for, only when it asks. */
function loadExtensions(ctx: Context, query: object, ids: string[]) {
  return ctx.services.db.prisma.extension.findMany({ ...selection(query), where: { id: { in: ids } }, orderBy: { number: 'asc' } });
}

/** The fields given; a whitelist given as null becomes '' (none), so null clears it. */
const clean = <T extends object>(input: T) =>
  Object.fromEntries(
    Object.entries(input)
      .map(([k, v]) => [k, k === 'whitelist' && v === null ? '' : v])
      .filter(([, v]) => v !== null && v !== undefined),
  ) as ExtensionInput;

builder.mutationFields((t) => ({
  createExtension: t.prismaField({
    type: 'Extension',
    authScopes: { perm: 'extensions:write' },
    errors: { types: mutationErrors },
    args: { input: t.arg({ type: CreateExtensionInput }) },
    resolve: async (query, root, args, ctx, info) => {
      const id = await audited((a: typeof args, c) => c.services.extensions.create(clean(a.input)))(root, args, ctx, info);
      return ctx.services.db.prisma.extension.findUniqueOrThrow({ ...selection(query), where: { id } });
    },
  }),
  createExtensions: t.field({
    type: ExtensionsPayloadRef,
    authScopes: { perm: 'extensions:write' },
    errors: { types: mutationErrors },
    args: { input: t.arg({ type: CreateExtensionsInput }) },
    resolve: audited(async (a: { input: typeof CreateExtensionsInput.$inferInput }, c) => ({
      ids: await c.services.extensions.createBatch({ ...a.input, fields: clean(a.input.fields ?? {}) }),
    })),
  }),
  updateExtension: t.prismaField({
    type: 'Extension',
    description: 'Changes only the fields given. An extension user may change password, voicemailPin, email, language and mobileNumber of its own extension.',
    authScopes: (_r, args) => ({ $any: { perm: 'extensions:write', selfExtension: args.id.id } }),
    errors: { types: mutationErrors },
    args: { id: t.arg.globalID(), input: t.arg({ type: UpdateExtensionInput }) },
    resolve: async (query, root, args, ctx, info) => {
      const row = await audited((a: typeof args, c) => c.services.extensions.update(c.principal, decodeId(a.id, 'Extension'), clean(a.input)))(root, args, ctx, info);
      return ctx.services.db.prisma.extension.findUniqueOrThrow({ ...selection(query), where: { id: row.id } });
    },
  }),
  setExtensionDoNotDisturb: t.prismaField({
    type: 'Extension',
    description:
      'Turns do not disturb (F-4.7.k) of an extension on or off, as its phone does with *74 / *074. Administrators, or the extension user for its own extension. Needs Asterisk (AMI): refused with AsteriskNotConnectedError while it cannot be reached',
    authScopes: (_r, args) => ({ $any: { perm: 'extensions:write', selfExtension: args.id.id } }),
    errors: { types: [...mutationErrors, AsteriskNotConnectedError] },
    args: { id: t.arg.globalID(), enabled: t.arg.boolean() },
    resolve: async (query, root, args, ctx, info) => {
      const id = decodeId(args.id, 'Extension');
      await audited((a: typeof args, c) => c.services.doNotDisturb.set(id, a.enabled))(root, args, ctx, info);
      return ctx.services.db.prisma.extension.findUniqueOrThrow({ ...selection(query), where: { id } });
    },
  }),
  updateExtensions: t.field({
    type: ExtensionsPayloadRef,
    authScopes: { perm: 'extensions:write' },
    errors: { types: mutationErrors },
    args: { ids: t.arg.globalIDList(), input: t.arg({ type: UpdateExtensionsInput }) },
    resolve: audited(async (a: { ids: { typename: string; id: string }[]; input: typeof UpdateExtensionsInput.$inferInput }, c) => ({
      ids: await c.services.extensions.batchEdit(
        a.ids.map((id) => decodeId(id, 'Extension')),
        { ...a.input, fields: clean(a.input.fields) },
      ),
    })),
  }),
  deleteExtensions: t.field({
    type: DeletedRef,
    authScopes: { perm: 'extensions:write' },
    errors: { types: mutationErrors },
    args: { ids: t.arg.globalIDList() },
    resolve: audited(async (a: { ids: { typename: string; id: string }[] }, c) => deletedPayload(await c.services.extensions.delete(a.ids.map((id) => decodeId(id, 'Extension'))), 'Extension')),
  }),
  deleteAllExtensions: t.field({
    type: DeletedRef,
    authScopes: { perm: 'extensions:write' },
    errors: { types: mutationErrors },
    args: { confirm: t.arg.boolean({ description: 'Must be true' }) },
    resolve: audited(async (a: { confirm: boolean }, c) => {
      if (!a.confirm) throw ValidationError.single(['confirm'], 'must be true to delete every extension', 'REQUIRED');
      return deletedPayload(await c.services.extensions.delete(null), 'Extension');
    }),
  }),
  importExtensions: t.field({
    type: ImportResultRef,
    description: 'Creates extensions from an XLSX or CSV file in the export format; every row is checked as in createExtension',
    authScopes: { perm: 'extensions:write' },
    errors: { types: mutationErrors },
    args: {
      file: t.arg({ type: 'File' }),
      format: t.arg({ type: FileFormatEnum, required: false, description: 'Default: from the file name' }),
      mode: t.arg({ type: ImportModeEnum, defaultValue: 'ALL_OR_NOTHING' }),
    },
    resolve: audited((a: { file: File; format?: FileFormat | null; mode: 'ALL_OR_NOTHING' | 'VALID_ROWS_ONLY' }, c) => importExtensions(c.services.extensions, a.file, a.format ?? null, a.mode)),
  }),
}));
