import { can, refusal } from '../auth/permissions.js';
import { NotPermittedError } from '../errors.js';
// One error type for every action that needs Asterisk; the sound library's phone calls defined it first.
import { AsteriskNotConnectedError } from '../errors.js';
import {
  agentStatuses,
  deviceStates,
  type AgentStatus,
  type DeviceState,
  type QueueAgentCall,
  type QueueAgentState,
  type QueueCallerState,
  type QueueCounts,
  type QueueLiveState,
} from '../queues/live/state.js';
import { builder } from './builder.js';
import type { Context } from './context.js';
import { audited, mutationErrors } from './errors.js';
import { ExtensionRef } from './extensions.js';
import { decodeId, encodeGlobalId } from './ids.js';
import { currentThenChanges } from './live.js';
import { QueueRef } from './queues.js';

/** Live queue state (issue 11): callers waiting, agents, counts; dynamic agents log in and out and agents pause. */

const QueueAgentStatusEnum = builder.enumType('QueueAgentStatus', {
  description: "An agent's state in one queue, the first that applies in this order",
  values: {
    LOGGED_OUT: { description: 'Not a member of the queue in Asterisk: a dynamic agent not logged in (or the queue is not in Asterisk)' },
    IN_CALL: { description: 'Talking: a call of this queue, or any other call of its phone' },
    RINGING: { description: 'Its phone rings (a call of this queue, or another one)' },
    UNAVAILABLE: { description: 'Its phone is not reachable (not registered)' },
    PAUSED: { description: 'Paused: gets no queue calls' },
    AVAILABLE: { description: 'Logged in, not paused, phone idle: the next queue call can go to it' },
  } satisfies Record<AgentStatus, unknown>,
});
if (agentStatuses.length !== 6) throw new Error('QueueAgentStatus: the enum and the table disagree');

const QueueAgentDeviceStateEnum = builder.enumType('QueueAgentDeviceState', {
  description: "The Asterisk device state of the agent's phone (PJSIP/<number>)",
  values: Object.fromEntries(deviceStates.map((s) => [s, {}])) as Record<DeviceState, object>,
});

const QueueAgentKindEnum = builder.enumType('QueueAgentKind', {
  values: { STATIC: { description: 'Always logged in' }, DYNAMIC: { description: 'Logs in and out (*62 / *062, loginQueueAgent, logoutQueueAgent)' } } as const,
});

const QueueAgentCallStateEnum = builder.enumType('QueueAgentCallState', {
  values: { RINGING: { description: 'Offered to the agent, ringing' }, CONNECTED: { description: 'Answered by the agent' } } as const,
});

const secondsSince = (iso: string) => Math.max(0, Math.floor((Date.now() - Date.parse(iso)) / 1000));
const queueGlobalId = (id: string) => encodeGlobalId('Queue', id);

const QueueLiveAgentCallRef = builder.objectRef<QueueAgentCall>('QueueLiveAgentCall').implement({
  description: 'The call of this queue an agent is offered or talking to',
  fields: (t) => ({
    state: t.field({ type: QueueAgentCallStateEnum, resolve: (c) => c.state }),
    callerNumber: t.exposeString('callerNumber', { nullable: true }),
    callerName: t.exposeString('callerName', { nullable: true }),
    channel: t.exposeString('channel', { description: "The caller's Asterisk channel" }),
    since: t.field({ type: 'DateTime', description: 'When it started ringing, or was answered', resolve: (c) => new Date(c.since) }),
    seconds: t.int({ description: 'Seconds since then, at the time of this answer', resolve: (c) => secondsSince(c.since) }),
  }),
});

const QueueLiveAgentRef = builder.objectRef<QueueAgentState>('QueueLiveAgent').implement({
  description: 'An agent of a queue, live: stored agents, and any other member Asterisk has',
  fields: (t) => ({
    queueId: t.id({ description: 'Global ID of the queue', resolve: (a) => queueGlobalId(a.queueId) }),
    extensionNumber: t.exposeString('extensionNumber', { nullable: true, description: 'Null for a member that is not an extension (added in Asterisk by hand)' }),
    extension: t.field({
      type: ExtensionRef,
      nullable: true,
      description: 'The extension (readable with extensions:read, or by the extension itself)',
      resolve: async (a, _args, ctx) => (a.extensionNumber ? await ctx.loaders.extensionByNumber.load(a.extensionNumber) : null),
    }),
    interface: t.exposeString('interface', { description: 'The member in Asterisk: PJSIP/<number>' }),
    kind: t.field({ type: QueueAgentKindEnum, description: 'As Asterisk has it while logged in, else as stored', resolve: (a) => a.kind }),
    configuredKind: t.field({ type: QueueAgentKindEnum, nullable: true, description: 'As stored; null when the queue does not list this member', resolve: (a) => a.configuredKind }),
    status: t.field({ type: QueueAgentStatusEnum, resolve: (a) => a.status }),
    loggedIn: t.exposeBoolean('loggedIn', { description: 'A member in Asterisk now (static agents always, dynamic ones while logged in)' }),
    paused: t.exposeBoolean('paused'),
    pausedReason: t.exposeString('pausedReason', { nullable: true }),
    lastPauseAt: t.field({ type: 'DateTime', nullable: true, description: 'When it was last paused (kept after unpausing)', resolve: (a) => (a.lastPauseAt ? new Date(a.lastPauseAt) : null) }),
    deviceState: t.field({ type: QueueAgentDeviceStateEnum, nullable: true, description: 'Null while logged out', resolve: (a) => a.deviceState }),
    ringing: t.exposeBoolean('ringing'),
    inCall: t.exposeBoolean('inCall'),
    available: t.exposeBoolean('available', { description: 'status is AVAILABLE' }),
    callsTaken: t.exposeInt('callsTaken', { description: 'Calls of this queue it answered since it logged in (Asterisk start for static agents)' }),
    lastCallAt: t.field({ type: 'DateTime', nullable: true, description: 'When its last queue call ended', resolve: (a) => (a.lastCallAt ? new Date(a.lastCallAt) : null) }),
    loggedInAt: t.field({ type: 'DateTime', nullable: true, resolve: (a) => (a.loggedInAt ? new Date(a.loggedInAt) : null) }),
    call: t.field({ type: QueueLiveAgentCallRef, nullable: true, resolve: (a) => a.call }),
  }),
});

