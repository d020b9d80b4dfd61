import { section } from '../pbx/render/text.js';
import type { PbxSnapshot } from '../pbx/render/snapshot.js';

/**
 * voicemail.conf of IP extensions (F-4.6.4) and the press-0 operator it offers.
 *
 * The file holds the global options only. The mailboxes are rows that
 * app_voicemail looks up at call time through the realtime family
 * `voicemail` (src/pbx/render/realtime.ts, view pbx_voicemail_box): a box
 * created, changed or removed is in effect when its transaction commits, and
 * this file, which depends on settings alone, is neither rewritten nor
 * reloaded for it.
 */

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

/** The shortest PIN app_voicemail accepts when a user changes it from the phone: the API's rule (src/extensions/fields.ts, 4–16 digits). */
const minimumPinLength = 4;

/** voicemail.conf: the general options (F-4.6.4 defaults until its settings exist); no mailbox. */
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
    ['minpassword', minimumPinLength],
    // 0 during the greeting jumps to extension `o` of the caller's context (F-4.6.1 press 0). app_voicemail
    // offers 0 only when that `o` exists, and the dialplan has it only while the operator exists and is
    // enabled: so this line follows the setting alone and the file does not change with the extensions.
    ['operator', snapshot.settings.pbx.pressZeroToOperator],
  ]);
  return { parts: [general], warnings: pressZeroWarnings(snapshot) };
}
