import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { openDatabase, type Database } from '../../../src/db/client.js';
import { migrate } from '../../../src/db/migrate.js';
import { realtimeFamilies, renderRealtime } from '../../../src/pbx/render/realtime.js';
import type { RealtimeStore } from '../../../src/pbx/render/snapshot.js';
import { renderModules } from '../../../src/pbx/render/system.js';
import { RenderError } from '../../../src/pbx/render/text.js';
import { readAsteriskConfig } from '../../support/asterisk-config-reader.js';
import { createDatabase, testDatabase } from '../../support/server.js';
import { smallSnapshot } from '../fixtures/snapshots.js';

function renderFor(store: RealtimeStore | undefined) {
  const snapshot = smallSnapshot();
  snapshot.connection = { ...snapshot.connection, realtime: store };
  return new Map(renderRealtime(snapshot));
}

/** `name => value` of one category as Asterisk reads the file. */
function valuesOf(text: string, category: string): Record<string, string> {
  return Object.fromEntries(
    readAsteriskConfig(text)
      .filter((v) => v.category === category)
      .map((v) => [v.name, v.value]),
  );
}

/**
 * libpq's reading of a quoted connection-string value ('…' with \' and \\):
 * res_config_pgsql pastes the value Asterisk read as it is after `password=`.
 */
function libpqUnquote(value: string): string {
  expect(value).toMatch(/^'.*'$/s);
  return value.slice(1, -1).replace(/\\(.)/g, '$1');
}

const pgStore = (fields: Partial<Extract<RealtimeStore, { driver: 'pgsql' }>> = {}): RealtimeStore => ({
  driver: 'pgsql',
  host: 'db.example.com',
  port: 5433,
  database: 'pbx',
  user: 'pbx',
  password: 'secret',
  ...fields,
});

describe('realtime: extconfig.conf and the driver file', () => {
  it('renders nothing without a store (hand-made snapshots)', () => {
    expect(renderFor(undefined).size).toBe(0);
  });

  it('SQLite: both families read their view through res_config_sqlite3, without batching (which would hold a transaction open)', () => {
    const files = renderFor({ driver: 'sqlite3', file: '/var/lib/pbx/pbx.db' });
    expect([...files.keys()]).toEqual(['extconfig.conf', 'res_config_sqlite3.conf']);
    expect(valuesOf(files.get('extconfig.conf')!, 'settings')).toEqual({ pbx_extension: 'sqlite3,pbx,pbx_extension_lookup', voicemail: 'sqlite3,pbx,pbx_voicemail_box' });
    expect(valuesOf(files.get('res_config_sqlite3.conf')!, 'pbx')).toEqual({ dbfile: '/var/lib/pbx/pbx.db', batch: '0', busy_timeout: '5000', requirements: 'warn' });
    expect(realtimeFamilies.voicemail.family).toBe('voicemail');
  });

  it('modules.conf loads only the driver of the store: another would look for a file that is not rendered', () => {
    const noload = (store: RealtimeStore | undefined) => {
      const snapshot = smallSnapshot();
      snapshot.connection = { ...snapshot.connection, realtime: store };
      return readAsteriskConfig(renderModules(snapshot))
        .filter((v) => v.name === 'noload')
        .map((v) => v.value);
    };
    expect(noload({ driver: 'sqlite3', file: '/var/lib/pbx/pbx.db' })).toEqual(['res_config_pgsql.so']);
    expect(noload(pgStore())).toEqual(['res_config_sqlite3.so']);
    expect(noload(undefined)).toEqual(['res_config_sqlite3.so', 'res_config_pgsql.so']);
  });

  it('PostgreSQL: res_pgsql.conf names the server, the database and the credentials, each quoted for libpq', () => {
    const files = renderFor(pgStore());
    expect([...files.keys()]).toEqual(['extconfig.conf', 'res_pgsql.conf']);
    expect(valuesOf(files.get('extconfig.conf')!, 'settings')).toEqual({ pbx_extension: 'pgsql,pbx,pbx_extension_lookup', voicemail: 'pgsql,pbx,pbx_voicemail_box' });
    expect(valuesOf(files.get('res_pgsql.conf')!, 'general')).toEqual({ dbhost: "'db.example.com'", dbport: '5433', dbname: "'pbx'", dbuser: "'pbx'", dbpass: "'secret'", requirements: 'warn' });
  });

  it('PostgreSQL: a password with blanks, quotes, backslashes and semicolons reaches libpq whole', () => {
    const passwords = ['p a s s', "it's", 'back\\slash', 'semi;colon', ' lead-and-trail ', '\\;', 'Zoë-密码', ';--', 'x'.repeat(61)];
    for (const password of passwords) {
      const dbpass = valuesOf(renderFor(pgStore({ password })).get('res_pgsql.conf')!, 'general').dbpass!;
      expect(libpqUnquote(dbpass), JSON.stringify(password)).toBe(password);
    }
  });

  it('PostgreSQL: refuses what the driver would cut or cannot pass, naming the field', () => {
    expect(() => renderFor(pgStore({ password: 'x'.repeat(62) }))).toThrow(/database password: too long/);
    expect(() => renderFor(pgStore({ database: 'd'.repeat(48) }))).toThrow(/database name: too long/);
    expect(() => renderFor(pgStore({ user: 'a\nb' }))).toThrow(RenderError);
  });
});

/**
 * The views against a real migrated database (SQLite, or PostgreSQL with
 * TEST_DATABASE=postgres), queried on a connection of its own with the
 * statements Asterisk's drivers send: res_config_sqlite3 quotes names
 * ("pbx_voicemail_box"), res_config_pgsql does not.
 */
