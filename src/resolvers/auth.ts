import { accountRoles, permissions, type AccountRole, type Principal } from '../auth/permissions.js';
import { accountPasswordRule, usernameRule } from '../auth/accounts.js';
import { scopesOf } from '../auth/api-keys.js';
import { AuthenticationError, LoginLockedError, NotAuthenticatedError, NotFoundError, NotPermittedError, ValidationError } from '../errors.js';
import { findExtensionId } from '../destinations/refs.js';
import type { Context } from './context.js';
import { builder } from './builder.js';
import { selection } from './selection.js';
import { audited, mutationErrors } from './errors.js';
import { decodeId } from './ids.js';

export const AccountRoleEnum = builder.enumType('AccountRole', {
  description: 'Roles of people (F-7.10.1)',
  values: {
    ADMIN: { description: 'Administrator: everything' },
    OPERATOR: { description: 'Operator (web operator UI): reads extensions, departments and settings' },
    OPERATOR_PANEL: { description: 'Operator-panel (console) user, bound to an extension' },
    BILLING: { description: 'Billing user: reads extensions and departments' },
  } as const,
});
export const PrincipalRoleEnum = builder.enumType('PrincipalRole', {
  values: [...accountRoles, 'EXTENSION_USER', 'API_KEY'] as const,
});
export const PermissionEnum = builder.enumType('Permission', {
  description: 'What a role or an API key may do',
  values: Object.fromEntries(permissions.map((p) => [p.replace(':', '_').toUpperCase(), { value: p }])),
});

const PrincipalRef = builder.objectRef<Principal>('Principal').implement({
  description: 'Who the caller is',
  fields: (t) => ({
    kind: t.string({ resolve: (p) => p.kind }),
    username: t.exposeString('username', { description: 'Account name, extension number, or apikey:<name>' }),
    role: t.field({ type: PrincipalRoleEnum, resolve: (p) => p.role }),
    permissions: t.field({ type: [PermissionEnum], resolve: (p) => [...p.permissions] }),
    extension: t.prismaField({
      type: 'Extension',
      nullable: true,
      description: 'The own extension of an extension user, or the extension an operator-panel account is bound to',
      resolve: (query, p, _a, ctx) => {
        const id = p.kind === 'extension' ? p.id : p.kind === 'account' ? p.extensionId : null;
        return id ? ctx.services.db.prisma.extension.findUnique({ ...selection(query), where: { id } }) : null;
      },
    }),
  }),
});

type Tokens = { accessToken: string; accessTokenExpiresAt: Date; refreshToken: string; refreshTokenExpiresAt: Date; principal: Principal };
const TokensRef = builder.objectRef<Tokens>('Tokens').implement({
  fields: (t) => ({
    accessToken: t.exposeString('accessToken', { description: 'Send as `Authorization: Bearer <token>`; short-lived' }),
    accessTokenExpiresAt: t.expose('accessTokenExpiresAt', { type: 'DateTime' }),
    refreshToken: t.exposeString('refreshToken', { description: 'Trade for new tokens with refreshTokens; each is good once' }),
    refreshTokenExpiresAt: t.expose('refreshTokenExpiresAt', { type: 'DateTime' }),
    me: t.field({ type: PrincipalRef, resolve: (x) => x.principal }),
  }),
});

builder.queryField('me', (t) =>
  t.field({
    type: PrincipalRef,
    nullable: true,
    description: 'The caller; null when not logged in, with an UNAUTHENTICATED error saying why when the credential sent was refused',
    resolve: (_r, _a, ctx) => {
      if (!ctx.principal && ctx.credentialRefusal) throw new NotAuthenticatedError(ctx.credentialRefusal);
      return ctx.principal;
    },
  }),
);

builder.mutationFields((t) => ({
  login: t.field({
    type: TokensRef,
    description: 'Accounts log in with user name and password; extensions with their number and API login password (setExtensionLoginPassword, never the SIP password) when web login is on',
    errors: { types: [AuthenticationError, LoginLockedError, ValidationError] },
    args: { username: t.arg.string(), password: t.arg.string() },
    resolve: audited(async (args: { username: string; password: string }, ctx) => {
      if (args.username.length > 64) throw ValidationError.single(['username'], 'too long (at most 64 characters)', 'OUT_OF_BOUNDS');
      if (args.password.length > 256) throw ValidationError.single(['password'], 'too long (at most 256 characters)', 'OUT_OF_BOUNDS');
      return ctx.services.sessions.login(args.username, args.password, ctx.ip);
    }),
  }),
  refreshTokens: t.field({
    type: TokensRef,
    errors: { types: [AuthenticationError] },
    args: { refreshToken: t.arg.string() },
    resolve: audited((args: { refreshToken: string }, ctx) => ctx.services.sessions.refresh(args.refreshToken, ctx.ip)),
  }),
  changeMyPassword: t.field({
    type: PrincipalRef,
    description: `The caller changes its own password: an account its login password, an extension user its API login password (not the SIP password). The current password is checked like a login (failures count towards the login lock-out); the new one: ${accountPasswordRule}, and for an extension not its SIP password. Every other session of the caller ends; this one stays.`,
    authScopes: { authenticated: true },
    errors: { types: [AuthenticationError, LoginLockedError, ValidationError, NotPermittedError] },
    args: { currentPassword: t.arg.string(), newPassword: t.arg.string({ description: accountPasswordRule }) },
    resolve: audited(async (args: { currentPassword: string; newPassword: string }, ctx) => {
      await ctx.services.sessions.changeOwnPassword(ctx.principal!, args.currentPassword, args.newPassword, ctx.ip);
      return ctx.principal!;
    }),
  }),
  logout: t.boolean({
    description: 'Ends the session of the access token used (its refresh token stops working too)',
    authScopes: { authenticated: true },
    resolve: audited(async (_a: object, ctx) => {
      const p = ctx.principal;
      if (p && p.kind !== 'apiKey') await ctx.services.sessions.logout(p.sessionId);
      return true;
    }),
  }),
}));

