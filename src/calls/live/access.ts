import { can, type Principal } from '../../auth/permissions.js';
import { NotAuthenticatedError, NotPermittedError } from '../../errors.js';
import type { Call, CallDirection, CallDirectory, CallEvent } from '../contract.js';
import type { CallEventHub, CallWatch } from './event-hub.js';

/** Which calls a client asks for: any of these extensions took part, in one of these directions (unset or empty: any). */
export type CallFilter = { extensions?: readonly string[] | null; directions?: readonly CallDirection[] | null };

/** What a subscriber receives: the bus's events, after the calls in progress as CURRENT. */
export type CallEventView = Omit<CallEvent, 'kind'> & { kind: CallEvent['kind'] | 'CURRENT' };

export function matchesFilter(call: Call, filter: CallFilter | null | undefined): boolean {
  if (filter?.directions?.length && !filter.directions.includes(call.direction)) return false;
  if (filter?.extensions?.length && !filter.extensions.some((n) => call.extensions.includes(n))) return false;
  return true;
}

/**
 * The calls a principal may see, with its filter applied: with `calls:read`
 * every call; an extension user only the calls its number took part in
 * (asking for other extensions is refused). Throws NotPermittedError.
 */
export function callWatch(principal: Principal | null, filter: CallFilter | null | undefined): CallWatch {
  if (!principal) throw new NotAuthenticatedError();
  if (principal.kind === 'extension') {
    const own = principal.username;
    if (filter?.extensions?.some((n) => n !== own)) throw new NotPermittedError('An extension user sees only the calls it takes part in', ['filter', 'extensions']);
    return { extensions: [own], test: (call) => call.extensions.includes(own) && matchesFilter(call, filter) };
  }
  if (!can(principal, 'calls:read')) throw new NotPermittedError('Not permitted: calls (calls:read)');
  return { extensions: filter?.extensions?.length ? [...filter.extensions] : null, test: (call) => matchesFilter(call, filter) };
}

/**
 * A subscription's events: the calls in progress that it may see, each as a
 * CURRENT event, then every event of a call it may see, in order. It
 * subscribes before reading the calls, so nothing falls in between; events
 * no newer than a call's CURRENT one are passed over. A subscriber that falls
 * more than 1,000 events behind loses the oldest.
 */
export async function* callEvents(
  hub: CallEventHub,
  directory: CallDirectory,
  watch: CallWatch,
  now: () => Date = () => new Date(),
  ending: <I extends AsyncIterator<unknown>>(source: I) => I = (source) => source,
): AsyncGenerator<CallEventView> {
  const changes = ending(hub.subscribe(watch));
  try {
    const seen = new Map<string, number>();
    const at = now().toISOString();
    for (const call of directory.list()) {
      if (!watch.test(call)) continue;
      seen.set(call.id, call.version);
      yield { kind: 'CURRENT', call, at };
    }
    while (true) {
      const next = await changes.next();
      if (next.done) return;
      const event = next.value;
      const shown = seen.get(event.call.id);
      if (shown !== undefined) {
        if (event.call.version <= shown) continue;
        seen.delete(event.call.id);
      }
      yield event;
    }
  } finally {
    await changes.return?.();
  }
}
