import { lintDialplan, parseDialplan, type LintIssue, type NumberExpectation } from '../../../src/pbx/lint/index.js';

/** Fixtures are written indented inside template strings; drop the common indentation. */
export function conf(text: string): string {
  const lines = text.replace(/^\n/, '').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length));
  return lines.map((l) => l.slice(indent)).join('\n');
}

export function files(main: string, others: Record<string, string> = {}): Map<string, string> {
  return new Map([['extensions.conf', conf(main)], ...Object.entries(others).map(([k, v]) => [k, conf(v)] as [string, string])]);
}

export function lint(main: string, expectations: NumberExpectation[] = [], others: Record<string, string> = {}): LintIssue[] {
  return lintDialplan(files(main, others), expectations);
}

export function parse(main: string, others: Record<string, string> = {}) {
  return parseDialplan(files(main, others));
}

export function messages(issues: LintIssue[], code?: LintIssue['code']): string[] {
  return issues.filter((i) => !code || i.code === code).map((i) => i.message);
}

export function expectDial(number: string, context = 'internal', app = 'Dial'): NumberExpectation {
  return { number, context, reaches: { app }, owner: `extension ${number}` };
}
