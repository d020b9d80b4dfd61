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
const provider: TrunkConfig = { ...base, id: 'id-provider', name: 'provider', kind: 'SIP', mode: 'CLIENT', serverHost: '127.0.0.1', serverPort: 40243, username: 'pbxuser' };
const branch: TrunkConfig = { ...base, id: 'id-branch', name: '101', kind: 'SIP', mode: 'SERVER' };
const iaxprovider: TrunkConfig = { ...base, id: 'id-iaxprovider', name: 'iaxprovider', kind: 'IAX', mode: 'CLIENT', serverHost: '127.0.0.1', serverPort: 33029, username: 'pbxiax' };
const otheriax: TrunkConfig = { ...base, id: 'id-otheriax', name: 'otheriax', kind: 'IAX', mode: 'SERVER' };
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
  fake.registrations.set('provider', { clientUri: 'sip:pbxuser@127.0.0.1:40243', serverUri: 'sip:127.0.0.1:40243', endpoint: 'provider', status: 'Registered' });
  fake.endpoints.set('provider', [{ uri: 'sip:127.0.0.1:40243', status: 'Reachable', rttUsec: 18000 }]);
  fake.endpoints.set('101', []);
  fake.iaxRegistry.push({ host: '127.0.0.1:33029', username: 'pbxiax', state: 'Registered' });
  fake.iaxPeers.set('iaxprovider', { ip: '127.0.0.1', port: 33029, status: 'OK (31 ms)' });
  fake.iaxPeers.set('otheriax', { ip: null, port: 33029, status: 'UNKNOWN' });
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
  trunks = [provider, branch, iaxprovider, otheriax, off];
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
  await until(() => latest('provider')?.status === 'REGISTERED' && latest('iaxprovider')?.status === 'REGISTERED', 3000, 'statuses read from the listings');
}

