import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, ERROR_FIELDS, ok, startTestServer, type TestServer } from '../support/server.js';
import { until } from '../support/subscriptions.js';

let server: TestServer;
let billing: string;
beforeAll(async () => {
  server = await startTestServer({ SUBSCRIPTION_RECHECK_MS: '200' });
  ok(await server.gql(`mutation { createAccount(input: { username: "billing2", password: "Billing-pass2", role: BILLING }) { ${ERROR_FIELDS} } }`, {}, server.adminToken), 'createAccount');
  billing = await server.login('billing2', 'Billing-pass2');
});
afterAll(() => server.stop());

/** What a subscription over graphql-ws sends within `ms`, and how it ends: 'complete', its error, or 'open'. */
async function outcome(query: string, token: string, ms = 1500) {
  const client = createClient({ url: server.graphqlUrl.replace('http', 'ws'), webSocketImpl: WebSocket, connectionParams: token ? { authorization: `Bearer ${token}` } : {}, retryAttempts: 0 });
  const sent: unknown[] = [];
  try {
    const end = await new Promise<unknown>((resolve) => {
      const timer = setTimeout(() => resolve('open'), ms);
      const done = (how: unknown) => {
        clearTimeout(timer);
        resolve(how);
      };
      client.subscribe({ query }, { next: (value) => sent.push(value), error: (error) => done({ error }), complete: () => done('complete') });
    });
    return { sent, end };
  } finally {
    await client.dispose();
  }
}

describe('a subscription the caller may not have', () => {
  it('ends at once with the refusal (it used to stay open and send one refusal per event)', async () => {
    const anonymous = await outcome(`subscription { ipBanChanged { __typename } }`, '');
    expect(anonymous).toEqual({ sent: [{ errors: [expect.objectContaining({ message: 'Not authenticated', extensions: { code: 'UNAUTHENTICATED' } })] }], end: 'complete' });
    const notPermitted = await outcome(`subscription { pbxApplied { revision } }`, billing);
    expect(notPermitted).toEqual({ sent: [{ errors: [expect.objectContaining({ message: 'Not permitted: Subscription.pbxApplied', extensions: { code: 'FORBIDDEN' } })] }], end: 'complete' });
  });

  it('is still given to a caller with the permission (it stays open, waiting for events)', async () => {
    expect(await outcome(`subscription { ipBanChanged { __typename } }`, server.adminToken)).toEqual({ sent: [], end: 'open' });
  });
});

describe('a subscription whose credential ends', () => {
  it('is closed (4403, which clients retry with a fresh token) once the token is revoked by logout, and by the account being deleted', async () => {
    for (const [username, end] of [
      ['operator8', 'logout'],
      ['operator9', 'deleteAccount'],
    ] as const) {
      const created = ok(
        await server.gql(
          `mutation { createAccount(input: { username: "${username}", password: "Operator-pass8", role: OPERATOR }) { ${ERROR_FIELDS} ... on MutationCreateAccountSuccess { data { id } } } }`,
          {},
          server.adminToken,
        ),
        'createAccount',
      );
      const token = await server.login(username, 'Operator-pass8');
      const client = createClient({ url: server.graphqlUrl.replace('http', 'ws'), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, retryAttempts: 0 });
      try {
        const ended = new Promise<unknown>((resolve) =>
          client.subscribe({ query: 'subscription { ipBanChanged { __typename } }' }, { next: () => undefined, error: resolve, complete: () => resolve('complete') }),
        );
        // Allowed: settings:write is the admin's; pbxApplied needs settings:read, which an operator has.
        const applied = new Promise<unknown>((resolve) =>
          client.subscribe({ query: 'subscription { pbxApplied { revision } }' }, { next: () => undefined, error: resolve, complete: () => resolve('complete') }),
        );
        expect(await ended).toBe('complete');
        await new Promise((r) => setTimeout(r, 400));
        if (end === 'logout') expect((await server.gql('mutation { logout }', {}, token)).data).toEqual({ logout: true });
        else ok(await server.gql(`mutation($id: ID!) { deleteAccount(id: $id) { ${ERROR_FIELDS} } }`, { id: created.id }, server.adminToken), 'deleteAccount');
        const closed = await Promise.race([applied, new Promise((r) => setTimeout(() => r('still open'), 3000))]);
        expect((closed as { code?: number }).code, `${end}: ${String(closed)}`).toBe(4403);
      } finally {
        await client.dispose();
      }
    }
  });
});

