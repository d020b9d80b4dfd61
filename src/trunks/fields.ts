import { isIP } from 'node:net';
import { z } from 'zod';
import { audioCodecs, dtmfModes, isIpOrCidr, recordingModes, transports, videoCodecs } from '../extensions/fields.js';
import { charset } from '../validation/charsets.js';
import { reservedTrunkNames, trunkNamePattern, type TrunkKind } from './contract.js';

/**
 * The fields of SIP trunks (F-4.3.1.b) and IAX trunks (F-4.3.1.d) with their
 * rules and defaults. Every value here ends up in pjsip.conf or iax.conf, so
 * each rule admits only what cannot add a line, an option or a URI parameter
 * there. The manual's faxDetect, faxDestination and authMethod are left out:
 * nothing renders them yet (fax has no feature; authMethod has no values, M-38).
 */

const uniqueList = <T>(list: T[]) => new Set(list).size === list.length;

/** A DNS host name: dot-separated labels of letters, digits and inner hyphens. */
const hostnamePattern = /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

/** A host name, an IPv4 address or an IPv6 address (without brackets). */
export function isHost(value: string): boolean {
  return isIP(value) !== 0 || (hostnamePattern.test(value) && !/^[0-9.]+$/.test(value));
}

/** A host for IAX2: a host name or an IPv4 address (chan_iax2's register line splits the host at `:`). */
export function isIaxHost(value: string): boolean {
  return isIP(value) === 4 || (hostnamePattern.test(value) && !/^[0-9.]+$/.test(value));
}

/** A host as it is written in a SIP URI: IPv6 addresses in brackets. */
export function uriHost(host: string): string {
  return isIP(host) === 6 ? `[${host}]` : host;
}

