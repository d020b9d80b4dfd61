import type { DomainModule } from '../domains/types.js';
import { dialplanSafe } from '../pbx/render/text.js';

export const outboundContext = 'pbx-outbound';

/** Destinations that need no object: hang up, and an external number (out through DialPlan1's dial rules: src/dial-permissions renders pbx-outbound). */
export const builtinDestinations: DomainModule = {
  name: 'builtin-destinations',
  destinations: [
    { type: 'HANGUP', description: 'End the call', target: { kind: 'none' }, dialplanTarget: () => 'Hangup()' },
    {
      type: 'EXTERNAL_NUMBER',
      description: 'An outside number, dialled through the dial rules of the default dial permission DialPlan1 (congestion when none matches)',
      target: { kind: 'text', pattern: /^\+?[0-9*#]{1,32}$/, rule: 'an external number: digits, * and # with an optional leading +, at most 32' },
      dialplanTarget: (d) => `Goto(${outboundContext},${dialplanSafe(d.number!, 'external number')},1)`,
    },
  ],
};
