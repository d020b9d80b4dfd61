import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAriStandin, type AriStandin } from '../../support/ari-standin/index.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { subscribe, until } from '../../support/subscriptions.js';

let standin: AriStandin;
let server: TestServer;

beforeAll(async () => {
  standin = await startAriStandin({ username: 'pbx', password: 'ari-test-pass', endpoints: ['101', '100'] });
  server = await startTestServer({ ARI_URL: standin.url, ARI_PASSWORD: 'ari-test-pass', APPLY_DEBOUNCE_MS: '20' });
  for (const n of ['101', '100']) await server.gql(`mutation { createExtension(input: { number: "${n}", name: "U${n}", password: "Secret-${n}" }) { __typename } }`, {}, server.adminToken);
  await until(() => server.running.services.live.asteriskConnected, 5000, 'ARI');
});
afterAll(async () => {
  await server.stop();
  await standin.stop();
});

describe('a deleted extension leaves the status feed', () => {
  it('is reported UNAVAILABLE once, then no more, whatever Asterisk still says about its endpoint', async () => {
    standin.register('101', { ip: '192.0.2.10', port: 5072 });
    const feed = subscribe(server.graphqlUrl, server.adminToken, `subscription { extensionStatusChanged { number state } }`);
    try {
      await feed.waitFor((r) => r.data?.extensionStatusChanged?.number === '101' && r.data.extensionStatusChanged.state === 'ONLINE');
      const id = (await server.gql(`{ extension(number: "101") { id } }`, {}, server.adminToken)).data.extension.id;
      const del = await server.gql(`mutation($ids: [ID!]!) { deleteExtensions(ids: $ids) { __typename } }`, { ids: [id] }, server.adminToken);
      expect(del.data.deleteExtensions.__typename).toBe('MutationDeleteExtensionsSuccess');
      await feed.waitFor((r) => r.data?.extensionStatusChanged?.number === '101' && r.data.extensionStatusChanged.state === 'UNAVAILABLE');
      const seen = feed.results.length;
      // Asterisk still reports the old endpoint (its contact expires later): nothing reaches the feed.
      standin.unregister('101');
      standin.register('100', { ip: '192.0.2.11', port: 5074 });
      await feed.waitFor((r) => r.data?.extensionStatusChanged?.number === '100' && r.data.extensionStatusChanged.state === 'ONLINE');
      expect(feed.results.slice(seen).map((r) => r.data.extensionStatusChanged.number)).not.toContain('101');
      const board = await server.gql(`{ extensionStatuses { counts { total } statuses { number } } }`, {}, server.adminToken);
      expect(board.data.extensionStatuses).toEqual({ counts: { total: 1 }, statuses: [{ number: '100' }] });
    } finally {
      await feed.close();
    }
  });
});
