import { parsePins, pinSetFieldSchemas } from '../pin-sets/service.js';
import { builder } from './builder.js';
import { noteSecretRead } from './context.js';
import { audited, mutationErrors } from './errors.js';
import { DeletedRef, deletedPayload } from './extensions.js';
import { decodeId } from './ids.js';
import { selection } from './selection.js';

const read = { perm: 'settings:read' } as const;
const write = { perm: 'settings:write' } as const;

export const PinSetRef = builder.prismaNode('PinSet', {
  id: { field: 'id' },
  description: 'A PIN set (F-4.3.4): a dial-rule entry may ask for one of its PINs; the PIN goes into the call record',
  objectAuthScopes: { type: read },
  fields: (t) => ({
    name: t.exposeString('name', { description: pinSetFieldSchemas.name.description }),
    pinCount: t.int({ resolve: (s) => parsePins(s.pins).length }),
    pins: t.stringList({
      nullable: true,
      description: `${pinSetFieldSchemas.pins.description}. Readable only with extensions:secrets (admins)`,
      authScopes: { perm: 'extensions:secrets' },
      resolve: (s, _a, ctx) => {
        noteSecretRead(ctx, 'PinSet.pins');
        return parsePins(s.pins);
      },
    }),
  }),
});

builder.queryFields((t) => ({
  pinSets: t.prismaField({
    type: [PinSetRef],
    description: 'Every PIN set, by name',
    authScopes: read,
    resolve: (query, _r, _a, ctx) => ctx.services.db.prisma.pinSet.findMany({ ...selection(query), orderBy: { name: 'asc' } }),
  }),
}));

const PinSetFields = (required: boolean) => (t: Parameters<Parameters<typeof builder.inputType>[1]['fields']>[0]) => ({
  name: t.string({ required, description: pinSetFieldSchemas.name.description }),
  pins: t.stringList({ required: false, description: `${pinSetFieldSchemas.pins.description}; replaces the list when given` }),
});
const CreatePinSetInput = builder.inputType('CreatePinSetInput', { fields: PinSetFields(true) });
const UpdatePinSetInput = builder.inputType('UpdatePinSetInput', { description: 'Only the fields given change', fields: PinSetFields(false) });

const strip = <T extends object>(input: T) => Object.fromEntries(Object.entries(input).filter(([, v]) => v !== null && v !== undefined));

builder.mutationFields((t) => ({
  createPinSet: t.prismaField({
    type: PinSetRef,
    authScopes: write,
    errors: { types: mutationErrors },
    args: { input: t.arg({ type: CreatePinSetInput }) },
    resolve: async (query, root, args, ctx, info) => {
      const row = await audited((a: typeof args, c) => c.services.pinSets.create(strip(a.input)))(root, args, ctx, info);
      return ctx.services.db.prisma.pinSet.findUniqueOrThrow({ ...selection(query), where: { id: row.id } });
    },
  }),
  updatePinSet: t.prismaField({
    type: PinSetRef,
    authScopes: write,
    errors: { types: mutationErrors },
    args: { id: t.arg.globalID(), input: t.arg({ type: UpdatePinSetInput }) },
    resolve: async (query, root, args, ctx, info) => {
      const row = await audited((a: typeof args, c) => c.services.pinSets.update(decodeId(a.id, 'PinSet'), strip(a.input)))(root, args, ctx, info);
      return ctx.services.db.prisma.pinSet.findUniqueOrThrow({ ...selection(query), where: { id: row.id } });
    },
  }),
  deletePinSet: t.field({
    type: DeletedRef,
    authScopes: write,
    errors: { types: mutationErrors },
    args: { id: t.arg.globalID() },
    resolve: audited(async (a: { id: { typename: string; id: string } }, c) => deletedPayload([await c.services.pinSets.delete(decodeId(a.id, 'PinSet'))], 'PinSet')),
  }),
}));
