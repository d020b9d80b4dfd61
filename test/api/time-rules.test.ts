import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { timeStateAt } from '../../src/time-rules/schedule.js';
import { ERROR_FIELDS, ok, startTestServer, type TestServer } from '../support/server.js';

const SCHEDULE = `id name ranges { weekday start end } timeRules { name }`;
const HOLIDAY = `id name ranges { start end } timeRules { name }`;
const RULE = `id name currentState workSchedule { name } holiday { name }
  workDestination { type target targetId } offHoursDestination { type target targetId greeting } holidayDestination { type target targetId }`;
const mutation = (name: string, args: string, params: string, fields: string) =>
  `mutation(${args}) { ${name}(${params}) { ${ERROR_FIELDS} ... on ConflictError { path } ... on Mutation${name[0]!.toUpperCase()}${name.slice(1)}Success { data { ${fields} } } } }`;
const create = (name: string, input: string, fields: string) => mutation(name, `$input: ${input}!`, 'input: $input', fields);
const update = (name: string, input: string, fields: string) => mutation(name, `$id: ID!, $input: ${input}!`, 'id: $id, input: $input', fields);
const remove = (name: string) => mutation(name, '$ids: [ID!]!', 'ids: $ids', 'count');

let server: TestServer;
const gql = (query: string, variables?: Record<string, unknown>, token = server.adminToken) => server.gql(query, variables, token);
const issues = (result: any, field: string) => {
  const value = result.data?.[field];
  if (value?.__typename !== 'ValidationError') throw new Error(`${field}: expected a ValidationError, got ${JSON.stringify(result)}`);
  return value.issues as { path: string[]; message: string; code: string }[];
};
const rendered = async (file: string) => {
  const applied = await gql(`mutation { applyPbxConfiguration { outcome error } }`);
  expect(applied.data.applyPbxConfiguration, JSON.stringify(applied)).toMatchObject({ outcome: expect.stringMatching(/^(APPLIED|NO_CHANGES|WRITTEN_NOT_RELOADED)$/) });
  return readFileSync(join(server.running.config.asterisk.configDir, file), 'utf8');
};
const contextOf = (dialplan: string, name: string) => {
  const start = dialplan.indexOf(`[${name}]\n`);
  if (start < 0) throw new Error(`no context ${name}`);
  const end = dialplan.indexOf('\n[', start + 1);
  return dialplan.slice(start, end < 0 ? undefined : end + 1);
};
const localId = (globalId: string) => Buffer.from(globalId, 'base64').toString('utf8').split(':')[1]!;

const monFri = ['MON', 'TUE', 'WED', 'THU', 'FRI'];
const officeRanges = monFri.flatMap((weekday) => [
  { weekday, start: '09:00', end: '12:00' },
  { weekday, start: '14:00', end: '18:00' },
]);
const createSchedule = (input: Record<string, unknown>) => gql(create('createWorkSchedule', 'CreateWorkScheduleInput', SCHEDULE), { input });
const createHoliday = (input: Record<string, unknown>) => gql(create('createHoliday', 'CreateHolidayInput', HOLIDAY), { input });
const createRule = (input: Record<string, unknown>) => gql(create('createTimeRule', 'CreateTimeRuleInput', RULE), { input });
const updateRule = (id: string, input: Record<string, unknown>) => gql(update('updateTimeRule', 'UpdateTimeRuleInput', RULE), { id, input });

beforeAll(async () => {
  server = await startTestServer();
  ok(await gql(`mutation { createExtensions(input: { startNumber: "100", count: 3 }) { ${ERROR_FIELDS} ... on MutationCreateExtensionsSuccess { data { count } } } }`), 'createExtensions');
});
afterAll(() => server.stop());

