import { NotPermittedError } from '../errors.js';
import { can, refusal } from '../auth/permissions.js';
import type { ExtensionStatus, LiveContact } from '../pbx/live/status.js';
import { builder } from './builder.js';
import { namedType, tableValue } from './runtime-types.js';
import { endsWithOperation, type Context } from './context.js';
import type { BusTopic, BusTopics } from '../events/bus.js';
import { sharedStream, watchedChanges } from './shared-stream.js';

/**
 * A state subscription: the current state of each watched key first, then
 * every change of a watched one (conflated per key by the bus). It subscribes
 * before reading the current state, so no change falls in between.
 */
export async function* currentThenChanges<T extends BusTopic>(
  ctx: Context,
  topic: T,
  current: () => BusTopics[T][] | Promise<BusTopics[T][]>,
  watched: (payload: BusTopics[T]) => boolean,
): AsyncGenerator<BusTopics[T]> {
  const changes = endsWithOperation(ctx, ctx.services.bus.subscribe(topic));
  try {
    for (const state of await current()) yield state;
    while (true) {
      const next = await changes.next();
      if (next.done) return;
      if (watched(next.value)) yield next.value;
    }
  } finally {
    await changes.return?.();
  }
}

const ExtensionStateEnum = builder.enumType('ExtensionState', {
  description: 'F-3.2',
  values: {
    ONLINE: { description: 'Registered and idle' },
    RINGING: { description: 'Ringing' },
    BUSY: { description: 'In a call' },
    OFFLINE: { description: 'Not registered' },
    UNAVAILABLE: { description: 'Disabled, unknown to Asterisk, or Asterisk not connected' },
  } as const,
});

const ContactRef = builder.objectRef<LiveContact>('RegisteredContact').implement({
  fields: (t) => ({
    uri: t.exposeString('uri'),
    ip: t.exposeString('ip', { nullable: true }),
    port: t.exposeInt('port', { nullable: true }),
    status: t.exposeString('status', { description: 'Reachable, Unreachable, NonQualified, Unknown' }),
    latencyMs: t.float({ nullable: true, description: 'Round-trip time of the last qualify', resolve: (c) => (c.roundTripUsec === null ? null : c.roundTripUsec / 1000) }),
    userAgent: t.exposeString('userAgent', { nullable: true }),
  }),
});

const ExtensionStatusRef = builder.objectRef<ExtensionStatus>('ExtensionStatus').implement({
  fields: (t) => ({
    number: t.exposeString('number'),
    state: t.field({ type: ExtensionStateEnum, resolve: (s) => s.state }),
    contacts: t.field({ type: [ContactRef], resolve: (s) => s.contacts }),
    extension: t.field({ type: namedType('Extension'), nullable: true, resolve: async (s, _a, ctx) => tableValue(await ctx.loaders.extensionByNumber.load(s.number)) }),
  }),
});

type Counts = { total: number; online: number; offline: number; inCall: number; ringing: number; unavailable: number };
const CountsRef = builder.objectRef<Counts>('ExtensionStatusCounts').implement({
  fields: (t) => ({
    total: t.exposeInt('total'),
    online: t.exposeInt('online'),
    offline: t.exposeInt('offline'),
    inCall: t.exposeInt('inCall'),
    ringing: t.exposeInt('ringing'),
    unavailable: t.exposeInt('unavailable'),
  }),
});

type Board = { asteriskConnected: boolean; counts: Counts; statuses: ExtensionStatus[] };
const BoardRef = builder.objectRef<Board>('ExtensionStatusBoard').implement({
  description: 'The status page (F-3.2)',
  fields: (t) => ({
    asteriskConnected: t.exposeBoolean('asteriskConnected'),
    counts: t.field({ type: CountsRef, resolve: (b) => b.counts }),
    statuses: t.field({ type: [ExtensionStatusRef], resolve: (b) => b.statuses }),
  }),
});

/**
 * The numbers a caller may watch: all with extensions:read, its own for an extension user.
 * `all` lists every extension: from the database, or (for subscriptions, which start by the thousand)
 * the configured ones the live service follows, which are the ones it publishes changes of.
 */
async function visibleNumbers(ctx: Context, requested: string[] | null | undefined, all: () => string[] | Promise<string[]>): Promise<string[]> {
  const p = ctx.principal;
  if (p?.kind === 'extension') {
    const own = p.username;
    if (requested && requested.some((n) => n !== own)) throw new NotPermittedError('An extension user may watch only its own extension');
    return [own];
  }
  if (!can(p, 'extensions:read')) throw refusal(p, 'Not permitted: extension status');
  if (requested?.length) return requested;
  return all();
}

async function everyExtension(ctx: Context): Promise<string[]> {
  const rows = await ctx.services.db.prisma.extension.findMany({ select: { number: true }, orderBy: { number: 'asc' } });
  return rows.map((r) => r.number);
}

/** What a status subscription watches: its numbers, and a filter of changes (none when it watches every extension). */
async function watchedNumbers(ctx: Context, requested: string[] | null | undefined) {
  const numbers = await visibleNumbers(ctx, requested, () => ctx.services.live.configuredNumbers());
  const only = requested?.length || ctx.principal?.kind === 'extension' ? new Set(numbers) : null;
  return { numbers, watched: (status: ExtensionStatus) => !only || only.has(status.number) };
}

