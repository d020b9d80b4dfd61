import { digits, exten, label, context, recordingStep } from '../pbx/render/dialplan-text.js';
import { availableTransports } from '../pbx/render/pjsip.js';
import { permissionContext } from '../dial-permissions/context.js';
import { departmentContexts } from '../departments/config.js';
import { onDemandRecordingStep } from '../records/config.js';
import { Composed, safe, section, dialplanSafe, type OptionValue } from '../pbx/render/text.js';
import type { PbxSnapshot } from '../pbx/render/snapshot.js';
import type { SnapshotExtension } from './snapshot.js';
import { anyLinked, extensionWhitelist, outboundWhitelistVariable, whitelistContextPrefix, whitelistId } from '../whitelists/config.js';

/** Asterisk configuration of IP extensions (F-4.1.2): PJSIP objects, mailboxes, IAX2 friends and their dialplan. */

export const extensionContexts = {
  extensions: 'pbx-extensions',
  voicemail: 'pbx-voicemail',
  dialExtension: 'pbx-dial-extension',
  /** Rings an extension for a given time (a Destination with ringTimeSeconds), then goes on as a call to it. */
  ringFor: 'pbx-extension-ring-time',
} as const;

const codecNames: Record<string, string> = { ULAW: 'ulaw', ALAW: 'alaw', G729: 'g729', GSM: 'gsm', G722: 'g722', G726: 'g726', SPEEX: 'speex', OPUS: 'opus' };
const videoCodecNames: Record<string, string> = { H261: 'h261', H263: 'h263', H263P: 'h263p', H264: 'h264', VP8: 'vp8' };
const dtmfModes: Record<string, string> = { RFC4733: 'rfc4733', INBAND: 'inband', SIP_INFO: 'info', AUTO: 'auto' };

function acl(ext: SnapshotExtension, snapshot: PbxSnapshot): [string, string][] {
  const permits = ext.trustedAddresses.length ? ext.trustedAddresses : !ext.remoteRegistration && snapshot.settings.sip.localNets.length ? [...snapshot.settings.sip.localNets, '127.0.0.0/8'] : [];
  if (!permits.length) return [];
  return [['deny', '0.0.0.0/0.0.0.0'], ['deny', '::/0'], ...permits.map((p): [string, string] => ['permit', p])];
}

/** `PBX_WHITELIST_OUT=<id>` for an extension linked to an OUTBOUND whitelist (F-4.5.10). */
function outboundWhitelist(snapshot: PbxSnapshot, ext: SnapshotExtension): Composed | undefined {
  const list = extensionWhitelist(snapshot, ext);
  return list?.direction === 'OUTBOUND' ? new Composed(`${outboundWhitelistVariable}=${whitelistId(list.id)}`) : undefined;
}

const callerId = (ext: SnapshotExtension) => new Composed(`"${safe(ext.name, `extension ${ext.number} name`)}" <${safe(ext.number, 'extension number')}>`);

