import { registersToFarEnd, type TrunkKind, type TrunkMode } from '../../trunks/contract.js';
import { parseSipUri } from '../ami/contacts.js';
import { header, type AmiMessage } from '../ami/message.js';

/**
 * Live status of SIP and IAX trunks (F-3.3.a), normalised from AMI. ARI has
 * no outbound-registration events, so everything here comes from AMI events
 * and listings (Asterisk 22 sources named at each parser).
 */

export const trunkStates = ['REGISTERED', 'UNREGISTERED', 'REJECTED', 'UNREACHABLE', 'DISABLED'] as const;
export type TrunkState = (typeof trunkStates)[number];

/** What a subscriber sees; JSON-safe (it crosses the Redis bus). */
export type TrunkStatus = {
  trunkId: string;
  name: string;
  kind: TrunkKind;
  mode: TrunkMode;
  status: TrunkState;
  /** Round-trip time of the last qualify (SIP OPTIONS, IAX2 POKE), ms; null when unknown. */
  latencyMs: number | null;
  /** CLIENT: the configured server; SERVER: the peer's address when known, else the configured one. */
  serverAddress: string | null;
  /** SERVER mode: the peer's contact (SIP contact URI, IAX2 `host:port`); null otherwise. */
  peerContact: string | null;
  /** Why the trunk last failed (kept after it recovers); null when it never failed since start. */
  lastFailureReason: string | null;
  /** ISO time of the last change of this status. */
  changedAt: string;
};

/** A trunk as configured (from the Trunk table). */
export type TrunkConfig = {
  id: string;
  name: string;
  kind: TrunkKind;
  mode: TrunkMode;
  enabled: boolean;
  serverHost: string;
  serverPort: number | null;
  username: string;
  clientUri: string;
  serverUri: string;
};

/** Reads a Trunk row leniently: a broken options JSON gives empty options, never a throw. */
export function trunkConfigOf(row: { id: string; name: string; kind: string; mode: string; enabled: boolean; options: string }): TrunkConfig | null {
  if (row.kind !== 'SIP' && row.kind !== 'IAX') return null;
  let options: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(row.options);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) options = parsed as Record<string, unknown>;
  } catch {
    // left empty
  }
  const text = (key: string) => {
    const v = options[key];
    return typeof v === 'string' ? v.trim() : '';
  };
  const port = typeof options.serverPort === 'number' && Number.isInteger(options.serverPort) ? options.serverPort : null;
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    mode: row.mode === 'SERVER' ? 'SERVER' : 'CLIENT',
    enabled: row.enabled,
    serverHost: text('serverHost'),
    serverPort: port,
    username: text('username'),
    clientUri: text('clientUri'),
    serverUri: text('serverUri'),
  };
}

// ---------------------------------------------------------------- raw AMI messages

/** `Registry` (main/stasis_system.c, system_registry_to_ami): PJSIP from res_pjsip_outbound_registration.c, IAX2 from chan_iax2.c. */
export type RegistryEvent = { channelType: string; username: string; domain: string; status: string; cause: string | null };
/** `OutboundRegistrationDetail` of PJSIPShowRegistrationsOutbound (res_pjsip_outbound_registration.c, ami_outbound_registration_task). */
export type OutboundRegistration = { objectName: string; clientUri: string; serverUri: string; endpoint: string; status: string };
/** `ContactStatus` event (main/stasis_endpoints.c) or `ContactStatusDetail` of PJSIPShowEndpoint (res_pjsip/pjsip_options.c). */
export type ContactReport = { aor: string; uri: string; status: string; rttUsec: number | null };
/** `RegistryEntry` of IAXregistry (chan_iax2.c, manager_iax2_show_registry). */
export type IaxRegistryEntry = { host: string; username: string; state: string };
/** `PeerEntry` of IAXpeerlist (chan_iax2.c, _iax2_show_peers_one). */
export type IaxPeerEntry = { name: string; address: string | null; status: string; latencyMs: number | null };
/** `PeerStatus` event (main/stasis_endpoints.c, peerstatus_to_ami). */
export type PeerStatusEvent = { channelType: string; peer: string; peerStatus: string; cause: string | null; address: string | null; timeMs: number | null };

