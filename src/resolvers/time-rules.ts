import type { StoredDestination } from '../destinations/destination.js';
import { dateRule, endRule, MAX_HOLIDAY_RANGES, MAX_WORK_RANGES, startRule, timeStateAt, weekdays, type HolidayRange, type TimeState, type WorkRange } from '../time-rules/schedule.js';
import { timeRuleFieldSchemas, type TimeRuleInput } from '../time-rules/service.js';
import { parseRanges } from '../time-rules/snapshot.js';
import { builder } from './builder.js';
import { DestinationInputRef, DestinationRef } from './destinations.js';
import { audited, mutationErrors } from './errors.js';
import { DeletedRef, deletedPayload } from './extensions.js';
import { decodeId } from './ids.js';
import { selection } from './selection.js';

/** Time conditions (F-4.2.3): call routing configuration, read and written with the settings permissions, as dial rules are. */
const read = { perm: 'settings:read' } as const;
const write = { perm: 'settings:write' } as const;

const WeekdayEnum = builder.enumType('Weekday', { values: weekdays });
const TimeRuleStateEnum = builder.enumType('TimeRuleState', {
  values: {
    WORK: { description: 'Inside a working range of the work schedule, and not a holiday' },
    OFF_HOURS: { description: 'Outside every working range, and not a holiday' },
    HOLIDAY: { description: "Today's date is inside a range of the holiday list" },
  } satisfies Record<TimeState, unknown>,
});

const WorkRangeRef = builder.objectRef<WorkRange>('WorkRange').implement({
  description: 'Working time on one weekday: start ≤ time < end',
  fields: (t) => ({
    weekday: t.field({ type: WeekdayEnum, resolve: (r) => r.weekday }),
    start: t.exposeString('start', { description: startRule }),
    end: t.exposeString('end', { description: `${endRule}; the end itself is no longer working time` }),
  }),
});
const HolidayRangeRef = builder.objectRef<HolidayRange>('HolidayRange').implement({
  description: 'Holidays: every date from start to end, both included (may span months and years)',
  fields: (t) => ({ start: t.exposeString('start', { description: dateRule }), end: t.exposeString('end', { description: `${dateRule}, not before start` }) }),
});
const WorkRangeInput = builder.inputType('WorkRangeInput', {
  fields: (t) => ({
    weekday: t.field({ type: WeekdayEnum }),
    start: t.string({ description: startRule }),
    end: t.string({ description: `${endRule}, after start; the end itself is no longer working time` }),
  }),
});
const HolidayRangeInput = builder.inputType('HolidayRangeInput', {
  fields: (t) => ({ start: t.string({ description: dateRule }), end: t.string({ description: `${dateRule}, not before start` }) }),
});

export const WorkScheduleRef = builder.prismaNode('WorkSchedule', {
  id: { field: 'id' },
  description: 'A work schedule (F-4.2.3.a): working ranges per weekday; every other time is off hours',
  objectAuthScopes: { type: read },
  fields: (t) => ({
    name: t.exposeString('name', { description: timeRuleFieldSchemas.workScheduleName.description }),
    ranges: t.field({ type: [WorkRangeRef], description: 'Several ranges per day may be given; ranges of one day do not overlap', resolve: (s) => parseRanges<WorkRange>(s.ranges) }),
    timeRules: t.relation('timeRules', { description: 'The time rules that use it', query: { orderBy: { name: 'asc' } } }),
  }),
});

export const HolidayRef = builder.prismaNode('Holiday', {
  id: { field: 'id' },
  description: 'A holiday list (F-4.2.3.b): date ranges on which a time rule sends calls to its holiday destination',
  objectAuthScopes: { type: read },
  fields: (t) => ({
    name: t.exposeString('name', { description: timeRuleFieldSchemas.holidayName.description }),
    ranges: t.field({ type: [HolidayRangeRef], resolve: (h) => parseRanges<HolidayRange>(h.ranges) }),
    timeRules: t.relation('timeRules', { description: 'The time rules that use it', query: { orderBy: { name: 'asc' } } }),
  }),
});

const destinationOf = (slot: string) => async (r: { id: string }, _a: unknown, ctx: { loaders: { destinationsOfOwner: { load(key: string): Promise<Map<string, StoredDestination>> } } }) =>
  (await ctx.loaders.destinationsOfOwner.load(`TIME_RULE:${r.id}`)).get(slot) ?? null;

