import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

describe('GraphiQL', () => {
  it('is served whole from this server: the page loads no script or style from anywhere else', async () => {
    for (let i = 0; i < 2; i++) {
      const response = await fetch(server.graphqlUrl, { headers: { accept: 'text/html' } });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      const page = await response.text();
      expect(page).toContain('renderYogaGraphiQL');
      expect(page).not.toMatch(/<(script|link)[^>]+(src|href)=["']?https?:/i);
      expect(page).not.toContain('unpkg.com');
    }
  });
});