function endpoint(ext: SnapshotExtension, snapshot: PbxSnapshot, available: Set<string>): string {
  const n = ext.number;
  const transport = `transport-${ext.transport.toLowerCase()}`;
  const codecs = ext.codecs.map((c) => codecNames[c]!).join(',');
  const options: [string, OptionValue][] = [
    ['type', 'endpoint'],
    ['transport', available.has(transport) ? transport : undefined],
    ['context', permissionContext(ext.dialPermission)],
    ['disallow', 'all'],
    ['allow', ext.videoEnabled ? `${codecs},${videoCodecNames[ext.videoCodec]}` : codecs],
    ['aors', n],
    ['auth', `${n}-auth`],
    ['callerid', callerId(ext)],
    ['dtmf_mode', dtmfModes[ext.dtmfMode]],
    ['media_encryption', ext.srtp ? 'sdes' : undefined],
    ['rtp_symmetric', ext.nat],
    ['force_rport', ext.nat],
    ['rewrite_contact', ext.nat],
    ['direct_media', false],
    ['ice_support', snapshot.settings.sip.iceEnabled],
    ['mailboxes', ext.voicemailEnabled ? `${n}@default` : undefined],
    ['language', ext.language === 'DEFAULT' ? undefined : ext.language],
    ['moh_suggest', ext.mohClass],
    ['named_call_group', ext.pickupGroups.join(',')],
    ['named_pickup_group', ext.pickupGroups.join(',')],
    ['send_pai', ext.sendPai],
    ['send_rpid', ext.sendRpid],
    ['trust_id_outbound', ext.sendPai || ext.sendRpid],
    ['rtp_timeout', ext.rtpTimeoutSeconds || undefined],
    ['inband_progress', ext.inbandProgress],
    // The dialplan reads the caller's recording mode from its channel (F-4.1.2.b, OUTBOUND/BOTH).
    ['set_var', new Composed(`PBX_RECORDING=${safe(ext.recording, `extension ${n} recording`)}`)],
    // Dial rules send one of the extension's outbound caller IDs, as each entry says (F-4.3.2.a).
    ['set_var', ext.outboundCallerId1 ? new Composed(`PBX_CID1=${dialplanSafe(ext.outboundCallerId1, `extension ${n} outbound caller ID 1`)}`) : undefined],
    ['set_var', ext.outboundCallerId2 ? new Composed(`PBX_CID2=${dialplanSafe(ext.outboundCallerId2, `extension ${n} outbound caller ID 2`)}`) : undefined],
    // An OUTBOUND whitelist: dial rules let it dial only the numbers of that list (F-4.5.10).
    ['set_var', outboundWhitelist(snapshot, ext)],
    ...acl(ext, snapshot),
  ];
  return section(n, options);
}

/**
 * pjsip.conf: per enabled extension an endpoint, an auth and an aor
 * (F-4.1.2.a–c). A disabled extension has none, so it can neither register
 * nor be called.
 */
export function pjsipObjects(snapshot: PbxSnapshot): { parts: string[]; warnings: string[] } {
  const available = availableTransports(snapshot);
  const warnings: string[] = [];
  const parts: string[] = [];
  for (const ext of snapshot.extensions) {
    if (!ext.enabled) continue;
    const n = ext.number;
    if (ext.transport === 'TLS' && !available.has('transport-tls')) warnings.push(`extension ${n} asks for TLS, but no TLS certificate is configured: it may register over UDP or TCP`);
    parts.push(
      `; extension ${n}\n` + endpoint(ext, snapshot, available),
      section(`${n}-auth`, [
        ['type', 'auth'],
        ['auth_type', 'userpass'],
        ['username', n],
        ['password', ext.password],
      ]),
      section(n, [
        ['type', 'aor'],
        ['max_contacts', ext.maxContacts],
        ['remove_existing', ext.maxContacts === 1],
        ['qualify_frequency', ext.qualifyFrequencySeconds],
        ['qualify_timeout', ext.qualifyTimeoutSeconds],
        ['default_expiration', ext.registrationExpirySeconds],
        ['maximum_expiration', Math.max(ext.registrationExpirySeconds, 3600)],
        ['mailboxes', ext.voicemailEnabled ? `${n}@default` : undefined],
      ]),
    );
  }
  return { parts, warnings };
}

/** The operator extension that press-0 reaches: only while press-0 is on and the operator exists and is enabled. */
export function pressZeroOperator(snapshot: PbxSnapshot): string | null {
  const { pressZeroToOperator, operatorExtension } = snapshot.settings.pbx;
  if (!pressZeroToOperator || !operatorExtension) return null;
  return snapshot.extensions.some((e) => e.number === operatorExtension && e.enabled) ? operatorExtension : null;
}

