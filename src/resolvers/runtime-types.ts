/**
 * Fields whose GraphQL type is chosen at run time from a table (the extension
 * fields, the setting groups, destination parameters): Pothos infers a
 * field's TypeScript type from its type argument, which a table cannot give.
 * These two functions are the one place where that inference is widened;
 * each table's values are proven by the API tests of its fields.
 */

/** A GraphQL type reference taken from a table (a scalar name, an enum ref, or a list of either). */
export function tableType(type: unknown): never {
  // eslint-disable-next-line no-restricted-syntax -- the one documented bridge between a runtime table and Pothos' static types
  return type as never;
}

/** A value resolved for a field typed by `tableType`. */
export function tableValue(value: unknown): never {
  // eslint-disable-next-line no-restricted-syntax -- as above
  return value as never;
}

/**
 * An object type named instead of imported: Extension and Department refer to
 * each other, and importing one ref into the other makes their inferred
 * TypeScript types depend on each other.
 */
export function namedType(name: 'Extension' | 'Department'): never {
  return tableType(name);
}
