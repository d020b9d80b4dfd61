import { builder } from './builder.js';
import './errors.js';
import './auth.js';
import './destinations.js';
import './extensions.js';
import './departments.js';
import './trunks.js';
import './pin-sets.js';
import './time-rules.js';
import './dial-rules.js';
import './dial-permissions.js';
import './settings.js';
import './feature-codes.js';
import './audit.js';
import './numbering.js';
import './pbx.js';
import './live.js';
import './security.js';
import './trunk-status.js';
import './office-pause.js';
import './inbound-calls.js';
import './inbound.js';
import './blacklist.js';
import './whitelists.js';

/** The whole GraphQL schema, assembled from one module per domain. */
export const schema = builder.toSchema({ sortSchema: true });
