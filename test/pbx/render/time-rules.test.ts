import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { SnapshotDialRuleEntry } from '../../../src/dial-rules/snapshot.js';
import { lintRendered } from '../../../src/pbx/lint-rendered.js';
import { render, RenderError } from '../../../src/pbx/render/index.js';
import type { PbxSnapshot } from '../../../src/pbx/render/snapshot.js';
import { pbxSchema } from '../../../src/settings/schemas.js';
import {
  asteriskTimingHolds,
  holidayRangeIssues,
  localTime,
  timeStateAt,
  weekdayField,
  workRangeIssues,
  workTimings,
  type HolidayRange,
  type TimeState,
  type WorkRange,
} from '../../../src/time-rules/schedule.js';
import type { SnapshotTimeRule } from '../../../src/time-rules/snapshot.js';
import { sipDefaults } from '../../../src/trunks/fields.js';
import { expectGolden } from '../../support/golden.js';
import { smallSnapshot } from '../fixtures/snapshots.js';

const goldenDir = join(dirname(fileURLToPath(import.meta.url)), 'golden');

const weekdaysMonFri = ['MON', 'TUE', 'WED', 'THU', 'FRI'] as const;
/** Mon–Fri 09:00–12:00 and 14:00–18:00. */
const officeHours: WorkRange[] = weekdaysMonFri.flatMap((weekday) => [
  { weekday, start: '09:00', end: '12:00' },
  { weekday, start: '14:00', end: '18:00' },
]);
const newYear: HolidayRange[] = [{ start: '2026-12-24', end: '2027-01-02' }];

function rule(id: string, name: string, fields: Partial<SnapshotTimeRule> = {}): SnapshotTimeRule {
  return {
    id,
    name,
    work: officeHours,
    holidays: newYear,
    workDestination: { type: 'DEPARTMENT', number: '0400' },
    offHoursDestination: { type: 'VOICEMAIL', number: '100', parameters: { greeting: 'UNAVAILABLE' } },
    holidayDestination: { type: 'HANGUP', number: null },
    ...fields,
  };
}

const entry = (id: string, prefix: string, pattern: string, timeRuleId: string | null): SnapshotDialRuleEntry => ({
  id,
  prefix,
  pattern,
  prependDigits: '',
  pinSetId: null,
  callerIdSource: 'EXT_CALLER_ID_1',
  callTimeLimitSeconds: null,
  trunkSelection: 'SEQUENTIAL',
  trunks: ['t1'],
  timeRuleId,
});

/** The small PBX in Asia/Shanghai with three time rules (one nested, one without holidays) and a dial rule whose entries use two of them. */
function timeSnapshot(timezone = 'Asia/Shanghai'): PbxSnapshot {
  const snapshot = smallSnapshot();
  snapshot.settings.pbx = { ...snapshot.settings.pbx, timezone };
  snapshot.timeRules = [
    rule('tr1', 'Office hours'),
    rule('tr2', 'Night desk', {
      work: [{ weekday: 'SAT', start: '22:00', end: '24:00' }],
      holidays: [],
      workDestination: { type: 'EXTENSION', number: '101' },
      offHoursDestination: { type: 'TIME_RULE', number: null, targetId: 'tr1' },
      holidayDestination: null,
    }),
  ];
  snapshot.trunks = [{ ...sipDefaults, serverHost: 'sip.example.com', username: 'u', password: 'Trunk-secret-1', id: 't1', name: 'Carrier', kind: 'SIP' }];
  snapshot.dialRules = [
    {
      id: 'rule1',
      name: 'DialOut',
      entries: [entry('e1', '9', 'X.', null), entry('e2', '900', 'XXXXXXX', 'tr1'), entry('e3', '8', 'XXX', 'tr1'), entry('e4', '90', 'XXXXXXXX', 'tr2')],
    },
  ];
  snapshot.dialPermissions = [{ id: 'p1', name: 'DialPlan1', builtIn: true, withheldRights: [], dialRules: ['rule1'] }];
  return snapshot;
}

const contextOf = (dialplan: string, name: string) => {
  const start = dialplan.indexOf(`[${name}]\n`);
  if (start < 0) throw new Error(`no context ${name}`);
  const end = dialplan.indexOf('\n[', start + 1);
  return dialplan.slice(start, end < 0 ? undefined : end + 1).trimEnd() + '\n';
};
const extenOf = (context: string, name: string) => {
  const start = context.indexOf(`exten => ${name},1,`);
  if (start < 0) throw new Error(`no exten ${name}`);
  const next = context.indexOf('\nexten => ', start + 1);
  return context.slice(start, next < 0 ? undefined : next + 1).trimEnd() + '\n';
};
const stepsOf = (exten: string) =>
  exten
    .trim()
    .split('\n')
    .map((line) => line.replace(/^(exten => [^,]+,1,| same => n(\([a-z0-9]+\))?,)/, ''));

