import type { EventBus } from '../../events/bus.js';
import type { Call, CallEvent } from '../contract.js';

/** Events a subscriber has not taken yet, at most; beyond it the oldest go (as on the bus). */
const MAX_PENDING = 1000;

/** What a subscriber wants: calls in which one of `extensions` takes part (null: any call), and passing `test`. */
export type CallWatch = { extensions: readonly string[] | null; test: (call: Call) => boolean };

/** One subscriber's queue of events, read as an async iterator. */
class HubSubscription implements AsyncIterableIterator<CallEvent> {
  private readonly queue: CallEvent[] = [];
  private waiting: ((result: IteratorResult<CallEvent>) => void) | null = null;
  private closed = false;

  constructor(
    readonly watch: CallWatch,
    private readonly onClose: (subscription: HubSubscription) => void,
  ) {}

  push(event: CallEvent): void {
    if (this.closed) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = null;
      resolve({ value: event, done: false });
      return;
    }
    this.queue.push(event);
    if (this.queue.length > MAX_PENDING) this.queue.shift();
  }

  next(): Promise<IteratorResult<CallEvent>> {
    const event = this.queue.shift();
    if (event) return Promise.resolve({ value: event, done: false });
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiting = resolve));
  }

  return(): Promise<IteratorResult<CallEvent>> {
    if (!this.closed) {
      this.closed = true;
      this.queue.length = 0;
      this.waiting?.({ value: undefined, done: true });
      this.waiting = null;
      this.onClose(this);
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator]() {
    return this;
  }
}

/**
 * Hands the bus's call events to the subscribers that want them: one
 * subscription to the bus for the whole process, and an index of subscribers
 * by extension, so an event wakes only the subscribers of the extensions
 * that take part in its call (and those who watch every call) instead of
 * every subscriber. Each subscriber gets every event it wants, in order, none
 * conflated (a screen-pop acts on RINGING).
 */
export class CallEventHub {
  private readonly everyCall = new Set<HubSubscription>();
  private readonly byExtension = new Map<string, Set<HubSubscription>>();
  private following: (AsyncIterableIterator<CallEvent> & { return?(): Promise<IteratorResult<CallEvent>> }) | null = null;

  constructor(private readonly bus: EventBus) {}

  subscribe(watch: CallWatch): AsyncIterableIterator<CallEvent> {
    this.follow();
    const subscription = new HubSubscription(watch, (s) => this.remove(s));
    if (!watch.extensions) this.everyCall.add(subscription);
    for (const extension of watch.extensions ?? []) {
      const set = this.byExtension.get(extension) ?? new Set();
      set.add(subscription);
      this.byExtension.set(extension, set);
    }
    return subscription;
  }

  /** Subscribers now (for tests and metrics). */
  size(): number {
    const all = new Set(this.everyCall);
    for (const set of this.byExtension.values()) for (const s of set) all.add(s);
    return all.size;
  }

  private follow(): void {
    if (this.following) return;
    const events = this.bus.subscribe('call', { lossless: true });
    this.following = events;
    void (async () => {
      for await (const event of events) this.deliver(event);
    })();
  }

  private deliver(event: CallEvent): void {
    const candidates = new Set(this.everyCall);
    for (const extension of event.call.extensions) for (const s of this.byExtension.get(extension) ?? []) candidates.add(s);
    for (const subscription of candidates) if (subscription.watch.test(event.call)) subscription.push(event);
  }

  private remove(subscription: HubSubscription): void {
    this.everyCall.delete(subscription);
    for (const extension of subscription.watch.extensions ?? []) {
      const set = this.byExtension.get(extension);
      set?.delete(subscription);
      if (set && !set.size) this.byExtension.delete(extension);
    }
  }
}
