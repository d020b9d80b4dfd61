import { INTERNAL_CONTEXT } from './pjsip.js';
import type { PbxSnapshot } from './snapshot.js';
import { Composed, file, safe, section } from './text.js';

const iaxCodecs: Record<string, string | undefined> = { ULAW: 'ulaw', ALAW: 'alaw', G729: 'g729', GSM: 'gsm', G722: 'g722', G726: 'g726', SPEEX: 'speex', OPUS: 'opus' };

/** iax.conf: one friend per enabled extension with IAX2 on (F-4.1.2.c), on the standard port until IAX settings (F-4.6.2.b) exist. */
export function renderIax(snapshot: PbxSnapshot): string {
  const general = section('general', [['bindaddr', '0.0.0.0'], ['bindport', 4569], ['disallow', 'all'], ['allow', 'ulaw'], ['allow', 'alaw'], ['autokill', true]]);
  const friends = snapshot.extensions
    .filter((e) => e.enabled && e.iax2Enabled)
    .map((e) => {
      const n = e.number;
      return section(n, [
        ['type', 'friend'],
        ['host', 'dynamic'],
        ['secret', e.password],
        ['context', INTERNAL_CONTEXT],
        ['callerid', new Composed(`"${safe(e.name, `extension ${n} name`)}" <${safe(n, 'extension number')}>`)],
        ['disallow', 'all'],
        ['allow', e.codecs.map((c) => iaxCodecs[c]).filter(Boolean).join(',')],
        ['qualify', e.qualifyFrequencySeconds > 0],
        ['mailbox', e.voicemailEnabled ? `${n}@default` : undefined],
        ['language', e.language === 'DEFAULT' ? undefined : e.language],
        ['requirecalltoken', false],
        ['transfer', 'mediaonly'],
      ]);
    });
  return file(general, ...friends);
}
