import {
  getNamedType,
  GraphQLError,
  isCompositeType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  type ArgumentNode,
  type FieldNode,
  type GraphQLField,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionNode,
  type ValidationContext,
} from 'graphql';
import { QR_IMAGE_COST } from '../extensions/qr.js';

/** Fields that cost more than a scalar, by `Type.field`, in the units of graphql-armor's cost limit. */
export const pricedFields: Readonly<Record<string, number>> = { 'ExtensionQrCode.pngDataUrl': QR_IMAGE_COST };

/**
 * How many objects a list field without a page size is counted as (armor counts one): its selection
 * is multiplied by this, as a page's is by its `first`. Lists of members and agents hold up to a few
 * hundred extensions, an extension is in a department or two; any other list of objects counts as
 * `DEFAULT_LIST_SIZE`. `Query.nodes` counts its ids (ID_LOOKUP_SIZE each), and a connection's `edges` one (its field's
 * `first` counted the page). Without this, lists nested in lists passed for the price of one
 * object each: a page of extensions with their departments' members' departments' members asked
 * for hundreds of millions of objects within the limit.
 */
export const listSizes: Readonly<Record<string, number>> = {
  'Department.members': 100,
  'Queue.staticAgents': 100,
  'Queue.dynamicAgents': 100,
  'Whitelist.extensions': 100,
  'Extension.departments': 2,
};
export const DEFAULT_LIST_SIZE = 20;
/** Each id of `nodes(ids:)` is a lookup of its own (about a millisecond), not a row of a page: it counts as this many objects. */
export const ID_LOOKUP_SIZE = 25;

export type PricedCostOptions = {
  maxCost: number;
  /** The handlers of the cost limit's refusals: they get an error worded as armor's own ("… found <cost>."). */
  onReject: ((context: ValidationContext | null, error: GraphQLError) => void)[];
  prices?: Readonly<Record<string, number>>;
  /** The sizes of lists without a page size (listSizes by default), and of any other list (DEFAULT_LIST_SIZE). */
  listSizes?: Readonly<Record<string, number>>;
  defaultListSize?: number;
  /** armor's defaults; give the same values as the costLimit options if these are changed there. */
  objectCost?: number;
  scalarCost?: number;
  depthCostFactor?: number;
  /** The request's variables: a `first`/`last` given by a variable multiplies like a literal one (armor sees literals only). */
  variables?: Readonly<Record<string, unknown>>;
};

type Cost = { plain: number; priced: number };

/**
 * An `onAccept` handler for graphql-armor's costLimit (cost-limit 2.4) that lets the limit see the priced
 * fields. Armor counts every leaf field as one scalar, so a page of thousands of QR images passed for the
 * price of their page size. Once per document, this computes each operation as armor does (an object 2,
 * a scalar 1, ×1.5 a level, × a literal `first`/`last`) twice: as armor counted it and with the priced
 * fields at their price; an operation armor let through whose priced cost is over `maxCost` is refused
 * through `onReject`, as armor refuses (an operation armor refused it has reported already).
 */
export function priceFields(options: PricedCostOptions): (context: ValidationContext | null, accepted: unknown) => void {
  const seen = new WeakSet<ValidationContext>();
  return (context) => {
    if (!context || seen.has(context)) return;
    seen.add(context);
    for (const operation of context.getDocument().definitions) {
      if (operation.kind !== Kind.OPERATION_DEFINITION) continue;
      const { plain, priced } = operationCost(context, operation, options);
      if (plain > options.maxCost || priced <= options.maxCost) continue;
      const error = new GraphQLError(`Syntax Error: Query Cost limit of ${options.maxCost} exceeded, found ${costFigure(priced)}.`);
      for (const handler of options.onReject) handler(context, error);
    }
  };
}

