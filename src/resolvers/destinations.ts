import type { StoredDestination } from '../destinations/destination.js';
import { domains } from '../domains/index.js';
import { builder } from './builder.js';
import { encodeGlobalId } from './ids.js';
import { tableType, tableValue } from './runtime-types.js';
import { graphqlType, type AnySchema } from './zod-types.js';

/**
 * The one Destination shape, built from the registry of domains: the kinds
 * that exist, and each kind's parameters as optional fields (named once
 * across kinds; a parameter belongs to the kinds that declare it).
 */
type Param = { name: string; schema: AnySchema; kinds: string[] };

function parameters(): Param[] {
  const byName = new Map<string, Param>();
  for (const type of domains.destinationTypes) {
    const shape = (domains.destination(type)!.parameters?.shape ?? {}) as Record<string, AnySchema>;
    for (const [name, schema] of Object.entries(shape)) {
      const param = byName.get(name) ?? { name, schema, kinds: [] };
      param.kinds.push(type);
      byName.set(name, param);
    }
  }
  return [...byName.values()];
}

const params = parameters().map((p) => ({ ...p, type: tableType(graphqlType('Destination', p.name, p.schema, false)) }));
const describe = (p: Param) => `${p.schema.description ?? p.name} (kinds: ${p.kinds.join(', ')})`;

export const DestinationTypeEnum = builder.enumType('DestinationType', {
  description: 'Kinds of call destination that exist on this PBX; a kind arrives with its feature',
  values: Object.fromEntries(domains.destinationTypes.map((type) => [type, { description: domains.destination(type)!.description }])),
});

export const DestinationInputRef = builder.inputType('DestinationInput', {
  description: "Where calls go: a kind, its target (the number or global ID of an object, the text of an external number, none for HANGUP) and the kind's parameters",
  fields: (t) => ({
    type: t.field({ type: DestinationTypeEnum, required: true }),
    target: t.string({ required: false }),
    ...Object.fromEntries(params.map((p) => [p.name, t.field({ type: p.type, required: false, description: describe(p) })])),
  }),
});

export const DestinationRef = builder.objectRef<StoredDestination>('Destination').implement({
  description: 'Where calls go (one shape for every feature)',
  fields: (t) => ({
    type: t.field({ type: DestinationTypeEnum, resolve: (d) => d.type }),
    target: t.string({
      nullable: true,
      description: 'The current number of the target object (its global ID when it has no number, as a time rule), the external number, or null for HANGUP; a DestinationInput takes it back as it is',
      resolve: async (d, _a, ctx) => {
        const target = domains.destination(d.type)?.target;
        if (!d.target || target?.kind !== 'object') return d.target;
        return (await ctx.loaders.numberOfOwner.load(`${target.objectKind}:${d.target}`)) ?? encodeGlobalId(target.graphqlType, d.target);
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
    ...Object.fromEntries(params.map((p) => [p.name, t.field({ type: p.type, nullable: true, description: describe(p), resolve: (d) => tableValue(d.parameters[p.name] ?? null) })])),
  }),
});