builder.prismaNode('Account', {
  id: { field: 'id' },
  objectAuthScopes: { type: { perm: 'accounts:read' } },
  description: 'A login account of a person (F-7.10.1)',
  fields: (t) => ({
    username: t.exposeString('username'),
    role: t.field({ type: AccountRoleEnum, resolve: (a) => a.role as AccountRole }),
    builtIn: t.exposeBoolean('builtIn', { description: 'The built-in admin: cannot be deleted' }),
    extension: t.relation('extension', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.queryField('accounts', (t) =>
  t.prismaConnection({
    type: 'Account',
    cursor: 'id',
    authScopes: { perm: 'accounts:read' },
    totalCount: (_c, _a, ctx) => ctx.services.db.prisma.account.count(),
    resolve: (query, _r, _a, ctx) => ctx.services.db.prisma.account.findMany({ ...selection(query), orderBy: { username: 'asc' } }),
  }),
);

const CreateAccountInput = builder.inputType('CreateAccountInput', {
  fields: (t) => ({
    username: t.string({ description: usernameRule }),
    password: t.string({ description: accountPasswordRule }),
    role: t.field({ type: AccountRoleEnum }),
    extension: t.string({ required: false, description: 'Number or ID of the extension; required for OPERATOR_PANEL' }),
  }),
});
const UpdateAccountInput = builder.inputType('UpdateAccountInput', {
  fields: (t) => ({
    username: t.string({ required: false, description: usernameRule }),
    password: t.string({ required: false, description: accountPasswordRule }),
    role: t.field({ type: AccountRoleEnum, required: false }),
    extension: t.string({ required: false }),
  }),
});

/** The extension an account is bound to, from its number or global ID. */
async function extensionIdOf(ctx: Context, ref: string | null | undefined) {
  if (ref === undefined) return undefined;
  if (ref === null || ref === '') return null;
  const id = await findExtensionId(ctx.services.db.prisma, ref);
  if (!id) throw ValidationError.single(['input', 'extension'], `no extension ${ref} exists`, 'NOT_FOUND');
  return id;
}

builder.mutationFields((t) => ({
  createAccount: t.prismaField({
    type: 'Account',
    authScopes: { perm: 'accounts:write' },
    errors: { types: mutationErrors },
    args: { input: t.arg({ type: CreateAccountInput }) },
    resolve: async (query, root, args, ctx, info) => {
      const row = await audited(async (a: typeof args, c) => c.services.accounts.create(c.principal!, { ...a.input, extensionId: await extensionIdOf(c, a.input.extension) }))(root, args, ctx, info);
      return ctx.services.db.prisma.account.findUniqueOrThrow({ ...selection(query), where: { id: row.id } });
    },
  }),
  updateAccount: t.prismaField({
    type: 'Account',
    authScopes: { perm: 'accounts:write' },
    errors: { types: mutationErrors },
    args: { id: t.arg.globalID(), input: t.arg({ type: UpdateAccountInput }) },
    resolve: async (query, root, args, ctx, info) => {
      const row = await audited(async (a: typeof args, c) =>
        c.services.accounts.update(c.principal!, decodeId(a.id, 'Account'), {
          username: a.input.username ?? undefined,
          password: a.input.password ?? undefined,
          role: a.input.role ?? undefined,
          extensionId: await extensionIdOf(c, a.input.extension),
        }),
      )(root, args, ctx, info);
      return ctx.services.db.prisma.account.findUniqueOrThrow({ ...selection(query), where: { id: row.id } });
    },
  }),
  deleteAccount: t.field({
    type: 'String',
    description: 'Returns the id of the deleted account',
    authScopes: { perm: 'accounts:write' },
    errors: { types: mutationErrors },
    args: { id: t.arg.globalID() },
    resolve: audited(async (a: { id: { typename: string; id: string } }, c) => {
      await c.services.accounts.delete(c.principal!, decodeId(a.id, 'Account'));
      return a.id.id;
    }),
  }),
}));

builder.prismaObjectField('Extension', 'loginPasswordSet', (t) =>
  t.boolean({
    description: 'Whether the extension has an API login password (setExtensionLoginPassword); without one it cannot log in to the API',
    select: { loginPasswordHash: true },
    resolve: (ext) => ext.loginPasswordHash !== null,
  }),
);

builder.mutationField('setExtensionLoginPassword', (t) =>
  t.prismaField({
    type: 'Extension',
    description: `Sets (or resets) the API login password of an extension: how an extension user gets its first login. Not the SIP password, which is never accepted for an API login. Ends every session of the extension; the user then changes it with changeMyPassword.`,
    authScopes: { perm: 'extensions:secrets' },
    errors: { types: mutationErrors },
    args: { extension: t.arg.string({ description: 'Number or ID of the extension' }), password: t.arg.string({ description: `${accountPasswordRule}; not the SIP password` }) },
    resolve: async (query, root, args, ctx, info) => {
      const id = await audited(async (a: typeof args, c) => {
        const extensionId = await findExtensionId(c.services.db.prisma, a.extension);
        if (!extensionId) throw new NotFoundError('Extension', a.extension);
        await c.services.sessions.setExtensionLoginPassword(extensionId, a.password);
        return extensionId;
      })(root, args, ctx, info);
      return ctx.services.db.prisma.extension.findUniqueOrThrow({ ...selection(query), where: { id } });
    },
  }),
);

builder.prismaNode('ApiKey', {
  id: { field: 'id' },
  objectAuthScopes: { type: { perm: 'apiKeys:write' } },
  description: 'An API key for integrations; the secret is shown only when created',
  fields: (t) => ({
    name: t.exposeString('name'),
    prefix: t.exposeString('prefix'),
    scopes: t.field({ type: [PermissionEnum], resolve: (k) => scopesOf(k.scopes) }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', nullable: true }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true }),
    createdBy: t.string({
      nullable: true,
      description:
        'Who created the key: the username of an account, or apikey:<name> of a key. Deleting that account, or revoking that key, revokes this one. Null when it is gone, or for keys made before this was kept',
      select: { createdBy: { select: { username: true } }, createdByKey: { select: { name: true } } },
      resolve: (k) => k.createdBy?.username ?? (k.createdByKey ? `apikey:${k.createdByKey.name}` : null),
    }),
  }),
});

builder.queryField('apiKeys', (t) =>
  t.prismaConnection({
    type: 'ApiKey',
    cursor: 'id',
    authScopes: { perm: 'apiKeys:write' },
    totalCount: (_c, _a, ctx) => ctx.services.db.prisma.apiKey.count(),
    resolve: (query, _r, _a, ctx) => ctx.services.db.prisma.apiKey.findMany({ ...selection(query), orderBy: { createdAt: 'desc' } }),
  }),
);

type CreatedKey = { apiKey: import('../generated/prisma-sqlite/index.js').ApiKey; secret: string };
const CreatedApiKeyRef = builder.objectRef<CreatedKey>('CreatedApiKey').implement({
  fields: (t) => ({
    secret: t.exposeString('secret', { description: 'The whole key, shown this once: send as `Authorization: Bearer <secret>`' }),
    apiKey: t.prismaField({ type: 'ApiKey', resolve: (query, x, _a, ctx) => ctx.services.db.prisma.apiKey.findUniqueOrThrow({ ...selection(query), where: { id: x.apiKey.id } }) }),
  }),
});

builder.mutationFields((t) => ({
  createApiKey: t.field({
    type: CreatedApiKeyRef,
    authScopes: { perm: 'apiKeys:write' },
    errors: { types: mutationErrors },
    args: { name: t.arg.string(), scopes: t.arg({ type: [PermissionEnum] }), expiresAt: t.arg({ type: 'DateTime', required: false }) },
    resolve: audited((a: { name: string; scopes: string[]; expiresAt?: Date | null }, c) => c.services.apiKeys.create(c.principal!, { name: a.name, scopes: a.scopes, expiresAt: a.expiresAt })),
  }),
  revokeApiKey: t.prismaField({
    type: 'ApiKey',
    authScopes: { perm: 'apiKeys:write' },
    errors: { types: mutationErrors },
    args: { id: t.arg.globalID() },
    resolve: async (query, root, args, ctx, info) => {
      const row = await audited((a: typeof args, c) => c.services.apiKeys.revoke(c.principal!, decodeId(a.id, 'ApiKey')))(root, args, ctx, info);
      return ctx.services.db.prisma.apiKey.findUniqueOrThrow({ ...selection(query), where: { id: row.id } });
    },
  }),
}));
