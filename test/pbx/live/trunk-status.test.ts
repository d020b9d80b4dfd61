import { describe, expect, it } from 'vitest';
import {
  deriveTrunkStatus,
  iaxPeerAfterEvent,
  iaxPeerFromEntry,
  noFacts,
  parseContactReport,
  parseIaxPeerEntry,
  parseIaxRegistryEntry,
  parseOutboundRegistration,
  parsePeerStatus,
  parseRegistry,
  registrationState,
  trunkConfigOf,
  trunkOfIaxRegistration,
  trunkOfPjsipRegistry,
  trunkOfRegistration,
  type TrunkConfig,
  type TrunkFacts,
} from '../../../src/pbx/live/trunk-status.js';
import { readTrunkListing, readTrunkSequence } from '../ami/fake-trunk-asterisk.js';
import { HAVE_AMI_RECORDINGS, NO_AMI_RECORDINGS, readRecordedEvents } from '../ami/recordings.js';

const sip = (over: Partial<TrunkConfig> = {}): TrunkConfig => ({
  id: 't1',
  name: 'provider',
  kind: 'SIP',
  mode: 'CLIENT',
  enabled: true,
  serverHost: '127.0.0.1',
  serverPort: 40243,
  username: 'pbxuser',
  clientUri: '',
  serverUri: '',
  ...over,
});
const iax = (over: Partial<TrunkConfig> = {}): TrunkConfig => ({ ...sip(), id: 't2', name: 'iaxprovider', kind: 'IAX', serverHost: '127.0.0.1', serverPort: 33029, username: 'pbxiax', ...over });
const facts = (over: Partial<TrunkFacts> = {}): TrunkFacts => ({ ...noFacts(), ...over });
const byName = (...configs: TrunkConfig[]) => new Map(configs.map((c) => [c.name, c]));

