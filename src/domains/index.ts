import { builtinDestinations } from '../destinations/builtin.js';
import { departmentsDomain } from '../departments/domain.js';
import { extensionsDomain } from '../extensions/domain.js';
import { featureCodesDomain } from '../feature-codes/domain.js';
import { accountsDomain } from '../auth/domain.js';
import { pbxSettingsDomain } from '../settings/domain.js';
import { domains } from './registry.js';

/**
 * The domains this server runs with, one line each. The order is the order
 * of their dialplan contexts and of what pbx-internal includes.
 */
domains.register(featureCodesDomain).register(extensionsDomain).register(departmentsDomain).register(builtinDestinations).register(accountsDomain).register(pbxSettingsDomain);

export { domains };
