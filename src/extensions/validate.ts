import type { FieldIssue } from '../errors.js';
import { extensionFieldSchemas, type ExtensionFieldName, type ExtensionFields } from './fields.js';

/**
 * Checks a complete extension (after defaults or the stored values are merged
 * with the input). `path` prefixes every issue: ["input"] for one extension,
 * ["rows", "14"] for row 14 of an import.
 */
export function validateExtension(fields: ExtensionFields, path: string[], only?: readonly ExtensionFieldName[]): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const names = (only ?? Object.keys(extensionFieldSchemas)) as ExtensionFieldName[];
  for (const name of names) {
    if (requiredFields.has(name) && !fields[name]) {
      issues.push({ path: [...path, name], message: 'required', code: 'REQUIRED' });
      continue;
    }
    const result = extensionFieldSchemas[name].safeParse(fields[name]);
    if (!result.success) {
      for (const issue of result.error.issues) {
        issues.push({ path: [...path, name, ...issue.path.map(String)], message: issue.message, code: codeOf(issue.code) });
      }
    }
  }
  if (fields.sendPai && fields.sendRpid) {
    issues.push({ path: [...path, 'sendRpid'], message: 'sendPai and sendRpid cannot both be on', code: 'EXCLUSIVE' });
  }
  if (fields.webrtcEnabled && !fields.webLogin) {
    issues.push({ path: [...path, 'webrtcEnabled'], message: 'WebRTC needs webLogin to be on', code: 'REQUIRES' });
  }
  return issues;
}

const requiredFields = new Set<ExtensionFieldName>(['number', 'name', 'password']);

function codeOf(zodCode: string): string {
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
