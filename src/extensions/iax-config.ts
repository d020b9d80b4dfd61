import { permissionContext } from '../dial-permissions/context.js';
import { section } from '../pbx/render/text.js';
import type { PbxSnapshot } from '../pbx/render/snapshot.js';
import { callerId, outboundWhitelist } from './pjsip-objects.js';

/** iax.conf of IP extensions that may also register over IAX2 (F-4.1.2.c). */

const iaxCodecs: Record<string, string | undefined> = { ULAW: 'ulaw', ALAW: 'alaw', G729: 'g729', GSM: 'gsm', G722: 'g722', G726: 'g726', SPEEX: 'speex', OPUS: 'opus' };

/** iax.conf: one friend per enabled extension with IAX2 on (F-4.1.2.c). */
export function iaxFriends(snapshot: PbxSnapshot): { parts: string[] } {
  const parts = snapshot.extensions
    .filter((e) => e.enabled && e.iax2Enabled)
    .map((e) =>
      section(e.number, [
        ['type', 'friend'],
        ['host', 'dynamic'],
        ['secret', e.password],
        ['context', permissionContext(e.dialPermission)],
        ['callerid', callerId(e)],
        ['disallow', 'all'],
        [
          'allow',
          e.codecs
            .map((c) => iaxCodecs[c])
            .filter(Boolean)
            .join(','),
        ],
        ['qualify', e.qualifyFrequencySeconds > 0],
        ['mailbox', e.voicemailEnabled ? `${e.number}@default` : undefined],
        ['language', e.language === 'DEFAULT' ? undefined : e.language],
        ['requirecalltoken', false],
        ['transfer', 'mediaonly'],
        ['setvar', outboundWhitelist(snapshot, e)],
      ]),
    );
  return { parts };
}
