import { ConfigError, loadConfig } from './config.js';
import { startPbxServer } from './pbx-server.js';

try {
  const running = await startPbxServer(loadConfig());
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
