import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEventBus, type EventBus } from '../../../src/events/bus.js';
import { createLogger } from '../../../src/logger.js';
import { AmiClient } from '../../../src/pbx/ami/client.js';
import { TrunkStatusService } from '../../../src/pbx/live/trunk-service.js';
import type { TrunkConfig, TrunkStatus } from '../../../src/pbx/live/trunk-status.js';
import { until } from '../../support/subscriptions.js';
import { FakeAmiServer } from '../ami/fake-ami-server.js';
import { FakeTrunkAsterisk, readTrunkSequence } from '../ami/fake-trunk-asterisk.js';

const base = { serverPort: null, username: '', serverHost: '', clientUri: '', serverUri: '', enabled: true } as const;
const provider: TrunkConfig = { ...base, id: 'id-provider', name: 'provider', kind: 'SIP', mode: 'CLIENT', serverHost: 'sip.example.com', serverPort: 5060, username: 'alice' };
const branch: TrunkConfig = { ...base, id: 'id-branch', name: 'branch', kind: 'SIP', mode: 'SERVER' };
const iaxprov: TrunkConfig = { ...base, id: 'id-iaxprov', name: 'iaxprov', kind: 'IAX', mode: 'CLIENT', serverHost: '203.0.113.5', serverPort: 4569, username: 'bob' };
const iaxbranch: TrunkConfig = { ...base, id: 'id-iaxbranch', name: 'iaxbranch', kind: 'IAX', mode: 'SERVER' };
const off: TrunkConfig = { ...base, id: 'id-off', name: 'off', kind: 'SIP', mode: 'CLIENT', serverHost: 'off.example.com', serverPort: 5060, username: 'x', enabled: false };

let ami: FakeAmiServer;
let asterisk: FakeTrunkAsterisk;
let client: AmiClient;
let bus: EventBus;
let service: TrunkStatusService;
let trunks: TrunkConfig[];
let published: TrunkStatus[];
let stopCollecting: () => void;

/** A freshly booted Asterisk with the five trunks configured (the disabled one is not rendered). */
function bootAsterisk(fake: FakeTrunkAsterisk): void {
  fake.registrations.set('provider', { clientUri: 'sip:alice@sip.example.com:5060', serverUri: 'sip:sip.example.com:5060', endpoint: 'provider', status: 'Registered' });
  fake.endpoints.set('provider', [{ uri: 'sip:sip.example.com:5060', status: 'Reachable', rttUsec: 18000 }]);
  fake.endpoints.set('branch', []);
  fake.iaxRegistry.push({ host: '203.0.113.5:4569', username: 'bob', state: 'Registered' });
  fake.iaxPeers.set('iaxprov', { ip: '203.0.113.5', port: 4569, status: 'OK (31 ms)' });
  fake.iaxPeers.set('iaxbranch', { ip: null, port: 0, status: 'UNKNOWN' });
}

const latest = (name: string) => service.get(name);
const publishedFor = (name: string) => published.filter((s) => s.name === name);

beforeEach(async () => {
  ami = await FakeAmiServer.start({ username: 'pbx', secret: 'pw' });
  asterisk = new FakeTrunkAsterisk(ami);
  bootAsterisk(asterisk);
  client = new AmiClient({ host: '127.0.0.1', port: ami.port, username: 'pbx', password: 'pw', reconnect: { minMs: 20, maxMs: 50 }, timeoutMs: 2000 });
  bus = createEventBus();
  published = [];
  const subscription = bus.subscribe('trunkStatus');
  let open = true;
  void (async () => {
    for await (const s of subscription) published.push(s);
  })();
  stopCollecting = () => {
    if (open) void subscription.return?.();
    open = false;
  };
  trunks = [provider, branch, iaxprov, iaxbranch, off];
  service = new TrunkStatusService({ readTrunks: async () => trunks, bus, log: createLogger('silent'), ami: client, resyncDelayMs: 30, pollMs: 60_000 });
});

afterEach(async () => {
  stopCollecting();
  service.stop();
  await client.stop();
  await ami.close();
  await bus.close();
});

async function startConnected(): Promise<void> {
  await service.refresh();
  service.start();
  client.start();
  await until(() => latest('provider')?.status === 'REGISTERED' && latest('iaxprov')?.status === 'REGISTERED', 3000, 'statuses read from the listings');
}

