/**
 * The event stream of a subscription that subscribers of the same document, variables and rights can
 * share (see src/server/shared-subscriptions.ts): `changes` is opened once for all of them, its events
 * already narrowed to what they watch, and each event is executed once for all; `current` is read for
 * each subscriber when it joins (after it is in, so no change falls in between) and sent to it first.
 *
 * A subscriber that falls behind gets conflated events: the latest of each `key`, or the events it has
 * not taken yet `merge`d into one.
 */
export type SharedStreamSpec<T> = {
  changes(): AsyncIterator<T>;
  current(): T[] | Promise<T[]>;
} & ({ key(payload: T): string; merge?: undefined } | { merge(older: T, newer: T): T; key?: undefined });

const specKey = Symbol('shared stream');

export type SharedStream<T> = AsyncIterable<T> & { readonly [specKey]: SharedStreamSpec<T> };

/** Iterated as it is (without the sharing plugin), it is the same stream for one subscriber, conflated by the bus. */
export function sharedStream<T>(spec: SharedStreamSpec<T>): SharedStream<T> {
  return { [specKey]: spec, [Symbol.asyncIterator]: () => alone(spec) };
}

export function sharedStreamSpec(source: unknown): SharedStreamSpec<unknown> | undefined {
  return typeof source === 'object' && source !== null && specKey in source ? (source as SharedStream<unknown>)[specKey] : undefined;
}

async function* alone<T>(spec: SharedStreamSpec<T>): AsyncGenerator<T> {
  const changes = spec.changes();
  try {
    for (const payload of await spec.current()) yield payload;
    while (true) {
      const next = await changes.next();
      if (next.done) return;
      yield next.value;
    }
  } finally {
    await changes.return?.();
  }
}

/** The events of `subscription` that pass `watched`. */
export function watchedChanges<T>(subscription: AsyncIterator<T>, watched: (payload: T) => boolean): AsyncIterator<T> {
  return {
    async next() {
      while (true) {
        const next = await subscription.next();
        if (next.done || watched(next.value)) return next;
      }
    },
    return: async () => (await subscription.return?.()) ?? { done: true, value: undefined },
  };
}
