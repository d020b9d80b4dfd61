import type { PrismaClient } from '../../db/client.js';
import type { EventBus } from '../../events/bus.js';
import type { Logger } from '../../logger.js';
import type { ConfigApplier } from '../apply/applier.js';
import type { AriConnection } from '../ari/connection.js';
import type { AriEvent } from '../ari/types.js';
import type { Lease } from '../../jobs/lease.js';
import { deviceStatesFromChannels, extensionState, type ExtensionStatus } from './status.js';
import { LiveStore, type ContactFact } from './store.js';
import { StatusCache } from './status-cache.js';
import { readTrunkConfigs, TrunkStatusService, type TrunkAmi } from './trunk-service.js';

/** Where the live service gets contacts from: AMI, which ARI lacks a listing for (PJSIPShowContacts). */
const ENDPOINT_KEY = 'res_pjsip/endpoint/';

/** Registered contacts from AMI; `onConnected` tells when it (re)connects, so contacts missed by a rebuild are read again. */
export type ContactSource = { connected(): boolean; listContacts(): Promise<ContactFact[]>; onConnected?(listener: () => void): void };

/**
 * Live extension status (F-3.2, D6): one ARI connection feeds the store; on
 * every (re)connect the store is rebuilt from listings before events apply,
 * and the apply engine reloads what changed while Asterisk was away. Every
 * change of an extension's status is published on the bus.
 */
export class LiveService {
  readonly store = new LiveStore();
  /** Live SIP/IAX trunk status (F-3.3.a), from AMI only. */
  readonly trunks: TrunkStatusService;
  private enabled = new Map<string, boolean>();
  /** Each configured extension's number by its id: a scoped refresh finds a renumbered or deleted one's old number. */
  private numberById = new Map<string, string>();
  private refreshing: Promise<void> = Promise.resolve();
  private readonly statuses = new StatusCache();
  private numbersInOrder: string[] | null = null;
  private rebuilding: Promise<void> | null = null;
  private buffered: AriEvent[] = [];
  /** ARI events received since start (for the burst test and metrics). */
  eventsReceived = 0;

  constructor(
    private readonly deps: {
      prisma: PrismaClient;
      bus: EventBus;
      log: Logger;
      applier: ConfigApplier;
      ari: AriConnection | null;
      /** The AMI connection, held with the ARI one; it fills in what ARI lacks (contacts, trunk registrations). */
      ami: ({ start(): void; stop(): Promise<void> } & TrunkAmi) | null;
      contacts: ContactSource | null;
      lease: Lease;
    },
  ) {
    this.trunks = new TrunkStatusService({ readTrunks: () => readTrunkConfigs(deps.prisma), bus: deps.bus, log: deps.log, ami: deps.ami });
    // Only configured extensions are published: Asterisk may still report an endpoint just deleted.
    this.store.on('changed', (numbers: string[]) => {
      this.statuses.forget(numbers);
      for (const number of numbers) if (this.enabled.has(number)) this.deps.bus.publish('extensionStatus', this.status(number));
    });
  }

  get asteriskConnected(): boolean {
    return this.deps.ari?.connected() ?? false;
  }

  /**
   * Starts following Asterisk while this instance holds the lease; another
   * instance takes over when it lapses (only one ARI connection at a time).
   */
  async start(): Promise<void> {
    await this.refreshExtensions();
    await this.trunks.refresh();
    this.trunks.start();
    const ari = this.deps.ari;
    if (!ari) return;
    const ami = this.deps.ami;
    const begin = () => {
      ari.start();
      ami?.start();
    };
    this.deps.lease.on('acquired', begin);
    this.deps.lease.on('lost', () => void Promise.all([ari.stop(), ami?.stop()]).then(() => this.store.clear()));
    if (this.deps.lease.held()) begin();

    ari.on('event', (event: AriEvent) => {
      this.eventsReceived += 1;
      if (this.rebuilding) this.buffered.push(event);
      else this.store.apply(event);
      if (event.type === 'ContactStatusChange') this.scheduleUserAgentRefresh();
    });
    ari.on('connected', () => void this.onConnected());
    // AMI may come back after ARI (Asterisk restarted): the contacts a rebuild could not read are read then.
    this.deps.contacts?.onConnected?.(() => {
      if (ari.connected()) void this.onConnected();
    });
    ari.on('disconnected', () => this.store.clear());
  }

  async stop(): Promise<void> {
    this.trunks.stop();
    await this.deps.ari?.stop();
    await this.deps.ami?.stop();
  }

  /**
   * The configured extensions changed (created, deleted, renumbered, enabled,
   * disabled). With `ids`, only those rows are read again: a change of one
   * extension costs the same at 40 extensions as at 4,000. Refreshes run one
   * after another, so an older read never overwrites a newer one.
   */
  refreshExtensions(ids?: string[]): Promise<void> {
    const run = () => (ids ? this.refreshSome(ids) : this.refreshAll());
    this.refreshing = this.refreshing.then(run, run);
    return this.refreshing;
  }

