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

const codesOf = (errors: { extensions?: Record<string, unknown> }[] | undefined) => (errors ?? []).map((e) => String(e.extensions?.code)).sort();

function aliases(count: number, field: string): string {
  return `{ ${Array.from({ length: count }, (_, i) => `a${i}: ${field}`).join(' ')} }`;
}

function nested(levels: number): string {
  let selection = 'number';
  for (let i = 0; i < levels; i++) selection = `departments { members { ${selection} } }`;
  return `{ me { extension { ${selection} } } }`;
}

// `also`: the other limits the document breaks, refused with it (lists nested 19 deep ask for more objects than the cost limit allows).
const refused: { name: string; query: string; code: string; message: string; also?: string[] }[] = [
  { name: 'aliases', query: aliases(16, 'me { username }'), code: 'ALIAS_LIMIT', message: 'Aliases limit exceeded: 16 aliases, at most 15' },
  { name: '__typename aliases', query: aliases(1000, '__typename'), code: 'ALIAS_LIMIT', message: 'Aliases limit exceeded: 1000 aliases, at most 15' },
  { name: 'depth', query: nested(8), code: 'DEPTH_LIMIT', message: 'Depth limit exceeded: 19 levels, at most 12', also: ['COST_LIMIT'] },
  { name: 'cost', query: `{ extensions(first: 100000) { totalCount } }`, code: 'COST_LIMIT', message: 'Cost limit exceeded: cost 350000, at most 300000' },
  { name: 'tokens', query: `{ ${'__typename '.repeat(4001)}}`, code: 'TOKEN_LIMIT', message: 'Token limit exceeded: more than 4000 tokens' },
  { name: 'directives', query: `{ ${'... on Query @include(if: true) { __typename } '.repeat(21)}}`, code: 'DIRECTIVE_LIMIT', message: 'Directives limit exceeded: 21 directives, at most 20' },
];

