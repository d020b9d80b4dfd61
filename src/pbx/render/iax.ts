import { section } from './text.js';

/** iax.conf, the core's part: on the standard port until IAX settings (F-4.6.2.b) exist. Friends come from the domains. */
export function iaxCore(): { parts: string[] } {
  return {
    parts: [
      section('general', [
        ['bindaddr', '0.0.0.0'],
        ['bindport', 4569],
        ['disallow', 'all'],
        ['allow', 'ulaw'],
        ['allow', 'alaw'],
        ['autokill', true],
      ]),
    ],
  };
}
