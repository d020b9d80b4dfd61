import { setImmediate } from 'node:timers/promises';
import { hasVariable, splitFirst } from './app-args.js';
import { indexLookups, isTrue, lookupStepOf, substitute, type CallState, type LookupIndex, type LookupStep } from './call-time.js';
import { describeRef, issueAt } from './issues.js';
import { parseLocation, type GotoLocation } from './jumps.js';
import { describeWanted, wantedPriority, type Lookup, type Wanted } from './lookup.js';
import type { DialplanExtension, DialplanStep, LintIssue, LookupRow, LookupTables, NumberExpectation, SourceRef } from './types.js';

/**
 * UNREACHABLE_NUMBER: dial the number in its context the way Asterisk does
 * (lookup.ts; caller-id-specific extensions are ignored because they do not
 * answer every caller), take priority 1, and follow unconditional Gotos for at
 * most MAX_GOTO_HOPS jumps. Call-time lookups are followed too (call-time.ts):
 * a `Set(HASH(h)=${REALTIME_HASH(family,column,key)})` step reads the row the
 * lookup tables hold for the key and goes on to the next priority, and a GotoIf
 * whose condition depends only on the dialled number and such rows is decided
 * (its branch taken, or the next priority). An expectation with `lookup` also
 * needs that lookup on the path, with its row found. The expectation holds when the step reached runs
 * `reaches.app` and/or the chain has entered `reaches.context` (an extension
 * defined there, or a Goto or Gosub into it: a subroutine is where the feature
 * runs, though the channel comes back afterwards) and/or the step reached is
 * `reaches.step` exactly, in which case a Goto or Gosub step must also land
 * (its target extension and priority exist). Only the landing step counts: an
 * application that runs after it (say Dial after Answer) does not.
 *
 * The number may be any extension name in any context: a key of an IVR menu
 * (`2`, `*`, `#`) or the `t` and `i` extensions Asterisk enters on a timeout
 * or an invalid key are looked up as dialled numbers are.
 */
const MAX_GOTO_HOPS = 10;

export function checkExpectations(lookup: Lookup, expectations: readonly NumberExpectation[], tables: LookupTables = new Map()): LintIssue[] {
  return expectations.flatMap(expectationChecker(lookup, tables));
}

/**
 * The same check, handing the event loop back whenever it has run for `sliceMs`: at 4,000
 * extensions there are over 10,000 numbers to follow (a quarter of a second to a second of work),
 * which would otherwise hold every request and Asterisk event waiting.
 */
export async function checkExpectationsInSlices(lookup: Lookup, expectations: readonly NumberExpectation[], tables: LookupTables = new Map(), sliceMs = 10): Promise<LintIssue[]> {
  const check = expectationChecker(lookup, tables);
  const issues: LintIssue[] = [];
  let sliceStarted = performance.now();
  for (const expectation of expectations) {
    issues.push(...check(expectation));
    if (performance.now() - sliceStarted >= sliceMs) {
      await setImmediate();
      sliceStarted = performance.now();
    }
  }
  return issues;
}

function expectationChecker(lookup: Lookup, tables: LookupTables): (expectation: NumberExpectation) => LintIssue[] {
  const index = indexLookups(tables);
  return (expectation) => {
    const problem = followNumber(lookup, expectation, index);
    if (!problem) return [];
    const context = lookup.dialplan.contexts.get(expectation.context);
    const ref = problem.at?.ref ?? context?.refs[0] ?? { file: lookup.dialplan.rootFile, line: 0 };
    const text = `number ${expectation.number} (${expectation.owner}) dialled from [${expectation.context}] ${problem.text}`;
    const issue = issueAt('UNREACHABLE_NUMBER', ref, text, problem.at?.context ?? (context ? expectation.context : undefined));
    return [{ ...issue, context: expectation.context, extension: expectation.number }];
  };
}

/** `at`: the step where following the number went wrong, when there is one. */
type Problem = { text: string; at?: { ref: SourceRef; context: string } };

function describeExpected(reaches: NumberExpectation['reaches']): string {
  const parts: string[] = [];
  if (reaches.app) parts.push(`application ${reaches.app}`);
  if (reaches.context) parts.push(`context ${reaches.context}`);
  if (reaches.step) parts.push(`step ${reaches.step}`);
  return parts.join(' and ') || 'any extension';
}

