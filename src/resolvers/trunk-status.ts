import { can, refusal } from '../auth/permissions.js';
import type { TrunkStatus } from '../pbx/live/trunk-status.js';
import { builder } from './builder.js';
import type { Context } from './context.js';
import { trunkGlobalId, TrunkKindEnum, TrunkModeEnum } from './trunks.js';
import { currentThenChanges } from './live.js';

/** Live SIP/IAX trunk status (F-3.3.a). */

const TrunkStateEnum = builder.enumType('TrunkState', {
  description: 'F-3.3.a',
  values: {
    REGISTERED: { description: 'CLIENT: registered with the provider (or, with no registration, its server answers). SERVER: the peer is registered (or known by address) and reachable' },
    UNREGISTERED: { description: 'Not registered (yet); SERVER: no peer contact. Also while Asterisk is not connected' },
    REJECTED: { description: 'The registration was refused (wrong credentials, or refused by the far end); see lastFailureReason' },
    UNREACHABLE: { description: 'The far end does not answer (registration timeout, or qualify timeout)' },
    DISABLED: { description: 'The trunk is disabled (Asterisk is not asked)' },
  } as const,
});

const TrunkStatusRef = builder.objectRef<TrunkStatus>('TrunkStatus').implement({
  description: 'Live status of a SIP or IAX trunk (F-3.3.a)',
  fields: (t) => ({
    trunkId: t.id({ description: 'Global ID of the trunk', resolve: (s) => trunkGlobalId(s.kind, s.trunkId) }),
    name: t.exposeString('name'),
    kind: t.field({ type: TrunkKindEnum, resolve: (s) => s.kind }),
    mode: t.field({ type: TrunkModeEnum, resolve: (s) => s.mode }),
    status: t.field({ type: TrunkStateEnum, resolve: (s) => s.status }),
    latencyMs: t.exposeFloat('latencyMs', { nullable: true, description: 'Round-trip time of the last qualify (SIP OPTIONS, IAX2 POKE), ms; null when unknown' }),
    serverAddress: t.exposeString('serverAddress', { nullable: true, description: "CLIENT: the server's host:port; SERVER: the peer's address when known" }),
    peerContact: t.exposeString('peerContact', { nullable: true, description: "SERVER mode: the peer's contact (SIP contact URI, IAX2 host:port)" }),
    lastFailureReason: t.exposeString('lastFailureReason', { nullable: true, description: 'Why the trunk last failed (kept after it recovers)' }),
    changedAt: t.field({ type: 'DateTime', description: 'When this status last changed', resolve: (s) => new Date(s.changedAt) }),
  }),
});

function assertMayRead(ctx: Context): void {
  if (!can(ctx.principal, 'settings:read')) throw refusal(ctx.principal, 'Not permitted: trunk status');
}

builder.queryField('trunkStatuses', (t) =>
  t.field({
    type: [TrunkStatusRef],
    description: 'The live status of every SIP and IAX trunk (or of those named), in name order',
    authScopes: { authenticated: true },
    args: { names: t.arg.stringList({ required: false, description: 'Only these trunks' }) },
    resolve: (_r, args, ctx) => {
      assertMayRead(ctx);
      return ctx.services.live.trunks.list(args.names);
    },
  }),
);

builder.subscriptionField('trunkStatusChanged', (t) =>
  t.field({
    type: TrunkStatusRef,
    description: 'The current status of each watched trunk first, then every change',
    authScopes: { authenticated: true },
    args: { names: t.arg.stringList({ required: false, description: 'Watch only these (default: all)' }) },
    subscribe: (_r, args, ctx) => {
      assertMayRead(ctx);
      const names = args.names?.length ? new Set(args.names) : null;
      return currentThenChanges(
        ctx,
        'trunkStatus',
        () => ctx.services.live.trunks.list(args.names),
        (status) => !names || names.has(status.name),
      );
    },
    resolve: (status) => status,
  }),
);