const value = (m: AmiMessage, name: string): string => header(m, name)?.trim() ?? '';
const orNull = (text: string): string | null => (text === '' ? null : text);

function count(text: string): number | null {
  if (!/^\d+$/.test(text)) return null;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : null;
}

export function eventName(m: AmiMessage): string {
  return value(m, 'Event');
}

export function parseRegistry(m: AmiMessage): RegistryEvent | null {
  const channelType = value(m, 'ChannelType');
  const status = value(m, 'Status');
  if (eventName(m) !== 'Registry' || !channelType || !status) return null;
  return { channelType, username: value(m, 'Username'), domain: value(m, 'Domain'), status, cause: orNull(value(m, 'Cause')) };
}

export function parseOutboundRegistration(m: AmiMessage): OutboundRegistration | null {
  const objectName = value(m, 'ObjectName');
  if (eventName(m) !== 'OutboundRegistrationDetail' || !objectName) return null;
  // No Status when Asterisk holds no state for it (not started yet): Unregistered.
  return { objectName, clientUri: value(m, 'ClientUri'), serverUri: value(m, 'ServerUri'), endpoint: value(m, 'Endpoint'), status: value(m, 'Status') || 'Unregistered' };
}

export function parseContactReport(m: AmiMessage): ContactReport | null {
  const event = eventName(m);
  const aor = value(m, 'AOR');
  const uri = value(m, 'URI');
  const status = event === 'ContactStatus' ? value(m, 'ContactStatus') : event === 'ContactStatusDetail' ? value(m, 'Status') : '';
  if (!aor || !uri || !status) return null;
  // NonQualified contacts report RoundtripUsec 0, listings `N/A` unless Reachable.
  const rtt = count(value(m, 'RoundtripUsec'));
  return { aor, uri, status, rttUsec: status === 'Reachable' ? rtt : null };
}

export function parseIaxRegistryEntry(m: AmiMessage): IaxRegistryEntry | null {
  const username = value(m, 'Username');
  const state = value(m, 'State');
  if (eventName(m) !== 'RegistryEntry' || !username || !state) return null;
  return { host: value(m, 'Host'), username, state };
}

/** `OK (12 ms)`, `LAGGED (2100 ms)`, `UNREACHABLE`, `UNKNOWN`, `Unmonitored` (chan_iax2.c, peer_status). */
function iaxLatency(status: string): number | null {
  const match = /\((\d+) ms\)/.exec(status);
  return match ? Number(match[1]) : null;
}

/** `(null)`, `0.0.0.0` and an empty address mean the peer has none (never registered, or unregistered). */
function iaxAddress(ip: string, port: string): string | null {
  if (!ip || ip === '(null)' || ip === '0.0.0.0' || ip === '::') return null;
  const host = ip.includes(':') ? `[${ip}]` : ip;
  const p = count(port);
  return p && p > 0 ? `${host}:${p}` : host;
}

export function parseIaxPeerEntry(m: AmiMessage): IaxPeerEntry | null {
  const name = value(m, 'ObjectName');
  if (eventName(m) !== 'PeerEntry' || !name) return null;
  const status = value(m, 'Status');
  // IAXpeers (not IAXpeerlist) names `peer/username` and calls the port IPport.
  const peerName = header(m, 'ObjectUsername') !== undefined ? name : name.split('/')[0]!;
  return { name: peerName, address: iaxAddress(value(m, 'IPaddress'), value(m, 'Port') || value(m, 'IPport')), status, latencyMs: iaxLatency(status) };
}

export function parsePeerStatus(m: AmiMessage): PeerStatusEvent | null {
  const peerStatus = value(m, 'PeerStatus');
  const peer = value(m, 'Peer');
  const slash = peer.indexOf('/');
  if (eventName(m) !== 'PeerStatus' || !peerStatus || slash <= 0) return null;
  const address = value(m, 'Address');
  // chan_iax2 packs `time` and `port` as JSON integers, which peerstatus_to_ami drops: Time is absent on Asterisk 22, kept here for other versions.
  const time = /^-?\d+$/.test(value(m, 'Time')) ? Number(value(m, 'Time')) : null;
  return {
    channelType: value(m, 'ChannelType') || peer.slice(0, slash),
    peer: peer.slice(slash + 1),
    peerStatus,
    cause: orNull(value(m, 'Cause')),
    address: address ? (value(m, 'Port') && !address.includes(':') ? `${address}:${value(m, 'Port')}` : address) : null,
    timeMs: time !== null && time >= 0 ? time : null,
  };
}

