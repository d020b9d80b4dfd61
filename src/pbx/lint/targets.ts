import { hasVariable } from './app-args.js';
import { issueAt } from './issues.js';
import { jumpsOf, type Jump } from './jumps.js';
import { describeWanted, wantedPriority, type Lookup, type Wanted } from './lookup.js';
import type { DialplanContext, DialplanExtension, DialplanStep, LintIssue } from './types.js';

/**
 * UNKNOWN_TARGET: every include, Goto/GotoIf/GotoIfTime/Gosub/GosubIf location
 * and Local/exten@context channel in Dial/Page must exist.
 *
 * Parts holding `${...}` or `$[...]` are only known at run time, so we check what
 * is literal: a variable context is not checked at all; a literal context with a
 * variable extension must exist and hold at least one extension (itself or
 * through includes); a literal extension with a variable priority must exist.
 *
 * A Goto without a context is resolved in the context that defines the step.
 * When that context is reached through an include, Asterisk resolves it in the
 * including (channel) context instead, whose search also covers this one.
 */
export function checkTargets(lookup: Lookup): LintIssue[] {
  const issues: LintIssue[] = [];
  for (const context of lookup.dialplan.contexts.values()) {
    for (const include of context.includes) {
      if (hasVariable(include.context) || lookup.dialplan.contexts.has(include.context)) continue;
      issues.push(issueAt('UNKNOWN_TARGET', include.ref, `include => ${include.context} → context ${include.context} does not exist`, context.name));
    }
    for (const extension of context.extensions) {
      for (const step of extension.steps) {
        for (const jump of jumpsOf(step)) {
          const problem = jumpProblem(lookup, context, extension, step, jump);
          if (!problem) continue;
          const code = jump.kind === 'malformed' ? 'SYNTAX' : 'UNKNOWN_TARGET';
          const via = jump.kind === 'malformed' || jump.text === step.args ? '' : `${jump.text}: `;
          issues.push(issueAt(code, step.ref, `${step.app}(${step.args}) → ${via}${problem}`, context.name, extension.name));
        }
      }
    }
  }
  return issues;
}

function jumpProblem(lookup: Lookup, context: DialplanContext, extension: DialplanExtension, step: DialplanStep, jump: Jump): string | undefined {
  if (jump.kind === 'malformed') return jump.reason;
  if (jump.kind === 'local') return targetProblem(lookup, jump.context, jump.exten, '1', step.priority);
  const { location } = jump;
  if (location.context === undefined && location.exten === undefined) {
    return ownPriorityProblem(extension, wantedPriority(location.priority, step.priority));
  }
  return targetProblem(lookup, location.context ?? context.name, location.exten ?? extension.name, location.priority, step.priority);
}

/** Goto(priority) stays in the extension being run. */
function ownPriorityProblem(extension: DialplanExtension, wanted: Wanted): string | undefined {
  if ('label' in wanted && hasVariable(wanted.label)) return undefined;
  const present = 'label' in wanted ? extension.byLabel.has(wanted.label) : extension.byPriority.has(wanted.priority);
  return present ? undefined : `exten ${extension.name} has no ${describeWanted(wanted)}`;
}

function targetProblem(lookup: Lookup, contextName: string, exten: string, priority: string, currentPriority: number): string | undefined {
  if (hasVariable(contextName)) return undefined;
  const context = lookup.dialplan.contexts.get(contextName);
  if (!context) return `context ${contextName} does not exist`;
  if (hasVariable(exten)) {
    const hasAny = lookup.searchOrder(contextName).some((entry) => entry.context.extensions.length > 0);
    return hasAny ? undefined : `context ${contextName} has no extensions`;
  }
  const wanted: Wanted = hasVariable(priority) ? { priority: Number.NaN } : wantedPriority(priority, currentPriority);
  const result = lookup.find(contextName, exten, wanted);
  if (result.found) return undefined;
  if (result.missing === 'extension') {
    const included = lookup
      .searchOrder(contextName)
      .slice(1)
      .map((entry) => entry.context.name);
    const where = included.length ? ` (searched ${[contextName, ...included].join(', ')})` : '';
    return `exten ${exten} not found in context ${contextName}${where}`;
  }
  if (hasVariable(priority)) return undefined; // the extension exists; its priority is decided at run time
  return `exten ${exten} in context ${contextName} has no ${describeWanted(wanted)}`;
}
