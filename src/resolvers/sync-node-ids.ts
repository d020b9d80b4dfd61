import SchemaBuilder, { BasePlugin, isThenable, type SchemaTypes } from '@pothos/core';
import { encodeGlobalID } from '@pothos/plugin-relay';
import type { GraphQLFieldResolver } from 'graphql';

/**
 * The global ID of a node, computed when it is read instead of through a promise.
 *
 * The relay plugin resolves every node's `id` in an async function, so each id of a list costs a
 * promise and a continuation: for 4,000 extensions that was about a third of the list's
 * execution time. The id itself comes from the node's own `id.resolve` (for a Prisma node, its
 * column), which is synchronous; this plugin encodes it at once with the relay plugin's
 * `encodeGlobalID` (the builder's own when it gives one) (`Type:id` in base64), and leaves the relay plugin's resolver to any id that is not known
 * at once. It is registered last, so the resolver it replaces is the innermost one and the other
 * plugins' wrappers stay around it.
 */
declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- Pothos' extension point for plugins
  export namespace PothosSchemaTypes {
    interface Plugins<Types extends SchemaTypes> {
      syncNodeIds: PothosSyncNodeIdsPlugin<Types>;
    }
  }
}

type IdResolver = (parent: unknown, args: object, context: object, info: unknown) => unknown;

export class PothosSyncNodeIdsPlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  override wrapResolve(resolver: GraphQLFieldResolver<unknown, Types['Context'], object>, fieldConfig: Parameters<BasePlugin<Types>['wrapResolve']>[1]) {
    const relay = this.builder.options.relay as { idFieldName?: string; encodeGlobalID?: (typename: string, id: string, context: object) => string } | undefined;
    const encode = relay?.encodeGlobalID ?? encodeGlobalID;
    if (fieldConfig.kind !== 'Object' || fieldConfig.name !== (relay?.idFieldName ?? 'id')) return resolver;
    const type = this.buildCache.getTypeConfig(fieldConfig.parentType);
    if (type.kind !== 'Object' || !type.interfaces.some((ref) => this.buildCache.getTypeConfig(ref).name === 'Node')) return resolver;
    const idOf = (type.pothosOptions as { id?: { resolve?: IdResolver } }).id?.resolve;
    if (typeof idOf !== 'function') return resolver;
    const typeName = type.name;
    return (parent: unknown, args: object, context: Types['Context'], info: Parameters<typeof resolver>[3]) => {
      const id = idOf(parent, args, context, info);
      return id === null || id === undefined || isThenable(id) ? resolver(parent, args, context, info) : encode(typeName, String(id), context);
    };
  }
}

SchemaBuilder.registerPlugin('syncNodeIds', PothosSyncNodeIdsPlugin);

export default 'syncNodeIds' as const;
