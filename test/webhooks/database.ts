import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/client.js';
import { migrate } from '../../src/db/migrate.js';
import { createDatabase } from '../support/server.js';

/** A migrated database of its own (SQLite, or PostgreSQL with TEST_DATABASE=postgres), without a server. */
export async function openTestDatabase() {
  const dir = mkdtempSync(join(tmpdir(), 'pbx-webhooks-'));
  const database = await createDatabase(dir);
  const config = loadConfig({ DATA_DIR: dir, DATABASE_URL: database.url });
  await migrate(config.database);
  const db = openDatabase(config.database);
  return {
    db,
    prisma: db.prisma,
    async close() {
      await db.close();
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
