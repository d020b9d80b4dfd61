import { DIGITS, DIGITS_2_TO_9, EMPTY, NONZERO_DIGITS, charSet, compareSameSizeSets, lowestChar, rangeSet, size, type CharSet } from './charset.js';

/**
 * Extension names and patterns with Asterisk 22 semantics (main/pbx.c:
 * _extension_match_core for matching, ext_cmp / ext_cmp_pattern_pos for ordering).
 *
 * A name is either explicit (`101`, `*60`, `s`) or a pattern (`_1XX`, `_[a-c3]!`).
 * In a pattern X/Z/N (either case) are 0-9/1-9/2-9, `[..]` is a set with `a-b`
 * ranges, `.` is one or more of anything and `!` zero or more; every other
 * character matches itself, case-sensitively. '-' outside a set is ignored, in
 * names and in dialled strings alike.
 */

export type Tail = 'none' | 'dot' | 'bang';

/** The dialled strings a name accepts: one character set per position, then an optional open tail. */
export type Language = { positions: CharSet[]; tail: Tail };

export type ExtensionName = {
  kind: 'explicit' | 'pattern';
  /** As written (after blank removal). */
  raw: string;
  /** Equal keys mean Asterisk treats the two names as one extension (ext_cmp() == 0). */
  key: string;
  language: Language;
  /** Per-position ranking for patterns, as ext_cmp_pattern_pos() scores them. */
  ranks: PositionRank[];
  /** Why a pattern can never match (unclosed or empty set). */
  error?: string;
};

type PositionRank = { weight: number; chars: CharSet };

// Weights from ext_cmp_pattern_pos(): (set size << 8 | lowest char) for sets, then these.
const WEIGHT_DOT = 0x18000;
const WEIGHT_BANG = 0x28000;
const WEIGHT_END = 0x30000;
const WEIGHT_ERROR = 0x40000;

/** Asterisk drops blanks outside pattern sets when storing a name (ext_strncpy). */
export function withoutBlanks(name: string): string {
  return strip(name, ' ');
}

/** For matching and ordering Asterisk also drops '-' outside sets ("eye candy fluff"). */
export function withoutFluff(name: string): string {
  return strip(name, ' -');
}

function strip(name: string, dropped: string): string {
  const isPattern = name.startsWith('_');
  let out = '';
  let inSet = false;
  for (const ch of name) {
    if (ch === '[' && isPattern) inSet = true;
    else if (ch === ']') inSet = false;
    else if (!inSet && dropped.includes(ch)) continue;
    out += ch;
  }
  return out;
}

const compiledNames = new Map<string, ExtensionName>();

export function compileName(name: string): ExtensionName {
  let compiled = compiledNames.get(name);
  if (!compiled) {
    compiled = name.startsWith('_') ? compilePattern(name) : compileExplicit(name);
    if (compiledNames.size > 50_000) compiledNames.clear();
    compiledNames.set(name, compiled);
  }
  return compiled;
}

function compileExplicit(name: string): ExtensionName {
  const key = withoutFluff(name);
  return {
    kind: 'explicit',
    raw: name,
    key: `=${key}`,
    language: { positions: [...key].map((ch) => charSet(ch.charCodeAt(0))), tail: 'none' },
    ranks: [],
  };
}

/** Reads one `[...]` set starting after the '['; returns the set and the index of the ']'. */
function readSet(body: string, start: number): { chars: CharSet; end: number } | undefined {
  const end = body.indexOf(']', start);
  if (end < 0) return undefined;
  let chars = EMPTY;
  for (let i = start; i < end; i++) {
    const first = body.charCodeAt(i);
    if (i + 2 < end && body[i + 1] === '-') {
      chars |= rangeSet(first, body.charCodeAt(i + 2));
      i += 2;
    } else {
      chars |= charSet(first);
    }
  }
  return { chars, end };
}

function wildcardSet(ch: string): CharSet | undefined {
  switch (ch) {
    case 'x':
    case 'X':
      return DIGITS;
    case 'z':
    case 'Z':
      return NONZERO_DIGITS;
    case 'n':
    case 'N':
      return DIGITS_2_TO_9;
    default:
      return undefined;
  }
}