describe('parsing AMI trunk events (Asterisk 22 field names)', () => {
  it('reads the recorded Registry events: PJSIP Rejected without a Cause, IAX2 Rejected with one', () => {
    const [rejected, registered] = readTrunkSequence('sip-registered-rejected-registered.txt').map(parseRegistry);
    expect(rejected).toEqual({ channelType: 'PJSIP', username: 'sip:pbxuser@127.0.0.1:40243', domain: 'sip:127.0.0.1:40243', status: 'Rejected', cause: null });
    expect(registered?.status).toBe('Registered');
    expect(readTrunkSequence('iax-registry.txt').map(parseRegistry)).toEqual([
      { channelType: 'IAX2', username: 'pbxiax', domain: '127.0.0.1:33029', status: 'Rejected', cause: 'Registration Refused' },
      { channelType: 'IAX2', username: 'pbxiax', domain: '127.0.0.1:33029', status: 'Registered', cause: null },
    ]);
  });

  it('reads the recorded ContactStatus events and ContactStatusDetail listings; PJSIP PeerStatus is not an IAX peer', () => {
    const [peerUnreachable, unreachable] = readTrunkSequence('sip-unreachable.txt');
    expect(parseContactReport(unreachable!)).toEqual({ aor: 'provider', uri: 'sip:127.0.0.1:40243', status: 'Unreachable', rttUsec: null });
    expect(parsePeerStatus(peerUnreachable!)).toMatchObject({ channelType: 'PJSIP', peer: 'provider', peerStatus: 'Unreachable' });
    expect(parseContactReport(readTrunkSequence('sip-qualify.txt')[1]!)).toEqual({ aor: 'provider', uri: 'sip:127.0.0.1:40243', status: 'Reachable', rttUsec: 2082 });
    // NonQualified contacts report RoundtripUsec 0: no latency.
    expect(readTrunkSequence('sip-server-peer-registers.txt').map(parseContactReport)).toEqual([
      { aor: '101', uri: 'sip:101@127.0.0.67:44673;ob', status: 'NonQualified', rttUsec: null },
      { aor: '101', uri: 'sip:101@127.0.0.67:44673;ob', status: 'Reachable', rttUsec: 2829 },
      { aor: '101', uri: 'sip:101@127.0.0.67:44673;ob', status: 'Removed', rttUsec: null },
    ]);
    const details = (file: string) =>
      readTrunkListing(file)
        .messages.map(parseContactReport)
        .filter((c) => c !== null);
    expect(details('listing-registered-PJSIPShowEndpoint-provider.txt')).toEqual([{ aor: 'provider', uri: 'sip:127.0.0.1:40243', status: 'Reachable', rttUsec: expect.any(Number) }]);
    expect(details('listing-unreachable-PJSIPShowEndpoint-provider.txt')).toEqual([{ aor: 'provider', uri: 'sip:127.0.0.1:40243', status: 'Unreachable', rttUsec: null }]);
  });

  it('reads the ContactStatus events recorded from Asterisk 22.10.1', (ctx) => {
    ctx.skip(!HAVE_AMI_RECORDINGS, NO_AMI_RECORDINGS);
    const reports = readRecordedEvents('events-register-100.txt')
      .messages.filter((m) => m.Event === 'ContactStatus')
      .map(parseContactReport);
    expect(reports).toEqual([
      { aor: '100', uri: 'sip:100@127.0.0.1:5070;ob', status: 'NonQualified', rttUsec: null },
      { aor: '100', uri: 'sip:100@127.0.0.1:5070;ob', status: 'Reachable', rttUsec: 1312 },
    ]);
  });

  it('reads the recorded listings: OutboundRegistrationDetail, RegistryEntry, PeerEntry', () => {
    const registrations = (file: string) =>
      readTrunkListing(file)
        .messages.map(parseOutboundRegistration)
        .filter((r) => r !== null);
    const reg = { objectName: 'provider-registration', clientUri: 'sip:pbxuser@127.0.0.1:40243', serverUri: 'sip:127.0.0.1:40243', endpoint: 'provider' };
    // Right after the reload that created it, before its first REGISTER; then refused; then up while the provider is stopped.
    expect(registrations('listing-registered-PJSIPShowRegistrationsOutbound.txt')).toEqual([{ ...reg, status: 'Unregistered' }]);
    expect(registrations('listing-rejected-PJSIPShowRegistrationsOutbound.txt')).toEqual([{ ...reg, status: 'Rejected' }]);
    expect(registrations('listing-unreachable-PJSIPShowRegistrationsOutbound.txt')).toEqual([{ ...reg, status: 'Registered' }]);
    const registry = (file: string) =>
      readTrunkListing(file)
        .messages.map(parseIaxRegistryEntry)
        .filter((r) => r !== null);
    expect(registry('listing-iax-rejected-IAXregistry.txt')).toEqual([{ host: '127.0.0.1:33029', username: 'pbxiax', state: 'Rejected' }]);
    expect(registry('listing-iax-link-registered-IAXregistry.txt')).toEqual([{ host: '127.0.0.1:33029', username: 'pbxiax', state: 'Registered' }]);
    // The client peer has an ObjectUsername, the server-mode (dynamic) one none.
    const peers = readTrunkListing('listing-iax-link-registered-IAXpeerlist.txt')
      .messages.map(parseIaxPeerEntry)
      .filter((p) => p !== null);
    expect(peers).toEqual([
      { name: 'iaxprovider', address: '127.0.0.1:33029', status: 'OK (2 ms)', latencyMs: 2 },
      { name: 'otheriax', address: '127.0.0.1:33029', status: 'OK (3 ms)', latencyMs: 3 },
    ]);
    expect(iaxPeerFromEntry(peers[0]!)).toEqual({ reach: 'reachable', latencyMs: 2, address: '127.0.0.1:33029', rejected: null });
    // Without a state in Asterisk there is no Status line.
    expect(parseOutboundRegistration({ Event: 'OutboundRegistrationDetail', ObjectName: 'provider' })?.status).toBe('Unregistered');
    expect(parseIaxRegistryEntry({ Event: 'RegistryEntry', Host: '127.0.0.1:33029', DNSmanager: 'N', Username: 'pbxiax', Perceived: '<Unregistered>', Refresh: '60', State: 'Request Sent' })).toEqual({
      host: '127.0.0.1:33029',
      username: 'pbxiax',
      state: 'Request Sent',
    });
    const none = parseIaxPeerEntry({ Event: 'PeerEntry', ObjectName: 'otheriax', IPaddress: '(null)', Port: '0', Status: 'UNKNOWN' })!;
    expect(iaxPeerFromEntry(none)).toEqual({ reach: 'unknown', latencyMs: null, address: null, rejected: null });
    expect(iaxPeerFromEntry(parseIaxPeerEntry({ Event: 'PeerEntry', ObjectName: 'x', IPaddress: '203.0.113.5', Status: 'LAGGED (2100 ms)' })!).reach).toBe('lagged');
    // IAXpeers names `peer/username`.
    expect(parseIaxPeerEntry({ Event: 'PeerEntry', Channeltype: 'IAX2', ObjectName: 'iaxprovider/bob', IPaddress: '203.0.113.5', IPport: '4569', Status: 'UNREACHABLE' })?.name).toBe('iaxprovider');
  });

  it('reads PeerStatus with and without Time', () => {
    const [registered] = readTrunkSequence('iax-server-peer.txt');
    expect(parsePeerStatus(registered!)).toEqual({ channelType: 'IAX2', peer: 'otheriax', peerStatus: 'Registered', cause: null, address: '127.0.0.1', timeMs: null });
    expect(parsePeerStatus({ Event: 'PeerStatus', ChannelType: 'IAX2', Peer: 'IAX2/iaxprovider', PeerStatus: 'Lagged', Time: '2100' })?.timeMs).toBe(2100);
  });

  it('returns null for malformed events instead of throwing', () => {
    const junk: Record<string, string>[] = [
      {},
      { Event: 'Registry' },
      { Event: 'Registry', ChannelType: 'PJSIP' },
      { Event: 'ContactStatus', URI: 'sip:x' },
      { Event: 'PeerStatus', Peer: 'noslash', PeerStatus: 'Reachable' },
      { Event: 'RegistryEntry', Host: 'h' },
    ];
    for (const m of junk) {
      expect(parseRegistry(m)).toBeNull();
      expect(parseContactReport(m)).toBeNull();
      expect(parsePeerStatus(m)).toBeNull();
      expect(parseIaxRegistryEntry(m)).toBeNull();
      expect(parseIaxPeerEntry(m)).toBeNull();
      expect(parseOutboundRegistration(m)).toBeNull();
    }
    expect(parseContactReport({ Event: 'ContactStatus', URI: 'sip:x', AOR: 'a', ContactStatus: 'Reachable', RoundtripUsec: 'lots' })?.rttUsec).toBeNull();
  });
});

