import { contactStatusChange, peerStatusChange } from './ari-events.js';
import { publishEndpointDeviceState } from './device-states.js';
import type { FlowContext } from './flow-context.js';
import type { ContactRecord } from './pbx-state.js';
import type { ContactInfoJson } from './snapshots.js';

export interface RegisterOptions {
  ip: string;
  port: number;
  userAgent?: string;
  rttUsec?: number;
  /** Contact URI as the phone sent it; pjsua adds `;ob`, as in the recordings. */
  uri?: string;
  /** The phone answers calls originated to it without ringing. */
  autoAnswer?: boolean;
}

function contactInfo(resource: string, contact: ContactRecord, status: ContactInfoJson['contact_status']): ContactInfoJson {
  return {
    uri: contact.uri,
    contact_status: status,
    aor: resource,
    roundtrip_usec: String(status === 'Reachable' ? contact.rttUsec : 0),
  };
}

/**
 * A phone's REGISTER, as in events-register-*.jsonl: the contact is added
 * (NonQualified, endpoint still offline), the endpoint comes online, the first
 * qualify answers (Reachable with its round trip), then device states.
 *
 * A REGISTER with another contact URI adds a contact (max_contacts > 1, seen
 * on a real Asterisk 22.10.1): NonQualified then Reachable, with the endpoint
 * already online, so no PeerStatusChange and no device state change. Only
 * beyond the endpoint's `maxContacts` is the oldest contact removed first
 * (remove_existing; not recorded). The same URI again is a refresh, which
 * changes nothing ARI reports.
 */
export function registerContact(ctx: FlowContext, resource: string, options: RegisterOptions): void {
  const endpoint = ctx.state.requireEndpoint(resource);
  const contact: ContactRecord = {
    uri: options.uri ?? `sip:${resource}@${options.ip}:${options.port}`,
    ip: options.ip,
    port: options.port,
    userAgent: options.userAgent ?? '',
    rttUsec: options.rttUsec ?? 1000,
    status: 'NonQualified',
  };
  endpoint.autoAnswer = options.autoAnswer ?? endpoint.autoAnswer;
  const index = endpoint.contacts.findIndex((existing) => existing.uri === contact.uri);
  const refreshed = endpoint.contacts[index];
  if (refreshed) {
    // A registration refresh keeps the contact's qualify status.
    endpoint.contacts[index] = { ...contact, status: refreshed.status };
    return;
  }
  // The endpoint does not go offline in between when remove_existing swaps its contact.
  const wasOnline = ctx.state.isOnline(resource);
  while (endpoint.contacts.length > 0 && endpoint.contacts.length >= endpoint.maxContacts) {
    const snapshot = ctx.state.endpointJson(resource);
    const oldest = endpoint.contacts.shift();
    if (oldest) ctx.emit(contactStatusChange(snapshot, contactInfo(resource, oldest, 'Removed')));
  }
  if (wasOnline) {
    endpoint.contacts.push(contact);
    ctx.emit(contactStatusChange(ctx.state.endpointJson(resource), contactInfo(resource, contact, 'NonQualified')));
  } else {
    // As recorded: the first contact's NonQualified still shows the endpoint offline.
    ctx.emit(contactStatusChange(ctx.state.endpointJson(resource), contactInfo(resource, contact, 'NonQualified')));
    endpoint.contacts.push(contact);
    ctx.emit(peerStatusChange(ctx.state.endpointJson(resource), 'Reachable'));
  }
  qualifyContact(ctx, resource, contact);
  publishEndpointDeviceState(ctx.state, ctx.emit, resource);
}

/** An OPTIONS round trip answers: a NonQualified contact becomes Reachable. */
export function qualifyContact(ctx: FlowContext, resource: string, contact: ContactRecord): void {
  if (contact.status === 'Reachable') return;
  contact.status = 'Reachable';
  ctx.emit(contactStatusChange(ctx.state.endpointJson(resource), contactInfo(resource, contact, 'Reachable')));
}

/**
 * REGISTER with Expires: 0, as in events-unregister-101.jsonl. The recording
 * for 100 has the device state events before ContactStatusChange: Asterisk
 * does not order them; this stand-in always uses the order recorded for 101.
 * With `uri`, only that contact goes; while another remains the endpoint stays
 * online and only ContactStatusChange Removed is sent (seen on a real
 * Asterisk 22.10.1). Without it every contact goes, the last as recorded.
 */
export function unregisterContact(ctx: FlowContext, resource: string, uri?: string): void {
  const endpoint = ctx.state.requireEndpoint(resource);
  const leaving = endpoint.contacts.filter((contact) => uri === undefined || contact.uri === uri);
  for (const contact of leaving) {
    endpoint.contacts = endpoint.contacts.filter((other) => other !== contact);
    const offline = !ctx.state.isOnline(resource);
    if (offline) ctx.emit(peerStatusChange(ctx.state.endpointJson(resource), 'Unreachable'));
    ctx.emit(contactStatusChange(ctx.state.endpointJson(resource), contactInfo(resource, contact, 'Removed')));
    if (offline) publishEndpointDeviceState(ctx.state, ctx.emit, resource);
  }
}
