import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

const GRAPHQL_RESPONSE = 'application/graphql-response+json';
const JSON_MEDIA = 'application/json';

async function post(query: string, accept: string) {
  const response = await fetch(server.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept, authorization: `Bearer ${server.adminToken}` },
    body: JSON.stringify({ query }),
  });
  return { status: response.status, body: (await response.json()) as { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] } };
}

function aliases(count: number, field: string): string {
  return `{ ${Array.from({ length: count }, (_, i) => `a${i}: ${field}`).join(' ')} }`;
}

function nested(levels: number): string {
  let selection = 'number';
  for (let i = 0; i < levels; i++) selection = `departments { members { ${selection} } }`;
  return `{ me { extension { ${selection} } } }`;
}

const refused: { name: string; query: string; code: string; message: string }[] = [
  { name: 'aliases', query: aliases(16, 'me { username }'), code: 'ALIAS_LIMIT', message: 'Aliases limit exceeded: 16 aliases, at most 15' },
  { name: '__typename aliases', query: aliases(1000, '__typename'), code: 'ALIAS_LIMIT', message: 'Aliases limit exceeded: 1000 aliases, at most 15' },
  { name: 'depth', query: nested(8), code: 'DEPTH_LIMIT', message: 'Depth limit exceeded: 19 levels, at most 12' },
  { name: 'cost', query: `{ extensions(first: 100000) { totalCount } }`, code: 'COST_LIMIT', message: 'Cost limit exceeded: cost 350000, at most 300000' },
  { name: 'tokens', query: `{ ${'__typename '.repeat(4001)}}`, code: 'TOKEN_LIMIT', message: 'Token limit exceeded: more than 4000 tokens' },
  { name: 'directives', query: `{ ${'... on Query @include(if: true) { __typename } '.repeat(21)}}`, code: 'DIRECTIVE_LIMIT', message: 'Directives limit exceeded: 21 directives, at most 20' },
];

describe('limit refusals over HTTP', () => {
  it.each(refused)('refuses too many $name as a request error with a code', async ({ query, code, message }) => {
    const { status, body } = await post(query, GRAPHQL_RESPONSE);
    expect(status, JSON.stringify(body).slice(0, 500)).toBe(400);
    expect(body.data).toBeUndefined();
    expect(body.errors?.[0]).toMatchObject({ message, extensions: { code } });
    expect(body.errors?.[0]?.extensions).not.toHaveProperty('http');
  });

  it.each(refused)('answers too many $name under application/json as yoga answers any validation error', async ({ query, code }) => {
    const ordinary = await post('{ noSuchField }', JSON_MEDIA);
    const { status, body } = await post(query, JSON_MEDIA);
    expect(status).toBe(ordinary.status);
    expect(body.data).toBeUndefined();
    expect(body.errors?.[0]?.extensions?.code).toBe(code);
    expect(body.errors?.[0]?.message).not.toMatch(/^Syntax Error/);
  });

  it('counts __typename aliases like any other: 15 pass, 16 do not', async () => {
    const fifteen = await post(aliases(15, '__typename'), GRAPHQL_RESPONSE);
    expect(fifteen.status).toBe(200);
    expect(Object.keys(fifteen.body.data as object)).toHaveLength(15);
    const sixteen = await post(aliases(16, '__typename'), GRAPHQL_RESPONSE);
    expect(sixteen.status).toBe(400);
    expect(sixteen.body.errors?.[0]?.extensions?.code).toBe('ALIAS_LIMIT');
  });
});

describe('limit refusals over graphql-ws', () => {
  it.each(refused)('refuses too many $name with the message and code of HTTP', async ({ query, code, message }) => {
    const client = createClient({ url: server.graphqlUrl.replace('http', 'ws'), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${server.adminToken}` }, retryAttempts: 0 });
    try {
      const errors = await new Promise<unknown>((resolve, reject) => {
        client.subscribe({ query }, { next: () => reject(new Error('the document was executed')), error: resolve, complete: () => reject(new Error('completed without an error')) });
      });
      expect(errors).toEqual([expect.objectContaining({ message, extensions: { code } })]);
    } finally {
      await client.dispose();
    }
  });
});

describe('a page size given by a variable', () => {
  async function postWithVariables(query: string, variables: Record<string, unknown>) {
    const response = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: GRAPHQL_RESPONSE, authorization: `Bearer ${server.adminToken}` },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] };
  }
  const query = 'query Page($n: Int) { extensions(first: $n) { totalCount } }';

  it('costs what the same literal costs: refused over the limit', async () => {
    const body = await postWithVariables(query, { n: 100000 });
    expect(body.data ?? null).toBeNull();
    expect(body.errors?.[0]).toMatchObject({ message: 'Cost limit exceeded: cost 350000, at most 300000', extensions: { code: 'COST_LIMIT' } });
  });

  it('counts a declared default when the variable is not sent', async () => {
    const body = await postWithVariables('query Page($n: Int = 100000) { extensions(first: $n) { totalCount } }', {});
    expect(body.errors?.[0]?.extensions?.code).toBe('COST_LIMIT');
  });

  it('counts a variable inside a fragment', async () => {
    const body = await postWithVariables('query Page($n: Int) { ...Page } fragment Page on Query { extensions(first: $n) { totalCount } }', { n: 100000 });
    expect(body.errors?.[0]?.extensions?.code).toBe('COST_LIMIT');
  });

  it('lets a page within the limit through', async () => {
    const body = await postWithVariables(query, { n: 10 });
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({ extensions: { totalCount: expect.any(Number) } });
  });
});
