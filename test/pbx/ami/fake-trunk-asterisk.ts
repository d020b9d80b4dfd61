import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { wireMessage, type FakeAmiServer, type FakeConnection } from './fake-ami-server.js';

/**
 * The trunk side of Asterisk 22 behind the fake AMI server: outbound
 * registrations (PJSIPShowRegistrationsOutbound), endpoints with their
 * contacts (PJSIPShowEndpoint), IAX2 registrations (IAXregistry) and peers
 * (IAXpeerlist), answered from a state that `play()` keeps in step with the
 * events it sends. Field names are Asterisk 22's; play() sends recorded events byte for byte and serveRecorded() answers an action with a recorded listing (see
 * test/pbx/fixtures/ami-trunks/README.md for where each comes from).
 */

export const TRUNK_SEQUENCES_DIR = path.resolve(fileURLToPath(new URL('../fixtures/ami-trunks', import.meta.url)));

/** One recorded event: its text as Asterisk sent it (LF line ends) and its fields. */
export type RecordedEvent = { raw: string; fields: Record<string, string> };

function fieldsOf(block: string): Record<string, string> {
  const message: Record<string, string> = {};
  for (const line of block.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) message[line.slice(0, colon)] = line.slice(colon + 1).replace(/^ /, '');
  }
  return message;
}

/** The events of a fixture file: `#` lines are comments, a blank line ends an event. */
export function readTrunkEvents(file: string): RecordedEvent[] {
  const text = readFileSync(path.join(TRUNK_SEQUENCES_DIR, file), 'utf8');
  return text
    .split('\n')
    .filter((line) => !line.startsWith('#'))
    .join('\n')
    .split(/\n\n/)
    .filter((block) => block.trim() !== '')
    .map((block) => ({ raw: block.replace(/^\n+|\n+$/g, ''), fields: fieldsOf(block) }));
}

export function readTrunkSequence(file: string): Record<string, string>[] {
  return readTrunkEvents(file).map((e) => e.fields);
}

/** A recorded listing (`listing-*.txt`): the request sent and the response with its events, as recorded. */
export function readTrunkListing(file: string): { request: Record<string, string>; messages: Record<string, string>[]; wireFor(actionId: string): string } {
  const text = readFileSync(path.join(TRUNK_SEQUENCES_DIR, file), 'utf8');
  const [requestPart, responsePart] = text.split('# response\n');
  if (requestPart === undefined || responsePart === undefined) throw new Error(`${file}: no "# response" section`);
  const request = fieldsOf(requestPart.replace('# request\n', '').trim());
  const recordedId = request.ActionID ?? '';
  const withId = (id: string) => responsePart.split(`ActionID: ${recordedId}\n`).join(`ActionID: ${id}\n`);
  return {
    request,
    messages: responsePart
      .split('\n\n')
      .filter((b) => b.trim() !== '')
      .map(fieldsOf),
    wireFor: (id) => withId(id).replace(/\n/g, '\r\n'),
  };
}

export type FakeRegistration = { clientUri: string; serverUri: string; endpoint: string; status: string };
export type FakeContact = { uri: string; status: string; rttUsec: number | null };
export type FakeIaxRegistration = { host: string; username: string; state: string };
export type FakeIaxPeer = { ip: string | null; port: number; status: string };

export class FakeTrunkAsterisk {
  /** PJSIP registration objects by name. */
  readonly registrations = new Map<string, FakeRegistration>();
  /** PJSIP endpoints (by name) with the contacts of their AOR (same name). */
  readonly endpoints = new Map<string, FakeContact[]>();
  readonly iaxRegistry: FakeIaxRegistration[] = [];
  readonly iaxPeers = new Map<string, FakeIaxPeer>();
  /** Whether chan_iax2 is loaded; when not, its actions are unknown commands. */
  iaxLoaded = true;
  /** Recorded listings answered as they are (ActionID replaced), by `Action` or `Action Endpoint`, instead of the state. */
  readonly recorded = new Map<string, string>();

