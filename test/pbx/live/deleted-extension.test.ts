import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAriStandin, type AriStandin } from '../../support/ari-standin/index.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { subscribe, until } from '../../support/subscriptions.js';

let standin: AriStandin;
let server: TestServer;

beforeAll(async () => {
  standin = await startAriStandin({ username: 'pbx', password: 'ari-test-pass' });
  server = await startTestServer({ ARI_URL: standin.url, ARI_PASSWORD: 'ari-test-pass', APPLY_DEBOUNCE_MS: '20' });
  for (const n of ['101', '100']) await server.gql(`mutation { createExtension(input: { number: "${n}", name: "U${n}", password: "Secret-${n}" }) { __typename } }`, {}, server.adminToken);
  await until(() => server.running.services.live.asteriskConnected, 5000, 'ARI');
  await until(() => ['101', '100'].every((n) => standin.dynamicObject('res_pjsip', 'endpoint', n)), 5000, 'the endpoints pushed');
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
      // Asterisk refuses to remove the endpoint, every time (also in the reconcile that may follow its connect): it keeps it, registered.
      standin.failPushes({ status: 500, count: Number.MAX_SAFE_INTEGER, method: 'DELETE', type: 'endpoint', id: '101' });
      const del = await server.gql(`mutation($ids: [ID!]!) { deleteExtensions(ids: $ids) { __typename } }`, { ids: [id] }, server.adminToken);
      expect(del.data.deleteExtensions.__typename).toBe('MutationDeleteExtensionsSuccess');
      await feed.waitFor((r) => r.data?.extensionStatusChanged?.number === '101' && r.data.extensionStatusChanged.state === 'UNAVAILABLE');
      const seen = feed.results.length;
      await until(() => server.running.services.applier.state.lastApply?.outcome === 'FAILED', 5000, 'the removal refused');
      expect(standin.dynamicObject('res_pjsip', 'endpoint', '101')).toBeDefined();
      // Asterisk still reports the old endpoint: nothing reaches the feed.
      standin.unregister('101');
      standin.register('100', { ip: '192.0.2.11', port: 5074 });
      await feed.waitFor((r) => r.data?.extensionStatusChanged?.number === '100' && r.data.extensionStatusChanged.state === 'ONLINE');
      expect(feed.results.slice(seen).map((r) => r.data.extensionStatusChanged.number)).not.toContain('101');
      const board = await server.gql(`{ extensionStatuses { counts { total } statuses { number } } }`, {}, server.adminToken);
      expect(board.data.extensionStatuses).toEqual({ counts: { total: 1 }, statuses: [{ number: '100' }] });
    } finally {
      standin.stopFailingPushes();
      await feed.close();
    }
  });

  it('a renumbered or disabled extension is re-read alone: the old number leaves, the new one and the new state are reported', async () => {
    await server.gql(`mutation { createExtension(input: { number: "103", name: "U103", password: "Secret-103" }) { __typename } }`, {}, server.adminToken);
    await until(() => standin.dynamicObject('res_pjsip', 'endpoint', '103') !== undefined, 5000, 'the endpoint of 103 pushed');
    standin.register('103', { ip: '192.0.2.12', port: 5076 });
    const feed = subscribe(server.graphqlUrl, server.adminToken, `subscription { extensionStatusChanged { number state } }`);
    try {
      await feed.waitFor((r) => r.data?.extensionStatusChanged?.number === '103' && r.data.extensionStatusChanged.state === 'ONLINE');
      const id = (await server.gql(`{ extension(number: "103") { id } }`, {}, server.adminToken)).data.extension.id;
      const renumbered = await server.gql(`mutation($id: ID!) { updateExtension(id: $id, input: { number: "104" }) { __typename } }`, { id }, server.adminToken);
      expect(renumbered.data.updateExtension.__typename).toBe('MutationUpdateExtensionSuccess');
      await feed.waitFor((r) => r.data?.extensionStatusChanged?.number === '103' && r.data.extensionStatusChanged.state === 'UNAVAILABLE');
      await feed.waitFor((r) => r.data?.extensionStatusChanged?.number === '104');
      await until(
        async () => {
          const board = await server.gql(`{ extensionStatuses { statuses { number } } }`, {}, server.adminToken);
          return JSON.stringify(board.data.extensionStatuses.statuses.map((s: { number: string }) => s.number)) === '["100","104"]';
        },
        5000,
        'the board lists 104 instead of 103',
      );

      const seen = feed.results.length;
      const disabled = await server.gql(`mutation($id: ID!) { updateExtension(id: $id, input: { enabled: false }) { __typename ... on Error { message } } }`, { id }, server.adminToken);
      expect(disabled.data.updateExtension).toEqual({ __typename: 'MutationUpdateExtensionSuccess' });
      await until(
        () => feed.results.slice(seen).some((r) => r.data?.extensionStatusChanged?.number === '104' && r.data.extensionStatusChanged.state === 'UNAVAILABLE'),
        5000,
        '104 reported UNAVAILABLE',
      );
      // Only the changed extension is reported: 100 did not change. (An event of 104's renumbering may
      // still arrive after `seen` on a busy machine, so 104 may be reported more than once.)
      expect([...new Set(feed.results.slice(seen).map((r) => r.data.extensionStatusChanged.number))]).toEqual(['104']);
    } finally {
      await feed.close();
    }
  });
});
