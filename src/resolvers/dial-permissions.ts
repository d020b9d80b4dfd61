import { dialPermissionFieldSchemas, parseRights } from '../dial-permissions/service.js';
import { domains } from '../domains/index.js';
import { builder } from './builder.js';
import { DialRuleRef } from './dial-rules.js';
import { audited, mutationErrors } from './errors.js';
import { DeletedRef, deletedPayload } from './extensions.js';
import { decodeId } from './ids.js';
import { selection } from './selection.js';

const write = { perm: 'settings:write' } as const;

/**
 * Dial permissions (F-4.3.3). The Boolean rights are generated from the
 * domains' `rights`: a feature that arrives with a right adds its field here.
 */
export const DialPermissionRef = builder.prismaNode('DialPermission', {
  id: { field: 'id' },
  // Checked once per dial permission where it is returned (object-scopes.ts): a list of extensions returns one per row.
  objectAuthScopes: { type: { authenticated: true } },
  description: 'A dial permission (F-4.3.3): the internal-call rights and the dial rules, in order, of the extensions and trunks given it',
  fields: (t) => ({
    name: t.exposeString('name', { description: dialPermissionFieldSchemas.name.description }),
    builtIn: t.exposeBoolean('builtIn', { description: 'DialPlan1 is built in: it cannot be deleted or renamed' }),
    dialRules: t.field({
      type: [DialRuleRef],
      description: 'In the order they are tried (after the internal numbers its rights reach)',
      select: (_args, _ctx, nestedSelection) => ({ dialRules: { select: { rule: nestedSelection(true) }, orderBy: { position: 'asc' } } }),
      resolve: (p) => p.dialRules.map((r) => r.rule),
    }),
    extensionCount: t.relationCount('extensions', { description: 'How many extensions have this permission' }),
    ...Object.fromEntries(
      domains.rights.map((right) => [right.name, t.boolean({ description: right.description, select: { withheldRights: true }, resolve: (p) => !parseRights(p.withheldRights).includes(right.name) })]),
    ),
  }),
});

builder.queryFields((t) => ({
  dialPermissions: t.prismaField({
    type: [DialPermissionRef],
    description: 'Every dial permission, by name',
    authScopes: { authenticated: true },
    resolve: (query, _r, _a, ctx) => ctx.services.db.prisma.dialPermission.findMany({ ...selection(query), orderBy: { name: 'asc' } }),
  }),
}));

const DialPermissionFields = (required: boolean) => (t: Parameters<Parameters<typeof builder.inputType>[1]['fields']>[0]) => ({
  name: t.string({ required, description: dialPermissionFieldSchemas.name.description }),
  dialRules: t.stringList({ required: false, description: 'Names or IDs of dial rules, in the order they are tried; replaces the list when given' }),
  ...Object.fromEntries(
    domains.rights.map((right) => [right.name, t.boolean({ required: false, description: `${right.description}. ${required ? 'Granted unless false' : 'Unchanged when absent'}` })]),
  ),
});
const CreateDialPermissionInput = builder.inputType('CreateDialPermissionInput', { fields: DialPermissionFields(true) });
const UpdateDialPermissionInput = builder.inputType('UpdateDialPermissionInput', { description: 'Only the fields given change', fields: DialPermissionFields(false) });

function permissionInput(input: Record<string, unknown>) {
  const rights = Object.fromEntries(domains.rights.filter((r) => typeof input[r.name] === 'boolean').map((r) => [r.name, input[r.name] as boolean]));
  return {
    ...(typeof input.name === 'string' ? { name: input.name } : {}),
    ...(Array.isArray(input.dialRules) ? { dialRules: input.dialRules as string[] } : {}),
    rights,
  };
}

builder.mutationFields((t) => ({
  createDialPermission: t.prismaField({
    type: DialPermissionRef,
    authScopes: write,
    errors: { types: mutationErrors },
    args: { input: t.arg({ type: CreateDialPermissionInput }) },
    resolve: async (query, root, args, ctx, info) => {
      const row = await audited((a: typeof args, c) => c.services.dialPermissions.create(permissionInput(a.input as Record<string, unknown>)))(root, args, ctx, info);
      return ctx.services.db.prisma.dialPermission.findUniqueOrThrow({ ...selection(query), where: { id: row.id } });
    },
  }),
  updateDialPermission: t.prismaField({
    type: DialPermissionRef,
    authScopes: write,
    errors: { types: mutationErrors },
    args: { id: t.arg.globalID(), input: t.arg({ type: UpdateDialPermissionInput }) },
    resolve: async (query, root, args, ctx, info) => {
      const row = await audited((a: typeof args, c) => c.services.dialPermissions.update(decodeId(a.id, 'DialPermission'), permissionInput(a.input as Record<string, unknown>)))(root, args, ctx, info);
      return ctx.services.db.prisma.dialPermission.findUniqueOrThrow({ ...selection(query), where: { id: row.id } });
    },
  }),
  deleteDialPermission: t.field({
    type: DeletedRef,
    authScopes: write,
    errors: { types: mutationErrors },
    args: { id: t.arg.globalID() },
    resolve: audited(async (a: { id: { typename: string; id: string } }, c) => deletedPayload([await c.services.dialPermissions.delete(decodeId(a.id, 'DialPermission'))], 'DialPermission')),
  }),
}));
