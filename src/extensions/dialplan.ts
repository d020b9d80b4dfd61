import { digits, exten, label, context, recordingStep } from '../pbx/render/dialplan-text.js';
import { departmentContexts } from '../departments/config.js';
import { onDemandRecordingStep } from '../records/config.js';
import { dialplanSafe } from '../pbx/render/text.js';
import type { PbxSnapshot } from '../pbx/render/snapshot.js';
import type { SnapshotExtension } from './snapshot.js';
import { anyLinked, extensionWhitelist, whitelistContextPrefix, whitelistId } from '../whitelists/config.js';
import { pressZeroOperator } from './voicemail-config.js';

/** The dialplan of IP extensions (F-4.1.2): how a call reaches an extension, its mailbox and the operator. */

export const extensionContexts = {
  extensions: 'pbx-extensions',
  voicemail: 'pbx-voicemail',
  dialExtension: 'pbx-dial-extension',
  /** Rings an extension for a given time (a Destination with ringTimeSeconds), then goes on as a call to it. */
  ringFor: 'pbx-extension-ring-time',
} as const;

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
