import {
  autopauseModes,
  holdTimeAnnouncements,
  queueFieldSchemas,
  queueReferenceDescriptions,
  queueStrategyNames,
  type AutopauseMode,
  type HoldTimeAnnouncement,
  type QueueStrategy,
} from '../queues/fields.js';
import { nameOrNumberContains } from '../db/search.js';
import type { QueueInput } from '../queues/service.js';
import { builder } from './builder.js';
import { DestinationInputRef, DestinationRef } from './destinations.js';
import { audited, mutationErrors } from './errors.js';
import { DeletedRef, deletedPayload, ExtensionRef } from './extensions.js';
import { decodeId } from './ids.js';
import { selection } from './selection.js';

/** Queues are read and written like departments (groups of agents): an operator-panel account may read them. */
const read = { perm: 'departments:read' } as const;
const write = { perm: 'departments:write' } as const;

export const QueueStrategyEnum = builder.enumType('QueueStrategy', {
  values: {
    RING_ALL: { description: 'Ring every free agent at once (app_queue ringall)' },
    FEWEST_CALLS: { description: 'Ring the agent who has answered the fewest calls of this queue (fewestcalls)' },
    LEAST_RECENT: { description: 'Ring the agent whose last queue call ended longest ago (leastrecent)' },
    RR_MEMORY: { description: 'One at a time, round robin, starting after the agent who answered last (rrmemory)' },
    LINEAR: { description: 'One at a time, always in member order: static agents in list order, dynamic agents in the order they logged in (linear)' },
    RR_ORDERED: { description: 'One at a time, round robin in member order, starting after the agent who answered last (rrordered)' },
  } satisfies Record<QueueStrategy, unknown>,
});
if (queueStrategyNames.length !== 6) throw new Error('QueueStrategy: the enum and the table disagree');

export const QueueAutopauseEnum = builder.enumType('QueueAutopause', {
  values: {
    NO: { description: 'Never pause an agent automatically' },
    YES: { description: 'Pause an agent who does not answer, in this queue' },
    ALL: { description: 'Pause an agent who does not answer, in every queue' },
  } satisfies Record<AutopauseMode, unknown>,
});
if (autopauseModes.length !== 3) throw new Error('QueueAutopause: the enum and the table disagree');

export const QueueHoldTimeAnnouncementEnum = builder.enumType('QueueHoldTimeAnnouncement', {
  values: {
    YES: { description: 'With every announcement' },
    NO: { description: 'Never' },
    ONCE: { description: 'Only with the first announcement' },
  } satisfies Record<HoldTimeAnnouncement, unknown>,
});
if (holdTimeAnnouncements.length !== 3) throw new Error('QueueHoldTimeAnnouncement: the enum and the table disagree');

const describe = (name: keyof typeof queueFieldSchemas) => queueFieldSchemas[name].description;

