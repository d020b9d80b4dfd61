import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/client.js';
import { SqlWebhookOutbox } from '../../src/webhooks/outbox.js';
import { ADMIN_PASSWORD, createDatabase, ERROR_FIELDS, ok, startTestServer, type GraphQLResponse } from '../support/server.js';
import { until } from '../support/subscriptions.js';
import { callEvent, callRecord } from './fixtures.js';
import { startReceiver, type Delivery, type Receiver } from './receiver.js';

/**
 * The outbox survives the server: messages pending when it stops, or in
 * flight when it is killed, are delivered after it starts again, with the
 * same webhook-id, and no webhook-id is accepted twice.
 */
const CREATE = `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { ${ERROR_FIELDS} ... on MutationCreateWebhookEndpointSuccess { data { secret endpoint { id } } } } }`;
const env = { WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_TIMEOUT_MS: '2000', WEBHOOK_RETRY_SCHEDULE: '0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5' };

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

function acceptedOnce(receiver: Receiver): Map<string, number> {
  const counts = new Map<string, number>();
  for (const d of receiver.accepted()) counts.set(d.webhookId, (counts.get(d.webhookId) ?? 0) + 1);
  return counts;
}

describe('webhooks across restarts', () => {
  it('delivers after a restart what was pending or in flight when the server stopped, once per webhook-id', async () => {
    const server = await startTestServer(env);
    cleanups.push(() => server.stop());
    const receiver = await startReceiver({ behaviour: () => ({ status: 503 }) });
    cleanups.push(() => receiver.close());
    const created = ok(await server.gql(CREATE, { input: { url: receiver.url, eventTypes: ['call.ended'] } }, server.adminToken), 'createWebhookEndpoint');
    receiver.setSecret(created.secret);

    for (let i = 1; i <= 10; i++) server.running.services.bus.publish('call', callEvent(`1700000100.${i}`, 'ENDED', 1));
    await receiver.waitFor((d) => new Set(d.map((x) => x.webhookId)).size === 10, 10_000, 'every message tried once');
    // One more, held by the receiver (no answer) while the server stops.
    receiver.setBehaviour(() => 'hang');
    server.running.services.bus.publish('call', callEvent('1700000100.11', 'ENDED', 1));
    await receiver.waitFor((d) => d.some((x) => x.payload?.data.id === '1700000100.11'), 10_000, 'the 11th in flight');
    const inFlight = receiver.deliveries.find((x) => x.payload?.data.id === '1700000100.11')!.webhookId;
    expect(await server.running.services.db.prisma.webhookMessage.count({ where: { status: 'PENDING' } })).toBe(11);

    await server.restart();
    receiver.setBehaviour(() => ({ status: 200 }));
    await receiver.waitFor((d) => new Set(d.filter((x) => x.status === 200).map((x) => x.webhookId)).size === 11, 15_000, 'all 11 delivered after the restart');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const counts = acceptedOnce(receiver);
    expect(counts.size).toBe(11);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(counts.has(inFlight)).toBe(true);
    expect(receiver.deliveries.every((d) => d.verifyError === null)).toBe(true);
    expect(await server.running.services.db.prisma.webhookMessage.count({ where: { status: 'DELIVERED' } })).toBe(11);
  });

  it('after a SIGKILL during a burst, sends every event again (the ones in flight with the same webhook-id) and accepts none twice', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pbx-webhooks-kill-'));
    const database = await createDatabase(dataDir);
    cleanups.push(async () => {
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    });
    const childEnv = { ...process.env, ...env, PORT: '0', DATA_DIR: dataDir, DATABASE_URL: database.url, ADMIN_PASSWORD, LOG_LEVEL: 'info', LEASE_TTL_MS: '1500' };
    const start = async () => {
      const output: string[] = [];
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
      const listening = /"url":"(http:\/\/[^"]+)\/graphql"/;
      let exited = false;
      child.once('exit', () => (exited = true));
      await until(() => listening.test(output.join('')) || exited, 60_000, 'the server listening');
      if (exited) throw new Error(`the server exited at start:\n${output.join('').slice(-3000)}`);
      return { child, url: listening.exec(output.join(''))![1]!, output };
    };
    let server: { child: ChildProcess; url: string; output: string[] } = await start();
    cleanups.push(() => server.child.kill('SIGKILL'));
    const gql = async (query: string, variables: Record<string, unknown> = {}, token?: string): Promise<GraphQLResponse> => {
      const response = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as GraphQLResponse;
    };
    const login = await gql(`mutation { login(username: "admin", password: "${ADMIN_PASSWORD}") { ... on MutationLoginSuccess { data { accessToken } } } }`);
    const token = login.data.login.data.accessToken as string;

    // The receiver takes the first 15 at once, then holds every request unanswered until told otherwise.
    let open = false;
    const receiver = await startReceiver({ behaviour: (n) => (n <= 15 || open ? { status: 200 } : 'hang') });
    cleanups.push(() => receiver.close());
    const created = ok(await gql(CREATE, { input: { url: receiver.url, eventTypes: ['callRecord.created'] } }, token), 'createWebhookEndpoint');
    receiver.setSecret(created.secret);

    // The records importer's side: records and their events written in its own transactions, from another process.
    const writer = openDatabase(loadConfig({ DATA_DIR: dataDir, DATABASE_URL: database.url }).database);
    cleanups.push(() => writer.close());
    const outbox = new SqlWebhookOutbox();
    const write = async (from: number, to: number) => {
      for (let i = from; i <= to; i++) {
        const record = callRecord(`kill-${i}`);
        await writer.prisma.$transaction((tx) => outbox.enqueue(tx, { type: 'callRecord.created', data: record, idempotencyKey: `callRecord:${record.id}` }));
      }
    };
    await write(1, 40);
    await receiver.waitFor((d) => d.length >= 18, 20_000, '15 accepted and some held');
    server.child.kill('SIGKILL');
    await new Promise((resolve) => server.child.once('exit', resolve));
    const heldAtKill = receiver.deliveries.filter((d) => d.status === 0).map((d) => d.webhookId);
    expect(heldAtKill.length).toBeGreaterThanOrEqual(1);
    await write(41, 50); // while the server is dead
    open = true;

    server = await start();
    await receiver.waitFor((d) => new Set(d.filter((x) => x.status === 200).map((x) => x.webhookId)).size === 50, 40_000, 'all 50 delivered after the restart');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const counts = acceptedOnce(receiver);
    expect(counts.size).toBe(50);
    expect([...counts.entries()].filter(([, n]) => n > 1)).toEqual([]);
    for (const id of heldAtKill) expect(counts.get(id)).toBe(1);
    const records = receiver.accepted().map((d: Delivery) => d.payload?.data.id as string);
    expect(new Set(records)).toEqual(new Set(Array.from({ length: 50 }, (_, i) => `kill-${i + 1}`)));
    expect(receiver.deliveries.every((d) => d.verifyError === null)).toBe(true);
    expect(server.output.join('')).not.toMatch(/"level":60/);
    server.child.kill('SIGTERM');
    await new Promise((resolve) => server.child.once('exit', resolve));
  }, 180_000);
});
