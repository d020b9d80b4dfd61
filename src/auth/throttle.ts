import type { Config } from '../config.js';
import type { PrismaClient } from '../db/client.js';
import { LoginLockedError } from '../errors.js';

/** A login attempt counted on its keys: each key's count of attempts in its window, this one included. */
export type LoginAttempt = { counts: Map<string, number> };

/**
 * Slows and then locks out failed logins, per account name and per client IP.
 * Counters live in the database so every instance sees them and a restart
 * does not reset them.
 *
 * An attempt is counted before its password is checked, in one atomic update
 * per key, and refused when it is past a key's limit: concurrent guesses
 * cannot all pass a check made before any of them failed (twenty at once used
 * to have thirteen passwords checked against a limit of ten). A successful
 * attempt is taken off the counts again.
 */
export class LoginThrottle {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly limits: Config['login'],
  ) {}

  keys(username: string, ip: string): string[] {
    return [`account:${username.toLowerCase()}`, `ip:${ip}`];
  }

  /**
   * Counts an attempt on each key. While a key is locked, or when the attempt is past a key's limit
   * (attempts under way count, so a burst of guesses cannot pass together), it is refused with
   * LoginLockedError and taken off the counts again: it checks no password. Only failures lock.
   */
  async begin(keys: string[]): Promise<LoginAttempt> {
    const now = new Date();
    const counts = new Map<string, number>();
    let lockedUntil = 0;
    let crowded = false;
    for (const key of keys) {
      const row = await this.count(key, now);
      counts.set(key, row.failures);
      lockedUntil = Math.max(lockedUntil, row.lockedUntil?.getTime() ?? 0);
      if (row.failures > this.limitOf(key)) crowded = true;
    }
    if (lockedUntil > now.getTime() || crowded) {
      await this.uncount(keys);
      if (lockedUntil > now.getTime()) throw new LoginLockedError(Math.ceil((lockedUntil - now.getTime()) / 1000));
      throw new LoginLockedError(1, 'Too many login attempts at once');
    }
    return { counts };
  }

  /** The attempt failed: locks the keys it brought to their limit; returns how long to hold the answer back. */
  async failed(attempt: LoginAttempt): Promise<number> {
    const reached = [...attempt.counts].filter(([key, count]) => count >= this.limitOf(key)).map(([key]) => key);
    if (reached.length) await this.lock(reached, new Date(Date.now() + this.windowMs));
    const worst = Math.max(0, ...[...attempt.counts].filter(([key]) => !key.startsWith('ip:')).map(([, count]) => count));
    if (worst <= this.limits.slowAfter) return 0;
    return Math.min(this.limits.maxDelayMs, 250 * 2 ** (worst - this.limits.slowAfter - 1));
  }

  /** The attempt succeeded: the account's failures are forgotten, and the attempt no longer counts against its IP. */
  async succeeded(attempt: LoginAttempt): Promise<void> {
    const keys = [...attempt.counts.keys()];
    await this.prisma.loginThrottle.deleteMany({ where: { key: { in: keys.filter((key) => !key.startsWith('ip:')) } } });
    await this.uncount(keys.filter((key) => key.startsWith('ip:')));
  }

  private async uncount(keys: string[]): Promise<void> {
    await this.prisma.loginThrottle.updateMany({ where: { key: { in: keys }, failures: { gt: 0 } }, data: { failures: { decrement: 1 } } });
  }

  private get windowMs(): number {
    return this.limits.lockSeconds * 1000;
  }

  private limitOf(key: string): number {
    return key.startsWith('ip:') ? this.limits.ipLockAfter : this.limits.lockAfter;
  }

  /**
   * Adds one to a key's count in its window. A window that has passed starts again: one of the
   * attempts that find it so restarts it (a compare-and-set on its start), and each then counts
   * itself in the new window.
   */
  private async count(key: string, now: Date) {
    const windowOpened = new Date(now.getTime() - this.windowMs);
    for (;;) {
      const row = await this.prisma.loginThrottle.upsert({ where: { key }, create: { key, failures: 1, windowStart: now }, update: { failures: { increment: 1 } } });
      if (row.windowStart >= windowOpened) return row;
      await this.prisma.loginThrottle.updateMany({ where: { key, windowStart: row.windowStart }, data: { failures: 0, windowStart: now, lockedUntil: null } });
    }
  }

  /** Locks keys until `until`, unless a lock already runs. */
  private async lock(keys: string[], until: Date): Promise<void> {
    await this.prisma.loginThrottle.updateMany({ where: { key: { in: keys }, OR: [{ lockedUntil: null }, { lockedUntil: { lte: new Date() } }] }, data: { lockedUntil: until } });
  }
}
