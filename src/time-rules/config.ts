import { destinationTarget } from '../destinations/render.js';
import type { NumberExpectation } from '../pbx/lint/types.js';
import { context, exten, label } from '../pbx/render/dialplan-text.js';
import type { PbxSnapshot } from '../pbx/render/snapshot.js';
import { RenderError, safe } from '../pbx/render/text.js';
import { holidaySpans, weekdayField, workTimings, type TimeState } from './schedule.js';
import type { SnapshotTimeRule } from './snapshot.js';

/** The context of a time rule: named by its id (a time rule has no number; renaming it changes no context). */
export function timeRuleContext(id: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) throw new RenderError(`time rule id ${JSON.stringify(id)} cannot name a dialplan context`);
  return `pbx-timerule-${id}`;
}

/** The extension of a time rule's context that works out the state (Gosub), leaving it in `timeStateVariable`. */
export const timeCheckExten = 'check';
/** Set by the check: WORK, OFF_HOURS or HOLIDAY (the values of TimeState). */
export const timeStateVariable = 'PBX_TIME_STATE';
const todayVariable = 'PBX_TODAY';
const state = (s: TimeState) => s;

/** The one step that works out a rule's state: afterwards `${PBX_TIME_STATE}` is WORK, OFF_HOURS or HOLIDAY. */
export const timeCheckStep = (ruleId: string) => `Gosub(${timeRuleContext(ruleId)},${timeCheckExten},1)`;

/** The zone argument of GotoIfTime and STRFTIME; '' (the host's zone) is left out of GotoIfTime. */
function zoneOf(snapshot: PbxSnapshot): string {
  const zone = snapshot.settings.pbx.timezone ?? '';
  if (!/^([A-Za-z0-9_+-]+(\/[A-Za-z0-9_+-]+)*)?$/.test(zone)) throw new RenderError(`time zone ${JSON.stringify(zone)} cannot be a dialplan argument`);
  return zone;
}

/**
 * The check (F-4.2.3.c: holidays first, then the working ranges of today's
 * weekday, else off hours), as a subroutine of the rule's context.
 *
 * Holidays carry a year, which GotoIfTime has not: today's date is compared
 * as the number YYYYMMDD. STRFTIME reads ${TESTTIME} as its instant, and an
 * empty epoch means now (funcs/func_strings.c acf_strftime → ast_get_timeval
 * with ast_tvnow() as the default): GotoIfTime honours TESTTIME the same way
 * (main/pbx_builtins.c pbx_builtin_gotoiftime), so both read one instant when
 * a test pins it, and the real clock otherwise.
 *
 * Working ranges: see Timing in schedule.ts for why `09:00–18:00` is written
 * `09:00-17:59` (Asterisk includes the end minute).
 */
function checkExtension(rule: SnapshotTimeRule, zone: string): string {
  const steps: string[] = [];
  const spans = holidaySpans(rule.holidays);
  if (spans.length) {
    steps.push(`Set(${timeStateVariable}=${state('HOLIDAY')})`, `Set(${todayVariable}=\${STRFTIME(\${TESTTIME},${zone},%Y%m%d)})`);
    for (const { from, to } of spans) {
      steps.push(from === to ? `GotoIf($[\${${todayVariable}} = ${from}]?done)` : `GotoIf($[\${${todayVariable}} >= ${from} & \${${todayVariable}} <= ${to}]?done)`);
    }
  }
  steps.push(`Set(${timeStateVariable}=${state('WORK')})`);
  for (const timing of workTimings(rule.work)) {
    steps.push(`GotoIfTime(${timing.times},${weekdayField(timing.days)},*,*${zone ? `,${zone}` : ''}?done)`);
  }
  steps.push(`Set(${timeStateVariable}=${state('OFF_HOURS')})`, label('done', 'Return()'));
  return exten(timeCheckExten, steps);
}

/** A destination as the last step of a branch; a step that may come back (a Gosub) is followed by Hangup(). */
function branch(name: string | null, destination: SnapshotTimeRule['workDestination']): string[] {
  const target = destinationTarget(destination);
  const first = name ? label(name, target) : target;
  return target === 'Hangup()' || target.startsWith('Goto(') ? [first] : [first, 'Hangup()'];
}

/** One time rule: `s` sends the call to the destination of the state now, `check` works the state out. */
export function timeRuleBody(rule: SnapshotTimeRule, zone: string): string {
  const steps = [timeCheckStep(rule.id)];
  if (rule.holidayDestination) steps.push(`GotoIf($["\${${timeStateVariable}}" = "${state('HOLIDAY')}"]?holiday)`);
  steps.push(`GotoIf($["\${${timeStateVariable}}" = "${state('WORK')}"]?work)`, ...branch(null, rule.offHoursDestination), ...branch('work', rule.workDestination));
  if (rule.holidayDestination) steps.push(...branch('holiday', rule.holidayDestination));
  // A rule without a holiday list treats its holidays as off hours: the check never says HOLIDAY then (no ranges).
  return context(timeRuleContext(rule.id), [`; time rule ${safe(rule.name, 'time rule name')}`, exten('s', steps), checkExtension(rule, zone)]);
}

export function timeRuleDialplan(snapshot: PbxSnapshot): string[] {
  const zone = zoneOf(snapshot);
  return (snapshot.timeRules ?? []).map((rule) => timeRuleBody(rule, zone));
}

/** Each rule's context answers `s` (where destinations send calls) and `check` (the subroutine dial rules use). */
export function timeRuleExpectations(snapshot: PbxSnapshot): NumberExpectation[] {
  return (snapshot.timeRules ?? []).flatMap((rule) => [
    { number: 's', context: timeRuleContext(rule.id), reaches: {}, owner: `time rule ${rule.name}` },
    { number: timeCheckExten, context: timeRuleContext(rule.id), reaches: {}, owner: `time rule ${rule.name} (its check)` },
  ]);
}
