import SchemaBuilder, { BasePlugin, isThenable, type PothosOutputFieldType, type SchemaTypes } from '@pothos/core';
import { RequestCache, type AuthScopeMap } from '@pothos/plugin-scope-auth';
import { isAbstractType, getNamedType, type GraphQLAbstractType, type GraphQLFieldResolver, type GraphQLResolveInfo } from 'graphql';

/**
 * Type-level authorisation checked once per object, by the field that returns it, instead of
 * before each of its fields.
 *
 * scope-auth runs a type's `authScopes` before every field of every object of the type: a list
 * of 4,000 objects with 8 fields runs 32,000 checks, and each field needs a resolver, which
 * compiled execution cannot inline. Its `runScopesOnType` checks once per object in `isTypeOf`,
 * which graphql-jit calls without the context. A type with `objectAuthScopes` is checked here
 * instead: every field whose type is the type (directly, in a list, or through an interface or
 * union it belongs to) checks each object it returns with scope-auth's scopes, and an object that
 * fails becomes an error in its place (null with the error at its path), as with
 * `runScopesOnType`.
 */
declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- Pothos' extension point for plugin options
  export namespace PothosSchemaTypes {
    interface Plugins<Types extends SchemaTypes> {
      objectScopes: PothosObjectScopesPlugin<Types>;
    }
    interface SchemaBuilderOptions<Types extends SchemaTypes> {
      objectScopes?: { unauthorizedError: (typeName: string, context: Types['Context']) => Error };
    }
    interface ObjectTypeOptions<Types extends SchemaTypes, Shape> {
      /**
       * Who may read objects of the type, checked where they are returned (see object-scopes.ts):
       * `type` admits every object (checked once per request), `object` admits one object (checked
       * for each object a caller that `type` does not admit is given). Either is enough.
       */
      objectAuthScopes?: ObjectAuthScopes<Types, Shape>;
    }
  }
}

export type ObjectAuthScopes<Types extends SchemaTypes, Shape> = {
  type?: AuthScopeMap<Types>;
  object?: (parent: Shape, context: Types['Context']) => AuthScopeMap<Types> | boolean;
};
type Scopes<Types extends SchemaTypes> = ObjectAuthScopes<Types, unknown>;
type Check = (value: unknown, context: object, info: GraphQLResolveInfo) => unknown;

export class PothosObjectScopesPlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  override wrapResolve(resolver: GraphQLFieldResolver<unknown, Types['Context'], object>, fieldConfig: Parameters<BasePlugin<Types>['wrapResolve']>[1]) {
    const check = this.checkFor(fieldConfig.type);
    if (!check) return resolver;
    return (parent: unknown, args: object, context: Types['Context'], info: GraphQLResolveInfo) => {
      const value = resolver(parent, args, context, info);
      return isThenable(value) ? Promise.resolve(value).then((v) => check(v, context, info)) : check(value, context, info);
    };
  }

  /** The check of the values a field of this type returns, or null when no object it can return has object scopes. */
  private checkFor(type: PothosOutputFieldType<Types>): Check | null {
    if (type.kind === 'List') {
      const item = this.checkFor(type.type);
      if (!item) return null;
      return (value, context, info) => {
        if (value === null || value === undefined || value instanceof Error || typeof value !== 'object' || !(Symbol.iterator in value)) return value;
        return Array.from(value as Iterable<unknown>, (v) => (isThenable(v) ? Promise.resolve(v).then((r) => item(r, context, info)) : item(v, context, info)));
      };
    }
    const config = this.buildCache.getTypeConfig(type.ref);
    if (config.kind === 'Object') {
      const scopes = objectScopesOf<Types>(config.pothosOptions);
      return scopes ? (value, context) => this.authorize(config.name, scopes, value, context) : null;
    }
    if (config.kind !== 'Interface' && config.kind !== 'Union') return null;
    const members =
      config.kind === 'Interface'
        ? [...this.builder.configStore.typeConfigs.values()].filter((t) => t.kind === 'Object' && t.interfaces.some((i) => this.buildCache.getTypeConfig(i).name === config.name))
        : config.types.map((t) => this.buildCache.getTypeConfig(t));
    const guarded = new Map<string, Scopes<Types>>();
    for (const member of members) {
      const scopes = objectScopesOf<Types>(member.pothosOptions);
      if (scopes) guarded.set(member.name, scopes);
    }
    if (guarded.size === 0) return null;
    return (value, context, info) => {
      if (value === null || value === undefined || value instanceof Error) return value;
      const abstract = getNamedType(info.returnType) as GraphQLAbstractType;
      if (!isAbstractType(abstract) || !abstract.resolveType) return value;
      const name = abstract.resolveType(value, context, info, abstract);
      const checkNamed = (typeName: string | undefined) => {
        const scopes = typeName ? guarded.get(typeName) : undefined;
        return scopes ? this.authorize(typeName!, scopes, value, context) : value;
      };
      return isThenable(name) ? Promise.resolve(name).then(checkNamed) : checkNamed(name);
    };
  }

  /** The value itself when its scopes pass, else the error that takes its place. */
  private authorize(typeName: string, scopes: Scopes<Types>, value: unknown, context: Types['Context']): unknown {
    if (value === null || value === undefined || value instanceof Error) return value;
    if (!scopes.type) return this.authorizeObject(typeName, scopes, value, context);
    // The same map object every time: scope-auth evaluates it once per request.
    const byType = RequestCache.fromContext(context, this.builder).evaluateScopeMap(scopes.type);
    if (isThenable(byType)) return Promise.resolve(byType).then((failure) => (failure ? this.authorizeObject(typeName, scopes, value, context) : value));
    return byType ? this.authorizeObject(typeName, scopes, value, context) : value;
  }

  private authorizeObject(typeName: string, scopes: Scopes<Types>, value: unknown, context: Types['Context']): unknown {
    const map = scopes.object?.(value, context) ?? false;
    if (map === true) return value;
    if (map === false) return this.denied(typeName, context);
    const failure = RequestCache.fromContext(context, this.builder).evaluateScopeMap(map);
    if (isThenable(failure)) return Promise.resolve(failure).then((f) => (f ? this.denied(typeName, context) : value));
    return failure ? this.denied(typeName, context) : value;
  }

  private denied(typeName: string, context: Types['Context']): Error {
    return this.builder.options.objectScopes?.unauthorizedError(typeName, context) ?? new Error(`Not authorized to read ${typeName}`);
  }
}

function objectScopesOf<Types extends SchemaTypes>(options: object): Scopes<Types> | undefined {
  return (options as { objectAuthScopes?: Scopes<Types> }).objectAuthScopes;
}

SchemaBuilder.registerPlugin('objectScopes', PothosObjectScopesPlugin);

export default 'objectScopes' as const;
