import { callStates, legStates, type Call, type CallLeg, type CallParty, type CallState, type LegEndpoint, type LegState } from '../calls/contract.js';
import { callEvents, callWatch, type CallEventView } from '../calls/live/access.js';
import { builder } from './builder.js';
import { endsWithOperation } from './context.js';
// One CallDirection for live calls and call records: the records' module defines it.
import { CallDirectionEnum } from './call-records.js';

/** Live calls (D6, issue 10): the calls in progress, one call, and the stream of their events. Rules live in src/calls/live. */

const enumValues = <T extends string>(values: readonly T[], descriptions: Record<T, string>) =>
  Object.fromEntries(values.map((v) => [v, { description: descriptions[v] }])) as Record<T, { description: string }>;

const CallStateEnum = builder.enumType('CallState', {
  description: 'The first that applies, in this order: ENDED, ON_HOLD, TRANSFERRED, RINGING, ANSWERED, DIALING',
  values: enumValues<CallState>(callStates, {
    DIALING: 'Being set up: dialled, nothing rings or answers yet',
    RINGING: 'A phone (or the far end) rings, and no two parties talk yet',
    ANSWERED: 'Answered: by a phone, or by the PBX (IVR, voicemail, a queue while the caller waits)',
    ON_HOLD: 'A party put the call on hold',
    TRANSFERRED: 'Transferred: the transfer target has not answered yet',
    ENDED: 'Ended (reported once; readable with call(id) for a minute after)',
  }),
});

const CallLegStateEnum = builder.enumType('CallLegState', {
  values: enumValues<LegState>(legStates, {
    DIALING: 'Being dialled, or the caller dialling',
    RINGING: 'Ringing',
    ANSWERED: 'Up',
    ON_HOLD: 'Up and put on hold',
    ENDED: 'Hung up',
  }),
});

const CallLegEndpointKindEnum = builder.enumType('CallLegEndpointKind', {
  values: {
    EXTENSION: { description: 'An extension (PJSIP/<number> or IAX2/<number>)' },
    TRUNK: { description: 'A trunk (PJSIP/<trunk> or IAX2/<trunk>)' },
    OTHER: { description: 'Anything else: Local channels between dialplan steps, unknown endpoints' },
  } as const,
});

const CallEventKindEnum = builder.enumType('CallEventKind', {
  description: 'What happened. A subscription starts with one CURRENT event per call in progress; the bus carries the others',
  values: {
    CURRENT: { description: 'A call in progress when the subscription started, as it is now' },
    STARTED: { description: 'A new call (or one reported again after Asterisk came back)' },
    RINGING: { description: 'A leg started ringing (each extension that rings gives one)' },
    ANSWERED: { description: 'The call became ANSWERED (not after a hold: that is UNHELD)' },
    HELD: { description: 'A leg was put on hold' },
    UNHELD: { description: 'A held leg was taken off hold' },
    TRANSFERRED: { description: 'A blind or attended transfer completed; the call goes on as the same call' },
    UPDATED: { description: 'Anything else changed (caller ID, a leg added or ended, departments …)' },
    ENDED: { description: 'The call ended; its hang-up cause says why' },
  } as const,
});

const CallPartyRef = builder.objectRef<CallParty>('CallParty').implement({
  fields: (t) => ({
    number: t.exposeString('number', { description: "The caller ID number (caller), or the number dialled / of who answered (callee); '' when not known yet" }),
    name: t.exposeString('name', { description: "The caller ID name, or the extension's, department's or queue's name; '' when none" }),
    extension: t.exposeString('extension', { nullable: true, description: 'The extension number when the party is one of ours' }),
  }),
});

const CallLegEndpointRef = builder.objectRef<LegEndpoint>('CallLegEndpoint').implement({
  fields: (t) => ({
    kind: t.field({ type: CallLegEndpointKindEnum, resolve: (e) => e.kind }),
    name: t.exposeString('name', { description: 'The extension number, the trunk name, or the channel name without its sequence' }),
  }),
});

const date = (value: string | null) => (value ? new Date(value) : null);

const CallLegRef = builder.objectRef<CallLeg>('CallLeg').implement({
  description: 'One channel of a call',
  fields: (t) => ({
    channelId: t.exposeString('channelId', { description: "Asterisk's uniqueid of the channel (ARI's channel id)" }),
    channelName: t.exposeString('channelName'),
    endpoint: t.field({ type: CallLegEndpointRef, resolve: (l) => l.endpoint }),
    extension: t.string({ nullable: true, description: 'The extension number when the leg is an extension', resolve: (l) => (l.endpoint.kind === 'EXTENSION' ? l.endpoint.name : null) }),
    state: t.field({ type: CallLegStateEnum, resolve: (l) => l.state }),
    callerNumber: t.exposeString('callerNumber', { description: 'Caller ID on this channel: for a dialled channel, the party it reaches' }),
    callerName: t.exposeString('callerName'),
    connectedNumber: t.exposeString('connectedNumber', { description: 'Connected line: the party on the other side' }),
    connectedName: t.exposeString('connectedName'),
    startedAt: t.field({ type: 'DateTime', resolve: (l) => new Date(l.startedAt) }),
    answeredAt: t.field({ type: 'DateTime', nullable: true, resolve: (l) => date(l.answeredAt) }),
    endedAt: t.field({ type: 'DateTime', nullable: true, resolve: (l) => date(l.endedAt) }),
    hangupCause: t.exposeInt('hangupCause', { nullable: true, description: 'Q.850 cause code' }),
    hangupCauseText: t.exposeString('hangupCauseText', { nullable: true, description: 'The cause in words, as Asterisk says it' }),
  }),
});

