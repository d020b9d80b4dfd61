import { z } from 'zod';
import type { Database, Tx } from '../db/client.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import type { EventBus } from '../events/bus.js';
import type { ConfigChanges } from '../events/changes.js';
import type { Logger } from '../logger.js';
import type { AmiMessage } from '../pbx/ami/message.js';
import type { IntrusionProtectionSettings } from '../settings/schemas.js';
import type { SettingsStore } from '../settings/store.js';
import { charset } from '../validation/charsets.js';
import { checkField } from '../validation/issues.js';
import { contains, display, isOwnAddress, overlaps, ownAddressIn, parseAddress, parseNetwork, storedNetwork, type Network } from './addresses.js';
import { securityFact, type FailureKind, type SecurityFact } from './ami-events.js';
import { FailureCounter } from './counter.js';

export const banServices = ['SIP'] as const;
export type BanService = (typeof banServices)[number];
export const banSources = ['AUTOMATIC', 'MANUAL'] as const;
export type BanSource = (typeof banSources)[number];

/** A ban as it travels on the bus (JSON: it may cross Redis). */
export type IpBanJson = { id: string; address: string; service: BanService; source: BanSource; reason: string; createdAt: string; expiresAt: string | null };
export type IpBanEvent = {
  change: 'BANNED' | 'UNBANNED';
  /** AUTOMATIC (intrusion protection), MANUAL (an API call), EXPIRED (its time ran out), TRUSTED (a trusted network now covers it). */
  cause: 'AUTOMATIC' | 'MANUAL' | 'EXPIRED' | 'TRUSTED';
  ban: IpBanJson;
};

type IpBanRow = { id: string; address: string; service: string; source: string; reason: string; createdAt: Date; expiresAt: Date | null };
type TrustedRow = { id: string; name: string; network: string; protocols: string; enabled: boolean; createdAt: Date };

/** Bans are at most this wide, so one mistyped prefix cannot shut out the world. */
const MIN_BAN_PREFIX = { ipv4: 8, ipv6: 16 };
/** The sweep runs at the next expiry, and at least this often (bans made on another instance). */
const MAX_SWEEP_INTERVAL_MS = 30_000;

export const securityFieldSchemas = {
  banReason: z
    .string()
    .max(200, 'at most 200 characters')
    .regex(charset.text.pattern, charset.text.rule)
    .describe(`Why the address is banned, shown in the list; "banned by hand" when not given. ${charset.text.rule}`),
  durationSeconds: z
    .number()
    .int()
    .min(1, 'at least 1')
    .max(31_536_000, 'at most 31536000 (a year)')
    .nullable()
    .describe('How long the ban lasts, seconds (1–31536000); null or not given: until it is lifted by hand'),
  trustedName: z.string().min(1, 'required').max(64, 'at most 64 characters').regex(charset.name.pattern, charset.name.rule).describe(`Name of the trusted network. ${charset.name.rule}`),
} as const;

export type BanInput = { address: string; service?: BanService | null; reason?: string | null; durationSeconds?: number | null };
export type TrustedNetworkInput = { name?: string | null; network?: string | null; enabled?: boolean | null };

const kindText: Record<FailureKind, (account: string | null) => string> = {
  WRONG_PASSWORD: (a) => (a ? `wrong password for ${a}` : 'wrong password'),
  UNKNOWN_ACCOUNT: (a) => (a ? `unknown account ${a}` : 'unknown account'),
  REFUSED_BY_ENDPOINT_ACL: (a) => (a ? `${a} refused from this address by its own permit/deny list` : 'refused by an endpoint permit/deny list'),
  BAD_REQUEST: () => 'malformed request',
};

export function banJson(row: IpBanRow): IpBanJson {
  return {
    id: row.id,
    address: row.address,
    service: row.service as BanService,
    source: row.source as BanSource,
    reason: row.reason,
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt ? row.expiresAt.toISOString() : null,
  };
}

/** The protocols a trusted network row applies to (stored as a JSON list; unreadable reads as all). */
function trustedProtocols(row: Pick<TrustedRow, 'protocols'>): string[] {
  try {
    const list: unknown = JSON.parse(row.protocols);
    return Array.isArray(list) ? list.map(String) : ['SIP', 'IAX'];
  } catch {
    return ['SIP', 'IAX'];
  }
}

type LeaseLike = { on(event: 'acquired' | 'lost', listener: () => void): unknown; held(): boolean };
type AmiLike = { on(event: 'event', listener: (message: AmiMessage) => void): unknown };

