import { parseNumbers, whitelistDirections, whitelistFieldSchemas, type WhitelistInput } from '../whitelists/service.js';
import { builder } from './builder.js';
import { audited, mutationErrors } from './errors.js';
import { DeletedRef, deletedPayload } from './extensions.js';
import { decodeId } from './ids.js';
import { selection } from './selection.js';

/** Whitelists (F-4.5.10): PBX configuration, read with settings:read, written with settings:write. */
const read = { perm: 'settings:read' } as const;
const write = { perm: 'settings:write' } as const;

export const WhitelistDirectionEnum = builder.enumType('WhitelistDirection', {
  values: {
    INBOUND: { description: 'Only listed callers reach the linked extensions (every caller, internal extensions too)' },
    OUTBOUND: { description: 'The linked extensions may dial out only listed numbers (as dialled, prefix included)' },
  } as const,
});

export const WhitelistRef = builder.prismaNode('Whitelist', {
  id: { field: 'id' },
  description: 'A whitelist (F-4.5.10): a named list of numbers that extensions link to',
  objectAuthScopes: { type: read },
  fields: (t) => ({
    name: t.exposeString('name', { description: whitelistFieldSchemas.name.description }),
    direction: t.field({ type: WhitelistDirectionEnum, description: whitelistFieldSchemas.direction.description, resolve: (w) => w.direction as (typeof whitelistDirections)[number] }),
    numbers: t.stringList({ description: whitelistFieldSchemas.numbers.description, resolve: (w) => parseNumbers(w.numbers) }),
    extensions: t.relation('extensions', { description: 'The extensions linked to it', query: { orderBy: { number: 'asc' } } }),
  }),
});

builder.queryFields((t) => ({
  whitelists: t.prismaConnection({
    type: 'Whitelist',
    cursor: 'id',
    description: 'Every whitelist, by name, paginated',
    authScopes: read,
    totalCount: (_c, _a, ctx) => ctx.services.db.prisma.whitelist.count(),
    resolve: (query, _r, _a, ctx) => ctx.services.db.prisma.whitelist.findMany({ ...selection(query), orderBy: [{ name: 'asc' }, { id: 'asc' }] }),
  }),
}));

const WhitelistFields = (required: boolean) => (t: Parameters<Parameters<typeof builder.inputType>[1]['fields']>[0]) => ({
  name: t.string({ required, description: whitelistFieldSchemas.name.description }),
  direction: t.field({ type: WhitelistDirectionEnum, required, description: whitelistFieldSchemas.direction.description }),
  numbers: t.stringList({ required: false, description: `${whitelistFieldSchemas.numbers.description}; replaces the list when given` }),
});
const CreateWhitelistInput = builder.inputType('CreateWhitelistInput', { fields: WhitelistFields(true) });
const UpdateWhitelistInput = builder.inputType('UpdateWhitelistInput', { description: 'Only the fields given change', fields: WhitelistFields(false) });

const strip = <T extends object>(input: T) => Object.fromEntries(Object.entries(input).filter(([, v]) => v !== null && v !== undefined)) as WhitelistInput;

builder.mutationFields((t) => ({
  createWhitelist: t.prismaField({
    type: WhitelistRef,
    authScopes: write,
    errors: { types: mutationErrors },
    args: { input: t.arg({ type: CreateWhitelistInput }) },
    resolve: async (query, root, args, ctx, info) => {
      const row = await audited((a: typeof args, c) => c.services.whitelists.create(strip(a.input)))(root, args, ctx, info);
      return ctx.services.db.prisma.whitelist.findUniqueOrThrow({ ...selection(query), where: { id: row.id } });
    },
  }),
  updateWhitelist: t.prismaField({
    type: WhitelistRef,
    authScopes: write,
    errors: { types: mutationErrors },
    args: { id: t.arg.globalID(), input: t.arg({ type: UpdateWhitelistInput }) },
    resolve: async (query, root, args, ctx, info) => {
      const row = await audited((a: typeof args, c) => c.services.whitelists.update(decodeId(a.id, 'Whitelist'), strip(a.input)))(root, args, ctx, info);
      return ctx.services.db.prisma.whitelist.findUniqueOrThrow({ ...selection(query), where: { id: row.id } });
    },
  }),
  deleteWhitelist: t.field({
    type: DeletedRef,
    description: 'Refused (ReferencedError) while an extension links to it',
    authScopes: write,
    errors: { types: mutationErrors },
    args: { id: t.arg.globalID() },
    resolve: audited(async (a: { id: { typename: string; id: string } }, c) => deletedPayload([await c.services.whitelists.delete(decodeId(a.id, 'Whitelist'))], 'Whitelist')),
  }),
}));
