import type { EventBus } from '../../events/bus.js';
import type { Logger } from '../../logger.js';
import type { AriChannel, AriEvent } from '../../pbx/ari/types.js';
import { ListingRebuild } from '../../pbx/live/listing-rebuild.js';
import type { CallDirectory } from '../contract.js';
import { CallEventHub } from './event-hub.js';
import { noPbxNumbers, type PbxNumbers } from './pbx-numbers.js';
import { CallTracker } from './tracker.js';

/** What the call service needs of the ARI connection (src/pbx/ari/connection.ts). */
export type CallsAri = {
  connected(): boolean;
  listChannels(): Promise<AriChannel[]>;
  on(event: 'event', listener: (event: AriEvent) => void): unknown;
  on(event: 'connected' | 'disconnected', listener: () => void): unknown;
};

/** ARI events that can change a call: channel events, Dial, transfers (and Stasis ones, which carry channel snapshots). */
const followed = /^(Channel|Dial$|Bridge(Blind|Attended)Transfer$|Stasis(Start|End)$)/;
const MAX_HELD = 20_000;

/**
 * The live calls of this server (D6, issue 10): ARI events feed the tracker;
 * on every (re)connect it is rebuilt from GET /channels, with the events that
 * arrive meanwhile applied after the listing. Every change is published on
 * the bus (topic `call`), where subscriptions and webhooks of every instance
 * read it. When Asterisk goes away every call is reported ended. The numbers
 * of departments, queues and trunks are read once and again after each
 * configuration change, never per event. Nothing here throws out of an event handler.
 */
export class CallService {
  readonly tracker: CallTracker;
  /** The bus's call events, handed to the subscribers that want them. */
  readonly events: CallEventHub;
  private numbers: PbxNumbers = noPbxNumbers;
  private pruneTimer: NodeJS.Timeout | null = null;
  private readonly lingerMs: number;
  private readonly listing: ListingRebuild<AriEvent>;
  private readonly numbersRead: ListingRebuild<never>;

  constructor(
    private readonly deps: {
      ari: CallsAri | null;
      bus: EventBus;
      log: Logger;
      readNumbers: () => Promise<PbxNumbers>;
      /** How long an ended call stays readable (default 60 s). */
      lingerMs?: number;
    },
  ) {
    this.lingerMs = deps.lingerMs ?? 60_000;
    this.events = new CallEventHub(deps.bus);
    this.tracker = new CallTracker({
      numbers: () => this.numbers,
      lingerMs: this.lingerMs,
      publish: (event) => {
        deps.bus.publish('call', event);
        if (event.kind === 'ENDED') this.schedulePrune();
      },
    });
    this.numbersRead = new ListingRebuild<never>({
      read: async () => {
        this.numbers = await deps.readNumbers();
        this.tracker.reclassify();
      },
      apply: () => undefined,
      keepGoing: () => true,
      onError: (error) => deps.log.error({ err: error }, 'reading the numbers of extensions, departments, queues and trunks for the live calls failed'),
      maxHeld: 0,
    });
    this.listing = new ListingRebuild<AriEvent>({
      read: async () => {
        const ari = deps.ari;
        if (!ari?.connected()) return;
        const channels = await ari.listChannels();
        if (ari.connected()) this.tracker.rebuild(channels);
      },
      apply: (event) => this.apply(event),
      keepGoing: () => deps.ari?.connected() ?? false,
      onError: (error) => deps.log.error({ err: error }, 'rebuilding the live calls from the channel listing failed'),
      maxHeld: MAX_HELD,
    });
    void this.refreshNumbers();
    void this.followConfiguration();
    const ari = deps.ari;
    if (!ari) return;
    ari.on('event', (event) => {
      if (!followed.test(event.type) || this.listing.hold(event)) return;
      this.apply(event);
    });
    ari.on('connected', () => void this.listing.run());
    ari.on('disconnected', () => this.guard('reporting the calls ended', () => this.tracker.asteriskGone()));
    if (ari.connected()) void this.listing.run();
  }

  /** The live calls as call control, the API and the webhooks read them. */
  get directory(): CallDirectory {
    return this.tracker;
  }

  /** Reads the numbers again (after a configuration change; one read at a time). */
  refreshNumbers(): Promise<void> {
    return this.numbersRead.run();
  }

  private apply(event: AriEvent): void {
    this.guard(`applying ${event.type}`, () => this.tracker.apply(event));
  }

  private guard(what: string, action: () => void): void {
    try {
      action();
    } catch (error) {
      this.deps.log.error({ err: error }, `live calls: ${what} failed`);
    }
  }

  private async followConfiguration(): Promise<void> {
    for await (const change of this.deps.bus.subscribe('configChanged')) {
      if (/^(extension|department|queue|trunk)/.test(change.source)) void this.refreshNumbers();
    }
  }

  /** Ended calls are forgotten once they have been readable long enough. */
  private schedulePrune(delayMs = this.lingerMs): void {
    if (this.pruneTimer) return;
    this.pruneTimer = setTimeout(() => {
      this.pruneTimer = null;
      const next = this.tracker.prune();
      if (next !== null) this.schedulePrune(next);
    }, delayMs + 20);
    this.pruneTimer.unref();
  }
}
