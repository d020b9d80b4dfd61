import type { PbxSnapshot } from './snapshot.js';
import { section } from './text.js';

/** voicemail.conf, the core's part: the general options (F-4.6.4 defaults until its settings exist). Mailboxes come from the domains. */
export function voicemailCore(snapshot: PbxSnapshot): { parts: string[] } {
  return {
    parts: [
      section('general', [
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
        ['operator', snapshot.settings.pbx.pressZeroToOperator],
      ]),
    ],
  };
}
