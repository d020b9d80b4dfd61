import { ANY_CHAR, EMPTY } from './charset.js';
import { isCovered, overlaps } from './coverage.js';
import { describeRef, issueAt } from './issues.js';
import type { Lookup } from './lookup.js';
import { accepts } from './patterns.js';
import type { DialplanContext, DialplanExtension, LintIssue } from './types.js';

/**
 * SHADOWED_PATTERN: a pattern that no dialled number can ever select.
 *
 * Asterisk tries a context's extensions in ext_cmp order (explicit names, then
 * patterns from most to least specific), then its includes depth first, and
 * takes the first that matches and has priority 1. So a pattern P is dead when
 * every string P matches is matched by something tried before it:
 *   (a) within its own context, by higher-ranked extensions there;
 *   (b) when its context is reached through `include` from context C, by
 *       anything C's search tries earlier (C itself, earlier includes), plus (a).
 * "Every string" is decided exactly, not by sampling: each name is a sequence of
 * character sets with an optional open tail, and coverage.ts decides whether P's
 * language lies inside the union of the earlier ones (a lazy subset construction
 * over the small automata). Only extensions that always answer can shadow: those
 * with priority 1, without a caller-id match, and not reached through a
 * time-limited include. A pattern already dead by (a) is not reported again by (b).
 */
export function checkShadowing(lookup: Lookup): LintIssue[] {
  const dead = new Set<DialplanExtension>();
  return [...deadWithinContexts(lookup, dead), ...deadThroughIncludes(lookup, dead)];
}

/** (a) Adds every pattern it reports to `dead`. */
function deadWithinContexts(lookup: Lookup, dead: Set<DialplanExtension>): LintIssue[] {
  const issues: LintIssue[] = [];
  for (const context of lookup.dialplan.contexts.values()) {
    context.extensions.forEach((pattern, index) => {
      if (!isCheckable(pattern)) return;
      const earlier = context.extensions.slice(0, index).filter((e) => alwaysAnswers(e) && intersects(pattern, e));
      if (
        !earlier.length ||
        !isCovered(
          pattern.compiled.language,
          earlier.map((e) => e.compiled.language),
        )
      )
        return;
      dead.add(pattern);
      issues.push(issueAt('SHADOWED_PATTERN', pattern.ref, `pattern can never be chosen: every number it matches is taken first by ${listShadowers(pattern, earlier)}`, context.name, pattern.name));
    });
  }
  return issues;
}

/** (b) One issue per pattern, naming every including context it is dead from. */
function deadThroughIncludes(lookup: Lookup, deadWithin: Set<DialplanExtension>): LintIssue[] {
  const deadFrom = new Map<DialplanExtension, { from: string[]; by: DialplanExtension[] }>();
  const overlapping = memoizedOverlaps(deadWithin);
  const covered = memoizedCoverage();
  for (const including of lookup.dialplan.contexts.values()) {
    if (!including.includes.length) continue;
    const searchedBefore: DialplanContext[] = [];
    lookup.searchOrder(including.name).forEach((entry, position) => {
      if (position > 0) {
        for (const pattern of entry.context.patterns) {
          if (deadWithin.has(pattern) || !isCheckable(pattern)) continue;
          const fromOthers = searchedBefore.flatMap((context) => overlapping(pattern, context));
          if (!fromOthers.length || !covered(pattern, [...fromOthers, ...overlapping(pattern, entry.context)])) continue;
          const record = deadFrom.get(pattern) ?? { from: [], by: fromOthers };
          record.from.push(including.name);
          deadFrom.set(pattern, record);
        }
      }
      if (!entry.timed) searchedBefore.push(entry.context);
    });
  }
  return [...deadFrom].map(([pattern, { from, by }]) =>
    issueAt(
      'SHADOWED_PATTERN',
      pattern.ref,
      `pattern is never chosen when [${pattern.context}] is reached by include from ${from.map((c) => `[${c}]`).join(', ')}: ` +
        `every number it matches is taken first by ${listShadowers(pattern, by)}`,
      pattern.context,
      pattern.name,
    ),
  );
}

function isCheckable(extension: DialplanExtension): boolean {
  const { compiled } = extension;
  return compiled.kind === 'pattern' && !compiled.error && extension.steps.length > 0 && compiled.language.positions.every((set) => (set & ANY_CHAR) !== EMPTY);
}

function alwaysAnswers(extension: DialplanExtension): boolean {
  return extension.cid === undefined && extension.byPriority.has(1) && !extension.compiled.error;
}

/**
 * The extensions of a context that always answer and share numbers with the
 * pattern; in the pattern's own context only those ranked before it. Cached,
 * as every context including the same ones asks the same questions.
 */
function memoizedOverlaps(dead: Set<DialplanExtension>) {
  const cache = new Map<DialplanExtension, Map<DialplanContext, DialplanExtension[]>>();
  return (pattern: DialplanExtension, context: DialplanContext): DialplanExtension[] => {
    const byContext = cache.get(pattern) ?? new Map<DialplanContext, DialplanExtension[]>();
    cache.set(pattern, byContext);
    let found = byContext.get(context);
    if (!found) {
      const own = context.name === pattern.context;
      const candidates = own ? context.extensions.slice(0, context.extensions.indexOf(pattern)) : context.extensions;
      found = candidates.filter((e) => alwaysAnswers(e) && !dead.has(e) && intersects(pattern, e));
      byContext.set(context, found);
    }
    return found;
  };
}

function memoizedCoverage() {
  const ids = new Map<DialplanExtension, number>();
  const idOf = (extension: DialplanExtension) => {
    let id = ids.get(extension);
    if (id === undefined) ids.set(extension, (id = ids.size));
    return id;
  };
  const results = new Map<string, boolean>();
  return (pattern: DialplanExtension, cover: DialplanExtension[]): boolean => {
    const key = `${idOf(pattern)}:${cover.map(idOf).join(',')}`;
    let result = results.get(key);
    if (result === undefined) {
      result = isCovered(
        pattern.compiled.language,
        cover.map((e) => e.compiled.language),
      );
      results.set(key, result);
    }
    return result;
  };
}

function intersects(pattern: DialplanExtension, other: DialplanExtension): boolean {
  if (other.compiled.kind === 'explicit') return accepts(pattern.compiled.language, other.compiled.key.slice(1));
  return overlaps(pattern.compiled.language, other.compiled.language);
}

/**
 * Names the shadowing extensions. When patterns alone cover, only a minimal set of
 * them (dropping later-searched ones first); otherwise patterns, then explicit names.
 */
function listShadowers(pattern: DialplanExtension, shadowers: DialplanExtension[]): string {
  const covers = (list: DialplanExtension[]) =>
    list.length > 0 &&
    isCovered(
      pattern.compiled.language,
      list.map((e) => e.compiled.language),
    );
  let patterns = shadowers.filter((e) => e.compiled.kind === 'pattern');
  if (!covers(patterns)) return listExtensions([...patterns, ...shadowers.filter((e) => e.compiled.kind === 'explicit')]);
  for (const candidate of [...patterns].reverse()) {
    const without = patterns.filter((e) => e !== candidate);
    if (covers(without)) patterns = without;
  }
  return listExtensions(patterns);
}

function listExtensions(extensions: DialplanExtension[]): string {
  const shown = extensions.slice(0, 5).map((e) => `${e.name} ([${e.context}] ${describeRef(e.ref)})`);
  const more = extensions.length > 5 ? ` and ${extensions.length - 5} more` : '';
  return shown.join(', ') + more;
}
