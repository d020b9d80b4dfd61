import { header, type AmiMessage } from '../pbx/ami/message.js';
import { parseAddress } from './addresses.js';

/**
 * Failure facts from Asterisk's security events on AMI (class `security`,
 * main/security_events.c): one fact per failed request, with the remote
 * address, the kind of failure and the account it named.
 *
 * Counted (from res_pjsip, Asterisk 22):
 * - ChallengeResponseFailed: a wrong password for an endpoint.
 * - InvalidAccountID: no endpoint of that name (pjsip_distributor.c), sent for
 *   the unauthenticated and the authenticated request alike.
 * - FailedACL with ACLName `not_match_endpoint_acl` or
 *   `not_match_endpoint_contact_acl`: an endpoint's own permit/deny refused
 *   the source. The registrar's FailedACL reasons (too many contacts, ...)
 *   come after a successful authentication and are not guessing.
 * - InvalidPassword and RequestBadFormat, which res_pjsip does not raise
 *   today but which mean the same when a module does.
 *
 * Not counted: ChallengeSent and SuccessfulAuth (normal traffic), a
 * ChallengeResponseFailed of AccountID `<unknown>` (the second half of an
 * InvalidAccountID for the same request: pjsip answers unknown names with its
 * artificial endpoint's challenge), and every event of a service other than
 * PJSIP. chan_iax2 raises no security events at all in Asterisk 22, so IAX2
 * failures cannot be seen here.
 */
export type FailureKind = 'WRONG_PASSWORD' | 'UNKNOWN_ACCOUNT' | 'REFUSED_BY_ENDPOINT_ACL' | 'BAD_REQUEST';

export type SecurityFact = {
  service: 'SIP';
  /** The remote address, canonical (no port; IPv4-mapped IPv6 as IPv4). */
  address: string;
  kind: FailureKind;
  /** The account (endpoint or user name) the request named; null when Asterisk did not say. */
  account: string | null;
};

const services: Record<string, SecurityFact['service']> = { PJSIP: 'SIP' };

const kinds: Record<string, FailureKind> = {
  ChallengeResponseFailed: 'WRONG_PASSWORD',
  InvalidPassword: 'WRONG_PASSWORD',
  InvalidAccountID: 'UNKNOWN_ACCOUNT',
  FailedACL: 'REFUSED_BY_ENDPOINT_ACL',
  RequestBadFormat: 'BAD_REQUEST',
};

const endpointAclNames = new Set(['not_match_endpoint_acl', 'not_match_endpoint_contact_acl']);

/**
 * `IPV4/UDP/192.0.2.1/5060`, `IPV6/TCP/2001:db8::1/5061` (main/json.c
 * ast_json_ipaddr: family, transport when known, address without brackets,
 * port) → the address, or null when it is not one.
 */
export function remoteAddress(value: string): string | null {
  const parts = value.split('/');
  if (parts.length < 3 || parts.length > 4) return null;
  if (parts[0] !== 'IPV4' && parts[0] !== 'IPV6') return null;
  const address = parseAddress(parts[parts.length - 2]!);
  return address ? address.toString() : null;
}

/** An account name as far as it is safe to show: printable, at most 64 characters. */
function accountOf(message: AmiMessage): string | null {
  const raw = header(message, 'AccountID');
  if (!raw || raw === '<unknown>') return null;
  const printable = raw.replace(/[^\x20-\x7e]/g, '').trim();
  return printable ? printable.slice(0, 64) : null;
}

/** The failure fact of one AMI event, or null when the event is none (another event, another service, unreadable). Never throws. */
export function securityFact(message: AmiMessage): SecurityFact | null {
  if (!message || typeof message !== 'object') return null;
  const event = header(message, 'Event');
  const kind = event === undefined ? undefined : kinds[event];
  if (!kind) return null;
  const service = services[header(message, 'Service') ?? ''];
  if (!service) return null;
  if (event === 'FailedACL' && !endpointAclNames.has(header(message, 'ACLName') ?? '')) return null;
  const account = accountOf(message);
  if (event === 'ChallengeResponseFailed' && account === null) return null;
  const address = remoteAddress(header(message, 'RemoteAddress') ?? '');
  if (!address) return null;
  return { service, address, kind, account };
}
