import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { PrismaClient } from '../db/client.js';
import type { Logger } from '../logger.js';

/**
 * A lease on singleton work (D7): the ARI connection and applying to Asterisk
 * run on one instance at a time. The holder renews it every ttl/3; another
 * instance takes it over once it has expired. Works the same on SQLite and
 * PostgreSQL: an UPDATE guarded by the expiry is atomic in both.
 * Emits 'acquired' and 'lost'.
 */
export class Lease extends EventEmitter {
  readonly holder = randomUUID();
  private timer: NodeJS.Timeout | null = null;
  private isHeld = false;
  /** Until when the last successful renewal holds the lease. */
  private heldUntil = 0;
  private ticking: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly name: string,
    private readonly ttlMs: number,
    private readonly log: Logger,
  ) {
    super();
  }

  held(): boolean {
    return this.isHeld;
  }

  /** Tries once at once, then keeps trying and renewing. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.runTick();
    this.timer = setInterval(() => void this.runTick(), Math.max(50, Math.floor(this.ttlMs / 3)));
  }

  /** Releases the lease at once, so another instance (or this one restarted) need not wait for it to expire. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    // A renewal in flight could write the row again after the release below.
    await this.ticking;
    await this.prisma.lease.deleteMany({ where: { name: this.name, holder: this.holder } }).catch(() => undefined);
    this.set(false);
  }

  private runTick(): Promise<void> {
    if (this.stopped || this.ticking) return this.ticking ?? Promise.resolve();
    this.ticking = this.tick().finally(() => (this.ticking = null));
    return this.ticking;
  }

  private async tick(): Promise<void> {
    const now = new Date();
    const expiresAt = new Date(now.getTime() + this.ttlMs);
    try {
      const taken = await this.prisma.lease.updateMany({
        where: { name: this.name, OR: [{ holder: this.holder }, { expiresAt: { lt: now } }] },
        data: { holder: this.holder, expiresAt },
      });
      if (taken.count === 1) return this.renewed(expiresAt);
      try {
        await this.prisma.lease.create({ data: { name: this.name, holder: this.holder, expiresAt } });
        this.renewed(expiresAt);
      } catch {
        this.set(false); // another instance holds it
      }
    } catch (error) {
      // A failed renewal (a busy database) does not end the lease: it is ours until it expires.
      this.log.warn({ err: error, lease: this.name }, 'lease renewal failed');
      if (Date.now() >= this.heldUntil) this.set(false);
    }
  }

  private renewed(expiresAt: Date): void {
    // Stop a little before the expiry others see, so two holders never overlap.
    this.heldUntil = expiresAt.getTime() - Math.floor(this.ttlMs / 3);
    this.set(true);
  }

  private set(held: boolean): void {
    if (held === this.isHeld) return;
    this.isHeld = held;
    this.log.info({ lease: this.name, holder: this.holder, held }, held ? 'lease acquired' : 'lease lost');
    this.emit(held ? 'acquired' : 'lost');
  }
}
