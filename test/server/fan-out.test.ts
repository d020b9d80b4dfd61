import type { ExecutionResult } from 'graphql';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DeliveryCount, FanOut, type SubscriptionSocket } from '../../src/server/fan-out.js';
import type { SharedStreamSpec } from '../../src/resolvers/shared-stream.js';

type Status = { n: string; s: string };

/** Changes pushed by the test; knows whether the fan-out closed them. */
class Changes<T> implements AsyncIterator<T> {
  private queue: T[] = [];
  private waiting: { resolve(r: IteratorResult<T>): void; reject(e: unknown): void } | null = null;
  opened = 0;
  closed = 0;

  push(value: T): void {
    if (this.waiting) {
      const { resolve } = this.waiting;
      this.waiting = null;
      resolve({ value, done: false });
    } else this.queue.push(value);
  }

  fail(error: Error): void {
    this.waiting?.reject(error);
    this.waiting = null;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.queue.length) return Promise.resolve({ value: this.queue.shift()!, done: false });
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  return(): Promise<IteratorResult<T>> {
    this.closed += 1;
    this.waiting?.resolve({ value: undefined, done: true });
    this.waiting = null;
    return Promise.resolve({ value: undefined, done: true });
  }
}

/** A graphql-ws socket as the fan-out sees it; `messages()` reassembles the fragments of each message. */
function fakeSocket(id: string) {
  const frames: { data: string | Buffer; fin: boolean; text: boolean }[] = [];
  const socket = {
    bufferedAmount: 0,
    readyState: 1,
    OPEN: 1,
    send(data: string | Buffer, options?: { fin?: boolean; binary?: boolean }) {
      frames.push({ data, fin: options?.fin ?? true, text: typeof data === 'string' || options?.binary === false });
    },
  };
  const connection = { corked: 0, cork: () => (connection.corked += 1), uncork: () => (connection.corked -= 1) };
  const messages = () => {
    const out: any[] = [];
    let text = '';
    for (const frame of frames) {
      text += String(frame.data);
      if (frame.fin) {
        out.push(JSON.parse(text));
        text = '';
      }
    }
    return out;
  };
  const sink = { id, socket, connection } as unknown as SubscriptionSocket;
  return { sink, socket, connection, frames, messages, states: () => messages().map((m) => `${m.payload.data.s.n}:${m.payload.data.s.s}`) };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A fan-out of statuses keyed by number; `run` counts its executions. */
function statusFanOut(current: Status[] = []) {
  const changes = new Changes<Status>();
  const executed: unknown[] = [];
  const run = (payload: unknown): ExecutionResult => {
    executed.push(payload);
    const status = payload as Status;
    return status.s === 'BAD' ? { data: { s: null }, errors: [{ message: 'bad' } as never] } : { data: { s: status } };
  };
  const spec: SharedStreamSpec<Status> = {
    changes: () => {
      changes.opened += 1;
      return changes;
    },
    current: () => current,
    key: (status) => status.n,
  };
  let closed = 0;
  const fanOut = new FanOut(spec, run, () => (closed += 1));
  const deliveries = new DeliveryCount(() => undefined);
  const join = (sink?: SubscriptionSocket) => fanOut.join(spec, run, sink, deliveries);
  return { changes, executed, join, closed: () => closed };
}

afterEach(() => vi.restoreAllMocks());

describe('fan-out of a shared stream', () => {
  it('executes and serialises each event once, and writes it to every subscriber after its current state, as graphql-ws next messages', async () => {
    const { changes, executed, join } = statusFanOut([{ n: '100', s: 'ONLINE' }]);
    const a = fakeSocket('a');
    const b = fakeSocket('b');
    await join(a.sink);
    await join(b.sink);
    const stringify = vi.spyOn(JSON, 'stringify');
    const event = { n: '101', s: 'BUSY' };
    changes.push(event);
    await tick();
    expect(a.messages()).toEqual([
      { id: 'a', type: 'next', payload: { data: { s: { n: '100', s: 'ONLINE' } } } },
      { id: 'a', type: 'next', payload: { data: { s: { n: '101', s: 'BUSY' } } } },
    ]);
    expect(b.states()).toEqual(['100:ONLINE', '101:BUSY']);
    // Text frames, as graphql-ws sends them.
    expect(a.frames.every((f) => f.text)).toBe(true);
    expect(executed.filter((p) => p === event)).toHaveLength(1);
    expect(stringify.mock.calls.filter(([value]) => (value as ExecutionResult)?.data?.s === event)).toHaveLength(1);
  });

  it('a subscriber whose socket is behind gets the latest of each key (in the place of the first) once it has room, and holds back no one', async () => {
    const { changes, join } = statusFanOut();
    const slow = fakeSocket('slow');
    const fast = fakeSocket('fast');
    await join(slow.sink);
    await join(fast.sink);
    slow.socket.bufferedAmount = 10 * 1024 * 1024;
    for (const [n, s] of [
      ['100', 'RINGING'],
      ['101', 'ONLINE'],
      ['100', 'BUSY'],
      ['100', 'ONLINE'],
    ]) {
      changes.push({ n: n!, s: s! });
      await tick();
    }
    expect(fast.states()).toEqual(['100:RINGING', '101:ONLINE', '100:BUSY', '100:ONLINE']);
    expect(slow.states()).toEqual([]);
    slow.socket.bufferedAmount = 0;
    await sleep(60);
    expect(slow.states()).toEqual(['100:ONLINE', '101:ONLINE']);
  });

  it('merges what a subscriber behind has not taken yet, and executes the merged payload for it alone', async () => {
    type Batch = { items: string[] };
    const changes = new Changes<Batch>();
    const executed: Batch[] = [];
    const run = (payload: unknown): ExecutionResult => (executed.push(payload as Batch), { data: { items: (payload as Batch).items } });
    const spec: SharedStreamSpec<Batch> = { changes: () => changes, current: () => [], merge: (older, newer) => ({ items: [...older.items, ...newer.items] }) };
    const fanOut = new FanOut(spec, run, () => undefined);
    const slow = fakeSocket('slow');
    const fast = fakeSocket('fast');
    const deliveries = new DeliveryCount(() => undefined);
    await fanOut.join(spec, run, slow.sink, deliveries);
    await fanOut.join(spec, run, fast.sink, deliveries);
    slow.socket.bufferedAmount = 10 * 1024 * 1024;
    changes.push({ items: ['1'] });
    await tick();
    changes.push({ items: ['2'] });
    await tick();
    slow.socket.bufferedAmount = 0;
    await sleep(60);
    expect(fast.messages().map((m) => m.payload.data.items)).toEqual([['1'], ['2']]);
    expect(slow.messages().map((m) => m.payload.data.items)).toEqual([['1', '2']]);
    expect(executed.map((b) => b.items)).toEqual([['1'], ['2'], ['1', '2']]);
  });

  it("a result with errors goes through the transport's loop (where errors are masked), and what follows waits for it", async () => {
    const { changes, join } = statusFanOut();
    const a = fakeSocket('a');
    const subscriber = await join(a.sink);
    const first = subscriber.next();
    changes.push({ n: '100', s: 'ONLINE' });
    await tick();
    changes.push({ n: '101', s: 'BAD' });
    await tick();
    changes.push({ n: '102', s: 'BUSY' });
    await tick();
    expect(a.states()).toEqual(['100:ONLINE']);
    expect((await first).value).toMatchObject({ errors: [{ message: 'bad' }] });
    // The loop asks again once it has sent the result with errors: then the rest goes out, in order.
    const second = subscriber.next();
    await tick();
    expect(a.states()).toEqual(['100:ONLINE', '102:BUSY']);
    await subscriber.return!();
    expect(await second).toEqual({ value: undefined, done: true });
  });

  it('without a socket (SSE) every result goes through the loop, one at a time, conflated while the loop is busy', async () => {
    const { changes, join } = statusFanOut([{ n: '100', s: 'OFFLINE' }]);
    const subscriber = await join(undefined);
    expect((await subscriber.next()).value).toEqual({ data: { s: { n: '100', s: 'OFFLINE' } } });
    for (const [n, s] of [
      ['100', 'RINGING'],
      ['101', 'ONLINE'],
      ['100', 'BUSY'],
    ]) {
      changes.push({ n: n!, s: s! });
      await tick();
    }
    // The loop had not asked again: 100 went from RINGING to BUSY meanwhile, and only BUSY is left to send.
    expect((await subscriber.next()).value).toEqual({ data: { s: { n: '100', s: 'BUSY' } } });
    expect((await subscriber.next()).value).toEqual({ data: { s: { n: '101', s: 'ONLINE' } } });
    changes.push({ n: '101', s: 'OFFLINE' });
    expect((await subscriber.next()).value).toEqual({ data: { s: { n: '101', s: 'OFFLINE' } } });
  });

  it('reads the changes while anyone listens: the last subscriber to leave closes them', async () => {
    const { changes, join, closed } = statusFanOut();
    const a = await join(fakeSocket('a').sink);
    const b = await join(fakeSocket('b').sink);
    expect(changes.opened).toBe(1);
    await a.return!();
    expect(changes.closed).toBe(0);
    await b.return!();
    expect(changes.closed).toBe(1);
    expect(closed()).toBeGreaterThanOrEqual(1);
  });

  it('a failure of the changes reaches every subscriber as an error of its loop', async () => {
    const { changes, join } = statusFanOut();
    const a = await join(fakeSocket('a').sink);
    const b = await join(undefined);
    const waiting = [a.next(), b.next()];
    changes.fail(new Error('bus gone'));
    for (const next of waiting) await expect(next).rejects.toThrow('bus gone');
  });

  it('sends a large result as fragments around one copy shared by every subscriber', async () => {
    const { changes, join } = statusFanOut();
    const a = fakeSocket('a');
    const b = fakeSocket('b');
    await join(a.sink);
    await join(b.sink);
    const big = 'x'.repeat(64 * 1024);
    changes.push({ n: '100', s: big });
    await tick();
    expect(a.frames.map((f) => f.fin)).toEqual([false, false, true]);
    expect(a.frames[0]!.text).toBe(true);
    expect(Buffer.isBuffer(a.frames[1]!.data)).toBe(true);
    expect(a.frames[1]!.data).toBe(b.frames[1]!.data);
    expect(a.messages()[0]).toEqual({ id: 'a', type: 'next', payload: { data: { s: { n: '100', s: big } } } });
  });

  it('writes a lone message at once, and holds the ones after it in the same turn of the event loop to let them go together at its end', async () => {
    const { changes, join } = statusFanOut();
    const a = fakeSocket('a');
    const cork = vi.spyOn(a.connection, 'cork');
    await join(a.sink);
    changes.push({ n: '099', s: 'ONLINE' });
    await tick();
    expect(a.states()).toEqual(['099:ONLINE']);
    expect(cork).not.toHaveBeenCalled();
    changes.push({ n: '100', s: 'ONLINE' });
    changes.push({ n: '101', s: 'ONLINE' });
    changes.push({ n: '102', s: 'ONLINE' });
    await tick();
    expect(a.states()).toEqual(['099:ONLINE', '100:ONLINE', '101:ONLINE', '102:ONLINE']);
    expect(cork).toHaveBeenCalledTimes(1);
    expect(a.connection.corked).toBe(0);
  });
});
