import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCacheableRequest, queryPlanStats } from '../../src/db/query-plan-cache.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

const created = (r: { data?: any; errors?: unknown }) => r.data?.createExtension?.data ?? expect.fail(JSON.stringify(r));

describe('query plans of reads are kept', () => {
  it('a repeated read takes the kept plan and still sees the rows as they are now', async () => {
    const prisma = server.running.services.db.prisma;
    const r = await server.gql(
      `mutation { createExtension(input: { number: "101", name: "Before", password: "Top-Secret-1" }) { ... on MutationCreateExtensionSuccess { data { id } } } }`,
      {},
      server.adminToken,
    );
    expect(created(r)).toBeTruthy();
    const read = () => prisma.extension.findMany({ where: { number: { in: ['101', '102'] } }, select: { number: true, name: true }, orderBy: { number: 'asc' } });
    await read();
    const before = queryPlanStats();
    expect(await read()).toEqual([{ number: '101', name: 'Before' }]);
    const after = queryPlanStats();
    expect(after.kept).toBe(before.kept + 1);
    expect(after.compiled).toBe(before.compiled);

    // Writes are compiled every time; the kept plan of the read holds no rows.
    await prisma.extension.update({ where: { number: '101' }, data: { name: 'After' } });
    const r2 = await server.gql(
      `mutation { createExtension(input: { number: "102", name: "Second", password: "Top-Secret-2" }) { ... on MutationCreateExtensionSuccess { data { id } } } }`,
      {},
      server.adminToken,
    );
    expect(created(r2)).toBeTruthy();
    const beforeRead = queryPlanStats();
    expect(await read()).toEqual([
      { number: '101', name: 'After' },
      { number: '102', name: 'Second' },
    ]);
    expect(queryPlanStats().kept).toBe(beforeRead.kept + 1);
  });

  it('a read with other values is another plan', async () => {
    const prisma = server.running.services.db.prisma;
    const first = await prisma.extension.findMany({ where: { number: '101' }, select: { name: true } });
    const second = await prisma.extension.findMany({ where: { number: '102' }, select: { name: true } });
    expect(first).toEqual([{ name: 'After' }]);
    expect(second).toEqual([{ name: 'Second' }]);
  });

  it('the same list over GraphQL twice compiles nothing the second time', async () => {
    const list = `{ extensions(first: 50) { totalCount edges { node { number name departments { name } dialPermission { name } } } } }`;
    const first = await server.gql(list, {}, server.adminToken);
    const before = queryPlanStats();
    const second = await server.gql(list, {}, server.adminToken);
    expect(second).toEqual(first);
    const after = queryPlanStats();
    expect(after.compiled).toBe(before.compiled);
    // The token check, the page, its count and the two relations.
    expect(after.kept).toBeGreaterThanOrEqual(before.kept + 5);
  });

  it('takes reads only, and not long ones', () => {
    expect(isCacheableRequest('{"modelName":"Extension","action":"findMany","query":{}}')).toBe(true);
    expect(isCacheableRequest('{"modelName":"Extension","action":"aggregate","query":{}}')).toBe(true);
    expect(isCacheableRequest('{"modelName":"Extension","action":"createOne","query":{}}')).toBe(false);
    expect(isCacheableRequest('{"modelName":"Extension","action":"upsertOne","query":{}}')).toBe(false);
    expect(isCacheableRequest('{"action":"queryRaw","query":{}}')).toBe(false);
    expect(isCacheableRequest(`{"modelName":"Extension","action":"findMany","query":{"x":"${'a'.repeat(5000)}"}}`)).toBe(false);
  });
});