  constructor(private readonly ami: FakeAmiServer) {
    const answer = (key: string, id: string, connection: FakeConnection, otherwise: () => Promise<void>) => {
      const file = this.recorded.get(key);
      return file ? connection.send(readTrunkListing(file).wireFor(id)) : otherwise();
    };
    ami.on('PJSIPShowRegistrationsOutbound', (request, connection) =>
      answer('PJSIPShowRegistrationsOutbound', request.ActionID ?? '', connection, () => this.showRegistrations(request.ActionID ?? '', connection)),
    );
    ami.on('PJSIPShowEndpoint', (request, connection) =>
      answer(`PJSIPShowEndpoint ${request.Endpoint ?? ''}`, request.ActionID ?? '', connection, () => this.showEndpoint(request.ActionID ?? '', request.Endpoint ?? '', connection)),
    );
    ami.on('IAXregistry', (request, connection) => answer('IAXregistry', request.ActionID ?? '', connection, () => this.iaxRegistryList(request.ActionID ?? '', connection)));
    ami.on('IAXpeerlist', (request, connection) => answer('IAXpeerlist', request.ActionID ?? '', connection, () => this.iaxPeerList(request.ActionID ?? '', connection)));
  }

  /** Answers the listing's action with the recorded response from now on. */
  serveRecorded(file: string): void {
    const { request } = readTrunkListing(file);
    this.recorded.set(request.Action === 'PJSIPShowEndpoint' ? `PJSIPShowEndpoint ${request.Endpoint ?? ''}` : (request.Action ?? ''), file);
  }

  /** Sends the events of a fixture file as recorded (CRLF), or the ones given, in order, updating the state as Asterisk would. */
  async play(sequence: string | Array<Record<string, string> | RecordedEvent>, options: { delayMs?: number } = {}): Promise<void> {
    const events = typeof sequence === 'string' ? readTrunkEvents(sequence) : sequence;
    for (const item of events) {
      const event = typeof item.raw === 'string' && typeof item.fields === 'object' ? (item as RecordedEvent) : null;
      this.track(event ? event.fields : (item as Record<string, string>));
      await this.ami.broadcast(event ? `${event.raw.replace(/\n/g, '\r\n')}\r\n\r\n` : wireMessage(item as Record<string, string>));
      if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
    }
  }

  /** Sends raw bytes as they are (malformed events). */
  async sendRaw(text: string): Promise<void> {
    await this.ami.broadcast(text);
  }

