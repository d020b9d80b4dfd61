import { z } from 'zod';
import { charset, digitsPattern } from '../validation/charsets.js';
import { callRecordSettingsSchema } from '../records/settings.js';
import { parseLocalNet } from '../security/addresses.js';

/**
 * Setting groups: one JSON document each in the Setting table, every field
 * with the manual's default. The GraphQL types of each group are derived from
 * these schemas (src/resolvers/settings.ts), so a field added here is
 * readable and writable at once.
 */

export const numberRange = z
  .object({
    start: z.string().regex(digitsPattern(2, 11), 'digits only, 2–11 of them').describe('First number of the range'),
    end: z.string().regex(digitsPattern(2, 11), 'digits only, 2–11 of them').describe('Last number of the range'),
  })
  .describe('An inclusive range of dialable numbers; both ends have the same number of digits');
export type NumberRange = z.infer<typeof numberRange>;

const range = (start: string, end: string, description: string) => numberRange.default({ start, end }).describe(description);

/** F-4.6.1.a */
export const numberingPlanSchema = z.object({
  userExtensionRange: range('100', '899', 'IP and analog extensions (F-4.6.1.a); 2–11 digits'),
  departmentRange: range('0400', '0435', 'Departments'),
  queueRange: range('0300', '0335', 'Call queues'),
  pagingRange: range('0500', '0535', 'Paging and intercom groups'),
  ivrRange: range('0600', '0635', 'Auto attendants (IVR)'),
  disaRange: range('0700', '0735', 'DISA'),
  conferenceRange: range('0900', '0935', 'Conference rooms'),
  parkRetrievalRange: range('41', '49', 'Parking slots; read-only here, changed through the park feature codes (F-4.7.c)'),
});
export type NumberingPlan = z.infer<typeof numberingPlanSchema>;

/**
 * An IANA zone name that this system knows (Intl throws on an unknown one).
 * Intl ignores case but Asterisk opens the zone file by its name, so the
 * name must be spelt as Intl spells it back (an alias such as
 * Asia/Calcutta may come back under its other name: that is accepted).
 */
function knownTimeZone(zone: string): boolean {
  if (!zone) return true;
  try {
    const resolved = new Intl.DateTimeFormat('en', { timeZone: zone }).resolvedOptions().timeZone;
    return resolved === zone || resolved.toLowerCase() !== zone.toLowerCase();
  } catch {
    return false;
  }
}

/**
 * F-4.6.1, the switches whose features exist. The manual's other switches
 * arrive with their features: trunk transfers, early media, auto-answer,
 * forwarded caller IDs, Diversion and P-Preferred-Identity headers with their
 * URI type, line-busy prompt (trunks and inbound routes), blind-transfer
 * recall (call control), unanswered queue calls (queues), and the press-0
 * prompt (the sound library).
 */
export const pbxSchema = z.object({
  operatorExtension: z
    .string()
    .regex(/^(\d{2,11})?$/)
    .default('100')
    .describe('Number of the operator extension: the target of "press 0"; empty for none'),
  globalRingSeconds: z.number().int().min(5).max(600).default(30).describe('Ring time in seconds of a call to an extension when no other feature sets one'),
  ringbackMusic: z.boolean().default(false).describe('Callers to extensions hear music on hold (ringbackMusicClass) instead of ringback'),
  ringbackMusicClass: z
    .string()
    .regex(charset.identifier.pattern, charset.identifier.rule)
    .max(64)
    .default('default')
    .describe(`Music-on-hold class played as ringback when ringbackMusic is on. ${charset.identifier.rule}`),
  blockAnonymous: z.boolean().default(false).describe('Calls to extensions without a caller ID (empty or "anonymous") are rejected'),
  jitterBuffer: z.boolean().default(false).describe('An adaptive jitter buffer on calls to extensions'),
  pressZeroToOperator: z
    .boolean()
    .default(false)
    .describe('Unanswered callers of an extension may press 0 for the operator extension: in its voicemail, or, with voicemail off, after the prompt "press 0 to reach an operator" [M-30]'),
  timezone: z
    .string()
    .max(64)
    .regex(/^([A-Za-z0-9_+-]+(\/[A-Za-z0-9_+-]+)*)?$/, 'an IANA time zone name such as Asia/Shanghai')
    .refine(knownTimeZone, 'not a time zone name known to this system (IANA, spelt with its capitals, e.g. Europe/Berlin)')
    .default('')
    .describe("IANA time zone (e.g. Asia/Shanghai) in which time rules (F-4.2.3) read the clock; empty for the host's zone"),
});
export type PbxSettings = z.infer<typeof pbxSchema>;

const port = z.number().int().min(1).max(65535);
const hostOrEmpty = z
  .string()
  .max(253)
  .regex(/^([A-Za-z0-9.:-]*)$/, 'a host name or IP address')
  .default('');

