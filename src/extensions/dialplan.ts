import { digits, exten, label, context, recordingStep, coreContexts } from '../pbx/render/dialplan-text.js';
import { departmentContexts } from '../departments/config.js';
import { onDemandRecordingStep } from '../records/config.js';
import { dialplanSafe } from '../pbx/render/text.js';
import type { PbxSnapshot } from '../pbx/render/snapshot.js';
import type { NumberExpectation } from '../pbx/lint/types.js';
import { inRange } from '../numbering/ranges.js';
import { whitelistContextPrefix } from '../whitelists/config.js';
import { dndFamily } from '../feature-codes/config.js';
import { lastCallerFamily } from '../blacklist/config.js';
import { forwardFamilies, maxForwardHops, type ForwardType } from '../call-forwarding/families.js';
import { extensionLookup, extensionLookupRows } from './lookup.js';
import { rangePatterns } from './range-patterns.js';

/**
 * The dialplan of IP extensions (F-4.1.2): how a call reaches an extension,
 * its mailbox and the operator.
 *
 * It is flat: it does not change when an extension is created, changed or
 * deleted. Patterns cover the numbering plan's user extension range, and
 * what differs per extension (enabled, voicemail, recording, IAX2, INBOUND
 * whitelist) is looked up at call time in the realtime family pbx_extension
 * (a view of this server's database, src/pbx/render/realtime.ts), so a change
 * is in effect when its transaction commits. Only an extension whose number
 * lies outside the range (which the API refuses, but older data may hold)
 * gets a block of its own, so that nothing becomes unreachable.
 */

export const extensionContexts = {
  extensions: 'pbx-extensions',
  voicemail: 'pbx-voicemail',
  dialExtension: 'pbx-dial-extension',
  /** Rings an extension for a given time (a Destination with ringTimeSeconds), then goes on as a call to it. */
  ringFor: 'pbx-extension-ring-time',
  /** A mailbox whose caller may press 0 for the operator: app_voicemail offers 0 only where the context has `o`. */
  voicemailWithOperator: 'pbx-voicemail-operator',
} as const;

const family = extensionLookup.family;

/** True when the lookup found no row for the dialled number: the hash keeps no other number (an earlier lookup's row reads as stale). */
const noRow = `"${extensionLookup.field('number')}" != "\${EXTEN}"`;

/** The names that reach extensions: the range's patterns, and the exact numbers of extensions outside it. */
function extensionNames(snapshot: PbxSnapshot): { name: string; hint: string }[] {
  const range = snapshot.settings.numberingPlan.userExtensionRange;
  const patterns = rangePatterns(range.start, range.end).map((name) => ({ name, hint: 'PJSIP/${EXTEN}' }));
  const outside = snapshot.extensions.filter((e) => !inRange(e.number, range)).map((e) => ({ name: digits(e.number, 'extension'), hint: `PJSIP/${e.number}` }));
  return [...patterns, ...outside];
}

/** Whether `number` reaches an extension block (in the range, or an extension outside it): a jump to it has a target. */
function reachable(snapshot: PbxSnapshot, number: string): boolean {
  return inRange(number, snapshot.settings.numberingPlan.userExtensionRange) || snapshot.extensions.some((e) => e.number === number);
}

/**
 * The operator that press-0 offers, by the settings alone: whether the operator
 * exists and is enabled is looked up when a caller could press 0.
 */
function pressZeroTarget(snapshot: PbxSnapshot): string | null {
  const { pressZeroToOperator, operatorExtension } = snapshot.settings.pbx;
  return pressZeroToOperator && operatorExtension && reachable(snapshot, operatorExtension) ? operatorExtension : null;
}

/**
 * The steps that send a call to the operator extension while it exists and is
 * enabled (looked up at call time), else go on with the next step. None when
 * no operator is set, or its number reaches no extension block.
 */
export function operatorSteps(snapshot: PbxSnapshot): string[] {
  const number = snapshot.settings.pbx.operatorExtension;
  if (!number || !reachable(snapshot, number)) return [];
  return [`GotoIf($["${extensionLookup.enabled(number)}" = "1"]?${extensionContexts.extensions},${digits(number, 'operator extension')},1)`];
}

/** Steps whose first carries a label. */
const labelled = (name: string, [first, ...rest]: string[]) => [label(name, first!), ...rest];