/** Why press-0 is on but reaches no one, for the apply report. */
export function pressZeroWarnings(snapshot: PbxSnapshot): string[] {
  const { pressZeroToOperator, operatorExtension } = snapshot.settings.pbx;
  return pressZeroToOperator && !pressZeroOperator(snapshot)
    ? [`press 0 to the operator is on, but the operator extension ${operatorExtension || '(none)'} does not exist or is disabled: callers are not offered 0`]
    : [];
}

/** voicemail.conf: the general options (F-4.6.4 defaults until its settings exist) and one mailbox per extension with voicemail on. */
export function voicemailFile(snapshot: PbxSnapshot): { parts: string[]; warnings: string[] } {
  const general = section('general', [
    ['format', 'wav'],
    ['attach', false],
    ['maxmsg', 100],
    ['maxsecs', 300],
    ['minsecs', 1],
    ['maxgreet', 60],
    ['saycid', false],
    ['sayduration', false],
    ['envelope', true],
    ['review', false],
    // 0 during the greeting jumps to extension `o` of the caller's context (F-4.6.1 press 0).
    ['operator', pressZeroOperator(snapshot) !== null],
  ]);
  return { parts: [general, ...mailboxes(snapshot).parts], warnings: pressZeroWarnings(snapshot) };
}

/** voicemail.conf: one mailbox per extension with voicemail on. */
function mailboxes(snapshot: PbxSnapshot): { parts: string[] } {
  const boxes = snapshot.extensions
    .filter((e) => e.voicemailEnabled)
    .map((e) => `${safe(e.number, 'mailbox')} => ${safe(e.voicemailPin, `mailbox ${e.number} PIN`)},${safe(e.name, `mailbox ${e.number} name`)},${safe(e.email, `mailbox ${e.number} email`)}`);
  return { parts: [['[default]', ...boxes, ''].join('\n')] };
}

const iaxCodecs: Record<string, string | undefined> = { ULAW: 'ulaw', ALAW: 'alaw', G729: 'g729', GSM: 'gsm', G722: 'g722', G726: 'g726', SPEEX: 'speex', OPUS: 'opus' };

/** iax.conf: one friend per enabled extension with IAX2 on (F-4.1.2.c). */
export function iaxFriends(snapshot: PbxSnapshot): { parts: string[] } {
  const parts = snapshot.extensions
    .filter((e) => e.enabled && e.iax2Enabled)
    .map((e) =>
      section(e.number, [
        ['type', 'friend'],
        ['host', 'dynamic'],
        ['secret', e.password],
        ['context', permissionContext(e.dialPermission)],
        ['callerid', callerId(e)],
        ['disallow', 'all'],
        [
          'allow',
          e.codecs
            .map((c) => iaxCodecs[c])
            .filter(Boolean)
            .join(','),
        ],
        ['qualify', e.qualifyFrequencySeconds > 0],
        ['mailbox', e.voicemailEnabled ? `${e.number}@default` : undefined],
        ['language', e.language === 'DEFAULT' ? undefined : e.language],
        ['requirecalltoken', false],
        ['transfer', 'mediaonly'],
        ['setvar', outboundWhitelist(snapshot, e)],
      ]),
    );
  return { parts };
}

/**
 * Calls an extension: DND, every registered contact, then voicemail (busy or
 * unavailable greeting) when on; without voicemail a busy caller hears busy
 * and an unanswered call ends, or is offered 0 for the operator (F-4.1.2.b,
 * F-4.6.1). The call is recorded (MixMonitor) when the callee records calls
 * it receives or the caller records calls it makes. The PBX settings add the
 * anonymous-caller check, the jitter buffer and ringback music.
 * ARG1 = number, ARG2 = 1 with voicemail, ARG3 = the callee's recording mode,
 * ARG4 = 1 when the extension may also register over IAX2, ARG5 = the id of
 * its INBOUND whitelist, if any (F-4.5.10).
 */
