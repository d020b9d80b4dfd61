import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createEventBus, type EventBus } from '../../src/events/bus.js';
import { startAriStandin, type AriStandin } from '../support/ari-standin/index.js';
import { freePort, hasRedis, startRedis } from '../support/redis.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { until } from '../support/subscriptions.js';

// Every logger the server makes writes its JSON lines here, so a test can read what the server logged.
const logged = vi.hoisted(() => [] as { level: number; msg: string; role?: string; topic?: string }[]);
vi.mock('../../src/logger.js', async () => {
  const { pino } = await import('pino');
  return { createLogger: (level: string) => pino({ level }, { write: (line: string) => void logged.push(JSON.parse(line)) }) };
});

const WARN = 40;

if (!hasRedis) console.log('Redis readiness tests skipped: no REDIS_URL and no redis-server on PATH (apt-get install redis-server)');

/** A logger of our own for the bus alone: its lines, parsed. */
function captureLog() {
  const lines: { level: number; msg: string; topic?: string }[] = [];
  const stream = new Writable({ write: (chunk, _encoding, done) => (lines.push(JSON.parse(String(chunk))), done()) });
  return { log: pino({ level: 'info' }, stream), lines };
}

async function readyz(server: TestServer) {
  const response = await fetch(`${server.url}/readyz`);
  return { status: response.status, body: await response.json() };
}

let server: TestServer | undefined;
let bus: EventBus | undefined;
let standin: AriStandin | undefined;
let redis: Awaited<ReturnType<typeof startRedis>> | undefined;
afterEach(async () => {
  await server?.stop();
  await bus?.close();
  await standin?.stop();
  await redis?.stop();
  server = bus = standin = redis = undefined;
  logged.length = 0;
});

describe('/readyz', () => {
  it('is ready with the in-process bus and no Asterisk configured', async () => {
    server = await startTestServer();
    expect(await readyz(server)).toEqual({ status: 200, body: { status: 'ready', database: 'ok', bus: 'ok', asterisk: 'not configured' } });
  });

  it('answers 503 naming the bus while Redis cannot be reached, and the server logs why', async () => {
    server = await startTestServer({ REDIS_URL: `redis://127.0.0.1:${await freePort()}`, LOG_LEVEL: 'warn' });
    expect(await readyz(server)).toEqual({ status: 503, body: { status: 'not ready', database: 'ok', bus: 'unreachable', asterisk: 'not configured' } });
    await until(() => logged.some((l) => l.msg.includes('Redis connection failed')), 5000, 'the log line');
    // One line per connection, not one per retry.
    await new Promise((r) => setTimeout(r, 500));
    expect(
      logged
        .filter((l) => l.msg.includes('Redis connection failed'))
        .map((l) => l.role)
        .sort(),
    ).toEqual(['publisher', 'subscriber']);
  });

  it.skipIf(!hasRedis)('is ready while the Redis bus is connected', async () => {
    redis = await startRedis();
    server = await startTestServer({ REDIS_URL: redis!.url });
    await until(async () => (await readyz(server!)).status === 200, 5000, 'ready');
    expect((await readyz(server)).body).toEqual({ status: 'ready', database: 'ok', bus: 'ok', asterisk: 'not configured' });
  });

  it('shows whether Asterisk is connected, and stays ready while it is away', async () => {
    standin = await startAriStandin({ username: 'pbx', password: 'ari-test-pass' });
    server = await startTestServer({ ARI_URL: standin.url, ARI_PASSWORD: 'ari-test-pass' });
    await until(() => server!.running.services.live.asteriskConnected, 10_000, 'ARI connected');
    expect(await readyz(server)).toEqual({ status: 200, body: { status: 'ready', database: 'ok', bus: 'ok', asterisk: 'connected' } });
    await standin.stop();
    standin = undefined;
    await until(() => !server!.running.services.live.asteriskConnected, 10_000, 'ARI disconnected');
    expect(await readyz(server)).toEqual({ status: 200, body: { status: 'ready', database: 'ok', bus: 'ok', asterisk: 'disconnected' } });
  });
});

describe('the Redis event bus', () => {
  it('is always healthy in-process', () => {
    bus = createEventBus(undefined, captureLog().log);
    expect(bus.healthy()).toBe(true);
  });

  it('logs a failed publish instead of throwing or swallowing it', async () => {
    const { log, lines } = captureLog();
    bus = createEventBus(`redis://127.0.0.1:${await freePort()}`, log);
    expect(bus.healthy()).toBe(false);
    expect(() => bus!.publish('configChanged', { source: 'test' })).not.toThrow();
    await until(() => lines.some((l) => l.level === WARN && l.msg.includes('publishing to Redis failed') && l.topic === 'configChanged'), 10_000, 'the publish warning');
    const circular: { source: string; self?: unknown } = { source: 'test' };
    circular.self = circular;
    expect(() => bus!.publish('configChanged', circular)).not.toThrow();
    expect(lines.some((l) => l.level === WARN && l.msg.includes('not JSON'))).toBe(true);
  });

  it.skipIf(!hasRedis)('drops an unreadable message with a warning and goes on delivering', async () => {
    redis = await startRedis();
    const { log, lines } = captureLog();
    bus = createEventBus(redis!.url, log);
    await until(() => bus!.healthy(), 5000, 'connected');
    const received = bus.subscribe('extensionStatus');
    await new Promise((r) => setTimeout(r, 200));
    const { Redis } = await import('ioredis');
    const raw = new Redis(redis!.url);
    try {
      await raw.publish('pbx:extensionStatus', '{not json');
      await raw.publish('pbx:extensionStatus', 'null');
      await raw.publish('pbx:extensionStatus', JSON.stringify({ number: '100', state: 'ONLINE', contacts: [] }));
      expect((await received.next()).value).toEqual({ number: '100', state: 'ONLINE', contacts: [] });
      expect(lines.filter((l) => l.level === WARN && l.msg.includes('unreadable message')).map((l) => l.topic)).toEqual(['extensionStatus', 'extensionStatus']);
    } finally {
      raw.disconnect();
    }
  });
});
