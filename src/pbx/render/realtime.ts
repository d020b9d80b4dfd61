import type { PbxSnapshot, RealtimeStore } from './snapshot.js';
import { file, safe, section } from './text.js';

/**
 * Call-time lookups (ASTERISK-FACTS-style notes in the README): Asterisk's
 * realtime drivers read views of this server's database, so a change to an
 * extension is in effect when its transaction commits, with no file written
 * and no module reloaded. Families are what the dialplan (REALTIME_HASH) and
 * app_voicemail ask for; each names a view of schema/migrations/<provider>/0012.
 */
export const realtimeFamilies = {
  /** One row per extension: number, enabled, voicemail, recording, iax2, whitelist (its INBOUND whitelist id or ''). */
  extension: { family: 'pbx_extension', view: 'pbx_extension_lookup' },
  /** app_voicemail's own family name: one mailbox per extension with voicemail on. */
  voicemail: { family: 'voicemail', view: 'pbx_voicemail_box' },
} as const;

/** The database name extconfig.conf gives the driver: a section of res_config_sqlite3.conf (ignored by pgsql). */
const databaseSection = 'pbx';

const driverFile: Record<RealtimeStore['driver'], string> = { sqlite3: 'res_config_sqlite3.conf', pgsql: 'res_pgsql.conf' };

/** extconfig.conf and the driver's own file; none without a store (hand-made snapshots). */
export function renderRealtime(snapshot: PbxSnapshot): [string, string][] {
  const store = snapshot.connection.realtime;
  if (!store) return [];
  const mappings = Object.values(realtimeFamilies).map(({ family, view }): [string, string] => [family, `${store.driver},${databaseSection},${view}`]);
  return [
    ['extconfig.conf', file(section('settings', mappings))],
    [driverFile[store.driver], driverConfig(store)],
  ];
}

function driverConfig(store: RealtimeStore): string {
  if (store.driver === 'sqlite3') {
    return file(
      section(databaseSection, [
        ['dbfile', safe(store.file, 'database file')],
        // No batching: with it the driver keeps a write transaction open between commits, which would lock the server's own writes.
        ['batch', 0],
        // The views have exactly the columns asked for; a driver that wants to add columns only warns.
        ['requirements', 'warn'],
      ]),
    );
  }
  return file(
    section('general', [
      ['dbhost', safe(store.host, 'database host')],
      ['dbport', store.port],
      ['dbname', safe(store.database, 'database name')],
      ['dbuser', safe(store.user, 'database user')],
      ['dbpass', safe(store.password, 'database password')],
      ['requirements', 'warn'],
    ]),
  );
}