  private track(event: Record<string, string>): void {
    switch (event.Event) {
      case 'Registry':
        if (event.ChannelType === 'PJSIP') {
          for (const reg of this.registrations.values()) if (reg.clientUri === event.Username && reg.serverUri === event.Domain) reg.status = event.Status ?? reg.status;
        } else if (event.ChannelType === 'IAX2') {
          const entry = this.iaxRegistry.find((r) => r.username === event.Username);
          if (entry) entry.state = event.Status ?? entry.state;
        }
        return;
      case 'ContactStatus': {
        const aor = event.AOR ?? '';
        const contacts = (this.endpoints.get(aor) ?? []).filter((c) => c.uri !== event.URI);
        if (event.ContactStatus !== 'Removed')
          contacts.push({ uri: event.URI ?? '', status: event.ContactStatus ?? 'Unknown', rttUsec: event.ContactStatus === 'Reachable' ? Number(event.RoundtripUsec) : null });
        this.endpoints.set(aor, contacts);
        return;
      }
      case 'PeerStatus': {
        const name = (event.Peer ?? '').replace(/^IAX2\//, '');
        const peer = this.iaxPeers.get(name);
        if (event.ChannelType !== 'IAX2' || !peer) return;
        if (event.PeerStatus === 'Registered') peer.ip = event.Address ?? peer.ip;
        if (event.PeerStatus === 'Unregistered') peer.ip = null;
        if (event.PeerStatus === 'Unreachable') peer.status = 'UNREACHABLE';
        if (event.PeerStatus === 'Reachable' && !peer.status.startsWith('OK')) peer.status = 'OK (1 ms)';
        return;
      }
    }
  }

  private listStart(id: string, message: string): string {
    return wireMessage({ Response: 'Success', ActionID: id, EventList: 'start', Message: message });
  }

  private listComplete(event: string, id: string, count: number, extra: Record<string, string> = {}): string {
    return wireMessage({ Event: event, ActionID: id, EventList: 'Complete', ListItems: String(count), ...extra });
  }

  // res_pjsip_outbound_registration.c: ami_show_outbound_registrations / ami_outbound_registration_task
  private async showRegistrations(id: string, connection: FakeConnection): Promise<void> {
    let text = this.listStart(id, 'Following are Events for each Outbound registration');
    let registered = 0;
    for (const [name, reg] of this.registrations) {
      if (reg.status === 'Registered') registered++;
      text += wireMessage({
        Event: 'OutboundRegistrationDetail',
        ActionID: id,
        ObjectType: 'registration',
        ObjectName: name,
        MaxRetries: '10',
        ClientUri: reg.clientUri,
        ServerUri: reg.serverUri,
        OutboundAuth: `${name}-auth`,
        Endpoint: reg.endpoint,
        Expiration: '3600',
        RetryInterval: '60',
        Transport: 'transport-udp',
        Status: reg.status,
        NextReg: '3590',
      });
      text += wireMessage({ Event: 'AuthDetail', ActionID: id, ObjectType: 'auth', ObjectName: `${name}-auth`, Username: 'alice', AuthType: 'userpass' });
    }
    text += this.listComplete('OutboundRegistrationDetailComplete', id, this.registrations.size, { Registered: String(registered), NotRegistered: String(this.registrations.size - registered) });
    await connection.send(text);
  }

  // res_pjsip/pjsip_manager.c ami_show_endpoint; ContactStatusDetail from res_pjsip/pjsip_options.c ast_sip_format_contact_ami
  private async showEndpoint(id: string, name: string, connection: FakeConnection): Promise<void> {
    const contacts = this.endpoints.get(name);
    if (!contacts) {
      await connection.send(wireMessage({ Response: 'Error', ActionID: id, Message: `Unable to retrieve endpoint ${name}` }));
      return;
    }
    let text = this.listStart(id, 'Following are Events for each object associated with the Endpoint');
    text += wireMessage({ Event: 'EndpointDetail', ActionID: id, ObjectType: 'endpoint', ObjectName: name, Aors: name, DeviceState: 'Not in use' });
    text += wireMessage({ Event: 'AorDetail', ActionID: id, ObjectType: 'aor', ObjectName: name, QualifyFrequency: '60', EndpointName: name });
    for (const c of contacts) {
      text += wireMessage({
        Event: 'ContactStatusDetail',
        ActionID: id,
        AOR: name,
        URI: c.uri,
        UserAgent: '',
        RegExpire: '0',
        Status: c.status,
        RoundtripUsec: c.status === 'Reachable' && c.rttUsec !== null ? String(c.rttUsec) : 'N/A',
        EndpointName: name,
        ID: `${name}@@0123456789abcdef`,
        AuthenticateQualify: '0',
        OutboundProxy: '',
        Path: '',
        QualifyFrequency: '60',
        QualifyTimeout: '3.000',
        Qualify2xxOnly: '0',
      });
    }
    text += this.listComplete('EndpointDetailComplete', id, 2 + contacts.length);
    await connection.send(text);
  }

  private async unknownCommand(id: string, action: string, connection: FakeConnection): Promise<void> {
    await connection.send(wireMessage({ Response: 'Error', ActionID: id, Message: `Invalid/unknown command: ${action}. Use Action: ListCommands to show available commands.` }));
  }

  // chan_iax2.c manager_iax2_show_registry
  private async iaxRegistryList(id: string, connection: FakeConnection): Promise<void> {
    if (!this.iaxLoaded) return this.unknownCommand(id, 'IAXregistry', connection);
    let text = this.listStart(id, 'Registrations will follow');
    for (const r of this.iaxRegistry) {
      text += wireMessage({
        Event: 'RegistryEntry',
        ActionID: id,
        Host: r.host,
        DNSmanager: 'N',
        Username: r.username,
        Perceived: r.state === 'Registered' ? '192.0.2.1:4569' : '<Unregistered>',
        Refresh: '60',
        State: r.state,
      });
    }
    text += this.listComplete('RegistrationsComplete', id, this.iaxRegistry.length);
    await connection.send(text);
  }

  // chan_iax2.c manager_iax2_show_peer_list / _iax2_show_peers_one
  private async iaxPeerList(id: string, connection: FakeConnection): Promise<void> {
    if (!this.iaxLoaded) return this.unknownCommand(id, 'IAXpeerlist', connection);
    let text = this.listStart(id, 'IAX Peer status list will follow');
    for (const [name, p] of this.iaxPeers) {
      text += wireMessage({
        Event: 'PeerEntry',
        ActionID: id,
        Channeltype: 'IAX',
        ObjectName: name,
        ChanObjectType: 'peer',
        IPaddress: p.ip ?? '(null)',
        Mask: '255.255.255.255',
        Port: p.ip ? String(p.port) : '0',
        Dynamic: 'no',
        Trunk: 'no',
        Encryption: 'no',
        Status: p.status,
      });
    }
    text += this.listComplete('PeerlistComplete', id, this.iaxPeers.size);
    await connection.send(text);
  }
}
