import { loadConfig, type Config } from './config.js';
import { openDatabase } from './db/client.js';
import { migrate } from './db/migrate.js';
import { createLogger } from './logger.js';
import { bootstrap } from './bootstrap.js';
import { createServices, type Services } from './services.js';
import { startApp, type App } from './server/app.js';
import { stopQrRendering } from './extensions/qr.js';

/** How long one step of stopping may take before the next one goes ahead. */
const STOP_STEP_MS = 10_000;

export type RunningServer = { app: App; services: Services; config: Config; stop(): Promise<void> };

/** Migrates, bootstraps and starts one server. Used by main.ts and by the tests. */
export async function startPbxServer(config: Config = loadConfig(), print?: (line: string) => void): Promise<RunningServer> {
  const log = createLogger(config.logLevel);
  await migrate(config.database, log);
  const db = openDatabase(config.database);
  await bootstrap(db.prisma, config.adminPassword, log, print);
  const services = createServices(config, db, log);
  const bounded = async (what: string, step: () => Promise<void>) => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), STOP_STEP_MS)));
    const outcome = await Promise.race([
      step().then(
        () => 'done' as const,
        (err: unknown) => (log.warn({ err }, `stopping: ${what} failed`), 'done' as const),
      ),
      late,
    ]);
    clearTimeout(timer);
    if (outcome === 'late') log.error(`stopping: ${what} did not finish within ${STOP_STEP_MS / 1000} s; going on without it`);
  };
  await services.lease.start();
  // The configuration on disk follows the database from the first moment, with or without Asterisk.
  if (services.lease.held()) await services.applier.applyNow();
  services.lease.on('acquired', () => void services.applier.applyNow());
  await services.live.start();
  await services.queueLive.start();
  services.webhooks.start();
  await services.voicemail.start();
  services.records.start();
  const stopServices = async () => {
    // Each step is bounded: one that hangs (a connection that never answers) must not keep the process from stopping.
    await bounded('configuration apply', () => services.applier.stop());
    await bounded('live state', () => services.live.stop());
    await bounded('queue live state', async () => services.queueLive.stop());
    await bounded('webhooks', () => services.webhooks.stop());
    await bounded('voicemail', async () => services.voicemail.stop());
    await bounded('call records', () => services.records.stop());
    await bounded('lease', () => services.lease.stop());
  };
  const stopRest = async () => {
    await bounded('QR workers', () => stopQrRendering());
    await bounded('event bus', () => services.bus.close());
    await bounded('database', () => db.close());
  };
  let app: App;
  try {
    app = await startApp(services, { port: config.port, host: config.host });
  } catch (error) {
    // Nothing may go on in the background of a server that does not serve (the lease, above all, is given back).
    await stopServices();
    await stopRest();
    throw error;
  }
  let stopping: Promise<void> | null = null;
  return {
    app,
    services,
    config,
    // One stop, whoever asks and however often (a second signal, a test and its teardown).
    stop() {
      stopping ??= (async () => {
        await stopServices();
        await bounded('HTTP server', () => app.close());
        await stopRest();
      })();
      return stopping;
    },
  };
}