function dialExtensionContext(snapshot: PbxSnapshot): string {
  const pbx = snapshot.settings.pbx;
  const operator = pressZeroOperator(snapshot);
  const inboundWhitelists = anyLinked(snapshot, 'INBOUND');
  const options = `tT${pbx.ringbackMusic ? `m(${dialplanSafe(pbx.ringbackMusicClass, 'ringback music class')})` : ''}`;
  return context(extensionContexts.dialExtension, [
    exten('s', [
      'Set(__PICKUPMARK=${ARG1})',
      ...(pbx.blockAnonymous ? ['GotoIf($["${CALLERID(num)}" = "" | "${CALLERID(num)}" = "anonymous"]?anonymous)'] : []),
      ...(pbx.jitterBuffer ? ['Set(JITTERBUFFER(adaptive)=default)'] : []),
      // The last caller from outside, for the code that blacklists it (F-4.7.e *76); only digits, * # + are kept.
      'ExecIf($["${PBX_TRUNK}" != ""]?Set(DB(pbx-lastcaller/${ARG1})=${FILTER(0-9*#+,${CALLERID(num)})}))',
      ...(inboundWhitelists ? ['GotoIf($["${ARG5}" != ""]?whitelist)'] : []),
      label('checked', 'GotoIf($["${ARG3}" = "INBOUND" | "${ARG3}" = "BOTH" | "${PBX_RECORDING}" = "OUTBOUND" | "${PBX_RECORDING}" = "BOTH"]?record)'),
      label('dial', 'GotoIf(${DB_EXISTS(DND/${ARG1})}?dnd)'),
      'Set(CONTACTS=${PJSIP_DIAL_CONTACTS(${ARG1})})',
      // An IAX2 extension (ARG4 = 1) rings over IAX2 too while its peer is registered. The jump keeps
      // IAXPEER() from being evaluated for other extensions (arguments are expanded before ExecIf runs).
      'GotoIf($["${ARG4}" != "1"]?ring)',
      'ExecIf($["${IAXPEER(${ARG1},ip)}" != ""]?Set(CONTACTS=${CONTACTS}${IF($["${CONTACTS}" = ""]?:&)}IAX2/${ARG1}))',
      label('ring', 'GotoIf($["${CONTACTS}" = ""]?unavailable)'),
      // The ring time of a Destination that names one (PBX_RINGTIME_FOR), else the global one.
      'Set(RINGTIME=${IF($["${PBX_RINGTIME_FOR}" = ""]?${PBX_RINGTIME}:${PBX_RINGTIME_FOR})})',
      // Either party may start one-touch recording (F-5.1.3); a caller from a trunk may not.
      onDemandRecordingStep,
      // t and T: either party may transfer with the in-call codes of features.conf (F-4.7.d).
      // The ring tone of the route that took the call (Alert-Info), through the departments' pre-dial handler.
      `Dial(\${CONTACTS},\${RINGTIME},${options}\${IF($["\${PBX_ALERT_INFO}" = ""]?:b(${departmentContexts.alertInfo}^s^1(\${PBX_ALERT_INFO})))})`,
      'GotoIf($["${DIALSTATUS}" = "BUSY"]?busy)',
      label('unavailable', 'GotoIf($["${ARG2}" = "1"]?vm-unavailable)'),
      // The prompt is said twice at most: a caller who missed it the first time hears it again.
      ...(operator ? ['Read(PRESSED,vm-reachoper,1,,2,5)', 'GotoIf($["${PRESSED}" = "0"]?o,1)'] : []),
      'Return()',
      label('vm-unavailable', 'VoiceMail(${ARG1}@default,u)'),
      'Return()',
      label('dnd', 'NoOp(Do not disturb)'),
      label('busy', 'GotoIf($["${ARG2}" = "1"]?vm-busy)'),
      'Busy(5)',
      'Return()',
      label('vm-busy', 'VoiceMail(${ARG1}@default,b)'),
      'Return()',
      label('record', recordingStep('${ARG1}')),
      'Goto(dial)',
      ...(pbx.blockAnonymous ? [label('anonymous', 'Playback(privacy-unident)'), 'Hangup(21)'] : []),
      // An INBOUND whitelist (ARG5 = its id): only a caller whose number, unaltered by the filter, is listed gets through (F-4.5.10).
      ...(inboundWhitelists
        ? [
            label('whitelist', 'Set(PBX_WLNUM=${FILTER(0-9*#+,${CALLERID(num)})})'),
            `GotoIf($[\${LEN(\${PBX_WLNUM})} = \${LEN(\${CALLERID(num)})} & \${DIALPLAN_EXISTS(${whitelistContextPrefix}\${ARG5},\${PBX_WLNUM},1)}]?checked)`,
            'NoOp(Caller not on the whitelist)',
            'Busy(2)',
            'Hangup(21)',
          ]
        : []),
    ]),
    ...(operator ? [operatorExten(operator)] : []),
  ]);
}

