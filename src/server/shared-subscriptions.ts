import { createSourceEventStream, execute, getOperationAST, Kind, type DocumentNode, type ExecutionArgs } from 'graphql';
import { mapAsyncIterator } from 'graphql/execution/mapAsyncIterator.js';
import type { Plugin } from 'graphql-yoga';
import type { Socket as NetSocket } from 'node:net';
import type { WebSocket } from 'ws';
import type { Context } from '../resolvers/context.js';
import { sharedStreamSpec } from '../resolvers/shared-stream.js';
import { DeliveryCount, FanOut, type Result, type SubscriptionSocket } from './fan-out.js';

const sockets = new WeakMap<object, SubscriptionSocket>();

/**
 * Lets the subscription whose context is `contextValue` write its results
 * straight to its graphql-ws socket (see fan-out.ts). Without it (SSE), they go
 * through the transport's own loop.
 */
export function subscriptionSocket(contextValue: object, id: string, socket: WebSocket, connection: NetSocket): void {
  sockets.set(contextValue, { id, socket, connection });
}

/**
 * graphql-js executes a subscription's selection set once per event and per
 * subscriber. Subscribers that sent the same document and variables with the
 * same rights would all compute the same result: it is computed once for them
 * and shared.
 *
 * A shared stream (src/resolvers/shared-stream.ts) goes further: its changes
 * are read once for all such subscribers (one fan-out), each event is executed
 * once, serialised once and written to every subscriber's socket, like a plain
 * WebSocket relay would; a subscriber that falls behind has what it has not
 * taken yet conflated. Each subscriber still runs its own `subscribe` resolver
 * (its rights check and its filter) and gets its own current state first.
 * Other subscriptions keep their own event streams; an event that is one
 * object for all of them is executed once.
 */
export function sharedSubscriptionExecution(): Plugin<Context> {
  const results = new WeakMap<object, Map<string | number, Result>>();
  // A shared stream's key holds the variables, which can be long (thousands of numbers): compared once when a subscriber joins, then named by a number.
  const keyIds = new Map<string, number>();
  let lastKeyId = 0;
  const fanOuts = new Map<number, FanOut>();
  const deliveries = new Map<string, DeliveryCount>();
  const documentIds = new WeakMap<DocumentNode, number>();
  let lastDocumentId = 0;
  const documentId = (document: DocumentNode) => {
    let id = documentIds.get(document);
    if (id === undefined) documentIds.set(document, (id = ++lastDocumentId));
    return id;
  };
  const executeOnce = (args: ExecutionArgs, key: string | number, payload: unknown): Result => {
    if (payload === null || typeof payload !== 'object') return execute({ ...args, rootValue: payload });
    let byKey = results.get(payload);
    if (!byKey) results.set(payload, (byKey = new Map()));
    let result = byKey.get(key);
    if (!result) byKey.set(key, (result = execute({ ...args, rootValue: payload })));
    return result;
  };
  const deliveryCount = (ctx: Context, args: ExecutionArgs) => {
    const field = rootField(args);
    let count = deliveries.get(field);
    if (!count) deliveries.set(field, (count = new DeliveryCount((n) => ctx.services.metrics.subscriptionDeliveries.inc({ field }, n))));
    return count;
  };

  return {
    onSubscribe({ setSubscribeFn }) {
      setSubscribeFn(async (args: ExecutionArgs) => {
        const source = await createSourceEventStream(args);
        if (!(Symbol.asyncIterator in source)) return source;
        const ctx = args.contextValue as Context;
        const key = `${documentId(args.document)}\u0000${args.operationName ?? ''}\u0000${JSON.stringify(args.variableValues ?? {})}\u0000${scopeOf(ctx)}`;
        const spec = sharedStreamSpec(source);
        if (!spec) return mapAsyncIterator(source, (payload: unknown) => executeOnce(args, key, payload));
        let keyId = keyIds.get(key);
        if (keyId === undefined) keyIds.set(key, (keyId = ++lastKeyId));
        const run = (payload: unknown) => executeOnce(args, keyId, payload);
        let fanOut = fanOuts.get(keyId);
        if (!fanOut) {
          const created = new FanOut(spec, run, () => {
            if (fanOuts.get(keyId) !== created) return;
            fanOuts.delete(keyId);
            keyIds.delete(key);
          });
          fanOuts.set(keyId, (fanOut = created));
        }
        return fanOut.join(spec, run, sockets.get(ctx), deliveryCount(ctx, args));
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

/** The operation's first root field, as the metrics name subscriptions. */
function rootField(args: ExecutionArgs): string {
  const operation = getOperationAST(args.document, args.operationName);
  const field = operation?.selectionSet.selections.find((s) => s.kind === Kind.FIELD && s.name.value !== '__typename');
  return field?.kind === Kind.FIELD ? field.name.value : '__typename';
}
