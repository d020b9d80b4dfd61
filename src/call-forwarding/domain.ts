import type { DomainModule } from '../domains/types.js';
import { forwardFamilies } from './families.js';

/** Call forwarding (F-4.5.1): astdb keys by extension number, which follow the extension when it is renumbered or deleted. */
export const callForwardingDomain: DomainModule = {
  name: 'call-forwarding',
  numberKeyedFamilies: [
    { family: forwardFamilies.ALWAYS, holds: 'call forwarding of every call' },
    { family: forwardFamilies.BUSY, holds: 'call forwarding when busy' },
    { family: forwardFamilies.NO_ANSWER, holds: 'call forwarding when unanswered' },
  ],
};