describe('registration states', () => {
  it('maps every word Asterisk uses, keeping unknown ones in the reason', () => {
    expect(registrationState({ state: 'Registered', cause: null })).toEqual({ status: 'REGISTERED', failure: null });
    expect(registrationState({ state: 'Unregistered', cause: null })).toEqual({ status: 'UNREGISTERED', failure: null });
    expect(registrationState({ state: 'Request Sent', cause: null }).status).toBe('UNREGISTERED');
    expect(registrationState({ state: 'Auth. Sent', cause: null }).status).toBe('UNREGISTERED');
    expect(registrationState({ state: 'Rejected', cause: null })).toEqual({ status: 'REJECTED', failure: 'registration rejected by the provider (wrong credentials, or refused)' });
    expect(registrationState({ state: 'Rejected', cause: 'Registration Refused' })).toEqual({ status: 'REJECTED', failure: 'registration rejected: Registration Refused' });
    expect(registrationState({ state: 'Rejected', cause: '<unknown>' }).failure).toBe('registration rejected by the provider (wrong credentials, or refused)');
    expect(registrationState({ state: 'No Authentication', cause: null }).status).toBe('REJECTED');
    expect(registrationState({ state: 'Timeout', cause: null })).toEqual({ status: 'UNREACHABLE', failure: 'no response (timeout)' });
    expect(registrationState({ state: 'Failed', cause: null }).status).toBe('UNREACHABLE');
    expect(registrationState({ state: 'Stopped', cause: null })).toEqual({ status: 'UNREGISTERED', failure: 'registration stopped' });
    expect(registrationState({ state: 'Sideways', cause: 'x' })).toEqual({ status: 'UNREGISTERED', failure: 'Asterisk reported the registration as "Sideways": x' });
  });
});

