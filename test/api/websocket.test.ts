import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

function wsClient(token?: string) {
  return createClient({
    url: server.graphqlUrl.replace('http', 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
  });
}

async function run(client: ReturnType<typeof createClient>, query: string, variables: Record<string, unknown> = {}) {
  const results: any[] = [];
  await new Promise<void>((resolve, reject) => {
    client.subscribe({ query, variables }, { next: (r) => results.push(r), error: reject, complete: resolve });
  });
  return results[0];
}

describe('graphql-ws', () => {
  it('runs queries and mutations with the token from connectionParams, with the same checks as HTTP', async () => {
    const admin = wsClient(server.adminToken);
    const anonymous = wsClient();
    try {
      expect((await run(admin, `{ me { username role } }`)).data.me).toEqual({ username: 'admin', role: 'ADMIN' });
      const created = await run(admin, `mutation { createExtension(input: { number: "101", name: "Ws", password: "Secret-101x" }) { __typename } }`);
      expect(created.data.createExtension.__typename).toBe('MutationCreateExtensionSuccess');
      expect((await run(anonymous, `{ me { username } }`)).data.me).toBeNull();
      const denied = await run(anonymous, `mutation { createExtension(input: { number: "102", name: "No", password: "Secret-102x" }) { __typename } }`);
      expect(denied.data.createExtension.__typename).toBe('NotPermittedError');
      const loginPassword = await server.gql(`mutation { setExtensionLoginPassword(extension: "101", password: "Login-101x") { __typename } }`, {}, server.adminToken);
      expect(loginPassword.data.setExtensionLoginPassword.__typename).toBe('MutationSetExtensionLoginPasswordSuccess');
      const ext = await server.login('101', 'Login-101x');
      const own = wsClient(ext);
      try {
        expect((await run(own, `{ extensions(first: 5) { totalCount } }`)).data.extensions.totalCount).toBe(1);
      } finally {
        await own.dispose();
      }
      const audit = await server.gql(`{ auditLog(first: 5, filter: { operation: "createExtension" }) { edges { node { outcome username } } } }`, {}, server.adminToken);
      // The stranger's refused mutation did nothing and is not written (see the audit plugin).
      expect(audit.data.auditLog.edges.map((e: any) => e.node)).toEqual([{ outcome: 'OK', username: 'admin' }]);
      const tooMany = await run(admin, `{ ${Array.from({ length: 30 }, (_, i) => `m${i}: me { username }`).join(' ')} }`).catch((errors) => ({ errors }));
      expect(JSON.stringify(tooMany.errors)).toContain('Aliases limit');
      // The connection survives a refused document.
      expect((await run(admin, `{ me { username } }`)).data.me.username).toBe('admin');
    } finally {
      await admin.dispose();
      await anonymous.dispose();
    }
  });
});

describe('health', () => {
  it('answers /healthz and /readyz', async () => {
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${server.url}/readyz`);
    expect(await ready.json()).toEqual({ status: 'ready', database: 'ok', bus: 'ok', asterisk: 'not configured' });
  });
});
