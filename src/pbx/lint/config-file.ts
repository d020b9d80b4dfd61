import { issueAt } from './issues.js';
import type { LintIssue, SourceRef } from './types.js';

/**
 * Reads Asterisk configuration text (main/config.c rules) into sections of
 * `key => value` entries: `;` comments, `\;` escapes, `;-- --;` block comments,
 * `[name]`, `[name](!)` templates, `[name](base,...)` inheritance, `[name](+)`
 * additions, and `#include` / `#tryinclude` resolved against the given files.
 */

export type ConfigEntry = { key: string; value: string; ref: SourceRef };

export type ConfigSection = { name: string; template: boolean; ref: SourceRef; entries: ConfigEntry[] };

type Reader = {
  files: Map<string, string>;
  sections: ConfigSection[];
  issues: LintIssue[];
};

export function readConfig(files: Map<string, string>, rootFile: string, issues: LintIssue[]): ConfigSection[] {
  const reader: Reader = { files, sections: [], issues };
  readFile(reader, rootFile, undefined, []);
  return reader.sections;
}

function syntax(reader: Reader, ref: SourceRef, text: string): void {
  reader.issues.push(issueAt('SYNTAX', ref, text));
}

/** Reads one file; lines before its first header belong to the including file's current section. */
function readFile(reader: Reader, file: string, inherited: ConfigSection | undefined, stack: string[]): void {
  const text = reader.files.get(file) ?? '';
  let current = inherited;
  let commentDepth = 0;
  let commentStart = 0;
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, index) => {
    const ref = { file, line: index + 1 };
    const before = commentDepth;
    const stripped = stripComments(raw, commentDepth);
    commentDepth = stripped.depth;
    if (before === 0 && commentDepth > 0) commentStart = ref.line;
    const line = stripped.text.trim();
    if (!line) return;
    if (line.startsWith('[')) current = readHeader(reader, line, ref) ?? current;
    else if (line.startsWith('#')) readDirective(reader, line, ref, current, [...stack, file]);
    else if (!current) syntax(reader, ref, `line outside any [context]: ${line}`);
    else readEntry(reader, line, ref, current);
  });
  if (commentDepth > 0) syntax(reader, { file, line: commentStart }, 'block comment ";--" is never closed with "--;"');
}

function stripComments(line: string, depth: number): { text: string; depth: number } {
  let text = '';
  for (let i = 0; i < line.length; i++) {
    const opensBlock = line.startsWith(';--', i) && line[i + 3] !== '-';
    if (depth > 0) {
      if (line.startsWith('--;', i)) {
        depth--;
        i += 2;
      } else if (opensBlock) {
        depth++;
        i += 2;
      }
      continue;
    }
    const ch = line[i]!;
    if (ch === '\\' && line[i + 1] === ';') {
      text += ';';
      i++;
      continue;
    }
    if (ch === ';') {
      if (!opensBlock) break;
      depth++;
      i += 2;
      continue;
    }
    text += ch;
  }
  return { text, depth };
}

function readHeader(reader: Reader, line: string, ref: SourceRef): ConfigSection | undefined {
  const close = line.indexOf(']');
  if (close < 0) {
    syntax(reader, ref, `section header without closing ']': ${line}`);
    return undefined;
  }
  const name = line.slice(1, close);
  if (!name) {
    syntax(reader, ref, 'empty section name "[]"');
    return undefined;
  }
  let rest = line.slice(close + 1);
  let options: string[] = [];
  if (rest.startsWith('(')) {
    const end = rest.indexOf(')');
    if (end < 0) {
      syntax(reader, ref, `section options without closing ')': ${line}`);
      return undefined;
    }
    options = rest.slice(1, end).split(',');
    rest = rest.slice(end + 1);
  }
  if (rest.trim()) syntax(reader, ref, `unexpected text after section header [${name}]: ${rest.trim()}`);

  let section: ConfigSection = { name, template: false, ref, entries: [] };
  let appended = false;
  for (const option of options) {
    if (option === '!') {
      section.template = true;
    } else if (option.startsWith('+')) {
      const existing = reader.sections.find((s) => s.name === name);
      if (!existing) {
        syntax(reader, ref, `[${name}](+) adds to a section that does not exist yet`);
        return undefined;
      }
      section = existing;
      appended = true;
    } else {
      const base = reader.sections.find((s) => s.name === option);
      if (!base) {
        syntax(reader, ref, `[${name}] inherits from '${option}', which is not defined before it`);
        return undefined;
      }
      section.entries.push(...base.entries);
    }
  }
  if (!appended) reader.sections.push(section);
  return section;
}

function readDirective(reader: Reader, line: string, ref: SourceRef, current: ConfigSection | undefined, stack: string[]): void {
  const match = /^#(\S+)\s*(.*)$/.exec(line)!;
  const directive = match[1]!.toLowerCase();
  let argument = match[2]!.trim();
  if (directive !== 'include' && directive !== 'tryinclude') {
    const why = directive === 'exec' ? '#exec output cannot be checked statically' : `unknown directive #${match[1]}`;
    syntax(reader, ref, why);
    return;
  }
  if (/^".*"$|^<.*>$/.test(argument)) argument = argument.slice(1, -1);
  if (!argument) {
    syntax(reader, ref, `#${directive} needs a file name`);
    return;
  }
  const targets = resolveInclude(reader.files, argument);
  if (!targets.length) {
    if (directive === 'include') syntax(reader, ref, `#include ${argument}: no such file among the rendered files`);
    return;
  }
  for (const target of targets) {
    if (stack.includes(target)) {
      syntax(reader, ref, `#include ${argument} includes itself (${[...stack, target].join(' -> ')})`);
      continue;
    }
    readFile(reader, target, current, stack);
  }
}

/** Exact name, else a unique file with the same base name; globs match like glob(3), sorted. */
function resolveInclude(files: Map<string, string>, name: string): string[] {
  const names = [...files.keys()];
  const baseName = (path: string) => path.slice(path.lastIndexOf('/') + 1);
  if (/[*?[]/.test(name)) {
    const toRegExp = (glob: string) =>
      new RegExp(
        `^${glob
          .replace(/[.+^${}()|\\]/g, '\\$&')
          .replace(/\*/g, '[^/]*')
          .replace(/\?/g, '[^/]')}$`,
      );
    const byPath = names.filter((n) => toRegExp(name).test(n));
    const byBase = names.filter((n) => toRegExp(baseName(name)).test(baseName(n)));
    return (byPath.length ? byPath : byBase).sort();
  }
  if (files.has(name)) return [name];
  const sameBase = names.filter((n) => baseName(n) === baseName(name));
  return sameBase.length === 1 ? sameBase : [];
}

function readEntry(reader: Reader, line: string, ref: SourceRef, section: ConfigSection): void {
  const body = line.startsWith('\\') ? line.slice(1) : line;
  const equals = body.indexOf('=');
  if (equals < 0) {
    syntax(reader, ref, `line not understood (expected "name => value"): ${line}`);
    return;
  }
  const key = body.slice(0, equals).trim();
  let value = body.slice(equals + 1);
  if (value.startsWith('>')) value = value.slice(1);
  if (!key) {
    syntax(reader, ref, `line not understood (nothing before "="): ${line}`);
    return;
  }
  section.entries.push({ key, value: value.trim(), ref });
}
