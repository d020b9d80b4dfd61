import type { Prisma } from '../generated/prisma-sqlite/index.js';
import { builder } from './builder.js';
import { selection } from './selection.js';

builder.prismaNode('AuditEntry', {
  id: { field: 'id' },
  description: 'One executed mutation (F-7.9.1)',
  objectAuthScopes: { type: { perm: 'audit:read' } },
  fields: (t) => ({
    time: t.expose('time', { type: 'DateTime' }),
    ip: t.exposeString('ip', { nullable: true }),
    username: t.exposeString('username', { nullable: true }),
    role: t.exposeString('role', { nullable: true }),
    operation: t.exposeString('operation', { description: 'The mutation field, e.g. createExtension' }),
    operationName: t.exposeString('operationName', { nullable: true }),
    outcome: t.exposeString('outcome', { description: 'OK, or the type of the error returned (ValidationError, NotPermittedError ...)' }),
    durationMs: t.exposeFloat('durationMs'),
    input: t.exposeString('input', { description: 'The arguments as JSON, secrets redacted' }),
  }),
});

const AuditFilter = builder.inputType('AuditFilter', {
  fields: (t) => ({
    username: t.string({ required: false }),
    operation: t.string({ required: false }),
    outcome: t.string({ required: false }),
    ip: t.string({ required: false }),
    from: t.field({ type: 'DateTime', required: false }),
    to: t.field({ type: 'DateTime', required: false }),
  }),
});

function auditWhere(filter: typeof AuditFilter.$inferInput | null | undefined): Prisma.AuditEntryWhereInput {
  if (!filter) return {};
  return {
    ...(filter.username ? { username: filter.username } : {}),
    ...(filter.operation ? { operation: filter.operation } : {}),
    ...(filter.outcome ? { outcome: filter.outcome } : {}),
    ...(filter.ip ? { ip: filter.ip } : {}),
    ...(filter.from || filter.to ? { time: { ...(filter.from ? { gte: filter.from } : {}), ...(filter.to ? { lte: filter.to } : {}) } } : {}),
  };
}

builder.queryField('auditLog', (t) =>
  t.prismaConnection({
    type: 'AuditEntry',
    cursor: 'id',
    description: 'The audit log, newest first',
    authScopes: { perm: 'audit:read' },
    args: { filter: t.arg({ type: AuditFilter, required: false }) },
    totalCount: (_c, args, ctx) => ctx.services.db.prisma.auditEntry.count({ where: auditWhere(args.filter) }),
    resolve: (query, _r, args, ctx) => ctx.services.db.prisma.auditEntry.findMany({ ...selection(query), where: auditWhere(args.filter), orderBy: [{ time: 'desc' }, { id: 'desc' }] }),
  }),
);
