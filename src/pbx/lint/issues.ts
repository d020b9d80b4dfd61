import type { LintCode, LintIssue, SourceRef } from './types.js';

/** Builds an issue whose message starts with "file:line [context] exten X: ". */
export function issueAt(code: LintCode, ref: SourceRef, text: string, context?: string, extension?: string): LintIssue {
  let where = `${ref.file}:${ref.line}`;
  if (context !== undefined) where += ` [${context}]`;
  if (extension !== undefined) where += ` exten ${extension}`;
  const issue: LintIssue = { code, file: ref.file, line: ref.line, message: `${where}: ${text}` };
  if (context !== undefined) issue.context = context;
  if (extension !== undefined) issue.extension = extension;
  return issue;
}

export function describeRef(ref: SourceRef): string {
  return `${ref.file}:${ref.line}`;
}