/**
 * Runs the rendered `check` extension for an instant, reading each step as
 * Asterisk does: STRFTIME(…,%Y%m%d) as the date in the step's zone, the
 * numeric GotoIf comparisons, GotoIfTime with Asterisk's minute semantics.
 */
function runCheck(check: string, at: Date): TimeState {
  let state = '';
  let today = 0;
  for (const step of stepsOf(check)) {
    let m: RegExpMatchArray | null;
    if ((m = step.match(/^Set\(PBX_TIME_STATE=(\w+)\)$/))) state = m[1]!;
    else if ((m = step.match(/^Set\(PBX_TODAY=\$\{STRFTIME\(\$\{TESTTIME\},([^,]*),%Y%m%d\)\}\)$/))) today = localTime(at, m[1]!).date;
    else if ((m = step.match(/^GotoIf\(\$\[\$\{PBX_TODAY\} >= (\d{8}) & \$\{PBX_TODAY\} <= (\d{8})\]\?done\)$/))) {
      if (today >= Number(m[1]) && today <= Number(m[2])) return state as TimeState;
    } else if ((m = step.match(/^GotoIf\(\$\[\$\{PBX_TODAY\} = (\d{8})\]\?done\)$/))) {
      if (today === Number(m[1])) return state as TimeState;
    } else if ((m = step.match(/^GotoIfTime\(([^,]+),([^,]+),\*,\*(?:,([^?]+))?\?done\)$/))) {
      if (asteriskTimingHolds(m[1]!, m[2]!, localTime(at, m[3] ?? ''))) return state as TimeState;
    } else if (step === 'Return()') return state as TimeState;
    else throw new Error(`step not understood: ${step}`);
  }
  throw new Error('the check did not return');
}

