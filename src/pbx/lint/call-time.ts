import type { LookupRow, LookupTables } from './types.js';

/**
 * What the dialplan reads at call time, known statically: the rows its
 * realtime lookups return (the render result computes them from the snapshot
 * by the rules of the SQL views), and enough of Asterisk's variable
 * substitution and expression language (main/ast_expr2.y) to decide a
 * condition that depends only on them and on the dialled number. Anything
 * else is undecidable here, and says so (undefined).
 */

export type LookupIndex = {
  /** The first row of `family` whose `column` is `value`; null: none; undefined: no table for that family. */
  find(family: string, column: string, value: string): LookupRow | null | undefined;
};

export function indexLookups(tables: LookupTables): LookupIndex {
  const indexes = new Map<string, Map<string, LookupRow>>();
  return {
    find(family, column, value) {
      const rows = tables.get(family);
      if (!rows) return undefined;
      const key = `${family}\u0000${column}`;
      let index = indexes.get(key);
      if (!index) {
        index = new Map();
        for (const row of rows) if (row[column] !== undefined && !index.has(row[column])) index.set(row[column], row);
        indexes.set(key, index);
      }
      return index.get(value) ?? null;
    },
  };
}

/** The channel as the follower knows it: the extension it runs and the rows it looked up into hashes. */
export type CallState = {
  exten: string;
  /** HASH name → the row a lookup put there; null: the lookup found no row (its keys read empty). */
  hashes: Map<string, LookupRow | null>;
};

/** A lookup step: `Set(HASH(<name>)=${REALTIME_HASH(<family>,<column>,<value>)})`. */
export type LookupStep = { hash: string; family: string; column: string; value: string };

const LOOKUP_STEP = /^HASH\(([A-Za-z0-9_]+)\)=\$\{REALTIME_HASH\(([^,()]+),([^,()]+),(.*)\)\}$/;

export function lookupStepOf(app: string, args: string): LookupStep | undefined {
  if (app.toLowerCase() !== 'set') return undefined;
  const match = LOOKUP_STEP.exec(args);
  return match ? { hash: match[1]!, family: match[2]!, column: match[3]!, value: match[4]! } : undefined;
}

/** Substitutes `${...}` (innermost first), then evaluates `$[...]`, as Asterisk does before an application runs. */
export function substitute(text: string, state: CallState, index: LookupIndex): string | undefined {
  let out = text;
  for (let match = /\$\{([^${}]*)\}/.exec(out); match; match = /\$\{([^${}]*)\}/.exec(out)) {
    const value = variable(match[1]!, state, index);
    if (value === undefined) return undefined;
    out = out.slice(0, match.index) + value + out.slice(match.index + match[0].length);
  }
  for (let match = /\$\[([^$[\]]*)\]/.exec(out); match; match = /\$\[([^$[\]]*)\]/.exec(out)) {
    const value = evaluateExpression(match[1]!);
    if (value === undefined) return undefined;
    out = out.slice(0, match.index) + value + out.slice(match.index + match[0].length);
  }
  return out;
}

function variable(name: string, state: CallState, index: LookupIndex): string | undefined {
  if (name === 'EXTEN') return state.exten;
  const hash = /^HASH\(([A-Za-z0-9_]+),([^,()]+)\)$/.exec(name);
  if (hash) {
    if (!state.hashes.has(hash[1]!)) return undefined;
    return state.hashes.get(hash[1]!)?.[hash[2]!] ?? '';
  }
  const field = /^REALTIME_FIELD\(([^,()]+),([^,()]+),([^,()]*),([^,()]+)\)$/.exec(name);
  if (field) {
    const row = index.find(field[1]!, field[2]!, field[3]!);
    if (row === undefined) return undefined;
    const wanted = field[4]!.toLowerCase();
    // REALTIME_FIELD matches the field name without regard to case; no row reads empty.
    return row ? (Object.entries(row).find(([k]) => k.toLowerCase() === wanted)?.[1] ?? '') : '';
  }
  return undefined;
}

/** pbx_checkcondition(): empty is false, an integer is its truth, any other text is true. */
export function isTrue(condition: string): boolean {
  const integer = /^\s*([+-]?\d+)/.exec(condition);
  if (integer) return Number.parseInt(integer[1]!, 10) !== 0;
  return condition.trim() !== '';
}

