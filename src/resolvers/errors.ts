import {
  AsteriskNotConnectedError,
  AuthenticationError,
  ConflictError,
  LimitExceededError,
  LoginLockedError,
  NotFoundError,
  NotAuthenticatedError,
  NotPermittedError,
  NumberConflictError,
  ReferencedError,
  ValidationError,
  type FieldIssue,
  type NumberOwner,
  type Referrer,
} from '../errors.js';
import { builder } from './builder.js';
import type { Context } from './context.js';
import { encodeGlobalId, trunkTypenames } from './ids.js';
import type { GraphQLResolveInfo } from 'graphql';

export const ErrorInterface = builder.interfaceRef<Error>('Error').implement({
  description: 'Every typed error of a mutation result',
  fields: (t) => ({ message: t.exposeString('message') }),
});

export const FieldIssueRef = builder.objectRef<FieldIssue>('FieldIssue').implement({
  description: 'One problem with the input, addressed by its path (for batches and imports: the row, then the field)',
  fields: (t) => ({
    path: t.exposeStringList('path'),
    message: t.exposeString('message'),
    code: t.exposeString('code', { description: 'Stable code: REQUIRED, INVALID_FORMAT, OUT_OF_RANGE, NUMBER_TAKEN, DUPLICATE, EXCLUSIVE, ...' }),
  }),
});

export const NumberOwnerRef = builder.objectRef<NumberOwner>('NumberOwner').implement({
  fields: (t) => ({ kind: t.exposeString('kind'), id: t.exposeString('id'), label: t.exposeString('label') }),
});

const ReferrerRef = builder.objectRef<Referrer>('Referrer').implement({
  fields: (t) => ({
    kind: t.exposeString('kind'),
    id: t.exposeString('id', {
      description: 'The global ID of the referring object (query it with node); a settings group for SETTINGS; empty in a line that counts further referrers',
    }),
    label: t.exposeString('label'),
  }),
});

/** GraphQL types of the referrer kinds that are one type of object; trunks are SipTrunk or IaxTrunk by their row. */
const referrerTypes: Record<string, string> = {
  ACCOUNT: 'Account',
  DEPARTMENT: 'Department',
  DIAL_PERMISSION: 'DialPermission',
  DIAL_RULE: 'DialRule',
  DID_ROUTE: 'DidRoute',
  EXTENSION: 'Extension',
  IVR: 'Ivr',
  QUEUE: 'Queue',
  TIME_RULE: 'TimeRule',
};
const trunkReferrerKinds = new Set(['TRUNK', 'INBOUND_ROUTE']);

/** The referrers of an error with global IDs, so that a client can follow each to the object (one query for trunks). */
async function withGlobalIds(referrers: Referrer[], ctx: Context): Promise<Referrer[]> {
  const trunkIds = referrers.filter((r) => trunkReferrerKinds.has(r.kind) && r.id).map((r) => r.id);
  const trunkKinds = new Map(trunkIds.length ? (await ctx.services.db.prisma.trunk.findMany({ where: { id: { in: trunkIds } }, select: { id: true, kind: true } })).map((t) => [t.id, t.kind]) : []);
  return referrers.map((r) => {
    if (!r.id) return r;
    const trunkKind = trunkKinds.get(r.id);
    const typename = trunkReferrerKinds.has(r.kind) ? (trunkKind ? trunkTypenames[trunkKind as keyof typeof trunkTypenames] : undefined) : referrerTypes[r.kind];
    return typename ? { ...r, id: encodeGlobalId(typename, r.id) } : r;
  });
}

builder.objectType(ValidationError, {
  name: 'ValidationError',
  interfaces: [ErrorInterface],
  fields: (t) => ({ issues: t.field({ type: [FieldIssueRef], resolve: (e) => e.issues }) }),
});
builder.objectType(NotFoundError, {
  name: 'NotFoundError',
  interfaces: [ErrorInterface],
  fields: (t) => ({ entity: t.exposeString('entity'), reference: t.exposeString('reference') }),
});
builder.objectType(NumberConflictError, {
  name: 'NumberConflictError',
  description: 'The number is taken; owner names what holds it',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    number: t.exposeString('number'),
    owner: t.field({ type: NumberOwnerRef, resolve: (e) => e.owner }),
    path: t.exposeStringList('inputPath', { description: 'Path of the input field concerned' }),
  }),
});
builder.objectType(AsteriskNotConnectedError, {
  name: 'AsteriskNotConnectedError',
  description: 'Asterisk is needed for this (a call through ARI, an action through AMI) and the server is not connected to it now',
  interfaces: [ErrorInterface],
  fields: () => ({}),
});
builder.objectType(ConflictError, {
  name: 'ConflictError',
  interfaces: [ErrorInterface],
  fields: (t) => ({ path: t.exposeStringList('inputPath', { description: 'Path of the input field concerned' }) }),
});
builder.objectType(ReferencedError, {
  name: 'ReferencedError',
  description: 'Refused because other objects refer to the target',
  interfaces: [ErrorInterface],
  fields: (t) => ({ referrers: t.field({ type: [ReferrerRef], resolve: (e, _a, ctx) => withGlobalIds(e.referrers, ctx) }) }),
});
builder.objectType(LimitExceededError, {
  name: 'LimitExceededError',
  interfaces: [ErrorInterface],
  fields: (t) => ({ limit: t.exposeString('limit'), maximum: t.exposeInt('maximum') }),
});
// By name: the errors plugin hands the field a proxy of the error that is an instance of NotPermittedError only.
const notAuthenticated = new NotAuthenticatedError().name;
const NotPermittedCodeEnum = builder.enumType('NotPermittedCode', {
  values: {
    UNAUTHENTICATED: { description: 'No credential, or the one sent was refused (the message says why): log in' },
    FORBIDDEN: { description: 'The caller is known but may not do this' },
  },
});
builder.objectType(NotPermittedError, {
  name: 'NotPermittedError',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    path: t.exposeStringList('inputPath', { description: 'Path of the input field concerned' }),
    code: t.field({
      type: NotPermittedCodeEnum,
      description: 'Why: the code a query refused the same way carries in extensions.code',
      resolve: (e) => (e.name === notAuthenticated ? 'UNAUTHENTICATED' : 'FORBIDDEN'),
    }),
  }),
});
builder.objectType(AuthenticationError, {
  name: 'AuthenticationError',
  interfaces: [ErrorInterface],
  fields: () => ({}),
});
builder.objectType(LoginLockedError, {
  name: 'LoginLockedError',
  interfaces: [ErrorInterface],
  fields: (t) => ({ retryAfterSeconds: t.exposeInt('retryAfterSeconds') }),
});

/** The errors any configuration mutation can return. */
export const mutationErrors = [ValidationError, NotFoundError, NumberConflictError, ConflictError, ReferencedError, LimitExceededError, NotPermittedError];

/**
 * Wraps a mutation resolver so its outcome (OK or the error's type) reaches
 * the audit log, whether the error becomes a typed result or not.
 */
export function audited<Args, Result>(resolve: (args: Args, ctx: Context) => Promise<Result>) {
  return async (_root: unknown, args: Args, ctx: Context, info: GraphQLResolveInfo): Promise<Result> => {
    try {
      const result = await resolve(args, ctx);
      ctx.outcomes.set(info.path.key as string, 'OK');
      return result;
    } catch (error) {
      ctx.outcomes.set(info.path.key as string, error instanceof Error ? error.name : 'Error');
      throw error;
    }
  };
}
