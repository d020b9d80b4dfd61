import type { PbxSnapshot, RenderDestination, SnapshotDepartment, SnapshotExtension } from './snapshot.js';
import { dialplanSafe, file } from './text.js';
import { INTERNAL_CONTEXT } from './pjsip.js';

/** Dialplan contexts, named here once. */
export const contexts = {
  internal: INTERNAL_CONTEXT,
  featureCodes: 'pbx-feature-codes',
  extensions: 'pbx-extensions',
  departments: 'pbx-departments',
  voicemail: 'pbx-voicemail',
  outbound: 'pbx-outbound',
  dialExtension: 'pbx-dial-extension',
  department: (number: string) => `pbx-department-${number}`,
  alertInfo: 'pbx-alert-info',
} as const;

/** Feature codes rendered so far (F-4.7.a, F-4.7.b, F-4.7.k), with the manual's defaults. */
export const featureCodes = {
  voicemailMain: '*60',
  voicemailOwn: '*61',
  pickupGroup: '*8',
  pickupDirected: '**',
  dndOn: '*74',
  dndOff: '*074',
} as const;

const digits = (n: string, what: string) => {
  if (!/^\d+$/.test(n)) throw new Error(`${what}: ${n} is not a number`);
  return n;
};

/** The one dialplan target of each Destination kind. */
export function destinationTarget(d: RenderDestination): string {
  switch (d.type) {
    case 'HANGUP':
      return 'Hangup()';
    case 'EXTENSION':
      return `Goto(${contexts.extensions},${digits(d.number!, 'extension')},1)`;
    case 'VOICEMAIL':
      return `Goto(${contexts.voicemail},${digits(d.number!, 'mailbox')},1)`;
    case 'DEPARTMENT':
      return `Goto(${contexts.departments},${digits(d.number!, 'department')},1)`;
    case 'EXTERNAL_NUMBER':
      return `Goto(${contexts.outbound},${dialplanSafe(d.number!, 'external number')},1)`;
    default:
      throw new Error(`destination ${d.type} has no dialplan target yet`);
  }
}

type Line = string;
/** An extension's priorities: the first numbered 1, the rest `same => n`. */
function exten(name: string, steps: Line[]): string {
  const [first, ...rest] = steps;
  return [`exten => ${name},1,${first}`, ...rest.map((s) => (s.startsWith('(') ? ` same => n${s}` : ` same => n,${s}`))].join('\n');
}
/** A labelled step: label('busy', 'VoiceMail(...)') → `same => n(busy),VoiceMail(...)` */
const label = (name: string, step: string) => `(${name}),${step}`;

function globals(snapshot: PbxSnapshot): string {
  return `[globals]\nPBX_RINGTIME=${snapshot.settings.pbx.globalRingSeconds}\n`;
}

function internal(): string {
  return [`[${contexts.internal}]`, `include => ${contexts.featureCodes}`, `include => ${contexts.extensions}`, `include => ${contexts.departments}`, ''].join('\n');
}

function featureCodeContext(): string {
  const me = '${CHANNEL(endpoint)}';
  return [
    `[${contexts.featureCodes}]`,
    exten(featureCodes.voicemailMain, ['Answer()', 'VoiceMailMain(@default)', 'Hangup()']),
    exten(featureCodes.voicemailOwn, ['Answer()', `VoiceMailMain(${me}@default)`, 'Hangup()']),
    exten(featureCodes.pickupGroup, ['Pickup()', 'Hangup()']),
    exten(`_${featureCodes.pickupDirected}X.`, [`Pickup(\${EXTEN:${featureCodes.pickupDirected.length}}@PICKUPMARK)`, 'Hangup()']),
    exten(featureCodes.dndOn, ['Answer()', `Set(DB(DND/${me})=1)`, 'Playback(beep)', 'Hangup()']),
    exten(featureCodes.dndOff, ['Answer()', `Set(DELETED=\${DB_DELETE(DND/${me})})`, 'Playback(beep)', 'Hangup()']),
    '',
  ].join('\n');
}

