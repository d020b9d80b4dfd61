import { can } from '../auth/permissions.js';
import { NotAuthenticatedError, NotPermittedError } from '../errors.js';
import type { InboundCall } from '../pbx/live/calls.js';
import { builder } from './builder.js';
import type { Context } from './context.js';
import { currentThenChanges } from './live.js';

/** The inbound calls Asterisk has now (the live state; the calls issue extends it to every call). */

const InboundCallStateEnum = builder.enumType('InboundCallState', {
  values: {
    RINGING: { description: 'Arriving: not answered yet (by a phone or the dialplan)' },
    ANSWERED: { description: 'Answered' },
    ENDED: { description: 'Ended (only in the last report of a call); also when Asterisk went away, in which case calls still up are reported again after it reconnects' },
  } as const,
});

const InboundCallRef = builder.objectRef<InboundCall>('InboundCall').implement({
  description: 'A call from a trunk, while it lasts',
  fields: (t) => ({
    channelId: t.exposeString('channelId', { description: "Asterisk's id of the trunk's channel (its uniqueid)" }),
    channelName: t.exposeString('channelName'),
    callerNumber: t.exposeString('callerNumber'),
    callerName: t.exposeString('callerName'),
    trunk: t.exposeString('trunk', { description: 'The name of the trunk the call came in on' }),
    did: t.exposeString('did', { description: 'The number the caller dialled (DID); empty until inbound routing has read it' }),
    state: t.field({ type: InboundCallStateEnum, resolve: (c) => (c.endedAt ? 'ENDED' : c.channelState === 'Up' ? 'ANSWERED' : 'RINGING') }),
    channelState: t.exposeString('channelState', { description: "Asterisk's channel state (Ring, Ringing, Up, …)" }),
    startedAt: t.field({ type: 'DateTime', resolve: (c) => new Date(c.startedAt) }),
    endedAt: t.field({ type: 'DateTime', nullable: true, resolve: (c) => (c.endedAt ? new Date(c.endedAt) : null) }),
  }),
});

/** Live call data: callers with calls:read (admins, operators, operator panels); not extension users. */
function assertMayWatch(ctx: Context): void {
  const p = ctx.principal;
  if (!p) throw new NotAuthenticatedError();
  if (p.kind === 'extension' || !can(p, 'calls:read')) throw new NotPermittedError('Not permitted: inbound calls');
}

builder.queryField('inboundCalls', (t) =>
  t.field({
    type: [InboundCallRef],
    description: 'The calls from trunks in progress, oldest first',
    authScopes: { authenticated: true },
    resolve: (_r, _a, ctx) => {
      assertMayWatch(ctx);
      return ctx.services.inboundCalls.list();
    },
  }),
);

builder.subscriptionField('inboundCallChanged', (t) =>
  t.field({
    type: InboundCallRef,
    description: 'Each inbound call in progress first, then every call that starts, changes state or ends',
    authScopes: { authenticated: true },
    subscribe: (_r, _a, ctx) => {
      assertMayWatch(ctx);
      return currentThenChanges(
        ctx,
        'inboundCall',
        () => ctx.services.inboundCalls.list(),
        () => true,
      );
    },
    resolve: (call) => call,
  }),
);
