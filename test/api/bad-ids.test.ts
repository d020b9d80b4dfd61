import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
const invalidCursor = (argument: string) => `Invalid cursor in "${argument}": it is not a cursor of this list (take one from an edge's cursor or pageInfo)`;
const INVALID_AFTER = invalidCursor('after');
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
      [`{ node(id: "${Buffer.from('Trunk:x').toString('base64')}") { id } }`, 'No object has this ID: its type is not a type of object (it is of kind Interface)'],
      [`{ node(id: "${Buffer.from('DateTime:x').toString('base64')}") { id } }`, 'No object has this ID: its type is not a type of object (it is of kind Scalar)'],
      [`{ node(id: "${Buffer.from('Query:x').toString('base64')}") { id } }`, 'Query does not support loading by id'],
      [`{ extensions(first: 2, after: "garbage") { totalCount } }`, INVALID_AFTER],
    ]) {
      const r = await gql(query!);
      expect(r.errors, query).toEqual([expect.objectContaining({ message, extensions: { code: 'BAD_USER_INPUT' } })]);
    }
  });
});

describe('an ID of an object that is gone, or never was', () => {
  it('is null in node and in its place in nodes, without an error, for every type', async () => {
    const add = async (number: string) =>
      (await gql(`mutation { addBlacklistEntry(number: "${number}") { ... on MutationAddBlacklistEntrySuccess { data { id } } } }`)).data.addBlacklistEntry.data.id as string;
    const id = await add('+4930111');
    const keptId = await add('+4930222');
    expect((await gql(`mutation { deleteBlacklistEntries(ids: ["${id}"]) { __typename } }`)).data.deleteBlacklistEntries.__typename).toBe('MutationDeleteBlacklistEntriesSuccess');
    const gone = await gql(`{ node(id: "${id}") { id } }`);
    expect(gone).toEqual({ data: { node: null } });
    const never = ['Account', 'Extension', 'SipTrunk', 'CallRecord'].map((type) => Buffer.from(`${type}:never-was`).toString('base64'));
    const mixed = await server.gql(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids: [id, keptId, ...never] }, server.adminToken);
    expect(mixed).toEqual({ data: { nodes: [null, { id: keptId }, null, null, null, null] } });
  });

  it('is not looked up for a caller without a credential', async () => {
    const ids = Array.from({ length: 50 }, (_, i) => Buffer.from(`Department:x${i}`).toString('base64'));
    const r = await server.gql(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids });
    expect(r.data ?? null).toBeNull();
    expect(r.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
  });
});

describe('a cursor', () => {
  const cursor = (text: string) => Buffer.from(text).toString('base64');

  it('holding anything but a row id (well-formed, of a number, an object, a date) is bad input naming the argument, on every list', async () => {
    // These reached Prisma, which refused the query: the client got "Unexpected error." (INTERNAL).
    const wrong = ['GPC:J:123', 'GPC:J:{"a":1}', 'GPC:J:[1]', 'GPC:J:null', 'GPC:N:5', 'GPC:D:5', 'GPC:B:5', 'GPC:'].map(cursor);
    for (const value of wrong) {
      for (const query of [
        `query($c: String) { extensions(first: 2, after: $c) { totalCount } }`,
        `query($c: String) { departments(last: 2, before: $c) { totalCount } }`,
        `query($c: String) { trunks(first: 2, after: $c) { totalCount } }`,
      ]) {
        const r = await server.gql(query, { c: value }, server.adminToken);
        const argument = query.includes('before') ? 'before' : 'after';
        expect(r.errors, `${query} ${Buffer.from(value, 'base64').toString()}`).toEqual([expect.objectContaining({ message: invalidCursor(argument), extensions: { code: 'BAD_USER_INPUT' } })]);
      }
    }
  });

  it('taken from a page pages on from there', async () => {
    await gql(`mutation { createExtensions(input: { startNumber: "730", count: 3 }) { __typename } }`);
    const first = await gql(`{ extensions(first: 1) { edges { cursor node { number } } } }`);
    const after = first.data.extensions.edges[0].cursor as string;
    expect(Buffer.from(after, 'base64').toString().startsWith('GPC:S:')).toBe(true);
    const next = await server.gql(`query($c: String) { extensions(first: 1, after: $c) { edges { node { number } } } }`, { c: after }, server.adminToken);
    expect(next.errors).toBeUndefined();
    expect(next.data.extensions.edges).toEqual([{ node: { number: '731' } }]);
    // A cursor of a row that is gone (or of another list) is still a cursor: the page after it is empty.
    const gone = await server.gql(`query($c: String) { extensions(first: 1, after: $c) { edges { node { number } } } }`, { c: cursor('GPC:S:no-such-row') }, server.adminToken);
    expect(gone).toEqual({ data: { extensions: { edges: [] } } });
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
