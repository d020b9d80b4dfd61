import { destinationTarget } from '../destinations/render.js';
import { context, coreContexts, digits, exten, label, recordingStep } from '../pbx/render/dialplan-text.js';
import { extensionLookup } from '../extensions/lookup.js';
import { dndFamily } from '../feature-codes/config.js';
import type { PbxSnapshot } from '../pbx/render/snapshot.js';
import { dialplanSafe } from '../pbx/render/text.js';
import type { SnapshotDepartment } from './snapshot.js';

export const departmentContexts = {
  departments: 'pbx-departments',
  department: (number: string) => `pbx-department-${number}`,
  member: 'pbx-department-member',
  memberDial: 'pbx-department-member-dial',
  alertInfo: 'pbx-alert-info',
} as const;

/**
 * F-4.1.1: ring the members by strategy, each for ringTimeSeconds, then the
 * no-answer destination. Each member is rung through a Local channel into
 * pbx-department-member-dial, so it rings on every registered contact,
 * honours do-not-disturb and records the calls it receives, as a direct
 * call would; the caller's own recording starts here. Whether a member is
 * enabled and records is looked up when it is rung (the extension lookup),
 * so the department's lines do not change with its members' settings.
 */
function departmentBody(d: SnapshotDepartment): string {
  const locals = d.members.map((m) => `Local/${digits(m, 'member')}@${departmentContexts.member}/n`);
  const dials = d.ringStrategy === 'RING_ALL' ? (locals.length ? [`Dial(${locals.join('&')},${d.ringTimeSeconds})`] : []) : locals.map((l) => `Dial(${l},${d.ringTimeSeconds})`);
  return context(departmentContexts.department(d.number), [
    exten('s', [
      `Set(__PICKUPMARK=${d.number})`,
      // The department's own ring wins; without one, the ring of the route that brought the call stays.
      ...(d.distinctiveRing ? [`Set(__PBX_ALERT_INFO=${dialplanSafe(d.distinctiveRing, 'distinctive ring')})`] : []),
      // The caller's own recording mode (PBX_RECORDING): an extension that records the calls it makes.
      `Gosub(${coreContexts.caller},s,1)`,
      'GotoIf($["${PBX_RECORDING}" = "OUTBOUND" | "${PBX_RECORDING}" = "BOTH"]?record)',
      label('ring', 'NoOp(Department ' + d.number + ')'),
      ...dials,
      destinationTarget(d.noAnswer),
      label('record', recordingStep(d.number)),
      'Goto(ring)',
    ]),
  ]);
}

/**
 * One member's leg: a member that is disabled or gone, or in DND, answers
 * busy; every registered contact rings, with the department's ring tone; the
 * call is recorded when the member records the calls it receives. ARG1 = number.
 */
function memberContexts(): string[] {
  const recording = extensionLookup.field('recording');
  return [
    context(departmentContexts.member, [exten('_X.', [`Gosub(${departmentContexts.memberDial},s,1(\${EXTEN}))`, 'Hangup()'])]),
    context(departmentContexts.memberDial, [
      exten('s', [
        extensionLookup.step('${ARG1}'),
        `GotoIf($["${extensionLookup.field('number')}" != "\${ARG1}" | "${extensionLookup.field('enabled')}" != "1"]?busy)`,
        `GotoIf(\${DB_EXISTS(${dndFamily}/\${ARG1})}?busy)`,
        'Set(CONTACTS=${PJSIP_DIAL_CONTACTS(${ARG1})})',
        'GotoIf($["${CONTACTS}" = ""]?busy)',
        `GotoIf($["${recording}" != "INBOUND" & "${recording}" != "BOTH"]?dial)`,
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
  const entries = snapshot.departments.map((d) => exten(digits(d.number, 'department'), [`Goto(${departmentContexts.department(d.number)},s,1)`]));
  return [context(departmentContexts.departments, entries), ...snapshot.departments.map(departmentBody), ...memberContexts(), alertInfoContext()];
}