/** The cost of one operation, as armor counts it (`plain`) and with the priced fields (`priced`). */
export function operationCost(context: Pick<ValidationContext, 'getSchema' | 'getFragment'>, operation: OperationDefinitionNode, options: Omit<PricedCostOptions, 'maxCost' | 'onReject'> = {}): Cost {
  const prices = options.prices ?? pricedFields;
  const sizes = options.listSizes ?? listSizes;
  const defaultSize = options.defaultListSize ?? DEFAULT_LIST_SIZE;
  const objectCost = options.objectCost ?? 2;
  const scalarCost = options.scalarCost ?? 1;
  const factor = options.depthCostFactor ?? 1.5;
  const schema = context.getSchema();
  const fragmentCosts = new Map<string, Cost | null>();
  const variables = variableValues(operation, options.variables);

  const selectionsCost = (base: number, selections: readonly SelectionNode[], parent: GraphQLCompositeType | undefined, multiplier: number, listSize = 1): Cost => {
    const cost = { plain: base, priced: base };
    for (const child of selections) {
      const c = selectionCost(child, parent);
      cost.plain += factor * c.plain;
      cost.priced += factor * c.priced;
    }
    return { plain: cost.plain * multiplier, priced: cost.priced * multiplier * listSize };
  };

  const fragmentCost = (fragment: FragmentDefinitionNode): Cost => selectionsCost(objectCost, fragment.selectionSet.selections, typeNamed(schema, fragment.typeCondition.name.value), 1);

  /** How many objects a field of a list type without a page size stands for (1 for other fields). */
  const listSize = (node: FieldNode, parent: GraphQLCompositeType, field: GraphQLField<unknown, unknown>): number => {
    const type = isNonNullType(field.type) ? field.type.ofType : field.type;
    if (!isListType(type) || node.arguments?.some((a) => a.name.value === 'first' || a.name.value === 'last')) return 1;
    if (field.name === 'edges' && parent.name.endsWith('Connection')) return 1;
    const ids = node.arguments?.find((a) => a.name.value === 'ids');
    if (ids) return Math.max(listLength(ids, variables) ?? defaultSize, 1) * ID_LOOKUP_SIZE;
    return sizes[`${parent.name}.${field.name}`] ?? defaultSize;
  };

  const selectionCost = (node: SelectionNode, parent: GraphQLCompositeType | undefined): Cost => {
    if (node.kind === Kind.FIELD) {
      const name = node.name.value;
      if (name === '__schema') return { plain: 0, priced: 0 };
      const field = parent && (isObjectType(parent) || isInterfaceType(parent)) ? parent.getFields()[name] : undefined;
      if (!node.selectionSet) {
        const price = parent ? prices[`${parent.name}.${name}`] : undefined;
        return { plain: scalarCost, priced: price ?? scalarCost };
      }
      const named = field ? getNamedType(field.type) : undefined;
      const size = field && parent ? listSize(node, parent, field) : 1;
      return selectionsCost(objectCost, node.selectionSet.selections, named && isCompositeType(named) ? named : undefined, pageSize(node.arguments ?? [], variables), size);
    }
    if (node.kind === Kind.INLINE_FRAGMENT) {
      const type = node.typeCondition ? typeNamed(schema, node.typeCondition.name.value) : parent;
      return selectionsCost(objectCost, node.selectionSet.selections, type, 1);
    }
    // A fragment spread: a scalar plus its fragment a level down, counted once and then from memory (as armor does).
    const name = node.name.value;
    if (fragmentCosts.has(name)) {
      const known = fragmentCosts.get(name) ?? { plain: -1, priced: -1 };
      return { plain: scalarCost + factor * known.plain, priced: scalarCost + factor * known.priced };
    }
    fragmentCosts.set(name, null);
    const fragment = context.getFragment(name);
    if (!fragment) return { plain: scalarCost, priced: scalarCost };
    const cost = fragmentCost(fragment);
    fragmentCosts.set(name, cost);
    return { plain: scalarCost + factor * cost.plain, priced: scalarCost + factor * cost.priced };
  };

  const root = operation.operation === 'query' ? schema.getQueryType() : operation.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
  const total = { plain: 0, priced: 0 };
  for (const child of operation.selectionSet.selections) {
    const c = selectionCost(child, root ?? undefined);
    total.plain += c.plain;
    total.priced += c.priced;
  }
  return total;
}

/** armor's multiplier: the first `first` or `last` argument, if it is an integer above 1 (a literal, or a variable when the variables are known). */
function pageSize(args: readonly ArgumentNode[], variables: ReadonlyMap<string, unknown> | null): number {
  const arg = args.find((a) => a.name.value === 'first' || a.name.value === 'last');
  if (!arg) return 1;
  if (arg.value.kind === Kind.INT) return Math.max(parseInt(arg.value.value, 10) || 1, 1);
  if (arg.value.kind === Kind.VARIABLE && variables) {
    const value = variables.get(arg.value.name.value);
    return typeof value === 'number' && Number.isFinite(value) ? Math.max(Math.floor(value), 1) : 1;
  }
  return 1;
}

/** A cost as a whole number in digits (a cost past 2^53 would print as 8.8e+21, which reads as 8.8). */
export const costFigure = (cost: number): string => Math.round(cost).toLocaleString('en-US', { useGrouping: false });

/** The number of items of a list argument: a literal list, or a variable when the variables are known; null when unknown. */
function listLength(arg: ArgumentNode, variables: ReadonlyMap<string, unknown> | null): number | null {
  if (arg.value.kind === Kind.LIST) return arg.value.values.length;
  if (arg.value.kind === Kind.VARIABLE && variables) {
    const value = variables.get(arg.value.name.value);
    return Array.isArray(value) ? value.length : 1;
  }
  return null;
}

/** The operation's variables with their declared defaults filled in; null when the request's variables are not known (validation). */
function variableValues(operation: OperationDefinitionNode, given: Readonly<Record<string, unknown>> | undefined): ReadonlyMap<string, unknown> | null {
  if (!given) return null;
  const values = new Map<string, unknown>();
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    if (given[name] !== undefined && given[name] !== null) values.set(name, given[name]);
    else if (definition.defaultValue?.kind === Kind.INT) values.set(name, parseInt(definition.defaultValue.value, 10));
  }
  return values;
}

function typeNamed(schema: GraphQLSchema, name: string): GraphQLCompositeType | undefined {
  const type = schema.getType(name);
  return type && isCompositeType(type) ? type : undefined;
}
