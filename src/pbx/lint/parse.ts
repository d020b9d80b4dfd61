import { hasVariable } from './app-args.js';
import { readConfig, type ConfigEntry, type ConfigSection } from './config-file.js';
import { describeRef, issueAt } from './issues.js';
import { compareNames, compileName, withoutBlanks } from './patterns.js';
import type { Dialplan, DialplanContext, DialplanExtension, DialplanStep, LintIssue, SourceRef } from './types.js';

/**
 * Builds the dialplan Asterisk 22's pbx_config would load from extensions.conf
 * (pbx/pbx_config.c: pbx_load_config), reporting SYNTAX and DUPLICATE_PRIORITY
 * on the way. Priorities resolve as Asterisk does: `n` is one more than the
 * previous line's priority in the same section (whatever its extension), `same`
 * repeats it, and an extension keeps the first line for a priority it is given twice.
 */

const ROOT_FILE = 'extensions.conf';
const PRIORITY_HINT = -1;
const NON_CONTEXT_SECTIONS = new Set(['general', 'globals']);
const IGNORED_DIRECTIVES = new Set(['switch', 'lswitch', 'eswitch', 'ignorepat']);

type ExtensionBuild = DialplanExtension & { firstPriorityText: string; firstPriority: number };

type ContextBuild = {
  context: DialplanContext;
  byKey: Map<string, ExtensionBuild>;
};

type SectionState = { lastPriority: number; lastExtension: string };

export function parseDialplan(files: Map<string, string>): Dialplan {
  const issues: LintIssue[] = [];
  const rootFile = files.has(ROOT_FILE) || files.size !== 1 ? ROOT_FILE : [...files.keys()][0]!;
  if (!files.has(rootFile)) issues.push(issueAt('SYNTAX', { file: rootFile, line: 0 }, `${rootFile} is not among the files`));

  const builds = new Map<string, ContextBuild>();
  for (const section of readConfig(files, rootFile, issues)) {
    if (section.template || NON_CONTEXT_SECTIONS.has(section.name.toLowerCase())) continue;
    let build = builds.get(section.name);
    if (!build) {
      build = { context: emptyContext(section.name), byKey: new Map() };
      builds.set(section.name, build);
    }
    build.context.refs.push(section.ref);
    readSection(build, section, issues);
  }

  const contexts = new Map<string, DialplanContext>();
  for (const [name, build] of builds) {
    contexts.set(name, finishContext(build, issues));
  }
  return { rootFile, contexts, issues };
}

function emptyContext(name: string): DialplanContext {
  return { name, refs: [], extensions: [], explicitByKey: new Map(), patterns: [], includes: [] };
}

function readSection(build: ContextBuild, section: ConfigSection, issues: LintIssue[]): void {
  // pbx_config resets both at every section, even one continuing an earlier context.
  const state: SectionState = { lastPriority: -2, lastExtension: '' };
  const contextName = build.context.name;
  for (const entry of section.entries) {
    const key = entry.key.toLowerCase();
    if (key === 'exten' || key.startsWith('same')) {
      readExtensionLine(build, entry, key === 'exten', state, issues);
    } else if (key === 'include') {
      const [target = '', ...timing] = entry.value.split(',');
      if (!target.trim()) {
        issues.push(issueAt('SYNTAX', entry.ref, 'include without a context name', contextName));
      } else {
        build.context.includes.push({ context: target.trim(), timed: timing.length > 0, ref: entry.ref });
      }
    } else if (!IGNORED_DIRECTIVES.has(key)) {
      issues.push(issueAt('SYNTAX', entry.ref, `unknown directive "${entry.key}"`, contextName));
    }
  }
}

/** Splits at the first ',' outside [...] (pbx_strsep). */
function splitExtensionName(value: string): [string, string] {
  let square = 0;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (ch === '[') square++;
    else if (ch === ']') {
      if (square) square--;
    } else if (ch === '\\') i++;
    else if (ch === ',' && !square) return [value.slice(0, i), value.slice(i + 1)];
  }
  return [value, ''];
}

function splitOnce(text: string, delimiter: string): [string, string | undefined] {
  const at = text.indexOf(delimiter);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}