/**
 * Intrusion protection (F-7.7.2), the IP blacklist (F-7.7.3) and the
 * trusted networks (F-7.7.4).
 *
 * Failed SIP authentications arrive as AMI security events (the AMI
 * connection of the instance that holds the Asterisk lease), are counted per
 * source address, and trip a ban: an IpBan row, rendered into pjsip.conf as a
 * res_pjsip_acl deny (src/security/config.ts) and applied like any other
 * change. A trusted network is never banned: an address in one is not
 * counted into a ban, a ban that overlaps one is refused, and a trusted
 * network that arrives lifts the bans it overlaps. Nor is this host's own
 * loopback address (127.0.0.1, ::1; src/security/addresses.ts). Bans end at their expiry
 * (a timer on the lease holder, and at its start) or by hand. Every ban and
 * unban is published on the bus (`ipBan`).
 *
 * Nothing here may take the process down: a malformed event is ignored, a
 * failing database call is logged and the event dropped.
 */
export class SecurityService {
  private readonly counter = new FailureCounter();
  private readonly banning = new Set<string>();
  private policyRead: Promise<IntrusionProtectionSettings> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private sweeping: Promise<void> | null = null;
  private active = false;

  constructor(
    private readonly deps: {
      db: Database;
      store: SettingsStore;
      changes: ConfigChanges;
      bus: EventBus;
      log: Logger;
      /** The Asterisk lease: its holder counts failures and lifts expired bans. */
      lease?: LeaseLike;
      /** The AMI connection (held with the lease) the security events come from. */
      ami?: AmiLike | null;
    },
  ) {
    deps.ami?.on('event', (message) => this.onAmiEvent(message));
    deps.lease?.on('acquired', () => {
      this.active = true;
      void this.sweep();
    });
    deps.lease?.on('lost', () => {
      this.active = false;
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
    });
  }

  /** One raw AMI event: a failure fact is counted; anything else is ignored. Never throws. */
  onAmiEvent(message: AmiMessage): void {
    let fact: SecurityFact | null;
    try {
      fact = securityFact(message);
    } catch (error) {
      this.deps.log.warn({ err: error }, 'intrusion protection: unreadable AMI event ignored');
      return;
    }
    if (fact) void this.recordFailure(fact).catch((error: unknown) => this.deps.log.error({ err: error, address: fact.address }, 'intrusion protection: counting a failure failed'));
  }

  /** Counts one failure; returns the ban it led to, if any. */
  async recordFailure(fact: SecurityFact): Promise<IpBanJson | null> {
    const policy = await this.policy();
    if (!policy.sipEnabled) return null;
    const now = Date.now();
    const tripped = this.counter.record(fact.address, fact.kind, fact.account, now, { maxRetry: policy.sipMaxRetry, findTimeSeconds: policy.sipFindTimeSeconds });
    if (!tripped || this.banning.has(fact.address)) return null;
    this.banning.add(fact.address);
    try {
      const address = parseAddress(fact.address);
      if (!address) return null;
      if (isOwnAddress(address)) {
        this.deps.log.warn({ address: fact.address }, "intrusion protection: failures from this host's own address, never banned");
        return null;
      }
      const trusted = await this.trustedCovering(this.deps.db.prisma, address);
      if (trusted) {
        this.deps.log.info({ address: fact.address, trustedNetwork: trusted.name }, 'intrusion protection: failures from a trusted address, not banned');
        return null;
      }
      const reason = `${tripped.failures} failed SIP authentications within ${policy.sipFindTimeSeconds} s (last: ${kindText[tripped.lastKind](tripped.lastAccount)})`;
      const ban = await this.writeBan(
        {
          network: { family: address.kind(), address, prefix: address.kind() === 'ipv4' ? 32 : 128 },
          service: 'SIP',
          source: 'AUTOMATIC',
          reason,
          expiresAt: new Date(now + policy.sipBanTimeSeconds * 1000),
        },
        true,
      );
      if (!ban) return null;
      this.deps.log.warn({ address: ban.address, reason, expiresAt: ban.expiresAt }, 'intrusion protection: address banned');
      this.published('BANNED', 'AUTOMATIC', [ban]);
      return ban;
    } finally {
      this.banning.delete(fact.address);
    }
  }

  // ---- the blacklist ----

