/**
 * Sets of characters as bit masks (bit n = character code n, 0..255), the unit
 * Asterisk's pattern matcher works in. bigint keeps them immutable and hashable.
 */
export type CharSet = bigint;

export const EMPTY: CharSet = 0n;

export function charSet(code: number): CharSet {
  return 1n << BigInt(code);
}

export function rangeSet(from: number, to: number): CharSet {
  if (to < from) return EMPTY;
  return ((1n << BigInt(to - from + 1)) - 1n) << BigInt(from);
}

export const DIGITS = rangeSet(48, 57); // X
export const NONZERO_DIGITS = rangeSet(49, 57); // Z
export const DIGITS_2_TO_9 = rangeSet(50, 57); // N

/**
 * What one character of a dialled string can be. NUL ends a C string and '-' is
 * skipped by the matcher ("eye candy fluff"), so neither is ever compared.
 */
export const ANY_CHAR: CharSet = rangeSet(1, 255) & ~charSet(45);

export function hasChar(set: CharSet, code: number): boolean {
  return ((set >> BigInt(code)) & 1n) === 1n;
}

export function size(set: CharSet): number {
  let count = 0;
  for (let rest = set; rest !== 0n; rest &= rest - 1n) count++;
  return count;
}

export function lowestChar(set: CharSet): number {
  for (let code = 0; code < 256; code++) if (hasChar(set, code)) return code;
  return -1;
}

/** Asterisk orders two same-sized sets by the lowest character only one of them holds: that set goes first. */
export function compareSameSizeSets(left: CharSet, right: CharSet): number {
  const differing = left ^ right;
  if (differing === 0n) return 0;
  return hasChar(left, lowestChar(differing)) ? -1 : 1;
}
