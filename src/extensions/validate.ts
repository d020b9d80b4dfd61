import type { FieldIssue } from '../errors.js';
import { checkField } from '../validation/issues.js';
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
    issues.push(...checkField(extensionFieldSchemas[name], fields[name], [...path, name]));
  }
  if (fields.sendPai && fields.sendRpid) {
    issues.push({ path: [...path, 'sendRpid'], message: 'sendPai and sendRpid cannot both be on', code: 'EXCLUSIVE' });
  }
  return issues;
}

const requiredFields = new Set<ExtensionFieldName>(['number', 'name', 'password']);
