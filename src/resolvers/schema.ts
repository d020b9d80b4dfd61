import { builder } from './builder.js';
import './errors.js';
import './auth.js';
import './destinations.js';
import './extensions.js';
import './departments.js';
import './trunks.js';
import './pin-sets.js';
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

/** The whole GraphQL schema, assembled from one module per domain. */
export const schema = builder.toSchema({ sortSchema: true });
