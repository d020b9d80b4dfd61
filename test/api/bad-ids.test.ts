import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
const gql = (query: string) => server.gql(query, {}, server.adminToken);
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

describe('an ID or cursor that names nothing', () => {
  it('in a mutation is its typed NotFoundError, and the mutations before it keep their answers', async () => {
    const r = await gql(`mutation { a: addBlacklistEntry(number: "+4911") { __typename } b: updateExtension(id: "garbage", input: { email: "a@b.c" }) { __typename ... on Error { message } } }`);
    expect(r.errors).toBeUndefined();
    expect(r.data).toEqual({ a: { __typename: 'MutationAddBlacklistEntrySuccess' }, b: { __typename: 'NotFoundError', message: 'Extension InvalidGlobalID:garbage does not exist' } });
    const many = await gql(`mutation { deleteExtensions(ids: ["x", "y"]) { __typename } }`);
    expect(many.data.deleteExtensions.__typename).toBe('NotFoundError');
  });

  it('in a query is an error with the code of bad input, saying why', async () => {
    for (const [query, message] of [
      [`{ node(id: "garbage") { id } }`, 'No object has this ID: it is not a global ID'],
      [`{ node(id: "${Buffer.from('Foo:bar').toString('base64')}") { id } }`, 'No object has this ID: its type Foo is not one of this schema'],
      [`{ extensions(first: 2, after: "garbage") { totalCount } }`, 'Invalid cursor: garbage'],
    ]) {
      const r = await gql(query!);
      expect(r.errors, query).toEqual([expect.objectContaining({ message, extensions: { code: 'BAD_USER_INPUT' } })]);
    }
  });
});

describe('a DateTime', () => {
  it('outside ISO 8601 with a four-digit year is refused as a bad variable, not an internal error', async () => {
    for (const value of ['+275760-09-13T00:00:00Z', '-271821-04-20T00:00:00Z', '1', 'tomorrow']) {
      const r = await server.gql(
        `query($from: DateTime!, $to: DateTime!) { callRecords(filter: { from: $from, to: $to }, first: 1) { totalCount } }`,
        { from: value, to: '2026-12-31T00:00:00Z' },
        server.adminToken,
      );
      // A variable that does not coerce: refused before execution, as graphql-js words it (no code), never INTERNAL.
      expect(r.errors?.[0]?.message, value).toBe(`Variable "$from" got invalid value "${value}"; Expected type "DateTime". DateTime: an ISO-8601 date and time, e.g. 2026-12-03T09:30:00Z`);
      expect(r.errors?.[0]?.extensions?.code, value).not.toBe('INTERNAL');
    }
    const fine = await server.gql(`{ callRecords(filter: { from: "2026-01-01", to: "2026-12-31T23:59:59.999+01:00" }, first: 1) { totalCount } }`, {}, server.adminToken);
    expect(fine.errors).toBeUndefined();
  });
});
