import { DIGITS } from '../pbx/lint/charset.js';
import { overlaps } from '../pbx/lint/coverage.js';
import { accepts, compileName, type Language } from '../pbx/lint/patterns.js';

/**
 * Dial-rule prefixes and patterns (F-4.3.2.a), held to a strict subset of
 * Asterisk's pattern language so that what is written is what Asterisk
 * matches: X Z N (upper case), digits, * and #, sets like [1-5*] and one
 * `.` or `!` at the end. Anything Asterisk reads differently from how it
 * looks is refused with the reason.
 */

export const prefixPattern = /^[0-9*#]{0,10}$/;
export const prefixRule = 'Digits, * and # only, at most 10; removed before the number is sent';
export const patternRule =
  'An Asterisk pattern: digits, * and #, X (0-9), Z (1-9), N (2-9), a set like [1-5*], and one . (one or more more characters) or ! (zero or more) at the end only; at most 40 characters';
export const prependPattern = /^\+?[0-9*#]{0,20}$/;
export const prependRule = 'Digits, * and # with an optional leading +, at most 20; added in front of the number sent';

/** Why Asterisk would not read `pattern` as written, or null when it is fine. */
export function patternProblem(pattern: string): string | null {
  if (!pattern.length) return 'required';
  if (pattern.length > 40) return 'at most 40 characters';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (/[0-9*#XZN]/.test(ch)) continue;
    if (ch === '.' || ch === '!') {
      if (i !== pattern.length - 1) return `'${ch}' must be the last character: Asterisk never compares what follows it`;
      continue;
    }
    if (ch === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) return `'[' at position ${i + 1} is never closed`;
      const body = pattern.slice(i + 1, end);
      if (!body.length) return `empty brackets at position ${i + 1}: Asterisk ignores them, so they match nothing`;
      const problem = setProblem(body);
      if (problem) return `[${body}]: ${problem}`;
      i = end;
      continue;
    }
    if (/[xzn]/.test(ch)) return `lower-case ${ch}: write ${ch.toUpperCase()} (Asterisk reads both as the wildcard, which is easy to misread)`;
    if (ch === ' ') return 'spaces are not allowed: Asterisk drops them, so the pattern is not what it looks like';
    if (ch === '-') return "'-' outside brackets is not allowed: Asterisk ignores it there";
    if (ch === ']') return `']' at position ${i + 1} has no '['`;
    return `'${ch}' is not allowed; ${patternRule}`;
  }
  return null;
}

function setProblem(body: string): string | null {
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (body[i + 1] === '-') {
      const to = body[i + 2];
      if (to === undefined) return "a range needs an end after '-'";
      if (!/[0-9]/.test(ch) || !/[0-9]/.test(to)) return 'ranges are of digits only, like 1-5';
      if (to < ch) return `the range ${ch}-${to} runs backwards`;
      i += 2;
      continue;
    }
    if (!/[0-9*#]/.test(ch)) return `'${ch}' cannot be in a set: digits, * # and ranges like 1-5 only`;
  }
  return null;
}

/** The extension name an entry renders as. */
export const entryExtension = (prefix: string, pattern: string) => `_${prefix}${pattern}`;

/** The dialled strings an entry matches (prefix and pattern). */
export function entryLanguage(prefix: string, pattern: string): Language {
  return compileName(entryExtension(prefix, pattern)).language;
}

/** Whether two entries can match one number. */
export function entriesOverlap(a: Language, b: Language): boolean {
  return overlaps(a, b);
}

/** Whether the entry has a fixed length (no `.` or `!`). */
export const isFixedLength = (language: Language) => language.tail === 'none';

/** Whether the entry matches some number of the range start–end (same-length digit strings). */
export function meetsRange(language: Language, start: string, end: string): boolean {
  const length = start.length;
  const fixed = language.positions.length;
  if (language.tail === 'none' ? fixed !== length : language.tail === 'dot' ? fixed >= length : fixed > length) return false;
  const memo = new Map<string, boolean>();
  const walk = (i: number, low: boolean, high: boolean): boolean => {
    if (i === length) return true;
    const key = `${i}${low ? 1 : 0}${high ? 1 : 0}`;
    const known = memo.get(key);
    if (known !== undefined) return known;
    const set = i < fixed ? language.positions[i]! : DIGITS;
    const from = low ? start.charCodeAt(i) : 48;
    const to = high ? end.charCodeAt(i) : 57;
    let found = false;
    for (let code = from; code <= to && !found; code++) {
      if (((set >> BigInt(code)) & 1n) === 1n) found = walk(i + 1, low && code === from, high && code === to);
    }
    memo.set(key, found);
    return found;
  };
  return walk(0, true, true);
}

/**
 * A number the entry matches, for the dialplan check: the lowest digit (or
 * character) of each position, then a few digits for an open tail. Among a
 * few such candidates the first that none of `avoid` matches is taken, so a
 * sample shows the entry is reachable where it can be.
 */
export function sampleNumber(language: Language, avoid: Language[] = []): string {
  const pick = (set: bigint, highest: boolean): string => {
    const digits = [...'0123456789'].filter((d) => ((set >> BigInt(d.charCodeAt(0))) & 1n) === 1n);
    if (digits.length) return highest ? digits[digits.length - 1]! : digits[0]!;
    return ['*', '#'].find((c) => ((set >> BigInt(c.charCodeAt(0))) & 1n) === 1n) ?? '0';
  };
  const tails = language.tail === 'none' ? [''] : language.tail === 'dot' ? ['5550123', '5', '55501234567'] : ['', '5550123', '5'];
  const candidates: string[] = [];
  for (const highest of [false, true]) {
    const head = language.positions.map((set) => pick(set, highest)).join('');
    for (const tail of tails) candidates.push(head + tail);
  }
  const valid = candidates.filter((c) => accepts(language, c));
  return valid.find((c) => !avoid.some((a) => accepts(a, c))) ?? valid[0] ?? candidates[0]!;
}
