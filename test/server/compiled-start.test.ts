import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { until } from '../support/subscriptions.js';

let child: ChildProcess | undefined;
const dataDir = mkdtempSync(join(tmpdir(), 'pbx-compiled-'));
afterAll(() => {
  child?.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

async function gql(url: string, query: string, token?: string) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query }),
  });
  return (await response.json()) as { data?: any; errors?: unknown[] };
}

describe('npm start: the compiled server', () => {
  it('builds to dist/ and serves from plain JavaScript: migrations, login, an extension and its QR code (worker thread)', async () => {
    execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'pipe' });
    const output: string[] = [];
    child = spawn(process.execPath, ['dist/main.js'], {
      env: { ...process.env, PORT: '0', DATA_DIR: dataDir, DATABASE_URL: `file:${join(dataDir, 'pbx.db')}`, ADMIN_PASSWORD: 'admin-pass-for-tests', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    const listening = /"url":"(http:\/\/[^"]+)\/graphql"/;
    await until(() => listening.test(output.join('')), 30_000, 'server listening');
    const url = listening.exec(output.join(''))![1]!;
    const login = await gql(url, 'mutation { login(username: "admin", password: "admin-pass-for-tests") { ... on MutationLoginSuccess { data { accessToken } } } }');
    const token = login.data?.login?.data?.accessToken as string;
    expect(token).toBeTruthy();
    const created = await gql(
      url,
      'mutation { createExtensions(input: { startNumber: "200", count: 1 }) { ... on MutationCreateExtensionsSuccess { data { extensions { qrCode { pngDataUrl } } } } } }',
      token,
    );
    expect(created.errors).toBeUndefined();
    expect(created.data.createExtensions.data.extensions[0].qrCode.pngDataUrl).toMatch(/^data:image\/png;base64,/);
    expect(output.join('')).not.toMatch(/"level":(50|60)/);
  }, 180_000);
});