export const TimeRuleRef = builder.prismaNode('TimeRule', {
  id: { field: 'id' },
  description: 'A time rule (F-4.2.3.c): a Destination (type TIME_RULE) that sends calls on by the time: holidays first, then working hours, else off hours',
  objectAuthScopes: { type: read },
  fields: (t) => ({
    name: t.exposeString('name', { description: timeRuleFieldSchemas.timeRuleName.description }),
    workSchedule: t.relation('workSchedule'),
    holiday: t.relation('holiday', { nullable: true, description: 'None: holidays are ordinary days' }),
    workDestination: t.field({ type: DestinationRef, resolve: async (r, a, ctx) => (await destinationOf('work')(r, a, ctx)) ?? { type: 'HANGUP', target: null, parameters: {} } }),
    offHoursDestination: t.field({ type: DestinationRef, resolve: async (r, a, ctx) => (await destinationOf('offHours')(r, a, ctx)) ?? { type: 'HANGUP', target: null, parameters: {} } }),
    holidayDestination: t.field({
      type: DestinationRef,
      nullable: true,
      description: 'Used while the rule has a holiday list',
      resolve: (r, a, ctx) => destinationOf('holiday')(r, a, ctx),
    }),
    currentState: t.field({
      type: TimeRuleStateEnum,
      description: 'What the rule decides now, in the time zone of the PBX settings (`settings.pbx.timezone`)',
      select: { workSchedule: { select: { ranges: true } }, holiday: { select: { ranges: true } } },
      resolve: async (r, _a, ctx) => {
        const { timezone } = await ctx.services.settings.get('pbx');
        return timeStateAt({ work: parseRanges<WorkRange>(r.workSchedule.ranges), holidays: r.holiday ? parseRanges<HolidayRange>(r.holiday.ranges) : [] }, new Date(), timezone);
      },
    }),
  }),
});

builder.queryFields((t) => ({
  workSchedules: t.prismaField({
    type: [WorkScheduleRef],
    description: 'Every work schedule, by name',
    authScopes: read,
    resolve: (query, _r, _a, ctx) => ctx.services.db.prisma.workSchedule.findMany({ ...selection(query), orderBy: { name: 'asc' } }),
  }),
  holidays: t.prismaField({
    type: [HolidayRef],
    description: 'Every holiday list, by name',
    authScopes: read,
    resolve: (query, _r, _a, ctx) => ctx.services.db.prisma.holiday.findMany({ ...selection(query), orderBy: { name: 'asc' } }),
  }),
  timeRules: t.prismaField({
    type: [TimeRuleRef],
    description: 'Every time rule, by name',
    authScopes: read,
    resolve: (query, _r, _a, ctx) => ctx.services.db.prisma.timeRule.findMany({ ...selection(query), orderBy: { name: 'asc' } }),
  }),
}));

type Fields = Parameters<Parameters<typeof builder.inputType>[1]['fields']>[0];
const WorkScheduleFields = (required: boolean) => (t: Fields) => ({
  name: t.string({ required, description: timeRuleFieldSchemas.workScheduleName.description }),
  ranges: t.field({ type: [WorkRangeInput], required, description: `The working ranges (at most ${MAX_WORK_RANGES}); replaces the list when given` }),
});
const HolidayFields = (required: boolean) => (t: Fields) => ({
  name: t.string({ required, description: timeRuleFieldSchemas.holidayName.description }),
  ranges: t.field({ type: [HolidayRangeInput], required, description: `The holiday ranges (at most ${MAX_HOLIDAY_RANGES}); replaces the list when given` }),
});
const TimeRuleFields = (required: boolean) => (t: Fields) => ({
  name: t.string({ required, description: timeRuleFieldSchemas.timeRuleName.description }),
  workSchedule: t.string({ required, description: 'Name or ID of the work schedule' }),
  holiday: t.string({ required: false, description: 'Name or ID of the holiday list; null for none (on update: removes it; absent: unchanged)' }),
  workDestination: t.field({ type: DestinationInputRef, required, description: 'Where calls go in working hours' }),
  offHoursDestination: t.field({ type: DestinationInputRef, required, description: 'Where calls go outside working hours' }),
  holidayDestination: t.field({ type: DestinationInputRef, required: false, description: 'Where calls go on holidays; required with a holiday list' }),
});

const CreateWorkScheduleInput = builder.inputType('CreateWorkScheduleInput', { fields: WorkScheduleFields(true) });
const UpdateWorkScheduleInput = builder.inputType('UpdateWorkScheduleInput', { description: 'Only the fields given change', fields: WorkScheduleFields(false) });
const CreateHolidayInput = builder.inputType('CreateHolidayInput', { fields: HolidayFields(true) });
const UpdateHolidayInput = builder.inputType('UpdateHolidayInput', { description: 'Only the fields given change', fields: HolidayFields(false) });
const CreateTimeRuleInput = builder.inputType('CreateTimeRuleInput', { fields: TimeRuleFields(true) });
const UpdateTimeRuleInput = builder.inputType('UpdateTimeRuleInput', { description: 'Only the fields given change', fields: TimeRuleFields(false) });

/** Absent and null mean "unchanged", except `holiday`, where null removes the holiday list. */
const defined = <T extends object>(input: T) => Object.fromEntries(Object.entries(input).filter(([k, v]) => v !== undefined && (v !== null || k === 'holiday')));
type Id = { typename: string; id: string };