// ---------------------------------------------------------------- facts per trunk

/** A registration's state in Asterisk's words (Registered, Rejected, Request Sent, Timeout ...). */
export type RegistrationFact = { state: string; cause: string | null };
export type IaxPeerFact = {
  /** reachable, lagged, unreachable or unknown (not qualified). */
  reach: 'reachable' | 'lagged' | 'unreachable' | 'unknown';
  latencyMs: number | null;
  address: string | null;
  /** Cause of the last rejected registration of the peer (SERVER mode), until it registers. */
  rejected: string | null;
};
export type TrunkFacts = { registration: RegistrationFact | null; contacts: ContactReport[]; iaxPeer: IaxPeerFact | null };

export const noFacts = (): TrunkFacts => ({ registration: null, contacts: [], iaxPeer: null });

/** The IAX2 peer as IAXpeerlist reports it. */
export function iaxPeerFromEntry(entry: IaxPeerEntry): IaxPeerFact {
  const s = entry.status.toUpperCase();
  const reach = s.startsWith('OK') ? 'reachable' : s.startsWith('LAGGED') ? 'lagged' : s === 'UNREACHABLE' ? 'unreachable' : 'unknown';
  return { reach, latencyMs: reach === 'unreachable' ? null : entry.latencyMs, address: entry.address, rejected: null };
}

/** A PeerStatus event applied to what is known of the peer; unknown statuses change nothing. */
export function iaxPeerAfterEvent(before: IaxPeerFact | null, event: PeerStatusEvent): IaxPeerFact | null {
  const peer: IaxPeerFact = before ? { ...before } : { reach: 'unknown', latencyMs: null, address: null, rejected: null };
  switch (event.peerStatus) {
    case 'Registered': {
      // Recorded on Asterisk 22.10.1: the Address of an IAX2 PeerStatus has no port (IAXpeerlist has it); the same host keeps the known port.
      const samePlace = event.address && peer.address && peer.address.replace(/:\d+$/, '') === event.address;
      return { ...peer, address: samePlace ? peer.address : (event.address ?? peer.address ?? 'unknown address'), rejected: null };
    }
    case 'Unregistered':
      return { ...peer, address: null, reach: 'unknown', latencyMs: null };
    case 'Reachable':
      return { ...peer, reach: 'reachable', latencyMs: event.timeMs ?? peer.latencyMs };
    case 'Lagged':
      return { ...peer, reach: 'lagged', latencyMs: event.timeMs ?? peer.latencyMs };
    case 'Unreachable':
      return { ...peer, reach: 'unreachable', latencyMs: null };
    case 'Rejected':
      return { ...peer, rejected: event.cause ?? 'registration rejected' };
    default:
      return before;
  }
}

// ---------------------------------------------------------------- derivation

type Derived = { status: TrunkState; failure: string | null };

/**
 * A registration state to a trunk state. PJSIP says only Registered,
 * Unregistered or Rejected (recorded: a 401 after a wrong password gives a
 * Registry event `Rejected` without Cause; a provider that stops answering
 * gives no Registry event at all while the registration has not expired, so
 * UNREACHABLE comes from the contact's qualify); IAX2 adds Request Sent,
 * Auth. Sent, Timeout and No Authentication (recorded: a wrong secret gives
 * `Rejected` with Cause `Registration Refused`). An unknown word is kept in
 * the failure reason.
 */
