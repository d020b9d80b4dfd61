import { destinationTarget } from '../destinations/render.js';
import { context, digits, exten, label, recordingStep, records } from '../pbx/render/dialplan-text.js';
import type { PbxSnapshot } from '../pbx/render/snapshot.js';
import { dialplanSafe } from '../pbx/render/text.js';
import type { SnapshotDepartment } from './snapshot.js';

export const departmentContexts = {
  departments: 'pbx-departments',
  department: (number: string) => `pbx-department-${number}`,
  member: 'pbx-department-member',
  memberRecorded: 'pbx-department-member-recorded',
  memberDial: 'pbx-department-member-dial',
  alertInfo: 'pbx-alert-info',
} as const;

/**
 * F-4.1.1: ring the members by strategy, each for ringTimeSeconds, then the
 * no-answer destination. Each member is rung through a Local channel into
 * pbx-department-member-dial, so it rings on every registered contact,
 * honours do-not-disturb and records the calls it receives, as a direct
 * call would; the caller's own recording starts here.
 */
function departmentBody(d: SnapshotDepartment, members: { number: string; recording: string }[]): string {
  const locals = members.map((m) => `Local/${digits(m.number, 'member')}@${records(m.recording, 'INBOUND') ? departmentContexts.memberRecorded : departmentContexts.member}/n`);
  const dials = d.ringStrategy === 'RING_ALL' ? (locals.length ? [`Dial(${locals.join('&')},${d.ringTimeSeconds})`] : []) : locals.map((l) => `Dial(${l},${d.ringTimeSeconds})`);
  return context(departmentContexts.department(d.number), [
    exten('s', [
      `Set(__PICKUPMARK=${d.number})`,
      // The department's own ring wins; without one, the ring of the route that brought the call stays.
      ...(d.distinctiveRing ? [`Set(__PBX_ALERT_INFO=${dialplanSafe(d.distinctiveRing, 'distinctive ring')})`] : []),
      'GotoIf($["${PBX_RECORDING}" = "OUTBOUND" | "${PBX_RECORDING}" = "BOTH"]?record)',
      label('ring', 'NoOp(Department ' + d.number + ')'),
      ...dials,
      destinationTarget(d.noAnswer),
      label('record', recordingStep(d.number)),
      'Goto(ring)',
    ]),
  ]);
}

/** One member's leg: DND answers busy; every registered contact rings, with the department's ring tone. ARG1 = number, ARG2 = 1 to record. */
function memberContexts(): string[] {
  return [
    context(departmentContexts.member, [exten('_X.', [`Gosub(${departmentContexts.memberDial},s,1(\${EXTEN},0))`, 'Hangup()'])]),
    context(departmentContexts.memberRecorded, [exten('_X.', [`Gosub(${departmentContexts.memberDial},s,1(\${EXTEN},1))`, 'Hangup()'])]),
    context(departmentContexts.memberDial, [
      exten('s', [
        'GotoIf(${DB_EXISTS(DND/${ARG1})}?busy)',
        'Set(CONTACTS=${PJSIP_DIAL_CONTACTS(${ARG1})})',
        'GotoIf($["${CONTACTS}" = ""]?busy)',
        'GotoIf($["${ARG2}" != "1"]?dial)',
        recordingStep('${ARG1}'),
        label('dial', 'GotoIf($["${PBX_ALERT_INFO}" = ""]?plain)'),
        `Dial(\${CONTACTS},,tTb(${departmentContexts.alertInfo}^s^1(\${PBX_ALERT_INFO})))`,
        'Return()',
        label('plain', 'Dial(${CONTACTS},,tT)'),
        'Return()',
        label('busy', 'Busy(5)'),
        'Return()',
      ]),
    ]),
  ];
}

/** A pre-dial handler that asks the phone for a ring tone (Alert-Info). */
function alertInfoContext(): string {
  return context(departmentContexts.alertInfo, [exten('s', ['Set(PJSIP_HEADER(add,Alert-Info)=<http://127.0.0.1/${ARG1}>\\;info=${ARG1})', 'Return()'])]);
}

export function departmentDialplan(snapshot: PbxSnapshot): string[] {
  const enabled = new Map(snapshot.extensions.filter((e) => e.enabled).map((e) => [e.number, e.recording]));
  const entries = snapshot.departments.map((d) => exten(digits(d.number, 'department'), [`Goto(${departmentContexts.department(d.number)},s,1)`]));
  const bodies = snapshot.departments.map((d) =>
    departmentBody(
      d,
      d.members.filter((m) => enabled.has(m)).map((m) => ({ number: m, recording: enabled.get(m)! })),
    ),
  );
  return [context(departmentContexts.departments, entries), ...bodies, ...memberContexts(), alertInfoContext()];
}