/**
 * Calls an extension: DND, every registered contact, then voicemail (busy or
 * unavailable greeting) when on; without voicemail a busy caller hears busy
 * and an unanswered call ends (F-4.1.2.b). The call is recorded (MixMonitor)
 * when the callee records calls it receives or the caller records calls it
 * makes. ARG1 = number, ARG2 = 1 with voicemail, ARG3 = the callee's recording mode,
 * ARG4 = 1 when the extension may also register over IAX2.
 */
function dialExtensionContext(): string {
  return [
    `[${contexts.dialExtension}]`,
    exten('s', [
      'Set(__PICKUPMARK=${ARG1})',
      'GotoIf($["${ARG3}" = "INBOUND" | "${ARG3}" = "BOTH" | "${PBX_RECORDING}" = "OUTBOUND" | "${PBX_RECORDING}" = "BOTH"]?record)',
      label('dial', 'GotoIf(${DB_EXISTS(DND/${ARG1})}?dnd)'),
      'Set(CONTACTS=${PJSIP_DIAL_CONTACTS(${ARG1})})',
      // An IAX2 extension (ARG4 = 1) rings over IAX2 too while its peer is registered. The jump keeps
      // IAXPEER() from being evaluated for other extensions (arguments are expanded before ExecIf runs).
      'GotoIf($["${ARG4}" != "1"]?ring)',
      'ExecIf($["${IAXPEER(${ARG1},ip)}" != ""]?Set(CONTACTS=${CONTACTS}${IF($["${CONTACTS}" = ""]?:&)}IAX2/${ARG1}))',
      label('ring', 'GotoIf($["${CONTACTS}" = ""]?unavailable)'),
      'Dial(${CONTACTS},${PBX_RINGTIME})',
      'GotoIf($["${DIALSTATUS}" = "BUSY"]?busy)',
      label('unavailable', 'GotoIf($["${ARG2}" = "1"]?vm-unavailable)'),
      'Return()',
      label('vm-unavailable', 'VoiceMail(${ARG1}@default,u)'),
      'Return()',
      label('dnd', 'NoOp(Do not disturb)'),
      label('busy', 'GotoIf($["${ARG2}" = "1"]?vm-busy)'),
      'Busy(5)',
      'Return()',
      label('vm-busy', 'VoiceMail(${ARG1}@default,b)'),
      'Return()',
      label('record', 'MixMonitor(${STRFTIME(${EPOCH},,%Y%m%d-%H%M%S)}-${CALLERID(num)}-${ARG1}-${UNIQUEID}.wav,b)'),
      'Goto(dial)',
    ]),
    '',
  ].join('\n');
}

function extensionsContext(extensions: SnapshotExtension[]): string {
  const blocks = extensions.map((ext) => {
    const n = digits(ext.number, 'extension');
    if (!ext.enabled) return `exten => ${n},hint,PJSIP/${n}\n` + exten(n, [`NoOp(Extension ${n} is disabled)`, 'Congestion(5)', 'Hangup()']);
    return `exten => ${n},hint,PJSIP/${n}\n` + exten(n, [`Gosub(${contexts.dialExtension},s,1(${n},${ext.voicemailEnabled ? 1 : 0},${dialplanSafe(ext.recording, 'recording')},${ext.iax2Enabled ? 1 : 0}))`, 'Hangup()']);
  });
  return [`[${contexts.extensions}]`, ...blocks, ''].join('\n');
}

function voicemailContext(extensions: SnapshotExtension[]): string {
  const blocks = extensions
    .filter((e) => e.voicemailEnabled)
    .map((e) => exten(digits(e.number, 'mailbox'), ['Answer()', `VoiceMail(${e.number}@default,u)`, 'Hangup()']));
  return [`[${contexts.voicemail}]`, ...blocks, ''].join('\n');
}

