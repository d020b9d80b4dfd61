import type { DomainModule } from '../domains/types.js';
import { renderBansAcl } from './config.js';
import { readSecuritySlice } from './snapshot.js';

/** Intrusion protection, the IP blacklist and the trusted networks (F-7.7.2–F-7.7.4). */
export const securityDomain: DomainModule = {
  name: 'security',
  readSnapshot: (tx) => readSecuritySlice(tx),
  config: [{ file: 'pjsip.conf', order: 90, render: renderBansAcl }],
};
