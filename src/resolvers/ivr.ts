import { nameOrNumberContains } from '../db/search.js';
import type { StoredDestination } from '../destinations/destination.js';
import { ivrFieldSchemas } from '../ivr/fields.js';
import { defaultedKeys, ivrKeys, keyOfSlot, keySpecs, type IvrKey } from '../ivr/keys.js';
import type { IvrInput } from '../ivr/service.js';
import { ivrKind } from '../ivr/snapshot.js';
import { builder } from './builder.js';
import { DestinationInputRef, DestinationRef } from './destinations.js';
import { DialPermissionRef } from './dial-permissions.js';
import { audited, mutationErrors } from './errors.js';
import { DeletedRef, deletedPayload } from './extensions.js';
import { decodeId } from './ids.js';
import { selection } from './selection.js';

/** Auto attendants (F-4.2.1): call routing configuration, read and written with the settings permissions, as time rules are. */
const read = { perm: 'settings:read' } as const;
const write = { perm: 'settings:write' } as const;

const keyDescription = (key: IvrKey) => {
  if (key === 'NO_INPUT') return 'No key pressed after the last play of the prompt (无按键)';
  if (key === 'INVALID') return 'A key, or a dialled number, that nothing answers (无效按键)';
  return `The caller presses ${keySpecs[key].exten}`;
};
const IvrKeyEnum = builder.enumType('IvrKey', {
  description: 'An event of an IVR menu (F-4.2.1.a)',
  values: Object.fromEntries(ivrKeys.map((key) => [key, { description: keyDescription(key) }])) as Record<IvrKey, { description: string }>,
});

type KeyEvent = { key: IvrKey; destination: StoredDestination };
const IvrKeyEventRef = builder.objectRef<KeyEvent>('IvrKeyEvent').implement({
  description: 'Where one event of the menu sends the call',
  fields: (t) => ({
    key: t.field({ type: IvrKeyEnum, resolve: (e) => e.key }),
    destination: t.field({ type: DestinationRef, resolve: (e) => e.destination }),
  }),
});
const IvrKeyEventInputRef = builder.inputType('IvrKeyEventInput', {
  fields: (t) => ({
    key: t.field({ type: IvrKeyEnum, required: true }),
    destination: t.field({ type: DestinationInputRef, required: true, description: 'Any destination, another IVR or this one included' }),
  }),
});

const hangup: StoredDestination = { type: 'HANGUP', target: null, parameters: {} };

