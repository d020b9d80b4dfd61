import { ANY_CHAR, EMPTY, type CharSet } from './charset.js';
import type { Language } from './patterns.js';

// Module-local copies: bundlers turn imported bindings into property reads, which this hot loop feels.
const ANY = ANY_CHAR;
const NONE = EMPTY;

/**
 * Set algebra on extension languages. Every extension name denotes a language of a
 * simple shape: a fixed sequence of character sets, then either nothing, '.' (one
 * or more of anything) or '!' (zero or more). See patterns.ts.
 */

function lengthRange(language: Language): { min: number; max: number } {
  const n = language.positions.length;
  if (language.tail === 'none') return { min: n, max: n };
  return { min: language.tail === 'dot' ? n + 1 : n, max: Infinity };
}

function setAt(language: Language, index: number): CharSet {
  return index < language.positions.length ? language.positions[index]! : ANY_CHAR;
}

/**
 * Whether some dialled string is in both languages. For a fixed length L the
 * strings of a language form a product of per-position sets, so the two meet at
 * length L iff every position's sets meet; positions past both fixed parts are
 * ANY on both sides, so the shortest common length decides.
 */
export function overlaps(a: Language, b: Language): boolean {
  const ra = lengthRange(a);
  const rb = lengthRange(b);
  const length = Math.max(ra.min, rb.min);
  if (length > ra.max || length > rb.max) return false;
  for (let i = 0; i < length; i++) {
    if ((setAt(a, i) & setAt(b, i) & ANY_CHAR) === EMPTY) return false;
  }
  return true;
}

/**
 * Whether every string of `target` is in at least one of `cover` (language
 * inclusion in a union), decided exactly.
 *
 * Each language is a small automaton: state j (0..n) after j characters, plus a
 * LOOP state for an open tail. We walk `target`'s automaton together with the
 * subset of `cover` states that can be active after the same input (a subset
 * construction done lazily). At each step `target`'s character set is split into
 * classes on which every active cover state behaves the same, so one successor
 * per class suffices. `target` is covered iff no reachable combination has
 * `target` accepting while no cover state accepts, and no class leaves the cover
 * set empty (every target state can still reach acceptance, as sets are never
 * empty). The number of combinations is finite, so the walk ends.
 */
export function isCovered(target: Language, cover: readonly Language[]): boolean {
  if (cover.length === 0) return false;
  const stride = Math.max(target.positions.length, ...cover.map((c) => c.positions.length)) + 2;
  const loopOf = (language: Language) => language.positions.length + 1;

  const accepting = (language: Language, state: number): boolean => {
    const n = language.positions.length;
    if (state === loopOf(language)) return true;
    return state === n && language.tail !== 'dot';
  };
  const outgoing = (language: Language, state: number): CharSet | undefined => {
    const n = language.positions.length;
    if (state < n) return language.positions[state]!;
    return language.tail === 'none' ? undefined : ANY;
  };
  const successor = (language: Language, state: number): number => (state < language.positions.length ? state + 1 : loopOf(language));

  const start = cover.map((_, index) => index * stride);
  const queue: Array<{ state: number; cover: number[] }> = [{ state: 0, cover: start }];
  const seen = new Set<string>([`0|${start.join(',')}`]);

  while (queue.length) {
    const { state, cover: active } = queue.pop()!;
    const coverAccepts = active.some((encoded) => accepting(cover[Math.floor(encoded / stride)]!, encoded % stride));
    if (accepting(target, state) && !coverAccepts) return false;

    const targetSet = outgoing(target, state);
    if (targetSet === undefined) continue;
    const nextState = successor(target, state);

    // Group the active cover states by the set they move on: few distinct sets, possibly many states.
    const successorsBySet = new Map<CharSet, number[]>();
    for (const encoded of active) {
      const index = Math.floor(encoded / stride);
      const set = outgoing(cover[index]!, encoded % stride);
      if (set === undefined) continue;
      const group = successorsBySet.get(set) ?? [];
      group.push(index * stride + successor(cover[index]!, encoded % stride));
      successorsBySet.set(set, group);
    }
    let classes: CharSet[] = [targetSet & ANY];
    for (const split of successorsBySet.keys()) {
      classes = classes.flatMap((cls) => {
        const inside = cls & split;
        return inside === NONE || inside === cls ? [cls] : [inside, cls ^ inside];
      });
    }

    for (const cls of classes) {
      const next = new Set<number>();
      for (const [set, successors] of successorsBySet) {
        if ((set & cls) !== NONE) for (const encoded of successors) next.add(encoded);
      }
      if (next.size === 0) return false;
      const nextCover = [...next].sort((x, y) => x - y);
      const key = `${nextState}|${nextCover.join(',')}`;
      if (!seen.has(key)) {
        seen.add(key);
        queue.push({ state: nextState, cover: nextCover });
      }
    }
  }
  return true;
}
