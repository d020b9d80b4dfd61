/**
 * Splitting application data the way Asterisk's applications do, with one static
 * twist: Asterisk substitutes `${...}` and `$[...]` before an application splits
 * its data, so their runtime contents are unknowable here; we treat each as an
 * opaque unit and never split inside one.
 */

export type SplitOptions = {
  /** Respect (...) nesting and "..." quoting, as ast_app_separate_args() does. */
  parens?: boolean;
};

/** Whether a string holds a variable or expression that is only known at run time. */
export function hasVariable(text: string): boolean {
  return text.includes('${') || text.includes('$[');
}

/** Indexes of the delimiter characters that are at top level. */
function topLevelDelimiters(text: string, delimiters: string, options: SplitOptions): number[] {
  const found: number[] = [];
  const closers: string[] = [];
  let parens = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\\') {
      i++;
      continue;
    }
    if (ch === '$' && (text[i + 1] === '{' || text[i + 1] === '[')) {
      closers.push(text[i + 1] === '{' ? '}' : ']');
      i++;
      continue;
    }
    if (closers.length) {
      if (ch === closers[closers.length - 1]) closers.pop();
      continue;
    }
    if (options.parens) {
      if (ch === '"') {
        quoted = !quoted;
        continue;
      }
      if (quoted) continue;
      if (ch === '(') {
        parens++;
        continue;
      }
      if (ch === ')') {
        if (parens) parens--;
        continue;
      }
      if (parens) continue;
    }
    if (delimiters.includes(ch)) found.push(i);
  }
  return found;
}

/** Splits on every top-level delimiter. */
export function splitTop(text: string, delimiter: string, options: SplitOptions = {}): string[] {
  const parts: string[] = [];
  let start = 0;
  for (const at of topLevelDelimiters(text, delimiter, options)) {
    parts.push(text.slice(start, at));
    start = at + 1;
  }
  parts.push(text.slice(start));
  return parts;
}

/** Splits at the first top-level delimiter, like strsep(); undefined when there is none. */
export function splitFirst(text: string, delimiter: string, options: SplitOptions = {}): [string, string] | undefined {
  const at = topLevelDelimiters(text, delimiter, options)[0];
  return at === undefined ? undefined : [text.slice(0, at), text.slice(at + 1)];
}