/** F-4.6.2.a */
export const sipSchema = z.object({
  udpPort: port.default(5060).describe('SIP UDP port'),
  tcpPort: port.default(5061).describe('SIP TCP port'),
  tlsPort: port.default(5062).describe('SIP TLS port'),
  iceEnabled: z.boolean().default(true).describe('ICE support (WebRTC needs it)'),
  stunServer: hostOrEmpty.describe('STUN server host[:port]; empty for none'),
  rtpPortStart: port.default(10000).describe('First RTP port'),
  rtpPortEnd: port.default(20000).describe('Last RTP port'),
  userAgent: z.string().max(64).regex(charset.text.pattern, charset.text.rule).default('PBX').describe(`SIP User-Agent. ${charset.text.rule}`),
  endpointIdentifierOrder: z
    .array(z.enum(['ip', 'username', 'anonymous', 'header', 'auth_username']))
    .max(5)
    .default(['ip', 'username'])
    .describe('Order of SIP endpoint identification'),
  externalMediaAddress: hostOrEmpty.describe('Public media address behind NAT'),
  externalSignalingAddress: hostOrEmpty.describe('Public signalling address behind NAT (also the WAN address of QR codes)'),
  externalSignalingPortUdp: z.number().int().min(0).max(65535).default(0).describe('Public UDP port; 0 for the same as udpPort'),
  externalSignalingPortTcp: z.number().int().min(0).max(65535).default(0).describe('Public TCP port; 0 for the same as tcpPort'),
  externalSignalingPortTls: z.number().int().min(0).max(65535).default(0).describe('Public TLS port; 0 for the same as tlsPort'),
  tlsCertFile: z
    .string()
    .max(255)
    .regex(/^(\/[A-Za-z0-9._/-]+)?$/, 'an absolute path')
    .default('')
    .describe('Absolute path, on the Asterisk host, of the certificate file (PEM) of the TLS transport; the TLS transport exists only with a certificate and key'),
  tlsKeyFile: z
    .string()
    .max(255)
    .regex(/^(\/[A-Za-z0-9._/-]+)?$/, 'an absolute path')
    .default('')
    .describe('Absolute path, on the Asterisk host, of the private key file (PEM) of the TLS transport'),
  localNets: z
    .array(
      z.string().superRefine((net, ctx) => {
        const parsed = parseLocalNet(net);
        if (!parsed.ok) ctx.addIssue({ code: 'custom', message: `ip/netmask or CIDR of a network, e.g. 192.168.1.0/255.255.255.0 or 192.168.1.0/24: ${parsed.message}` });
      }),
    )
    .max(3)
    .default([])
    .describe(
      'Local networks (at most 3), as ip/netmask (192.168.1.0/255.255.255.0) or CIDR (192.168.1.0/24, 2001:db8::/32). Asterisk treats addresses outside them as behind NAT; extensions without remoteRegistration may register only from them (and this host)',
    ),
});
export type SipSettings = z.infer<typeof sipSchema>;

/** F-6.4.1 */
export const softphoneSchema = z.object({
  registrationHost: hostOrEmpty.describe('Address in QR codes; falls back to the proxy domain, then the WAN address'),
  registrationPort: z.number().int().min(0).max(65535).default(0).describe('Port in QR codes; 0 falls back to the proxy port, then the port of the extension transport'),
});

/** F-6.5, reduced to what a headless server owns: an external name and port for remote phones. */
export const proxyDomainSchema = z.object({
  enabled: z.boolean().default(false).describe('Use the external domain'),
  domain: hostOrEmpty.describe('External FQDN of this PBX'),
  sipPort: z.number().int().min(0).max(65535).default(0).describe('External SIP port; 0 for none'),
});

/** Model capacity (F-1.1, F-4.1.2). */
export const systemSchema = z.object({
  maxIpExtensions: z.number().int().min(1).max(100000).describe('Maximum number of IP extensions (model capacity)'),
});

/**
 * F-7.7.2 intrusion protection, the SIP block: failed SIP authentications
 * from one address (Asterisk's security events) lead to a ban (F-7.7.3)
 * enforced by res_pjsip_acl. No IAX block: chan_iax2 raises no security
 * events and has no global ACL. No HTTP block: API logins have their own
 * throttle (LOGIN_* variables). No SSH block: SSH belongs to the host.
 */
export const intrusionProtectionSchema = z.object({
  sipEnabled: z.boolean().default(true).describe('Ban addresses that fail SIP authentication too often'),
  sipMaxRetry: z.number().int().min(1).max(1000).default(10).describe('Failed SIP authentications allowed from one address within sipFindTimeSeconds; the next one bans it (1–1000)'),
  sipFindTimeSeconds: z.number().int().min(10).max(86400).default(600).describe('The window failures are counted in, seconds (10–86400)'),
  sipBanTimeSeconds: z.number().int().min(60).max(31536000).default(3600).describe('How long an automatic ban lasts, seconds (60–31536000)'),
});
export type IntrusionProtectionSettings = z.infer<typeof intrusionProtectionSchema>;

export const settingGroups = {
  numberingPlan: numberingPlanSchema,
  pbx: pbxSchema,
  sip: sipSchema,
  softphone: softphoneSchema,
  proxyDomain: proxyDomainSchema,
  system: systemSchema,
  intrusionProtection: intrusionProtectionSchema,
  callRecords: callRecordSettingsSchema,
} as const;
export type SettingGroup = keyof typeof settingGroups;
export type SettingsOf<G extends SettingGroup> = z.infer<(typeof settingGroups)[G]>;
