import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logger.js';
import { AriConnection } from '../../../src/pbx/ari/connection.js';
import { deviceStatesFromChannels } from '../../../src/pbx/live/status.js';
import { startAriStandin, type AriStandin } from '../../support/ari-standin/index.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { subscribe, until } from '../../support/subscriptions.js';

/**
 * Found on a real Asterisk (test/e2e/scenarios.test.ts): a connection attempt
 * that never settles, and a call in progress that a reconnect did not see.
 */

describe('device states from the channel listing (GET /deviceStates lists Stasis devices only)', () => {
  const endpoint = (resource: string, channel_ids: string[]) => ({ technology: 'PJSIP', resource, state: 'online', channel_ids });

  it('maps channel states as chan_pjsip aggregates them', () => {
    const channels = [
      { id: 'a', state: 'Ring' },
      { id: 'b', state: 'Ringing' },
      { id: 'c', state: 'Up' },
      { id: 'd', state: 'Down' },
    ];
    expect(
      deviceStatesFromChannels(
        [
          endpoint('100', ['a']),
          endpoint('101', ['b']),
          endpoint('102', ['c', 'b']),
          endpoint('103', ['d']),
          endpoint('104', []),
          { technology: 'IAX2', resource: '9', state: 'online', channel_ids: ['c'] },
        ],
        channels,
      ),
    ).toEqual([
      { name: 'PJSIP/100', state: 'INUSE' },
      { name: 'PJSIP/101', state: 'RINGING' },
      { name: 'PJSIP/102', state: 'RINGINUSE' },
      { name: 'PJSIP/103', state: 'NOT_INUSE' },
    ]);
  });
});

describe('after a restart of this server during a call', () => {
  let standin: AriStandin;
  let server: TestServer;

  beforeAll(async () => {
    standin = await startAriStandin({ username: 'pbx', password: 'ari-test-pass' });
    server = await startTestServer({ ARI_URL: standin.url, ARI_USERNAME: 'pbx', ARI_PASSWORD: 'ari-test-pass', APPLY_DEBOUNCE_MS: '50' });
    for (const n of ['100', '101']) {
      await server.gql(`mutation { createExtension(input: { number: "${n}", name: "User ${n}", password: "Secret-${n}" }) { __typename } }`, {}, server.adminToken);
    }
    await until(() => server.running.services.live.asteriskConnected, 5000, 'ARI connected');
    await until(() => ['100', '101'].every((n) => standin.dynamicObject('res_pjsip', 'endpoint', n)), 5000, 'the endpoints pushed');
  });
  afterAll(async () => {
    await server?.stop();
    await standin?.stop();
  });

  it('shows both parties BUSY (and RINGING while it rings) from the listings alone', async () => {
    standin.register('100', { ip: '192.0.2.10', port: 5072 });
    standin.register('101', { ip: '192.0.2.11', port: 5074 });
    const call = standin.ring('100', '101');
    await server.restart();
    await until(() => server.running.services.live.asteriskConnected, 5000, 'ARI connected again');
    const board = async () => (await server.gql(`{ extensionStatuses { statuses { number state } } }`, {}, server.adminToken)).data.extensionStatuses.statuses;
    expect(await board()).toEqual([
      { number: '100', state: 'BUSY' },
      { number: '101', state: 'RINGING' },
    ]);

    standin.answer(call);
    await server.restart();
    const feed = subscribe(server.graphqlUrl, server.adminToken, `subscription { extensionStatusChanged { number state } }`);
    try {
      for (const n of ['100', '101']) await feed.waitFor((r) => r.data?.extensionStatusChanged?.number === n && r.data.extensionStatusChanged.state === 'BUSY');
      standin.hangup(call);
      for (const n of ['100', '101']) await feed.waitFor((r) => r.data?.extensionStatusChanged?.number === n && r.data.extensionStatusChanged.state === 'ONLINE');
    } finally {
      await feed.close();
    }
  });
});

describe('the ARI connection', () => {
  it('gives up an attempt that never settles (connection accepted and dropped) and connects on a later one', async () => {
    const standin = await startAriStandin({ username: 'pbx', password: 'ari-test-pass' });
    // A port forwarder in front of a booting Asterisk: accepts, then drops without an answer; later it forwards.
    let forward = false;
    const sockets = new Set<Socket>();
    const proxy: Server = createServer((client) => {
      sockets.add(client);
      if (!forward) return void client.destroy();
      const upstream = connect(standin.port, '127.0.0.1');
      sockets.add(upstream);
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const port = (proxy.address() as { port: number }).port;
    const ari = new AriConnection({
      url: `http://127.0.0.1:${port}`,
      username: 'pbx',
      password: 'ari-test-pass',
      app: 'pbx',
      log: createLogger('silent'),
      backoff: { minMs: 50, maxMs: 100 },
      attemptTimeoutMs: 500,
    });
    try {
      ari.start();
      await new Promise((r) => setTimeout(r, 200));
      forward = true;
      await until(() => ari.connected(), 5000, 'ARI connected through the forwarder');
    } finally {
      await ari.stop();
      for (const s of sockets) s.destroy();
      await new Promise((r) => proxy.close(r));
      await standin.stop();
    }
  });
});
