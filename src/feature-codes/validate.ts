import type { FieldIssue } from '../errors.js';
import { featureCodeTable, type FeatureCodes } from './table.js';

const codePattern = /^[0-9*#]{1,10}$/;

/**
 * The codes of one phase share one namespace and no two are equal. Codes
 * pressed during a call (CALL, ATXFER, CONFERENCE, INVITE) are matched digit
 * by digit, so none may be a prefix of another. Idle codes are dialled as a
 * whole (Asterisk matches an exact extension before a pattern), so a prefix
 * clashes only between two codes that both take a number after them
 * (`*9` + number against `*90` + number). The manual's own defaults have
 * idle prefixes (`*8` and `*81`, `**` + extension and `**11`, `*55` and
 * `*55*`), which is why idle codes are not held to a stricter rule. Idle
 * codes start with * or #, so they never clash with a dialable number.
 */
export function validateFeatureCodes(codes: FeatureCodes, path: string[]): FieldIssue[] {
  const issues: FieldIssue[] = [];
  for (const spec of featureCodeTable) {
    const code = codes[spec.key]!;
    if (!codePattern.test(code)) issues.push({ path: [...path, spec.key], message: '1–10 of the characters 0–9 * #', code: 'INVALID_FORMAT' });
    else if (spec.phase === 'IDLE' && !/^[*#]/.test(code))
      issues.push({ path: [...path, spec.key], message: 'a code dialled from an idle phone starts with * or #, so it never clashes with a number', code: 'INVALID_FORMAT' });
  }
  if (issues.length) return issues;
  for (const [i, a] of featureCodeTable.entries()) {
    for (const b of featureCodeTable.slice(i + 1)) {
      if (a.phase !== b.phase) continue;
      const [ca, cb] = [codes[a.key]!, codes[b.key]!];
      if (ca === cb) {
        issues.push({ path: [...path, b.key], message: `${cb} is also the code of ${a.key}`, code: 'CODE_CLASH' });
        continue;
      }
      const [short, long] = ca.length < cb.length ? [a, b] : [b, a];
      if (!codes[long.key]!.startsWith(codes[short.key]!)) continue;
      if (a.phase === 'IDLE' && !(short.argument && long.argument)) continue;
      issues.push({ path: [...path, b.key], message: `${codes[short.key]} (${short.key}) is a prefix of ${codes[long.key]} (${long.key})`, code: 'CODE_CLASH' });
    }
  }
  return issues;
}
