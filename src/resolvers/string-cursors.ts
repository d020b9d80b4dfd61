import SchemaBuilder, { BasePlugin, decodeBase64, decodeCursorChunk, PothosValidationError, type SchemaTypes } from '@pothos/core';
import type { GraphQLFieldResolver } from 'graphql';

/**
 * Every list of this schema pages by its rows' `id`, a string. The Prisma plugin reads a cursor's
 * value without checking its type against the column, so a well-formed cursor holding a number
 * or an object (`GPC:J:123` in base64) reached Prisma, which refused the query, and the client
 * got "Unexpected error." (INTERNAL). This plugin checks `after` and `before` of every field that
 * takes both (the connections) before the field resolves: a cursor must hold a string, or the
 * request is refused as bad input naming the argument.
 */
declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- Pothos' extension point for plugins
  export namespace PothosSchemaTypes {
    interface Plugins<Types extends SchemaTypes> {
      stringCursors: PothosStringCursorsPlugin<Types>;
    }
  }
}

const CURSOR_ARGUMENTS = ['after', 'before'] as const;

/** Whether `cursor` is one this server hands out: `GPC:` and a string chunk, in base64. */
function holdsStringCursor(cursor: string): boolean {
  try {
    const decoded = decodeBase64(cursor);
    return decoded.startsWith('GPC:') && typeof decodeCursorChunk(decoded.slice(4)) === 'string';
  } catch {
    return false;
  }
}

export class PothosStringCursorsPlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  override wrapResolve(resolver: GraphQLFieldResolver<unknown, Types['Context'], object>, fieldConfig: Parameters<BasePlugin<Types>['wrapResolve']>[1]) {
    if (!CURSOR_ARGUMENTS.every((name) => name in fieldConfig.args)) return resolver;
    const checked: GraphQLFieldResolver<unknown, Types['Context'], object> = (parent, args, context, info) => {
      for (const name of CURSOR_ARGUMENTS) {
        const cursor = (args as Record<string, unknown>)[name];
        if (cursor !== null && cursor !== undefined && (typeof cursor !== 'string' || !holdsStringCursor(cursor)))
          throw new PothosValidationError(`Invalid cursor in "${name}": it is not a cursor of this list (take one from an edge's cursor or pageInfo)`);
      }
      return resolver(parent, args, context, info);
    };
    return checked;
  }
}

SchemaBuilder.registerPlugin('stringCursors', PothosStringCursorsPlugin);

export default 'stringCursors' as const;
