import type { DomainModule } from '../domains/types.js';
import { coreContexts } from '../pbx/render/dialplan-text.js';
import { dndFamily, featureCodeContext, featureCodeContexts, featureCodeExpectations, featuresFile, pickupCodeContext } from './config.js';
import { readFeatureCodes } from './service.js';

/** Feature codes (F-4.7): idle-dial codes in the dialplan, in-call codes in features.conf. */
export const featureCodesDomain: DomainModule = {
  name: 'feature-codes',
  rights: [
    { name: 'allowFeatureCodes', description: 'May use the feature codes (F-4.3.3 功能码), except pickup' },
    { name: 'allowPickup', description: 'May pick up calls with the pickup codes (F-4.3.3 呼叫代接)' },
  ],
  readSnapshot: async (tx) => ({ featureCodes: await readFeatureCodes(tx) }),
  config: [{ file: 'features.conf', order: 0, render: featuresFile }],
  dialplan: {
    includes: [
      { context: featureCodeContexts.featureCodes, right: 'allowFeatureCodes' },
      { context: featureCodeContexts.pickup, right: 'allowPickup' },
    ],
    contexts: (snapshot) => [featureCodeContext(snapshot), pickupCodeContext(snapshot)],
  },
  expectations: (snapshot) => featureCodeExpectations(snapshot).map((e) => ({ ...e, context: coreContexts.internal })),
  numberKeyedFamilies: [{ family: dndFamily, holds: 'do not disturb' }],
};
