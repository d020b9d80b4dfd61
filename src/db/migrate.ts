import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import pg from 'pg';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { projectRoot } from '../paths.js';
import { makeDatabaseFilePrivate } from './private-file.js';

/**
 * Applies the committed SQL migrations (schema/migrations/<provider>/NNNN_name.sql)
 * that the database has not seen yet, each in its own transaction, recording
 * them in _pbx_migrations. No Prisma CLI runs on a server.
 */
export async function migrate(database: Config['database'], log?: Logger): Promise<string[]> {
  const folder = join(projectRoot, 'schema/migrations', database.provider);
  const files = readdirSync(folder)
    .filter((f) => /^\d{4}_.*\.sql$/.test(f))
    .sort();
  const applied: string[] = [];
  if (database.provider === 'sqlite') {
    makeDatabaseFilePrivate(database.file);
    const db = new Sqlite(database.file);
    try {
      db.pragma('journal_mode = WAL');
      db.exec('CREATE TABLE IF NOT EXISTS _pbx_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)');
      const done = new Set(
        db
          .prepare('SELECT name FROM _pbx_migrations')
          .all()
          .map((r) => (r as { name: string }).name),
      );
      for (const file of files) {
        if (done.has(file)) continue;
        const sql = readFileSync(join(folder, file), 'utf8');
        db.transaction(() => {
          db.exec(sql);
          db.prepare('INSERT INTO _pbx_migrations (name, applied_at) VALUES (?, ?)').run(file, new Date().toISOString());
        })();
        applied.push(file);
      }
    } finally {
      db.close();
    }
  } else {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      // One server at a time migrates; the others wait on this lock.
      await client.query('SELECT pg_advisory_lock(727274)');
      await client.query('CREATE TABLE IF NOT EXISTS _pbx_migrations (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)');
      const done = new Set((await client.query('SELECT name FROM _pbx_migrations')).rows.map((r) => r.name as string));
      for (const file of files) {
        if (done.has(file)) continue;
        const sql = readFileSync(join(folder, file), 'utf8');
        await client.query('BEGIN');
        try {
          await client.query(sql);
          await client.query('INSERT INTO _pbx_migrations (name, applied_at) VALUES ($1, now())', [file]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK');
          throw error;
        }
        applied.push(file);
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock(727274)').catch(() => undefined);
      await client.end();
    }
  }
  if (applied.length) log?.info({ applied }, 'database migrations applied');
  return applied;
}
