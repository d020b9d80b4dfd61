import type { z } from 'zod';
import type { FieldIssue } from '../errors.js';

/**
 * One mapping from zod's issues to the field issues every mutation answers
 * with: the path under `path`, zod's message, and a stable code.
 */
export function zodIssues(error: z.ZodError, path: string[]): FieldIssue[] {
  return error.issues.map((issue) => ({ path: [...path, ...issue.path.map(String)], message: issue.message, code: issueCode(issue.code) }));
}

/** Checks one value against its schema; the issues name `path`. */
export function checkField(schema: z.ZodType, value: unknown, path: string[]): FieldIssue[] {
  const result = schema.safeParse(value);
  return result.success ? [] : zodIssues(result.error, path);
}

function issueCode(zodCode: string): string {
  switch (zodCode) {
    case 'too_small':
    case 'too_big':
      return 'OUT_OF_BOUNDS';
    case 'invalid_format':
      return 'INVALID_FORMAT';
    case 'invalid_value':
      return 'INVALID_VALUE';
    case 'invalid_type':
      return 'INVALID_TYPE';
    default:
      return 'INVALID';
  }
}