function describeStep(extension: DialplanExtension, step: DialplanStep): string {
  return `${step.app} at ${describeRef(step.ref)} [${extension.context}] exten ${extension.name} priority ${step.priority}`;
}

/** Where a step sends the call, as far as it is known here. */
type Next = { kind: 'jump'; location: GotoLocation } | { kind: 'next' } | { kind: 'stop' } | { kind: 'problem'; text: string };

/**
 * The steps the follower goes through besides Goto and Gosub: a lookup step
 * (it reads a row into a hash and goes on), and a GotoIf whose condition is
 * decided by the dialled number and the rows looked up so far.
 */
function nextOf(step: DialplanStep, state: CallState, index: LookupIndex, onLookup: (found: LookupStep, key: string, row: LookupRow | null) => void): Next {
  const app = step.app.toLowerCase();
  const lookupStep = lookupStepOf(step.app, step.args);
  if (lookupStep) {
    const key = substitute(lookupStep.value, state, index);
    if (key === undefined) return { kind: 'stop' };
    const row = index.find(lookupStep.family, lookupStep.column, key);
    if (row === undefined) return { kind: 'problem', text: `reaches a lookup in ${lookupStep.family} at ${describeRef(step.ref)}, but the check has no rows of that family` };
    state.hashes.set(lookupStep.hash, row);
    onLookup(lookupStep, key, row);
    return { kind: 'next' };
  }
  if (app === 'goto' || app === 'gosub') {
    // Gosub(context,exten,priority(arg,...)): the arguments of the subroutine are not part of the location.
    const location = parseLocation(app === 'gosub' ? (splitFirst(step.args, '(')?.[0] ?? step.args) : step.args);
    return location ? { kind: 'jump', location } : { kind: 'problem', text: `reaches Goto(${step.args}) at ${describeRef(step.ref)} without a usable target` };
  }
  if (app !== 'gotoif') return { kind: 'stop' };
  const split = splitFirst(step.args, '?');
  if (!split) return { kind: 'stop' };
  const condition = substitute(split[0], state, index);
  if (condition === undefined) return { kind: 'stop' };
  const [ifTrue, ifFalse = ''] = splitFirst(split[1], ':') ?? [split[1], ''];
  const branch = isTrue(condition) ? ifTrue : ifFalse;
  if (!branch) return { kind: 'next' };
  const location = parseLocation(branch);
  return location ? { kind: 'jump', location } : { kind: 'problem', text: `reaches GotoIf(${step.args}) at ${describeRef(step.ref)} without a usable target` };
}