export function registrationState(fact: RegistrationFact): Derived {
  const cause = fact.cause && fact.cause !== '<unknown>' ? fact.cause : null;
  switch (fact.state.toLowerCase()) {
    case 'registered':
      return { status: 'REGISTERED', failure: null };
    case 'unregistered':
    case 'request sent':
    case 'auth. sent':
      return { status: 'UNREGISTERED', failure: null };
    case 'rejected':
      return { status: 'REJECTED', failure: cause ? `registration rejected: ${cause}` : 'registration rejected by the provider (wrong credentials, or refused)' };
    case 'no authentication':
      return { status: 'REJECTED', failure: 'the server asked for an authentication the trunk cannot give (no authentication)' };
    case 'timeout':
      return { status: 'UNREACHABLE', failure: 'no response (timeout)' };
    case 'failed':
      return { status: 'UNREACHABLE', failure: cause ? `registration failed: ${cause}` : 'registration failed' };
    case 'stopped':
      return { status: 'UNREGISTERED', failure: 'registration stopped' };
    default:
      return { status: 'UNREGISTERED', failure: `Asterisk reported the registration as "${fact.state}"${cause ? `: ${cause}` : ''}` };
  }
}

const usable = new Set(['Reachable', 'NonQualified', 'Unknown', 'Created', 'Updated']);

function hostPort(host: string, port: number | null): string | null {
  if (!host) return null;
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return port ? `${h}:${port}` : h;
}

function contactAddress(uri: string): string | null {
  const target = parseSipUri(uri);
  return target ? hostPort(target.host, target.port) : null;
}

export type TrunkView = Omit<TrunkStatus, 'lastFailureReason' | 'changedAt'> & { failure: string | null };

/** The status of one trunk from its configuration and what Asterisk reported; `connected`: AMI is up. */
export function deriveTrunkStatus(config: TrunkConfig, facts: TrunkFacts, connected: boolean): TrunkView {
  const base = { trunkId: config.id, name: config.name, kind: config.kind, mode: config.mode };
  const configured = hostPort(config.serverHost, config.serverPort);
  if (!config.enabled) return { ...base, status: 'DISABLED', latencyMs: null, serverAddress: configured, peerContact: null, failure: null };
  if (!connected) return { ...base, status: 'UNREGISTERED', latencyMs: null, serverAddress: configured, peerContact: null, failure: null };

  if (config.kind === 'SIP') {
    const reachable = facts.contacts.find((c) => c.status === 'Reachable');
    const live = reachable ?? facts.contacts.find((c) => usable.has(c.status));
    const latencyMs = reachable?.rttUsec != null ? reachable.rttUsec / 1000 : null;
    const allUnreachable = facts.contacts.length > 0 && !live;
    if (config.mode === 'SERVER') {
      const contact = live ?? facts.contacts[0];
      const peer = { latencyMs, serverAddress: (contact && contactAddress(contact.uri)) ?? configured, peerContact: contact?.uri ?? null };
      if (allUnreachable) return { ...base, ...peer, status: 'UNREACHABLE', failure: 'the peer does not answer (qualify timeout)' };
      return { ...base, ...peer, status: live ? 'REGISTERED' : 'UNREGISTERED', failure: null };
    }
    const server = { latencyMs, serverAddress: configured ?? contactAddress(config.serverUri), peerContact: null };
    if (allUnreachable) return { ...base, ...server, status: 'UNREACHABLE', failure: 'no response (timeout)' };
    // A provider reached by address (no registration) is up while its server answers, as a SERVER peer known by address.
    if (!registersToFarEnd(config)) return { ...base, ...server, status: live ? 'REGISTERED' : 'UNREGISTERED', failure: null };
    if (facts.registration) return { ...base, ...server, ...registrationState(facts.registration) };
    // Every client-mode SIP trunk with a user name renders a registration (trunks/config.ts). Recorded on Asterisk 22.10.1: right after the
    // reload that creates it, the static contact already answers its qualify while the registration is not listed yet or
    // listed `Unregistered` (its first REGISTER waits up to max_random_initial_delay): not registered, whatever the contact says.
    return { ...base, ...server, status: 'UNREGISTERED', failure: null };
  }

  const peer = facts.iaxPeer;
  const latencyMs = peer && peer.reach !== 'unreachable' ? peer.latencyMs : null;
  if (config.mode === 'SERVER') {
    const view = { latencyMs, serverAddress: peer?.address ?? configured, peerContact: peer?.address ?? null };
    if (peer?.reach === 'unreachable') return { ...base, ...view, status: 'UNREACHABLE', failure: 'the peer does not answer (qualify timeout)' };
    if (peer?.rejected && !peer.address) return { ...base, ...view, status: 'REJECTED', failure: `the peer's registration was rejected: ${peer.rejected}` };
    return { ...base, ...view, status: peer?.address ? 'REGISTERED' : 'UNREGISTERED', failure: null };
  }
  const server = { latencyMs, serverAddress: configured, peerContact: null };
  if (peer?.reach === 'unreachable') return { ...base, ...server, status: 'UNREACHABLE', failure: 'no response (timeout)' };
  if (facts.registration) return { ...base, ...server, ...registrationState(facts.registration) };
  return { ...base, ...server, status: 'UNREGISTERED', failure: null };
}

