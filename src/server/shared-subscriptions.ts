import { createSourceEventStream, execute, type DocumentNode, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { mapAsyncIterator } from 'graphql/execution/mapAsyncIterator.js';
import type { Plugin } from 'graphql-yoga';
import type { Context } from '../resolvers/context.js';

type Result = ExecutionResult | Promise<ExecutionResult>;

/**
 * graphql-js executes a subscription's selection set once per event and per
 * subscriber. The bus hands every subscriber of a topic the same event
 * object, so subscribers that sent the same document and variables with the
 * same rights would all compute the same result: it is computed once for
 * them and shared. Each subscriber still runs its own `subscribe` resolver
 * (its filter, its rights check and its current state first); only events
 * that are one shared object are shared.
 */
export function sharedSubscriptionExecution(): Plugin<Context> {
  const results = new WeakMap<object, Map<string, Result>>();
  const documentIds = new WeakMap<DocumentNode, number>();
  let lastDocumentId = 0;
  const documentId = (document: DocumentNode) => {
    let id = documentIds.get(document);
    if (id === undefined) documentIds.set(document, (id = ++lastDocumentId));
    return id;
  };

  return {
    onSubscribe({ setSubscribeFn }) {
      setSubscribeFn(async (args: ExecutionArgs) => {
        const source = await createSourceEventStream(args);
        if (!(Symbol.asyncIterator in source)) return source;
        const key = `${documentId(args.document)}\u0000${args.operationName ?? ''}\u0000${JSON.stringify(args.variableValues ?? {})}\u0000${scopeOf(args.contextValue as Context)}`;
        return mapAsyncIterator(source, (payload: unknown) => {
          if (payload === null || typeof payload !== 'object') return execute({ ...args, rootValue: payload });
          let byKey = results.get(payload);
          if (!byKey) results.set(payload, (byKey = new Map()));
          let result = byKey.get(key);
          if (!result) byKey.set(key, (result = execute({ ...args, rootValue: payload })));
          return result;
        });
      });
    },
  };
}

/** Callers whose results are the same for the same document: one extension user, or accounts and keys with the same rights. */
function scopeOf(ctx: Context | undefined): string {
  const p = ctx?.principal;
  if (!p) return 'anonymous';
  if (p.kind === 'extension') return `extension:${p.id}`;
  const permissions = [...p.permissions].sort().join(',');
  return p.kind === 'account' ? `account:${p.role}:${p.extensionId ?? ''}:${permissions}` : `apiKey:${permissions}`;
}
