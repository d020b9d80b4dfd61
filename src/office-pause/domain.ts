import type { DomainModule } from '../domains/types.js';
import { inboundContexts } from '../inbound/contract.js';
import { coreContexts } from '../pbx/render/dialplan-text.js';
import { officePauseCodeContext, officePauseContexts, officePauseExpectations, officePauseInboundContext } from './config.js';
import { officePauseOwner, readOfficePauseSlice } from './snapshot.js';

/** Office pause (F-4.2.4.a) and its feature codes *81 / *081 (F-4.7.l). */
export const officePauseDomain: DomainModule = {
  name: 'office-pause',
  inboundSteps: [{ order: 30, context: inboundContexts.officePause, description: 'while office pause is on, every inbound call goes to its destination' }],
  destinationSlots: { [officePauseOwner.slot]: 'sends every inbound call there while office pause is on' },
  readSnapshot: (tx) => readOfficePauseSlice(tx),
  dialplan: {
    includes: [{ context: officePauseContexts.codes, right: 'allowFeatureCodes' }],
    contexts: (snapshot) => [officePauseInboundContext(snapshot), officePauseCodeContext(snapshot)],
  },
  expectations: (snapshot) => officePauseExpectations(snapshot).map((e) => ({ ...e, context: coreContexts.internal })),
};