export const IvrRef = builder.prismaNode('Ivr', {
  id: { field: 'id' },
  description: 'An auto attendant (IVR, F-4.2.1): answers, plays its prompt and routes the call by the key pressed. A Destination of type IVR',
  objectAuthScopes: { type: read },
  fields: (t) => ({
    name: t.exposeString('name', { description: ivrFieldSchemas.name.description }),
    number: t.exposeString('number', { description: ivrFieldSchemas.number.description }),
    prompt: t.relation('prompt', { description: 'The IVR prompt (F-4.4.2) the menu plays' }),
    repeatCount: t.exposeInt('repeatCount', { description: ivrFieldSchemas.repeatCount.description }),
    allowDirectDial: t.exposeBoolean('allowDirectDial', { description: ivrFieldSchemas.allowDirectDial.description }),
    directDialPermission: t.relation('directDialPermission', {
      type: DialPermissionRef,
      nullable: true,
      description: 'With direct dial, callers may dial what this dial permission allows; null: extension numbers only (分机)',
    }),
    language: t.exposeString('language', { description: ivrFieldSchemas.language.description }),
    digitTimeoutSeconds: t.exposeInt('digitTimeoutSeconds', { description: ivrFieldSchemas.digitTimeoutSeconds.description }),
    keyEvents: t.field({
      type: [IvrKeyEventRef],
      description: 'The configured keys in key order (0–9, *, #), then NO_INPUT and INVALID, which are always there',
      resolve: async (ivr, _a, ctx) => {
        const slots = await ctx.loaders.destinationsOfOwner.load(`${ivrKind}:${ivr.id}`);
        const events = [...slots].map(([slot, destination]) => ({ key: keyOfSlot(slot), destination })).filter((e): e is KeyEvent => e.key !== null);
        for (const key of defaultedKeys) if (!events.some((e) => e.key === key)) events.push({ key, destination: hangup });
        return events.sort((a, b) => ivrKeys.indexOf(a.key) - ivrKeys.indexOf(b.key));
      },
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.queryFields((t) => ({
  ivrs: t.prismaConnection({
    type: IvrRef,
    cursor: 'id',
    description: 'Every IVR in number order',
    authScopes: read,
    args: { search: t.arg.string({ required: false, description: 'Fuzzy match on name or number' }) },
    totalCount: (_c, args, ctx) => ctx.services.db.prisma.ivr.count({ where: args.search ? nameOrNumberContains(args.search, ctx.services.db.provider) : {} }),
    resolve: (query, _r, args, ctx) =>
      ctx.services.db.prisma.ivr.findMany({ ...selection(query), where: args.search ? nameOrNumberContains(args.search, ctx.services.db.provider) : {}, orderBy: [{ number: 'asc' }, { id: 'asc' }] }),
  }),
  ivr: t.prismaField({
    type: IvrRef,
    nullable: true,
    description: 'One IVR by ID',
    authScopes: read,
    args: { id: t.arg.globalID() },
    resolve: (query, _r, args, ctx) => ctx.services.db.prisma.ivr.findUnique({ ...selection(query), where: { id: decodeId(args.id, 'Ivr') } }),
  }),
}));

type Fields = Parameters<Parameters<typeof builder.inputType>[1]['fields']>[0];
const IvrFields = (create: boolean) => (t: Fields) => ({
  name: t.string({ required: create, description: ivrFieldSchemas.name.description }),
  number: t.string({ required: false, description: ivrFieldSchemas.number.description }),
  prompt: t.string({ required: create, description: 'Name or ID of an IVR prompt of the sound library (F-4.4.2); a CUSTOM prompt is refused' }),
  repeatCount: t.int({ required: false, description: `${ivrFieldSchemas.repeatCount.description}${create ? '; 3 when not given' : ''}` }),
  allowDirectDial: t.boolean({ required: false, description: `${ivrFieldSchemas.allowDirectDial.description}${create ? '; on when not given' : ''}` }),
  directDialPermission: t.string({
    required: false,
    description: `Name or ID of the dial permission for direct dial; null: extension numbers only (分机)${create ? ', also when not given' : '; absent: unchanged'}`,
  }),
  language: t.string({ required: false, description: `${ivrFieldSchemas.language.description}${create ? '; DEFAULT when not given' : ''}` }),
  digitTimeoutSeconds: t.int({ required: false, description: `${ivrFieldSchemas.digitTimeoutSeconds.description}${create ? '; 3 when not given' : ''}` }),
  keyEvents: t.field({
    type: [IvrKeyEventInputRef],
    required: false,
    description: 'The key events, each key at most once; replaces the list when given. NO_INPUT and INVALID hang up unless listed',
  }),
});
const CreateIvrInput = builder.inputType('CreateIvrInput', { fields: IvrFields(true) });
const UpdateIvrInput = builder.inputType('UpdateIvrInput', { description: 'Only the fields given change', fields: IvrFields(false) });

/** Absent and null mean "unchanged", except `directDialPermission`, where null means extension numbers only. */
const defined = (input: object) => Object.fromEntries(Object.entries(input).filter(([k, v]) => v !== undefined && (v !== null || k === 'directDialPermission'))) as IvrInput;

builder.mutationFields((t) => ({
  createIvr: t.prismaField({
    type: IvrRef,
    authScopes: write,
    errors: { types: mutationErrors },
    args: { input: t.arg({ type: CreateIvrInput }) },
    resolve: async (query, root, args, ctx, info) => {
      const row = await audited((a: typeof args, c) => c.services.ivrs.create(defined(a.input)))(root, args, ctx, info);
      return ctx.services.db.prisma.ivr.findUniqueOrThrow({ ...selection(query), where: { id: row.id } });
    },
  }),
  updateIvr: t.prismaField({
    type: IvrRef,
    authScopes: write,
    errors: { types: mutationErrors },
    args: { id: t.arg.globalID(), input: t.arg({ type: UpdateIvrInput }) },
    resolve: async (query, root, args, ctx, info) => {
      const row = await audited((a: typeof args, c) => c.services.ivrs.update(decodeId(a.id, 'Ivr'), defined(a.input)))(root, args, ctx, info);
      return ctx.services.db.prisma.ivr.findUniqueOrThrow({ ...selection(query), where: { id: row.id } });
    },
  }),
  deleteIvrs: t.field({
    type: DeletedRef,
    authScopes: write,
    errors: { types: mutationErrors },
    args: { ids: t.arg.globalIDList() },
    resolve: audited(async (a: { ids: { typename: string; id: string }[] }, c) => deletedPayload(await c.services.ivrs.delete(a.ids.map((id) => decodeId(id, 'Ivr'))), 'Ivr')),
  }),
}));
