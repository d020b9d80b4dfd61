import { describe, expect, it } from 'vitest';
import type { Call, CallEvent } from '../../src/calls/contract.js';
import { CallEventHub } from '../../src/calls/live/event-hub.js';
import { createEventBus } from '../../src/events/bus.js';
import { until } from '../support/subscriptions.js';

const call = (id: string, extensions: string[], version = 1): Call => ({ id, extensions, version, direction: 'INTERNAL', state: 'RINGING', legs: [], departments: [], queues: [] }) as unknown as Call;
const event = (c: Call, kind: CallEvent['kind'] = 'UPDATED'): CallEvent => ({ kind, call: c, at: '2026-11-26T08:00:00.000Z' });

async function drain(iterator: AsyncIterableIterator<CallEvent>, into: string[]) {
  for await (const e of iterator) into.push(`${e.call.id}:${e.kind}`);
}

describe('the call event hub', () => {
  it('hands each event, in order and not conflated, to the subscribers of its extensions and to those of every call that pass their test', async () => {
    const bus = createEventBus();
    const hub = new CallEventHub(bus);
    const of101: string[] = [];
    const all: string[] = [];
    const inboundOnly: string[] = [];
    const a = hub.subscribe({ extensions: ['101'], test: () => true });
    const b = hub.subscribe({ extensions: null, test: () => true });
    const c = hub.subscribe({ extensions: null, test: (x) => x.direction === 'INBOUND' });
    void drain(a, of101);
    void drain(b, all);
    void drain(c, inboundOnly);
    expect(hub.size()).toBe(3);
    bus.publish('call', event(call('1', ['100', '101']), 'STARTED'));
    bus.publish('call', event(call('1', ['100', '101'], 2), 'RINGING'));
    bus.publish('call', event(call('1', ['100', '101'], 3), 'ANSWERED'));
    bus.publish('call', event(call('2', ['102']), 'STARTED'));
    await until(() => all.length === 4, 2000, 'delivery');
    expect(of101).toEqual(['1:STARTED', '1:RINGING', '1:ANSWERED']);
    expect(all).toEqual(['1:STARTED', '1:RINGING', '1:ANSWERED', '2:STARTED']);
    expect(inboundOnly).toEqual([]);
    await a.return!();
    await b.return!();
    await c.return!();
    expect(hub.size()).toBe(0);
    bus.publish('call', event(call('3', ['101'])));
    await new Promise((r) => setTimeout(r, 20));
    expect(of101).toHaveLength(3);
  });

  it('keeps at most 1,000 events for a subscriber that does not read; the oldest go', async () => {
    const bus = createEventBus();
    const hub = new CallEventHub(bus);
    const slow = hub.subscribe({ extensions: ['101'], test: () => true });
    for (let i = 1; i <= 1005; i++) bus.publish('call', event(call(String(i), ['101'])));
    await new Promise((r) => setTimeout(r, 50));
    const first = await slow.next();
    expect(first.value?.call.id).toBe('6');
    await slow.return!();
  });
});
