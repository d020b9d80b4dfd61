import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { afterAttempt } from '../../src/webhooks/attempt.js';
import { JITTER, maxAttempts, retryDelayMs } from '../../src/webhooks/backoff.js';

const schedule = loadConfig({}).webhooks.retryDelaysMs;
const s = 1000;
const min = 60 * s;
const h = 60 * min;

describe('retry backoff (Standard Webhooks schedule with jitter)', () => {
  it('defaults to 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h: eight attempts in all', () => {
    expect(schedule).toEqual([5 * s, 5 * min, 30 * min, 2 * h, 5 * h, 10 * h, 10 * h]);
    expect(maxAttempts(schedule)).toBe(8);
  });

  it('waits the nth delay after the nth failed attempt, spread by at most ±20 %', () => {
    for (const [attempt, base] of schedule.entries()) {
      expect(retryDelayMs(attempt + 1, schedule, () => 0.5)).toBe(base);
      expect(retryDelayMs(attempt + 1, schedule, () => 0)).toBe(Math.round(base * (1 - JITTER)));
      expect(retryDelayMs(attempt + 1, schedule, () => 0.999999)).toBeLessThanOrEqual(Math.round(base * (1 + JITTER)));
    }
  });

  it('spreads the delays of many messages (no thundering herd when a receiver comes back)', () => {
    const delays = new Set(Array.from({ length: 50 }, () => retryDelayMs(2, schedule)));
    expect(delays.size).toBeGreaterThan(40);
    for (const d of delays) {
      expect(d).toBeGreaterThanOrEqual(4 * min);
      expect(d).toBeLessThanOrEqual(6 * min);
    }
  });

  it('gives up after the last delay', () => {
    expect(retryDelayMs(schedule.length, schedule)).not.toBeNull();
    expect(retryDelayMs(schedule.length + 1, schedule)).toBeNull();
    expect(retryDelayMs(0, schedule)).toBeNull();
  });

  it('reads WEBHOOK_RETRY_SCHEDULE in seconds and refuses a malformed one', () => {
    expect(loadConfig({ WEBHOOK_RETRY_SCHEDULE: '1, 2.5,60' }).webhooks.retryDelaysMs).toEqual([1000, 2500, 60_000]);
    expect(() => loadConfig({ WEBHOOK_RETRY_SCHEDULE: '5,soon' })).toThrow(/WEBHOOK_RETRY_SCHEDULE/);
    expect(() => loadConfig({ WEBHOOK_RETRY_SCHEDULE: '-1' })).toThrow(/WEBHOOK_RETRY_SCHEDULE/);
  });
});

describe('a message after an attempt', () => {
  const at = new Date('2026-01-01T00:00:00Z');
  const delays = [5000, 300_000];

  it('scheduled: delivered, or the next attempt after the backoff, or FAILED after the last', () => {
    expect(afterAttempt('SCHEDULED', 1, true, at, delays)).toEqual({ status: 'DELIVERED', deliveredAt: at });
    expect(afterAttempt('SCHEDULED', 1, false, at, delays, () => 0.5)).toEqual({ status: 'PENDING', nextAttemptAt: new Date(at.getTime() + 5000) });
    expect(afterAttempt('SCHEDULED', 2, false, at, delays, () => 0.5)).toEqual({ status: 'PENDING', nextAttemptAt: new Date(at.getTime() + 300_000) });
    expect(afterAttempt('SCHEDULED', 3, false, at, delays)).toEqual({ status: 'FAILED' });
  });

  it('replay: delivered makes it DELIVERED, a failure leaves its state; a failed ping is FAILED at once', () => {
    expect(afterAttempt('REPLAY', 9, true, at, delays)).toEqual({ status: 'DELIVERED', deliveredAt: at });
    expect(afterAttempt('REPLAY', 9, false, at, delays)).toEqual({});
    expect(afterAttempt('PING', 1, false, at, delays)).toEqual({ status: 'FAILED' });
    expect(afterAttempt('PING', 1, true, at, delays)).toEqual({ status: 'DELIVERED', deliveredAt: at });
  });
});