function readExtensionLine(build: ContextBuild, entry: ConfigEntry, isExten: boolean, state: SectionState, issues: LintIssue[]): void {
  const contextName = build.context.name;
  const fail = (code: 'SYNTAX' | 'DUPLICATE_PRIORITY', text: string, extension?: string) => issues.push(issueAt(code, entry.ref, text, contextName, extension));

  let fullName: string;
  let rest: string;
  if (isExten) {
    [fullName, rest] = splitExtensionName(entry.value);
    fullName = withoutBlanks(fullName);
    state.lastExtension = fullName;
  } else {
    if (!state.lastExtension) {
      fail('SYNTAX', '"same =>" with no earlier "exten =>" in this section');
      return;
    }
    fullName = state.lastExtension;
    rest = entry.value;
  }
  // The caller-id part keeps only what ast_shrink_phone_number() keeps.
  const [name, cidRaw] = splitOnce(fullName, '/');
  const cid = cidRaw?.replace(/[()\-. ]/g, '');
  if (!name) {
    fail('SYNTAX', `extension without a name: ${entry.value}`);
    return;
  }

  const [priorityField, appField = ''] = splitOnce(rest, ',');
  const field = readPriorityField(priorityField);
  if ('problem' in field) {
    fail('SYNTAX', field.problem, name);
    return;
  }
  const extensionKey = cid === undefined ? compileName(name).key : `${compileName(name).key}/${cid}`;
  const existing = build.byKey.get(extensionKey);
  const resolved = resolvePriority(field.base, field.offset, state, existing);
  if ('problem' in resolved) {
    fail(resolved.code, resolved.problem, name);
    return;
  }
  const { priority } = resolved;
  state.lastPriority = priority;

  const step = readApplication(appField, priority, entry.ref, field.label);
  if (priority !== PRIORITY_HINT) {
    const problem = applicationProblem(step, appField);
    if (problem) fail('SYNTAX', problem, name);
  }

  const compiled = compileName(name);
  if (compiled.error) fail('SYNTAX', compiled.error, name);

  const extension = existing ?? newExtension(build, extensionKey, name, cid, entry.ref, field.base, priority);
  addStep(extension, step, name, contextName, issues);
}

type PriorityField = { base: string; offset: number; label?: string };

/** "n(label)", "1", "hint", "label+2": the priority, its optional label and offset. */
function readPriorityField(text: string): PriorityField | { problem: string } {
  let rest = text.trim();
  let label: string | undefined;
  const open = rest.indexOf('(');
  if (open >= 0) {
    const close = rest.indexOf(')', open);
    if (close < 0) return { problem: `label without closing ')': ${rest}` };
    label = rest.slice(open + 1, close) || undefined;
    rest = rest.slice(0, open);
  }
  const [base, offsetText] = splitOnce(rest, '+');
  const offset = offsetText === undefined ? 0 : Number.parseInt(offsetText, 10) || 0;
  return label === undefined ? { base, offset } : { base, offset, label };
}

type Resolved = { priority: number } | { code: 'SYNTAX' | 'DUPLICATE_PRIORITY'; problem: string };

function resolvePriority(base: string, offset: number, state: SectionState, existing: ExtensionBuild | undefined): Resolved {
  let priority: number;
  if (base === 'hint') {
    priority = PRIORITY_HINT;
  } else if (base === 'n' || base === 'next') {
    if (state.lastPriority <= -2) {
      return { code: 'DUPLICATE_PRIORITY', problem: 'priority "n" on the first line of a section has nothing to follow; Asterisk drops this line' };
    }
    priority = state.lastPriority + 1;
  } else if (base === 's' || base === 'same') {
    if (state.lastPriority <= -2) return { code: 'SYNTAX', problem: 'priority "same" on the first line of a section; Asterisk drops this line' };
    priority = state.lastPriority;
  } else if (/^\d+$/.test(base)) {
    priority = Number(base);
  } else {
    const labelled = existing?.byLabel.get(base);
    if (!labelled) return { code: 'SYNTAX', problem: `invalid priority or unknown label "${base}"` };
    priority = labelled.priority;
  }
  if (priority === 0) {
    // pbx_config silently skips priority 0, which "n" after a hint produces.
    return { code: 'DUPLICATE_PRIORITY', problem: `priority "${base}" resolves to 0 (the previous line is a hint); Asterisk drops this line` };
  }
  priority += offset;
  if (priority < 1 && priority !== PRIORITY_HINT) return { code: 'SYNTAX', problem: `invalid priority ${priority}` };
  return { priority };
}

