/**
 * The dialplan patterns that match exactly the numbers of a range: every
 * number from `start` to `end` with their number of digits, and nothing else
 * (no shorter, longer or other number). The classic split of an interval into
 * aligned blocks: a shared leading digit is kept, the partial blocks at both
 * ends are split further, and the full blocks between them become one digit
 * class followed by X's. `100`–`899` is `_[1-8]XX`; `105`–`899` is `_10[5-9]`,
 * `_1[1-9]X`, `_[2-8]XX`. At most 2·(digits−1)+1 patterns, none overlapping,
 * and the fewest of this shape (literal digits, one class, then X's). Patterns
 * with classes in several places can sometimes do with fewer for a range
 * whose ends are not aligned (`01`–`20`: `_[01][1-9]` and `_[12]0`); the
 * ranges of a numbering plan are aligned in practice, and one block more
 * costs nothing at call time.
 */
export function rangePatterns(start: string, end: string): string[] {
  if (!/^\d+$/.test(start) || !/^\d+$/.test(end) || start.length !== end.length) throw new Error(`range ${start}–${end}: both ends must be digits of the same length`);
  if (start > end) throw new Error(`range ${start}–${end}: the end is below the start`);
  return cover(start, end).map((positions) => `_${positions.join('')}`);
}

/** Patterns as lists of positions (a digit, X or a class) covering exactly lo..hi, both of one length. */
function cover(lo: string, hi: string): string[][] {
  if (!lo.length) return [[]];
  const rest = lo.length - 1;
  if (lo[0] === hi[0]) return cover(lo.slice(1), hi.slice(1)).map((p) => [lo[0]!, ...p]);
  let low = Number(lo[0]);
  let high = Number(hi[0]);
  const patterns: string[][] = [];
  // A partial block at the start: its leading digit with the tail from lo's tail up to all nines.
  if (lo.slice(1) !== '0'.repeat(rest)) {
    patterns.push(...cover(lo.slice(1), '9'.repeat(rest)).map((p) => [String(low), ...p]));
    low++;
  }
  const upper: string[][] = [];
  if (hi.slice(1) !== '9'.repeat(rest)) {
    upper.push(...cover('0'.repeat(rest), hi.slice(1)).map((p) => [String(high), ...p]));
    high--;
  }
  if (low <= high) patterns.push([digitClass(low, high), ...Array<string>(rest).fill('X')]);
  return [...patterns, ...upper];
}

function digitClass(low: number, high: number): string {
  if (low === high) return String(low);
  if (low === 0 && high === 9) return 'X';
  return `[${low}-${high}]`;
}
