import type { CallEvent } from '../../../src/calls/contract.js';
import { pbxNumbers, type PbxNumbers } from '../../../src/calls/live/pbx-numbers.js';
import { CallTracker } from '../../../src/calls/live/tracker.js';
import type { AriEvent } from '../../../src/pbx/ari/types.js';

/** 100 "Alice" and 101 "Bob" as in the recordings, 102 "Carol", department 0400 "Sales", queue 0300 "Support", trunk "provider". */
export const NUMBERS = pbxNumbers({
  extensions: [
    { number: '100', name: 'Alice' },
    { number: '101', name: 'Bob' },
    { number: '102', name: 'Carol' },
  ],
  departments: [{ number: '0400', name: 'Sales' }],
  queues: [{ number: '0300', name: 'Support' }],
  trunks: ['provider'],
});

/** A tracker with a settable clock, recording what it publishes. */
export function trackerHarness(numbers: PbxNumbers = NUMBERS, lingerMs = 60_000) {
  let now = new Date('2026-11-26T08:00:00.000Z');
  const published: CallEvent[] = [];
  const tracker = new CallTracker({ numbers: () => numbers, publish: (e) => published.push(e), lingerMs, now: () => now });
  return {
    tracker,
    published,
    apply: (events: readonly object[]) => {
      for (const event of events) tracker.apply(event as AriEvent);
    },
    kinds: () => published.map((e) => e.kind),
    setNow: (date: Date) => (now = date),
    now: () => now,
  };
}