describe('limit refusals over HTTP', () => {
  it.each(refused)('refuses too many $name as a request error with a code', async ({ query, code, message, also }) => {
    const { status, body } = await post(query, GRAPHQL_RESPONSE);
    expect(status, JSON.stringify(body).slice(0, 500)).toBe(400);
    expect(body.data).toBeUndefined();
    expect(codesOf(body.errors)).toEqual([code, ...(also ?? [])].sort());
    expect(body.errors?.find((e) => e.extensions?.code === code)).toMatchObject({ message, extensions: { code } });
    for (const error of body.errors ?? []) expect(error.extensions).not.toHaveProperty('http');
  });

  it.each(refused)('answers too many $name under application/json as yoga answers any validation error', async ({ query, code, also }) => {
    const ordinary = await post('{ noSuchField }', JSON_MEDIA);
    const { status, body } = await post(query, JSON_MEDIA);
    expect(status).toBe(ordinary.status);
    expect(body.data).toBeUndefined();
    expect(codesOf(body.errors)).toEqual([code, ...(also ?? [])].sort());
    for (const error of body.errors ?? []) expect(error.message).not.toMatch(/^Syntax Error/);
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
  it.each(refused)('refuses too many $name with the message and code of HTTP', async ({ query, code, message, also }) => {
    const client = createClient({ url: server.graphqlUrl.replace('http', 'ws'), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${server.adminToken}` }, retryAttempts: 0 });
    try {
      const errors = await new Promise<unknown>((resolve, reject) => {
        client.subscribe({ query }, { next: () => reject(new Error('the document was executed')), error: resolve, complete: () => reject(new Error('completed without an error')) });
      });
      expect(codesOf(errors as { extensions?: Record<string, unknown> }[])).toEqual([code, ...(also ?? [])].sort());
      expect(errors).toContainEqual(expect.objectContaining({ message, extensions: { code } }));
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

describe('lists without a page size', () => {
  const postWithVariables = async (query: string, variables: Record<string, unknown> = {}) => {
    const response = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: GRAPHQL_RESPONSE, authorization: `Bearer ${server.adminToken}` },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, body: (await response.json()) as { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] } };
  };

  it('count as the objects they hold: lists nested in a page are refused before anything runs', async () => {
    const nestedLists = `{ extensions(first: 706) { edges { node { number departments { name members { number departments { name members { number } } } } } } } }`;
    const { status, body } = await postWithVariables(nestedLists);
    expect(status).toBe(400);
    expect(body.errors?.map((e) => e.extensions?.code)).toEqual(['COST_LIMIT']);
    expect(body.errors?.[0]?.message).toMatch(/^Cost limit exceeded: cost \d+, at most 300000$/);
    const oneLevelLess = `{ departments(first: 3) { edges { node { members { departments { members { number } } } } } } }`;
    expect((await postWithVariables(oneLevelLess)).body.errors?.map((e) => e.extensions?.code)).toEqual(['COST_LIMIT']);
  });

  it('let the pages a client needs through: every extension with its departments and dial permission, 50 departments with their members', async () => {
    for (const query of [
      `{ extensions(first: 4000) { totalCount edges { node { id number name outboundCallerId1 outboundCallerId2 departments { name } dialPermission { name } } } } }`,
      `{ departments(first: 50) { edges { node { name members { number name } } } } }`,
    ]) {
      const { status, body } = await postWithVariables(query);
      expect(body.errors, query).toBeUndefined();
      expect(status).toBe(200);
    }
  });

  it('nodes(ids:) counts its ids, given literally or by a variable', async () => {
    const query = 'query($ids: [ID!]!) { nodes(ids: $ids) { id } }';
    const many = await postWithVariables(query, { ids: Array.from({ length: 20000 }, (_, i) => `id-${i}`) });
    expect(many.body.errors?.map((e) => e.extensions?.code)).toEqual(['COST_LIMIT']);
    const few = await postWithVariables(query, { ids: ['a', 'b', 'c'] });
    expect(few.body.errors?.some((e) => e.extensions?.code === 'COST_LIMIT') ?? false).toBe(false);
    // 3,000 ids stay within the token limit.
    const literal = await postWithVariables(`{ nodes(ids: [${Array.from({ length: 3000 }, (_, i) => `"${i}"`).join(',')}]) { id __typename } }`);
    expect(literal.body.errors?.map((e) => e.extensions?.code)).toEqual(['COST_LIMIT']);
  });
});

describe('introspection', () => {
  const introspect = async (query: string, headers: Record<string, string> = {}) => {
    const response = await fetch(server.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query }) });
    return (await response.json()) as { data?: any; errors?: { message: string; extensions?: Record<string, unknown> }[] };
  };
  const fullIntrospection = `{ __schema { queryType { name } types { name fields { name } } } }`;

  it('is refused to a caller without a credential, however it is asked for (root field, __type, in a fragment)', async () => {
    for (const query of [fullIntrospection, `{ __type(name: "Extension") { name } }`, `query { ...All } fragment All on Query { __schema { queryType { name } } }`]) {
      const answer = await introspect(query);
      expect(answer.data, query).toBeUndefined();
      expect(answer.errors, query).toEqual([
        expect.objectContaining({
          message: 'Not authenticated. Introspection needs a credential: log in (mutation login) and send Authorization: Bearer <accessToken>, or an API key',
          extensions: { code: 'UNAUTHENTICATED' },
        }),
      ]);
    }
    // With a refused token the reason is given.
    const forged = await introspect(fullIntrospection, { authorization: 'Bearer not-a-token' });
    expect(forged.errors?.[0]?.message).toMatch(/^Not authenticated: .+\. Introspection needs a credential/);
    // Over graphql-ws too (a connection without a token opens; what it asks is checked one by one).
    const client = createClient({ url: server.graphqlUrl.replace('http', 'ws'), webSocketImpl: WebSocket, retryAttempts: 0 });
    try {
      const overSocket = await new Promise<{ data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] }>((resolve, reject) => {
        client.subscribe(
          { query: fullIntrospection },
          { next: (value) => resolve(value as never), error: (errors) => resolve({ errors: errors as never }), complete: () => reject(new Error('completed without an answer')) },
        );
      });
      expect(overSocket.data ?? undefined).toBeUndefined();
      expect(codesOf(overSocket.errors)).toEqual(['UNAUTHENTICATED']);
    } finally {
      await client.dispose();
    }
    // What a stranger may do is unchanged: __typename, and logging in.
    expect(await introspect(`{ __typename }`)).toEqual({ data: { __typename: 'Query' } });
  });

  it('is answered to any caller with a credential, an extension user too', async () => {
    const admin = await introspect(fullIntrospection, { authorization: `Bearer ${server.adminToken}` });
    expect(admin.errors).toBeUndefined();
    expect(admin.data.__schema.queryType.name).toBe('Query');
    expect(admin.data.__schema.types.some((t: { name: string }) => t.name === 'Extension')).toBe(true);
    const type = await introspect(`{ __type(name: "Extension") { name } }`, { authorization: `Bearer ${server.adminToken}` });
    expect(type).toEqual({ data: { __type: { name: 'Extension' } } });
    const created = await server.gql(`mutation { createExtension(input: { number: "230", name: "Ivy", password: "Secret-230x" }) { __typename } }`, {}, server.adminToken);
    expect(created.data.createExtension.__typename).toBe('MutationCreateExtensionSuccess');
    const set = await server.gql(`mutation { setExtensionLoginPassword(extension: "230", password: "Login-230x") { __typename } }`, {}, server.adminToken);
    expect(set.data.setExtensionLoginPassword.__typename).toBe('MutationSetExtensionLoginPasswordSuccess');
    const user = await introspect(`{ __type(name: "Extension") { name } }`, { authorization: `Bearer ${await server.login('230', 'Login-230x')}` });
    expect(user).toEqual({ data: { __type: { name: 'Extension' } } });
  });
});
