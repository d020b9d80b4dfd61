/** The end-to-end harness: a real Asterisk fed with rendered files, and pjsua phones. */
export { e2eBinaries, findAsterisk, findPjsua, pjsuaSupportsSrtp, skipNote } from './binaries.js';
export { allocatePorts, freePort, freeUdpRange, withPorts, type PbxPorts } from './ports.js';
export { configProblems, installationOf, MODULES_BY_FILE, startAsterisk, terminate, type Asterisk, type AsteriskOptions } from './asterisk.js';
export { callState, disconnected, incomingCall, startPhone, type Phone, type PhoneOptions, type Registration } from './phone.js';
export { createSandbox, type Sandbox } from './sandbox.js';
export { asteriskServerEnv } from './server-env.js';

import { reloadModules } from '../../../src/pbx/render/index.js';
/** The files our server renders; Asterisk's problems with any of them fail a run (modules.conf: see MODULES_BY_FILE). */
export const RENDERED_FILES = Object.keys(reloadModules).filter((name) => name !== 'modules.conf');
