import { describe, expect, it } from 'vitest';
import { StatusCache } from '../../../src/pbx/live/status-cache.js';
import type { ExtensionStatus } from '../../../src/pbx/live/status.js';

const computing = (state: ExtensionStatus['state']) => {
  let calls = 0;
  const compute = (): ExtensionStatus => ((calls += 1), { number: '100', state, contacts: [] });
  return { compute, calls: () => calls };
};

describe('the status of each extension as one object until it changes', () => {
  it('answers the same object while nothing changed, with the same version', () => {
    const cache = new StatusCache();
    const { compute, calls } = computing('ONLINE');
    const version = cache.version(true);
    const first = cache.get('100', true, compute);
    expect(cache.get('100', true, compute)).toBe(first);
    expect(calls()).toBe(1);
    expect(cache.version(true)).toBe(version);
  });

  it('forgets a number whose live state changed, and all after the configured extensions changed, with a new version each time', () => {
    const cache = new StatusCache();
    const first = cache.get('100', true, computing('ONLINE').compute);
    const other = cache.get('101', true, computing('OFFLINE').compute);
    const before = cache.version(true);
    cache.forget(['100']);
    expect(cache.version(true)).not.toBe(before);
    const second = cache.get('100', true, computing('BUSY').compute);
    expect(second).not.toBe(first);
    expect(second.state).toBe('BUSY');
    expect(cache.get('101', true, computing('ONLINE').compute)).toBe(other);
    const again = cache.version(true);
    cache.forgetAll();
    expect(cache.version(true)).not.toBe(again);
    expect(cache.get('101', true, computing('ONLINE').compute).state).toBe('ONLINE');
  });

  it('forgets everything when the connection to Asterisk comes or goes', () => {
    const cache = new StatusCache();
    const connected = cache.get('100', true, computing('ONLINE').compute);
    const version = cache.version(true);
    expect(cache.version(false)).not.toBe(version);
    const away = cache.get('100', false, computing('UNAVAILABLE').compute);
    expect(away).not.toBe(connected);
    expect(away.state).toBe('UNAVAILABLE');
  });
});