// ---------------------------------------------------------------- $[...]

type Value = { kind: 'number'; n: number } | { kind: 'numeric'; s: string } | { kind: 'string'; s: string };

/** Tokens of the subset understood: quoted strings, words, | & = == != < > <= >= and parentheses. */
function tokenize(text: string): string[] | undefined {
  const tokens: string[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === '"') {
      const end = text.indexOf('"', i + 1);
      if (end < 0) return undefined;
      tokens.push(text.slice(i, end + 1));
      i = end + 1;
      continue;
    }
    const two = text.slice(i, i + 2);
    if (['!=', '<=', '>=', '=='].includes(two)) {
      tokens.push(two);
      i += 2;
      continue;
    }
    if ('|&=<>()'.includes(ch)) {
      tokens.push(ch);
      i++;
      continue;
    }
    // Operators outside the subset (arithmetic, !, ?:, =~, :) make the expression undecidable here.
    if ('!+-*/%?:~'.includes(ch)) return undefined;
    let end = i;
    while (end < text.length && !/[\s"|&=<>()!]/.test(text[end]!)) end++;
    tokens.push(text.slice(i, end));
    i = end;
  }
  return tokens;
}

/** make_str(): a bare word of digits (and dots) is a numeric string; a quoted one keeps its quotes and is a string. */
function word(token: string): Value {
  if (!token.startsWith('"') && /^[0-9.][0-9.]*$/.test(token)) return { kind: 'numeric', s: token };
  return { kind: 'string', s: token };
}

function isZeroOrNull(v: Value): boolean {
  if (v.kind === 'number') return v.n === 0;
  if (v.s === '') return true;
  return /^-?\d+(\.\d+)?$/.test(v.s) && Number(v.s) === 0;
}

function compare(op: string, a: Value, b: Value): Value {
  const textOf = (v: Value) => (v.kind === 'number' ? String(v.n) : v.s);
  const numeric = a.kind !== 'string' && b.kind !== 'string';
  const order = numeric ? Math.sign(Number(textOf(a)) - Number(textOf(b))) : textOf(a) < textOf(b) ? -1 : textOf(a) > textOf(b) ? 1 : 0;
  const result = { '=': order === 0, '==': order === 0, '!=': order !== 0, '<': order < 0, '>': order > 0, '<=': order <= 0, '>=': order >= 0 }[op]!;
  return { kind: 'number', n: result ? 1 : 0 };
}

/** The value of an expression as Asterisk prints it, or undefined when it leaves the subset. */
export function evaluateExpression(text: string): string | undefined {
  const tokens = tokenize(text);
  if (!tokens) return undefined;
  let at = 0;
  const peek = () => tokens[at];
  // Precedence, lowest first: |, &, comparisons (left-associative each).
  const primary = (): Value | undefined => {
    const token = tokens[at++];
    if (token === undefined) return undefined;
    if (token === '(') {
      const inner = or();
      if (inner === undefined || tokens[at++] !== ')') return undefined;
      return inner;
    }
    if ('|&=<>)'.includes(token[0]!) && !token.startsWith('"')) return undefined;
    return word(token);
  };
  const comparison = (): Value | undefined => {
    let left = primary();
    while (left && ['=', '==', '!=', '<', '>', '<=', '>='].includes(peek() ?? '')) {
      const op = tokens[at++]!;
      const right = primary();
      if (!right) return undefined;
      left = compare(op, left, right);
    }
    return left;
  };
  const and = (): Value | undefined => {
    let left = comparison();
    while (left && peek() === '&') {
      at++;
      const right = comparison();
      if (!right) return undefined;
      left = isZeroOrNull(left) || isZeroOrNull(right) ? { kind: 'number', n: 0 } : left;
    }
    return left;
  };
  const or = (): Value | undefined => {
    let left = and();
    while (left && peek() === '|') {
      at++;
      const right = and();
      if (!right) return undefined;
      left = isZeroOrNull(left) ? right : left;
    }
    return left;
  };
  const value = or();
  if (!value || at !== tokens.length) return undefined;
  return value.kind === 'number' ? String(value.n) : value.s;
}