describe('time rules in the dialplan (F-4.2.3)', () => {
  const result = render(timeSnapshot());
  const dialplan = result.files.get('extensions.conf')!;

  it('matches the golden file and passes the dialplan check', () => {
    // The golden file holds this feature's contexts only: the time rules, and the dial rule with its copies.
    const own = dialplan
      .split(/\n(?=\[)/)
      .filter((c) => /^\[pbx-(timerule|dialrule)-/.test(c))
      .join('\n');
    expectGolden(goldenDir, 'time-rules', new Map([['extensions.conf', own]]));
    expect(lintRendered(result)).toEqual([]);
    expect(result.expectations).toContainEqual({ number: 'check', context: 'pbx-timerule-tr1', reaches: {}, owner: 'time rule Office hours (its check)' });
  });

  it('a rule with Mon–Fri 09:00–12:00 & 14:00–18:00 and holidays 2026-12-24..2027-01-02 in Asia/Shanghai', () => {
    expect(contextOf(dialplan, 'pbx-timerule-tr1')).toBe(
      [
        '[pbx-timerule-tr1]',
        '; time rule Office hours',
        'exten => s,1,Gosub(pbx-timerule-tr1,check,1)',
        ' same => n,GotoIf($["${PBX_TIME_STATE}" = "HOLIDAY"]?holiday)',
        ' same => n,GotoIf($["${PBX_TIME_STATE}" = "WORK"]?work)',
        ' same => n,Goto(pbx-voicemail,100,1)',
        ' same => n(work),Goto(pbx-departments,0400,1)',
        ' same => n(holiday),Hangup()',
        'exten => check,1,Set(PBX_TIME_STATE=HOLIDAY)',
        ' same => n,Set(PBX_TODAY=${STRFTIME(${TESTTIME},Asia/Shanghai,%Y%m%d)})',
        ' same => n,GotoIf($[${PBX_TODAY} >= 20261224 & ${PBX_TODAY} <= 20270102]?done)',
        ' same => n,Set(PBX_TIME_STATE=WORK)',
        ' same => n,GotoIfTime(09:00-11:59,mon-fri,*,*,Asia/Shanghai?done)',
        ' same => n,GotoIfTime(14:00-17:59,mon-fri,*,*,Asia/Shanghai?done)',
        ' same => n,Set(PBX_TIME_STATE=OFF_HOURS)',
        ' same => n(done),Return()',
        '',
      ].join('\n'),
    );
  });

  it('the rendered check decides as the helper does, at the edges of every range (09:00:00 ≤ t < 18:00:00) and across the year boundary', () => {
    const check = extenOf(contextOf(dialplan, 'pbx-timerule-tr1'), 'check');
    const office = { work: officeHours, holidays: newYear };
    // Shanghai is UTC+8 all year: 09:00 there is 01:00Z.
    const samples: [string, TimeState][] = [
      ['2026-12-21T00:59:59Z', 'OFF_HOURS'], // Mon 08:59:59
      ['2026-12-21T01:00:00Z', 'WORK'], // Mon 09:00:00
      ['2026-12-21T03:59:59Z', 'WORK'], // 11:59:59
      ['2026-12-21T04:00:00Z', 'OFF_HOURS'], // 12:00:00, lunch
      ['2026-12-21T05:59:59Z', 'OFF_HOURS'], // 13:59:59
      ['2026-12-21T06:00:00Z', 'WORK'], // 14:00:00
      ['2026-12-23T09:59:59Z', 'WORK'], // Wed 17:59:59
      ['2026-12-23T10:00:00Z', 'OFF_HOURS'], // Wed 18:00:00
      ['2026-12-23T15:59:59Z', 'OFF_HOURS'], // Wed 23:59:59, the eve of the holidays
      ['2026-12-23T16:00:00Z', 'HOLIDAY'], // Thu 2026-12-24 00:00 in Shanghai
      ['2026-12-24T02:00:00Z', 'HOLIDAY'], // Thu 10:00, a working time on an ordinary Thursday
      ['2027-01-02T15:59:59Z', 'HOLIDAY'], // Sat 2027-01-02 23:59:59
      ['2027-01-03T02:00:00Z', 'OFF_HOURS'], // Sun 10:00
      ['2027-01-04T02:00:00Z', 'WORK'], // Mon 10:00
      ['2026-12-19T02:00:00Z', 'OFF_HOURS'], // Sat 10:00
    ];
    for (const [instant, expected] of samples) {
      expect({ instant, state: timeStateAt(office, new Date(instant), 'Asia/Shanghai') }).toEqual({ instant, state: expected });
      expect({ instant, state: runCheck(check, new Date(instant)) }).toEqual({ instant, state: expected });
    }
    // The zone matters: 01:00Z is 09:00 in Shanghai but 01:00 in UTC.
    expect(timeStateAt(office, new Date('2026-12-21T01:00:00Z'), 'UTC')).toBe('OFF_HOURS');
    // Every 7 minutes over three weeks, the rendered check and the helper agree.
    for (let t = Date.parse('2026-12-14T00:00:00Z'); t < Date.parse('2027-01-05T00:00:00Z'); t += 7 * 60_000) {
      const at = new Date(t);
      expect(runCheck(check, at), at.toISOString()).toBe(timeStateAt(office, at, 'Asia/Shanghai'));
    }
  });

  it('a rule may send calls to another time rule; one without a holiday list has no holiday branch and no date check; 24:00 ends at midnight', () => {
    const night = contextOf(dialplan, 'pbx-timerule-tr2');
    expect(extenOf(night, 's')).toBe(
      'exten => s,1,Gosub(pbx-timerule-tr2,check,1)\n same => n,GotoIf($["${PBX_TIME_STATE}" = "WORK"]?work)\n same => n,Goto(pbx-timerule-tr1,s,1)\n same => n(work),Goto(pbx-extensions,101,1)\n',
    );
    expect(extenOf(night, 'check')).toBe(
      'exten => check,1,Set(PBX_TIME_STATE=WORK)\n same => n,GotoIfTime(22:00-23:59,sat,*,*,Asia/Shanghai?done)\n same => n,Set(PBX_TIME_STATE=OFF_HOURS)\n same => n(done),Return()\n',
    );
    const nightRule = { work: [{ weekday: 'SAT' as const, start: '22:00', end: '24:00' }], holidays: [] };
    expect(timeStateAt(nightRule, new Date('2026-12-19T15:59:59Z'), 'Asia/Shanghai')).toBe('WORK'); // Sat 23:59:59
    expect(timeStateAt(nightRule, new Date('2026-12-19T16:00:00Z'), 'Asia/Shanghai')).toBe('OFF_HOURS'); // Sun 00:00
    expect(runCheck(extenOf(night, 'check'), new Date('2026-12-19T15:59:59Z'))).toBe('WORK');
  });

  it("with no time zone set, the host's zone is used: no zone argument to GotoIfTime, an empty one to STRFTIME", () => {
    const local = render(timeSnapshot('')).files.get('extensions.conf')!;
    const check = extenOf(contextOf(local, 'pbx-timerule-tr1'), 'check');
    expect(check).toContain('Set(PBX_TODAY=${STRFTIME(${TESTTIME},,%Y%m%d)})');
    expect(check).toContain('GotoIfTime(09:00-11:59,mon-fri,*,*?done)');
    const at = new Date('2026-12-21T10:30:00Z');
    expect(runCheck(check, at)).toBe(timeStateAt({ work: officeHours, holidays: newYear }, at, ''));
  });

  it('a dial-rule entry with a time rule is not used outside its working time: the next matching entry takes the number, else congestion (F-4.3.2.a)', () => {
    const main = contextOf(dialplan, 'pbx-dialrule-rule1');
    // An entry without a time rule is rendered as before.
    expect(extenOf(main, '_9X.')).not.toContain('PBX_TIME_STATE');
    const e2 = stepsOf(extenOf(main, '_900XXXXXXX'));
    expect(e2.slice(0, 5)).toEqual([
      'Gosub(pbx-timerule-tr1,check,1)',
      'GotoIf($["${PBX_TIME_STATE}" = "WORK"]?work)',
      'GotoIf(${DIALPLAN_EXISTS(pbx-dialrule-rule1-off1,${EXTEN},1)}?pbx-dialrule-rule1-off1,${EXTEN},1)',
      'Congestion(5)',
      'Hangup()',
    ]);
    // In working time the entry runs as it would without a time rule, from its first step.
    expect(extenOf(main, '_900XXXXXXX')).toMatch(/\n same => n\(work\),/);
    expect(extenOf(main, '_900XXXXXXX')).toContain('Set(PBX_DIALNUM=${EXTEN:3})');
    // Outside the working time of Office hours, its entries are gone: 900… falls to 9X. (or to 90XXXXXXXX in its own time).
    const off1 = contextOf(dialplan, 'pbx-dialrule-rule1-off1');
    expect(off1).not.toContain('_900XXXXXXX');
    expect(off1).not.toContain('_8XXX');
    expect(off1).toContain('exten => _9X.,1,');
    expect(stepsOf(extenOf(off1, '_90XXXXXXXX')).slice(0, 3)).toEqual([
      'Gosub(pbx-timerule-tr2,check,1)',
      'GotoIf($["${PBX_TIME_STATE}" = "WORK"]?work)',
      'GotoIf(${DIALPLAN_EXISTS(pbx-dialrule-rule1-off3,${EXTEN},1)}?pbx-dialrule-rule1-off3,${EXTEN},1)',
    ]);
    // Both time rules off: only the entry without a time rule is left.
    const off3 = contextOf(dialplan, 'pbx-dialrule-rule1-off3');
    expect(off3.match(/^exten => /gm)).toHaveLength(1);
    expect(off3).toContain('exten => _9X.,1,');
    const off2 = contextOf(dialplan, 'pbx-dialrule-rule1-off2');
    expect(off2).toContain('exten => _8XXX,1,Gosub(pbx-timerule-tr1,check,1)');
    // The dial permission includes the rule's own context only.
    expect(contextOf(dialplan, 'pbx-permission-DialPlan1')).not.toContain('rule1-off');
  });

  it('an entry whose time rule leaves no other entry answers with congestion outside working time', () => {
    const snapshot = timeSnapshot();
    snapshot.dialRules = [{ id: 'solo', name: 'Solo', entries: [entry('s1', '7', 'XXX', 'tr1')] }];
    snapshot.dialPermissions = [{ id: 'p1', name: 'DialPlan1', builtIn: true, withheldRights: [], dialRules: ['solo'] }];
    const out = render(snapshot);
    const dp = out.files.get('extensions.conf')!;
    expect(stepsOf(extenOf(contextOf(dp, 'pbx-dialrule-solo'), '_7XXX')).slice(0, 4)).toEqual([
      'Gosub(pbx-timerule-tr1,check,1)',
      'GotoIf($["${PBX_TIME_STATE}" = "WORK"]?work)',
      'Congestion(5)',
      'Hangup()',
    ]);
    expect(dp).not.toContain('pbx-dialrule-solo-off');
    expect(lintRendered(out)).toEqual([]);
  });

  it('refuses to render a zone or an id that could break out of its argument', () => {
    const zone = timeSnapshot();
    zone.settings.pbx = { ...zone.settings.pbx, timezone: 'Asia/Shanghai,x' };
    expect(() => render(zone)).toThrow(RenderError);
    const id = timeSnapshot();
    id.timeRules = [rule('a,b', 'Bad')];
    expect(() => render(id)).toThrow(RenderError);
  });
});

describe('work and holiday ranges (F-4.2.3.a, F-4.2.3.b)', () => {
  it('refuses a bad time, an end not after its start, and overlapping ranges of one day, naming the index', () => {
    const issues = workRangeIssues(
      [
        { weekday: 'MON', start: '09:00', end: '12:00' },
        { weekday: 'MON', start: '11:30', end: '13:00' },
        { weekday: 'TUE', start: '11:30', end: '13:00' },
        { weekday: 'MON', start: '12:00', end: '14:00' },
        { weekday: 'WED', start: '9:00', end: '24:01' },
        { weekday: 'THU', start: '18:00', end: '09:00' },
        { weekday: 'FRI', start: '22:00', end: '24:00' },
      ],
      ['input', 'ranges'],
    );
    expect(issues).toEqual([
      { path: ['input', 'ranges', '1'], message: 'overlaps range 0 (MON 09:00–12:00) of the same day', code: 'OVERLAP' },
      { path: ['input', 'ranges', '4', 'start'], message: 'HH:MM on a 24-hour clock (00:00–23:59)', code: 'INVALID_FORMAT' },
      { path: ['input', 'ranges', '4', 'end'], message: 'HH:MM on a 24-hour clock (00:01–24:00)', code: 'INVALID_FORMAT' },
      { path: ['input', 'ranges', '5', 'end'], message: 'must be after the start 18:00', code: 'INVALID_RANGE' },
    ]);
  });

  it('refuses dates that do not exist and ranges that end before they start; a range may span years', () => {
    expect(
      holidayRangeIssues(
        [
          { start: '2026-12-24', end: '2027-01-02' },
          { start: '2026-02-30', end: '2026-03-01' },
          { start: '2026-05-02', end: '2026-05-01' },
          { start: '2026-5-1', end: '2026-05-01' },
        ],
        ['input', 'ranges'],
      ),
    ).toEqual([
      { path: ['input', 'ranges', '1', 'start'], message: 'a date as YYYY-MM-DD', code: 'INVALID_FORMAT' },
      { path: ['input', 'ranges', '2', 'end'], message: 'must not be before the start 2026-05-02', code: 'INVALID_RANGE' },
      { path: ['input', 'ranges', '3', 'start'], message: 'a date as YYYY-MM-DD', code: 'INVALID_FORMAT' },
    ]);
  });

  it('groups equal times, writes the end one minute earlier, and names weekday runs as Asterisk reads them', () => {
    expect(workTimings([...officeHours, { weekday: 'SAT', start: '09:00', end: '12:00' }, { weekday: 'SUN', start: '00:00', end: '00:01' }])).toEqual([
      { times: '00:00-00:00', days: [0] },
      { times: '09:00-11:59', days: [1, 2, 3, 4, 5, 6] },
      { times: '14:00-17:59', days: [1, 2, 3, 4, 5] },
    ]);
    expect(weekdayField([0, 1, 2, 4, 6])).toBe('sun-tue&thu&sat');
    expect(asteriskTimingHolds('09:00-11:59', 'sun-tue&thu&sat', { weekday: 4, minute: 11 * 60 + 59 })).toBe(true);
    expect(asteriskTimingHolds('09:00-11:59', 'sun-tue&thu&sat', { weekday: 3, minute: 10 * 60 })).toBe(false);
    // A one-minute range: Asterisk sets just the start minute.
    expect(asteriskTimingHolds('00:00-00:00', 'sun', { weekday: 0, minute: 0 })).toBe(true);
    expect(asteriskTimingHolds('00:00-00:00', 'sun', { weekday: 0, minute: 1 })).toBe(false);
  });

  it('the PBX time zone must be a zone this system knows, spelt as its name', () => {
    expect(pbxSchema.safeParse({ timezone: 'Asia/Shanghai' }).success).toBe(true);
    expect(pbxSchema.safeParse({ timezone: '' }).success).toBe(true);
    expect(pbxSchema.safeParse({ timezone: 'asia/shanghai' }).success).toBe(false);
    expect(pbxSchema.safeParse({ timezone: 'Mars/Olympus' }).success).toBe(false);
    expect(pbxSchema.safeParse({ timezone: 'Asia/Shanghai,x' }).success).toBe(false);
  });
});
