import type { PbxSnapshot } from './snapshot.js';
import { file, safe, section } from './text.js';

/** voicemail.conf: the general options (F-4.6.4 defaults until its settings exist) and one mailbox per extension with voicemail on. */
export function renderVoicemail(snapshot: PbxSnapshot): string {
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
    ['operator', snapshot.settings.pbx.pressZeroToOperator],
  ]);
  const boxes = snapshot.extensions
    .filter((e) => e.voicemailEnabled)
    .map((e) => `${safe(e.number, 'mailbox')} => ${safe(e.voicemailPin, `mailbox ${e.number} PIN`)},${safe(e.name, `mailbox ${e.number} name`)},${safe(e.email, `mailbox ${e.number} email`)}`);
  return file(general, ['[default]', ...boxes, ''].join('\n'));
}
