import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logger.js';
import { AriConnection } from '../../../src/pbx/ari/connection.js';
import { startAriStandin, type AriStandin } from '../../support/ari-standin/index.js';
import { until } from '../../support/subscriptions.js';

/**
 * Asterisk answers with errors while it boots (503 before ARI is ready) and a
 * broken proxy may answer anything: none of it may end the process. An
 * uncaught exception here fails the vitest run.
 */

type Answer = (path: string) => { status: number; body: string; type?: string } | 'reset';

async function fakeAri(answer: Answer): Promise<{ url: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const a = answer(req.url ?? '');
    if (a === 'reset') {
      req.socket.destroy();
      return;
    }
    res.writeHead(a.status, { 'content-type': a.type ?? 'application/json' }).end(a.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const log = createLogger('silent');
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function connection(url: string) {
  const ari = new AriConnection({ url, username: 'pbx', password: 'secret', app: 'pbx', log, backoff: { minMs: 20, maxMs: 50 }, attemptTimeoutMs: 2000 });
  cleanups.push(() => ari.stop());
  ari.start();
  return ari;
}

describe('ARI failures are contained and retried', () => {
  for (const [name, answer] of [
    ['503 while Asterisk boots', () => ({ status: 503, body: '{"message":"Asterisk not booted"}' })],
    ['a 200 whose body is not JSON', () => ({ status: 200, body: '<html>proxy</html>{' })],
    ['a reset connection', () => 'reset' as const],
    [
      'resources.json fine, an API document broken',
      (path: string) =>
        path.startsWith('/ari/api-docs/resources.json')
          ? { status: 200, body: JSON.stringify({ swaggerVersion: '1.1', basePath: 'http://localhost/ari', apis: [{ path: '/api-docs/asterisk.{format}' }] }) }
          : { status: 200, body: 'not json' },
    ],
  ] as [string, Answer][]) {
    it(`keeps retrying on ${name}`, async () => {
      const ari = await fakeAri(answer);
      cleanups.push(ari.close);
      const client = connection(ari.url);
      await until(() => ari.requests.length >= 4, 8000, 'several attempts');
      expect(client.connected()).toBe(false);
    });
  }

  it('connects once a booting Asterisk is ready (404, then 503, then 200)', async () => {
    const standin: AriStandin = await startAriStandin({ username: 'pbx', password: 'secret', bootPhases: { notLoadedMs: 300, notBootedMs: 600 } });
    cleanups.push(() => standin.stop());
    expect(standin.bootPhase).not.toBe('booted');
    const client = connection(standin.url);
    await until(() => client.connected(), 8000, 'connected after boot');
    expect(standin.bootPhase).toBe('booted');
  });
});

describe('npm start pointed at an Asterisk that answers 503', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    child?.kill('SIGKILL');
  });

  it('keeps serving the API', async () => {
    const ari = await fakeAri(() => ({ status: 503, body: '{"message":"Asterisk not booted"}' }));
    cleanups.push(ari.close);
    const dataDir = mkdtempSync(join(tmpdir(), 'pbx-ari503-'));
    cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
    const output: string[] = [];
    child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: {
        ...process.env,
        PORT: '0',
        DATA_DIR: dataDir,
        DATABASE_URL: `file:${join(dataDir, 'pbx.db')}`,
        ADMIN_PASSWORD: 'admin-pass-for-tests',
        ARI_URL: ari.url,
        AMI_PORT: '1',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    let exited: number | null = null;
    child.on('exit', (code) => (exited = code ?? -1));
    const listening = /"url":"(http:\/\/[^"]+)\/graphql"/;
    await until(() => listening.test(output.join('')), 30_000, 'server listening');
    const url = listening.exec(output.join(''))![1];
    await until(() => ari.requests.length >= 4, 20_000, 'several ARI attempts');
    expect(exited).toBeNull();
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(output.join('')).toContain('ARI connection attempt failed');
  }, 60_000);
});
