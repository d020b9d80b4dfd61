import { Redis } from 'ioredis';
import { createLogger, type Logger } from '../logger.js';

import type { ExtensionStatus } from '../pbx/live/status.js';
import type { TrunkStatus } from '../pbx/live/trunk-status.js';
import type { ApplyReportJson } from '../services.js';

/** Topics of the bus and their payloads. Payloads are JSON-safe (they may cross Redis). */
export type BusTopics = {
  pbxApplied: ApplyReportJson;
  extensionStatus: ExtensionStatus;
  trunkStatus: TrunkStatus;
  /** A configuration change made on any instance, for the one that applies. */
  configChanged: { source: string; scope?: import('../pbx/apply/applier.js').ChangeScope };
  /** An address banned or unbanned (F-7.7.3). */
  ipBan: import('../security/service.js').IpBanEvent;
  /** Office pause switched (by the API or a phone) or its destination changed (F-4.2.4.a). */
  officePause: import('../office-pause/service.js').OfficePauseState;
  /** An inbound call started, changed state or ended. */
  inboundCall: import('../pbx/live/calls.js').InboundCall;
  /** The live state of a queue changed (issue 11). */
  queueState: import('../queues/live/state.js').QueueLiveState;
  /** A live call started, changed or ended (issue 10). */
  call: import('../calls/contract.js').CallEvent;
  /** A call record was imported (F-5.2). */
  callRecord: import('../records/contract.js').CallRecordJson;
  /** A mailbox's messages changed: one arrived, was read or deleted. */
  voicemail: import('../voicemail/contract.js').MailboxChange;
  /** Extensions deleted or renumbered on any instance, for the one that keeps astdb's keys by number. */
  extensionNumbers: import('../extensions/number-changes.js').NumberChanges;
};
export type BusTopic = keyof BusTopics;

/**
 * State topics conflate per key: a subscriber that falls behind gets the
 * latest state of each key, not every intermediate change, so no subscriber
 * can make the server hold an unbounded backlog or slow the others.
 */
const conflationKey: { [T in BusTopic]?: (payload: BusTopics[T]) => string } = {
  extensionStatus: (payload) => payload.number,
  trunkStatus: (payload) => payload.name,
  officePause: () => 'officePause',
  inboundCall: (payload) => payload.channelId,
  queueState: (payload) => payload.queueId,
  call: (payload) => payload.call.id,
  voicemail: (payload) => payload.mailbox,
};
/** Topics without a key keep at most this many undelivered events per subscriber; the oldest go first. */
const MAX_PENDING = 1000;

/**
 * The event bus behind subscriptions and (later) webhooks (D6): in-process by
 * default; Redis when REDIS_URL is set, so several API instances serve
 * subscribers of events that one instance produces.
 */
export type EventBus = {
  publish<T extends BusTopic>(topic: T, payload: BusTopics[T]): void;
  /**
   * `lossless`: every event, none conflated (for writers of durable records such as the webhook outbox);
   * at most MAX_PENDING undelivered, the oldest dropped beyond that.
   */
  subscribe<T extends BusTopic>(topic: T, options?: { lossless?: boolean }): AsyncIterableIterator<BusTopics[T]> & { pending(): number };
  close(): Promise<void>;
  /** Whether events reach every instance: always in-process; over Redis while both its connections are ready. */
  healthy(): boolean;
  kind: 'memory' | 'redis';
};

class Subscription<P> implements AsyncIterableIterator<P> {
  private queue = new Map<unknown, P>();
  private waiting: ((result: IteratorResult<P>) => void) | null = null;
  private closed = false;

  constructor(
    private readonly key: ((payload: P) => string) | undefined,
    private readonly onClose: () => void,
  ) {}

  push(payload: P): void {
    if (this.closed) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = null;
      resolve({ value: payload, done: false });
      return;
    }
    const key = this.key ? this.key(payload) : Symbol();
    this.queue.delete(key);
    this.queue.set(key, payload);
    if (!this.key && this.queue.size > MAX_PENDING) this.queue.delete(this.queue.keys().next().value);
  }

  pending(): number {
    return this.queue.size;
  }

  next(): Promise<IteratorResult<P>> {
    const first = this.queue.entries().next();
    if (!first.done) {
      this.queue.delete(first.value[0]);
      return Promise.resolve({ value: first.value[1], done: false });
    }
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiting = resolve));
  }

  return(): Promise<IteratorResult<P>> {
    this.closed = true;
    this.queue.clear();
    this.waiting?.({ value: undefined, done: true });
    this.waiting = null;
    this.onClose();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator]() {
    return this;
  }
}