describe('deriving a trunk status', () => {
  it('disabled trunks are DISABLED whatever Asterisk says', () => {
    const view = deriveTrunkStatus(sip({ enabled: false }), facts({ registration: { state: 'Registered', cause: null } }), true);
    expect(view).toMatchObject({ status: 'DISABLED', latencyMs: null, serverAddress: '127.0.0.1:40243', failure: null });
  });

  it('SIP client: registration state, latency from the qualify, UNREACHABLE when the contact does not answer', () => {
    const reachable = { aor: 'provider', uri: 'sip:127.0.0.1:40243', status: 'Reachable', rttUsec: 2082 };
    expect(deriveTrunkStatus(sip(), facts({ registration: { state: 'Registered', cause: null }, contacts: [reachable] }), true)).toEqual({
      trunkId: 't1',
      name: 'provider',
      kind: 'SIP',
      mode: 'CLIENT',
      status: 'REGISTERED',
      latencyMs: 2.082,
      serverAddress: '127.0.0.1:40243',
      peerContact: null,
      failure: null,
    });
    const unreachable = { ...reachable, status: 'Unreachable', rttUsec: null };
    // PJSIP reports a REGISTER timeout as Rejected: a contact that does not answer tells it apart.
    expect(deriveTrunkStatus(sip(), facts({ registration: { state: 'Rejected', cause: null }, contacts: [unreachable] }), true)).toMatchObject({
      status: 'UNREACHABLE',
      failure: 'no response (timeout)',
      latencyMs: null,
    });
    expect(deriveTrunkStatus(sip(), facts({ registration: { state: 'Rejected', cause: null }, contacts: [reachable] }), true).status).toBe('REJECTED');
    expect(deriveTrunkStatus(sip(), facts(), true).status).toBe('UNREGISTERED');
    // A registration not listed yet (the reload that creates it has just happened): a contact that answers is not a registration.
    expect(deriveTrunkStatus(sip(), facts({ contacts: [reachable] }), true)).toMatchObject({ status: 'UNREGISTERED', latencyMs: 2.082 });
    expect(deriveTrunkStatus(sip(), facts({ registration: { state: 'Registered', cause: null } }), false)).toMatchObject({ status: 'UNREGISTERED', latencyMs: null });
  });

  it('SIP client reached by address (no username, so no registration): up while its server answers the qualify', () => {
    const byAddress = sip({ username: '' });
    const reachable = { aor: 'provider', uri: 'sip:127.0.0.1:40243', status: 'Reachable', rttUsec: 2082 };
    expect(deriveTrunkStatus(byAddress, facts({ contacts: [reachable] }), true)).toMatchObject({ status: 'REGISTERED', latencyMs: 2.082, failure: null });
    expect(deriveTrunkStatus(byAddress, facts({ contacts: [{ ...reachable, status: 'Unreachable', rttUsec: null }] }), true)).toMatchObject({
      status: 'UNREACHABLE',
      failure: 'no response (timeout)',
    });
    expect(deriveTrunkStatus(byAddress, facts(), true).status).toBe('UNREGISTERED');
  });

  it("SIP server: the peer's contact", () => {
    const server = sip({ name: '101', mode: 'SERVER', serverHost: '', serverPort: null });
    const contact = { aor: '101', uri: 'sip:101@127.0.0.67:44673;ob', status: 'NonQualified', rttUsec: null };
    expect(deriveTrunkStatus(server, facts({ contacts: [contact] }), true)).toMatchObject({ status: 'REGISTERED', peerContact: contact.uri, serverAddress: '127.0.0.67:44673', latencyMs: null });
    expect(deriveTrunkStatus(server, facts({ contacts: [{ ...contact, status: 'Reachable', rttUsec: 4120 }] }), true).latencyMs).toBe(4.12);
    expect(deriveTrunkStatus(server, facts({ contacts: [{ ...contact, status: 'Unreachable' }] }), true)).toMatchObject({ status: 'UNREACHABLE', peerContact: contact.uri });
    expect(deriveTrunkStatus(server, facts(), true)).toMatchObject({ status: 'UNREGISTERED', peerContact: null, serverAddress: null });
  });

  it('IAX client and server', () => {
    const peer = { reach: 'reachable' as const, latencyMs: 12, address: '127.0.0.1:33029', rejected: null };
    expect(deriveTrunkStatus(iax(), facts({ registration: { state: 'Registered', cause: null }, iaxPeer: peer }), true)).toMatchObject({
      status: 'REGISTERED',
      latencyMs: 12,
      serverAddress: '127.0.0.1:33029',
    });
    expect(deriveTrunkStatus(iax(), facts({ registration: { state: 'Timeout', cause: null } }), true)).toMatchObject({ status: 'UNREACHABLE', failure: 'no response (timeout)' });
    expect(deriveTrunkStatus(iax(), facts({ registration: { state: 'Registered', cause: null }, iaxPeer: { ...peer, reach: 'unreachable' } }), true).status).toBe('UNREACHABLE');
    const server = iax({ name: 'otheriax', mode: 'SERVER', serverHost: '', serverPort: null });
    let fact = iaxPeerAfterEvent(null, parsePeerStatus(readTrunkSequence('iax-server-peer.txt')[0]!)!);
    expect(deriveTrunkStatus(server, facts({ iaxPeer: fact }), true)).toMatchObject({ status: 'REGISTERED', peerContact: '127.0.0.1' });
    // The recorded Address has no port: a listing's full address of the same host stays.
    const listed = { reach: 'reachable' as const, latencyMs: 3, address: '127.0.0.1:33029', rejected: null };
    expect(iaxPeerAfterEvent(listed, parsePeerStatus(readTrunkSequence('iax-server-peer.txt')[0]!)!)?.address).toBe('127.0.0.1:33029');
    expect(iaxPeerAfterEvent({ ...listed, address: '192.0.2.1:4569' }, parsePeerStatus(readTrunkSequence('iax-server-peer.txt')[0]!)!)?.address).toBe('127.0.0.1');
    fact = iaxPeerAfterEvent(fact, { channelType: 'IAX2', peer: 'otheriax', peerStatus: 'Unregistered', cause: 'Expired', address: null, timeMs: null });
    expect(deriveTrunkStatus(server, facts({ iaxPeer: fact }), true)).toMatchObject({ status: 'UNREGISTERED', peerContact: null });
    fact = iaxPeerAfterEvent(fact, { channelType: 'IAX2', peer: 'otheriax', peerStatus: 'Rejected', cause: 'No authority found', address: null, timeMs: null });
    expect(deriveTrunkStatus(server, facts({ iaxPeer: fact }), true)).toMatchObject({ status: 'REJECTED', failure: "the peer's registration was rejected: No authority found" });
    // An unknown PeerStatus changes nothing.
    expect(iaxPeerAfterEvent(fact, { channelType: 'IAX2', peer: 'otheriax', peerStatus: 'Wobbly', cause: null, address: null, timeMs: null })).toBe(fact);
  });
});

