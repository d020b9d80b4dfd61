import { createSourceEventStream, execute, getOperationAST, Kind, type DocumentNode, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { mapAsyncIterator } from 'graphql/execution/mapAsyncIterator.js';
import type { Plugin } from 'graphql-yoga';
import type { Socket as NetSocket } from 'node:net';
import type { WebSocket } from 'ws';
import type { Context } from '../resolvers/context.js';
import { sharedStreamSpec, type SharedStreamSpec } from '../resolvers/shared-stream.js';

type Result = ExecutionResult | Promise<ExecutionResult>;
/** Where a graphql-ws subscription's messages go: its WebSocket, the TCP connection under it, and the subscription's id. */
type Socket = { id: string; socket: WebSocket; connection: NetSocket };

const sockets = new WeakMap<object, Socket>();

/**
 * Lets the subscription whose context is `contextValue` write its results
 * straight to its graphql-ws socket (see Subscriber). Without it (SSE), they go
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

/** Results written to sockets, counted into the metrics once per turn of the event loop rather than once per write. */
class DeliveryCount {
  private count = 0;
  private scheduled = false;

  constructor(private readonly flush: (n: number) => void) {}

  add(): void {
    this.count += 1;
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const n = this.count;
      this.count = 0;
      this.flush(n);
    });
  }
}

/**
 * The subscribers of one document, variables and scope: one reader of the
 * changes for all, started with the first subscriber and closed with the last.
 * Results reach the subscribers in the order of the events.
 */
class FanOut {
  private readonly subscribers = new Set<Subscriber>();
  private changes: AsyncIterator<unknown> | null = null;

  constructor(
    private readonly spec: SharedStreamSpec<unknown>,
    private readonly run: (payload: unknown) => Result,
    private readonly onClosed: () => void,
  ) {}

  /** A subscriber in from now on; its current state is read after it is in and sent before anything else. */
  async join(spec: SharedStreamSpec<unknown>, run: (payload: unknown) => Result, socket: Socket | undefined, deliveries: DeliveryCount): Promise<AsyncIterableIterator<ExecutionResult>> {
    const subscriber = new Subscriber(this.spec, run, socket, deliveries, () => this.leave(subscriber));
    this.subscribers.add(subscriber);
    if (!this.changes) void this.read((this.changes = this.spec.changes()));
    try {
      subscriber.start(await spec.current());
    } catch (error) {
      this.leave(subscriber);
      throw error;
    }
    return subscriber;
  }

  private leave(subscriber: Subscriber): void {
    if (!this.subscribers.delete(subscriber) || this.subscribers.size) return;
    this.onClosed();
    void this.changes?.return?.();
  }

  private async read(changes: AsyncIterator<unknown>): Promise<void> {
    try {
      while (this.subscribers.size) {
        const next = await changes.next();
        if (next.done) break;
        const pending = this.run(next.value);
        // Awaited in turn: the subscribers get the results in the order of the events.
        const result = pending instanceof Promise ? await pending : pending;
        for (const subscriber of this.subscribers) subscriber.push(next.value, result);
      }
      for (const subscriber of this.subscribers) subscriber.end();
    } catch (error) {
      for (const subscriber of this.subscribers) subscriber.fail(error);
    } finally {
      this.onClosed();
    }
  }
}

type Queued = { payload: unknown; result: Result | null };

/**
 * What a subscriber has not taken yet, in order and conflated: the latest of
 * each key (in the place of the first), or everything merged into one (then
 * executed for it alone).
 */
class Backlog {
  private order: string[] = [];
  private head = 0;
  private readonly byKey = new Map<string, Queued>();
  private merged: Queued | null = null;

  constructor(private readonly spec: SharedStreamSpec<unknown>) {}

  get empty(): boolean {
    return this.byKey.size === 0 && this.merged === null;
  }

  push(payload: unknown, result: Result): void {
    if (this.spec.key) {
      const key = this.spec.key(payload);
      if (!this.byKey.has(key)) this.order.push(key);
      this.byKey.set(key, { payload, result });
    } else {
      this.merged = this.merged ? { payload: this.spec.merge(this.merged.payload, payload), result: null } : { payload, result };
    }
  }

  shift(): Queued | null {
    if (this.merged) {
      const merged = this.merged;
      this.merged = null;
      return merged;
    }
    while (this.head < this.order.length) {
      const key = this.order[this.head++]!;
      const queued = this.byKey.get(key);
      if (!queued) continue;
      this.byKey.delete(key);
      if (!this.byKey.size) {
        this.order = [];
        this.head = 0;
      } else if (this.head > 1024 && this.head * 2 > this.order.length) {
        this.order = this.order.slice(this.head);
        this.head = 0;
      }
      return queued;
    }
    return null;
  }

  clear(): void {
    this.order = [];
    this.head = 0;
    this.byKey.clear();
    this.merged = null;
  }
}

/** Bytes a socket may hold unsent before its subscriber counts as behind and what it has not taken yet is conflated. */
const SOCKET_HIGH_WATER = 256 * 1024;
/** How often a subscriber behind looks whether its socket has room again. */
const RETRY_MS = 20;
/** Serialised results above this size are sent as fragments around the one shared copy instead of one copy per subscriber. */
const FRAGMENT_BYTES = 16 * 1024;

/** Each result serialised once, whatever the number of subscribers it is written to. */
const serialised = new WeakMap<ExecutionResult, string | Buffer>();
function serialise(result: ExecutionResult): string | Buffer {
  let json = serialised.get(result);
  if (json === undefined) {
    const text = JSON.stringify(result);
    serialised.set(result, (json = text.length > FRAGMENT_BYTES ? Buffer.from(text) : text));
  }
  return json;
}