describe(`realtime: the voicemail view on ${testDatabase}`, () => {
  let dir: string;
  let drop: () => Promise<void>;
  let db: Database;
  let asterisk: { query(sql: string): Promise<Record<string, unknown>[]>; run(sql: string): Promise<number>; close(): Promise<void> };
  const quote = (name: string) => (testDatabase === 'sqlite' ? `"${name}"` : name);
  const box = (mailbox: string) => asterisk.query(`SELECT * FROM ${quote('pbx_voicemail_box')} WHERE ${quote('mailbox')} = '${mailbox}' AND ${quote('context')} = 'default'`);
  /** What change_password_realtime sends: ast_update2_realtime("voicemail", context, mailbox → password). */
  const changePin = (mailbox: string, pin: string) =>
    asterisk.run(`UPDATE ${quote('pbx_voicemail_box')} SET ${quote('password')} = '${pin}' WHERE ${quote('context')} = 'default' AND ${quote('mailbox')} = '${mailbox}'`);
  const stored = (number: string) => db.prisma.extension.findUniqueOrThrow({ where: { number }, select: { voicemailPin: true, updatedAt: true, name: true } });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pbx-realtime-'));
    const database = await createDatabase(dir);
    drop = database.drop;
    const config = loadConfig({ DATA_DIR: dir, DATABASE_URL: database.url });
    await migrate(config.database);
    db = openDatabase(config.database);
    const permission = await db.prisma.dialPermission.create({ data: { name: 'DialPlan1' } });
    for (const [number, voicemailEnabled] of [
      ['101', true],
      ['102', false],
    ] as const) {
      await db.prisma.extension.create({
        data: { number, name: `User ${number}`, password: `Secret-${number}`, email: `u${number}@example.com`, voicemailEnabled, voicemailPin: '1234', dialPermissionId: permission.id },
      });
    }
    if (config.database.provider === 'sqlite') {
      const conn = new Sqlite(config.database.file);
      asterisk = {
        query: async (sql) => conn.prepare(sql).all() as Record<string, unknown>[],
        // better-sqlite3's `changes` is sqlite3_changes(), what res_config_sqlite3 returns to app_voicemail.
        run: async (sql) => conn.prepare(sql).run().changes,
        close: async () => void conn.close(),
      };
    } else {
      const client = new pg.Client({ connectionString: config.database.url });
      await client.connect();
      asterisk = {
        query: async (sql) => (await client.query(sql)).rows,
        // PQcmdTuples, what res_config_pgsql returns to app_voicemail.
        run: async (sql) => (await client.query(sql)).rowCount ?? 0,
        close: () => client.end(),
      };
    }
  }, 60_000);

  afterAll(async () => {
    await asterisk?.close();
    await db?.close();
    await drop?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it('has the columns app_voicemail reads (uniqueid and password are required at load), one row per extension with voicemail on', async () => {
    const [row, ...others] = await box('101');
    expect(others).toEqual([]);
    const id = (await db.prisma.extension.findUniqueOrThrow({ where: { number: '101' } })).id;
    expect(row).toEqual({ uniqueid: id, context: 'default', mailbox: '101', password: '1234', fullname: 'User 101', email: 'u101@example.com', pager: '' });
    expect(await box('102')).toEqual([]);
  });

  it('follows the extension at once: voicemail off removes the box, on brings it back', async () => {
    await db.prisma.extension.update({ where: { number: '101' }, data: { voicemailEnabled: false } });
    expect(await box('101')).toEqual([]);
    await db.prisma.extension.update({ where: { number: '101' }, data: { voicemailEnabled: true } });
    expect(await box('101')).toHaveLength(1);
  });

  it("a PIN changed from the phone is written to the extension's voicemailPin", async () => {
    const before = await stored('101');
    await new Promise((r) => setTimeout(r, 5));
    const counted = await changePin('101', '97531');
    expect(await stored('101')).toMatchObject({ voicemailPin: '97531', name: 'User 101' });
    expect((await stored('101')).updatedAt.getTime()).toBeGreaterThan(before.updatedAt.getTime());
    expect((await stored('101')).updatedAt.getTime()).toBeLessThanOrEqual(Date.now());
    expect((await box('101'))[0]).toMatchObject({ password: '97531' });
    // PostgreSQL counts the row (app_voicemail then knows it was stored); SQLite counts no row for a
    // statement on a view, so app_voicemail also looks in voicemail.conf, which has no mailboxes.
    expect(counted).toBe(testDatabase === 'postgres' ? 1 : 0);
  });

  it('refuses a PIN the API would refuse (4–16 digits) and keeps the old one', async () => {
    await changePin('101', '2468');
    for (const pin of ['123', '12345678901234567', '12*4', 'abcd']) {
      await expect(changePin('101', pin), pin).rejects.toThrow(/a voicemail PIN is 4 to 16 digits/);
      expect((await stored('101')).voicemailPin).toBe('2468');
    }
  });

  it('writes nothing for a mailbox that is not there (voicemail off)', async () => {
    await changePin('102', '5555');
    expect((await stored('102')).voicemailPin).toBe('1234');
  });

  it.runIf(testDatabase === 'sqlite')('SQLite: the lookup by mailbox is a search of the number index, not a scan of the extensions', async () => {
    const plan = await asterisk.query(`EXPLAIN QUERY PLAN SELECT * FROM "pbx_voicemail_box" WHERE "mailbox" = '101' AND "context" = 'default'`);
    const details = plan.map((p) => String(p.detail)).join('\n');
    expect(details).toMatch(/SEARCH e USING INDEX Extension_number_key/);
    expect(details).not.toMatch(/SCAN/);
  });
});
