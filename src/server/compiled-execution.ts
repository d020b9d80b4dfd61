import { getOperationAST, type DocumentNode, type ExecutionArgs, type ExecutionResult, type GraphQLError, type OperationDefinitionNode, type Source } from 'graphql';
import { getVariableValues } from 'graphql/execution/values.js';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from '../logger.js';

/**
 * Queries run as compiled code (graphql-jit) instead of graphql-js's interpreter, which walks the
 * document again for every object of a list: a page of 4,000 extensions cost it about 40 ms
 * before any resolver ran, compiled code about 1 ms. A field without a resolver of its own is a
 * property read.
 *
 * A document is compiled on its first execution (1–5 ms) and the code is kept with the parsed
 * document, which yoga caches by its text. What a client sees stays graphql-js's: variables are
 * checked by graphql-js first (its messages), and errors carry the document and offsets that
 * graphql-js errors carry through their nodes, so masked errors keep their locations.
 * Mutations and subscriptions stay on graphql-js: a mutation returns one object, and
 * subscriptions are executed once per event by shared-subscriptions.ts. A document graphql-jit
 * cannot compile runs on graphql-js.
 */
export function compiledExecution(log: Logger): Plugin {
  const compiled = new WeakMap<DocumentNode, Map<string, Compiled | null>>();
  const compiledFor = (args: ExecutionArgs, operation: OperationDefinitionNode): Compiled | null => {
    let byOperation = compiled.get(args.document);
    if (!byOperation) compiled.set(args.document, (byOperation = new Map()));
    const operationName = args.operationName ?? '';
    let query = byOperation.get(operationName);
    if (query === undefined) {
      query = compileOperation(args, operation, log);
      byOperation.set(operationName, query);
    }
    return query;
  };
  return {
    onExecute({ args, setExecuteFn }) {
      const operation = getOperationAST(args.document, args.operationName);
      if (operation?.operation !== 'query') return;
      const query = compiledFor(args, operation);
      if (query) setExecuteFn((run) => query.run(run) as ReturnType<typeof import('graphql').execute>);
    },
  };
}

export type Compiled = { run(args: ExecutionArgs): ExecutionResult | Promise<ExecutionResult> };

/** The compiled operation, or null when graphql-jit cannot compile it. */
export function compileOperation(args: ExecutionArgs, operation: OperationDefinitionNode, log: Logger): Compiled | null {
  let query: CompiledQuery;
  try {
    const result = compileQuery(args.schema, args.document, args.operationName ?? undefined);
    if (!isCompiledQuery(result)) {
      log.warn({ errors: result.errors?.map((e) => e.message) }, 'query not compiled; it runs on graphql-js');
      return null;
    }
    query = result;
  } catch (err) {
    log.warn({ err }, 'query not compiled; it runs on graphql-js');
    return null;
  }
  const source = args.document.loc?.source;
  const lineStarts = source ? startsOfLines(source) : [];
  const located = (result: ExecutionResult): ExecutionResult => {
    if (source) for (const error of result.errors ?? []) locate(error, source, lineStarts);
    return result;
  };
  return {
    run(run) {
      const variables = getVariableValues(run.schema, operation.variableDefinitions ?? [], run.variableValues ?? {});
      if (variables.errors) return { errors: variables.errors };
      const result = query.query(run.rootValue, run.contextValue, run.variableValues ?? {});
      return result instanceof Promise ? result.then(located) : located(result);
    },
  };
}

/** Gives an error of compiled code (locations, no nodes) the document and offsets its locations come from. */
function locate(error: GraphQLError, source: Source, lineStarts: number[]): void {
  if (error.nodes || error.positions || !error.locations?.length) return;
  const positions = error.locations.map(({ line, column }) => (lineStarts[line - 1] ?? 0) + column - 1);
  Object.defineProperties(error, { source: { value: source }, positions: { value: positions } });
}

/** The offset of each line of a document (lines end as graphql-js counts them: \r\n, \n or \r). */
function startsOfLines(source: Source): number[] {
  const starts = [0];
  for (const match of source.body.matchAll(/\r\n|[\n\r]/g)) starts.push(match.index + match[0].length);
  return starts;
}
