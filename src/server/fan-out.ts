import type { ExecutionResult } from 'graphql';
import type { Socket as NetSocket } from 'node:net';
import type { WebSocket } from 'ws';
import type { SharedStreamSpec } from '../resolvers/shared-stream.js';
import { utf8Bytes } from './utf8-bytes.js';

export type Result = ExecutionResult | Promise<ExecutionResult>;
/** Where a graphql-ws subscription's messages go: its WebSocket, the TCP connection under it, and the subscription's id. */
export type SubscriptionSocket = { id: string; socket: Pick<WebSocket, 'bufferedAmount' | 'readyState' | 'OPEN' | 'send'>; connection: Pick<NetSocket, 'cork' | 'uncork'> };

/** Results written to sockets, counted into the metrics once per turn of the event loop rather than once per write. */
export class DeliveryCount {
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

/** The longest a burst of events is fanned out before the event loop turns. */
const SLICE_MS = 50;

/**
 * The subscribers of one document, variables and scope: one reader of the
 * changes for all, started with the first subscriber and closed with the last.
 * Results reach the subscribers in the order of the events.
 */
export class FanOut {
  private readonly subscribers = new Set<Subscriber>();
  private changes: AsyncIterator<unknown> | null = null;

  constructor(
    private readonly spec: SharedStreamSpec<unknown>,
    private readonly run: (payload: unknown) => Result,
    private readonly onClosed: () => void,
  ) {}

  /** A subscriber in from now on; its current state is read after it is in and sent before anything else. */
  async join(spec: SharedStreamSpec<unknown>, run: (payload: unknown) => Result, socket: SubscriptionSocket | undefined, deliveries: DeliveryCount): Promise<AsyncIterableIterator<ExecutionResult>> {
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
      let slice = performance.now();
      while (this.subscribers.size) {
        const next = await changes.next();
        if (next.done) break;
        const pending = this.run(next.value);
        // Awaited in turn: the subscribers get the results in the order of the events.
        const result = pending instanceof Promise ? await pending : pending;
        for (const subscriber of this.subscribers) subscriber.push(next.value, result);
        // A burst is fanned out in slices: between them the held writes go out and the rest of the server has its turn.
        if (performance.now() - slice > SLICE_MS) {
          await new Promise((resolve) => setImmediate(resolve));
          slice = performance.now();
        }
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

/**
 * Bytes a socket may hold unsent before its subscriber counts as behind and
 * what it has not taken yet is conflated. What waits in sockets is held by the
 * server: at 256 KB, 1,000 subscribers starting on 2,000 extensions held 440 MB
 * of live heap; at 64 KB about 110 MB, and they started sooner.
 */
const SOCKET_HIGH_WATER = 64 * 1024;
/** How often a subscriber behind looks whether its socket has room again. */
const RETRY_MS = 20;
/** Serialised results above this size are sent as fragments around the one shared copy instead of one copy per subscriber. */
const FRAGMENT_BYTES = 16 * 1024;

/** Each result serialised once, whatever the number of subscribers it is written to. */
const serialised = new WeakMap<ExecutionResult, Buffer>();
function serialise(result: ExecutionResult): Buffer {
  let json = serialised.get(result);
  if (json === undefined) serialised.set(result, (json = utf8Bytes(JSON.stringify(result))));
  return json;
}
const MESSAGE_END = Buffer.from('}');

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
  private readonly head: Buffer;

  constructor(
    spec: SharedStreamSpec<unknown>,
    private readonly run: (payload: unknown) => Result,
    private readonly socket: SubscriptionSocket | undefined,
    private readonly deliveries: DeliveryCount,
    private readonly onReturn: () => void,
  ) {
    this.backlog = new Backlog(spec);
    this.head = Buffer.from(socket ? `{"id":${JSON.stringify(socket.id)},"type":"next","payload":` : '');
  }

  start(initial: unknown[]): void {
    this.initial = initial;
    this.drain();
  }

  push(payload: unknown, result: ExecutionResult): void {
    if (this.closed || this.ended) return;
    // The common case, a subscriber keeping up: straight to its socket.
    if (this.socket && !result.errors && !this.inLoop && this.initial !== null && !this.hasMore() && this.socket.socket.bufferedAmount <= SOCKET_HIGH_WATER) {
      this.write(this.socket, result);
      return;
    }
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
  private write({ socket, connection }: SubscriptionSocket, result: ExecutionResult): void {
    if (socket.readyState !== socket.OPEN) return;
    const json = serialise(result);
    holdUntilTickEnd(connection);
    // Text frames, as graphql-ws sends.
    if (json.length <= FRAGMENT_BYTES) {
      socket.send(Buffer.concat([this.head, json, MESSAGE_END], this.head.length + json.length + 1), { binary: false });
    } else {
      socket.send(this.head, { binary: false, fin: false });
      socket.send(json, { fin: false });
      socket.send(MESSAGE_END, { fin: true });
    }
    this.deliveries.add();
  }
}

/**
 * The first message written to a connection in a turn of the event loop goes
 * out at once (a lone event is not held back); the ones after it in the same
 * turn are held and go out together, in one system call, at its end: a burst
 * of events makes one write per connection and turn instead of one per event.
 */
const writtenThisTurn = new WeakMap<object, 'written' | 'held'>();
function holdUntilTickEnd(connection: SubscriptionSocket['connection']): void {
  const state = writtenThisTurn.get(connection);
  if (state === 'held') return;
  if (state === 'written') {
    writtenThisTurn.set(connection, 'held');
    connection.cork();
    return;
  }
  writtenThisTurn.set(connection, 'written');
  process.nextTick(() => {
    if (writtenThisTurn.get(connection) === 'held') connection.uncork();
    writtenThisTurn.delete(connection);
  });
}

function iteratorResult(result: Result): Promise<IteratorResult<ExecutionResult>> {
  return result instanceof Promise ? result.then((value) => ({ value, done: false })) : Promise.resolve({ value: result, done: false });
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
