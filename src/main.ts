import { setFlagsFromString } from 'node:v8';
import { ConfigError, loadConfig } from './config.js';
import { startPbxServer } from './pbx-server.js';
import { ListenError } from './server/app.js';

// V8 lets its heap grow to up to four times what survived the last full
// collection before it collects again; after a large change (4,000 extensions
// created at once) that left 300 MB of garbage held for as long as the server
// stayed quiet. At 1.3 times the server stays under 300 MB at such peaks
// (README, Performance). The flag is read at every collection.
setFlagsFromString('--heap-growing-percent=30');

try {
  const running = await startPbxServer(loadConfig());
  // The last line of defence: a dependency's failure that escaped its own containment is logged, and the server keeps serving.
  process.on('uncaughtException', (error) => running.services.log.error({ err: error }, 'uncaught exception contained'));
  process.on('unhandledRejection', (reason) => running.services.log.error({ err: reason }, 'unhandled rejection contained'));
  const shutdown = async () => {
    await running.stop();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(2);
  }
  if (error instanceof ListenError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
