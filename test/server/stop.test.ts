import pg from 'pg';
import { expect, it } from 'vitest';
import { ERROR_FIELDS, ok, startTestServer, testDatabase } from '../support/server.js';

it('stops even when one of its parts never finishes stopping: the bus and the HTTP server still stop', async () => {
  const server = await startTestServer();
  const services = server.running.services;
  services.live.stop = () => new Promise<void>(() => undefined);
  let busClosed = false;
  const closeBus = services.bus.close.bind(services.bus);
  services.bus.close = async () => {
    busClosed = true;
    await closeBus();
  };
  const started = Date.now();
  await server.stop();
  expect(Date.now() - started).toBeGreaterThanOrEqual(9_000);
  expect(Date.now() - started).toBeLessThan(30_000);
  expect(busClosed).toBe(true);
  await expect(fetch(`${server.running.app.url}/readyz`)).rejects.toThrow();
}, 60_000);

it('lets the apply under way finish before the database closes: nothing reads it afterwards, and no connection is left (PostgreSQL drops the database at once)', async () => {
  for (let round = 0; round < 5; round++) {
    const server = await startTestServer();
    const create = await server.gql(`mutation { createExtensions(input: { startNumber: "740", count: 2 }) { ${ERROR_FIELDS} } }`, {}, server.adminToken);
    ok(create, 'createExtensions');
    // The server stops while the apply of this change may still run.
    await server.running.stop();
    const db = server.running.services.db;
    const queriesAtStop = db.queryCount();
    if (testDatabase === 'postgres') expect(await connectionsTo(server.running.config.database.url)).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(db.queryCount(), `round ${round}`).toBe(queriesAtStop);
    await server.stop();
  }
}, 60_000);

/** The sessions PostgreSQL holds on the database of `url`, what each is doing. */
async function connectionsTo(url: string): Promise<string[]> {
  const name = new URL(url).pathname.slice(1);
  const admin = new pg.Client({ connectionString: process.env.TEST_POSTGRES_URL ?? 'postgresql://pbx:pbx@127.0.0.1:5432/postgres' });
  await admin.connect();
  try {
    return (await admin.query(`SELECT state, query FROM pg_stat_activity WHERE datname = $1`, [name])).rows.map((row) => `${row.state}: ${row.query}`);
  } finally {
    await admin.end();
  }
}