describe('work schedules (F-4.2.3.a)', () => {
  it('creates a schedule with several ranges a day, reads it back, renames it, and refuses a second one of the same name', async () => {
    const office = ok(await createSchedule({ name: 'Office', ranges: officeRanges }), 'createWorkSchedule');
    expect(office).toMatchObject({ name: 'Office', ranges: officeRanges, timeRules: [] });
    const list = await gql(`{ workSchedules { name ranges { weekday } } }`);
    expect(list.data.workSchedules).toContainEqual({ name: 'Office', ranges: officeRanges.map((r) => ({ weekday: r.weekday })) });
    const node = await gql(`query($id: ID!) { node(id: $id) { ... on WorkSchedule { name } } }`, { id: office.id });
    expect(node.data.node).toEqual({ name: 'Office' });
    const clash = await createSchedule({ name: 'Office', ranges: [] });
    expect(clash.data.createWorkSchedule).toMatchObject({ __typename: 'ConflictError', path: ['input', 'name'], message: 'A work schedule named Office exists' });
    const temp = ok(await createSchedule({ name: 'Temp', ranges: [] }), 'createWorkSchedule');
    const renamed = await gql(update('updateWorkSchedule', 'UpdateWorkScheduleInput', SCHEDULE), {
      id: temp.id,
      input: { name: 'Late shift', ranges: [{ weekday: 'SAT', start: '18:00', end: '24:00' }] },
    });
    expect(ok(renamed, 'updateWorkSchedule')).toMatchObject({ name: 'Late shift', ranges: [{ weekday: 'SAT', start: '18:00', end: '24:00' }] });
  });

  it('refuses overlapping ranges of one day naming the index, an end not after its start, and a malformed time; nothing is stored', async () => {
    const bad = await createSchedule({
      name: 'Broken',
      ranges: [
        { weekday: 'MON', start: '09:00', end: '12:00' },
        { weekday: 'MON', start: '08:00', end: '09:30' },
        { weekday: 'TUE', start: '18:00', end: '09:00' },
        { weekday: 'WED', start: '25:00', end: '26:00' },
      ],
    });
    expect(issues(bad, 'createWorkSchedule')).toEqual([
      { path: ['input', 'ranges', '1'], message: 'overlaps range 0 (MON 09:00–12:00) of the same day', code: 'OVERLAP' },
      { path: ['input', 'ranges', '2', 'end'], message: 'must be after the start 18:00', code: 'INVALID_RANGE' },
      { path: ['input', 'ranges', '3', 'start'], message: 'HH:MM on a 24-hour clock (00:00–23:59)', code: 'INVALID_FORMAT' },
      { path: ['input', 'ranges', '3', 'end'], message: 'HH:MM on a 24-hour clock (00:01–24:00)', code: 'INVALID_FORMAT' },
    ]);
    const bracket = await createSchedule({ name: 'Bad[1]', ranges: [] });
    expect(issues(bracket, 'createWorkSchedule')[0]!.path).toEqual(['input', 'name']);
    const names = (await gql(`{ workSchedules { name } }`)).data.workSchedules.map((s: any) => s.name);
    expect(names).not.toContain('Broken');
  });
});

describe('holiday lists (F-4.2.3.b)', () => {
  it('stores ranges across months and years, and refuses impossible dates and reversed ranges', async () => {
    const newYear = ok(
      await createHoliday({
        name: 'New year',
        ranges: [
          { start: '2026-12-24', end: '2027-01-02' },
          { start: '2027-05-01', end: '2027-05-01' },
        ],
      }),
      'createHoliday',
    );
    expect(newYear.ranges).toEqual([
      { start: '2026-12-24', end: '2027-01-02' },
      { start: '2027-05-01', end: '2027-05-01' },
    ]);
    const bad = await createHoliday({
      name: 'Bad',
      ranges: [
        { start: '2027-02-29', end: '2027-03-01' },
        { start: '2027-10-07', end: '2027-10-01' },
      ],
    });
    expect(issues(bad, 'createHoliday')).toEqual([
      { path: ['input', 'ranges', '0', 'start'], message: 'a date as YYYY-MM-DD', code: 'INVALID_FORMAT' },
      { path: ['input', 'ranges', '1', 'end'], message: 'must not be before the start 2027-10-07', code: 'INVALID_RANGE' },
    ]);
    const clash = await createHoliday({ name: 'New year', ranges: [] });
    expect(clash.data.createHoliday).toMatchObject({ __typename: 'ConflictError', path: ['input', 'name'] });
  });
});

