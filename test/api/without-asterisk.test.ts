import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

describe('a query that needs Asterisk while none is connected', () => {
  it('answers an error with its own code and reason, not an unexpected error', async () => {
    const r = await server.gql(`{ parkedCalls { slot } }`, {}, server.adminToken);
    expect(r.data ?? null).toBeNull();
    expect(r.errors).toEqual([expect.objectContaining({ message: expect.stringMatching(/^Asterisk is not connected/), path: ['parkedCalls'], extensions: { code: 'ASTERISK_NOT_CONNECTED' } })]);
  });
});