function compilePattern(name: string): ExtensionName {
  const body = withoutFluff(name).slice(1);
  const positions: CharSet[] = [];
  let tail: Tail = 'none';
  let error: string | undefined;
  // Matching stops at the first '.' or '!': whatever follows is never compared.
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch === '.' || ch === '!') {
      tail = ch === '.' ? 'dot' : 'bang';
      break;
    }
    if (ch === '[') {
      const set = readSet(body, i + 1);
      if (!set) {
        error = `unclosed '[' in pattern ${name}`;
        break;
      }
      const isEmptyBrackets = set.end === i + 1;
      i = set.end;
      if (isEmptyBrackets) continue; // Asterisk ignores "[]"
      if (set.chars === EMPTY) error = `empty character set in pattern ${name}`;
      positions.push(set.chars);
      continue;
    }
    positions.push(wildcardSet(ch) ?? charSet(ch.charCodeAt(0)));
  }
  const ranks = rankPattern(body);
  return {
    kind: 'pattern',
    raw: name,
    key: `_${ranks.map((r) => `${r.weight.toString(16)}:${r.chars.toString(16)}`).join('|')}`,
    language: { positions, tail },
    ranks,
    ...(error ? { error } : {}),
  };
}

/** ext_cmp_pattern_pos() over the whole pattern body, ending with the end-of-string rank. */
function rankPattern(body: string): PositionRank[] {
  const ranks: PositionRank[] = [];
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch === '.') {
      ranks.push({ weight: WEIGHT_DOT, chars: EMPTY });
      continue;
    }
    if (ch === '!') {
      ranks.push({ weight: WEIGHT_BANG, chars: EMPTY });
      continue;
    }
    if (ch === '[') {
      const set = readSet(body, i + 1);
      if (!set) {
        ranks.push({ weight: WEIGHT_ERROR, chars: EMPTY });
        return ranks;
      }
      i = set.end;
      if (set.chars === EMPTY) continue; // Asterisk skips empty sets when ranking
      ranks.push({ weight: (size(set.chars) << 8) | lowestChar(set.chars), chars: set.chars });
      continue;
    }
    const chars = wildcardSet(ch) ?? charSet(ch.charCodeAt(0));
    ranks.push({ weight: (size(chars) << 8) | lowestChar(chars), chars });
  }
  ranks.push({ weight: WEIGHT_END, chars: EMPTY });
  return ranks;
}

/**
 * Asterisk's extension order (ext_cmp): explicit names first, compared as strings;
 * then patterns position by position, the smaller character set first, equal sizes
 * by lowest character, with '.' after any set, '!' after '.', and a shorter
 * pattern after a longer one that agrees so far.
 */
export function compareNames(left: ExtensionName, right: ExtensionName): number {
  if (left.kind !== right.kind) return left.kind === 'explicit' ? -1 : 1;
  if (left.kind === 'explicit') return compareStrings(left.key, right.key);
  const length = Math.min(left.ranks.length, right.ranks.length);
  for (let i = 0; i < length; i++) {
    const a = left.ranks[i]!;
    const b = right.ranks[i]!;
    if (a.weight !== b.weight) return a.weight - b.weight;
    const bySet = compareSameSizeSets(a.chars, b.chars);
    if (bySet !== 0) return bySet;
  }
  return left.ranks.length - right.ranks.length;
}

function compareStrings(left: string, right: string): number {
  const length = Math.min(left.length, right.length);
  for (let i = 0; i < length; i++) {
    const diff = left.charCodeAt(i) - right.charCodeAt(i);
    if (diff !== 0) return diff;
  }
  return left.length - right.length;
}

/** Does the language accept this dialled string (already stripped of '-')? */
export function accepts(language: Language, dialled: string): boolean {
  const { positions, tail } = language;
  if (dialled.length < positions.length) return false;
  if (tail === 'none' && dialled.length !== positions.length) return false;
  if (tail === 'dot' && dialled.length === positions.length) return false;
  for (let i = 0; i < positions.length; i++) {
    const code = dialled.charCodeAt(i);
    if (code > 255 || ((positions[i]! >> BigInt(code)) & 1n) === 0n) return false;
  }
  return true;
}

/** Whether a compiled name answers a dialled string (E_MATCH). */
export function nameMatches(name: ExtensionName, dialled: string): boolean {
  if (name.error) return false;
  // A dialled "_..." is first compared as a pattern, so Goto(ctx,_X.,1) finds the pattern _X. itself.
  if (name.kind === 'pattern' && dialled.startsWith('_') && compileName(dialled).key === name.key) return true;
  const data = dialled.replaceAll('-', '');
  if (name.kind === 'explicit') return name.key === `=${data}`;
  return accepts(name.language, data);
}

/**
 * Asterisk pattern semantics: does extension name `pattern` (explicit or `_...`)
 * match the dialled `number`? A caller-id part (`101/555`) is not part of the name.
 */
export function matchExtension(pattern: string, number: string): boolean {
  const name = withoutBlanks(pattern).split('/')[0]!;
  return nameMatches(compileName(name), number);
}
