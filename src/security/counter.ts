import type { FailureKind } from './ami-events.js';

export type CounterPolicy = { maxRetry: number; findTimeSeconds: number };

export type Tripped = { address: string; failures: number; lastKind: FailureKind; lastAccount: string | null };

type Entry = { times: number[]; lastKind: FailureKind; lastAccount: string | null };

/**
 * Failed authentications per source address within a sliding window
 * (fail2ban's findtime/maxretry): `maxRetry` failures are allowed, the next
 * one within `findTimeSeconds` trips. Held in memory only: the window is
 * minutes long, and after a restart an attacker starts from zero, as with
 * fail2ban. Bounded: at most `maxRetry` times per address and
 * `maxAddresses` addresses (the stalest go first).
 */
export class FailureCounter {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly maxAddresses = 100_000) {}

  /** Counts one failure at `now` (ms); returns what tripped, and forgets the address then. */
  record(address: string, kind: FailureKind, account: string | null, now: number, policy: CounterPolicy): Tripped | null {
    const since = now - policy.findTimeSeconds * 1000;
    const entry = this.entries.get(address) ?? { times: [], lastKind: kind, lastAccount: account };
    // Re-inserted at the end: Map order is then least recently failed first.
    this.entries.delete(address);
    entry.times = entry.times.filter((t) => t > since);
    entry.times.push(now);
    entry.lastKind = kind;
    entry.lastAccount = account;
    if (entry.times.length > policy.maxRetry) {
      return { address, failures: entry.times.length, lastKind: kind, lastAccount: account };
    }
    this.entries.set(address, entry);
    while (this.entries.size > this.maxAddresses) this.entries.delete(this.entries.keys().next().value!);
    return null;
  }

  /** Failures of an address still inside the window. */
  count(address: string, now: number, policy: CounterPolicy): number {
    const since = now - policy.findTimeSeconds * 1000;
    return this.entries.get(address)?.times.filter((t) => t > since).length ?? 0;
  }

  forget(address: string): void {
    this.entries.delete(address);
  }

  /** Drops addresses whose failures all left the window. */
  prune(now: number, policy: CounterPolicy): void {
    const since = now - policy.findTimeSeconds * 1000;
    for (const [address, entry] of this.entries) if (!entry.times.some((t) => t > since)) this.entries.delete(address);
  }

  get size(): number {
    return this.entries.size;
  }
}
