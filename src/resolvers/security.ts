import { securityFieldSchemas, type IpBanEvent, type IpBanJson } from '../security/service.js';
import { builder } from './builder.js';
import { audited, mutationErrors } from './errors.js';
import { DeletedRef, deletedPayload } from './extensions.js';
import { decodeId } from './ids.js';
import { selection } from './selection.js';

/**
 * Intrusion protection (F-7.7.2; its settings are the `intrusionProtection`
 * settings group), the IP blacklist (F-7.7.3) and the trusted networks
 * (F-7.7.4). Admins only: every field needs settings:write.
 */

const ADDRESS_RULE = 'An IPv4 or IPv6 address (203.0.113.7, 2001:db8::7) or a network in CIDR notation given by its first address (203.0.113.0/24)';

const IpBanServiceEnum = builder.enumType('IpBanService', {
  description: 'Where a ban is enforced',
  values: { SIP: { description: 'SIP: every request from the address is answered 403 by res_pjsip_acl' } } as const,
});
const IpBanSourceEnum = builder.enumType('IpBanSource', {
  values: {
    AUTOMATIC: { description: 'Intrusion protection: too many failed authentications (F-7.7.2)' },
    MANUAL: { description: 'Banned through the API' },
  } as const,
});

const IpBanRef = builder.prismaNode('IpBan', {
  id: { field: 'id' },
  description: 'A banned address or network (F-7.7.3)',
  objectAuthScopes: { type: { perm: 'settings:write' } },
  fields: (t) => ({
    address: t.exposeString('address', { description: 'The address (203.0.113.7) or network (203.0.113.0/24)' }),
    service: t.field({ type: IpBanServiceEnum, resolve: (b) => b.service as 'SIP' }),
    source: t.field({ type: IpBanSourceEnum, resolve: (b) => b.source as 'AUTOMATIC' | 'MANUAL' }),
    reason: t.exposeString('reason'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', nullable: true, description: 'When the ban ends by itself; null: when it is lifted by hand' }),
  }),
});

builder.prismaNode('TrustedNetwork', {
  id: { field: 'id' },
  description: 'A trusted address or network (F-7.7.4): never banned, and a ban overlapping it is refused',
  objectAuthScopes: { type: { perm: 'settings:write' } },
  fields: (t) => ({
    name: t.exposeString('name'),
    network: t.exposeString('network', { description: 'The address (192.0.2.10) or network (192.0.2.0/24)' }),
    enabled: t.exposeBoolean('enabled', { description: 'Only an enabled trusted network exempts its addresses' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

/** A ban from the bus or a service as the IpBan type reads it. */
const banRow = (ban: IpBanJson) => ({ ...ban, createdAt: new Date(ban.createdAt), expiresAt: ban.expiresAt ? new Date(ban.expiresAt) : null });

builder.queryFields((t) => ({
  ipBans: t.prismaConnection({
    type: 'IpBan',
    cursor: 'id',
    description: 'The bans in force, newest first (F-7.7.3)',
    authScopes: { perm: 'settings:write' },
    totalCount: (_c, _a, ctx) => ctx.services.db.prisma.ipBan.count({ where: ctx.services.security.activeBansWhere() }),
    resolve: (query, _r, _a, ctx) => ctx.services.db.prisma.ipBan.findMany({ ...selection(query), where: ctx.services.security.activeBansWhere(), orderBy: [{ createdAt: 'desc' }, { id: 'asc' }] }),
  }),
  trustedNetworks: t.prismaField({
    type: ['TrustedNetwork'],
    description: 'The trusted networks, by name (F-7.7.4)',
    authScopes: { perm: 'settings:write' },
    resolve: (query, _r, _a, ctx) => ctx.services.db.prisma.trustedNetwork.findMany({ ...selection(query), orderBy: [{ name: 'asc' }, { id: 'asc' }] }),
  }),
}));

const BanIpInput = builder.inputType('BanIpInput', {
  fields: (t) => ({
    address: t.string({ description: `${ADDRESS_RULE}; at most a /8 (IPv4) or /16 (IPv6)` }),
    service: t.field({ type: IpBanServiceEnum, required: false, description: 'Default SIP' }),
    reason: t.string({ required: false, description: securityFieldSchemas.banReason.description }),
    durationSeconds: t.int({ required: false, description: securityFieldSchemas.durationSeconds.description }),
  }),
});
const trustedFields = (required: boolean) => (t: Parameters<Parameters<typeof builder.inputType>[1]['fields']>[0]) => ({
  name: t.string({ required, description: securityFieldSchemas.trustedName.description }),
  network: t.string({ required, description: ADDRESS_RULE }),
  enabled: t.boolean({ required: false, description: 'Default true' }),
});
const CreateTrustedNetworkInput = builder.inputType('CreateTrustedNetworkInput', { fields: trustedFields(true) });
const UpdateTrustedNetworkInput = builder.inputType('UpdateTrustedNetworkInput', { description: 'Only the fields given change', fields: trustedFields(false) });

builder.mutationFields((t) => ({
  banIp: t.prismaField({
    type: 'IpBan',
    description: 'Bans an address or network (again, with the new reason and time, when it is banned already)',
    authScopes: { perm: 'settings:write' },
    errors: { types: mutationErrors },
    args: { input: t.arg({ type: BanIpInput }) },
    resolve: async (query, root, args, ctx, info) => {
      const ban = await audited((a: typeof args, c) => c.services.security.ban(a.input))(root, args, ctx, info);
      return ctx.services.db.prisma.ipBan.findUniqueOrThrow({ ...selection(query), where: { id: ban.id } });
    },
  }),
  unbanIp: t.field({
    type: DeletedRef,
    description: 'Lifts the ban of exactly this address or network',
    authScopes: { perm: 'settings:write' },
    errors: { types: mutationErrors },
    args: { address: t.arg.string({ description: ADDRESS_RULE }) },
    resolve: audited(async (a: { address: string }, c) =>
      deletedPayload(
        (await c.services.security.unbanAddress(a.address)).map((b) => b.id),
        'IpBan',
      ),
    ),
  }),
  unbanIps: t.field({
    type: DeletedRef,
    description: 'Lifts these bans (all or nothing)',
    authScopes: { perm: 'settings:write' },
    errors: { types: mutationErrors },
    args: { ids: t.arg.globalIDList() },
    resolve: audited(async (a: { ids: { typename: string; id: string }[] }, c) =>
      deletedPayload(
        (await c.services.security.unbanIds(a.ids.map((id) => decodeId(id, 'IpBan')))).map((b) => b.id),
        'IpBan',
      ),
    ),
  }),
  createTrustedNetwork: t.prismaField({
    type: 'TrustedNetwork',
    description: 'Adds a trusted network; the bans it overlaps are lifted',
    authScopes: { perm: 'settings:write' },
    errors: { types: mutationErrors },
    args: { input: t.arg({ type: CreateTrustedNetworkInput }) },
    resolve: async (query, root, args, ctx, info) => {
      const row = await audited((a: typeof args, c) => c.services.security.createTrustedNetwork(a.input))(root, args, ctx, info);
      return ctx.services.db.prisma.trustedNetwork.findUniqueOrThrow({ ...selection(query), where: { id: row.id } });
    },
  }),
  updateTrustedNetwork: t.prismaField({
    type: 'TrustedNetwork',
    description: 'Changes a trusted network; when enabled, the bans it overlaps are lifted',
    authScopes: { perm: 'settings:write' },
    errors: { types: mutationErrors },
    args: { id: t.arg.globalID(), input: t.arg({ type: UpdateTrustedNetworkInput }) },
    resolve: async (query, root, args, ctx, info) => {
      const row = await audited((a: typeof args, c) => c.services.security.updateTrustedNetwork(decodeId(a.id, 'TrustedNetwork'), a.input))(root, args, ctx, info);
      return ctx.services.db.prisma.trustedNetwork.findUniqueOrThrow({ ...selection(query), where: { id: row.id } });
    },
  }),
  deleteTrustedNetworks: t.field({
    type: DeletedRef,
    authScopes: { perm: 'settings:write' },
    errors: { types: mutationErrors },
    args: { ids: t.arg.globalIDList() },
    resolve: audited(async (a: { ids: { typename: string; id: string }[] }, c) =>
      deletedPayload(await c.services.security.deleteTrustedNetworks(a.ids.map((id) => decodeId(id, 'TrustedNetwork'))), 'TrustedNetwork'),
    ),
  }),
}));

const IpBanChangeKindEnum = builder.enumType('IpBanChangeKind', { values: ['BANNED', 'UNBANNED'] as const });
const IpBanChangeCauseEnum = builder.enumType('IpBanChangeCause', {
  values: {
    AUTOMATIC: { description: 'Intrusion protection banned the address' },
    MANUAL: { description: 'Banned or unbanned through the API' },
    EXPIRED: { description: 'The ban time ran out' },
    TRUSTED: { description: 'A trusted network now covers the address' },
  } as const,
});

const IpBanChangeRef = builder.objectRef<IpBanEvent>('IpBanChange').implement({
  description: 'An address banned or unbanned',
  fields: (t) => ({
    change: t.field({ type: IpBanChangeKindEnum, resolve: (e) => e.change }),
    cause: t.field({ type: IpBanChangeCauseEnum, resolve: (e) => e.cause }),
    ban: t.field({ type: IpBanRef, description: 'The ban (as it was, for an unban)', resolve: (e) => banRow(e.ban) }),
  }),
});

builder.subscriptionField('ipBanChanged', (t) =>
  t.field({
    type: IpBanChangeRef,
    description: 'Every ban and unban from now on (F-7.7.3); the list itself is the ipBans query',
    authScopes: { perm: 'settings:write' },
    subscribe: (_r, _a, ctx) => ctx.services.bus.subscribe('ipBan'),
    resolve: (event) => event,
  }),
);
