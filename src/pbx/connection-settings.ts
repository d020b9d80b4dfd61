import type { Config } from '../config.js';
import { loadSecret } from '../secrets.js';
import type { AsteriskConnection, RealtimeStore } from './render/snapshot.js';

/**
 * How Asterisk lets this server in. The ARI and AMI passwords come from the
 * environment, or are generated once and kept in the data directory: this
 * server renders ari.conf and manager.conf itself, so both ends agree.
 */
export function asteriskConnection(config: Config): AsteriskConnection {
  const ari = new URL(config.asterisk.ariUrl ?? 'http://127.0.0.1:8088');
  return {
    httpBindAddress: ari.hostname,
    httpPort: Number(ari.port || 8088),
    ariUsername: config.asterisk.ariUsername,
    ariPassword: config.asterisk.ariPassword ?? loadSecret(config.dataDir, 'ari-password', 24),
    amiBindAddress: config.asterisk.amiHost,
    amiPort: config.asterisk.amiPort,
    amiUsername: config.asterisk.amiUsername,
    amiPassword: config.asterisk.amiPassword ?? loadSecret(config.dataDir, 'ami-password', 24),
    ariApp: config.asterisk.ariApp,
    soundsDir: config.soundsDir,
    pushObjects: Boolean(config.asterisk.ariUrl),
    realtime: realtimeStore(config.database),
  };
}

/** Asterisk reads call-time lookups from the same database (src/pbx/render/realtime.ts). */
function realtimeStore(database: Config['database']): RealtimeStore {
  if (database.provider === 'sqlite') return { driver: 'sqlite3', file: database.file };
  const url = new URL(database.url);
  return {
    driver: 'pgsql',
    host: url.hostname || '127.0.0.1',
    port: Number(url.port || 5432),
    database: decodeURIComponent(url.pathname.replace(/^\//, '')) || 'postgres',
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
  };
}
