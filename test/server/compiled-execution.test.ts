import { execute, getOperationAST, parse, type ExecutionResult } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLoaders, type Context } from '../../src/resolvers/context.js';
import { schema } from '../../src/resolvers/schema.js';
import { checkCredential } from '../../src/server/authenticate.js';
import { compileOperation } from '../../src/server/compiled-execution.js';
import { ERROR_FIELDS, ok, startTestServer, type TestServer } from '../support/server.js';

// Queries run compiled (src/server/compiled-execution.ts). Whatever graphql-js answers, the compiled
// query answers the same: data, and errors with their messages, paths and locations.

let server: TestServer;
const tokens: Record<string, string> = {};
let otherId = '';

beforeAll(async () => {
  server = await startTestServer();
  const gql = (query: string, variables: Record<string, unknown> = {}) => server.gql(query, variables, server.adminToken);
  ok(await gql(`mutation { createExtensions(input: { startNumber: "620", count: 4 }) { ${ERROR_FIELDS} } }`), 'createExtensions');
  ok(
    await gql(`mutation($input: CreateDepartmentInput!) { createDepartment(input: $input) { ${ERROR_FIELDS} } }`, {
      input: { name: 'Sales', number: '0400', ringStrategy: 'RING_ALL', ringTimeSeconds: 20, noAnswerDestination: { type: 'VOICEMAIL', target: '620' }, members: ['620', '621'] },
    }),
    'createDepartment',
  );
  ok(await gql(`mutation { setExtensionLoginPassword(extension: "620", password: "Login-620-pass") { ${ERROR_FIELDS} } }`), 'setExtensionLoginPassword');
  ok(await gql(`mutation { createAccount(input: { username: "billing1", password: "billing-pass", role: BILLING }) { ${ERROR_FIELDS} } }`), 'createAccount');
  tokens.admin = server.adminToken;
  tokens.billing = await server.login('billing1', 'billing-pass');
  tokens.extension = await server.login('620', 'Login-620-pass');
  tokens.anonymous = '';
  const listed = await gql(`{ extensions(first: 2) { edges { node { id } } } }`);
  otherId = listed.data.extensions.edges[1].node.id;
});
afterAll(() => server.stop());

async function contextFor(token: string): Promise<Context> {
  const services = server.running.services;
  const { principal, refusal } = await checkCredential(services, token ? `Bearer ${token}` : null);
  return { services, principal, credentialRefusal: refusal, operation: new AbortController(), ip: '127.0.0.1', outcomes: new Map(), loaders: createLoaders(services) };
}

/** A result as a client reads it: data, and errors (message, locations, path, the kind of the original error). */
function asRead(result: ExecutionResult) {
  return {
    data: result.data ?? null,
    errors: (result.errors ?? []).map((e) => ({ message: e.message, locations: e.locations, path: e.path, original: e.originalError?.constructor.name })),
  };
}

type Read = ReturnType<typeof asRead>;

/**
 * The same data, and every error graphql-js gives. graphql-js stops completing a list at the first
 * item whose error nulls the list; compiled code completes every item and gives each one's error.
 * Such an extra error must lie inside a part of the answer that is null in both.
 */
function expectSameAnswer(compiled: Read, interpreted: Read, label: string): void {
  expect(compiled.data, label).toEqual(interpreted.data);
  const key = (e: Read['errors'][number]) => JSON.stringify(e);
  const compiledErrors = new Set(compiled.errors.map(key));
  for (const error of interpreted.errors) expect(compiledErrors.has(key(error)), `${label}: ${key(error)}`).toBe(true);
  const interpretedErrors = new Set(interpreted.errors.map(key));
  for (const error of compiled.errors.filter((e) => !interpretedErrors.has(key(e)))) {
    expect(insideNull(compiled.data, error.path ?? []), `${label}: an error outside a null part: ${key(error)}`).toBe(true);
  }
}

/** Whether some part of `path` above its last key is null (or missing) in `data`. */
function insideNull(data: unknown, path: readonly (string | number)[]): boolean {
  let value = data;
  for (const step of path.slice(0, -1)) {
    if (value === null || value === undefined) return true;
    value = (value as Record<string | number, unknown>)[step];
  }
  return value === null || value === undefined;
}

const DOCUMENTS: [string, string, Record<string, unknown>][] = [
  [
    'a page of extensions with every kind of field',
    `query($first: Int!, $withDepartments: Boolean!) { extensions(first: $first, orderBy: { field: NUMBER, direction: DESC }) { totalCount pageInfo { hasNextPage endCursor }
      edges { cursor node { __typename id number enabled name codecs pickupGroups transport passwordStrength createdAt password voicemailPin
        dialPermission { name } whitelist { name } departments @include(if: $withDepartments) { name members { number } noAnswerDestination { type target } }
        ...Contact qrCode { server port transport } } } } }
     fragment Contact on Extension { email mobileNumber alias: outboundCallerId1 }`,
    { first: 10, withDepartments: true },
  ],
  ['one extension, and one that does not exist', `{ a: extension(number: "621") { number name } b: extension(number: "999") { number } }`, {}],
  ['a node of another extension', `query($id: ID!) { node(id: $id) { __typename id ... on Extension { number name } } }`, { id: '' }],
  ['departments and their members', `{ departments(first: 5) { edges { node { name members { number name } } } } }`, {}],
  ['who the caller is', `{ me { username role permissions extension { number } } }`, {}],
  ['a variable of the wrong type', `query($first: Int!) { extensions(first: $first) { totalCount } }`, { first: 'ten' }],
  ['a missing variable', `query($first: Int!) { extensions(first: $first) { totalCount } }`, {}],
];

describe('compiled queries answer as graphql-js does', () => {
  for (const [label, document, variables] of DOCUMENTS) {
    it(label, async () => {
      const parsed = parse(document);
      const compiled = compileOperation({ schema, document: parsed }, getOperationAST(parsed)!, server.running.services.log);
      expect(compiled).not.toBeNull();
      const vars = label === 'a node of another extension' ? { id: otherId } : variables;
      for (const [who, token] of Object.entries(tokens)) {
        const interpreted = await execute({ schema, document: parsed, variableValues: vars, contextValue: await contextFor(token) });
        const fromCompiled = await compiled!.run({ schema, document: parsed, variableValues: vars, contextValue: await contextFor(token) });
        expectSameAnswer(asRead(fromCompiled), asRead(interpreted), `${label}, as ${who}`);
      }
    });
  }
});

describe('over HTTP', () => {
  it('a typed error keeps its code, path and location', async () => {
    const r = await server.gql(`{\n  extension(number: "620") {\n    number\n    password\n  }\n}`, {}, tokens.billing);
    expect(r.data).toEqual({ extension: { number: '620', password: null } });
    expect(r.errors).toEqual([{ message: 'Not permitted: Extension.password', locations: [{ line: 4, column: 5 }], path: ['extension', 'password'], extensions: { code: 'FORBIDDEN' } }]);
  });

  it("a wrong variable is refused with graphql-js's message", async () => {
    const r = await server.gql(`query($first: Int!) { extensions(first: $first) { totalCount } }`, { first: 'ten' }, tokens.admin);
    expect(r.data ?? null).toBeNull();
    expect(r.errors?.map((e) => e.message)).toEqual(['Variable "$first" got invalid value "ten"; Int cannot represent non-integer value: "ten"']);
  });
});
