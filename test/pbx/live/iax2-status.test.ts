import { describe, expect, it } from 'vitest';
import type { AriEvent } from '../../../src/pbx/ari/types.js';
import { extensionState } from '../../../src/pbx/live/status.js';
import { LiveStore } from '../../../src/pbx/live/store.js';

/** An extension with IAX2 on (F-4.1.2.c) that is registered over IAX2 only is online, and rings and talks, like one registered over SIP. */
const endpoint = (technology: string, resource: string, state: string) => ({ technology, resource, state, channel_ids: [] });
const event = (e: object) => e as AriEvent;

describe('IAX2 registrations count in the extension status', () => {
  it('from the listings on (re)connect', () => {
    const store = new LiveStore();
    store.rebuild([endpoint('PJSIP', '102', 'offline'), endpoint('IAX2', '102', 'online'), endpoint('PJSIP', '103', 'offline')], [{ name: 'IAX2/102', state: 'NOT_INUSE' }], []);
    expect(extensionState(true, store.get('102'))).toBe('ONLINE');
    expect(extensionState(true, store.get('103'))).toBe('OFFLINE');
  });

  it('from events: registration, ringing, a call, unregistration', () => {
    const store = new LiveStore();
    store.rebuild([endpoint('PJSIP', '102', 'offline')], [], []);
    const changed: string[][] = [];
    store.on('changed', (numbers: string[]) => changed.push(numbers));
    expect(store.apply(event({ type: 'EndpointStateChange', endpoint: endpoint('IAX2', '102', 'online') }))).toEqual(['102']);
    expect(extensionState(true, store.get('102'))).toBe('ONLINE');
    store.apply(event({ type: 'DeviceStateChanged', device_state: { name: 'IAX2/102', state: 'RINGING' } }));
    expect(extensionState(true, store.get('102'))).toBe('RINGING');
    store.apply(event({ type: 'DeviceStateChanged', device_state: { name: 'IAX2/102', state: 'INUSE' } }));
    expect(extensionState(true, store.get('102'))).toBe('BUSY');
    store.apply(event({ type: 'DeviceStateChanged', device_state: { name: 'IAX2/102', state: 'NOT_INUSE' } }));
    store.apply(event({ type: 'EndpointStateChange', endpoint: endpoint('IAX2', '102', 'offline') }));
    expect(extensionState(true, store.get('102'))).toBe('OFFLINE');
    expect(changed.length).toBe(5);
    // An IAX2 peer without an extension is not an extension.
    expect(store.apply(event({ type: 'EndpointStateChange', endpoint: endpoint('IAX2', '999', 'online') }))).toEqual([]);
  });
});