describe('trunk status from AMI', () => {
  it('before Asterisk is reached: UNREGISTERED ("not connected"), disabled ones DISABLED', async () => {
    await service.refresh();
    expect(service.list().map((s) => [s.name, s.status, s.lastFailureReason])).toEqual([
      ['branch', 'UNREGISTERED', 'Asterisk is not connected'],
      ['iaxbranch', 'UNREGISTERED', 'Asterisk is not connected'],
      ['iaxprov', 'UNREGISTERED', 'Asterisk is not connected'],
      ['off', 'DISABLED', null],
      ['provider', 'UNREGISTERED', 'Asterisk is not connected'],
    ]);
  });

  it('rebuilds from the listings on connect, asking nothing about a disabled trunk', async () => {
    await startConnected();
    expect(service.list()).toEqual([
      expect.objectContaining({ name: 'branch', status: 'UNREGISTERED', peerContact: null, lastFailureReason: null }),
      expect.objectContaining({ name: 'iaxbranch', status: 'UNREGISTERED', peerContact: null }),
      expect.objectContaining({ name: 'iaxprov', kind: 'IAX', mode: 'CLIENT', status: 'REGISTERED', latencyMs: 31, serverAddress: '203.0.113.5:4569' }),
      expect.objectContaining({ name: 'off', status: 'DISABLED' }),
      expect.objectContaining({
        trunkId: 'id-provider',
        name: 'provider',
        kind: 'SIP',
        mode: 'CLIENT',
        status: 'REGISTERED',
        latencyMs: 18,
        serverAddress: 'sip.example.com:5060',
        peerContact: null,
        lastFailureReason: null,
      }),
    ]);
    const actions = ami.requests.map((r) => `${r.Action}${r.Endpoint ? ` ${r.Endpoint}` : ''}`);
    expect(actions).toEqual(expect.arrayContaining(['PJSIPShowRegistrationsOutbound', 'PJSIPShowEndpoint provider', 'PJSIPShowEndpoint branch', 'IAXregistry', 'IAXpeerlist']));
    expect(actions).not.toContain('PJSIPShowEndpoint off');
  });

  it('follows a registration Registered → Rejected → Registered, publishing each change once', async () => {
    await startConnected();
    const before = publishedFor('provider').length;
    await asterisk.play('sip-registered-rejected-registered.txt', { delayMs: 20 });
    await until(() => publishedFor('provider').length >= before + 2, 3000, 'two changes');
    await new Promise((r) => setTimeout(r, 100));
    // The first Registered repeats the state already known: no publish.
    const changes = publishedFor('provider').slice(before);
    expect(changes.map((s) => [s.status, s.lastFailureReason])).toEqual([
      ['REJECTED', 'registration rejected by the provider (wrong credentials, or refused)'],
      ['REGISTERED', 'registration rejected by the provider (wrong credentials, or refused)'],
    ]);
    expect(Date.parse(changes[1]!.changedAt)).toBeGreaterThanOrEqual(Date.parse(changes[0]!.changedAt));
  });

  it('a provider that stops answering is UNREACHABLE, and a qualify gives the latency back', async () => {
    await startConnected();
    await asterisk.play('sip-unreachable.txt');
    await until(() => latest('provider')?.status === 'UNREACHABLE', 3000, 'unreachable');
    expect(latest('provider')).toMatchObject({ latencyMs: null, lastFailureReason: 'no response (timeout)' });
    await asterisk.play('sip-qualify.txt');
    await asterisk.play([{ Event: 'Registry', Privilege: 'system,all', ChannelType: 'PJSIP', Username: 'sip:alice@sip.example.com:5060', Domain: 'sip:sip.example.com:5060', Status: 'Registered' }]);
    await until(() => latest('provider')?.status === 'REGISTERED', 3000, 'registered again');
    expect(latest('provider')?.latencyMs).toBe(23.456);
  });

  it("server mode: the peer's contact (SIP) and address (IAX2)", async () => {
    await startConnected();
    await asterisk.play(readFirst('sip-server-peer-registers.txt', 2));
    await until(() => latest('branch')?.latencyMs === 4.12, 3000, 'branch qualified');
    expect(latest('branch')).toMatchObject({ status: 'REGISTERED', peerContact: 'sip:branch@198.51.100.7:5062;transport=udp', serverAddress: '198.51.100.7:5062' });
    await asterisk.play(readFirst('sip-server-peer-registers.txt', 3).slice(2));
    await until(() => latest('branch')?.status === 'UNREGISTERED', 3000, 'branch gone');

    await asterisk.play(readFirst('iax-server-peer.txt', 1));
    await until(() => latest('iaxbranch')?.status === 'REGISTERED', 3000, 'iaxbranch registered');
    expect(latest('iaxbranch')?.peerContact).toBe('198.51.100.9');
    await asterisk.play(readFirst('iax-server-peer.txt', 2).slice(1));
    await until(() => latest('iaxbranch')?.status === 'UNREACHABLE', 3000, 'iaxbranch unreachable');
  });

  it('IAX registry: rejected with its cause, then registered; a POKE without Time reads the latency from IAXpeerlist', async () => {
    await startConnected();
    await asterisk.play(readFirst('iax-registry.txt', 2));
    await until(() => latest('iaxprov')?.status === 'REJECTED', 3000, 'rejected');
    expect(latest('iaxprov')?.lastFailureReason).toBe('registration rejected: Registration Refused');
    asterisk.iaxPeers.get('iaxprov')!.status = 'OK (44 ms)';
    const listings = ami.requests.filter((r) => r.Action === 'IAXpeerlist').length;
    await asterisk.play(readFirst('iax-registry.txt', 4).slice(2));
    await until(() => latest('iaxprov')?.status === 'REGISTERED' && latest('iaxprov')?.latencyMs === 44, 3000, 'registered with a new latency');
    expect(ami.requests.filter((r) => r.Action === 'IAXpeerlist').length).toBeGreaterThan(listings);
  });

  it('rebuilt on every reconnect: states read again by actions, and only real changes published', async () => {
    await startConnected();
    const before = published.length;
    const listingsBefore = ami.requests.filter((r) => r.Action === 'PJSIPShowRegistrationsOutbound').length;
    // Asterisk restarts; while it is away the provider's registration was refused.
    ami.dropAll();
    await until(() => latest('provider')?.lastFailureReason === 'Asterisk is not connected', 3000, 'disconnected');
    expect(latest('provider')?.status).toBe('UNREGISTERED');
    asterisk.registrations.get('provider')!.status = 'Rejected';
    await until(() => latest('provider')?.status === 'REJECTED', 5000, 'rebuilt after reconnect');
    expect(ami.requests.filter((r) => r.Action === 'PJSIPShowRegistrationsOutbound').length).toBe(listingsBefore + 1);
    expect(latest('iaxprov')).toMatchObject({ status: 'REGISTERED', latencyMs: 31 });
    // A re-read that finds nothing new publishes nothing.
    await new Promise((r) => setTimeout(r, 50));
    const settled = published.length;
    await service.rebuild();
    await new Promise((r) => setTimeout(r, 50));
    expect(published.length).toBe(settled);
    expect(settled).toBeGreaterThan(before);
  });

  it('a chan_iax2 that is not loaded leaves the IAX trunks UNREGISTERED and the SIP ones read', async () => {
    asterisk.iaxLoaded = false;
    await service.refresh();
    service.start();
    client.start();
    await until(() => latest('provider')?.status === 'REGISTERED', 3000, 'provider read');
    expect(latest('iaxprov')?.status).toBe('UNREGISTERED');
  });

  it('never throws on malformed or unknown events', async () => {
    await startConnected();
    await asterisk.sendRaw('Event: Registry\r\nChannelType: PJSIP\r\n\r\n');
    await asterisk.sendRaw('Event: ContactStatus\r\nAOR: provider\r\nContactStatus: Reachable\r\n\r\n');
    await asterisk.sendRaw('Event: PeerStatus\r\nPeer: IAX2/\r\nPeerStatus: Reachable\r\n\r\n');
    await asterisk.sendRaw('Event: PeerStatus\r\nChannelType: IAX2\r\nPeer: IAX2/iaxprov\r\nPeerStatus: Exploded\r\nTime: -5\r\n\r\n');
    await asterisk.sendRaw('Event: Registry\r\nChannelType: IAX2\r\nUsername: nobody\r\nDomain: 1.2.3.4:4569\r\nStatus: Registered\r\n\r\n');
    await asterisk.sendRaw('Event: ContactStatus\r\nURI: sip:x\r\nAOR: 100\r\nContactStatus: Reachable\r\nRoundtripUsec: 99999999999999999999\r\n\r\n');
    await asterisk.sendRaw('\u0000garbage without colon\r\n\r\n');
    const count = published.length;
    await asterisk.play('sip-qualify.txt');
    await until(() => latest('provider')?.latencyMs === 23.456, 3000, 'still following');
    expect(published.length).toBe(count + 1);
    expect(latest('iaxprov')?.status).toBe('REGISTERED');
  });

  it('a deleted trunk is reported once more, then no longer; a newly disabled one is DISABLED at once', async () => {
    await startConnected();
    trunks = [provider, { ...iaxprov, enabled: false }];
    await service.refresh();
    expect(service.list().map((s) => [s.name, s.status])).toEqual([
      ['iaxprov', 'DISABLED'],
      ['provider', 'REGISTERED'],
    ]);
    await until(() => published.some((s) => s.name === 'branch' && s.lastFailureReason === 'trunk deleted'), 1000, 'deletion published');
    expect(published.filter((s) => s.name === 'branch' && s.lastFailureReason === 'trunk deleted')).toHaveLength(1);
  });
});

function readFirst(file: string, n: number) {
  return readTrunkSequence(file).slice(0, n);
}
