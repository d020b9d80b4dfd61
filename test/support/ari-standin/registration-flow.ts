import { contactStatusChange, peerStatusChange } from './ari-events.js';
import { publishEndpointDeviceState } from './device-states.js';
import type { FlowContext } from './flow-context.js';
import type { ContactRecord } from './pbx-state.js';

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

/**
 * A phone's REGISTER, as in events-register-*.jsonl: the contact is added
 * (NonQualified, endpoint still offline), the endpoint comes online, the first
 * qualify answers (Reachable with its round trip), then device states.
 */
export function registerContact(ctx: FlowContext, resource: string, options: RegisterOptions): void {
  const endpoint = ctx.state.requireEndpoint(resource);
  const contact: ContactRecord = {
    uri: options.uri ?? `sip:${resource}@${options.ip}:${options.port}`,
    ip: options.ip,
    port: options.port,
    userAgent: options.userAgent ?? '',
    rttUsec: options.rttUsec ?? 1000,
  };
  endpoint.autoAnswer = options.autoAnswer ?? endpoint.autoAnswer;
  const previous = endpoint.contact;
  if (previous?.uri === contact.uri) {
    // A registration refresh changes nothing ARI reports.
    endpoint.contact = contact;
    return;
  }
  const contactInfo = (status: 'NonQualified' | 'Reachable' | 'Removed', rtt: number) => ({
    uri: status === 'Removed' && previous ? previous.uri : contact.uri,
    contact_status: status,
    aor: resource,
    roundtrip_usec: String(rtt),
  });
  if (previous) {
    // Not recorded: with max_contacts=1 and remove_existing, the old contact goes first.
    ctx.emit(contactStatusChange(ctx.state.endpointJson(resource), contactInfo('Removed', 0)));
  }
  ctx.emit(contactStatusChange(ctx.state.endpointJson(resource), contactInfo('NonQualified', 0)));
  endpoint.contact = contact;
  if (!previous) ctx.emit(peerStatusChange(ctx.state.endpointJson(resource), 'Reachable'));
  ctx.emit(contactStatusChange(ctx.state.endpointJson(resource), contactInfo('Reachable', contact.rttUsec)));
  publishEndpointDeviceState(ctx.state, ctx.emit, resource);
}

/**
 * REGISTER with Expires: 0, as in events-unregister-101.jsonl. The recording
 * for 100 has the device state events before ContactStatusChange: Asterisk
 * does not order them; this stand-in always uses the order recorded for 101.
 */
export function unregisterContact(ctx: FlowContext, resource: string): void {
  const endpoint = ctx.state.requireEndpoint(resource);
  const contact = endpoint.contact;
  if (!contact) return;
  endpoint.contact = undefined;
  ctx.emit(peerStatusChange(ctx.state.endpointJson(resource), 'Unreachable'));
  ctx.emit(
    contactStatusChange(ctx.state.endpointJson(resource), {
      uri: contact.uri,
      contact_status: 'Removed',
      aor: resource,
      roundtrip_usec: '0',
    }),
  );
  publishEndpointDeviceState(ctx.state, ctx.emit, resource);
}
