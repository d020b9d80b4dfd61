import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventBus } from '../../../src/events/bus.js';
import { startAriStandin, type AriStandin } from '../../support/ari-standin/index.js';
import { hasRedis, startRedis } from '../../support/redis.js';
import { createDatabase, startTestServer, testDatabase, type TestServer } from '../../support/server.js';
import { subscribe, until } from '../../support/subscriptions.js';

if (!hasRedis) console.log('Redis tests skipped: no REDIS_URL and no redis-server on PATH (apt-get install redis-server)');
// Several instances share a PostgreSQL database (D7); SQLite is one instance's embedded store.
const onPostgres = testDatabase === 'postgres';
if (hasRedis && !onPostgres) console.log('multi-instance tests skipped: several instances need PostgreSQL (run with TEST_DATABASE=postgres, as .ci/run does)');

describe.skipIf(!hasRedis)('the Redis event bus', () => {
  it('carries events between processes', async () => {
    const redis = await startRedis();
    const one = createEventBus(redis!.url);
    const two = createEventBus(redis!.url);
    try {
      const received = two.subscribe('extensionStatus');
      await new Promise((r) => setTimeout(r, 200));
      one.publish('extensionStatus', { number: '555', state: 'ONLINE', contacts: [] });
      const next = await received.next();
      expect(next.value).toEqual({ number: '555', state: 'ONLINE', contacts: [] });
    } finally {
      await one.close();
      await two.close();
      await redis!.stop();
    }
  });
});

describe.skipIf(!hasRedis || !onPostgres)('several instances on one PostgreSQL database and Redis', () => {
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let standin: AriStandin;
  let database: Awaited<ReturnType<typeof createDatabase>>;
  let a: TestServer;
  let b: TestServer;

  beforeAll(async () => {
    redis = await startRedis();
    standin = await startAriStandin({ username: 'pbx', password: 'ari-test-pass' });
    database = await createDatabase(mkdtempSync(join(tmpdir(), 'pbx-shared-')));
    const env = {
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      DATABASE_URL: database.url,
      REDIS_URL: redis!.url,
      ARI_URL: standin.url,
      ARI_PASSWORD: 'ari-test-pass',
      LEASE_TTL_MS: '900',
      APPLY_DEBOUNCE_MS: '50',
      TOKEN_SECRET: 'a-shared-token-secret-for-both-instances',
    };
    a = await startTestServer(env);
    b = await startTestServer(env);
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop().catch(() => undefined);
    await standin?.stop();
    await database?.drop();
    await redis?.stop();
  });

  it('only the lease holder connects to ARI; the other serves its subscribers from the bus', async () => {
    await until(() => a.running.services.live.asteriskConnected, 15_000, 'A connected');
    expect(a.running.services.lease.held()).toBe(true);
    expect(b.running.services.lease.held()).toBe(false);
    expect(standin.connections.length).toBe(1);

    const created = await b.gql(`mutation { createExtension(input: { number: "100", name: "Alice", password: "Secret-100" }) { __typename } }`, {}, b.adminToken);
    expect(created.data.createExtension.__typename).toBe('MutationCreateExtensionSuccess');
    // The change made on B is applied by A, the holder: it pushes the extension's endpoint.
    await until(() => a.running.services.applier.state.lastApply?.pushedObjects.includes('res_pjsip/endpoint/100') ?? false, 15_000, 'the push by the holder');
    expect(standin.dynamicObject('res_pjsip', 'endpoint', '100')).toBeDefined();
    expect(b.running.services.applier.state.lastApply?.outcome ?? 'none').not.toBe('APPLIED');

    const watch = subscribe(b.graphqlUrl, b.adminToken, `subscription { extensionStatusChanged(numbers: ["100"]) { number state } }`);
    try {
      await watch.waitFor(() => true);
      standin.register('100', { ip: '192.0.2.10', port: 5072 });
      await watch.waitFor((r) => r.data?.extensionStatusChanged?.state === 'ONLINE', 5000);
    } finally {
      await watch.close();
    }
  });

  it('when the holder stops, the other takes over the lease and the ARI connection', async () => {
    await a.stop();
    await until(() => b.running.services.lease.held(), 15_000, 'B holds the lease');
    await until(() => b.running.services.live.asteriskConnected, 20_000, 'B connected');
    expect(standin.connections.length).toBe(1);
    await until(() => b.running.services.live.status('100').state === 'ONLINE', 15_000, 'state rebuilt on B');
  }, 60_000);
});
