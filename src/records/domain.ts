import type { DomainModule } from '../domains/types.js';
import { recordContexts, recordDialplan, renderCdrConf, renderCdrCustomConf } from './config.js';

/**
 * Call records (F-5.2) and recordings (F-5.1): the CDR backend Asterisk
 * keeps by itself (cdr.conf, cdr_custom.conf), the inbound step that puts
 * the trunk and the DID into the record, and the context that names
 * one-touch recordings.
 */
export const recordsDomain: DomainModule = {
  name: 'records',
  config: [
    { file: 'cdr.conf', order: 0, render: renderCdrConf },
    { file: 'cdr_custom.conf', order: 0, render: renderCdrCustomConf },
  ],
  // First of all steps: a call refused by a later step is recorded with its trunk and DID too.
  inboundSteps: [{ order: 5, context: recordContexts.inbound, description: 'the trunk and the DID of the call into its call record' }],
  dialplan: { contexts: () => recordDialplan() },
};