  /** Bans in force (an expired row waiting for the sweep is left out). */
  activeBansWhere(now = new Date()) {
    return { OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] };
  }

  async ban(input: BanInput): Promise<IpBanJson> {
    const issues = [
      ...checkField(securityFieldSchemas.banReason, input.reason ?? '', ['input', 'reason']),
      ...checkField(securityFieldSchemas.durationSeconds, input.durationSeconds ?? null, ['input', 'durationSeconds']),
    ];
    const parsed = parseNetwork(input.address, MIN_BAN_PREFIX);
    if (!parsed.ok) issues.unshift({ path: ['input', 'address'], message: parsed.message, code: 'INVALID_FORMAT' });
    if (issues.length || !parsed.ok) throw new ValidationError(issues);
    const service = input.service ?? 'SIP';
    const own = ownAddressIn(parsed.network);
    if (own) throw new ConflictError(`${display(parsed.network)} holds ${display(own)}, this host's own address, which is never banned`, ['input', 'address']);
    const trusted = await this.trustedOverlapping(this.deps.db.prisma, parsed.network);
    if (trusted) throw new ConflictError(`${display(parsed.network)} overlaps the trusted network ${trusted.name} (${trusted.network}), which is never banned`, ['input', 'address']);
    const expiresAt = input.durationSeconds ? new Date(Date.now() + input.durationSeconds * 1000) : null;
    const ban = await this.writeBan({ network: parsed.network, service, source: 'MANUAL', reason: input.reason || 'banned by hand', expiresAt }, false);
    this.published('BANNED', 'MANUAL', [ban!]);
    return ban!;
  }

  /** Lifts the ban of exactly this address or network. */
  async unbanAddress(address: string): Promise<IpBanJson[]> {
    const parsed = parseNetwork(address);
    if (!parsed.ok) throw ValidationError.single(['address'], parsed.message, 'INVALID_FORMAT');
    const row = await this.deps.db.prisma.ipBan.findUnique({ where: { address: display(parsed.network) } });
    if (!row) throw new NotFoundError('IpBan', display(parsed.network));
    return this.lift([row], 'MANUAL');
  }

  /** Lifts these bans; all or nothing. */
  async unbanIds(ids: string[]): Promise<IpBanJson[]> {
    const rows = await this.deps.db.prisma.ipBan.findMany({ where: { id: { in: ids } } });
    const missing = ids.find((id) => !rows.some((r) => r.id === id));
    if (missing) throw new NotFoundError('IpBan', missing);
    return this.lift(rows, 'MANUAL');
  }

  /** Deletes expired bans, forgets failures that left the window, and schedules the next run. On the lease holder; safe to call any time. */
  sweep(): Promise<void> {
    this.sweeping ??= this.sweepOnce().finally(() => (this.sweeping = null));
    return this.sweeping;
  }

  // ---- trusted networks ----

  async createTrustedNetwork(input: TrustedNetworkInput): Promise<TrustedRow> {
    const fields = await this.validateTrusted(input, null);
    const row = await this.deps.db.prisma.trustedNetwork.create({ data: { name: fields.name, network: display(fields.network), enabled: fields.enabled } });
    if (row.enabled) await this.liftOverlapping(fields.network);
    return row;
  }

  async updateTrustedNetwork(id: string, input: TrustedNetworkInput): Promise<TrustedRow> {
    const current = await this.deps.db.prisma.trustedNetwork.findUnique({ where: { id } });
    if (!current) throw new NotFoundError('TrustedNetwork', id);
    const fields = await this.validateTrusted(input, current);
    const row = await this.deps.db.prisma.trustedNetwork.update({ where: { id }, data: { name: fields.name, network: display(fields.network), enabled: fields.enabled } });
    if (row.enabled) await this.liftOverlapping(fields.network);
    return row;
  }

  async deleteTrustedNetworks(ids: string[]): Promise<string[]> {
    const rows = await this.deps.db.prisma.trustedNetwork.findMany({ where: { id: { in: ids } }, select: { id: true } });
    const missing = ids.find((id) => !rows.some((r) => r.id === id));
    if (missing) throw new NotFoundError('TrustedNetwork', missing);
    await this.deps.db.prisma.trustedNetwork.deleteMany({ where: { id: { in: ids } } });
    return ids;
  }

  // ---- internals ----

  /** The settings, read once for a burst of concurrent failures. */
  private policy(): Promise<IntrusionProtectionSettings> {
    this.policyRead ??= this.deps.store.get(this.deps.db.prisma, 'intrusionProtection').finally(() => (this.policyRead = null));
    return this.policyRead;
  }

  private async enabledTrusted(db: Database['prisma'] | Tx): Promise<(TrustedRow & { parsed: Network })[]> {
    const rows = await db.trustedNetwork.findMany({ where: { enabled: true } });
    return rows.flatMap((row) => {
      const parsed = storedNetwork(row.network);
      return parsed && trustedProtocols(row).includes('SIP') ? [{ ...row, parsed }] : [];
    });
  }

  private async trustedCovering(db: Database['prisma'] | Tx, address: Network['address']): Promise<TrustedRow | null> {
    return (await this.enabledTrusted(db)).find((t) => contains(t.parsed, address)) ?? null;
  }

  private async trustedOverlapping(db: Database['prisma'] | Tx, network: Network): Promise<TrustedRow | null> {
    return (await this.enabledTrusted(db)).find((t) => overlaps(t.parsed, network)) ?? null;
  }

  /**
   * Writes a ban (a new row, or the row of the same address again). An
   * automatic ban is not written over a ban in force that already covers the
   * address (returns null then).
   */
  private async writeBan(ban: { network: Network; service: BanService; source: BanSource; reason: string; expiresAt: Date | null }, automatic: boolean): Promise<IpBanJson | null> {
    const address = display(ban.network);
    const row = await this.deps.db.prisma.$transaction(async (tx) => {
      if (automatic) {
        const inForce = await tx.ipBan.findMany({ where: { service: ban.service, ...this.activeBansWhere() } });
        if (inForce.some((r) => r.address === address || (storedNetwork(r.address) && contains(storedNetwork(r.address)!, ban.network.address)))) return null;
      }
      const data = { service: ban.service, source: ban.source, reason: ban.reason, expiresAt: ban.expiresAt, createdAt: new Date() };
      return tx.ipBan.upsert({ where: { address }, create: { address, ...data }, update: data });
    });
    if (!row) return null;
    this.deps.changes.notify('security ban');
    this.schedule(ban.expiresAt);
    return banJson(row);
  }

  private async lift(rows: IpBanRow[], cause: IpBanEvent['cause']): Promise<IpBanJson[]> {
    if (!rows.length) return [];
    await this.deps.db.prisma.ipBan.deleteMany({ where: { id: { in: rows.map((r) => r.id) } } });
    this.deps.changes.notify('security unban');
    const lifted = rows.map(banJson);
    for (const row of rows) this.counter.forget(row.address);
    this.published('UNBANNED', cause, lifted);
    return lifted;
  }

  private async liftOverlapping(network: Network): Promise<void> {
    const rows = await this.deps.db.prisma.ipBan.findMany({ where: { service: 'SIP' } });
    const covered = rows.filter((r) => {
      const banned = storedNetwork(r.address);
      return banned && overlaps(banned, network);
    });
    await this.lift(covered, 'TRUSTED');
  }

  private async validateTrusted(input: TrustedNetworkInput, current: TrustedRow | null): Promise<{ name: string; network: Network; enabled: boolean }> {
    const name = input.name ?? current?.name;
    const networkText = input.network ?? current?.network;
    // One issue for the name: an empty one is `required`, not also of the wrong characters.
    const issues = name === undefined ? [{ path: ['input', 'name'], message: 'required', code: 'REQUIRED' }] : checkField(securityFieldSchemas.trustedName, name, ['input', 'name']).slice(0, 1);
    let network: Network | null = null;
    if (networkText === undefined) issues.push({ path: ['input', 'network'], message: 'required', code: 'REQUIRED' });
    else {
      const parsed = parseNetwork(networkText);
      if (parsed.ok) network = parsed.network;
      else issues.push({ path: ['input', 'network'], message: parsed.message, code: 'INVALID_FORMAT' });
    }
    if (issues.length || !network) throw new ValidationError(issues);
    const same = await this.deps.db.prisma.trustedNetwork.findFirst({ where: { network: display(network), ...(current ? { id: { not: current.id } } : {}) } });
    if (same) throw new ConflictError(`${display(network)} is already the trusted network ${same.name}`, ['input', 'network']);
    return { name: name!, network, enabled: input.enabled ?? current?.enabled ?? true };
  }

  private async sweepOnce(): Promise<void> {
    try {
      const now = new Date();
      const expired = await this.deps.db.prisma.ipBan.findMany({ where: { expiresAt: { lte: now } } });
      if (expired.length) {
        await this.lift(expired, 'EXPIRED');
        this.deps.log.info({ addresses: expired.map((r) => r.address) }, 'intrusion protection: bans expired');
      }
      const policy = await this.policy();
      this.counter.prune(Date.now(), { maxRetry: policy.sipMaxRetry, findTimeSeconds: policy.sipFindTimeSeconds });
      const next = await this.deps.db.prisma.ipBan.findFirst({ where: { expiresAt: { gt: now } }, orderBy: { expiresAt: 'asc' }, select: { expiresAt: true } });
      this.schedule(next?.expiresAt ?? null, true);
    } catch (error) {
      this.deps.log.error({ err: error }, 'intrusion protection: lifting expired bans failed; trying again later');
      this.schedule(null, true);
    }
  }

  /** Runs the sweep at `expiresAt` (when earlier than the one planned), and at least every 30 s, while this instance holds the lease. */
  private schedule(expiresAt: Date | null, replace = false): void {
    if (!this.active) return;
    const delay = Math.min(MAX_SWEEP_INTERVAL_MS, Math.max(0, (expiresAt?.getTime() ?? Infinity) - Date.now()) + 10);
    const due = Date.now() + delay;
    if (this.timer && !replace && this.timerDue <= due) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerDue = due;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.sweep();
    }, delay);
    this.timer.unref();
  }
  private timerDue = 0;

  private published(change: IpBanEvent['change'], cause: IpBanEvent['cause'], bans: IpBanJson[]): void {
    for (const ban of bans) this.deps.bus.publish('ipBan', { change, cause, ban });
  }
}