describe('a subscription over SSE whose credential ends', () => {
  /** Reads an SSE response until it ends or `ms` pass; what it sent, and whether it ended. */
  async function readFor(response: Response, ms: number): Promise<{ text: string; ended: boolean }> {
    const reader = response.body!.getReader();
    let text = '';
    const deadline = Date.now() + ms;
    for (;;) {
      const chunk = await Promise.race([reader.read(), new Promise<'late'>((r) => setTimeout(() => r('late'), Math.max(0, deadline - Date.now())))]);
      if (chunk === 'late') return { text, ended: false };
      if (chunk.done) return { text, ended: true };
      text += new TextDecoder().decode(chunk.value);
    }
  }

  it('gets an UNAUTHENTICATED error and ends once the token is revoked; a stream of another token goes on', async () => {
    ok(await server.gql(`mutation { createAccount(input: { username: "operator10", password: "Operator-pass10", role: OPERATOR }) { ${ERROR_FIELDS} } }`, {}, server.adminToken), 'createAccount');
    const token = await server.login('operator10', 'Operator-pass10');
    const query = encodeURIComponent('subscription { pbxApplied { revision } }');
    const controller = new AbortController();
    const stream = (bearer: string) => fetch(`${server.graphqlUrl}?query=${query}`, { headers: { accept: 'text/event-stream', authorization: `Bearer ${bearer}` }, signal: controller.signal });
    try {
      const revoked = await stream(token);
      const other = await stream(server.adminToken);
      expect(revoked.headers.get('content-type')).toContain('text/event-stream');
      await new Promise((r) => setTimeout(r, 400));
      expect((await server.gql('mutation { logout }', {}, token)).data).toEqual({ logout: true });
      const { text, ended } = await readFor(revoked, 3000);
      expect(ended).toBe(true);
      expect(text).toContain('"message":"Not authenticated: the credential is no longer valid: it was revoked or has expired"');
      expect(text).toContain('"code":"UNAUTHENTICATED"');
      expect(text).toMatch(/event: complete/);
      expect((await readFor(other, 1000)).ended).toBe(false);
    } finally {
      controller.abort();
    }
  });
});