export const CallRef = builder.objectRef<Call>('Call').implement({
  description: "A live call: one conversation (Asterisk's linkedid) with all its channels; a transfer keeps it one call",
  fields: (t) => ({
    id: t.exposeID('id', { description: "Asterisk's linkedid (call records carry it as linkedid)" }),
    direction: t.field({ type: CallDirectionEnum, resolve: (c) => c.direction }),
    state: t.field({ type: CallStateEnum, resolve: (c) => c.state }),
    caller: t.field({ type: CallPartyRef, resolve: (c) => c.caller }),
    callee: t.field({ type: CallPartyRef, description: 'Who answered last (after a transfer: the target), else the number dialled', resolve: (c) => c.callee }),
    did: t.exposeString('did', { nullable: true, description: 'The number dialled on the trunk (inbound calls)' }),
    trunk: t.exposeString('trunk', { nullable: true, description: 'The trunk it came in on (inbound) or went out on (outbound)' }),
    extensions: t.exposeStringList('extensions', { description: 'Every extension that took part, ringing included, in order of appearance' }),
    departments: t.exposeStringList('departments', { description: 'Numbers of the departments it passed through' }),
    queues: t.exposeStringList('queues', { description: 'Numbers of the queues it passed through' }),
    legs: t.field({ type: [CallLegRef], description: 'Its channels, ended ones included, in order of appearance', resolve: (c) => c.legs }),
    transferred: t.exposeBoolean('transferred', { description: 'Transferred at least once' }),
    startedAt: t.field({ type: 'DateTime', resolve: (c) => new Date(c.startedAt) }),
    answeredAt: t.field({ type: 'DateTime', nullable: true, description: 'When it first became ANSWERED', resolve: (c) => date(c.answeredAt) }),
    endedAt: t.field({ type: 'DateTime', nullable: true, resolve: (c) => date(c.endedAt) }),
    hangupCause: t.exposeInt('hangupCause', { nullable: true, description: 'Q.850 cause code of the leg whose end ended the call' }),
    hangupCauseText: t.exposeString('hangupCauseText', {
      nullable: true,
      description: 'The cause in words, as Asterisk says it (e.g. "Normal Clearing", "User busy"); also says when the end is unknown because Asterisk went away',
    }),
    version: t.exposeInt('version', { description: 'Grows with every change of this call: order what you see by it' }),
  }),
});

const CallEventRef = builder.objectRef<CallEventView>('CallEvent').implement({
  fields: (t) => ({
    kind: t.field({ type: CallEventKindEnum, resolve: (e) => e.kind }),
    call: t.field({ type: CallRef, description: 'The call as it is after the change', resolve: (e) => e.call }),
    at: t.field({ type: 'DateTime', description: 'When it happened (Asterisk’s time of the event)', resolve: (e) => new Date(e.at) }),
  }),
});

const CallFilterInput = builder.inputType('CallFilter', {
  description: 'Calls in which any of these extensions takes part, in any of these directions (each unset or empty: any)',
  fields: (t) => ({
    extensions: t.stringList({ required: false }),
    directions: t.field({ type: [CallDirectionEnum], required: false }),
  }),
});

builder.queryField('calls', (t) =>
  t.field({
    type: [CallRef],
    description: 'The calls in progress, oldest first. Needs calls:read; an extension user sees the calls it takes part in',
    authScopes: { authenticated: true },
    args: { filter: t.arg({ type: CallFilterInput, required: false }) },
    resolve: (_r, args, ctx) => {
      const watch = callWatch(ctx.principal, args.filter);
      return ctx.services.calls.directory.list().filter(watch.test);
    },
  }),
);

builder.queryField('call', (t) =>
  t.field({
    type: CallRef,
    nullable: true,
    description: 'A call in progress, or one that ended less than a minute ago; null when unknown (or not visible to an extension user)',
    authScopes: { authenticated: true },
    args: { id: t.arg.id({ description: "The call's id (Asterisk's linkedid)" }) },
    resolve: (_r, args, ctx) => {
      const watch = callWatch(ctx.principal, null);
      const call = ctx.services.calls.directory.get(String(args.id));
      return call && watch.test(call) ? call : null;
    },
  }),
);

builder.subscriptionField('callEvents', (t) =>
  t.field({
    type: CallEventRef,
    description:
      'The calls in progress first (kind CURRENT, one event each), then every event of a call (STARTED, RINGING, ANSWERED, HELD, UNHELD, TRANSFERRED, UPDATED, ENDED). A filter on extensions gets a call from the first event in which one of them takes part. Needs calls:read; an extension user gets the calls it takes part in',
    authScopes: { authenticated: true },
    args: { filter: t.arg({ type: CallFilterInput, required: false }) },
    subscribe: async function* (_r, args, ctx) {
      yield* callEvents(ctx.services.calls.events, ctx.services.calls.directory, callWatch(ctx.principal, args.filter), undefined, (source) => endsWithOperation(ctx, source));
    },
    resolve: (event) => event,
  }),
);
