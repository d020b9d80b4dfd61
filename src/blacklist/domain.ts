import type { DomainModule } from '../domains/types.js';
import { inboundContexts } from '../inbound/contract.js';
import { coreContexts } from '../pbx/render/dialplan-text.js';
import { blacklistContexts, blacklistDialplan, blacklistExpectations, lastCallerFamily } from './config.js';

/** The caller blacklist (F-4.2.6) and its feature codes (F-4.7.e). */
export const blacklistDomain: DomainModule = {
  name: 'blacklist',
  inboundSteps: [{ order: 10, context: inboundContexts.blacklist, description: 'callers on the blacklist are refused' }],
  readSnapshot: async (tx) => ({ blacklist: (await tx.blacklistEntry.findMany({ select: { number: true }, orderBy: { number: 'asc' } })).map((r) => r.number) }),
  dialplan: {
    includes: [{ context: blacklistContexts.codes, right: 'allowFeatureCodes' }],
    contexts: blacklistDialplan,
  },
  expectations: (snapshot) => blacklistExpectations(snapshot).map((e) => ({ ...e, context: coreContexts.internal })),
  numberKeyedFamilies: [{ family: lastCallerFamily, holds: 'the last outside caller' }],
};