/** Where a caller who hears "no such extension" goes: an IVR menu's invalid-key handling when the call came from one, else a 404-like end. */
const unknownNumberSteps = [
  'NoOp(No extension ${EXTEN})',
  // Through an include the channel stays in the including context: an IVR menu that lets callers dial extensions has `i`.
  'GotoIf(${DIALPLAN_EXISTS(${CONTEXT},i,1)}?${CONTEXT},i,1)',
  'ExecIf($["${CHANNEL(state)}" = "Up"]?Playback(ss-noservice))',
  // Cause 1 (unallocated number): a phone is answered 404, as for a number no extension matches.
  'Hangup(1)',
];

/**
 * Calls an extension: DND, call forwarding (always; when busy or unanswered
 * after ringing), every registered contact, then voicemail (busy or
 * unavailable greeting) when on; without voicemail a busy caller hears busy
 * and an unanswered call ends, or is offered 0 for the operator (F-4.1.2.b,
 * F-4.6.1). The call is recorded (MixMonitor) when the callee records calls
 * it receives or the caller records calls it makes. The PBX settings add the
 * anonymous-caller check, the jitter buffer and ringback music.
 * ARG1 = number, ARG2 = 1 with voicemail, ARG3 = the callee's recording mode,
 * ARG4 = 1 when the extension may also register over IAX2, ARG5 = the id of
 * its INBOUND whitelist, or empty (F-4.5.10): the columns of its lookup.
 */