builder.queryField('extensionStatuses', (t) =>
  t.field({
    type: BoardRef,
    authScopes: { authenticated: true },
    args: { numbers: t.arg.stringList({ required: false, description: 'Only these extensions' }) },
    resolve: async (_r, args, ctx) => {
      const statuses = (await visibleNumbers(ctx, args.numbers, () => everyExtension(ctx))).map((n) => ctx.services.live.status(n));
      const count = (state: string) => statuses.filter((s) => s.state === state).length;
      return {
        asteriskConnected: ctx.services.live.asteriskConnected,
        statuses,
        counts: { total: statuses.length, online: count('ONLINE'), offline: count('OFFLINE'), inCall: count('BUSY'), ringing: count('RINGING'), unavailable: count('UNAVAILABLE') },
      };
    },
  }),
);

builder.subscriptionField('extensionStatusChanged', (t) =>
  t.field({
    type: ExtensionStatusRef,
    description: 'The current status of each watched extension first, then every change. An extension user may watch only its own.',
    authScopes: { authenticated: true },
    args: { numbers: t.arg.stringList({ required: false, description: 'Watch only these (default: all the caller may see)' }) },
    subscribe: async (_r, args, ctx) => {
      const { numbers, watched } = await watchedNumbers(ctx, args.numbers);
      return sharedStream({
        changes: () => watchedChanges(ctx.services.bus.subscribe('extensionStatus'), watched),
        current: () => numbers.map((n) => ctx.services.live.status(n)),
        key: (status) => status.number,
      });
    },
    resolve: (status) => status,
  }),
);

type StatusBatch = { snapshot: boolean; statuses: ExtensionStatus[] };
const StatusBatchRef = builder.objectRef<StatusBatch>('ExtensionStatusBatch').implement({
  description: 'Extension statuses in one message: all the watched ones (snapshot), or the ones that changed since the last message',
  fields: (t) => ({
    snapshot: t.exposeBoolean('snapshot', { description: 'True for the first message, which holds every watched extension' }),
    statuses: t.field({ type: [ExtensionStatusRef], resolve: (b) => b.statuses }),
  }),
});

/**
 * The watched changes in batches: all that are waiting when the next batch is
 * asked for go together, the latest state of each extension only.
 */
function batchedChanges(changes: AsyncIterableIterator<ExtensionStatus> & { pending(): number }, watched: (status: ExtensionStatus) => boolean): AsyncIterator<StatusBatch> {
  return {
    async next() {
      while (true) {
        const next = await changes.next();
        if (next.done) return next;
        const batch = new Map<string, ExtensionStatus>();
        if (watched(next.value)) batch.set(next.value.number, next.value);
        while (changes.pending() > 0) {
          const more = await changes.next();
          if (more.done) break;
          if (watched(more.value)) batch.set(more.value.number, more.value);
        }
        if (batch.size) return { done: false, value: { snapshot: false, statuses: [...batch.values()] } };
      }
    },
    async return() {
      await changes.return?.();
      return { done: true, value: undefined };
    },
  };
}

/** Two batches a subscriber has not taken yet, as one: the latest state of each extension. */
function mergeBatches(older: StatusBatch, newer: StatusBatch): StatusBatch {
  const statuses = new Map(older.statuses.map((s) => [s.number, s]));
  for (const s of newer.statuses) {
    statuses.delete(s.number);
    statuses.set(s.number, s);
  }
  return { snapshot: false, statuses: [...statuses.values()] };
}

/**
 * The snapshot of `numbers`: the same object while none of the statuses
 * changed, so that subscribers starting together share its execution and its
 * serialisation. The list of every extension is one array while it stays the
 * same; other lists are told apart by their numbers.
 */
type Snapshot = { version: number; batch: StatusBatch };
const snapshots = new WeakMap<object, { every: WeakMap<string[], Snapshot>; lists: Map<string, Snapshot> }>();
function snapshotOf(ctx: Context, numbers: string[]): StatusBatch {
  const live = ctx.services.live;
  let memo = snapshots.get(live);
  if (!memo) snapshots.set(live, (memo = { every: new WeakMap(), lists: new Map() }));
  const version = live.statusVersion();
  const every = numbers === live.configuredNumbers();
  const key = every ? '' : numbers.join(',');
  const previous = every ? memo.every.get(numbers) : memo.lists.get(key);
  if (previous?.version === version) return previous.batch;
  const snapshot = { version, batch: { snapshot: true, statuses: numbers.map((n) => live.status(n)) } };
  if (every) memo.every.set(numbers, snapshot);
  else {
    // The lists of the callers subscribing about now, a few at a time.
    if (memo.lists.size >= 64) memo.lists.clear();
    memo.lists.set(key, snapshot);
  }
  return snapshot.batch;
}

builder.subscriptionField('extensionStatusUpdates', (t) =>
  t.field({
    type: StatusBatchRef,
    description:
      'The status of every watched extension in one first message (snapshot: true), then the changes in batches (the latest state of each extension that changed). The efficient way to follow many extensions; extensionStatusChanged sends one message per extension. An extension user may watch only its own.',
    authScopes: { authenticated: true },
    args: { numbers: t.arg.stringList({ required: false, description: 'Watch only these (default: all the caller may see)' }) },
    subscribe: async (_r, args, ctx) => {
      const { numbers, watched } = await watchedNumbers(ctx, args.numbers);
      return sharedStream({
        changes: () => batchedChanges(ctx.services.bus.subscribe('extensionStatus'), watched),
        current: () => [snapshotOf(ctx, numbers)],
        merge: mergeBatches,
      });
    },
    resolve: (batch) => batch,
  }),
);
