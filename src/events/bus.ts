import { createPubSub } from 'graphql-yoga';
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { Redis } from 'ioredis';

/** Topics of the bus and their payloads. Payloads are JSON-safe (they may cross Redis). */
export type BusTopic = 'pbxApplied' | 'extensionStatus';

/**
 * The event bus behind subscriptions and (later) webhooks (D6): in-process by
 * default; Redis when REDIS_URL is set, so several API instances serve
 * subscribers of events that one instance produces.
 */
export type EventBus = {
  publish(topic: BusTopic, payload: unknown): void;
  subscribe(topic: BusTopic): AsyncIterable<unknown>;
  close(): Promise<void>;
  kind: 'memory' | 'redis';
};

type Topics = Record<BusTopic, [payload: unknown]>;

export function createEventBus(redisUrl?: string): EventBus {
  if (!redisUrl) {
    const pubsub = createPubSub<Topics>();
    return { publish: (topic, payload) => pubsub.publish(topic, payload), subscribe: (topic) => pubsub.subscribe(topic), close: async () => undefined, kind: 'memory' };
  }
  const publishClient = new Redis(redisUrl, { maxRetriesPerRequest: 2 });
  const subscribeClient = new Redis(redisUrl, { maxRetriesPerRequest: 2 });
  const pubsub = createPubSub<Topics>({ eventTarget: createRedisEventTarget({ publishClient, subscribeClient }) });
  return {
    publish: (topic, payload) => pubsub.publish(topic, payload),
    subscribe: (topic) => pubsub.subscribe(topic),
    async close() {
      publishClient.disconnect();
      subscribeClient.disconnect();
    },
    kind: 'redis',
  };
}