/** F-4.1.1: ring the members by strategy, each for ringTimeSeconds, then the no-answer destination. */
function departmentContexts(departments: SnapshotDepartment[], enabled: Set<string>): string {
  const entries = departments.map((d) => exten(digits(d.number, 'department'), [`Goto(${contexts.department(d.number)},s,1)`]));
  const bodies = departments.map((d) => {
    const members = d.members.filter((m) => enabled.has(m)).map((m) => `PJSIP/${digits(m, 'member')}`);
    const ring = d.distinctiveRing ? `,b(${contexts.alertInfo}^s^1(${dialplanSafe(d.distinctiveRing, 'distinctive ring')}))` : '';
    const dials =
      d.ringStrategy === 'RING_ALL'
        ? members.length
          ? [`Dial(${members.join('&')},${d.ringTimeSeconds}${ring})`]
          : []
        : members.map((m) => `Dial(${m},${d.ringTimeSeconds}${ring})`);
    return [`[${contexts.department(d.number)}]`, exten('s', [`Set(__PICKUPMARK=${d.number})`, ...dials, destinationTarget(d.noAnswer)]), ''].join('\n');
  });
  return [[`[${contexts.departments}]`, ...entries, ''].join('\n'), ...bodies].join('\n');
}

/** A pre-dial handler that asks the phone for a ring tone (Alert-Info). */
function alertInfoContext(): string {
  return [`[${contexts.alertInfo}]`, exten('s', ['Set(PJSIP_HEADER(add,Alert-Info)=<http://127.0.0.1/${ARG1}>\\;info=${ARG1})', 'Return()']), ''].join('\n');
}

/** External numbers have nowhere to go until dial rules and trunks exist: the caller hears congestion. */
function outboundContext(): string {
  return [`[${contexts.outbound}]`, exten('_[+0-9*#].', ['NoOp(No dial rule reaches ${EXTEN})', 'Congestion(5)', 'Hangup()']), ''].join('\n');
}

/** extensions.conf: internal calling, feature codes, departments, voicemail (D1: native applications only). */
export function renderDialplan(snapshot: PbxSnapshot): string {
  const enabled = new Set(snapshot.extensions.filter((e) => e.enabled).map((e) => e.number));
  return file(
    '[general]\nstatic=yes\nwriteprotect=yes\nclearglobalvars=no\n',
    globals(snapshot),
    internal(),
    featureCodeContext(),
    extensionsContext(snapshot.extensions),
    dialExtensionContext(),
    voicemailContext(snapshot.extensions),
    departmentContexts(snapshot.departments, enabled),
    alertInfoContext(),
    outboundContext(),
  );
}

/** What each dialable number must reach: checked by the dialplan lint (D4). */
export function dialplanExpectations(snapshot: PbxSnapshot) {
  return [
    ...snapshot.extensions.map((e) => ({ number: e.number, context: contexts.internal, reaches: e.enabled ? { context: contexts.dialExtension } : { app: 'NoOp' }, owner: `extension ${e.number}` })),
    ...snapshot.departments.map((d) => ({ number: d.number, context: contexts.internal, reaches: { context: contexts.department(d.number) }, owner: `department ${d.number}` })),
    { number: featureCodes.voicemailMain, context: contexts.internal, reaches: { app: 'Answer' }, owner: 'feature code voicemailMain' },
    { number: featureCodes.pickupGroup, context: contexts.internal, reaches: { app: 'Pickup' }, owner: 'feature code pickupGroup' },
    { number: `${featureCodes.pickupDirected}101`, context: contexts.internal, reaches: { app: 'Pickup' }, owner: 'feature code pickupDirected' },
    { number: featureCodes.dndOn, context: contexts.internal, reaches: { app: 'Answer' }, owner: 'feature code dndOn' },
    { number: featureCodes.dndOff, context: contexts.internal, reaches: { app: 'Answer' }, owner: 'feature code dndOff' },
  ];
}
