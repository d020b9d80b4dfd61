import { builtinDestinations } from '../destinations/builtin.js';
import { departmentsDomain } from '../departments/domain.js';
import { extensionsDomain } from '../extensions/domain.js';
import { featureCodesDomain } from '../feature-codes/domain.js';
import { accountsDomain } from '../auth/domain.js';
import { pbxSettingsDomain } from '../settings/domain.js';
import { trunksDomain } from '../trunks/domain.js';
import { securityDomain } from '../security/domain.js';
import { dialPermissionsDomain } from '../dial-permissions/domain.js';
import { dialRulesDomain } from '../dial-rules/domain.js';
import { pinSetsDomain } from '../pin-sets/domain.js';
import { inboundDomain } from '../inbound/domain.js';
import { timeRulesDomain } from '../time-rules/domain.js';
import { domains } from './registry.js';
import { queuesDomain } from '../queues/domain.js';
import { soundsDomain } from '../sounds/domain.js';
import { blacklistDomain } from '../blacklist/domain.js';
import { whitelistsDomain } from '../whitelists/domain.js';
import { officePauseDomain } from '../office-pause/domain.js';
import { ivrDomain } from '../ivr/domain.js';
import { recordsDomain } from '../records/domain.js';
import { callControlDomain } from '../calls/control/domain.js';
import { callForwardingDomain } from '../call-forwarding/domain.js';

/**
 * The domains this server runs with, one line each. The order is the order
 * of their dialplan contexts and of what pbx-internal includes.
 */
domains
  .register(featureCodesDomain)
  .register(extensionsDomain)
  .register(departmentsDomain)
  .register(builtinDestinations)
  .register(accountsDomain)
  .register(pbxSettingsDomain)
  .register(pinSetsDomain)
  .register(dialRulesDomain)
  .register(dialPermissionsDomain);
domains.register(trunksDomain);
domains.register(securityDomain);
domains.register(timeRulesDomain);
domains.register(inboundDomain);
domains.register(officePauseDomain);
domains.register(blacklistDomain);
domains.register(whitelistsDomain);
domains.register(soundsDomain);
domains.register(ivrDomain);
domains.register(queuesDomain);
domains.register(recordsDomain);
domains.register(callControlDomain);
domains.register(callForwardingDomain);

export { domains };
