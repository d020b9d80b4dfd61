import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import type { CallEvent } from '../../src/calls/contract.js';
import { pbxNumbers, type PbxNumbers } from '../../src/calls/live/pbx-numbers.js';
import { CallService } from '../../src/calls/live/service.js';
import { ASTERISK_GONE } from '../../src/calls/live/tracker.js';
import { createEventBus, type EventBus } from '../../src/events/bus.js';
import { createLogger } from '../../src/logger.js';
import type { AriChannel } from '../../src/pbx/ari/types.js';
import { until } from '../support/subscriptions.js';
import { ChannelScript } from './support/channel-script.js';
import { NUMBERS } from './support/tracker.js';

/** The ARI connection as the service sees it, driven by the test. */
class FakeAri extends EventEmitter {
  up = false;
  listing: () => Promise<AriChannel[]> = async () => [];
  connected() {
    return this.up;
  }
  listChannels() {
    return this.listing();
  }
  connect() {
    this.up = true;
    this.emit('connected');
  }
  disconnect() {
    this.up = false;
    this.emit('disconnected');
  }
  send(events: Record<string, unknown>[]) {
    for (const event of events) this.emit('event', event);
  }
}

const buses: EventBus[] = [];
afterEach(async () => {
  for (const bus of buses.splice(0)) await bus.close();
});

function setup(options: { readNumbers?: () => Promise<PbxNumbers>; lingerMs?: number } = {}) {
  const ari = new FakeAri();
  const bus = createEventBus();
  buses.push(bus);
  const published: CallEvent[] = [];
  const feed = bus.subscribe('call', { lossless: true });
  void (async () => {
    for await (const event of feed) published.push(event);
  })();
  const log = createLogger('silent');
  const service = new CallService({ ari, bus, log, readNumbers: options.readNumbers ?? (async () => NUMBERS), lingerMs: options.lingerMs });
  return { ari, bus, service, published };
}

describe('the call service', () => {
  it('rebuilds from GET /channels on connect; events that arrive meanwhile apply after the listing', async () => {
    const { ari, service, published } = setup();
    const s = new ChannelScript();
    s.create('1.1', 'PJSIP/100-00000001', { callerName: 'Alice', exten: '101' }).create('1.2', 'PJSIP/101-00000002', { state: 'Ringing', linkedid: '1.1', callerName: 'Bob', exten: '101' });
    let release: (channels: AriChannel[]) => void = () => undefined;
    ari.listing = () => new Promise((resolve) => (release = resolve));
    ari.connect();
    // 101 answers while the listing is read: held, then applied on top of it.
    const from = s.events.length;
    s.state('1.2', 'Up').state('1.1', 'Up');
    ari.send(s.since(from));
    expect(service.directory.list()).toEqual([]);
    release(s.listing().map((c) => ({ ...c, state: c.id === '1.2' ? 'Ringing' : 'Ring' }) as unknown as AriChannel));
    await until(() => published.some((e) => e.kind === 'ANSWERED'), 2000, 'the held events applied');
    // A call rebuilt while it rings is reported STARTED, then RINGING (a screen-pop pops it).
    expect(published.map((e) => e.kind)).toEqual(['STARTED', 'RINGING', 'ANSWERED', 'UPDATED']);
    expect(published[0]!.call).toMatchObject({ id: '1.1', state: 'RINGING' });
    expect(service.directory.get('1.1')).toMatchObject({ state: 'ANSWERED', callee: { number: '101', name: 'Bob' } });
    expect(service.directory.callOfChannel('1.2')?.id).toBe('1.1');
  });

  it('reports every call ENDED, saying why, when Asterisk goes away', async () => {
    const { ari, service, published } = setup();
    ari.connect();
    const s = new ChannelScript();
    s.create('2.1', 'PJSIP/100-00000001', { exten: '101' });
    ari.send(s.events);
    await until(() => published.length === 1, 2000, 'STARTED');
    ari.disconnect();
    await until(() => published.length === 2, 2000, 'ENDED');
    expect(published[1]).toMatchObject({ kind: 'ENDED', call: { id: '2.1', state: 'ENDED', hangupCause: null, hangupCauseText: ASTERISK_GONE } });
    expect(service.directory.list()).toEqual([]);
  });

  it('reads the numbers once and again after a change of trunks, extensions, departments or queues; not per event', async () => {
    let reads = 0;
    let trunks: string[] = [];
    const { ari, bus, service } = setup({
      readNumbers: async () => {
        reads += 1;
        return pbxNumbers({ trunks });
      },
    });
    await until(() => reads === 1, 2000, 'the first read');
    ari.connect();
    const s = new ChannelScript();
    s.create('3.1', 'PJSIP/carrier-00000001', { callerNumber: '+4930123' });
    ari.send(s.events);
    for (let i = 0; i < 20; i++) ari.send([{ type: 'ChannelVarset', variable: 'X', value: String(i), channel: s.snapshot('3.1') }]);
    await until(() => service.directory.get('3.1') !== null, 2000, 'the call');
    expect(service.directory.get('3.1')).toMatchObject({ direction: 'INTERNAL' });
    bus.publish('configChanged', { source: 'settings pbx' });
    trunks = ['carrier'];
    bus.publish('configChanged', { source: 'trunks created' });
    await until(() => service.directory.get('3.1')?.direction === 'INBOUND', 2000, 'the trunk known');
    expect(reads).toBe(2);
    expect(service.directory.get('3.1')).toMatchObject({ trunk: 'carrier', caller: { number: '+4930123' } });
  });

  it('contains failures: the numbers or the listing cannot be read, an event that breaks the tracker', async () => {
    const { ari, service, published } = setup({
      readNumbers: async () => {
        throw new Error('database gone');
      },
    });
    ari.listing = async () => {
      throw new Error('ARI refused');
    };
    const apply = service.tracker.apply.bind(service.tracker);
    service.tracker.apply = (event) => {
      if (event.type === 'ChannelBroken') throw new Error('a bug in the tracker');
      apply(event);
    };
    ari.connect();
    const s = new ChannelScript();
    s.create('4.1', 'PJSIP/100-00000001', { exten: '101' });
    ari.send([{ type: 'ChannelBroken' }]);
    ari.send(s.events);
    await until(() => published.length === 1, 2000, 'the call after the failures');
    expect(service.directory.get('4.1')?.state).toBe('DIALING');
  });

  it('forgets an ended call once it has been readable for the linger time', async () => {
    const { ari, service, published } = setup({ lingerMs: 100 });
    ari.connect();
    const s = new ChannelScript();
    s.create('5.1', 'PJSIP/100-00000001', { exten: '101' }).destroy('5.1', 16, 'Normal Clearing');
    ari.send(s.events);
    await until(() => published.some((e) => e.kind === 'ENDED'), 2000, 'ENDED');
    expect(service.directory.get('5.1')?.state).toBe('ENDED');
    await until(() => service.directory.get('5.1') === null, 2000, 'forgotten');
    expect(service.tracker.size()).toBe(0);
  });
});
