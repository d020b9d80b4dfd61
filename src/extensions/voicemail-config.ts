import { safe, section } from '../pbx/render/text.js';
import type { PbxSnapshot } from '../pbx/render/snapshot.js';

/** voicemail.conf of IP extensions (F-4.6.4) and the press-0 operator it offers. */

/** The operator extension that press-0 reaches: only while press-0 is on and the operator exists and is enabled. */
export function pressZeroOperator(snapshot: PbxSnapshot): string | null {
  const { pressZeroToOperator, operatorExtension } = snapshot.settings.pbx;
  if (!pressZeroToOperator || !operatorExtension) return null;
  return snapshot.extensions.some((e) => e.number === operatorExtension && e.enabled) ? operatorExtension : null;
}

/** Why press-0 is on but reaches no one, for the apply report. */
export function pressZeroWarnings(snapshot: PbxSnapshot): string[] {
  const { pressZeroToOperator, operatorExtension } = snapshot.settings.pbx;
  return pressZeroToOperator && !pressZeroOperator(snapshot)
    ? [`press 0 to the operator is on, but the operator extension ${operatorExtension || '(none)'} does not exist or is disabled: callers are not offered 0`]
    : [];
}

/** voicemail.conf: the general options (F-4.6.4 defaults until its settings exist) and one mailbox per extension with voicemail on. */
export function voicemailFile(snapshot: PbxSnapshot): { parts: string[]; warnings: string[] } {
  const general = section('general', [
    ['format', 'wav'],
    ['attach', false],
    ['maxmsg', 100],
    ['maxsecs', 300],
    ['minsecs', 1],
    ['maxgreet', 60],
    ['saycid', false],
    ['sayduration', false],
    ['envelope', true],
    ['review', false],
    // 0 during the greeting jumps to extension `o` of the caller's context (F-4.6.1 press 0).
    ['operator', pressZeroOperator(snapshot) !== null],
  ]);
  return { parts: [general, ...mailboxes(snapshot).parts], warnings: pressZeroWarnings(snapshot) };
}

/** voicemail.conf: one mailbox per extension with voicemail on. */
function mailboxes(snapshot: PbxSnapshot): { parts: string[] } {
  const boxes = snapshot.extensions
    .filter((e) => e.voicemailEnabled)
    .map((e) => `${safe(e.number, 'mailbox')} => ${safe(e.voicemailPin, `mailbox ${e.number} PIN`)},${safe(e.name, `mailbox ${e.number} name`)},${safe(e.email, `mailbox ${e.number} email`)}`);
  return { parts: [['[default]', ...boxes, ''].join('\n')] };
}
