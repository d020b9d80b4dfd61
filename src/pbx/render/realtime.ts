import type { PbxSnapshot, RealtimeStore } from './snapshot.js';
import { Composed, file, RenderError, safe, section } from './text.js';

/**
 * Call-time lookups (ASTERISK-FACTS-style notes in the README): Asterisk's
 * realtime drivers read views of this server's database, so a change to an
 * extension is in effect when its transaction commits, with no file written
 * and no module reloaded. Families are what the dialplan (REALTIME_HASH) and
 * app_voicemail ask for; each names a view of schema/migrations/<provider>/0012
 * (0013 lets app_voicemail write a PIN changed from the phone back through its view).
 */
export const realtimeFamilies = {
  /**
   * One row per extension: number, enabled, voicemail, recording, iax2, whitelist (its INBOUND whitelist id or ''),
   * and as a caller: whitelist_out (its OUTBOUND whitelist id or ''), cid1 and cid2 (its outbound caller IDs).
   */
  extension: { family: 'pbx_extension', view: 'pbx_extension_lookup' },
  /** app_voicemail's own family name: one mailbox per extension with voicemail on (uniqueid, context, mailbox, password, fullname, email, pager). */
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
        // No batching: with it the driver keeps a transaction open between its own writes, so (WAL) its lookups
        // keep reading an old snapshot of the database, missing every change of the server, and no checkpoint
        // can finish (seen on Asterisk 22). With 0 each lookup is a transaction of its own and holds no lock.
        ['batch', 0],
        // The one write (a PIN changed from the phone) waits for a long write of the server, such as a bulk
        // import, rather than failing after the default second.
        ['busy_timeout', 5000],
        // The views have exactly the columns asked for; a driver that wants to add columns only warns.
        ['requirements', 'warn'],
      ]),
    );
  }
  return file(
    section('general', [
      ['dbhost', conninfoValue(store.host, 'database host')],
      ['dbport', store.port],
      // The driver copies the database name once more, into 50 bytes.
      ['dbname', conninfoValue(store.database, 'database name', 49)],
      ['dbuser', conninfoValue(store.user, 'database user')],
      ['dbpass', conninfoValue(store.password, 'database password')],
      ['requirements', 'warn'],
    ]),
  );
}

/** res_config_pgsql keeps each connection option in 64 bytes, the terminating NUL included, and cuts longer values. */
const pgsqlOptionBytes = 63;

/**
 * res_config_pgsql pastes each value as it is into libpq's connection string
 * (`host=%s port=%d dbname=%s user=%s password=%s`), so a value with a blank,
 * a quote or a backslash would break it. Quoted the way libpq reads quoted
 * values ('…' with \' and \\), any value arrives whole; in the file a ; is
 * written \; (Asterisk's comment character), which Asterisk turns back into ;.
 */
function conninfoValue(value: string, what: string, maxBytes = pgsqlOptionBytes): Composed {
  if (/[\u0000-\u001f\u007f]/.test(value)) throw new RenderError(`${what}: holds a control character, which the PostgreSQL realtime driver cannot pass`);
  const quoted = `'${value.replace(/[\\']/g, (c) => `\\${c}`)}'`;
  if (Buffer.byteLength(quoted) > maxBytes) throw new RenderError(`${what}: too long for the PostgreSQL realtime driver (at most ${maxBytes} bytes once quoted for libpq; Asterisk would cut it)`);
  return new Composed(quoted.replace(/;/g, '\\;'));
}
