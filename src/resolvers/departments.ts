import { departmentFieldSchemas, ringStrategies, type RingStrategy } from '../departments/service.js';
import { nameOrNumberContains } from '../db/search.js';
import { builder } from './builder.js';
import { selection } from './selection.js';
import { DestinationInputRef, DestinationRef } from './destinations.js';
import { audited, mutationErrors } from './errors.js';
import { DeletedRef, deletedPayload, ExtensionRef } from './extensions.js';
import { decodeId } from './ids.js';

const RingStrategyEnum = builder.enumType('RingStrategy', {
  values: {
    RING_ALL: { description: 'Ring every member at once' },
    SEQUENTIAL: { description: 'Ring members one after another, in member order, each for ringTimeSeconds' },
  } satisfies Record<(typeof ringStrategies)[number], unknown>,
});

export const DepartmentRef = builder.prismaNode('Department', {
  id: { field: 'id' },
  description: 'A department / ring group (F-4.1.1)',
  // Checked once per department where it is returned (object-scopes.ts), not before each of its fields.
  objectAuthScopes: { type: { perm: 'departments:read' } },
  fields: (t) => ({
    name: t.exposeString('name', { description: departmentFieldSchemas.name.description }),
    number: t.exposeString('number', { description: departmentFieldSchemas.number.description }),
    ringStrategy: t.field({ type: RingStrategyEnum, resolve: (d) => d.ringStrategy as RingStrategy }),
    ringTimeSeconds: t.exposeInt('ringTimeSeconds'),
    distinctiveRing: t.exposeString('distinctiveRing', { description: departmentFieldSchemas.distinctiveRing.description }),
    noAnswerDestination: t.field({
      type: DestinationRef,
      resolve: async (d, _a, ctx) => (await ctx.loaders.destinationsOfOwner.load(`DEPARTMENT:${d.id}`)).get('noAnswer') ?? { type: 'HANGUP', target: null, parameters: {} },
    }),
    members: t.field({
      type: [ExtensionRef],
      description: 'Member extensions in ring order',
      select: (_args, _ctx, nestedSelection) => ({ members: { select: { extension: nestedSelection(true) }, orderBy: { position: 'asc' } } }),
      resolve: (d) => d.members.map((m) => m.extension),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.queryFields((t) => ({
  departments: t.prismaConnection({
    type: 'Department',
    cursor: 'id',
    authScopes: { perm: 'departments:read' },
    args: { search: t.arg.string({ required: false, description: 'Fuzzy match on name or number' }) },
    totalCount: (_c, args, ctx) => ctx.services.db.prisma.department.count({ where: args.search ? nameOrNumberContains(args.search, ctx.services.db.provider) : {} }),
    resolve: (query, _r, args, ctx) =>
      ctx.services.db.prisma.department.findMany({
        ...selection(query),
        where: args.search ? nameOrNumberContains(args.search, ctx.services.db.provider) : {},
        orderBy: [{ number: 'asc' }, { id: 'asc' }],
      }),
  }),
}));

const DepartmentFields = (required: boolean) => (t: Parameters<Parameters<typeof builder.inputType>[1]['fields']>[0]) => ({
  name: t.string({ required, description: departmentFieldSchemas.name.description }),
  number: t.string({ required, description: departmentFieldSchemas.number.description }),
  ringStrategy: t.field({ type: RingStrategyEnum, required }),
  ringTimeSeconds: t.int({ required, description: departmentFieldSchemas.ringTimeSeconds.description }),
  noAnswerDestination: t.field({ type: DestinationInputRef, required }),
  distinctiveRing: t.string({ required: false, description: departmentFieldSchemas.distinctiveRing.description }),
  members: t.stringList({ required: false, description: 'Extension numbers or IDs, in ring order; replaces the list when given' }),
});
const CreateDepartmentInput = builder.inputType('CreateDepartmentInput', { fields: DepartmentFields(true) });
const UpdateDepartmentInput = builder.inputType('UpdateDepartmentInput', { description: 'Only the fields given change', fields: DepartmentFields(false) });

const strip = <T extends object>(input: T) => Object.fromEntries(Object.entries(input).filter(([, v]) => v !== null && v !== undefined));

builder.mutationFields((t) => ({
  createDepartment: t.prismaField({
    type: 'Department',
    authScopes: { perm: 'departments:write' },
    errors: { types: mutationErrors },
    args: { input: t.arg({ type: CreateDepartmentInput }) },
    resolve: async (query, root, args, ctx, info) => {
      const row = await audited((a: typeof args, c) => c.services.departments.create(strip(a.input)))(root, args, ctx, info);
      return ctx.services.db.prisma.department.findUniqueOrThrow({ ...selection(query), where: { id: row.id } });
    },
  }),
  updateDepartment: t.prismaField({
    type: 'Department',
    authScopes: { perm: 'departments:write' },
    errors: { types: mutationErrors },
    args: { id: t.arg.globalID(), input: t.arg({ type: UpdateDepartmentInput }) },
    resolve: async (query, root, args, ctx, info) => {
      const row = await audited((a: typeof args, c) => c.services.departments.update(decodeId(a.id, 'Department'), strip(a.input)))(root, args, ctx, info);
      return ctx.services.db.prisma.department.findUniqueOrThrow({ ...selection(query), where: { id: row.id } });
    },
  }),
  deleteDepartments: t.field({
    type: DeletedRef,
    authScopes: { perm: 'departments:write' },
    errors: { types: mutationErrors },
    args: { ids: t.arg.globalIDList() },
    resolve: audited(async (a: { ids: { typename: string; id: string }[] }, c) => deletedPayload(await c.services.departments.delete(a.ids.map((id) => decodeId(id, 'Department'))), 'Department')),
  }),
}));
