/**
 * When a failed message is tried again: the delays of Standard Webhooks'
 * recommended schedule (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h by default;
 * WEBHOOK_RETRY_SCHEDULE), each spread by ±20 % so receivers that come back
 * are not hit by every message at the same instant. After the last delay's
 * attempt has failed too, the message is given up (FAILED).
 */
export const JITTER = 0.2;

/** The delay before the next attempt after `attemptsMade` failed ones, or null to give up. */
export function retryDelayMs(attemptsMade: number, delaysMs: readonly number[], random: () => number = Math.random): number | null {
  if (attemptsMade < 1 || attemptsMade > delaysMs.length) return null;
  const base = delaysMs[attemptsMade - 1]!;
  return Math.round(base * (1 - JITTER + 2 * JITTER * random()));
}

/** How many attempts a message gets in all: the first and one per delay. */
export function maxAttempts(delaysMs: readonly number[]): number {
  return delaysMs.length + 1;
}
