import { describe, expect, it } from 'vitest';
import { rangePatterns } from '../../src/extensions/range-patterns.js';
import { compileName, nameMatches } from '../../src/pbx/lint/patterns.js';

/**
 * The patterns of a range must match exactly its numbers, by Asterisk's own
 * matching rules (the dialplan check's matcher, src/pbx/lint/patterns.ts),
 * and be as few as prefix-and-class patterns can be.
 */

const pad = (n: number, width: number) => String(n).padStart(width, '0');

function matcher(start: string, end: string): (dialled: string) => boolean {
  const names = rangePatterns(start, end).map(compileName);
  for (const name of names) expect(name.error, `${name.key}`).toBeUndefined();
  return (dialled) => names.some((n) => nameMatches(n, dialled));
}

/** Every number of the width is matched exactly when it is inside the range; no shorter or longer number is. */
function expectExact(start: string, end: string): void {
  const width = start.length;
  const matches = matcher(start, end);
  const wrong: string[] = [];
  for (let n = 0; n < 10 ** width; n++) {
    const number = pad(n, width);
    if (matches(number) !== (number >= start && number <= end)) wrong.push(number);
  }
  for (const other of [start.slice(1), `${start}0`, end.slice(1), `${end}9`, '', '*1', `${start.slice(0, -1)}#`]) if (other && matches(other)) wrong.push(other);
  expect(wrong, `${start}–${end}: ${rangePatterns(start, end).join(' ')}`).toEqual([]);
}

/** The fewest patterns among `candidates` (sets of numbers inside the range) whose union is the range. */
function fewest(range: number[], candidates: Set<number>[]): number {
  const covers = (chosen: Set<number>[]) => range.every((n) => chosen.some((c) => c.has(n)));
  for (let k = 1; k <= candidates.length; k++) {
    const choose = (from: number, left: number, chosen: Set<number>[]): boolean =>
      left === 0 ? covers(chosen) : candidates.slice(from).some((c, i) => choose(from + i + 1, left - 1, [...chosen, c]));
    if (choose(0, k, [])) return k;
  }
  throw new Error('no cover');
}

const digitsOf = (keep: (d: number) => boolean) => [...Array(10).keys()].filter(keep);
/** The maximal runs of consecutive digits in a list. */
function runs(list: number[]): number[][] {
  const out: number[][] = [];
  for (const d of list) {
    const last = out.at(-1);
    if (last && last.at(-1) === d - 1) last.push(d);
    else out.push([d]);
  }
  return out;
}

/**
 * Two-digit ranges by brute force over the maximal patterns inside them:
 * `prefixForm` (a digit class then X, or a digit then a class: the shape
 * rangePatterns makes) and any products of digit sets (a maximal one's
 * second-digit set is an intersection of rows, its first digits every row
 * that holds it).
 */
function twoDigitMinimums(start: number, end: number): { prefixForm: number; any: number } {
  const inRange = (n: number) => n >= start && n <= end;
  const rowOf = (first: number) => digitsOf((d) => inRange(first * 10 + d));
  const firsts = digitsOf((f) => rowOf(f).length > 0);
  const range = [...Array(100).keys()].filter(inRange);
  const product = (heads: number[], tails: number[]) => new Set(heads.flatMap((f) => tails.map((d) => f * 10 + d)));
  const prefixForm = [
    ...runs(firsts.filter((f) => rowOf(f).length === 10)).map((heads) =>
      product(
        heads,
        digitsOf(() => true),
      ),
    ),
    ...firsts.flatMap((f) => runs(rowOf(f)).map((tails) => product([f], tails))),
  ];
  const rows = [...new Set(firsts.map((f) => rowOf(f).join(',')))].map((r) => r.split(',').map(Number));
  const any: Set<number>[] = [];
  for (let mask = 1; mask < 1 << rows.length; mask++) {
    const tails = rows.filter((_, i) => mask & (1 << i)).reduce((a, b) => a.filter((d) => b.includes(d)));
    if (tails.length)
      any.push(
        product(
          firsts.filter((f) => tails.every((d) => inRange(f * 10 + d))),
          tails,
        ),
      );
  }
  return { prefixForm: fewest(range, prefixForm), any: fewest(range, any) };
}

