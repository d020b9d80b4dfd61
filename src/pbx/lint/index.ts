import { setImmediate } from 'node:timers/promises';
import { createLookup, type Lookup } from './lookup.js';
import { parseDialplan } from './parse.js';
import { checkExpectations, checkExpectationsInSlices } from './reachability.js';
import { checkShadowing } from './shadowing.js';
import { checkTargets } from './targets.js';
import type { LintIssue, LookupTables, NumberExpectation } from './types.js';

/**
 * Static checker for the extensions.conf we render (design decision D4): pure
 * functions over the rendered text, no I/O. Semantics follow Asterisk 22's
 * pbx_config and pbx.c with extenpatternmatchnew=no (the default), which the
 * renderer must keep.
 */

export { parseDialplan } from './parse.js';
export { matchExtension } from './patterns.js';
export type { Dialplan, DialplanContext, DialplanExtension, DialplanStep, IncludeRef, LintCode, LintIssue, LookupRow, LookupTables, NumberExpectation, SourceRef } from './types.js';

const CODE_ORDER: LintIssue['code'][] = ['SYNTAX', 'DUPLICATE_PRIORITY', 'UNKNOWN_TARGET', 'SHADOWED_PATTERN', 'UNREACHABLE_NUMBER'];

/** `lookups`: the rows of the realtime families the dialplan looks up at call time, for the numbers that reach their feature through them. */
export function lintDialplan(files: Map<string, string>, expectations: NumberExpectation[] = [], lookups: LookupTables = new Map()): LintIssue[] {
  const { lookup, issues } = checkStructure(files);
  return ordered([...issues, ...checkExpectations(lookup, expectations, lookups)]);
}

/** The same check for a server at work: following the numbers, the longest part, hands the event loop back every few milliseconds. */
export async function lintDialplanInSlices(files: Map<string, string>, expectations: NumberExpectation[] = [], lookups: LookupTables = new Map()): Promise<LintIssue[]> {
  await setImmediate();
  const { lookup, issues } = checkStructure(files);
  await setImmediate();
  return ordered([...issues, ...(await checkExpectationsInSlices(lookup, expectations, lookups))]);
}

/** The dialplan parsed, with the issues of its syntax, its targets and its patterns. */
function checkStructure(files: Map<string, string>): { lookup: Lookup; issues: LintIssue[] } {
  const dialplan = parseDialplan(files);
  const lookup = createLookup(dialplan);
  return { lookup, issues: [...dialplan.issues, ...checkTargets(lookup), ...checkShadowing(lookup)] };
}

/** One issue per code and message, by place in the files. */
function ordered(issues: LintIssue[]): LintIssue[] {
  const unique = [...new Map(issues.map((issue) => [`${issue.code}\u0000${issue.message}`, issue])).values()];
  return unique.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || CODE_ORDER.indexOf(a.code) - CODE_ORDER.indexOf(b.code));
}