function newExtension(build: ContextBuild, key: string, name: string, cid: string | undefined, ref: SourceRef, priorityText: string, priority: number): ExtensionBuild {
  const extension: ExtensionBuild = {
    name,
    compiled: compileName(name),
    context: build.context.name,
    steps: [],
    byPriority: new Map(),
    byLabel: new Map(),
    ref,
    firstPriorityText: priorityText,
    firstPriority: priority,
  };
  if (cid !== undefined) extension.cid = cid;
  build.byKey.set(key, extension);
  return extension;
}

function readApplication(field: string, priority: number, ref: SourceRef, label: string | undefined): DialplanStep {
  const step: DialplanStep = { priority, app: field.trimStart(), args: '', ref };
  if (label) step.label = label;
  const open = field.indexOf('(');
  if (open < 0 || priority === PRIORITY_HINT) return step;
  const app = field.slice(0, open);
  if (hasVariable(app)) return step;
  const close = field.lastIndexOf(')');
  step.app = app.trimStart();
  step.args = close > open ? field.slice(open + 1, close) : field.slice(open + 1);
  return step;
}

function applicationProblem(step: DialplanStep, field: string): string | undefined {
  if (!step.app) return 'no application after the priority';
  if (hasVariable(step.app)) return undefined;
  if (!/^[A-Za-z0-9_]+$/.test(step.app)) return `"${step.app}" is not an application name`;
  const open = field.indexOf('(');
  if (open >= 0 && field.lastIndexOf(')') < open) return `no closing parenthesis in ${field.trim()}`;
  if (open >= 0 && field.slice(field.lastIndexOf(')') + 1).trim()) {
    return `text after the closing parenthesis is ignored by Asterisk: ${field.trim()}`;
  }
  return undefined;
}

function addStep(extension: ExtensionBuild, step: DialplanStep, writtenName: string, contextName: string, issues: LintIssue[]): void {
  const duplicate = (text: string) => issues.push(issueAt('DUPLICATE_PRIORITY', step.ref, text, contextName, writtenName));
  if (step.priority === PRIORITY_HINT) {
    if (extension.hint) duplicate(`second hint; the hint at ${describeRef(extension.hint.ref)} stays`);
    else extension.hint = step;
    return;
  }
  const taken = extension.byPriority.get(step.priority);
  if (taken) {
    duplicate(`priority ${step.priority} is already defined at ${describeRef(taken.ref)}; Asterisk rejects this line`);
    return;
  }
  if (step.label) {
    const labelled = extension.byLabel.get(step.label);
    if (labelled) {
      duplicate(`label "${step.label}" is already used by priority ${labelled.priority} at ${describeRef(labelled.ref)}; Asterisk drops it here`);
      delete step.label;
    } else {
      extension.byLabel.set(step.label, step);
    }
  }
  extension.byPriority.set(step.priority, step);
  extension.steps.push(step);
}

function finishContext(build: ContextBuild, issues: LintIssue[]): DialplanContext {
  const { context } = build;
  const extensions = [...build.byKey.values()];
  for (const extension of extensions) {
    extension.steps.sort((a, b) => a.priority - b.priority);
    if (extension.steps.length && !extension.byPriority.has(1)) {
      const first = extension.steps[0]!;
      const why =
        extension.firstPriorityText === 'n' || extension.firstPriorityText === 'next'
          ? `its first line uses "n", which continues the previous line's numbering and gives priority ${extension.firstPriority}`
          : `its lowest priority is ${first.priority}`;
      issues.push(issueAt('DUPLICATE_PRIORITY', extension.ref, `no priority 1, so dialling it never starts: ${why}`, context.name, extension.name));
    }
  }
  extensions.sort(compareExtensions);
  context.extensions = extensions.map(toExtension);
  for (const extension of context.extensions) {
    if (extension.compiled.kind === 'pattern') {
      context.patterns.push(extension);
    } else {
      const same = context.explicitByKey.get(extension.compiled.key) ?? [];
      same.push(extension);
      context.explicitByKey.set(extension.compiled.key, same);
    }
  }
  return context;
}

/** ext_cmp order; for one name, caller-id variants come before the plain one (ast_add_extension2). */
function compareExtensions(a: DialplanExtension, b: DialplanExtension): number {
  const byName = compareNames(a.compiled, b.compiled);
  if (byName !== 0) return byName;
  if (a.cid === undefined || b.cid === undefined) return a.cid === undefined ? (b.cid === undefined ? 0 : 1) : -1;
  return compareNames(compileName(a.cid), compileName(b.cid));
}

function toExtension(build: ExtensionBuild): DialplanExtension {
  const { firstPriorityText: _text, firstPriority: _priority, ...extension } = build;
  return extension;
}