describe('a subscription that ends', () => {
  it('lets go of its source at once, without waiting for an event: a client leaving SSE or graphql-ws, and a revoked token', async () => {
    const hub = server.running.services.calls.events;
    const before = hub.size();
    const query = encodeURIComponent('subscription { callEvents { kind } }');
    // SSE, the client goes away.
    const controller = new AbortController();
    await fetch(`${server.graphqlUrl}?query=${query}`, { headers: { accept: 'text/event-stream', authorization: `Bearer ${server.adminToken}` }, signal: controller.signal });
    await until(() => hub.size() === before + 1, 3000, 'subscribed over SSE');
    controller.abort();
    await until(() => hub.size() === before, 3000, 'the SSE subscription let go of the call events');
    // graphql-ws, the client completes it.
    const client = createClient({ url: server.graphqlUrl.replace('http', 'ws'), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${server.adminToken}` }, retryAttempts: 0 });
    try {
      const stop = client.subscribe({ query: 'subscription { callEvents { kind } }' }, { next: () => undefined, error: () => undefined, complete: () => undefined });
      await until(() => hub.size() === before + 1, 3000, 'subscribed over graphql-ws');
      stop();
      await until(() => hub.size() === before, 3000, 'the graphql-ws subscription let go of the call events');
    } finally {
      await client.dispose();
    }
    // SSE, the token is revoked.
    const token = await server.login('admin', ADMIN_PASSWORD);
    const revoked = await fetch(`${server.graphqlUrl}?query=${query}`, { headers: { accept: 'text/event-stream', authorization: `Bearer ${token}` } });
    await until(() => hub.size() === before + 1, 3000, 'subscribed with the token');
    expect((await server.gql('mutation { logout }', {}, token)).data).toEqual({ logout: true });
    expect(await revoked.text()).toContain('"code":"UNAUTHENTICATED"');
    await until(() => hub.size() === before, 3000, 'the revoked subscription let go of the call events');
  });
});

describe('a client that gives a fresh token when it reconnects', () => {
  it('is back with its subscription after its old token is revoked, and gets the next event', async () => {
    ok(await server.gql(`mutation { createAccount(input: { username: "admin3", password: "Admin3-pass", role: ADMIN }) { ${ERROR_FIELDS} } }`, {}, server.adminToken), 'createAccount');
    let current = await server.login('admin3', 'Admin3-pass');
    const connected: string[] = [];
    const client = createClient({
      url: server.graphqlUrl.replace('http', 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: () => {
        connected.push(current);
        return { authorization: `Bearer ${current}` };
      },
      retryAttempts: 3,
      retryWait: () => new Promise((r) => setTimeout(r, 100)),
    });
    const events: unknown[] = [];
    const failures: unknown[] = [];
    try {
      client.subscribe({ query: 'subscription { ipBanChanged { __typename } }' }, { next: (value) => events.push(value), error: (e) => failures.push(e), complete: () => undefined });
      await new Promise((r) => setTimeout(r, 400));
      const old = current;
      current = await server.login('admin3', 'Admin3-pass');
      expect((await server.gql('mutation { logout }', {}, old)).data).toEqual({ logout: true });
      // Closed within the re-check (200 ms here), then connected again with the new token.
      await until(() => connected.length >= 2, 10_000, 'the client connected again');
      expect(connected).toEqual([old, current]);
      // A ban every half second until one arrives (the subscription is sent again right after the connection).
      for (let i = 1; events.length === 0 && i <= 20; i++) {
        ok(await server.gql(`mutation { banIp(input: { address: "203.0.113.${i}" }) { ${ERROR_FIELDS} } }`, {}, server.adminToken), 'banIp');
        await new Promise((r) => setTimeout(r, 500));
      }
      expect(failures).toEqual([]);
      expect(events.length).toBeGreaterThanOrEqual(1);
    } finally {
      await client.dispose();
    }
  });
});

describe('one connection', () => {
  it('holds at most 100 subscriptions at once', async () => {
    const client = createClient({ url: server.graphqlUrl.replace('http', 'ws'), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${server.adminToken}` }, retryAttempts: 0 });
    const refusals: unknown[] = [];
    const stops: (() => void)[] = [];
    try {
      for (let i = 0; i < 101; i++)
        stops.push(client.subscribe({ query: 'subscription { ipBanChanged { __typename } }' }, { next: () => undefined, error: (e) => refusals.push(e), complete: () => undefined }));
      await new Promise((r) => setTimeout(r, 1000));
      expect(refusals).toEqual([[expect.objectContaining({ message: 'At most 100 subscriptions at once on one connection', extensions: { code: 'SUBSCRIPTION_LIMIT' } })]]);
      // One ended, one more may start.
      stops[0]!();
      await new Promise((r) => setTimeout(r, 300));
      const another = await new Promise<unknown>((resolve) => {
        client.subscribe({ query: 'subscription { ipBanChanged { __typename } }' }, { next: () => undefined, error: resolve, complete: () => resolve('complete') });
        setTimeout(() => resolve('open'), 500);
      });
      expect(another).toBe('open');
    } finally {
      await client.dispose();
    }
  });
});