const QueueLiveCallerRef = builder.objectRef<QueueCallerState>('QueueLiveCaller').implement({
  description: 'A caller waiting in a queue',
  fields: (t) => ({
    position: t.exposeInt('position', { description: '1: next to be served' }),
    callerNumber: t.exposeString('callerNumber', { nullable: true }),
    callerName: t.exposeString('callerName', { nullable: true }),
    channel: t.exposeString('channel', { description: "The caller's Asterisk channel" }),
    waitingSince: t.field({ type: 'DateTime', resolve: (c) => new Date(c.waitingSince) }),
    waitSeconds: t.int({ description: 'Seconds waited, at the time of this answer', resolve: (c) => secondsSince(c.waitingSince) }),
  }),
});

const QueueLiveCountsRef = builder.objectRef<QueueCounts>('QueueLiveCounts').implement({
  fields: (t) => ({
    waiting: t.exposeInt('waiting', { description: 'Callers waiting' }),
    agents: t.exposeInt('agents', { description: 'Agents listed (stored ones and any other member)' }),
    loggedIn: t.exposeInt('loggedIn'),
    available: t.exposeInt('available'),
    paused: t.exposeInt('paused'),
    ringing: t.exposeInt('ringing'),
    inCall: t.exposeInt('inCall', { description: 'Agents talking' }),
    unavailable: t.exposeInt('unavailable', { description: 'Logged in, phone unreachable' }),
    completed: t.exposeInt('completed', { description: 'Calls answered by an agent and finished, since Asterisk started' }),
    abandoned: t.exposeInt('abandoned', { description: 'Callers who hung up while waiting, since Asterisk started' }),
  }),
});

const QueueLiveStateRef = builder.objectRef<QueueLiveState>('QueueLiveState').implement({
  description: 'The live state of a queue, from Asterisk',
  fields: (t) => ({
    queueId: t.id({ description: 'Global ID of the queue', resolve: (s) => queueGlobalId(s.queueId) }),
    name: t.exposeString('name'),
    number: t.exposeString('number'),
    asteriskConnected: t.exposeBoolean('asteriskConnected'),
    inAsterisk: t.exposeBoolean('inAsterisk', { description: 'Asterisk has the queue (false until its configuration is applied, and while not connected)' }),
    callers: t.field({ type: [QueueLiveCallerRef], description: 'In queue order', resolve: (s) => s.callers }),
    agents: t.field({ type: [QueueLiveAgentRef], description: 'Stored agents in member order (static, then dynamic), then other members', resolve: (s) => s.agents }),
    counts: t.field({ type: QueueLiveCountsRef, resolve: (s) => s.counts }),
    longestWaitSeconds: t.int({ description: 'Of the callers waiting now; 0 when none', resolve: (s) => (s.callers[0] ? Math.max(...s.callers.map((c) => secondsSince(c.waitingSince))) : 0) }),
    changedAt: t.field({ type: 'DateTime', resolve: (s) => new Date(s.changedAt) }),
  }),
});

/** The queue ids a caller may watch (null: all): every queue with settings:read or departments:read; an extension user its own queues only. */
async function visibleQueueIds(ctx: Context, requested: string[] | null): Promise<string[] | null> {
  const p = ctx.principal;
  // Live state names the waiting callers: it is live call data (calls:read), like inboundCalls.
  if (can(p, 'calls:read')) return requested?.length ? requested : null;
  if (p?.kind !== 'extension') throw refusal(p, 'Not permitted: queue state');
  const own = (await ctx.services.db.prisma.queueMember.findMany({ where: { extensionId: p.id }, select: { queueId: true } })).map((m) => m.queueId);
  if (requested?.some((id) => !own.includes(id))) throw new NotPermittedError('An extension user may watch only the queues it is an agent of');
  return requested?.length ? requested : own;
}