describe('matching reports to trunks', () => {
  it('outbound registrations by name, `-registration` suffix or endpoint; Registry events by their URIs', () => {
    const trunks = byName(sip(), iax());
    const reg = { objectName: 'provider-registration', clientUri: 'sip:pbxuser@127.0.0.1:40243', serverUri: 'sip:127.0.0.1:40243', endpoint: '', status: 'Registered' };
    expect(trunkOfRegistration(reg, trunks)?.name).toBe('provider');
    expect(trunkOfRegistration({ ...reg, objectName: 'reg1', endpoint: 'provider' }, trunks)?.name).toBe('provider');
    expect(trunkOfRegistration({ ...reg, objectName: 'iaxprovider' }, trunks)).toBeUndefined();
    const event = parseRegistry(readTrunkSequence('sip-registered-rejected-registered.txt')[0]!)!;
    // From the default URIs the trunk domain renders, before any listing.
    expect(trunkOfPjsipRegistry(event, trunks, new Map())?.name).toBe('provider');
    const custom = sip({ clientUri: 'sip:99@ims.example.net', serverUri: 'sip:ims.example.net' });
    expect(trunkOfPjsipRegistry(event, byName(custom), new Map())).toBeUndefined();
    expect(trunkOfPjsipRegistry({ ...event, username: 'sip:99@ims.example.net', domain: 'sip:ims.example.net' }, byName(custom), new Map())?.name).toBe('provider');
    expect(trunkOfPjsipRegistry(event, byName(custom), new Map([['sip:pbxuser@127.0.0.1:40243 sip:127.0.0.1:40243', 'provider']]))?.name).toBe('provider');
  });

  it('IAX registrations by user name, then by host', () => {
    const a = iax();
    const b = iax({ id: 't3', name: 'iaxother', serverHost: '198.51.100.20' });
    expect(trunkOfIaxRegistration('pbxiax', '127.0.0.1:33029', byName(a))?.name).toBe('iaxprovider');
    expect(trunkOfIaxRegistration('pbxiax', '198.51.100.20:4569', byName(a, b))?.name).toBe('iaxother');
    expect(trunkOfIaxRegistration('carol', '127.0.0.1:33029', byName(a, b))).toBeUndefined();
  });

  it('reads Trunk rows leniently', () => {
    const row = { id: 'x', name: 'p', kind: 'SIP', mode: 'CLIENT', enabled: true, options: JSON.stringify({ serverHost: 'h.example', serverPort: 5080, username: 'u' }) };
    expect(trunkConfigOf(row)).toMatchObject({ serverHost: 'h.example', serverPort: 5080, username: 'u', clientUri: '' });
    expect(trunkConfigOf({ ...row, options: '{not json' })).toMatchObject({ serverHost: '', serverPort: null });
    expect(trunkConfigOf({ ...row, kind: 'ANALOG' })).toBeNull();
  });
});