type Waiting = { resolve(result: IteratorResult<ExecutionResult> | Promise<IteratorResult<ExecutionResult>>): void; reject(error: unknown): void };

/**
 * One subscriber: its current state first, then the shared results, in order.
 * Over graphql-ws a result is written straight to its socket as a `next`
 * message; one with errors (which the server's error masking must see) or
 * still being computed, and every result over SSE, goes through the
 * transport's own loop, one at a time, and nothing passes it meanwhile. While
 * the socket or the loop is busy, what the subscriber has not taken yet waits,
 * conflated.
 */
class Subscriber implements AsyncIterableIterator<ExecutionResult> {
  /** The current state, null until read. */
  private initial: unknown[] | null = null;
  private initialNext = 0;
  private readonly backlog: Backlog;
  /** A result for the transport's loop, not taken yet. */
  private handoff: Result | null = null;
  /** A result given to the transport's loop is not sent yet. */
  private inLoop = false;
  private waiting: Waiting | null = null;
  private ended = false;
  private closed = false;
  private failure: { error: unknown } | null = null;
  private retry: NodeJS.Timeout | null = null;
  /** The start of this subscription's `next` messages. */
  private readonly head: string;

  constructor(
    spec: SharedStreamSpec<unknown>,
    private readonly run: (payload: unknown) => Result,
    private readonly socket: Socket | undefined,
    private readonly deliveries: DeliveryCount,
    private readonly onReturn: () => void,
  ) {
    this.backlog = new Backlog(spec);
    this.head = socket ? `{"id":${JSON.stringify(socket.id)},"type":"next","payload":` : '';
  }

  start(initial: unknown[]): void {
    this.initial = initial;
    this.drain();
  }

  push(payload: unknown, result: ExecutionResult): void {
    if (this.closed || this.ended) return;
    this.backlog.push(payload, result);
    this.drain();
  }

  end(): void {
    this.ended = true;
    this.drain();
  }

  fail(error: unknown): void {
    this.failure = { error };
    this.waiting?.reject(asError(error));
    this.waiting = null;
  }

  /** The transport's loop asks for the next result: the one it had is sent. */
  next(): Promise<IteratorResult<ExecutionResult>> {
    if (this.handoff === null) {
      this.inLoop = false;
      this.drain();
    }
    if (this.handoff !== null) {
      const result = this.handoff;
      this.handoff = null;
      return iteratorResult(result);
    }
    if (this.failure) return Promise.reject(asError(this.failure.error));
    if (this.closed || (this.ended && !this.hasMore())) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  return(): Promise<IteratorResult<ExecutionResult>> {
    if (!this.closed) {
      this.closed = true;
      this.backlog.clear();
      this.initial = [];
      if (this.retry) clearTimeout(this.retry);
      this.waiting?.resolve({ value: undefined, done: true });
      this.waiting = null;
      this.onReturn();
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(error: unknown): Promise<IteratorResult<ExecutionResult>> {
    void this.return();
    return Promise.reject(asError(error));
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  private hasMore(): boolean {
    return (this.initial !== null && this.initialNext < this.initial.length) || !this.backlog.empty;
  }

  private take(): Queued | null {
    if (this.initial && this.initialNext < this.initial.length) return { payload: this.initial[this.initialNext++], result: null };
    return this.backlog.shift();
  }

  /** Sends what can be sent now, in order. */
  private drain(): void {
    if (this.initial === null || this.closed) return;
    while (!this.inLoop && this.hasMore()) {
      if (this.socket && this.socket.socket.bufferedAmount > SOCKET_HIGH_WATER) {
        this.retry ??= setTimeout(() => {
          this.retry = null;
          this.drain();
        }, RETRY_MS);
        return;
      }
      const { payload, result } = this.take()!;
      const value = result ?? this.run(payload);
      if (this.socket && !(value instanceof Promise) && !value.errors) this.write(this.socket, value);
      else this.toLoop(value);
    }
    if (this.ended && !this.inLoop && !this.hasMore()) {
      this.waiting?.resolve({ value: undefined, done: true });
      this.waiting = null;
    }
  }

  private toLoop(result: Result): void {
    this.inLoop = true;
    if (!this.waiting) {
      this.handoff = result;
      return;
    }
    const { resolve } = this.waiting;
    this.waiting = null;
    resolve(iteratorResult(result));
  }

  /** A graphql-ws `next` message around the result serialised once for every subscriber. */
  private write({ socket, connection }: Socket, result: ExecutionResult): void {
    if (socket.readyState !== socket.OPEN) return;
    holdUntilTickEnd(connection);
    const json = serialise(result);
    if (typeof json === 'string') {
      socket.send(`${this.head}${json}}`);
    } else {
      socket.send(this.head, { fin: false });
      socket.send(json, { fin: false });
      socket.send('}', { fin: true });
    }
    this.deliveries.add();
  }
}

/**
 * The messages written to one connection in this turn of the event loop go out
 * together, in one system call, at its end: a burst of events makes one write
 * per connection instead of one per event and subscription.
 */
const held = new WeakSet<NetSocket>();
function holdUntilTickEnd(connection: NetSocket): void {
  if (held.has(connection)) return;
  held.add(connection);
  connection.cork();
  process.nextTick(() => {
    held.delete(connection);
    connection.uncork();
  });
}

function iteratorResult(result: Result): Promise<IteratorResult<ExecutionResult>> {
  return result instanceof Promise ? result.then((value) => ({ value, done: false })) : Promise.resolve({ value: result, done: false });
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