function dialExtensionContext(snapshot: PbxSnapshot): string {
  const pbx = snapshot.settings.pbx;
  const operator = pressZeroTarget(snapshot);
  const options = `tT${pbx.ringbackMusic ? `m(${dialplanSafe(pbx.ringbackMusicClass, 'ringback music class')})` : ''}`;
  return context(extensionContexts.dialExtension, [
    exten('s', [
      'Set(__PICKUPMARK=${ARG1})',
      // The calling extension's own data (PBX_RECORDING: whether it records the calls it makes), looked up once per call.
      `Gosub(${coreContexts.caller},s,1)`,
      ...(pbx.blockAnonymous ? ['GotoIf($["${CALLERID(num)}" = "" | "${CALLERID(num)}" = "anonymous"]?anonymous)'] : []),
      ...(pbx.jitterBuffer ? ['Set(JITTERBUFFER(adaptive)=default)'] : []),
      // The last caller from outside, for the code that blacklists it (F-4.7.e *76); only digits, * # + are kept.
      `ExecIf($["\${PBX_TRUNK}" != ""]?Set(DB(${lastCallerFamily}/\${ARG1})=\${FILTER(0-9*#+,\${CALLERID(num)})}))`,
      'GotoIf($["${ARG5}" != ""]?whitelist)',
      label('checked', 'GotoIf($["${ARG3}" = "INBOUND" | "${ARG3}" = "BOTH" | "${PBX_RECORDING}" = "OUTBOUND" | "${PBX_RECORDING}" = "BOTH"]?record)'),
      label('dial', `GotoIf(\${DB_EXISTS(${dndFamily}/\${ARG1})}?dnd)`),
      // Call forwarding (F-4.5.1): DB_EXISTS leaves the number in DB_RESULT. A call forwarded too often in a row rings here.
      `Set(PBX_FWD_OK=$[0\${PBX_FWD_HOPS} < ${maxForwardHops}])`,
      ...forwardWhen('', 'ALWAYS', 'contacts'),
      label('contacts', 'Set(CONTACTS=${PJSIP_DIAL_CONTACTS(${ARG1})})'),
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
      ...forwardWhen('"${DIALSTATUS}" = "BUSY" & ', 'BUSY', 'busy'),
      'GotoIf($["${DIALSTATUS}" = "BUSY"]?busy)',
      ...forwardWhen('"${DIALSTATUS}" = "NOANSWER" & ', 'NO_ANSWER', 'unavailable'),
      label('unavailable', 'GotoIf($["${ARG2}" = "1"]?vm-unavailable)'),
      // The prompt is said twice at most: a caller who missed it the first time hears it again; only while the operator can take the call.
      ...(operator
        ? [
            `GotoIf($["${extensionLookup.enabled(operator)}" != "1"]?no-operator)`,
            'Read(PRESSED,vm-reachoper,1,,2,5)',
            `GotoIf($["\${PRESSED}" = "0"]?${extensionContexts.extensions},${operator},1)`,
            label('no-operator', 'Return()'),
          ]
        : ['Return()']),
      ...labelled('vm-unavailable', voicemailSteps(operator, '${ARG1}', 'u')),
      'Return()',
      label('dnd', 'NoOp(Do not disturb)'),
      label('busy', 'GotoIf($["${ARG2}" = "1"]?vm-busy)'),
      'Busy(5)',
      'Return()',
      ...labelled('vm-busy', voicemailSteps(operator, '${ARG1}', 'b')),
      'Return()',
      // The number is dialled as the forwarding extension would dial it, in the context of its dial permission: a forward
      // reaches no number its phone could not call (no outside call for an extension without the right to make one).
      label('forward', 'Set(PBX_FWD_HOPS=$[0${PBX_FWD_HOPS} + 1])'),
      'Set(PBX_FWD=${FILTER(0-9+,${DB_RESULT})})',
      // Out through a trunk the call is the forwarding extension's: its outbound whitelist and caller IDs apply, not the caller's.
      extensionLookup.step('${ARG1}'),
      `Set(PBX_WHITELIST_OUT=${extensionLookup.field('whitelist_out')})`,
      `Set(PBX_CID1=${extensionLookup.field('cid1')})`,
      `Set(PBX_CID2=${extensionLookup.field('cid2')})`,
      'Set(PBX_FWD_CONTEXT=${PJSIP_ENDPOINT(${ARG1},context)})',
      'GotoIf($["${PBX_FWD_CONTEXT}" != "" & ${DIALPLAN_EXISTS(${PBX_FWD_CONTEXT},${PBX_FWD},1)}]?${PBX_FWD_CONTEXT},${PBX_FWD},1)',
      'NoOp(Not forwarded: ${ARG1} may not call ${PBX_FWD})',
      'Goto(${PBX_FWD_BACK})',
      label('record', recordingStep('${ARG1}')),
      'Goto(dial)',
      ...(pbx.blockAnonymous ? [label('anonymous', 'Playback(privacy-unident)'), 'Hangup(21)'] : []),
      // An INBOUND whitelist (ARG5 = its id): only a caller whose number, unaltered by the filter, is listed gets through (F-4.5.10).
      label('whitelist', 'Set(PBX_WLNUM=${FILTER(0-9*#+,${CALLERID(num)})})'),
      `GotoIf($[\${LEN(\${PBX_WLNUM})} = \${LEN(\${CALLERID(num)})} & \${DIALPLAN_EXISTS(${whitelistContextPrefix}\${ARG5},\${PBX_WLNUM},1)}]?checked)`,
      'NoOp(Caller not on the whitelist)',
      'Busy(2)',
      'Hangup(21)',
    ]),
  ]);
}

/**
 * Jumps to `forward` when `condition` holds (the empty string, or ending in
 * `&`) and the extension forwards calls of `type`; a forward to a number its
 * dial permission does not reach comes back to `back`.
 */
function forwardWhen(condition: string, type: ForwardType, back: string): string[] {
  return [`Set(PBX_FWD_BACK=${back})`, `GotoIf($[${condition}\${PBX_FWD_OK} & \${DB_EXISTS(${forwardFamilies[type]}/\${ARG1})}]?forward)`];
}

/**
 * Leaves a message in `box` with the unavailable (u) or busy (b) greeting.
 * While press-0 is on and the operator exists and is enabled (looked up now),
 * in pbx-voicemail-operator, whose `o` makes app_voicemail offer 0; else
 * where the call is, which has no `o`, so 0 is not offered.
 */
function voicemailSteps(operator: string | null, box: string, greeting: 'u' | 'b'): string[] {
  const leave = `VoiceMail(${box}@default,${greeting})`;
  if (!operator) return [leave];
  return [`GotoIf($["${extensionLookup.enabled(operator)}" = "1"]?${extensionContexts.voicemailWithOperator},${box},${greeting === 'b' ? 'busy' : '1'})`, leave];
}

