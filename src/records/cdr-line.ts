import type { RawCdr } from './cdr-fields.js';

/**
 * One line of cdr_custom's JSON mapping. Asterisk writes it itself, and not
 * quite as JSON: it escapes only the double quote (with a backslash) and
 * leaves backslashes and control characters as they are, so JSON.parse
 * fails on (or misreads) a caller name such as `A\B`. What it does keep:
 * every `"` inside a text value gets a backslash in front, a text with a
 * comma is quoted, and numbers are never quoted. So `,"<name>":` with a bare
 * quote after the comma only ever separates two fields, and a quoted value's
 * text is what lies between its quotes with `\"` turned back into `"`.
 * Null when the line is not such an object.
 */
export function parseCdrLine(line: string): RawCdr | null {
  const text = line.endsWith('\r') ? line.slice(0, -1) : line;
  if (!text.startsWith('{"') || !text.endsWith('}')) return null;
  const body = text.slice(1, -1);
  const boundary = /(?:^|,)"([A-Za-z0-9_]+)":/g;
  const keys: { name: string; start: number; end: number }[] = [];
  for (let m = boundary.exec(body); m; m = boundary.exec(body)) keys.push({ name: m[1]!, start: m.index, end: m.index + m[0].length });
  if (!keys.length || keys[0]!.start !== 0) return null;
  const record: RawCdr = {};
  for (const [i, key] of keys.entries()) {
    const raw = body.slice(key.end, i + 1 < keys.length ? keys[i + 1]!.start : body.length);
    const value = fieldValue(raw);
    if (value === null) return null;
    record[key.name] = value;
  }
  return record;
}

function fieldValue(raw: string): string | number | null {
  if (raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"')) return raw.slice(1, -1).replace(/\\"/g, '"');
  if (raw === '') return '';
  if (/^-?\d+(\.\d+)?$/.test(raw)) return Number(raw);
  return null;
}
