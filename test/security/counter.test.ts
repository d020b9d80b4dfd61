import { describe, expect, it } from 'vitest';
import { FailureCounter } from '../../src/security/counter.js';

const policy = { maxRetry: 3, findTimeSeconds: 60 };

describe('failure counter (maxRetry within findTime)', () => {
  it('allows maxRetry failures and trips on the next one inside the window', () => {
    const counter = new FailureCounter();
    expect(counter.record('192.0.2.1', 'WRONG_PASSWORD', '101', 0, policy)).toBeNull();
    expect(counter.record('192.0.2.1', 'WRONG_PASSWORD', '101', 1000, policy)).toBeNull();
    expect(counter.record('192.0.2.1', 'WRONG_PASSWORD', '101', 2000, policy)).toBeNull();
    expect(counter.count('192.0.2.1', 2000, policy)).toBe(3);
    expect(counter.record('192.0.2.1', 'UNKNOWN_ACCOUNT', '999', 3000, policy)).toEqual({ address: '192.0.2.1', failures: 4, lastKind: 'UNKNOWN_ACCOUNT', lastAccount: '999' });
    // Tripping forgets the address: it starts from zero (the ban stops it anyway).
    expect(counter.count('192.0.2.1', 3000, policy)).toBe(0);
  });

  it('forgets failures that left the window', () => {
    const counter = new FailureCounter();
    for (const t of [0, 10_000, 20_000]) expect(counter.record('192.0.2.1', 'WRONG_PASSWORD', '101', t, policy)).toBeNull();
    // At 61 s the failure of 0 s is out of the window: 3 failures, not 4.
    expect(counter.record('192.0.2.1', 'WRONG_PASSWORD', '101', 61_000, policy)).toBeNull();
    expect(counter.count('192.0.2.1', 61_000, policy)).toBe(3);
    expect(counter.record('192.0.2.1', 'WRONG_PASSWORD', '101', 62_000, policy)?.failures).toBe(4);
  });

  it('counts each address on its own', () => {
    const counter = new FailureCounter();
    for (let i = 0; i < 3; i++) counter.record('192.0.2.1', 'WRONG_PASSWORD', '101', i, policy);
    expect(counter.record('192.0.2.2', 'WRONG_PASSWORD', '101', 5, policy)).toBeNull();
    expect(counter.record('192.0.2.1', 'WRONG_PASSWORD', '101', 6, policy)).not.toBeNull();
  });

  it('stays bounded: the addresses that failed least recently go first, and pruning drops stale ones', () => {
    const counter = new FailureCounter(100);
    for (let i = 0; i < 250; i++) counter.record(`10.0.${Math.floor(i / 256)}.${i % 256}`, 'UNKNOWN_ACCOUNT', null, i, policy);
    expect(counter.size).toBe(100);
    expect(counter.count('10.0.0.249', 249, policy)).toBe(1);
    expect(counter.count('10.0.0.0', 249, policy)).toBe(0);
    counter.prune(200_000, policy);
    expect(counter.size).toBe(0);
  });
});
