import type { z } from 'zod';
import type { StoredDestination } from '../destinations/destination.js';
import { domains } from '../domains/index.js';
import { builder } from './builder.js';
import { encodeGlobalId } from './ids.js';

/**
 * The one Destination shape, built from the registry of domains: the kinds
 * that exist, and each kind's parameters as optional fields (named once
 * across kinds; a parameter belongs to the kinds that declare it).
 */
type Param = { name: string; schema: z.ZodType & { def: { type: string; innerType?: unknown; entries?: Record<string, string> } }; kinds: string[]; description?: string };

function parameters(): Param[] {
  const byName = new Map<string, Param>();
  for (const type of domains.destinationTypes) {
    const shape = domains.destination(type)!.parameters?.shape ?? {};
    for (const [name, schema] of Object.entries(shape)) {
      const param = byName.get(name) ?? { name, schema: schema as Param['schema'], kinds: [], description: (schema as z.ZodType).description };
      param.kinds.push(type);
      byName.set(name, param);
    }
  }
  return [...byName.values()];
}

const unwrap = (schema: Param['schema']): Param['schema'] => (schema.def.type === 'default' || schema.def.type === 'optional' ? unwrap(schema.def.innerType as Param['schema']) : schema);

function graphqlTypeOf(param: Param) {
  const inner = unwrap(param.schema);
  switch (inner.def.type) {
    case 'enum':
      return builder.enumType(`Destination${param.name[0]!.toUpperCase()}${param.name.slice(1)}`, { values: Object.values(inner.def.entries!) });
    case 'number':
      return 'Int' as const;
    case 'boolean':
      return 'Boolean' as const;
    case 'string':
      return 'String' as const;
    default:
      throw new Error(`destination parameter ${param.name}: no GraphQL type for ${inner.def.type}`);
  }
}

const params = parameters().map((p) => ({ ...p, type: graphqlTypeOf(p) }));
const describe = (p: Param) => `${p.description ?? p.name} (kinds: ${p.kinds.join(', ')})`;

export const DestinationTypeEnum = builder.enumType('DestinationType', {
  description: 'Kinds of call destination that exist on this PBX; a kind arrives with its feature',
  values: Object.fromEntries(domains.destinationTypes.map((type) => [type, { description: domains.destination(type)!.description }])),
});

export const DestinationInputRef = builder.inputType('DestinationInput', {
  description: "Where calls go: a kind, its target (the number or global ID of an object, the text of an external number, none for HANGUP) and the kind's parameters",
  fields: (t) => ({
    type: t.field({ type: DestinationTypeEnum, required: true }),
    target: t.string({ required: false }),
    ...Object.fromEntries(params.map((p) => [p.name, t.field({ type: p.type as 'String', required: false, description: describe(p) })])),
  }),
});

export const DestinationRef = builder.objectRef<StoredDestination>('Destination').implement({
  description: 'Where calls go (one shape for every feature)',
  fields: (t) => ({
    type: t.field({ type: DestinationTypeEnum, resolve: (d) => d.type }),
    target: t.string({
      nullable: true,
      description: 'The current number of the target object, the external number, or null for HANGUP',
      resolve: async (d, _a, ctx) => {
        const target = domains.destination(d.type)?.target;
        if (!d.target || target?.kind !== 'object') return d.target;
        return ctx.loaders.numberOfOwner.load(`${target.objectKind}:${d.target}`);
      },
    }),
    targetId: t.id({
      nullable: true,
      description: 'The global ID of the target object (query it with `node`), or null when the target is not an object',
      resolve: (d) => {
        const target = domains.destination(d.type)?.target;
        return target?.kind === 'object' && d.target ? encodeGlobalId(target.graphqlType, d.target) : null;
      },
    }),
    ...Object.fromEntries(
      params.map((p) => [p.name, t.field({ type: p.type as 'String', nullable: true, description: describe(p), resolve: (d) => (d.parameters[p.name] ?? null) as string | null })]),
    ),
  }),
});
