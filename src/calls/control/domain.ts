import type { DomainModule } from '../../domains/types.js';
import { callControlContexts } from './contexts.js';
import { callControlDialplan, callControlExpectations } from './dialplan.js';
import { parkingConf } from './parking-conf.js';

/**
 * Call control (issue 10): the contexts the API sends calls into
 * (click-to-call, hold), and call parking (F-4.7.c): the lot over the park
 * range and its slots, which phones dial with the right allowParking.
 */
export const callControlDomain: DomainModule = {
  name: 'call-control',
  rights: [{ name: 'allowParking', description: 'May take parked calls back by dialling their slot (F-4.3.3 呼叫停泊, F-4.7.c)' }],
  config: [{ file: 'res_parking.conf', order: 0, render: parkingConf }],
  dialplan: {
    includes: [{ context: callControlContexts.parkedCalls, right: 'allowParking' }],
    contexts: callControlDialplan,
  },
  expectations: callControlExpectations,
};