/** Extension `o`: where 0 leads, from VoiceMail (its operator option) or after the press-0 prompt. */
const operatorExten = (operator: string) => exten('o', [`Goto(${extensionContexts.extensions},${digits(operator, 'operator extension')},1)`]);

function extensionsContext(snapshot: PbxSnapshot): string {
  const blocks = snapshot.extensions.map((ext) => {
    const n = digits(ext.number, 'extension');
    if (!ext.enabled) return `exten => ${n},hint,PJSIP/${n}\n` + exten(n, [`NoOp(Extension ${n} is disabled)`, 'Congestion(5)', 'Hangup()']);
    return (
      `exten => ${n},hint,PJSIP/${n}\n` +
      exten(n, [
        `Gosub(${extensionContexts.dialExtension},s,1(${n},${ext.voicemailEnabled ? 1 : 0},${dialplanSafe(ext.recording, 'recording')},${ext.iax2Enabled ? 1 : 0}${inboundArg(snapshot, ext)}))`,
        'Hangup()',
      ])
    );
  });
  return context(extensionContexts.extensions, blocks);
}

/** `,<id>` (ARG5) for an extension linked to an INBOUND whitelist, else nothing. */
function inboundArg(snapshot: PbxSnapshot, ext: SnapshotExtension): string {
  const list = extensionWhitelist(snapshot, ext);
  return list?.direction === 'INBOUND' ? `,${whitelistId(list.id)}` : '';
}

/** A mailbox reached directly (a Destination of kind VOICEMAIL): the unavailable greeting at 1, the busy greeting at `busy`. */
function voicemailContext(snapshot: PbxSnapshot): string {
  const blocks = snapshot.extensions
    .filter((e) => e.voicemailEnabled)
    .map((e) => exten(digits(e.number, 'mailbox'), ['Answer()', `VoiceMail(${e.number}@default,u)`, 'Hangup()', label('busy', 'Answer()'), `VoiceMail(${e.number}@default,b)`, 'Hangup()']));
  const operator = pressZeroOperator(snapshot);
  return context(extensionContexts.voicemail, [...blocks, ...(operator ? [operatorExten(operator)] : [])]);
}

/** ARG1 = the extension, ARG2 = its ring time for this call; the call then goes on as any call to it (never returns). */
function ringForContext(): string {
  return context(extensionContexts.ringFor, [exten('s', ['Set(PBX_RINGTIME_FOR=${ARG2})', `Goto(${extensionContexts.extensions},\${ARG1},1)`])]);
}

export function extensionDialplan(snapshot: PbxSnapshot): string[] {
  // Only a destination naming an extension jumps to the ring-time context: without extensions it has nowhere to go.
  const ringFor = snapshot.extensions.length ? [ringForContext()] : [];
  return [extensionsContext(snapshot), dialExtensionContext(snapshot), ...ringFor, voicemailContext(snapshot)];
}