  private async refreshAll(): Promise<void> {
    const rows = await this.deps.prisma.extension.findMany({ select: { id: true, number: true, enabled: true } });
    const before = this.enabled;
    this.enabled = new Map(rows.map((r) => [r.number, r.enabled]));
    this.numberById = new Map(rows.map((r) => [r.id, r.number]));
    this.statuses.forgetAll();
    this.numbersInOrder = null;
    for (const [number, enabled] of this.enabled) {
      if (before.get(number) !== enabled) this.deps.bus.publish('extensionStatus', this.status(number));
    }
    for (const number of before.keys()) if (!this.enabled.has(number)) this.announceGone(number);
  }

  private async refreshSome(ids: string[]): Promise<void> {
    const rows = await this.deps.prisma.extension.findMany({ where: { id: { in: ids } }, select: { id: true, number: true, enabled: true } });
    const found = new Map(rows.map((r) => [r.id, r]));
    const gone: string[] = [];
    const changed: string[] = [];
    let numbersChanged = false;
    for (const id of ids) {
      const previous = this.numberById.get(id);
      const row = found.get(id);
      if (previous !== undefined && previous !== row?.number) {
        this.enabled.delete(previous);
        this.numberById.delete(id);
        gone.push(previous);
        numbersChanged = true;
      }
      if (!row) continue;
      const wasEnabled = this.enabled.get(row.number);
      this.enabled.set(row.number, row.enabled);
      this.numberById.set(id, row.number);
      if (wasEnabled === undefined) numbersChanged = true;
      if (wasEnabled !== row.enabled) changed.push(row.number);
    }
    if (numbersChanged) this.numbersInOrder = null;
    this.statuses.forget([...gone, ...changed]);
    for (const number of changed) this.deps.bus.publish('extensionStatus', this.status(number));
    for (const number of gone) if (!this.enabled.has(number)) this.announceGone(number);
  }

  /** A deleted (or renumbered) extension is reported once more, as UNAVAILABLE, then no longer. */
  private announceGone(number: string): void {
    this.deps.bus.publish('extensionStatus', { number, state: 'UNAVAILABLE', contacts: [] });
  }

  /** An apply pushed or removed PJSIP endpoints (`res_pjsip/endpoint/<n>`): Asterisk sends no event for either. */
  objectsApplied(pushed: string[], removed: string[]): void {
    const endpoints = (keys: string[]) => keys.filter((k) => k.startsWith(ENDPOINT_KEY)).map((k) => k.slice(ENDPOINT_KEY.length));
    this.store.endpointsPushed(endpoints(pushed), endpoints(removed));
  }

  /** The configured trunks changed (created, deleted, enabled, disabled, edited). */
  refreshTrunks(): Promise<void> {
    return this.trunks.refresh().catch((error: unknown) => this.deps.log.error({ err: error }, 'reading the trunks for their live status failed'));
  }

  status(number: string): ExtensionStatus {
    const connected = this.asteriskConnected;
    return this.statuses.get(number, connected, () => {
      const live = this.store.get(number);
      return { number, state: extensionState(this.enabled.get(number) ?? false, connected ? live : undefined), contacts: live?.contacts ?? [] };
    });
  }

  /** Changes whenever a status may have changed: while it stays, `status()` answers the same objects. */
  statusVersion(): number {
    return this.statuses.version(this.asteriskConnected);
  }

  /** The numbers of the configured extensions, in order. */
  configuredNumbers(): string[] {
    return (this.numbersInOrder ??= [...this.enabled.keys()].sort());
  }

  private userAgentTimer: NodeJS.Timeout | null = null;

  /**
   * ARI's ContactStatusChange (and AMI's ContactStatus event) carry no user
   * agent; AMI's PJSIPShowContacts does. Asked once for a burst of changes.
   */
  private scheduleUserAgentRefresh(): void {
    const source = this.deps.contacts;
    if (!source || this.userAgentTimer) return;
    this.userAgentTimer = setTimeout(async () => {
      this.userAgentTimer = null;
      if (!source.connected()) return;
      const contacts = await source.listContacts().catch((error: unknown) => {
        this.deps.log.warn({ err: error }, 'listing contacts through AMI failed: user agents stay as they were');
        return [];
      });
      for (const c of contacts) this.store.setUserAgent(c.aor, c.uri, c.userAgent);
    }, 300);
  }

  private async onConnected(): Promise<void> {
    const ari = this.deps.ari!;
    const rebuild = (async () => {
      const [endpoints, deviceStates, channels] = await Promise.all([ari.listEndpoints(), ari.listDeviceStates(), ari.listChannels()]);
      const contacts = this.deps.contacts?.connected()
        ? await this.deps.contacts.listContacts().catch((error: unknown) => {
            this.deps.log.warn({ err: error }, 'listing contacts through AMI failed: contacts come from ARI events only until the next rebuild');
            return [];
          })
        : [];
      // GET /deviceStates holds Stasis devices only: the PJSIP ones (calls in progress) come from the channels.
      this.store.rebuild(endpoints, [...deviceStatesFromChannels(endpoints, channels), ...deviceStates], contacts);
    })();
    this.rebuilding = rebuild;
    try {
      await rebuild;
    } catch (error) {
      this.deps.log.error({ err: error }, 'rebuilding the live state from ARI failed');
    } finally {
      this.rebuilding = null;
      // Events that arrived while the listings were read apply on top of them.
      for (const event of this.buffered.splice(0)) this.store.apply(event);
    }
    await this.deps.applier.reconcile().catch((error) => this.deps.log.error({ err: error }, 'reloading pending modules failed'));
  }
}
