import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { startTestServer, type TestServer } from '../support/server.js';

const APP = 'https://app.example.com';
const OTHER = 'https://app.example.com:8443';
const EVIL = 'https://evil.example.net';

async function query(server: TestServer, origin?: string) {
  return fetch(server.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(origin ? { origin } : {}) },
    body: JSON.stringify({ query: '{ __typename }' }),
  });
}

async function preflight(server: TestServer, origin: string) {
  return fetch(server.graphqlUrl, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
  });
}

describe('CORS without CORS_ORIGINS', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  it('allows no cross-origin page', async () => {
    for (const response of [await query(server, EVIL), await preflight(server, EVIL)]) {
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    }
  });

  it('still answers requests without an Origin', async () => {
    const response = await query(server);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { __typename: 'Query' } });
  });
});

describe('CORS with CORS_ORIGINS', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ CORS_ORIGINS: `${APP}, ${OTHER}` });
  });
  afterAll(() => server.stop());

  it('allows exactly the configured origins', async () => {
    for (const origin of [APP, OTHER]) {
      expect((await query(server, origin)).headers.get('access-control-allow-origin')).toBe(origin);
      const allowed = await preflight(server, origin);
      expect(allowed.headers.get('access-control-allow-origin')).toBe(origin);
      expect(allowed.headers.get('access-control-allow-headers')).toContain('authorization');
    }
    for (const origin of [EVIL, 'https://app.example.com.evil.example.net', 'http://app.example.com']) {
      expect((await query(server, origin)).headers.get('access-control-allow-origin')).toBeNull();
      expect((await preflight(server, origin)).headers.get('access-control-allow-origin')).toBeNull();
    }
  });

  it('still answers requests without an Origin', async () => {
    expect(await (await query(server)).json()).toEqual({ data: { __typename: 'Query' } });
  });
});

describe('CORS_ORIGINS', () => {
  it('is read as a list of exact origins', () => {
    expect(loadConfig({}).corsOrigins).toEqual([]);
    expect(loadConfig({ CORS_ORIGINS: `${APP},${OTHER},` }).corsOrigins).toEqual([APP, OTHER]);
  });

  it.each(['*', 'app.example.com', `${APP}/`, `${APP}/graphql`, 'ftp://app.example.com', `${APP}, nonsense`])('refuses %j naming the variable', (value) => {
    expect(() => loadConfig({ CORS_ORIGINS: value })).toThrow(ConfigError);
    expect(() => loadConfig({ CORS_ORIGINS: value })).toThrow(/CORS_ORIGINS/);
  });
});