/** Whether two statuses differ in anything a subscriber sees (changedAt aside). */
export function sameTrunkStatus(a: Omit<TrunkStatus, 'changedAt'>, b: Omit<TrunkStatus, 'changedAt'>): boolean {
  return (
    a.trunkId === b.trunkId &&
    a.kind === b.kind &&
    a.mode === b.mode &&
    a.status === b.status &&
    a.latencyMs === b.latencyMs &&
    a.serverAddress === b.serverAddress &&
    a.peerContact === b.peerContact &&
    a.lastFailureReason === b.lastFailureReason
  );
}

// ---------------------------------------------------------------- matching reports to trunks

/** The default URIs the trunk domain renders (fields.ts: sip:username@serverHost:serverPort, sip:serverHost:serverPort). */
function expectedUris(config: TrunkConfig): { client: string; server: string } {
  const server = hostPort(config.serverHost, config.serverPort);
  return { client: config.clientUri || (server && config.username ? `sip:${config.username}@${server}` : ''), server: config.serverUri || (server ? `sip:${server}` : '') };
}

const uriKey = (client: string, server: string) => `${client.toLowerCase()} ${server.toLowerCase()}`;

/** Which trunk an outbound registration belongs to: named like the trunk, `<trunk>-registration`, or by its endpoint. */
export function trunkOfRegistration(reg: OutboundRegistration, trunks: ReadonlyMap<string, TrunkConfig>): TrunkConfig | undefined {
  const candidates = [reg.objectName, reg.objectName.replace(/-(registration|reg)$/i, ''), reg.endpoint];
  for (const name of candidates) {
    const trunk = trunks.get(name);
    if (trunk?.kind === 'SIP') return trunk;
  }
  return undefined;
}

/** PJSIP Registry events name the registration by its client and server URI only. */
export function trunkOfPjsipRegistry(event: RegistryEvent, trunks: ReadonlyMap<string, TrunkConfig>, listed: ReadonlyMap<string, string>): TrunkConfig | undefined {
  const key = uriKey(event.username, event.domain);
  const name = listed.get(key);
  if (name) return trunks.get(name);
  for (const trunk of trunks.values()) {
    if (trunk.kind !== 'SIP' || !registersToFarEnd(trunk)) continue;
    const uris = expectedUris(trunk);
    if (uriKey(uris.client, uris.server) === key) return trunk;
  }
  return undefined;
}

export function registrationKey(reg: OutboundRegistration): string {
  return uriKey(reg.clientUri, reg.serverUri);
}

/**
 * IAX2 registrations are not named: `register => user:secret@host` is known
 * by its user name and the address it resolved to. One IAX client trunk with
 * that user name is it; with several, the one whose server is that host.
 */
export function trunkOfIaxRegistration(username: string, hostAndPort: string, trunks: ReadonlyMap<string, TrunkConfig>): TrunkConfig | undefined {
  const candidates = [...trunks.values()].filter((t) => t.kind === 'IAX' && t.mode === 'CLIENT' && t.username === username);
  if (candidates.length <= 1) return candidates[0];
  const host = hostAndPort.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return candidates.find((t) => t.serverHost === host || hostPort(t.serverHost, t.serverPort) === hostAndPort);
}
