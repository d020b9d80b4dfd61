import { request as httpRequest, type ClientRequest } from 'node:http';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maxConcurrentUploads, maxJsonBodyBytes } from '../../src/server/request-guards.js';
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

/**
 * Starts a multipart request that declares 40 MiB and sends only its first part; the answer, if any comes while
 * it is open (status 0 when the connection ended without one, as when the test aborts it).
 */
function startUpload(authorization: string | null, headers: Record<string, string> = {}) {
  let request!: ClientRequest;
  const answer = new Promise<{ status: number; body: string }>((resolve) => {
    request = httpRequest(server.graphqlUrl, {
      method: 'POST',
      agent: false,
      headers: {
        ...(authorization ? { authorization } : {}),
        ...headers,
        'content-type': 'multipart/form-data; boundary=xyz',
        'content-length': String(40 * 1024 * 1024),
      },
    });
    request.on('response', (response) => {
      let text = '';
      response.on('data', (c: Buffer) => (text += c.toString()));
      response.on('end', () => resolve({ status: response.statusCode!, body: text }));
    });
    request.on('error', (error) => resolve({ status: 0, body: error.message }));
    request.write(
      `--xyz\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${JSON.stringify({ query: 'mutation($file: File!) { importBlacklist(file: $file) { __typename } }', variables: { file: null } })}\r\n`,
    );
  });
  return { answer, abort: () => request.destroy() };
}

describe('uploads', () => {
  it('without a valid credential are refused with 401 before their body is read', async () => {
    for (const authorization of [null, 'Bearer not-a-token', 'Basic YWRtaW46eA==']) {
      const upload = startUpload(authorization, { 'x-graphql-yoga-csrf': '1' });
      const { status, body } = await upload.answer;
      upload.abort();
      expect(status).toBe(401);
      expect(JSON.parse(body)).toEqual({ errors: [{ message: 'An upload needs an Authorization header with a valid access token or API key', extensions: { code: 'UNAUTHENTICATED' } }] });
    }
  });

  it(`at most ${maxConcurrentUploads} are read at once; the next is told to come back, and a place frees when one ends`, async () => {
    const held = Array.from({ length: maxConcurrentUploads }, () => startUpload(`Bearer ${server.adminToken}`));
    // Once the held uploads have reached the server (their credential checked), a further one is refused at once;
    // one sent before that would be held too, so it is given up after a while and another is tried.
    let refused: { status: number; body: string } | null = null;
    for (let i = 0; i < 30 && !refused; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const extra = startUpload(`Bearer ${server.adminToken}`);
      const first = await Promise.race([extra.answer, new Promise<null>((resolve) => setTimeout(() => resolve(null), 2000))]);
      extra.abort();
      if (first && first.status !== 0) refused = first;
    }
    expect(refused?.status).toBe(503);
    expect(JSON.parse(refused!.body).errors[0].extensions.code).toBe('UPLOADS_BUSY');
    for (const upload of held) upload.abort();
    // The dropped connections give their places back: a whole upload is served.
    let served = false;
    for (let i = 0; i < 50 && !served; i++) {
      const form = new FormData();
      form.set('operations', JSON.stringify({ query: '{ __typename }' }));
      form.set('map', '{}');
      const response = await fetch(server.graphqlUrl, { method: 'POST', headers: { authorization: `Bearer ${server.adminToken}` }, body: form });
      served = response.status === 200;
      if (!served) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(served).toBe(true);
  }, 90_000);
});

describe('WebSockets', () => {
  const open = (headers: Record<string, string>) =>
    new Promise<number | 'open'>((resolve) => {
      const socket = new WebSocket(server.graphqlUrl.replace('http', 'ws'), 'graphql-transport-ws', { headers });
      socket.once('open', () => {
        socket.close();
        resolve('open');
      });
      socket.once('unexpected-response', (_request, response) => resolve(response.statusCode!));
      socket.once('error', () => undefined);
    });

  it("from a page of another origin are refused (403); without an origin, or from this server's own origin, they open", async () => {
    expect(await open({ origin: 'https://evil.example' })).toBe(403);
    expect(await open({ origin: 'null' })).toBe(403);
    expect(await open({})).toBe('open');
    expect(await open({ origin: server.url })).toBe('open');
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

  it('sent in chunks without a Content-Length are refused with 411, whatever their size, before they are read', async () => {
    const send = (chunks: string[]) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const request = httpRequest(server.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json' } }, (response) => {
          let body = '';
          response.on('data', (chunk: Buffer) => (body += chunk.toString()));
          response.on('end', () => resolve({ status: response.statusCode!, body }));
        });
        request.on('error', reject);
        for (const chunk of chunks) request.write(chunk);
        request.end();
      });
    const small = await send(['{"query":', '"{ __typename }"}']);
    expect(small.status).toBe(411);
    expect(JSON.parse(small.body).errors[0].extensions.code).toBe('LENGTH_REQUIRED');
    const large = await send([`{"query":"query($x: String) { __typename }","variables":{"x":"`, 'x'.repeat(maxJsonBodyBytes * 2), '"}}']);
    expect(large.status).toBe(411);
    const measured = await fetch(server.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }) });
    expect(await measured.json()).toEqual({ data: { __typename: 'Query' } });
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
