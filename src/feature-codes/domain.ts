import type { DomainModule } from '../domains/types.js';
import { coreContexts } from '../pbx/render/dialplan-text.js';
import { featureCodeContext, featureCodeContexts, featureCodeExpectations, featuresFile } from './config.js';
import { readFeatureCodes } from './service.js';

/** Feature codes (F-4.7): idle-dial codes in the dialplan, in-call codes in features.conf. */
export const featureCodesDomain: DomainModule = {
  name: 'feature-codes',
  readSnapshot: async (tx) => ({ featureCodes: await readFeatureCodes(tx) }),
  config: [{ file: 'features.conf', order: 0, render: featuresFile }],
  dialplan: { includes: [featureCodeContexts.featureCodes], contexts: (snapshot) => [featureCodeContext(snapshot)] },
  expectations: (snapshot) => featureCodeExpectations(snapshot).map((e) => ({ ...e, context: coreContexts.internal })),
};
