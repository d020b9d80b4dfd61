import type { Config } from '../config.js';
import type { PrismaClient } from '../db/client.js';
import { LoginLockedError } from '../errors.js';

/**
 * Slows and then locks out failed logins, per account name and per client IP.
 * Counters live in the database so every instance sees them and a restart
 * does not reset them.
 */
export class LoginThrottle {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly limits: Config['login'],
  ) {}

  keys(username: string, ip: string): string[] {
    return [`account:${username.toLowerCase()}`, `ip:${ip}`];
  }

  async assertNotLocked(keys: string[]): Promise<void> {
    const rows = await this.prisma.loginThrottle.findMany({ where: { key: { in: keys } } });
    const now = Date.now();
    const until = Math.max(0, ...rows.map((r) => r.lockedUntil?.getTime() ?? 0));
    if (until > now) throw new LoginLockedError(Math.ceil((until - now) / 1000));
  }

  /** Counts a failure on each key; returns how long to hold the answer back. */
  async recordFailure(keys: string[]): Promise<number> {
    const now = new Date();
    const windowMs = this.limits.lockSeconds * 1000;
    let worst = 0;
    for (const key of keys) {
      const lockAfter = key.startsWith('ip:') ? this.limits.ipLockAfter : this.limits.lockAfter;
      const row = await this.prisma.loginThrottle.findUnique({ where: { key } });
      const fresh = !row || now.getTime() - row.windowStart.getTime() > windowMs;
      const failures = fresh ? 1 : row.failures + 1;
      const lockedUntil = failures >= lockAfter ? new Date(now.getTime() + windowMs) : null;
      await this.prisma.loginThrottle.upsert({
        where: { key },
        create: { key, failures, windowStart: now, lockedUntil },
        update: { failures, windowStart: fresh ? now : row.windowStart, lockedUntil },
      });
      if (!key.startsWith('ip:')) worst = Math.max(worst, failures);
    }
    if (worst <= this.limits.slowAfter) return 0;
    return Math.min(this.limits.maxDelayMs, 250 * 2 ** (worst - this.limits.slowAfter - 1));
  }

  async recordSuccess(username: string): Promise<void> {
    await this.prisma.loginThrottle.deleteMany({ where: { key: `account:${username.toLowerCase()}` } });
  }
}