/** A call queue (F-4.2.2): the object other modules (the live queue state) extend. */
export const QueueRef = builder.prismaNode('Queue', {
  id: { field: 'id' },
  description: 'A call queue / ACD (F-4.2.2, F-4.2.2.a, F-4.2.2.b); also a Destination (type QUEUE)',
  objectAuthScopes: { type: read },
  fields: (t) => ({
    name: t.exposeString('name', { description: describe('name') }),
    number: t.exposeString('number', { description: describe('number') }),
    strategy: t.field({ type: QueueStrategyEnum, description: describe('strategy'), resolve: (q) => q.strategy as QueueStrategy }),
    mohClass: t.relation('mohClass', { description: queueReferenceDescriptions.mohClass }),
    useMemberOrder: t.exposeBoolean('useMemberOrder', { description: describe('useMemberOrder') }),
    staticAgents: t.field({
      type: [ExtensionRef],
      description: queueReferenceDescriptions.staticAgents,
      select: (_args, _ctx, nestedSelection) => ({ members: { where: { kind: 'STATIC' }, select: { extension: nestedSelection(true) }, orderBy: { position: 'asc' } } }),
      resolve: (q) => q.members.map((m) => m.extension),
    }),
    dynamicAgents: t.field({
      type: [ExtensionRef],
      description: queueReferenceDescriptions.dynamicAgents,
      select: (_args, _ctx, nestedSelection) => ({ members: { where: { kind: 'DYNAMIC' }, select: { extension: nestedSelection(true) }, orderBy: { position: 'asc' } } }),
      resolve: (q) => q.members.map((m) => m.extension),
    }),
    failoverDestination: t.field({
      type: DestinationRef,
      description: queueReferenceDescriptions.failoverDestination,
      resolve: async (q, _a, ctx) => (await ctx.loaders.destinationsOfOwner.load(`QUEUE:${q.id}`)).get('failover') ?? { type: 'HANGUP', target: null, parameters: {} },
    }),
    autofill: t.exposeBoolean('autofill', { description: describe('autofill') }),
    agentRingTimeoutSeconds: t.exposeInt('agentRingTimeoutSeconds', { description: describe('agentRingTimeoutSeconds') }),
    autopause: t.field({ type: QueueAutopauseEnum, description: describe('autopause'), resolve: (q) => q.autopause as AutopauseMode }),
    wrapupSeconds: t.exposeInt('wrapupSeconds', { description: describe('wrapupSeconds') }),
    reportHoldTime: t.exposeBoolean('reportHoldTime', { description: describe('reportHoldTime') }),
    maxCallers: t.exposeInt('maxCallers', { description: describe('maxCallers') }),
    prefixQueueNameToCallerId: t.exposeBoolean('prefixQueueNameToCallerId', { description: describe('prefixQueueNameToCallerId') }),
    maxWaitSeconds: t.exposeInt('maxWaitSeconds', { description: describe('maxWaitSeconds') }),
    joinEmpty: t.exposeBoolean('joinEmpty', { description: describe('joinEmpty') }),
    leaveWhenEmpty: t.exposeBoolean('leaveWhenEmpty', { description: describe('leaveWhenEmpty') }),
    announceHoldTime: t.field({ type: QueueHoldTimeAnnouncementEnum, description: describe('announceHoldTime'), resolve: (q) => q.announceHoldTime as HoldTimeAnnouncement }),
    announcePosition: t.exposeBoolean('announcePosition', { description: describe('announcePosition') }),
    announceFrequencySeconds: t.exposeInt('announceFrequencySeconds', { description: describe('announceFrequencySeconds') }),
    periodicAnnounceFrequencySeconds: t.exposeInt('periodicAnnounceFrequencySeconds', { description: describe('periodicAnnounceFrequencySeconds') }),
    periodicAnnouncePrompt: t.relation('periodicAnnouncePrompt', { nullable: true, description: queueReferenceDescriptions.periodicAnnouncePrompt }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

builder.queryFields((t) => ({
  queues: t.prismaConnection({
    type: QueueRef,
    cursor: 'id',
    description: 'Every call queue in number order',
    authScopes: read,
    args: { search: t.arg.string({ required: false, description: 'Fuzzy match on name or number' }) },
    totalCount: (_c, args, ctx) => ctx.services.db.prisma.queue.count({ where: args.search ? nameOrNumberContains(args.search, ctx.services.db.provider) : {} }),
    resolve: (query, _r, args, ctx) =>
      ctx.services.db.prisma.queue.findMany({
        ...selection(query),
        where: args.search ? nameOrNumberContains(args.search, ctx.services.db.provider) : {},
        orderBy: [{ number: 'asc' }, { id: 'asc' }],
      }),
  }),
  queue: t.prismaField({
    type: QueueRef,
    nullable: true,
    description: 'One call queue by ID',
    authScopes: read,
    args: { id: t.arg.globalID() },
    resolve: (query, _r, args, ctx) => ctx.services.db.prisma.queue.findUnique({ ...selection(query), where: { id: decodeId(args.id, 'Queue') } }),
  }),
}));

type Fields = Parameters<Parameters<typeof builder.inputType>[1]['fields']>[0];
const onCreate = (create: boolean, value: string) => (create ? `; ${value} when not given` : '');
const QueueFields = (create: boolean) => (t: Fields) => ({
  name: t.string({ required: create, description: describe('name') }),
  number: t.string({ required: false, description: describe('number') }),
  strategy: t.field({ type: QueueStrategyEnum, required: false, description: `${describe('strategy')}${onCreate(create, 'RING_ALL')}` }),
  mohClass: t.string({ required: false, description: `${queueReferenceDescriptions.mohClass}` }),
  useMemberOrder: t.boolean({ required: false, description: `${describe('useMemberOrder')}${onCreate(create, 'off')}` }),
  staticAgents: t.stringList({ required: false, description: `${queueReferenceDescriptions.staticAgents}; replaces the list when given` }),
  dynamicAgents: t.stringList({ required: false, description: `${queueReferenceDescriptions.dynamicAgents}; replaces the list when given` }),
  failoverDestination: t.field({ type: DestinationInputRef, required: create, description: queueReferenceDescriptions.failoverDestination }),
  autofill: t.boolean({ required: false, description: `${describe('autofill')}${onCreate(create, 'on')}` }),
  agentRingTimeoutSeconds: t.int({ required: false, description: `${describe('agentRingTimeoutSeconds')}${onCreate(create, '15')}` }),
  autopause: t.field({ type: QueueAutopauseEnum, required: false, description: `${describe('autopause')}${onCreate(create, 'NO')}` }),
  wrapupSeconds: t.int({ required: false, description: `${describe('wrapupSeconds')}${onCreate(create, '0')}` }),
  reportHoldTime: t.boolean({ required: false, description: `${describe('reportHoldTime')}${onCreate(create, 'off')}` }),
  maxCallers: t.int({ required: false, description: `${describe('maxCallers')}${onCreate(create, '0')}` }),
  prefixQueueNameToCallerId: t.boolean({ required: false, description: `${describe('prefixQueueNameToCallerId')}${onCreate(create, 'off')}` }),
  maxWaitSeconds: t.int({ required: false, description: `${describe('maxWaitSeconds')}${onCreate(create, '0')}` }),
  joinEmpty: t.boolean({ required: false, description: `${describe('joinEmpty')}${onCreate(create, 'on')}` }),
  leaveWhenEmpty: t.boolean({ required: false, description: `${describe('leaveWhenEmpty')}${onCreate(create, 'off')}` }),
  announceHoldTime: t.field({ type: QueueHoldTimeAnnouncementEnum, required: false, description: `${describe('announceHoldTime')}${onCreate(create, 'NO')}` }),
  announcePosition: t.boolean({ required: false, description: `${describe('announcePosition')}${onCreate(create, 'off')}` }),
  announceFrequencySeconds: t.int({ required: false, description: `${describe('announceFrequencySeconds')}${onCreate(create, '0')}` }),
  periodicAnnounceFrequencySeconds: t.int({ required: false, description: `${describe('periodicAnnounceFrequencySeconds')}${onCreate(create, '0')}` }),
  periodicAnnouncePrompt: t.string({ required: false, description: `${queueReferenceDescriptions.periodicAnnouncePrompt}${create ? '' : '; null removes it, absent: unchanged'}` }),
});
const CreateQueueInput = builder.inputType('CreateQueueInput', { fields: QueueFields(true) });
const UpdateQueueInput = builder.inputType('UpdateQueueInput', { description: 'Only the fields given change', fields: QueueFields(false) });

/** Absent and null mean "unchanged", except `periodicAnnouncePrompt`, where null removes the prompt. */
const defined = (input: object): QueueInput => Object.fromEntries(Object.entries(input).filter(([k, v]) => v !== undefined && (v !== null || k === 'periodicAnnouncePrompt')));

builder.mutationFields((t) => ({
  createQueue: t.prismaField({
    type: QueueRef,
    authScopes: write,
    errors: { types: mutationErrors },
    args: { input: t.arg({ type: CreateQueueInput }) },
    resolve: async (query, root, args, ctx, info) => {
      const row = await audited((a: typeof args, c) => c.services.queues.create(defined(a.input)))(root, args, ctx, info);
      return ctx.services.db.prisma.queue.findUniqueOrThrow({ ...selection(query), where: { id: row.id } });
    },
  }),
  updateQueue: t.prismaField({
    type: QueueRef,
    authScopes: write,
    errors: { types: mutationErrors },
    args: { id: t.arg.globalID(), input: t.arg({ type: UpdateQueueInput }) },
    resolve: async (query, root, args, ctx, info) => {
      const row = await audited((a: typeof args, c) => c.services.queues.update(decodeId(a.id, 'Queue'), defined(a.input)))(root, args, ctx, info);
      return ctx.services.db.prisma.queue.findUniqueOrThrow({ ...selection(query), where: { id: row.id } });
    },
  }),
  deleteQueues: t.field({
    type: DeletedRef,
    authScopes: write,
    errors: { types: mutationErrors },
    args: { ids: t.arg.globalIDList() },
    resolve: audited(async (a: { ids: { typename: string; id: string }[] }, c) => deletedPayload(await c.services.queues.delete(a.ids.map((id) => decodeId(id, 'Queue'))), 'Queue')),
  }),
}));