function followNumber(lookup: Lookup, expectation: NumberExpectation, index: LookupIndex): Problem | undefined {
  const { reaches } = expectation;
  const options = { ignoreCallerIdMatches: true };
  const landing = lookup.find(expectation.context, expectation.number, { priority: 1 }, options);
  if (!landing.found) {
    if (landing.missing === 'context') return { text: `fails: context ${expectation.context} does not exist` };
    return { text: `matches no extension with a priority 1 in [${expectation.context}] or the contexts it includes` };
  }

  const entered = new Set<string>([landing.extension.context]);
  const wantedStep = reaches.step === undefined ? undefined : parseStep(reaches.step);
  const state: CallState = { exten: expectation.number, hashes: new Map() };
  // The lookup the expectation names: still to come, done and its row found, or done and no row.
  let looked: 'pending' | 'found' | 'missing' = expectation.lookup ? 'pending' : 'found';
  const onLookup = (step: LookupStep, key: string, row: LookupRow | null) => {
    if (expectation.lookup && step.family === expectation.lookup.family && key === expectation.lookup.key) looked = row ? 'found' : 'missing';
  };
  const lookupNote = () => {
    if (!expectation.lookup || looked === 'found') return '';
    const { family, key } = expectation.lookup;
    return looked === 'missing' ? `; the lookup of ${key} in ${family} finds no row` : `; it never looks ${key} up in ${family}`;
  };
  const holds = (step: DialplanStep) =>
    looked === 'found' &&
    (!reaches.app || step.app.toLowerCase() === reaches.app.toLowerCase()) &&
    (!reaches.context || entered.has(reaches.context)) &&
    (!wantedStep || (step.app.toLowerCase() === wantedStep.app.toLowerCase() && step.args === wantedStep.args));
  // The wanted step has run; only where it jumps to remains to be found.
  let matched = false;
  let channelContext = expectation.context;
  let channelExten = expectation.number;
  let { extension, step } = landing;
  const path = [`${extension.name}@${extension.context}`];

  const here = () => ({ ref: step.ref, context: extension.context });

  for (let hops = 0, first = true; ; first = false) {
    if (!matched && holds(step)) {
      if (!wantedStep || !isJump(step)) return undefined;
      matched = true;
    }
    const next = nextOf(step, state, index, onLookup);
    if (next.kind === 'problem') return { text: next.text + lookupNote(), at: here() };
    if (next.kind === 'stop') {
      const via = path.length > 1 ? ` (via ${path.join(' → ')})` : '';
      const shadow = first ? shadowNote(lookup, expectation, extension) : '';
      return {
        text: `reaches ${describeStep(extension, step)}${via}, expected ${describeExpected(reaches)}${lookupNote()}${shadow}`,
        at: here(),
      };
    }
    let wanted: Wanted;
    if (next.kind === 'next') {
      wanted = { priority: step.priority + 1 };
    } else {
      if (hops === MAX_GOTO_HOPS) {
        return { text: `still follows Gotos after ${MAX_GOTO_HOPS} hops (${path.join(' → ')}): a loop?`, at: here() };
      }
      hops++;
      const { location } = next;
      if (location.context !== undefined) {
        if (hasVariable(location.context)) {
          return { text: `reaches ${step.app}(${step.args}) at ${describeRef(step.ref)}, whose context is only known at run time`, at: here() };
        }
        if (!lookup.dialplan.contexts.has(location.context)) {
          return { text: `reaches ${step.app}(${step.args}) at ${describeRef(step.ref)}, but context ${location.context} does not exist`, at: here() };
        }
        channelContext = location.context;
        entered.add(channelContext);
        if (!matched && holds(step) && !reaches.app) return undefined;
      }
      if (location.exten !== undefined) channelExten = location.exten;
      if (hasVariable(channelExten) || hasVariable(location.priority)) {
        return { text: `reaches ${step.app}(${step.args}) at ${describeRef(step.ref)}, whose target is only known at run time`, at: here() };
      }
      state.exten = channelExten;
      wanted = wantedPriority(location.priority, step.priority);
    }
    const found = lookup.find(channelContext, channelExten, wanted, options);
    if (!found.found) {
      const missing = found.missing === 'extension' ? `no extension matches ${channelExten}` : `${channelExten} has no ${describeWanted(wanted)}`;
      return { text: `reaches ${step.app}(${step.args}) at ${describeRef(step.ref)}, but in [${channelContext}] ${missing}`, at: here() };
    }
    if (matched) return undefined;
    if (found.extension !== extension) path.push(`${found.extension.name}@${found.extension.context}`);
    ({ extension, step } = found);
    entered.add(extension.context);
  }
}

const isJump = (step: DialplanStep) => ['goto', 'gosub'].includes(step.app.toLowerCase());

/** `App(args)` as a step of the dialplan reads it: the application and its raw data. */
function parseStep(text: string): { app: string; args: string } {
  const match = /^([A-Za-z0-9_]+)\((.*)\)$/s.exec(text.trim());
  return match ? { app: match[1]!, args: match[2]! } : { app: text.trim(), args: '' };
}

/** When an explicit extension for the number exists but something else answers first, say so. */
function shadowNote(lookup: Lookup, expectation: NumberExpectation, winner: DialplanExtension): string {
  const explicit = lookup
    .candidates(expectation.context, expectation.number, { ignoreCallerIdMatches: true })
    .find((candidate) => candidate !== winner && candidate.compiled.kind === 'explicit' && candidate.byPriority.has(1));
  if (!explicit) return '';
  return `; exten ${explicit.name} at ${describeRef(explicit.ref)} [${explicit.context}] is shadowed: ${winner.name} in [${winner.context}] is searched first`;
}
