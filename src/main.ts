import { ConfigError, loadConfig } from './config.js';
import { startPbxServer } from './pbx-server.js';

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
  throw error;
}
