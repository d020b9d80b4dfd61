import type { EventBus } from '../events/bus.js';
import type { Metrics } from './metrics.js';

/** The bus, counting what is published on it by topic. */
export function countedBus(bus: EventBus, metrics: Metrics): EventBus {
  return {
    ...bus,
    publish(topic, payload) {
      metrics.busEvents.inc({ topic });
      bus.publish(topic, payload);
    },
    subscribe: (topic, options) => bus.subscribe(topic, options),
    close: () => bus.close(),
    healthy: () => bus.healthy(),
  };
}
