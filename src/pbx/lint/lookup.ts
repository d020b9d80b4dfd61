import { nameMatches } from './patterns.js';
import type { Dialplan, DialplanContext, DialplanExtension, DialplanStep } from './types.js';

/**
 * Finding extensions the way pbx_find_extension() does with the default
 * (non-trie, extenpatternmatchnew=no) matcher: search the context's extensions
 * in their sorted order, then its includes depth first, each context at most
 * once per search. An extension that matches but lacks the wanted priority or
 * label does not stop the search; the next match is tried.
 */

export type SearchEntry = { context: DialplanContext; /** reached through a time-limited include */ timed: boolean };

export type Wanted = { priority: number } | { label: string };

export type FindResult = { found: true; extension: DialplanExtension; step: DialplanStep } | { found: false; missing: 'context' | 'extension' | 'priority' | 'label' };

export type FindOptions = {
  /**
   * Skip caller-id-specific extensions (`101/555`). Right when asking what every
   * caller reaches; wrong when asking whether a target can exist at all.
   */
  ignoreCallerIdMatches?: boolean;
};

export type Lookup = {
  dialplan: Dialplan;
  /** The dialled context first, then its includes, depth first, each once. */
  searchOrder(contextName: string): SearchEntry[];
  find(contextName: string, exten: string, wanted: Wanted, options?: FindOptions): FindResult;
  /** Every extension that answers `exten`, in the order Asterisk tries them. */
  candidates(contextName: string, exten: string, options?: FindOptions): DialplanExtension[];
};

export function createLookup(dialplan: Dialplan): Lookup {
  const orders = new Map<string, SearchEntry[]>();

  const searchOrder = (contextName: string): SearchEntry[] => {
    let order = orders.get(contextName);
    if (order) return order;
    order = [];
    const visited = new Set<string>();
    const pending: Array<{ name: string; timed: boolean }> = [{ name: contextName, timed: false }];
    while (pending.length) {
      const { name, timed } = pending.pop()!;
      const context = dialplan.contexts.get(name);
      if (!context || visited.has(name)) continue;
      visited.add(name);
      order.push({ context, timed });
      for (let i = context.includes.length - 1; i >= 0; i--) {
        const include = context.includes[i]!;
        pending.push({ name: include.context, timed: timed || include.timed });
      }
    }
    orders.set(contextName, order);
    return order;
  };

  const matchesIn = (context: DialplanContext, exten: string, options: FindOptions): DialplanExtension[] => {
    const explicit = context.explicitByKey.get(`=${exten.replaceAll('-', '')}`) ?? [];
    const all = [...explicit, ...context.patterns.filter((p) => nameMatches(p.compiled, exten))];
    return options.ignoreCallerIdMatches ? all.filter((e) => e.cid === undefined) : all;
  };

  const candidates = (contextName: string, exten: string, options: FindOptions = {}): DialplanExtension[] => searchOrder(contextName).flatMap((entry) => matchesIn(entry.context, exten, options));

  const find = (contextName: string, exten: string, wanted: Wanted, options: FindOptions = {}): FindResult => {
    if (!dialplan.contexts.has(contextName)) return { found: false, missing: 'context' };
    const matches = candidates(contextName, exten, options);
    for (const extension of matches) {
      const step = 'label' in wanted ? extension.byLabel.get(wanted.label) : extension.byPriority.get(wanted.priority);
      if (step) return { found: true, extension, step };
    }
    if (!matches.length) return { found: false, missing: 'extension' };
    return { found: false, missing: 'label' in wanted ? 'label' : 'priority' };
  };

  return { dialplan, searchOrder, find, candidates };
}

/** A Goto priority: a number, "+n"/"-n" relative to the current priority, or a label. */
export function wantedPriority(priority: string, currentPriority: number): Wanted {
  const relative = /^([+-])(\d+)$/.exec(priority);
  if (relative) return { priority: currentPriority + (relative[1] === '+' ? 1 : -1) * Number(relative[2]) };
  if (/^\d+$/.test(priority)) return { priority: Number(priority) };
  return { label: priority };
}

export function describeWanted(wanted: Wanted): string {
  return 'label' in wanted ? `label ${wanted.label}` : `priority ${wanted.priority}`;
}
