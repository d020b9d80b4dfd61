import { loadConfig, type Config } from './config.js';
import { openDatabase } from './db/client.js';
import { migrate } from './db/migrate.js';
import { createLogger } from './logger.js';
import { bootstrap } from './bootstrap.js';
import { createServices, type Services } from './services.js';
import { startApp, type App } from './server/app.js';
import { stopQrRendering } from './extensions/qr.js';

export type RunningServer = { app: App; services: Services; config: Config; stop(): Promise<void> };

/** Migrates, bootstraps and starts one server. Used by main.ts and by the tests. */
export async function startPbxServer(config: Config = loadConfig(), print?: (line: string) => void): Promise<RunningServer> {
  const log = createLogger(config.logLevel);
  await migrate(config.database, log);
  const db = openDatabase(config.database);
  await bootstrap(db.prisma, config.adminPassword, log, print);
  const services = createServices(config, db, log);
  await services.lease.start();
  // The configuration on disk follows the database from the first moment, with or without Asterisk.
  if (services.lease.held()) await services.applier.applyNow();
  services.lease.on('acquired', () => void services.applier.applyNow());
  await services.live.start();
  const app = await startApp(services, { port: config.port, host: config.host });
  return {
    app,
    services,
    config,
    async stop() {
      services.applier.stop();
      await services.live.stop();
      await services.lease.stop();
      await app.close();
      await stopQrRendering();
      await services.bus.close();
      await db.close();
    },
  };
}
