import SchemaBuilder from '@pothos/core';
import ErrorsPlugin from '@pothos/plugin-errors';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin, { decodeGlobalID } from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import ObjectScopesPlugin from './object-scopes.js';
import StringCursorsPlugin from './string-cursors.js';
import SyncNodeIdsPlugin from './sync-node-ids.js';
import type PrismaTypes from '../generated/pothos-types.js';
import { getDatamodel } from '../generated/pothos-types.js';
import { can, isSelfExtension, type Permission } from '../auth/permissions.js';
import { NotAuthenticatedError, NotPermittedError } from '../errors.js';
import type { Context } from './context.js';
import { encodeGlobalId } from './ids.js';

export const builder = new SchemaBuilder<{
  Context: Context;
  PrismaTypes: PrismaTypes;
  AuthScopes: {
    authenticated: boolean;
    perm: Permission;
    /** Any one of these permissions. */
    anyPerm: readonly Permission[];
    /** The caller is the extension user of this extension id. */
    selfExtension: string;
  };
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    File: { Input: File; Output: never };
  };
  DefaultFieldNullability: false;
  DefaultInputFieldRequiredness: true;
}>({
  defaultFieldNullability: false,
  defaultInputFieldRequiredness: true,
  // Errors first, so failures of scope-auth on a mutation become its NotPermittedError result;
  // object scopes next to last, checking what a field's own resolver returns; node ids last, replacing
  // the relay plugin's own resolver. Cursors are checked before Prisma sees them (string-cursors.ts).
  plugins: [ErrorsPlugin, ScopeAuthPlugin, PrismaPlugin, RelayPlugin, StringCursorsPlugin, ObjectScopesPlugin, SyncNodeIdsPlugin],
  scopeAuth: {
    // A subscription is authorised when it starts: refused, it ends with the error (checked per event, it stayed open and sent one per event).
    authorizeOnSubscribe: true,
    authScopes: (ctx) => ({
      authenticated: !!ctx.principal,
      perm: (p: Permission) => can(ctx.principal, p),
      anyPerm: (ps: readonly Permission[]) => ps.some((p) => can(ctx.principal, p)),
      selfExtension: (id: string) => isSelfExtension(ctx.principal, id),
    }),
    unauthorizedError: (_parent, ctx, info) => {
      if (info.parentType.name === 'Mutation') ctx.outcomes.set(info.path.key as string, 'NotPermittedError');
      return ctx.principal ? new NotPermittedError(`Not permitted: ${info.parentType.name}.${info.fieldName}`) : new NotAuthenticatedError(ctx.credentialRefusal);
    },
  },
  objectScopes: {
    unauthorizedError: (typeName, ctx) => (ctx.principal ? new NotPermittedError(`Not permitted: ${typeName}`) : new NotAuthenticatedError(ctx.credentialRefusal)),
  },
  errors: { defaultTypes: [] },
  prisma: {
    client: (ctx) => ctx.services.db.prisma,
    dmmf: getDatamodel(),
    exposeDescriptions: false,
    filterConnectionTotalCount: true,
    maxConnectionSize: 5000,
    defaultConnectionSize: 20,
    onUnusedQuery: null,
  },
  relay: {
    clientMutationId: 'omit',
    // Every node asks for a credential: a stranger's ids are not looked up at all.
    nodeQueryOptions: { authScopes: { authenticated: true } },
    nodesQueryOptions: { authScopes: { authenticated: true } },
    cursorType: 'String',
    encodeGlobalID: encodeGlobalId,
    // A malformed ID names no object of any type, like an ID of another type: the field that takes it answers
    // as it does for those (a mutation's typed NotFoundError). Thrown while the arguments are read, Pothos's own
    // error escaped a mutation's result union and nulled the whole answer, hiding the mutations before it that had run.
    decodeGlobalID: (globalID) => {
      try {
        return decodeGlobalID(globalID);
      } catch {
        return { typename: 'InvalidGlobalID', id: globalID };
      }
    },
  },
});

// A node whose object is gone (deleted, or an id that never named one) is null, as Relay's `node`
// allows. Pothos reads a node with findUniqueOrThrow unless it is `nullable`, which made a stale id
// an INTERNAL error, and Prisma's rendering of each such error cost milliseconds (seconds for a
// `nodes` list of them). Every node type is nullable unless it says otherwise.
const prismaNode = builder.prismaNode.bind(builder);
builder.prismaNode = (type, options) => prismaNode(type, { nullable: true, ...options });

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});

const isoDateTime = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)?)?$/i;

builder.scalarType('DateTime', {
  description: 'An ISO-8601 date and time in UTC',
  serialize: (value) => value.toISOString(),
  parseValue: (value) => {
    // ISO 8601 with a four-digit year: Date alone also reads "1" or "+275760-09-13", which no store can hold.
    const text = String(value);
    const date = isoDateTime.test(text) ? new Date(text) : null;
    if (!date || Number.isNaN(date.getTime())) throw new TypeError('DateTime: an ISO-8601 date and time, e.g. 2026-12-03T09:30:00Z');
    return date;
  },
});

builder.scalarType('File', {
  description: 'A file sent with the GraphQL multipart request specification',
  serialize: () => {
    throw new Error('File is input only');
  },
  parseValue: (value) => value as File,
});
