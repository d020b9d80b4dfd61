import type { DomainModule } from '../domains/types.js';
import { context, exten } from '../pbx/render/dialplan-text.js';
import { dialplanSafe } from '../pbx/render/text.js';

export const outboundContext = 'pbx-outbound';

/** Destinations that need no object: hang up, and an external number (F-4.3 dial rules take it over when they exist). */
export const builtinDestinations: DomainModule = {
  name: 'builtin-destinations',
  destinations: [
    { type: 'HANGUP', description: 'End the call', target: { kind: 'none' }, dialplanTarget: () => 'Hangup()' },
    {
      type: 'EXTERNAL_NUMBER',
      description: 'An outside number (answered with congestion until dial rules and trunks exist)',
      target: { kind: 'text', pattern: /^\+?[0-9*#]{1,32}$/, rule: 'an external number: digits, * and # with an optional leading +, at most 32' },
      dialplanTarget: (d) => `Goto(${outboundContext},${dialplanSafe(d.number!, 'external number')},1)`,
    },
  ],
  // External numbers have nowhere to go until dial rules and trunks exist: the caller hears congestion.
  dialplan: { contexts: () => [context(outboundContext, [exten('_[+0-9*#].', ['NoOp(No dial rule reaches ${EXTEN})', 'Congestion(5)', 'Hangup()'])])] },
};
