import { isIP } from 'node:net';
import { z } from 'zod';
import { charset, dialableNumber } from '../validation/charsets.js';

export const audioCodecs = ['ULAW', 'ALAW', 'G729', 'GSM', 'G722', 'G726', 'SPEEX', 'OPUS'] as const;
export const videoCodecs = ['H261', 'H263', 'H263P', 'H264', 'VP8'] as const;
export const transports = ['UDP', 'TCP', 'TLS'] as const;
export const dtmfModes = ['RFC4733', 'INBAND', 'SIP_INFO', 'AUTO'] as const;
export const recordingModes = ['OFF', 'INBOUND', 'OUTBOUND', 'BOTH'] as const;

const uniqueList = <T>(list: T[]) => new Set(list).size === list.length;

export function isIpOrCidr(value: string): boolean {
  const [address, prefix, ...rest] = value.split('/');
  if (rest.length || !address) return false;
  const family = isIP(address);
  if (!family) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

/**
 * Every writable field of an IP extension (F-4.1.2.a–c) with its rule. The
 * texts here are the schema descriptions too.
 */
export const extensionFieldSchemas = {
  number: z.string().regex(dialableNumber.pattern, dialableNumber.rule).describe('Extension number: 2–11 digits inside the user extension range'),
  enabled: z.boolean().describe('A disabled extension cannot register or be called'),
  name: z.string().min(1, 'required').max(64, 'at most 64 characters').regex(charset.name.pattern, charset.name.rule).describe(`Display name. ${charset.name.rule}; 1–64 characters`),
  mobileNumber: z.string().max(32, 'at most 32 characters').regex(charset.phoneNote.pattern, charset.phoneNote.rule).describe(`A note of the user's mobile number. ${charset.phoneNote.rule}`),
  dialPermission: z.string().min(1).max(64).describe("Name of the dial permission (F-4.3.3); DialPlan1 by default. The phone's calls start in that permission's dialplan context"),
  password: z
    .string()
    .min(6, 'at least 6 characters')
    .max(64, 'at most 64 characters')
    .regex(charset.secret.pattern, charset.secret.rule)
    .describe(`SIP password: what the extension's phones register with (never an API login: that is setExtensionLoginPassword); 6–64 characters. ${charset.secret.rule}`),
  language: z
    .string()
    .regex(/^(DEFAULT|[a-z]{2}(_[A-Z]{2})?)$/, 'DEFAULT or a language code such as en or zh_CN')
    .describe('Prompt language: DEFAULT or a language code (en, zh_CN ...)'),
  email: z
    .string()
    .max(254)
    // No control characters: the address reaches voicemail.conf's view and mail headers.
    .regex(/^$|^[^\s@"\\;,[\]<>\u0000-\u001f\u007f]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/, 'an e-mail address')
    .describe("E-mail address: Asterisk's voicemail sends notices of new messages to it through the host's mail command; empty for none"),
  outboundCallerId1: z.string().max(32).regex(charset.phone.pattern, charset.phone.rule).describe(`Caller ID on trunks (dial rules use it by default). ${charset.phone.rule}; empty for none`),
  outboundCallerId2: z.string().max(32).regex(charset.phone.pattern, charset.phone.rule).describe(`Second caller ID, chosen per dial rule. ${charset.phone.rule}; empty for none`),
  mohClass: z
    .string()
    .min(1)
    .max(64)
    .regex(charset.identifier.pattern, charset.identifier.rule)
    .describe(`Name of the music-on-hold class (F-4.4.1) its held callers hear; default by default. ${charset.identifier.rule}`),
  voicemailEnabled: z.boolean().describe('Voicemail on busy and no answer'),
  voicemailPin: z
    .string()
    .regex(/^\d{4,16}$/, '4–16 digits')
    .describe('Voicemail PIN: 4–16 digits'),
  remoteRegistration: z.boolean().describe('May register from outside the local networks'),
  maxContacts: z.number().int().min(1, 'at least 1').max(20, 'at most 20').describe('Devices that may register at once (1–20)'),
  videoEnabled: z.boolean().describe('Video calls'),
  videoCodec: z.enum(videoCodecs).describe('Video codec'),
  recording: z.enum(recordingModes).describe('Call recording'),
  registrationExpirySeconds: z.number().int().min(60, 'at least 60').max(86400, 'at most 86400').describe('Registration expiry in seconds (60–86400)'),
  webLogin: z.boolean().describe('The extension may log in to the API with its number and its login password (set with setExtensionLoginPassword; never the SIP password)'),
  pickupGroups: z.array(z.number().int().min(1, 'each group is 1–64').max(64, 'each group is 1–64')).max(64).refine(uniqueList, 'each group once').describe('Pickup groups, each 1–64'),
  transport: z.enum(transports).describe('SIP transport'),
  dtmfMode: z.enum(dtmfModes).describe('DTMF mode'),
  srtp: z.boolean().describe('Encrypted media (SRTP)'),
  qualifyFrequencySeconds: z.number().int().min(0).max(3600).describe('Keep-alive probe period in seconds; 0 turns probing off'),
  nat: z.boolean().describe('NAT support'),
  iax2Enabled: z.boolean().describe('May also register over IAX2'),
  trustedAddresses: z.array(z.string().refine(isIpOrCidr, 'an IP address or CIDR block')).max(32).describe('If set, registrations from other addresses are refused (IP or CIDR, at most 32)'),
  qualifyTimeoutSeconds: z.number().int().min(1).max(300).describe('No answer to a probe within this time: the phone is offline (1–300 s)'),
  sendPai: z.boolean().describe('Send P-Asserted-Identity; excludes sendRpid'),
  sendRpid: z.boolean().describe('Send Remote-Party-ID; excludes sendPai'),
  rtpTimeoutSeconds: z.number().int().min(0).max(3600).describe('Hang up when RTP stops for this long (0 = never)'),
  inbandProgress: z.boolean().describe('Send ringback in the audio stream'),
  whitelist: z
    .string()
    .max(64, 'at most 64 characters')
    .describe(
      'Name or ID of the whitelist it links to (F-4.5.10); null or empty: none. An INBOUND list lets only listed callers reach it (every caller, internal extensions too); an OUTBOUND list lets it dial out only listed numbers',
    ),
  codecs: z.array(z.enum(audioCodecs)).min(1, 'at least one codec').refine(uniqueList, 'each codec once').describe('Audio codecs in order of preference'),
} as const;

export type ExtensionFields = { [K in keyof typeof extensionFieldSchemas]: z.infer<(typeof extensionFieldSchemas)[K]> };
export type ExtensionFieldName = keyof ExtensionFields;

/** The manual's defaults (F-4.1.2.a–c). `number`, `name` and `password` have none. */
export const extensionDefaults: Omit<ExtensionFields, 'number' | 'name' | 'password'> = {
  enabled: true,
  mobileNumber: '',
  dialPermission: 'DialPlan1',
  language: 'DEFAULT',
  email: '',
  outboundCallerId1: '',
  outboundCallerId2: '',
  mohClass: 'default',
  voicemailEnabled: true,
  voicemailPin: '1234',
  remoteRegistration: false,
  maxContacts: 2,
  videoEnabled: true,
  videoCodec: 'H264',
  recording: 'OFF',
  registrationExpirySeconds: 1800,
  webLogin: true,
  pickupGroups: [1],
  transport: 'UDP',
  dtmfMode: 'RFC4733',
  srtp: false,
  qualifyFrequencySeconds: 300,
  nat: false,
  iax2Enabled: false,
  trustedAddresses: [],
  qualifyTimeoutSeconds: 30,
  sendPai: false,
  sendRpid: false,
  rtpTimeoutSeconds: 60,
  inbandProgress: false,
  codecs: ['ALAW', 'ULAW', 'G729'],
  whitelist: '',
};

/** Fields that differ per user, so batch add and batch edit cannot set them (F-4.1.2.d). */
export const perUserFields = ['number', 'name', 'email', 'mobileNumber', 'password'] as const;

export const listFields = ['pickupGroups', 'trustedAddresses', 'codecs'] as const;
