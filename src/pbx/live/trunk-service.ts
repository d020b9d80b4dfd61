import { ListingRebuild } from './listing-rebuild.js';
import type { PrismaClient } from '../../db/client.js';
import type { EventBus } from '../../events/bus.js';
import type { Logger } from '../../logger.js';
import type { AmiClient } from '../ami/client.js';
import type { AmiMessage } from '../ami/message.js';
import {
  deriveTrunkStatus,
  eventName,
  iaxPeerAfterEvent,
  iaxPeerFromEntry,
  noFacts,
  parseContactReport,
  parseIaxPeerEntry,
  parseIaxRegistryEntry,
  parseOutboundRegistration,
  parsePeerStatus,
  parseRegistry,
  registrationKey,
  sameTrunkStatus,
  trunkConfigOf,
  trunkOfIaxRegistration,
  trunkOfPjsipRegistry,
  trunkOfRegistration,
  type ContactReport,
  type TrunkConfig,
  type TrunkFacts,
  type TrunkStatus,
} from './trunk-status.js';

/** What the trunk status needs of the AMI client. */
export type TrunkAmi = Pick<AmiClient, 'connected' | 'list' | 'on'>;

/** The SIP and IAX trunks as configured, read straight from the Trunk table. */
export async function readTrunkConfigs(prisma: PrismaClient): Promise<TrunkConfig[]> {
  const rows = await prisma.trunk.findMany({
    where: { kind: { in: ['SIP', 'IAX'] } },
    select: { id: true, name: true, kind: true, mode: true, enabled: true, options: true },
    orderBy: { name: 'asc' },
  });
  return rows.map(trunkConfigOf).filter((c) => c !== null);
}

const followed = new Set(['Registry', 'ContactStatus', 'PeerStatus']);
const MAX_BUFFERED = 10_000;

/**
 * Live trunk status (F-3.3.a). On every AMI (re)connect the facts are read
 * again with PJSIPShowRegistrationsOutbound, PJSIPShowEndpoint (one per SIP
 * trunk: the only listing with static contacts), IAXregistry and IAXpeerlist;
 * Registry, ContactStatus and PeerStatus events keep them current. A
 * periodic re-read catches what Asterisk announces by no event (an IAX2
 * registration timing out, IAX2 qualify times). Each real change of a
 * trunk's status is published on the bus as `trunkStatus`.
 */
export class TrunkStatusService {
  private configs = new Map<string, TrunkConfig>();
  private facts = new Map<string, TrunkFacts>();
  private current = new Map<string, TrunkStatus>();
  private lastFailure = new Map<string, string>();
  /** `clientUri serverUri` of each outbound registration listed → trunk name. */
  private listedRegistrations = new Map<string, string>();
  private connected = false;
  private resyncTimer: NodeJS.Timeout | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private applied: ReturnType<EventBus['subscribe']> | null = null;
  private started = false;
  private readonly listing = new ListingRebuild<AmiMessage>({
    read: () => this.readAll(),
    apply: (message) => this.onEvent(message),
    keepGoing: () => this.connected,
    onError: (error) => this.deps.log.error({ err: error }, 'reading trunk status from AMI failed'),
    maxHeld: MAX_BUFFERED,
  });

  constructor(
    private readonly deps: {
      readTrunks: () => Promise<TrunkConfig[]>;
      bus: EventBus;
      log: Logger;
      ami: TrunkAmi | null;
      /** Re-read everything this often while connected (default 60 s). */
      pollMs?: number;
      /** Quiet time before a re-read asked for by an event (default 500 ms). */
      resyncDelayMs?: number;
    },
  ) {}

  /** Follows AMI; statuses exist (UNREGISTERED, DISABLED) before Asterisk is reached. */
  start(): void {
    const ami = this.deps.ami;
    if (!ami || this.started) return;
    this.started = true;
    ami.on('event', (message) => this.onEvent(message));
    ami.on('connected', () => {
      this.connected = true;
      void this.rebuild();
    });
    ami.on('disconnected', () => {
      this.connected = false;
      this.facts.clear();
      this.listedRegistrations.clear();
      this.recomputeAll();
    });
    if (ami.connected()) {
      this.connected = true;
      void this.rebuild();
    }
    this.pollTimer = setInterval(() => {
      if (this.connected && [...this.configs.values()].some((c) => c.enabled)) void this.rebuild();
    }, this.deps.pollMs ?? 60_000);
    this.pollTimer.unref();
    // A reload creates, changes or removes registrations: read them again once Asterisk has them.
    const applied = this.deps.bus.subscribe('pbxApplied');
    this.applied = applied;
    void (async () => {
      for await (const report of applied) if (report.reloadedModules.length) this.scheduleResync();
    })();
  }