describe('time rules (F-4.2.3.c)', () => {
  it('joins a schedule and a holiday list with three destinations, renders its context in the PBX time zone, and is a destination of departments', async () => {
    const zone = await gql(`mutation { updatePbxSettings(input: { timezone: "Asia/Shanghai" }) { ${ERROR_FIELDS} ... on MutationUpdatePbxSettingsSuccess { data { timezone } } } }`);
    expect(ok(zone, 'updatePbxSettings')).toEqual({ timezone: 'Asia/Shanghai' });
    const rule = ok(
      await createRule({
        name: 'Reception',
        workSchedule: 'Office',
        holiday: 'New year',
        workDestination: { type: 'EXTENSION', target: '100' },
        offHoursDestination: { type: 'VOICEMAIL', target: '101' },
        holidayDestination: { type: 'HANGUP' },
      }),
      'createTimeRule',
    );
    expect(rule).toMatchObject({
      name: 'Reception',
      workSchedule: { name: 'Office' },
      holiday: { name: 'New year' },
      workDestination: { type: 'EXTENSION', target: '100' },
      offHoursDestination: { type: 'VOICEMAIL', target: '101', greeting: 'UNAVAILABLE' },
      holidayDestination: { type: 'HANGUP', target: null, targetId: null },
    });
    const office = {
      work: officeRanges as any,
      holidays: [
        { start: '2026-12-24', end: '2027-01-02' },
        { start: '2027-05-01', end: '2027-05-01' },
      ],
    };
    expect(rule.currentState).toBe(timeStateAt(office, new Date(), 'Asia/Shanghai'));
    const schedule = await gql(`{ workSchedules { name timeRules { name } } holidays { name timeRules { name } } }`);
    expect(schedule.data.workSchedules).toContainEqual({ name: 'Office', timeRules: [{ name: 'Reception' }] });
    expect(schedule.data.holidays).toContainEqual({ name: 'New year', timeRules: [{ name: 'Reception' }] });

    const id = localId(rule.id);
    const context = contextOf(await rendered('extensions.conf'), `pbx-timerule-${id}`);
    expect(context).toContain(' same => n(work),Goto(pbx-extensions,100,1)');
    expect(context).toContain('Set(PBX_TODAY=${STRFTIME(${TESTTIME},Asia/Shanghai,%Y%m%d)})');
    expect(context).toContain('GotoIf($[${PBX_TODAY} >= 20261224 & ${PBX_TODAY} <= 20270102]?done)');
    expect(context).toContain('GotoIf($[${PBX_TODAY} = 20270501]?done)');
    expect(context).toContain('GotoIfTime(09:00-11:59,mon-fri,*,*,Asia/Shanghai?done)');
    expect(context).toContain('GotoIfTime(14:00-17:59,mon-fri,*,*,Asia/Shanghai?done)');

    // A department sends unanswered calls to the rule, by name or by ID.
    const dept = await gql(
      `mutation($input: CreateDepartmentInput!) { createDepartment(input: $input) { ${ERROR_FIELDS} ... on MutationCreateDepartmentSuccess { data { id noAnswerDestination { type target targetId } } } } }`,
      { input: { name: 'Front desk', number: '0400', ringStrategy: 'RING_ALL', ringTimeSeconds: 20, noAnswerDestination: { type: 'TIME_RULE', target: 'Reception' }, members: ['100'] } },
    );
    const created = ok(dept, 'createDepartment');
    // A time rule has no number: the target is its global ID, which a DestinationInput takes back as it is.
    expect(created.noAnswerDestination).toEqual({ type: 'TIME_RULE', target: rule.id, targetId: rule.id });
    const copied = await gql(
      `mutation($id: ID!, $input: UpdateDepartmentInput!) { updateDepartment(id: $id, input: $input) { ${ERROR_FIELDS} ... on MutationUpdateDepartmentSuccess { data { noAnswerDestination { target } } } } }`,
      { id: created.id, input: { noAnswerDestination: { type: 'TIME_RULE', target: created.noAnswerDestination.target } } },
    );
    expect(ok(copied, 'updateDepartment').noAnswerDestination).toEqual({ target: rule.id });
    expect(await rendered('extensions.conf')).toContain(`Goto(pbx-timerule-${id},s,1)`);
    const node = await gql(`query($id: ID!) { node(id: $id) { ... on TimeRule { name } } }`, { id: rule.id });
    expect(node.data.node).toEqual({ name: 'Reception' });
  });

  it('a different time zone changes the rendered argument; an unknown zone is refused', async () => {
    const bad = await gql(`mutation { updatePbxSettings(input: { timezone: "Mars/Olympus" }) { ${ERROR_FIELDS} } }`);
    expect(issues(bad, 'updatePbxSettings')[0]).toMatchObject({ path: ['input', 'timezone'] });
    ok(await gql(`mutation { updatePbxSettings(input: { timezone: "" }) { ${ERROR_FIELDS} ... on MutationUpdatePbxSettingsSuccess { data { timezone } } } }`), 'updatePbxSettings');
    const dialplan = await rendered('extensions.conf');
    expect(dialplan).toContain('GotoIfTime(09:00-11:59,mon-fri,*,*?done)');
    expect(dialplan).toContain('${STRFTIME(${TESTTIME},,%Y%m%d)}');
    ok(await gql(`mutation { updatePbxSettings(input: { timezone: "Asia/Shanghai" }) { ${ERROR_FIELDS} ... on MutationUpdatePbxSettingsSuccess { data { timezone } } } }`), 'updatePbxSettings');
  });

  it('validates references and destinations with their paths; a holiday list needs a holiday destination', async () => {
    const missing = await createRule({ name: 'X', workSchedule: 'Nope', holiday: 'Nope', workDestination: { type: 'HANGUP' }, offHoursDestination: { type: 'HANGUP' } });
    expect(issues(missing, 'createTimeRule')).toEqual([
      { path: ['input', 'workSchedule'], message: 'no work schedule Nope exists', code: 'NOT_FOUND' },
      { path: ['input', 'holiday'], message: 'no holiday list Nope exists', code: 'NOT_FOUND' },
    ]);
    const target = await createRule({ name: 'X', workSchedule: 'Office', workDestination: { type: 'EXTENSION', target: '899' }, offHoursDestination: { type: 'HANGUP' } });
    expect(issues(target, 'createTimeRule')).toEqual([{ path: ['input', 'workDestination', 'target'], message: 'no extension 899 exists', code: 'NOT_FOUND' }]);
    const noHolidayDestination = await createRule({ name: 'X', workSchedule: 'Office', holiday: 'New year', workDestination: { type: 'HANGUP' }, offHoursDestination: { type: 'HANGUP' } });
    expect(issues(noHolidayDestination, 'createTimeRule')).toEqual([{ path: ['input', 'holidayDestination'], message: 'required with a holiday list', code: 'REQUIRED' }]);
    const unknownRule = await createRule({ name: 'X', workSchedule: 'Office', workDestination: { type: 'TIME_RULE', target: 'Nope' }, offHoursDestination: { type: 'HANGUP' } });
    expect(issues(unknownRule, 'createTimeRule')).toEqual([{ path: ['input', 'workDestination', 'target'], message: 'no time rule Nope exists', code: 'NOT_FOUND' }]);
    const required = await gql(create('createTimeRule', 'CreateTimeRuleInput', RULE), { input: { name: 'X', workSchedule: 'Office', workDestination: { type: 'HANGUP' } } });
    expect(required.errors?.[0]?.message).toMatch(/offHoursDestination/);
    const clash = await createRule({ name: 'Reception', workSchedule: 'Office', workDestination: { type: 'HANGUP' }, offHoursDestination: { type: 'HANGUP' } });
    expect(clash.data.createTimeRule).toMatchObject({ __typename: 'ConflictError', path: ['input', 'name'] });
  });

  it('nests rules but refuses a loop, directly or through other rules; removing the holiday list drops the holiday branch', async () => {
    const a = ok(await createRule({ name: 'Loop A', workSchedule: 'Office', workDestination: { type: 'HANGUP' }, offHoursDestination: { type: 'HANGUP' } }), 'createTimeRule');
    const b = ok(await createRule({ name: 'Loop B', workSchedule: 'Office', workDestination: { type: 'TIME_RULE', target: 'Loop A' }, offHoursDestination: { type: 'HANGUP' } }), 'createTimeRule');
    const c = ok(await createRule({ name: 'Loop C', workSchedule: 'Office', workDestination: { type: 'TIME_RULE', target: b.id }, offHoursDestination: { type: 'HANGUP' } }), 'createTimeRule');
    expect(c.workDestination).toEqual({ type: 'TIME_RULE', target: b.id, targetId: b.id });
    const self = await updateRule(a.id, { workDestination: { type: 'TIME_RULE', target: 'Loop A' } });
    expect(issues(self, 'updateTimeRule')).toEqual([{ path: ['input', 'workDestination', 'target'], message: 'a time rule cannot send calls to itself', code: 'CYCLE' }]);
    const loop = await updateRule(a.id, { offHoursDestination: { type: 'TIME_RULE', target: 'Loop C' } });
    expect(issues(loop, 'updateTimeRule')).toEqual([
      { path: ['input', 'offHoursDestination', 'target'], message: 'time rule Loop C leads back to this rule (Loop C → Loop B → this rule): calls would loop', code: 'CYCLE' },
    ]);
    // A chain that does not come back is fine.
    expect(ok(await updateRule(c.id, { offHoursDestination: { type: 'TIME_RULE', target: 'Loop A' } }), 'updateTimeRule').offHoursDestination.targetId).toBe(a.id);

    const reception = (await gql(`{ timeRules { id name } }`)).data.timeRules.find((r: any) => r.name === 'Reception');
    const withoutHoliday = ok(await updateRule(reception.id, { holiday: null }), 'updateTimeRule');
    expect(withoutHoliday.holiday).toBeNull();
    const context = contextOf(await rendered('extensions.conf'), `pbx-timerule-${localId(reception.id)}`);
    expect(context).not.toContain('HOLIDAY');
    expect(context).not.toContain('STRFTIME');
    ok(await updateRule(reception.id, { holiday: 'New year' }), 'updateTimeRule');
  });

  it('refuses to delete a schedule or holiday list a rule uses, and a rule that anything sends calls to; rules that point at each other go together', async () => {
    const schedules = (await gql(`{ workSchedules { id name } holidays { id name } timeRules { id name } }`)).data;
    const office = schedules.workSchedules.find((s: any) => s.name === 'Office');
    const newYear = schedules.holidays.find((s: any) => s.name === 'New year');
    const rule = (name: string) => schedules.timeRules.find((r: any) => r.name === name).id;

    const usedSchedule = await gql(remove('deleteWorkSchedules'), { ids: [office.id] });
    expect(usedSchedule.data.deleteWorkSchedules.__typename).toBe('ReferencedError');
    expect(usedSchedule.data.deleteWorkSchedules.referrers).toContainEqual({ kind: 'TIME_RULE', label: 'time rule Reception uses it as its work schedule' });
    expect(usedSchedule.data.deleteWorkSchedules.message).toMatch(/^Work schedule Office cannot be deleted/);
    const usedHoliday = await gql(remove('deleteHolidays'), { ids: [newYear.id] });
    expect(usedHoliday.data.deleteHolidays).toMatchObject({ __typename: 'ReferencedError', referrers: [{ kind: 'TIME_RULE', label: 'time rule Reception uses its holidays' }] });

    const usedRule = await gql(remove('deleteTimeRules'), { ids: [rule('Reception')] });
    expect(usedRule.data.deleteTimeRules).toMatchObject({ __typename: 'ReferencedError', referrers: [{ kind: 'DEPARTMENT', label: 'department 0400 (Front desk) sends unanswered calls there' }] });
    const nested = await gql(remove('deleteTimeRules'), { ids: [rule('Loop A')] });
    expect(nested.data.deleteTimeRules.referrers.map((r: any) => r.label).sort()).toEqual([
      'time rule Loop B sends calls there in working hours',
      'time rule Loop C sends calls there outside working hours',
    ]);
    expect(ok(await gql(remove('deleteTimeRules'), { ids: [rule('Loop A'), rule('Loop B'), rule('Loop C')] }), 'deleteTimeRules')).toEqual({ count: 3 });
    const late = schedules.workSchedules.find((s: any) => s.name === 'Late shift');
    expect(ok(await gql(remove('deleteWorkSchedules'), { ids: [late.id] }), 'deleteWorkSchedules')).toEqual({ count: 1 });
    const names = (await gql(`{ timeRules { name } }`)).data.timeRules.map((r: any) => r.name);
    expect(names).toEqual(['Reception']);
  });

  it('a dial-rule entry with a time rule is used only in working time, reads back, and keeps its rule from being deleted (F-4.3.2.a)', async () => {
    const reception = (await gql(`{ timeRules { id name } }`)).data.timeRules[0];
    const created = await gql(
      `mutation($input: CreateDialRuleInput!) { createDialRule(input: $input) { ${ERROR_FIELDS} ... on MutationCreateDialRuleSuccess { data { id entries { prefix timeRule { name } } } } } }`,
      {
        input: {
          name: 'Office only',
          entries: [
            { prefix: '6', pattern: 'XXXX', timeRule: 'Reception' },
            { prefix: '6', pattern: 'X.' },
          ],
        },
      },
    );
    const dialRule = ok(created, 'createDialRule');
    expect(dialRule.entries).toEqual([
      { prefix: '6', timeRule: { name: 'Reception' } },
      { prefix: '6', timeRule: null },
    ]);
    const ruleId = localId(dialRule.id);
    const dialplan = await rendered('extensions.conf');
    const main = contextOf(dialplan, `pbx-dialrule-${ruleId}`);
    expect(main).toContain(`exten => _6XXXX,1,Gosub(pbx-timerule-${localId(reception.id)},check,1)`);
    expect(main).toContain(`GotoIf(\${DIALPLAN_EXISTS(pbx-dialrule-${ruleId}-off1,\${EXTEN},1)}?pbx-dialrule-${ruleId}-off1,\${EXTEN},1)`);
    const off = contextOf(dialplan, `pbx-dialrule-${ruleId}-off1`);
    expect(off).not.toContain('_6XXXX');
    expect(off).toContain('exten => _6X.,1,');

    const unknown = await gql(`mutation($id: ID!) { updateDialRule(id: $id, input: { entries: [{ prefix: "6", pattern: "XXXX", timeRule: "Nope" }] }) { ${ERROR_FIELDS} } }`, { id: dialRule.id });
    expect(issues(unknown, 'updateDialRule')).toEqual([{ path: ['input', 'entries', '0', 'timeRule'], message: 'no time rule Nope exists', code: 'NOT_FOUND' }]);

    // Detach the department so that only the dial-rule entry holds the rule.
    const dept = (await gql(`{ departments(first: 5) { edges { node { id name } } } }`)).data.departments.edges.find((e: any) => e.node.name === 'Front desk').node;
    ok(
      await gql(`mutation($id: ID!) { updateDepartment(id: $id, input: { noAnswerDestination: { type: HANGUP } }) { ${ERROR_FIELDS} ... on MutationUpdateDepartmentSuccess { data { id } } } }`, {
        id: dept.id,
      }),
      'updateDepartment',
    );
    const refused = await gql(remove('deleteTimeRules'), { ids: [reception.id] });
    expect(refused.data.deleteTimeRules).toMatchObject({
      __typename: 'ReferencedError',
      referrers: [{ kind: 'DIAL_RULE', label: 'dial rule Office only entry 1 (6|XXXX) is used only in its working time' }],
    });
    // Cleared with null, the entry no longer depends on it, and the rule can go.
    const cleared = await gql(
      `mutation($id: ID!) { updateDialRule(id: $id, input: { entries: [{ prefix: "6", pattern: "XXXX", timeRule: null }] }) { ${ERROR_FIELDS} ... on MutationUpdateDialRuleSuccess { data { entries { timeRule { name } } } } } }`,
      { id: dialRule.id },
    );
    expect(ok(cleared, 'updateDialRule').entries).toEqual([{ timeRule: null }]);
    expect(ok(await gql(remove('deleteTimeRules'), { ids: [reception.id] }), 'deleteTimeRules')).toEqual({ count: 1 });
    expect(await rendered('extensions.conf')).not.toContain('pbx-timerule-');
  });

  it('needs the settings permissions', async () => {
    const anonymous = await server.gql(`{ timeRules { name } }`, {}, undefined);
    expect(anonymous.errors?.length).toBeGreaterThan(0);
  });
});