/** Delivers to the subscribers of this process. */
class Fanout {
  private subscribers: { [T in BusTopic]?: Set<Subscription<BusTopics[T]>> } = {};

  deliver<T extends BusTopic>(topic: T, payload: BusTopics[T]): void {
    for (const s of this.subscribers[topic] ?? []) s.push(payload);
  }

  subscribe<T extends BusTopic>(topic: T, options?: { lossless?: boolean }): Subscription<BusTopics[T]> {
    const set: Set<Subscription<BusTopics[T]>> = this.subscribers[topic] ?? new Set();
    this.subscribers[topic] = set as (typeof this.subscribers)[T];
    const subscription = new Subscription<BusTopics[T]>(options?.lossless ? undefined : conflationKey[topic], () => set.delete(subscription));
    set.add(subscription);
    return subscription;
  }
}

/** `log` receives the Redis bus's connection losses and dropped events; without one they are warnings on stdout. */
export function createEventBus(redisUrl?: string, log: Logger = createLogger('warn')): EventBus {
  const fanout = new Fanout();
  if (!redisUrl) {
    return {
      publish: (topic, payload) => fanout.deliver(topic, payload),
      subscribe: (topic, options) => fanout.subscribe(topic, options),
      close: async () => undefined,
      healthy: () => true,
      kind: 'memory',
    };
  }
  const channel = (topic: BusTopic) => `pbx:${topic}`;
  const publisher = new Redis(redisUrl, { maxRetriesPerRequest: 2 });
  const subscriber = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const topics: BusTopic[] = ['pbxApplied', 'extensionStatus', 'configChanged', 'ipBan', 'trunkStatus', 'officePause', 'inboundCall', 'queueState', 'call', 'callRecord', 'voicemail'];
  let closed = false;
  reportConnection(publisher, 'publisher', log);
  reportConnection(subscriber, 'subscriber', log);
  subscriber.subscribe(...topics.map(channel)).catch((err) => log.error({ err }, 'event bus: subscribing to Redis failed'));
  subscriber.on('message', (name: string, message: string) => {
    const topic = topics.find((t) => channel(t) === name);
    if (topic) deliverMessage(fanout, topic, message, log);
  });
  return {
    publish: (topic, payload) => {
      if (closed) return;
      try {
        publisher.publish(channel(topic), JSON.stringify(payload)).catch((err) => log.warn({ err, topic }, 'event bus: publishing to Redis failed, the event is lost'));
      } catch (err) {
        log.warn({ err, topic }, 'event bus: the event is not JSON, not published');
      }
    },
    subscribe: (topic, options) => fanout.subscribe(topic, options),
    async close() {
      closed = true;
      publisher.disconnect();
      subscriber.disconnect();
    },
    healthy: () => !closed && publisher.status === 'ready' && subscriber.status === 'ready',
    kind: 'redis',
  };
}

/**
 * ioredis retries by itself and emits an error at every failed attempt: one line when a
 * connection is lost (or never made), one when it is back. Handling 'error' also keeps the
 * errors from becoming unhandled.
 */
function reportConnection(connection: Redis, role: 'publisher' | 'subscriber', log: Logger): void {
  let down = false;
  connection.on('error', (err) => {
    if (down) return;
    down = true;
    log.error({ err, role }, 'event bus: Redis connection failed, retrying');
  });
  connection.on('ready', () => {
    if (down) log.info({ role }, 'event bus: Redis connection restored');
    down = false;
  });
}

/** An unreadable message is dropped with a warning: a throw here would escape from ioredis's socket handler. */
function deliverMessage(fanout: Fanout, topic: BusTopic, message: string, log: Logger): void {
  try {
    fanout.deliver(topic, JSON.parse(message));
  } catch (err) {
    log.warn({ err, topic, length: message.length }, 'event bus: unreadable message from Redis dropped');
  }
}
