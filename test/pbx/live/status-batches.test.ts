import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAriStandin, type AriStandin } from '../../support/ari-standin/index.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { subscribe, until } from '../../support/subscriptions.js';

const UPDATES = `subscription($numbers: [String!]) { extensionStatusUpdates(numbers: $numbers) { snapshot statuses { number state } } }`;
const numbers = Array.from({ length: 50 }, (_, i) => String(200 + i));

let standin: AriStandin;
let server: TestServer;

beforeAll(async () => {
  standin = await startAriStandin({ username: 'pbx', password: 'ari-test-pass', endpoints: numbers });
  server = await startTestServer({ ARI_URL: standin.url, ARI_USERNAME: 'pbx', ARI_PASSWORD: 'ari-test-pass' });
  const created = await server.gql(`mutation { createExtensions(input: { startNumber: "200", count: 50 }) { __typename } }`, {}, server.adminToken);
  expect(created.data.createExtensions.__typename).toBe('MutationCreateExtensionsSuccess');
  await until(() => server.running.services.live.asteriskConnected, 5000, 'ARI connected');
});
afterAll(async () => {
  await server.stop();
  await standin.stop();
});

type Batch = { snapshot: boolean; statuses: { number: string; state: string }[] };
const batchesOf = (results: any[]): Batch[] => results.filter((r) => r.data?.extensionStatusUpdates).map((r) => r.data.extensionStatusUpdates);

describe('extensionStatusUpdates: a snapshot, then batches of changes', () => {
  it('sends every watched extension in the first message, then only what changed', async () => {
    const sub = subscribe(server.graphqlUrl, server.adminToken, UPDATES, {});
    try {
      const first = (await sub.waitFor((r) => !!r.data)).data.extensionStatusUpdates as Batch;
      expect(first.snapshot).toBe(true);
      expect(first.statuses.map((s) => s.number)).toEqual(numbers);
      expect(new Set(first.statuses.map((s) => s.state))).toEqual(new Set(['OFFLINE']));

      for (const n of numbers.slice(0, 20)) standin.register(n, { ip: '192.0.2.10', port: 5060 });
      await until(
        () =>
          new Set(
            batchesOf(sub.results)
              .slice(1)
              .flatMap((b) => b.statuses.filter((s) => s.state === 'ONLINE').map((s) => s.number)),
          ).size === 20,
        5000,
        'twenty registrations',
      );
      const later = batchesOf(sub.results).slice(1);
      expect(later.every((b) => !b.snapshot && b.statuses.length > 0)).toBe(true);
      // Only the extensions that changed, each at most once per batch.
      for (const b of later) expect(new Set(b.statuses.map((s) => s.number)).size).toBe(b.statuses.length);
      expect(later.flatMap((b) => b.statuses.map((s) => s.number)).every((n) => numbers.slice(0, 20).includes(n))).toBe(true);
    } finally {
      await sub.close();
    }
  });

  it('keeps the per-extension filter, and an extension user sees only itself', async () => {
    const some = subscribe(server.graphqlUrl, server.adminToken, UPDATES, { numbers: ['230', '231'] });
    await server.gql(`mutation { setExtensionLoginPassword(extension: "240", password: "Login-240-pass") { __typename } }`, {}, server.adminToken);
    const own = subscribe(server.graphqlUrl, await server.login('240', 'Login-240-pass'), UPDATES, {});
    try {
      expect((await some.waitFor((r) => !!r.data)).data.extensionStatusUpdates.statuses.map((s: { number: string }) => s.number)).toEqual(['230', '231']);
      expect((await own.waitFor((r) => !!r.data)).data.extensionStatusUpdates.statuses.map((s: { number: string }) => s.number)).toEqual(['240']);
      standin.register('232', { ip: '192.0.2.10', port: 5060 });
      standin.register('231', { ip: '192.0.2.10', port: 5060 });
      standin.register('240', { ip: '192.0.2.10', port: 5060 });
      await some.waitFor((r) => r.data?.extensionStatusUpdates?.statuses.some((s: { number: string; state: string }) => s.number === '231' && s.state === 'ONLINE'));
      await own.waitFor((r) => r.data?.extensionStatusUpdates?.statuses.some((s: { number: string; state: string }) => s.number === '240' && s.state === 'ONLINE'));
      expect(
        batchesOf(some.results)
          .flatMap((b) => b.statuses.map((s) => s.number))
          .every((n) => n === '230' || n === '231'),
      ).toBe(true);
      expect(
        batchesOf(own.results)
          .flatMap((b) => b.statuses.map((s) => s.number))
          .every((n) => n === '240'),
      ).toBe(true);
    } finally {
      await some.close();
      await own.close();
    }
  });
});
