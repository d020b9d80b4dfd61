import type { z } from 'zod';
import { numberRange } from '../settings/schemas.js';
import { builder } from './builder.js';

/**
 * GraphQL types of zod schemas, for fields built from a schema at run time
 * (setting groups, destination parameters): scalars, enums named after their
 * type and field (e.g. DestinationGreeting), lists, and the number range.
 */
export type AnySchema = z.ZodType & { def: { type: string; innerType?: AnySchema; element?: AnySchema; entries?: Record<string, string>; shape?: Record<string, AnySchema> }; description?: string };

const NumberRangeRef = builder.objectRef<{ start: string; end: string }>('NumberRange').implement({
  description: numberRange.description,
  fields: (t) => ({ start: t.exposeString('start'), end: t.exposeString('end') }),
});
export const NumberRangeInput = builder.inputType('NumberRangeInput', {
  fields: (t) => ({ start: t.string(), end: t.string() }),
});

const unwrap = (schema: AnySchema): AnySchema => (schema.def.type === 'default' || schema.def.type === 'optional' ? unwrap(schema.def.innerType!) : schema);
const enums = new Map<string, unknown>();

export function graphqlType(typeName: string, field: string, schema: AnySchema, input: boolean): unknown {
  const inner = unwrap(schema);
  if (inner === (numberRange as unknown)) return input ? NumberRangeInput : NumberRangeRef;
  switch (inner.def.type) {
    case 'string':
      return 'String';
    case 'number':
      return 'Int';
    case 'boolean':
      return 'Boolean';
    case 'enum': {
      const name = `${typeName}${field[0]!.toUpperCase()}${field.slice(1)}`;
      if (!enums.has(name)) enums.set(name, builder.enumType(name, { values: Object.values<string>(inner.def.entries!) }));
      return enums.get(name);
    }
    case 'array':
      return [graphqlType(typeName, field, inner.def.element!, input)];
    default:
      throw new Error(`settings: no GraphQL type for ${typeName}.${field} (${inner.def.type})`);
  }
}
