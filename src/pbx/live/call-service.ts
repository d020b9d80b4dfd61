import type { EventBus } from '../../events/bus.js';
import type { Logger } from '../../logger.js';
import type { AriChannel, AriEvent } from '../ari/types.js';
import { CallStore, type InboundCall } from './calls.js';

/** What the service needs of the ARI connection (src/pbx/ari/connection.ts). */
export type CallsAri = {
  listChannels(): Promise<AriChannel[]>;
  on(event: 'event', listener: (event: AriEvent) => void): unknown;
  on(event: 'connected' | 'disconnected', listener: () => void): unknown;
};

/**
 * The live inbound calls: ARI channel events feed the store; on every
 * (re)connect it is rebuilt from the channel listing before the events that
 * arrived meanwhile apply. Every change is published on the bus, where the
 * subscriptions of every instance read it.
 */
export class InboundCallService {
  readonly store = new CallStore();
  private rebuilding = false;
  private buffered: AriEvent[] = [];

  constructor(private readonly deps: { ari: CallsAri | null; bus: EventBus; log: Logger }) {
    this.store.on('changed', (call: InboundCall) => deps.bus.publish('inboundCall', call));
    const ari = deps.ari;
    if (!ari) return;
    ari.on('event', (event) => {
      if (!event.type.startsWith('Channel')) return;
      if (this.rebuilding) this.buffered.push(event);
      else this.store.apply(event);
    });
    ari.on('connected', () => void this.rebuild(ari));
    ari.on('disconnected', () => this.store.clear());
  }

  list(): InboundCall[] {
    return this.store.inboundCalls();
  }

  private async rebuild(ari: CallsAri): Promise<void> {
    this.rebuilding = true;
    try {
      this.store.rebuild(await ari.listChannels());
    } catch (error) {
      this.deps.log.error({ err: error }, 'rebuilding the inbound calls from ARI failed');
    } finally {
      this.rebuilding = false;
      for (const event of this.buffered.splice(0)) this.store.apply(event);
    }
  }
}
