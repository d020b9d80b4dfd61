import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maxJsonBodyBytes } from '../../src/server/request-guards.js';
import { ADMIN_PASSWORD, ERROR_FIELDS, startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

const wrongLogin = `mutation { login(username: "admin", password: "not-the-password") { ${ERROR_FIELDS} } }`;

describe('requests a web page could send from a browser', () => {
  it('a form posted from another origin is refused unread: eleven wrong passwords that way do not lock the account', async () => {
    for (let i = 0; i < 11; i++) {
      const response = await fetch(server.graphqlUrl, {
        method: 'POST',
        headers: { origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ query: wrongLogin }).toString(),
      });
      expect(response.status).toBe(403);
      const body = (await response.json()) as { errors: { message: string; extensions: { code: string } }[] };
      expect(body.errors[0]!.extensions.code).toBe('CSRF');
      expect(body.errors[0]!.message).toMatch(/needs an Authorization header/);
    }
    await expect(server.login('admin', ADMIN_PASSWORD)).resolves.toEqual(expect.any(String));
  });

  it('a multipart request without a token is refused before its body is read; with one it is served', async () => {
    const form = () => {
      const f = new FormData();
      f.set('operations', JSON.stringify({ query: '{ __typename }' }));
      f.set('map', '{}');
      return f;
    };
    const anonymous = await fetch(server.graphqlUrl, { method: 'POST', body: form() });
    expect(anonymous.status).toBe(403);
    const signed = await fetch(server.graphqlUrl, { method: 'POST', headers: { authorization: `Bearer ${server.adminToken}` }, body: form() });
    expect(signed.status).toBe(200);
    expect(await signed.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it('JSON with a custom header needs a preflight, so it is served as before', async () => {
    const response = await fetch(server.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }) });
    expect(response.status).toBe(200);
  });
});

describe('bodies that are not uploads', () => {
  it(`over ${maxJsonBodyBytes} bytes are refused with 413 before they are read`, async () => {
    const variables = { x: 'x'.repeat(maxJsonBodyBytes) };
    const response = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'query($x: String) { __typename }', variables }),
    });
    expect(response.status).toBe(413);
    expect(((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('BODY_TOO_LARGE');
  });

  it('over graphql-ws, a message over the same size closes the socket (1009)', async () => {
    const socket = new WebSocket(server.graphqlUrl.replace('http', 'ws'), 'graphql-transport-ws');
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { padding: 'x'.repeat(maxJsonBodyBytes) } }));
    expect(await closed).toBe(1009);
  });
});