const queueIdsOf = (ids: { typename: string; id: string }[] | null | undefined) => (ids?.length ? ids.map((id) => decodeId(id, 'Queue')) : null);

/** The state of a stored queue, read again when the queue is new to the live state. */
async function stateOf(ctx: Context, queueId: string): Promise<QueueLiveState | null> {
  const live = ctx.services.queueLive.state;
  if (!live.get(queueId)) await live.refresh();
  return live.get(queueId) ?? null;
}

builder.objectField(QueueRef, 'live', (t) =>
  t.field({
    type: QueueLiveStateRef,
    nullable: true,
    description: 'The live state of the queue (callers waiting, agents, counts); subscribe with queueStateChanged',
    resolve: async (queue, _args, ctx) => {
      await visibleQueueIds(ctx, [queue.id]);
      return stateOf(ctx, queue.id);
    },
  }),
);

builder.queryField('queueStates', (t) =>
  t.field({
    type: [QueueLiveStateRef],
    description: 'The live state of every queue (or of those given), in number order. An extension user sees the queues it is an agent of',
    authScopes: { authenticated: true },
    args: { queueIds: t.arg.globalIDList({ required: false, description: 'Only these queues' }) },
    resolve: async (_r, args, ctx) => {
      const ids = await visibleQueueIds(ctx, queueIdsOf(args.queueIds));
      return ctx.services.queueLive.state.list(ids ?? undefined);
    },
  }),
);

builder.subscriptionField('queueStateChanged', (t) =>
  t.field({
    type: QueueLiveStateRef,
    description: 'The current state of each watched queue first, then every change. An extension user watches the queues it is an agent of',
    authScopes: { authenticated: true },
    args: { queueIds: t.arg.globalIDList({ required: false, description: 'Watch only these (default: all the caller may see)' }) },
    subscribe: async function* (_r, args, ctx) {
      const ids = await visibleQueueIds(ctx, queueIdsOf(args.queueIds));
      const watched = ids ? new Set(ids) : null;
      yield* currentThenChanges(
        ctx,
        'queueState',
        () => ctx.services.queueLive.state.list(ids ?? undefined),
        (state) => !watched || watched.has(state.queueId),
      );
    },
    resolve: (state) => state,
  }),
);

const agentErrors = [...mutationErrors, AsteriskNotConnectedError];
type AgentArgs = { queue: { typename: string; id: string }; extension: { typename: string; id: string } };
/** An administrator (departments:write) for any agent, an extension user for itself. */
const mayActFor = (_r: unknown, args: { extension: { id: string } }) => ({ $any: { perm: 'departments:write' as const, selfExtension: args.extension.id } });

builder.mutationFields((t) => ({
  loginQueueAgent: t.field({
    type: QueueLiveAgentRef,
    description: 'Logs a dynamic agent in to a queue (AMI QueueAdd, as *62 + queue number does); already logged in is fine. Answers with its live state',
    authScopes: mayActFor,
    errors: { types: agentErrors },
    args: { queue: t.arg.globalID(), extension: t.arg.globalID({ description: 'A dynamic agent of the queue' }) },
    resolve: audited((a: AgentArgs, c) => c.services.queueLive.agents.login(decodeId(a.queue, 'Queue'), decodeId(a.extension, 'Extension'))),
  }),
  logoutQueueAgent: t.field({
    type: QueueLiveAgentRef,
    description: 'Logs a dynamic agent out of a queue (AMI QueueRemove, as *062 + queue number does); already logged out is fine. Answers with its live state',
    authScopes: mayActFor,
    errors: { types: agentErrors },
    args: { queue: t.arg.globalID(), extension: t.arg.globalID({ description: 'A dynamic agent of the queue' }) },
    resolve: audited((a: AgentArgs, c) => c.services.queueLive.agents.logout(decodeId(a.queue, 'Queue'), decodeId(a.extension, 'Extension'))),
  }),
  pauseQueueAgent: t.field({
    type: [QueueLiveAgentRef],
    description:
      'Pauses or unpauses an agent (AMI QueuePause, as *95 / *095 do) in one queue, or without queue in every queue it is logged in to. Answers with its live state in each queue it is logged in to',
    authScopes: mayActFor,
    errors: { types: agentErrors },
    args: {
      queue: t.arg.globalID({ required: false, description: 'Default: every queue' }),
      extension: t.arg.globalID({ description: 'An agent (static or dynamic)' }),
      paused: t.arg.boolean(),
      reason: t.arg.string({ required: false, description: 'Why (shown as pausedReason), at most 80 characters' }),
    },
    resolve: audited((a: { queue?: { typename: string; id: string } | null; extension: { typename: string; id: string }; paused: boolean; reason?: string | null }, c) =>
      c.services.queueLive.agents.pause(a.queue ? decodeId(a.queue, 'Queue') : null, decodeId(a.extension, 'Extension'), a.paused, a.reason ?? null),
    ),
  }),
}));
