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
import { readTrunkSequence } from '../ami/fake-trunk-asterisk.js';
import { HAVE_AMI_RECORDINGS, NO_AMI_RECORDINGS, readRecordedEvents } from '../ami/recordings.js';

const sip = (over: Partial<TrunkConfig> = {}): TrunkConfig => ({
  id: 't1',
  name: 'provider',
  kind: 'SIP',
  mode: 'CLIENT',
  enabled: true,
  serverHost: 'sip.example.com',
  serverPort: 5060,
  username: 'alice',
  clientUri: '',
  serverUri: '',
  ...over,
});
const iax = (over: Partial<TrunkConfig> = {}): TrunkConfig => ({ ...sip(), id: 't2', name: 'iaxprov', kind: 'IAX', serverHost: '203.0.113.5', serverPort: 4569, username: 'bob', ...over });
const facts = (over: Partial<TrunkFacts> = {}): TrunkFacts => ({ ...noFacts(), ...over });
const byName = (...configs: TrunkConfig[]) => new Map(configs.map((c) => [c.name, c]));

describe('parsing AMI trunk events (Asterisk 22 field names)', () => {
  it('reads the Registry events of the fixtures', () => {
    const [registered, rejected] = readTrunkSequence('sip-registered-rejected-registered.txt').map(parseRegistry);
    expect(registered).toEqual({ channelType: 'PJSIP', username: 'sip:alice@sip.example.com:5060', domain: 'sip:sip.example.com:5060', status: 'Registered', cause: null });
    expect(rejected?.status).toBe('Rejected');
    const iaxRejected = parseRegistry(readTrunkSequence('iax-registry.txt')[1]!);
    expect(iaxRejected).toEqual({ channelType: 'IAX2', username: 'bob', domain: '203.0.113.5:4569', status: 'Rejected', cause: 'Registration Refused' });
  });

  it('reads ContactStatus events and ContactStatusDetail listings', () => {
    expect(parseContactReport(readTrunkSequence('sip-qualify.txt')[0]!)).toEqual({ aor: 'provider', uri: 'sip:sip.example.com:5060', status: 'Reachable', rttUsec: 23456 });
    // NonQualified contacts report RoundtripUsec 0: no latency.
    expect(parseContactReport(readTrunkSequence('sip-server-peer-registers.txt')[0]!)?.rttUsec).toBeNull();
    const detail = { Event: 'ContactStatusDetail', AOR: 'provider', URI: 'sip:sip.example.com:5060', Status: 'Unreachable', RoundtripUsec: 'N/A', EndpointName: 'provider' };
    expect(parseContactReport(detail)).toEqual({ aor: 'provider', uri: 'sip:sip.example.com:5060', status: 'Unreachable', rttUsec: null });
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

  it('reads the listings: OutboundRegistrationDetail, RegistryEntry, PeerEntry', () => {
    expect(
      parseOutboundRegistration({
        Event: 'OutboundRegistrationDetail',
        ObjectType: 'registration',
        ObjectName: 'provider',
        ClientUri: 'sip:alice@sip.example.com',
        ServerUri: 'sip:sip.example.com',
        Endpoint: 'provider',
        Status: 'Rejected',
        NextReg: '0',
      }),
    ).toEqual({ objectName: 'provider', clientUri: 'sip:alice@sip.example.com', serverUri: 'sip:sip.example.com', endpoint: 'provider', status: 'Rejected' });
    // Without a state in Asterisk there is no Status line.
    expect(parseOutboundRegistration({ Event: 'OutboundRegistrationDetail', ObjectName: 'provider' })?.status).toBe('Unregistered');
    expect(parseIaxRegistryEntry({ Event: 'RegistryEntry', Host: '203.0.113.5:4569', DNSmanager: 'N', Username: 'bob', Perceived: '<Unregistered>', Refresh: '60', State: 'Request Sent' })).toEqual({
      host: '203.0.113.5:4569',
      username: 'bob',
      state: 'Request Sent',
    });
    const ok = parseIaxPeerEntry({ Event: 'PeerEntry', Channeltype: 'IAX', ObjectName: 'iaxprov', ObjectUsername: 'bob', IPaddress: '203.0.113.5', Port: '4569', Status: 'OK (12 ms)' })!;
    expect(ok).toEqual({ name: 'iaxprov', address: '203.0.113.5:4569', status: 'OK (12 ms)', latencyMs: 12 });
    expect(iaxPeerFromEntry(ok)).toEqual({ reach: 'reachable', latencyMs: 12, address: '203.0.113.5:4569', rejected: null });
    const none = parseIaxPeerEntry({ Event: 'PeerEntry', ObjectName: 'iaxbranch', IPaddress: '(null)', Port: '0', Status: 'UNKNOWN' })!;
    expect(iaxPeerFromEntry(none)).toEqual({ reach: 'unknown', latencyMs: null, address: null, rejected: null });
    expect(iaxPeerFromEntry(parseIaxPeerEntry({ Event: 'PeerEntry', ObjectName: 'x', IPaddress: '203.0.113.5', Status: 'LAGGED (2100 ms)' })!).reach).toBe('lagged');
    // IAXpeers names `peer/username`.
    expect(parseIaxPeerEntry({ Event: 'PeerEntry', Channeltype: 'IAX2', ObjectName: 'iaxprov/bob', IPaddress: '203.0.113.5', IPport: '4569', Status: 'UNREACHABLE' })?.name).toBe('iaxprov');
  });

  it('reads PeerStatus with and without Time', () => {
    const [registered] = readTrunkSequence('iax-server-peer.txt');
    expect(parsePeerStatus(registered!)).toEqual({ channelType: 'IAX2', peer: 'iaxbranch', peerStatus: 'Registered', cause: null, address: '198.51.100.9', timeMs: null });
    expect(parsePeerStatus({ Event: 'PeerStatus', ChannelType: 'IAX2', Peer: 'IAX2/iaxprov', PeerStatus: 'Lagged', Time: '2100' })?.timeMs).toBe(2100);
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
    expect(view).toMatchObject({ status: 'DISABLED', latencyMs: null, serverAddress: 'sip.example.com:5060', failure: null });
  });

  it('SIP client: registration state, latency from the qualify, UNREACHABLE when the contact does not answer', () => {
    const reachable = { aor: 'provider', uri: 'sip:sip.example.com:5060', status: 'Reachable', rttUsec: 23456 };
    expect(deriveTrunkStatus(sip(), facts({ registration: { state: 'Registered', cause: null }, contacts: [reachable] }), true)).toEqual({
      trunkId: 't1',
      name: 'provider',
      kind: 'SIP',
      mode: 'CLIENT',
      status: 'REGISTERED',
      latencyMs: 23.456,
      serverAddress: 'sip.example.com:5060',
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
    // No registration object (used by address): up while its contact answers.
    expect(deriveTrunkStatus(sip(), facts({ contacts: [reachable] }), true).status).toBe('REGISTERED');
    expect(deriveTrunkStatus(sip(), facts({ registration: { state: 'Registered', cause: null } }), false)).toMatchObject({ status: 'UNREGISTERED', latencyMs: null });
  });

  it("SIP server: the peer's contact", () => {
    const server = sip({ name: 'branch', mode: 'SERVER', serverHost: '', serverPort: null });
    const contact = { aor: 'branch', uri: 'sip:branch@198.51.100.7:5062;transport=udp', status: 'NonQualified', rttUsec: null };
    expect(deriveTrunkStatus(server, facts({ contacts: [contact] }), true)).toMatchObject({ status: 'REGISTERED', peerContact: contact.uri, serverAddress: '198.51.100.7:5062', latencyMs: null });
    expect(deriveTrunkStatus(server, facts({ contacts: [{ ...contact, status: 'Reachable', rttUsec: 4120 }] }), true).latencyMs).toBe(4.12);
    expect(deriveTrunkStatus(server, facts({ contacts: [{ ...contact, status: 'Unreachable' }] }), true)).toMatchObject({ status: 'UNREACHABLE', peerContact: contact.uri });
    expect(deriveTrunkStatus(server, facts(), true)).toMatchObject({ status: 'UNREGISTERED', peerContact: null, serverAddress: null });
  });

  it('IAX client and server', () => {
    const peer = { reach: 'reachable' as const, latencyMs: 12, address: '203.0.113.5:4569', rejected: null };
    expect(deriveTrunkStatus(iax(), facts({ registration: { state: 'Registered', cause: null }, iaxPeer: peer }), true)).toMatchObject({
      status: 'REGISTERED',
      latencyMs: 12,
      serverAddress: '203.0.113.5:4569',
    });
    expect(deriveTrunkStatus(iax(), facts({ registration: { state: 'Timeout', cause: null } }), true)).toMatchObject({ status: 'UNREACHABLE', failure: 'no response (timeout)' });
    expect(deriveTrunkStatus(iax(), facts({ registration: { state: 'Registered', cause: null }, iaxPeer: { ...peer, reach: 'unreachable' } }), true).status).toBe('UNREACHABLE');
    const server = iax({ name: 'iaxbranch', mode: 'SERVER', serverHost: '', serverPort: null });
    let fact = iaxPeerAfterEvent(null, parsePeerStatus(readTrunkSequence('iax-server-peer.txt')[0]!)!);
    expect(deriveTrunkStatus(server, facts({ iaxPeer: fact }), true)).toMatchObject({ status: 'REGISTERED', peerContact: '198.51.100.9' });
    fact = iaxPeerAfterEvent(fact, { channelType: 'IAX2', peer: 'iaxbranch', peerStatus: 'Unregistered', cause: 'Expired', address: null, timeMs: null });
    expect(deriveTrunkStatus(server, facts({ iaxPeer: fact }), true)).toMatchObject({ status: 'UNREGISTERED', peerContact: null });
    fact = iaxPeerAfterEvent(fact, { channelType: 'IAX2', peer: 'iaxbranch', peerStatus: 'Rejected', cause: 'No authority found', address: null, timeMs: null });
    expect(deriveTrunkStatus(server, facts({ iaxPeer: fact }), true)).toMatchObject({ status: 'REJECTED', failure: "the peer's registration was rejected: No authority found" });
    // An unknown PeerStatus changes nothing.
    expect(iaxPeerAfterEvent(fact, { channelType: 'IAX2', peer: 'iaxbranch', peerStatus: 'Wobbly', cause: null, address: null, timeMs: null })).toBe(fact);
  });
});

describe('matching reports to trunks', () => {
  it('outbound registrations by name, `-registration` suffix or endpoint; Registry events by their URIs', () => {
    const trunks = byName(sip(), iax());
    const reg = { objectName: 'provider-registration', clientUri: 'sip:alice@sip.example.com:5060', serverUri: 'sip:sip.example.com:5060', endpoint: '', status: 'Registered' };
    expect(trunkOfRegistration(reg, trunks)?.name).toBe('provider');
    expect(trunkOfRegistration({ ...reg, objectName: 'reg1', endpoint: 'provider' }, trunks)?.name).toBe('provider');
    expect(trunkOfRegistration({ ...reg, objectName: 'iaxprov' }, trunks)).toBeUndefined();
    const event = parseRegistry(readTrunkSequence('sip-registered-rejected-registered.txt')[0]!)!;
    // From the default URIs the trunk domain renders, before any listing.
    expect(trunkOfPjsipRegistry(event, trunks, new Map())?.name).toBe('provider');
    const custom = sip({ clientUri: 'sip:99@ims.example.net', serverUri: 'sip:ims.example.net' });
    expect(trunkOfPjsipRegistry(event, byName(custom), new Map())).toBeUndefined();
    expect(trunkOfPjsipRegistry({ ...event, username: 'sip:99@ims.example.net', domain: 'sip:ims.example.net' }, byName(custom), new Map())?.name).toBe('provider');
    expect(trunkOfPjsipRegistry(event, byName(custom), new Map([['sip:alice@sip.example.com:5060 sip:sip.example.com:5060', 'provider']]))?.name).toBe('provider');
  });

  it('IAX registrations by user name, then by host', () => {
    const a = iax();
    const b = iax({ id: 't3', name: 'iaxother', serverHost: '198.51.100.20' });
    expect(trunkOfIaxRegistration('bob', '203.0.113.5:4569', byName(a))?.name).toBe('iaxprov');
    expect(trunkOfIaxRegistration('bob', '198.51.100.20:4569', byName(a, b))?.name).toBe('iaxother');
    expect(trunkOfIaxRegistration('carol', '203.0.113.5:4569', byName(a, b))).toBeUndefined();
  });

  it('reads Trunk rows leniently', () => {
    const row = { id: 'x', name: 'p', kind: 'SIP', mode: 'CLIENT', enabled: true, options: JSON.stringify({ serverHost: 'h.example', serverPort: 5080, username: 'u' }) };
    expect(trunkConfigOf(row)).toMatchObject({ serverHost: 'h.example', serverPort: 5080, username: 'u', clientUri: '' });
    expect(trunkConfigOf({ ...row, options: '{not json' })).toMatchObject({ serverHost: '', serverPort: null });
    expect(trunkConfigOf({ ...row, kind: 'ANALOG' })).toBeNull();
  });
});
