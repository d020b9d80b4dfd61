import { lintDialplan, lintDialplanInSlices, type LintIssue } from './lint/index.js';
import type { RenderResult } from './render/index.js';
import type { LintIssueReport } from './apply/applier.js';

/** The dialplan proof (D4) over a render result: every target exists, every number reaches its feature (through the call-time lookups it names), no shadowed pattern. */
export function lintRendered(result: RenderResult): LintIssueReport[] {
  return reports(lintDialplan(dialplanOf(result), result.expectations, result.lookups));
}

/** The same proof for the applier of a running server: it hands the event loop back while it follows the numbers (lint/reachability.ts). */
export async function lintRenderedInSlices(result: RenderResult): Promise<LintIssueReport[]> {
  return reports(await lintDialplanInSlices(dialplanOf(result), result.expectations, result.lookups));
}

const dialplanOf = (result: RenderResult) => new Map([...result.files].filter(([name]) => name === 'extensions.conf'));
const reports = (issues: LintIssue[]): LintIssueReport[] => issues.map((issue) => ({ code: issue.code, message: issue.message }));