describe('trunk status from AMI', () => {
  it('before Asterisk is reached: UNREGISTERED ("not connected"), disabled ones DISABLED', async () => {
    await service.refresh();
    expect(service.list().map((s) => [s.name, s.status, s.lastFailureReason])).toEqual([
      ['101', 'UNREGISTERED', 'Asterisk is not connected'],
      ['iaxprovider', 'UNREGISTERED', 'Asterisk is not connected'],
      ['off', 'DISABLED', null],
      ['otheriax', 'UNREGISTERED', 'Asterisk is not connected'],
      ['provider', 'UNREGISTERED', 'Asterisk is not connected'],
    ]);
  });

  it('rebuilds from the listings on connect, asking nothing about a disabled trunk', async () => {
    await startConnected();
    expect(service.list()).toEqual([
      expect.objectContaining({ name: '101', status: 'UNREGISTERED', peerContact: null, lastFailureReason: null }),
      expect.objectContaining({ name: 'iaxprovider', kind: 'IAX', mode: 'CLIENT', status: 'REGISTERED', latencyMs: 31, serverAddress: '127.0.0.1:33029' }),
      expect.objectContaining({ name: 'off', status: 'DISABLED' }),
      expect.objectContaining({ name: 'otheriax', status: 'UNREGISTERED', peerContact: null }),
      expect.objectContaining({
        trunkId: 'id-provider',
        name: 'provider',
        kind: 'SIP',
        mode: 'CLIENT',
        status: 'REGISTERED',
        latencyMs: 18,
        serverAddress: '127.0.0.1:40243',
        peerContact: null,
        lastFailureReason: null,
      }),
    ]);
    const actions = ami.requests.map((r) => `${r.Action}${r.Endpoint ? ` ${r.Endpoint}` : ''}`);
    expect(actions).toEqual(expect.arrayContaining(['PJSIPShowRegistrationsOutbound', 'PJSIPShowEndpoint provider', 'PJSIPShowEndpoint 101', 'IAXregistry', 'IAXpeerlist']));
    expect(actions).not.toContain('PJSIPShowEndpoint off');
  });

  it('reads the recorded listings: not yet registered, rejected, unreachable; IAX registry and peers', async () => {
    await startConnected();
    const at = async (moment: string) => {
      asterisk.serveRecorded(`listing-${moment}-PJSIPShowRegistrationsOutbound.txt`);
      asterisk.serveRecorded(`listing-${moment}-PJSIPShowEndpoint-provider.txt`);
      await service.rebuild();
      return latest('provider');
    };
    // Just created: the contact answers, the first REGISTER has not gone out.
    expect(await at('registered')).toMatchObject({ status: 'UNREGISTERED', serverAddress: '127.0.0.1:40243' });
    expect(latest('provider')?.latencyMs).toBeGreaterThan(0);
    expect(await at('rejected')).toMatchObject({ status: 'REJECTED', lastFailureReason: 'registration rejected by the provider (wrong credentials, or refused)' });
    // The registration is still Registered while the provider is stopped: the contact tells.
    expect(await at('unreachable')).toMatchObject({ status: 'UNREACHABLE', latencyMs: null, lastFailureReason: 'no response (timeout)' });
    asterisk.serveRecorded('listing-iax-rejected-IAXregistry.txt');
    await service.rebuild();
    expect(latest('iaxprovider')?.status).toBe('REJECTED');
    asterisk.serveRecorded('listing-iax-link-registered-IAXregistry.txt');
    asterisk.serveRecorded('listing-iax-link-registered-IAXpeerlist.txt');
    await service.rebuild();
    expect(latest('iaxprovider')).toMatchObject({ status: 'REGISTERED', latencyMs: 2, serverAddress: '127.0.0.1:33029' });
    expect(latest('otheriax')).toMatchObject({ status: 'REGISTERED', latencyMs: 3, peerContact: '127.0.0.1:33029' });
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
    await asterisk.play([{ Event: 'Registry', Privilege: 'system,all', ChannelType: 'PJSIP', Username: 'sip:pbxuser@127.0.0.1:40243', Domain: 'sip:127.0.0.1:40243', Status: 'Registered' }]);
    await until(() => latest('provider')?.status === 'REGISTERED', 3000, 'registered again');
    expect(latest('provider')?.latencyMs).toBe(2.082);
  });

  it("server mode: the peer's contact (SIP) and address (IAX2)", async () => {
    await startConnected();
    await asterisk.play(readFirst('sip-server-peer-registers.txt', 2));
    await until(() => latest('101')?.latencyMs === 2.829, 3000, 'branch qualified');
    expect(latest('101')).toMatchObject({ status: 'REGISTERED', peerContact: 'sip:101@127.0.0.67:44673;ob', serverAddress: '127.0.0.67:44673' });
    await asterisk.play(readFirst('sip-server-peer-registers.txt', 3).slice(2));
    await until(() => latest('101')?.status === 'UNREGISTERED', 3000, 'branch gone');

    await asterisk.play('iax-server-peer.txt');
    await until(() => latest('otheriax')?.status === 'REGISTERED', 3000, 'otheriax registered');
    // The recorded Address has no port: IAXpeerlist, read again, gives it.
    await until(() => latest('otheriax')?.peerContact === '127.0.0.1:33029', 3000, 'the port from IAXpeerlist');
    // Not recorded (the e2e peer kept answering): PeerStatus as chan_iax2's source writes it on a missed POKE.
    await asterisk.play([{ Event: 'PeerStatus', Privilege: 'system,all', ChannelType: 'IAX2', Peer: 'IAX2/otheriax', PeerStatus: 'Unreachable' }]);
    await until(() => latest('otheriax')?.status === 'UNREACHABLE', 3000, 'otheriax unreachable');
  });

  it('IAX registry: rejected with its cause, then registered; a POKE without Time reads the latency from IAXpeerlist', async () => {
    await startConnected();
    await asterisk.play(readFirst('iax-registry.txt', 1));
    await until(() => latest('iaxprovider')?.status === 'REJECTED', 3000, 'rejected');
    expect(latest('iaxprovider')?.lastFailureReason).toBe('registration rejected: Registration Refused');
    await asterisk.play(readFirst('iax-registry.txt', 2).slice(1));
    await until(() => latest('iaxprovider')?.status === 'REGISTERED', 3000, 'registered');
    asterisk.iaxPeers.get('iaxprovider')!.status = 'OK (44 ms)';
    const listings = ami.requests.filter((r) => r.Action === 'IAXpeerlist').length;
    // Not recorded (chan_iax2 sends no PeerStatus for a peer's first answered POKE): a Reachable without Time, as its source writes it.
    await asterisk.play([{ Event: 'PeerStatus', Privilege: 'system,all', ChannelType: 'IAX2', Peer: 'IAX2/iaxprovider', PeerStatus: 'Reachable' }]);
    await until(() => latest('iaxprovider')?.latencyMs === 44, 3000, 'a new latency');
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
    expect(latest('iaxprovider')).toMatchObject({ status: 'REGISTERED', latencyMs: 31 });
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
    expect(latest('iaxprovider')?.status).toBe('UNREGISTERED');
  });

  it('never throws on malformed or unknown events', async () => {
    await startConnected();
    await asterisk.sendRaw('Event: Registry\r\nChannelType: PJSIP\r\n\r\n');
    await asterisk.sendRaw('Event: ContactStatus\r\nAOR: provider\r\nContactStatus: Reachable\r\n\r\n');
    await asterisk.sendRaw('Event: PeerStatus\r\nPeer: IAX2/\r\nPeerStatus: Reachable\r\n\r\n');
    await asterisk.sendRaw('Event: PeerStatus\r\nChannelType: IAX2\r\nPeer: IAX2/iaxprovider\r\nPeerStatus: Exploded\r\nTime: -5\r\n\r\n');
    await asterisk.sendRaw('Event: Registry\r\nChannelType: IAX2\r\nUsername: nobody\r\nDomain: 1.2.3.4:4569\r\nStatus: Registered\r\n\r\n');
    await asterisk.sendRaw('Event: ContactStatus\r\nURI: sip:x\r\nAOR: 100\r\nContactStatus: Reachable\r\nRoundtripUsec: 99999999999999999999\r\n\r\n');
    await asterisk.sendRaw('\u0000garbage without colon\r\n\r\n');
    const count = published.length;
    await asterisk.play('sip-qualify.txt');
    await until(() => latest('provider')?.latencyMs === 2.082, 3000, 'still following');
    expect(published.length).toBe(count + 1);
    expect(latest('iaxprovider')?.status).toBe('REGISTERED');
  });

  it('a deleted trunk is reported once more, then no longer; a newly disabled one is DISABLED at once', async () => {
    await startConnected();
    trunks = [provider, { ...iaxprovider, enabled: false }];
    await service.refresh();
    expect(service.list().map((s) => [s.name, s.status])).toEqual([
      ['iaxprovider', 'DISABLED'],
      ['provider', 'REGISTERED'],
    ]);
    await until(() => published.some((s) => s.name === '101' && s.lastFailureReason === 'trunk deleted'), 1000, 'deletion published');
    expect(published.filter((s) => s.name === '101' && s.lastFailureReason === 'trunk deleted')).toHaveLength(1);
  });
});

function readFirst(file: string, n: number) {
  return readTrunkSequence(file).slice(0, n);
}