describe('rangePatterns: the patterns of a user extension range', () => {
  it('writes the usual ranges as Asterisk patterns', () => {
    expect(rangePatterns('100', '899')).toEqual(['_[1-8]XX']);
    expect(rangePatterns('1000', '8999')).toEqual(['_[1-8]XXX']);
    expect(rangePatterns('105', '899')).toEqual(['_10[5-9]', '_1[1-9]X', '_[2-8]XX']);
    expect(rangePatterns('100', '100')).toEqual(['_100']);
    expect(rangePatterns('00', '99')).toEqual(['_XX']);
    expect(rangePatterns('10', '19')).toEqual(['_1X']);
    expect(rangePatterns('15', '24')).toEqual(['_1[5-9]', '_2[0-4]']);
    expect(rangePatterns('0400', '0435')).toEqual(['_04[0-2]X', '_043[0-5]']);
    expect(rangePatterns('2000', '2000')).toEqual(['_2000']);
    expect(rangePatterns('00000000000', '99999999999')).toEqual(['_XXXXXXXXXXX']);
  });

  it('refuses what is not a range: unequal lengths, an end below the start, non-digits', () => {
    expect(() => rangePatterns('100', '1000')).toThrow(/same length/);
    expect(() => rangePatterns('899', '100')).toThrow(/below the start/);
    expect(() => rangePatterns('1a0', '199')).toThrow(/digits/);
  });

  it('every two-digit range: exactly its numbers, with the fewest patterns of its shape, at most one more than any patterns could do', () => {
    let saved = 0;
    for (let start = 0; start < 100; start++) {
      for (let end = start; end < 100; end++) {
        expectExact(pad(start, 2), pad(end, 2));
        const count = rangePatterns(pad(start, 2), pad(end, 2)).length;
        const least = twoDigitMinimums(start, end);
        expect(count, `${start}–${end}`).toBe(least.prefixForm);
        expect(count - least.any, `${start}–${end}`).toBeLessThanOrEqual(1);
        if (count > least.any) saved++;
      }
    }
    // Unaligned ends only, such as 01–20 (documented in rangePatterns).
    expect(twoDigitMinimums(1, 20)).toEqual({ prefixForm: 3, any: 2 });
    expect(saved).toBeGreaterThan(0);
  });

  it('three-digit ranges at every boundary shape, and a sample of four-digit ones: exactly their numbers', () => {
    const ends = [0, 1, 9, 10, 99, 100, 101, 109, 110, 199, 200, 450, 455, 499, 500, 889, 890, 898, 899, 900, 990, 998, 999];
    for (const a of ends) for (const b of ends) if (a <= b) expectExact(pad(a, 3), pad(b, 3));
    let seed = 12345;
    const random = (below: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % below;
    for (let i = 0; i < 40; i++) {
      const a = random(10_000);
      const b = a + random(10_000 - a);
      expectExact(pad(a, 4), pad(b, 4));
    }
  });

  it('at most 2·(digits−1)+1 patterns, up to 11 digits, and the ends and their neighbours fall on the right side', () => {
    const cases: [string, string][] = [
      ['10000000000', '89999999999'],
      ['12345678901', '98765432109'],
      ['00000000001', '99999999998'],
      ['55555555555', '55555555555'],
      ['123456', '123499'],
      ['999998', '999999'],
    ];
    for (const [start, end] of cases) {
      const patterns = rangePatterns(start, end);
      expect(patterns.length, `${start}–${end}: ${patterns.join(' ')}`).toBeLessThanOrEqual(2 * (start.length - 1) + 1);
      const matches = matcher(start, end);
      const step = (n: string, by: number) => pad(Number(n) + by, n.length);
      expect([matches(start), matches(end)]).toEqual([true, true]);
      if (Number(start) > 0) expect(matches(step(start, -1))).toBe(false);
      if (Number(end) < 10 ** end.length - 1) expect(matches(step(end, 1))).toBe(false);
      if (end > start) expect(matches(step(start, Math.floor((Number(end) - Number(start)) / 2)))).toBe(true);
      expect(matches(start.slice(1)) || matches(`${end}0`)).toBe(false);
    }
  });
});
