import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ByteBodyResponse } from '../../src/server/byte-bodies.js';
import { ERROR_FIELDS, ok, startTestServer, type TestServer } from '../support/server.js';

describe('a response with a text body', () => {
  it('holds it as UTF-8 bytes, with their length, and keeps the content type it was given', async () => {
    const response = new ByteBodyResponse('{"name":"张三 é"}', { status: 201, headers: { 'Content-Type': 'application/json; charset=utf-8' } });
    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await response.text()).toBe('{"name":"张三 é"}');
  });

  it('without a content type is plain text, as a text body would have been', async () => {
    for (const headers of [undefined, { 'x-other': '1' }, [['x-other', '1']] as [string, string][], new Headers({ 'x-other': '1' })]) {
      const response = new ByteBodyResponse('é', { headers });
      expect(response.headers.get('content-type')).toBe('text/plain;charset=UTF-8');
      expect(new Uint8Array(await response.arrayBuffer())).toEqual(new Uint8Array([0xc3, 0xa9]));
    }
  });

  it('other bodies pass as they are', async () => {
    expect(await new ByteBodyResponse(null, { status: 204 }).text()).toBe('');
    expect(await new ByteBodyResponse(new Uint8Array([104, 105])).text()).toBe('hi');
  });
});

describe('a GraphQL answer over HTTP', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
    ok(await server.gql(`mutation { createExtensions(input: { startNumber: "740", count: 2 }) { ${ERROR_FIELDS} } }`, {}, server.adminToken), 'createExtensions');
    const listed = await server.gql(`{ extension(number: "740") { id } }`, {}, server.adminToken);
    const update = `mutation($id: ID!) { updateExtension(id: $id, input: { name: "张三 Müller" }) { ${ERROR_FIELDS} } }`;
    ok(await server.gql(update, { id: listed.data.extension.id }, server.adminToken), 'updateExtension');
  });
  afterAll(() => server.stop());

  it('gives the byte length of its UTF-8 body and the JSON content type', async () => {
    const response = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${server.adminToken}` },
      body: JSON.stringify({ query: '{ extensions(first: 5) { edges { node { number name } } } }' }),
    });
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(response.headers.get('content-length')).toBe(String(bytes.length));
    const body = JSON.parse(new TextDecoder().decode(bytes));
    expect(body.data.extensions.edges[0].node).toEqual({ number: '740', name: '张三 Müller' });
  });
});
