import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain JavaScript example script
import { quickstart } from '../examples/quickstart.mjs';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from './support/server.js';

let source: TestServer;
let target: TestServer;
beforeAll(async () => {
  [source, target] = await Promise.all([startTestServer(), startTestServer()]);
});
afterAll(async () => {
  await Promise.all([source.stop(), target.stop()]);
});

describe('examples/quickstart.mjs (the README first session)', () => {
  it('batch-creates, groups, exports, imports into an empty server, and an extension sees only itself', async () => {
    const lines: string[] = [];
    const result = await quickstart({
      url: source.graphqlUrl,
      username: 'admin',
      password: ADMIN_PASSWORD,
      targetUrl: target.graphqlUrl,
      targetPassword: ADMIN_PASSWORD,
      log: (...a: unknown[]) => lines.push(a.join(' ')),
    });
    expect(result).toMatchObject({ created: 100, members: 3, imported: 100, extensionSees: ['100'], role: 'EXTENSION_USER' });
    expect(result.exportedBytes).toBeGreaterThan(5000);
    const copied = await target.gql(`{ extensions(first: 1, orderBy: { field: NUMBER, direction: DESC }) { totalCount edges { node { number } } } }`, {}, target.adminToken);
    expect(copied.data.extensions).toEqual({ totalCount: 100, edges: [{ node: { number: '199' } }] });
    expect(lines.some((l) => l.startsWith('extension 100 sees 1'))).toBe(true);
  });
});