/** The user part of a SIP URI as stored here: RFC 3261 unreserved characters and & = + $ ! * ' only (no ; , ? / : @). */
export const sipUser = {
  pattern: /^[A-Za-z0-9._~!$&'*+=-]+$/,
  rule: "Letters A–Z, digits and . _ ~ ! $ & ' * + = - only",
};

/**
 * A SIP URI as accepted here: `sip:` or `sips:`, an optional user (the SIP
 * user characters) and `@`, a host name, IPv4 address or bracketed IPv6
 * address, and an optional port. No parameters or headers: `;` `?` `,` and
 * blanks would change what Asterisk reads.
 */
export function isSipUri(value: string): boolean {
  const match = /^sips?:(?:([^@]+)@)?(\[[0-9A-Fa-f:.]+\]|[^:[\]@]+)(?::(\d{1,5}))?$/.exec(value);
  if (!match) return false;
  const [, user, host, port] = match;
  if (user !== undefined && !sipUser.pattern.test(user)) return false;
  const bare = host!.startsWith('[') ? host!.slice(1, -1) : host!;
  if (host!.startsWith('[') ? isIP(bare) !== 6 : !isHost(bare) || isIP(bare) === 6) return false;
  return port === undefined || (Number(port) >= 1 && Number(port) <= 65535);
}

const sipUriRule = 'a SIP URI: sip: or sips:, an optional user@, a host name or IP address (IPv6 in brackets) and an optional :port; no parameters';

const host = (what: string) =>
  z
    .string()
    .max(253, 'at most 253 characters')
    .refine((v) => v === '' || isHost(v), 'a host name or an IP address')
    .describe(`${what}: a host name, an IPv4 or IPv6 address; empty for none`);
const port = (what: string) => z.number().int().min(1, 'at least 1').max(65535, 'at most 65535').describe(`${what} (1–65535)`);
const user = (what: string, required = false) =>
  z
    .string()
    .max(64, 'at most 64 characters')
    .regex(required ? sipUser.pattern : new RegExp(`^$|${sipUser.pattern.source}`), sipUser.rule)
    .describe(`${what}. ${sipUser.rule}; at most 64`);
const uri = (what: string) =>
  z
    .string()
    .max(255, 'at most 255 characters')
    .refine((v) => v === '' || isSipUri(v), sipUriRule)
    .describe(`${what}: ${sipUriRule}; empty for the default`);

/** Fields every trunk kind has (the contract's SnapshotTrunkCore plus language and recording). */
export const commonFieldSchemas = {
  name: z
    .string()
    .regex(trunkNamePattern, 'starts with a letter; letters A–Z, digits, _ and - only; at most 40 characters')
    .refine((v) => !reservedTrunkNames.test(v), 'a name the PBX uses itself (transport-…, global, general, default, pbx-…, …-auth, …-registration, …-identify)')
    .describe('Trunk name, unique regardless of case: its Asterisk id. Starts with a letter; letters A–Z, digits, _ and - only; at most 40 characters'),
  enabled: z.boolean().describe('A disabled trunk neither registers nor carries calls'),
  mode: z
    .enum(['CLIENT', 'SERVER'])
    .describe(
      'CLIENT: this PBX registers to the far end (an ITSP or another PBX), or reaches a SIP provider that needs no credentials by its address; SERVER: the far end registers to this PBX or is known by its address',
    ),
  dialPermission: z
    .string()
    .min(1, 'required')
    .max(64)
    .describe(
      'Name of the dial permission (F-4.3.3) that calls from a SERVER-mode peer (another PBX) start in: it dials our numbers by it. CLIENT-mode trunks route their calls by inbound routing instead. DialPlan1 by default',
    ),
  maxConcurrentCalls: z.number().int().min(1, 'at least 1').max(10000, 'at most 10000').nullable().describe('Simultaneous outbound calls allowed; null for no limit'),
  callerIdPreference: z.enum(['TRUNK', 'EXTENSION']).describe("Whose outbound caller ID wins on calls out through this trunk: the trunk's or the extension's"),
  outboundCallerId: z.string().max(32, 'at most 32 characters').regex(charset.phone.pattern, charset.phone.rule).describe(`The trunk's outbound caller ID. ${charset.phone.rule}; empty for none`),
  language: z
    .string()
    .regex(/^(DEFAULT|[a-z]{2}(_[A-Z]{2})?)$/, 'DEFAULT or a language code such as en or zh_CN')
    .describe('Prompt language of calls arriving here: DEFAULT or a language code (en, zh_CN ...)'),
  recording: z.enum(recordingModes).describe('Call recording of calls through this trunk'),
  codecs: z.array(z.enum(audioCodecs)).min(1, 'at least one codec').refine(uniqueList, 'each codec once').describe('Audio codecs in order of preference'),
} as const;

/** SIP trunk fields (F-4.3.1.b). */
export const sipFieldSchemas = {
  ...commonFieldSchemas,
  authEnabled: z.boolean().describe('Authenticate with username (or authUsername) and password; off when the provider needs none'),
  serverHost: host('Server (registrar and proxy) of the far end; required in CLIENT mode. In SERVER mode: where calls to a peer that does not register are sent'),
  serverPort: port('Server port'),
  outboundProxyHost: host('Outbound proxy'),
  outboundProxyPort: port('Outbound proxy port').nullable().describe('Outbound proxy port (1–65535); null for the default 5060'),
  username: user(
    'User name from the provider: the user of the REGISTER and of the default client URI; required in CLIENT mode while authEnabled is on. A CLIENT trunk with authEnabled off and no username does not register (IP authentication): calls go to serverHost, and calls from its address and remoteAddresses are taken as from this trunk',
  ),
  authUsername: user('Authentication user when it differs from username; empty for username'),
  password: z
    .string()
    .max(128, 'at most 128 characters')
    .regex(new RegExp(`^$|${charset.secret.pattern.source}`), charset.secret.rule)
    .describe(`Password: in CLIENT mode the provider's; in SERVER mode the one the peer registers with (its user name is the trunk name). ${charset.secret.rule}. Write-only`),
  contactUser: user('User of the Contact header of outgoing REGISTERs; empty for the default'),
  registrationExpirySeconds: z.number().int().min(60, 'at least 60').max(86400, 'at most 86400').describe('Registration expiry and refresh, seconds (60–86400)'),
  retryIntervalSeconds: z.number().int().min(10, 'at least 10').max(86400, 'at most 86400').describe('Wait before registering again after a failure or a timeout, seconds (10–86400)'),
  maxRetries: z.number().int().min(0, 'at least 0').max(10000, 'at most 10000').describe('Failed registrations before giving up (0–10000)'),
  clientUri: uri('URI of the REGISTER (the address of record); default sip:username@serverHost:serverPort'),
  serverUri: uri('Registrar URI; default sip:serverHost:serverPort'),
  aorContact: uri('Where calls to the trunk are sent; default sip:serverHost:serverPort'),
  remoteAddresses: z
    .array(z.string().refine(isIpOrCidr, 'an IP address or CIDR block'))
    .max(32, 'at most 32')
    .refine(uniqueList, 'each address once')
    .describe('Calls from these addresses (IP or CIDR) are taken as from this trunk without authentication (PJSIP identify); at most 32'),
  transport: z.enum(transports).describe('SIP transport'),
  srtp: z.boolean().describe('Encrypted media (SRTP with SDES); both sides must support it'),
  nat: z.boolean().describe('NAT support: symmetric RTP, rport and contact rewriting'),
  dtmfMode: z.enum(dtmfModes).describe('DTMF mode'),
  fromUser: user('User of the From header; many providers check it'),
  fromDomain: host('Domain of the From header'),
  sendPai: z.boolean().describe('Send P-Asserted-Identity; excludes sendRpid'),
  sendRpid: z.boolean().describe('Send Remote-Party-ID; excludes sendPai'),
  rtpTimeoutSeconds: z.number().int().min(0).max(3600, 'at most 3600').describe('Hang up when RTP stops for this long, seconds (0 = never)'),
  keepAliveSeconds: z.number().int().min(0).max(3600, 'at most 3600').describe('OPTIONS keep-alive period, seconds (qualify_frequency); 0 turns it off'),
  videoCodec: z.enum(videoCodecs).nullable().describe('Video codec offered after the audio codecs; null for audio only'),
} as const;

/** IAX trunk fields (F-4.3.1.d). */
export const iaxFieldSchemas = {
  ...commonFieldSchemas,
  authEnabled: z.boolean().describe('Authenticate with username and password (MD5); off when the far end needs none'),
  serverHost: z
    .string()
    .max(253, 'at most 253 characters')
    .refine((v) => v === '' || isIaxHost(v), 'a host name or an IPv4 address')
    .describe('The far end (provider or other PBX): a host name or IPv4 address; required in CLIENT mode'),
  serverPort: port('IAX2 port of the far end'),
  username: z
    .string()
    .max(64, 'at most 64 characters')
    .regex(/^$|^[A-Za-z0-9._~!$&'*+=-]+$/, sipUser.rule)
    .describe(`IAX2 user name to register and call with; required in CLIENT mode. ${sipUser.rule}`),
  password: z
    .string()
    .max(128, 'at most 128 characters')
    .regex(/^$|^[A-Za-z0-9!#$%&()*+.<=>?^_{|}~-]+$/, 'Printable ASCII except space ; [ ] , " \' \\ ` : @ and /')
    .describe(
      `IAX2 secret: in CLIENT mode the far end's; in SERVER mode the one the peer registers with (its user name is the trunk name). Printable ASCII except space ; [ ] , " ' \\ \` : @ and /. Write-only`,
    ),
} as const;

export type CommonTrunkFields = { [K in keyof typeof commonFieldSchemas]: z.infer<(typeof commonFieldSchemas)[K]> };
export type SipTrunkFields = { [K in keyof typeof sipFieldSchemas]: z.infer<(typeof sipFieldSchemas)[K]> };
export type IaxTrunkFields = { [K in keyof typeof iaxFieldSchemas]: z.infer<(typeof iaxFieldSchemas)[K]> };
export type SipTrunkFieldName = keyof SipTrunkFields;
export type IaxTrunkFieldName = keyof IaxTrunkFields;

const commonDefaults: Omit<CommonTrunkFields, 'name'> = {
  enabled: true,
  mode: 'CLIENT',
  dialPermission: 'DialPlan1',
  maxConcurrentCalls: null,
  callerIdPreference: 'EXTENSION',
  outboundCallerId: '',
  language: 'DEFAULT',
  recording: 'OFF',
  codecs: ['ALAW', 'ULAW', 'G729'],
};

/** The manual's defaults (F-4.3.1.b); `name` has none, and the server, user and password depend on the mode. */
export const sipDefaults: Omit<SipTrunkFields, 'name'> = {
  ...commonDefaults,
  authEnabled: true,
  serverHost: '',
  serverPort: 5060,
  outboundProxyHost: '',
  outboundProxyPort: null,
  username: '',
  authUsername: '',
  password: '',
  contactUser: '',
  registrationExpirySeconds: 3600,
  retryIntervalSeconds: 60,
  maxRetries: 10,
  clientUri: '',
  serverUri: '',
  aorContact: '',
  remoteAddresses: [],
  transport: 'UDP',
  srtp: false,
  nat: false,
  dtmfMode: 'RFC4733',
  fromUser: '',
  fromDomain: '',
  sendPai: false,
  sendRpid: false,
  rtpTimeoutSeconds: 60,
  keepAliveSeconds: 60,
  videoCodec: null,
};

/** The defaults of F-4.3.1.d: port 4569. */
export const iaxDefaults: Omit<IaxTrunkFields, 'name'> = {
  ...commonDefaults,
  authEnabled: true,
  serverHost: '',
  serverPort: 4569,
  username: '',
  password: '',
};

export const fieldSchemasOf = { SIP: sipFieldSchemas, IAX: iaxFieldSchemas } as const satisfies Record<TrunkKind, object>;

/** Fields stored in the row's own columns; the rest go into its `options` JSON. */
export const columnFields = ['name', 'enabled', 'mode', 'dialPermission'] as const;

/** Whole-trunk rules that no single field states; each issue names the field to change. */
export function crossFieldIssues(kind: TrunkKind, f: SipTrunkFields | IaxTrunkFields): { field: string; message: string; code: string }[] {
  const issues: { field: string; message: string; code: string }[] = [];
  const required = (field: string, why: string) => issues.push({ field, message: `required ${why}`, code: 'REQUIRED' });
  if (f.mode === 'CLIENT') {
    if (!f.serverHost) required('serverHost', 'in CLIENT mode');
    // IAX2 always registers; a SIP provider that needs no credentials is reached and known by address (registersToFarEnd).
    if (!f.username && (kind === 'IAX' || f.authEnabled)) required('username', kind === 'IAX' ? 'in CLIENT mode' : 'in CLIENT mode while authEnabled is on');
    if (f.authEnabled && !f.password) required('password', 'when authEnabled is on');
  }
  if (kind === 'SIP') {
    const s = f as SipTrunkFields;
    if (s.sendPai && s.sendRpid) issues.push({ field: 'sendRpid', message: 'sendPai and sendRpid cannot both be on', code: 'EXCLUSIVE' });
    if (s.outboundProxyPort !== null && !s.outboundProxyHost) issues.push({ field: 'outboundProxyPort', message: 'needs outboundProxyHost', code: 'REQUIRED' });
    if (s.mode === 'CLIENT' && !s.username && s.clientUri) issues.push({ field: 'clientUri', message: 'needs username: a trunk without one does not register', code: 'REQUIRED' });
    if (s.mode === 'SERVER') {
      if (!s.password && !s.remoteAddresses.length) required('password', 'in SERVER mode unless remoteAddresses identify the peer');
      if (!s.password && !s.serverHost && !s.aorContact) required('serverHost', 'in SERVER mode when the peer does not register (no password): calls to it need its address');
    }
  } else if (f.mode === 'SERVER' && !f.password) {
    required('password', 'in SERVER mode: the peer registers with it');
  }
  return issues;
}