builder.mutationFields((t) => ({
  createWorkSchedule: t.prismaField({
    type: WorkScheduleRef,
    authScopes: write,
    errors: { types: mutationErrors },
    args: { input: t.arg({ type: CreateWorkScheduleInput }) },
    resolve: async (query, root, args, ctx, info) => {
      const row = await audited((a: typeof args, c) => c.services.timeRules.createWorkSchedule(defined(a.input)))(root, args, ctx, info);
      return ctx.services.db.prisma.workSchedule.findUniqueOrThrow({ ...selection(query), where: { id: row.id } });
    },
  }),
  updateWorkSchedule: t.prismaField({
    type: WorkScheduleRef,
    authScopes: write,
    errors: { types: mutationErrors },
    args: { id: t.arg.globalID(), input: t.arg({ type: UpdateWorkScheduleInput }) },
    resolve: async (query, root, args, ctx, info) => {
      const row = await audited((a: typeof args, c) => c.services.timeRules.updateWorkSchedule(decodeId(a.id, 'WorkSchedule'), defined(a.input)))(root, args, ctx, info);
      return ctx.services.db.prisma.workSchedule.findUniqueOrThrow({ ...selection(query), where: { id: row.id } });
    },
  }),
  deleteWorkSchedules: t.field({
    type: DeletedRef,
    authScopes: write,
    errors: { types: mutationErrors },
    args: { ids: t.arg.globalIDList() },
    resolve: audited(async (a: { ids: Id[] }, c) => deletedPayload(await c.services.timeRules.deleteWorkSchedules(a.ids.map((id) => decodeId(id, 'WorkSchedule'))), 'WorkSchedule')),
  }),
  createHoliday: t.prismaField({
    type: HolidayRef,
    authScopes: write,
    errors: { types: mutationErrors },
    args: { input: t.arg({ type: CreateHolidayInput }) },
    resolve: async (query, root, args, ctx, info) => {
      const row = await audited((a: typeof args, c) => c.services.timeRules.createHoliday(defined(a.input)))(root, args, ctx, info);
      return ctx.services.db.prisma.holiday.findUniqueOrThrow({ ...selection(query), where: { id: row.id } });
    },
  }),
  updateHoliday: t.prismaField({
    type: HolidayRef,
    authScopes: write,
    errors: { types: mutationErrors },
    args: { id: t.arg.globalID(), input: t.arg({ type: UpdateHolidayInput }) },
    resolve: async (query, root, args, ctx, info) => {
      const row = await audited((a: typeof args, c) => c.services.timeRules.updateHoliday(decodeId(a.id, 'Holiday'), defined(a.input)))(root, args, ctx, info);
      return ctx.services.db.prisma.holiday.findUniqueOrThrow({ ...selection(query), where: { id: row.id } });
    },
  }),
  deleteHolidays: t.field({
    type: DeletedRef,
    authScopes: write,
    errors: { types: mutationErrors },
    args: { ids: t.arg.globalIDList() },
    resolve: audited(async (a: { ids: Id[] }, c) => deletedPayload(await c.services.timeRules.deleteHolidays(a.ids.map((id) => decodeId(id, 'Holiday'))), 'Holiday')),
  }),
  createTimeRule: t.prismaField({
    type: TimeRuleRef,
    authScopes: write,
    errors: { types: mutationErrors },
    args: { input: t.arg({ type: CreateTimeRuleInput }) },
    resolve: async (query, root, args, ctx, info) => {
      const row = await audited((a: typeof args, c) => c.services.timeRules.createTimeRule(defined(a.input) as TimeRuleInput))(root, args, ctx, info);
      return ctx.services.db.prisma.timeRule.findUniqueOrThrow({ ...selection(query), where: { id: row.id } });
    },
  }),
  updateTimeRule: t.prismaField({
    type: TimeRuleRef,
    authScopes: write,
    errors: { types: mutationErrors },
    args: { id: t.arg.globalID(), input: t.arg({ type: UpdateTimeRuleInput }) },
    resolve: async (query, root, args, ctx, info) => {
      const row = await audited((a: typeof args, c) => c.services.timeRules.updateTimeRule(decodeId(a.id, 'TimeRule'), defined(a.input) as TimeRuleInput))(root, args, ctx, info);
      return ctx.services.db.prisma.timeRule.findUniqueOrThrow({ ...selection(query), where: { id: row.id } });
    },
  }),
  deleteTimeRules: t.field({
    type: DeletedRef,
    authScopes: write,
    errors: { types: mutationErrors },
    args: { ids: t.arg.globalIDList() },
    resolve: audited(async (a: { ids: Id[] }, c) => deletedPayload(await c.services.timeRules.deleteTimeRules(a.ids.map((id) => decodeId(id, 'TimeRule'))), 'TimeRule')),
  }),
}));