  stop(): void {
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (this.resyncTimer) clearTimeout(this.resyncTimer);
    this.pollTimer = this.resyncTimer = null;
    void this.applied?.return?.();
    this.applied = null;
  }

  /** Every SIP and IAX trunk (or those named), in name order. */
  list(names?: readonly string[] | null): TrunkStatus[] {
    const wanted = names?.length ? new Set(names) : null;
    return [...this.current.values()].filter((s) => !wanted || wanted.has(s.name)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  get(name: string): TrunkStatus | undefined {
    return this.current.get(name);
  }

  /** The configured trunks changed (created, deleted, enabled, disabled, edited). */
  async refresh(): Promise<void> {
    const configs = await this.deps.readTrunks();
    const next = new Map(configs.map((c) => [c.name, c]));
    const removed = [...this.configs.keys()].filter((name) => !next.has(name));
    const added = [...next.keys()].filter((name) => !this.configs.has(name));
    this.configs = next;
    // A deleted trunk is reported once more, as DISABLED, then no longer.
    for (const name of removed) {
      const before = this.current.get(name);
      this.current.delete(name);
      this.facts.delete(name);
      this.lastFailure.delete(name);
      if (before) this.deps.bus.publish('trunkStatus', { ...before, status: 'DISABLED', latencyMs: null, peerContact: null, lastFailureReason: 'trunk deleted', changedAt: new Date().toISOString() });
    }
    this.recomputeAll();
    // A new trunk's facts are in no listing read so far: read them now rather than at the next reload or poll.
    if (added.length && this.connected) void this.rebuild();
  }

  /** Reads every fact again from AMI listings; events that arrive meanwhile apply on top. */
  async rebuild(): Promise<void> {
    return this.listing.run();
  }

  private async readAll(): Promise<void> {
    const ami = this.deps.ami;
    if (!ami?.connected()) return;
    const list = (action: AmiMessage & { Action: string }) =>
      ami.list(action).catch((error: unknown) => {
        // chan_iax2 or res_pjsip_outbound_registration may not be loaded; an unknown endpoint is an error too.
        this.deps.log.debug({ err: error, action: action.Action }, 'AMI listing for trunk status failed; the previous facts stay');
        return null;
      });
    const sip = [...this.configs.values()].filter((c) => c.kind === 'SIP' && c.enabled);
    const [registrations, iaxRegistry, iaxPeers, ...endpoints] = await Promise.all([
      list({ Action: 'PJSIPShowRegistrationsOutbound' }),
      list({ Action: 'IAXregistry' }),
      list({ Action: 'IAXpeerlist' }),
      ...sip.map((t) => list({ Action: 'PJSIPShowEndpoint', Endpoint: t.name })),
    ]);
    if (!ami.connected()) return; // the disconnect has cleared everything

    const previous = (name: string) => this.facts.get(name) ?? noFacts();
    const next = new Map<string, TrunkFacts>();
    for (const name of this.configs.keys()) next.set(name, noFacts());
    const listed = new Map<string, string>();

    if (registrations) {
      for (const event of registrations) {
        const reg = parseOutboundRegistration(event);
        const trunk = reg && trunkOfRegistration(reg, this.configs);
        if (!reg || !trunk) continue;
        listed.set(registrationKey(reg), trunk.name);
        next.get(trunk.name)!.registration = { state: reg.status, cause: null };
      }
    }
    sip.forEach((trunk, i) => {
      const events = endpoints[i];
      const facts = next.get(trunk.name)!;
      if (!registrations) facts.registration = previous(trunk.name).registration;
      if (!events) facts.contacts = previous(trunk.name).contacts;
      else facts.contacts = events.map(parseContactReport).filter((c): c is ContactReport => c !== null && c.aor === trunk.name);
    });
    for (const trunk of this.configs.values()) {
      if (trunk.kind !== 'IAX') continue;
      const facts = next.get(trunk.name)!;
      if (!iaxRegistry) facts.registration = previous(trunk.name).registration;
      if (!iaxPeers) facts.iaxPeer = previous(trunk.name).iaxPeer;
    }
    for (const event of iaxRegistry ?? []) {
      const entry = parseIaxRegistryEntry(event);
      const trunk = entry && trunkOfIaxRegistration(entry.username, entry.host, this.configs);
      if (entry && trunk) next.get(trunk.name)!.registration = { state: entry.state, cause: null };
    }
    for (const event of iaxPeers ?? []) {
      const entry = parseIaxPeerEntry(event);
      const trunk = entry && this.configs.get(entry.name);
      if (!entry || trunk?.kind !== 'IAX') continue;
      // A rejected registration of the peer is known from its event only; it stands until the peer registers.
      const rejected = entry.address ? null : (previous(trunk.name).iaxPeer?.rejected ?? null);
      next.get(trunk.name)!.iaxPeer = { ...iaxPeerFromEntry(entry), rejected };
    }
    this.facts = next;
    this.listedRegistrations = listed;
    this.recomputeAll();
  }

  /** One AMI event; a malformed or unrelated one changes nothing. Never throws. */
  private onEvent(message: AmiMessage): void {
    try {
      if (!followed.has(eventName(message))) return;
      if (this.listing.hold(message)) return;
      for (const name of this.apply(message)) this.recompute(name);
    } catch (error) {
      this.deps.log.warn({ err: error, event: message?.Event }, 'unreadable AMI event ignored for trunk status');
    }
  }

  private factsOf(name: string): TrunkFacts {
    let facts = this.facts.get(name);
    if (!facts) {
      facts = noFacts();
      this.facts.set(name, facts);
    }
    return facts;
  }

  /** Applies one event to the facts; returns the trunks touched. */
  private apply(message: AmiMessage): string[] {
    switch (eventName(message)) {
      case 'Registry': {
        const event = parseRegistry(message);
        if (!event) return [];
        const trunk =
          event.channelType === 'PJSIP'
            ? trunkOfPjsipRegistry(event, this.configs, this.listedRegistrations)
            : event.channelType === 'IAX2'
              ? trunkOfIaxRegistration(event.username, event.domain, this.configs)
              : undefined;
        if (!trunk) {
          // A registration created by a reload not read yet.
          if (event.channelType === 'PJSIP') this.scheduleResync();
          return [];
        }
        this.factsOf(trunk.name).registration = { state: event.status, cause: event.cause };
        return [trunk.name];
      }
      case 'ContactStatus': {
        const report = parseContactReport(message);
        const trunk = report && this.configs.get(report.aor);
        if (!report || trunk?.kind !== 'SIP') return [];
        const facts = this.factsOf(trunk.name);
        const others = facts.contacts.filter((c) => c.uri !== report.uri);
        if (report.status === 'Removed') facts.contacts = others;
        else {
          const before = facts.contacts.find((c) => c.uri === report.uri);
          // A qualify that only confirms keeps the last measured time when the event lacks one.
          const rttUsec = report.rttUsec ?? (report.status === 'Reachable' ? (before?.rttUsec ?? null) : null);
          facts.contacts = [...others, { ...report, rttUsec }];
        }
        return [trunk.name];
      }
      case 'PeerStatus': {
        const event = parsePeerStatus(message);
        const trunk = event && event.channelType === 'IAX2' ? this.configs.get(event.peer) : undefined;
        if (!event || trunk?.kind !== 'IAX') return [];
        const facts = this.factsOf(trunk.name);
        facts.iaxPeer = iaxPeerAfterEvent(facts.iaxPeer, event);
        // Asterisk 22 drops Time from IAX2 PeerStatus: the qualify time comes from IAXpeerlist.
        if ((event.peerStatus === 'Reachable' || event.peerStatus === 'Lagged') && event.timeMs === null) this.scheduleResync();
        // Its Address has no port either: IAXpeerlist gives the peer's full address.
        if (event.peerStatus === 'Registered' && event.address && !/:\d+$/.test(event.address)) this.scheduleResync();
        return [trunk.name];
      }
      default:
        return [];
    }
  }

  private scheduleResync(): void {
    if (!this.connected || this.resyncTimer) return;
    this.resyncTimer = setTimeout(() => {
      this.resyncTimer = null;
      void this.rebuild();
    }, this.deps.resyncDelayMs ?? 500);
    this.resyncTimer.unref();
  }

  private recomputeAll(): void {
    for (const name of this.configs.keys()) this.recompute(name);
  }

  /** Publishes the trunk's status when anything a subscriber sees changed. */
  private recompute(name: string): void {
    const config = this.configs.get(name);
    if (!config) return;
    const { failure, ...view } = deriveTrunkStatus(config, this.facts.get(name) ?? noFacts(), this.connected);
    if (failure) this.lastFailure.set(name, failure);
    const lastFailureReason = config.enabled && !this.connected ? 'Asterisk is not connected' : (this.lastFailure.get(name) ?? null);
    const candidate = { ...view, lastFailureReason };
    const before = this.current.get(name);
    if (before && sameTrunkStatus(before, candidate)) return;
    const status: TrunkStatus = { ...candidate, changedAt: new Date().toISOString() };
    this.current.set(name, status);
    this.deps.bus.publish('trunkStatus', status);
  }
}
