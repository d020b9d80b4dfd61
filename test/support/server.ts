import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { loadConfig } from '../../src/config.js';
import { startPbxServer, type RunningServer } from '../../src/pbx-server.js';

export const ADMIN_PASSWORD = 'admin-pass-for-tests';

/**
 * The database the suite runs on: SQLite in a temporary folder by default;
 * PostgreSQL when TEST_DATABASE=postgres (a fresh database per server, made
 * from TEST_POSTGRES_URL, default postgresql://pbx:pbx@127.0.0.1:5432/postgres).
 */
export const testDatabase = process.env.TEST_DATABASE === 'postgres' ? 'postgres' : 'sqlite';

export async function createDatabase(dataDir: string): Promise<{ url: string; drop(): Promise<void> }> {
  if (testDatabase === 'sqlite') return { url: `file:${join(dataDir, 'test.db')}`, drop: async () => undefined };
  const base = process.env.TEST_POSTGRES_URL ?? 'postgresql://pbx:pbx@127.0.0.1:5432/postgres';
  const name = `pbx_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export type GraphQLResponse<T = any> = { data?: T; errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string } }[] };

export type TestServer = {
  url: string;
  graphqlUrl: string;
  running: RunningServer;
  printed: string[];
  gql<T = any>(query: string, variables?: Record<string, unknown>, token?: string): Promise<GraphQLResponse<T>>;
  login(username: string, password: string): Promise<string>;
  adminToken: string;
  restart(): Promise<void>;
  stop(): Promise<void>;
};

/** Starts a real server on an ephemeral port with its own temporary database; admin is logged in. */
export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pbx-test-'));
  // A DATABASE_URL given by the test is shared with another server and left to the test to drop.
  const database = env.DATABASE_URL ? { url: env.DATABASE_URL, drop: async () => undefined } : await createDatabase(dataDir);
  const printed: string[] = [];
  // A variable given as '' is left out (e.g. ADMIN_PASSWORD: '' for a generated admin password).
  const merged: Record<string, string> = { DATA_DIR: dataDir, DATABASE_URL: database.url, PORT: '0', LOG_LEVEL: 'silent', ADMIN_PASSWORD, LOGIN_MAX_DELAY_MS: '50', ...env };
  for (const key of Object.keys(merged)) if (merged[key] === '') delete merged[key];
  const config = () => loadConfig(merged);
  let running = await startPbxServer(config(), (line) => printed.push(line));
  const server: TestServer = {
    get url() {
      return running.app.url;
    },
    get graphqlUrl() {
      return `${running.app.url}/graphql`;
    },
    get running() {
      return running;
    },
    printed,
    adminToken: '',
    async gql(query, variables, token) {
      const response = await fetch(`${running.app.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as GraphQLResponse;
    },
    async login(username, password) {
      const result = await server.gql(
        `mutation($u: String!, $p: String!) { login(username: $u, password: $p) { __typename ... on MutationLoginSuccess { data { accessToken } } ... on Error { message } } }`,
        { u: username, p: password },
      );
      const token = result.data?.login?.data?.accessToken;
      if (!token) throw new Error(`login ${username} failed: ${JSON.stringify(result)}`);
      return token;
    },
    async restart() {
      await running.stop();
      running = await startPbxServer(config(), (line) => printed.push(line));
    },
    async stop() {
      await running.stop();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  if (merged.ADMIN_PASSWORD) server.adminToken = await server.login('admin', merged.ADMIN_PASSWORD);
  return server;
}

/** Unwraps a mutation result union: the data of the success member, or throws with the error. */
export function ok<T = any>(result: GraphQLResponse, field: string): T {
  const value = result.data?.[field];
  if (!value || !String(value.__typename).endsWith('Success')) throw new Error(`${field} failed: ${JSON.stringify(result)}`);
  return value.data as T;
}

export const ERROR_FIELDS = `__typename
  ... on Error { message }
  ... on ValidationError { issues { path message code } }
  ... on NumberConflictError { number owner { kind label } }
  ... on ReferencedError { referrers { kind label } }
  ... on LimitExceededError { limit maximum }`;