/** The mailbox (the dialled number) when 0 leads to the operator: the call ends after the message, as it does elsewhere. */
function voicemailWithOperatorContext(operator: string): string {
  return context(extensionContexts.voicemailWithOperator, [
    exten('_X.', ['VoiceMail(${EXTEN}@default,u)', 'Hangup()', label('busy', 'VoiceMail(${EXTEN}@default,b)'), 'Hangup()']),
    exten('o', [`Goto(${extensionContexts.extensions},${operator},1)`]),
  ]);
}

/** The disabled branch's step, which the check expects a disabled extension to reach. */
export const disabledStep = 'NoOp(Extension ${EXTEN} is disabled)';

function extensionsContext(snapshot: PbxSnapshot): string {
  const blocks = extensionNames(snapshot).map(
    ({ name, hint }) =>
      `exten => ${name},hint,${hint}\n` +
      exten(name, [
        extensionLookup.step('${EXTEN}'),
        `GotoIf($[${noRow}]?unknown)`,
        `GotoIf($["${extensionLookup.field('enabled')}" != "1"]?disabled)`,
        `Gosub(${extensionContexts.dialExtension},s,1(\${EXTEN},${(['voicemail', 'recording', 'iax2', 'whitelist'] as const).map(extensionLookup.field).join(',')}))`,
        'Hangup()',
        label('disabled', disabledStep),
        'Congestion(5)',
        'Hangup()',
        ...labelled('unknown', unknownNumberSteps),
      ]),
  );
  return context(extensionContexts.extensions, blocks);
}

/** A mailbox reached directly (a Destination of kind VOICEMAIL): the unavailable greeting at 1, the busy greeting at `busy`; only a box with voicemail on. */
function voicemailContext(snapshot: PbxSnapshot): string {
  const operator = pressZeroTarget(snapshot);
  const greeting = (option: 'u' | 'b') => [
    extensionLookup.step('${EXTEN}'),
    `GotoIf($[${noRow} | "${extensionLookup.field('voicemail')}" != "1"]?none)`,
    'Answer()',
    ...voicemailSteps(operator, '${EXTEN}', option),
    'Hangup()',
  ];
  const blocks = extensionNames(snapshot).map(({ name }) =>
    exten(name, [...greeting('u'), ...labelled('busy', greeting('b')), label('none', 'NoOp(No mailbox ${EXTEN})'), ...unknownNumberSteps.slice(2)]),
  );
  return context(extensionContexts.voicemail, blocks);
}

/** ARG1 = the extension, ARG2 = its ring time for this call; the call then goes on as any call to it (never returns). */
function ringForContext(): string {
  return context(extensionContexts.ringFor, [exten('s', ['Set(PBX_RINGTIME_FOR=${ARG2})', `Goto(${extensionContexts.extensions},\${ARG1},1)`])]);
}

export function extensionDialplan(snapshot: PbxSnapshot): string[] {
  const operator = pressZeroTarget(snapshot);
  return [extensionsContext(snapshot), dialExtensionContext(snapshot), ringForContext(), voicemailContext(snapshot), ...(operator ? [voicemailWithOperatorContext(operator)] : [])];
}

/** The lookup rows, for the check: what REALTIME_HASH(pbx_extension,number,N) returns for each extension. */
export function extensionLookups(snapshot: PbxSnapshot): Record<string, Record<string, string>[]> {
  return { [family]: extensionLookupRows(snapshot) };
}

/**
 * What the check proves: every extension's number, dialled from pbx-internal,
 * reaches the dial subroutine (enabled) or the disabled branch, through its
 * row of the lookup; and every mailbox with voicemail on is reached in
 * pbx-voicemail through the same row.
 */
export function extensionExpectations(snapshot: PbxSnapshot): NumberExpectation[] {
  return snapshot.extensions.flatMap((e) => {
    const lookup = { family, key: e.number };
    const call: NumberExpectation = {
      number: e.number,
      context: coreContexts.internal,
      reaches: e.enabled ? { context: extensionContexts.dialExtension } : { step: disabledStep },
      owner: `extension ${e.number}`,
      lookup,
    };
    if (!e.voicemailEnabled) return [call];
    return [call, { number: e.number, context: extensionContexts.voicemail, reaches: { app: 'Answer' }, owner: `mailbox ${e.number}`, lookup }];
  });
}
