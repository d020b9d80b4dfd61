import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { openDatabase, type Database } from '../../src/db/client.js';
import type { GraphQLResponse } from '../support/server.js';
import { until } from '../support/subscriptions.js';
import { startReceiver, type Delivery, type Receiver } from '../webhooks/receiver.js';
import { callState, disconnected, e2eBinaries, incomingCall, type Phone } from './support/index.js';
import { AMI_PASSWORD, ARI_PASSWORD, startProduct, type Product } from './support/product.js';

/**
 * Webhooks on a real Asterisk (issue 10, F-6.1.2): a local receiver verifies
 * every signature with the `standardwebhooks` library. Our server runs as a
 * process of its own here, so it can be killed: the product is set up in
 * process (Asterisk, extensions 100 and 101, their pjsua phones, the
 * endpoint), then that server hands over to a child process on the same
 * database and Asterisk. Calls 100 → 101 made while it runs arrive as
 * call.ringing, call.answered and call.ended; during a burst of calls it is
 * killed with SIGKILL, calls go on through Asterisk (D1), and after it starts
 * again every call record, those of the calls made while it was dead
 * included, arrives as callRecord.created, and no webhook-id is accepted
 * twice. Without the binaries the file skips at once.
 */
const { ASTERISK, PJSUA } = e2eBinaries();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const CALL_TYPES = ['call.ringing', 'call.answered', 'call.ended'];
/** The test servers' admin password (test/support/server.ts; imported lazily there, so a skipped run loads no server). */
const ADMIN_PASSWORD = 'admin-pass-for-tests';

/** The server as its own process on the product's database and Asterisk. */
function serverEnvironment(config: Config): Record<string, string> {
  return {
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: config.dataDir,
    DATABASE_URL: config.database.url,
    ASTERISK_CONFIG_DIR: config.asterisk.configDir,
    ASTERISK_SPOOL_DIR: config.asterisk.spoolDir,
    ASTERISK_LOG_DIR: config.asterisk.logDir,
    SOUNDS_DIR: config.soundsDir,
    ARI_URL: config.asterisk.ariUrl!,
    ARI_USERNAME: config.asterisk.ariUsername,
    ARI_PASSWORD,
    ARI_APP: config.asterisk.ariApp,
    AMI_HOST: config.asterisk.amiHost,
    AMI_PORT: String(config.asterisk.amiPort),
    AMI_USERNAME: config.asterisk.amiUsername,
    AMI_PASSWORD,
    APPLY_DEBOUNCE_MS: '50',
    // A killed holder's lease lapses soon, so the restarted server takes over quickly.
    LEASE_TTL_MS: '3000',
    WEBHOOK_ALLOW_PRIVATE: 'true',
    WEBHOOK_TIMEOUT_MS: '3000',
    WEBHOOK_RETRY_SCHEDULE: '1,1,2,5,10,10',
    LOG_LEVEL: process.env.PBX_E2E_LOG ?? 'warn',
  };
}

type ServerProcess = { child: ChildProcess; url: string; output: string[]; token: string };

async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const output: string[] = [];
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env: { ...process.env, ...env, LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  let exited = false;
  child.once('exit', () => (exited = true));
  const listening = /"url":"(http:\/\/[^"]+)\/graphql"/;
  await until(() => listening.test(output.join('')) || exited, 60_000, 'our server listening');
  if (exited) throw new Error(`our server exited at start:\n${output.join('').slice(-3000)}`);
  const url = listening.exec(output.join(''))![1]!;
  const login = await post(url, `mutation($p: String!) { login(username: "admin", password: $p) { ... on MutationLoginSuccess { data { accessToken } } } }`, { p: ADMIN_PASSWORD });
  return { child, url, output, token: login.data.login.data.accessToken };
}

async function post(url: string, query: string, variables: Record<string, unknown> = {}, token?: string): Promise<GraphQLResponse> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as GraphQLResponse;
}

async function connected(server: ServerProcess): Promise<void> {
  await until(
    async () => (await post(server.url, `{ pbxConfiguration { asteriskConnected } }`, {}, server.token)).data?.pbxConfiguration?.asteriskConnected === true,
    30_000,
    'our server connected to Asterisk',
  );
}

describe.skipIf(!ASTERISK || !PJSUA)('webhooks on a real Asterisk: signed call events, and every call record after a kill', () => {
  let product: Product;
  let server: ServerProcess | null = null;
  let env: Record<string, string>;
  let receiver: Receiver;
  let db: Database;
  let caller: Phone;
  let callee: Phone;
  /** When true, the receiver holds requests unanswered (so none is answered at the moment of the kill). */
  let holding = false;

  const accepted = (type: string) => receiver.accepted().filter((d) => d.payload?.type === type);

  /** 100 calls 101, which rings, answers after a moment, and the caller hangs up after `talkMs`; resolves when it ended. */
  async function call(talkMs = 700, hooks: { ringing?: () => Promise<void> | void; beforeHangup?: () => Promise<void> } = {}): Promise<void> {
    await caller.call(product.uri('101'));
    await callee.waitFor(incomingCall, 10_000);
    await hooks.ringing?.();
    await sleep(400);
    await callee.answer(200);
    await callee.waitFor(callState('CONFIRMED'), 10_000);
    await caller.waitFor(callState('CONFIRMED'), 10_000);
    await sleep(talkMs);
    await hooks.beforeHangup?.();
    caller.hangup();
    await caller.waitFor(disconnected, 10_000);
    await callee.waitFor(disconnected, 10_000);
  }

  beforeAll(async () => {
    product = await startProduct({ asterisk: ASTERISK!, pjsua: PJSUA! }, { WEBHOOK_ALLOW_PRIVATE: 'true' });
    await until(async () => (await product.gql(`{ pbxConfiguration { pendingReloads } }`)).pbxConfiguration.pendingReloads.length === 0, 15_000, 'the reloads pending since before Asterisk started');
    await product.createExtension('100');
    await product.createExtension('101');
    caller = await product.phone('100');
    callee = await product.phone('101');
    for (const p of [caller, callee]) expect((await p.waitForRegistration()).ok, p.tail()).toBe(true);

    receiver = await startReceiver({ behaviour: () => (holding ? 'hang' : { status: 204 }) });
    const { ok, ERROR_FIELDS } = await import('../support/server.js');
    const created = ok(
      await product.server.gql(
        `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { ${ERROR_FIELDS} ... on MutationCreateWebhookEndpointSuccess { data { secret } } } }`,
        { input: { url: receiver.url, eventTypes: [...CALL_TYPES, 'callRecord.created'], description: 'e2e receiver' } },
        product.server.adminToken,
      ),
      'createWebhookEndpoint',
    );
    receiver.setSecret(created.secret);

    // Hand over to a server process of its own, which can be killed.
    const config = product.server.running.config;
    env = serverEnvironment(config);
    db = openDatabase(config.database);
    await product.server.running.stop();
    server = await startServerProcess(env);
    await connected(server);
  }, 180_000);

  afterAll(async () => {
    server?.child.kill('SIGTERM');
    if (server && server.child.exitCode === null) await Promise.race([new Promise((resolve) => server!.child.once('exit', resolve)), sleep(15_000)]);
    server?.child.kill('SIGKILL');
    await receiver?.close();
    await db?.close();
    await product?.stop();
  }, 60_000);

  it('sends call.ringing (caller number and name), call.answered and call.ended of a call, and its record, signed', async () => {
    await call();
    await receiver.waitFor(() => CALL_TYPES.every((t) => accepted(t).length >= 1) && accepted('callRecord.created').length >= 1, 20_000, 'the call events and the record');
    const [ringing] = accepted('call.ringing');
    const id = ringing!.payload!.data.id as string;
    expect(ringing!.payload!.data).toMatchObject({ id, direction: 'INTERNAL', caller: { number: '100', name: 'User 100' }, callee: { number: '101' } });
    expect(accepted('call.answered').some((d) => d.payload!.data.id === id)).toBe(true);
    const ended = accepted('call.ended').find((d) => d.payload!.data.id === id)!;
    expect(ended.payload!.data).toMatchObject({ state: 'ENDED', hangupCauseText: expect.any(String) });
    const record = accepted('callRecord.created').find((d) => d.payload!.data.linkedid === id);
    expect(record?.payload!.data).toMatchObject({ caller: '100', callee: '101', disposition: 'ANSWERED', direction: 'INTERNAL' });
    expect(receiver.deliveries.every((d) => d.verifyError === null)).toBe(true);
  }, 60_000);

  it('after a SIGKILL during a burst of calls, delivers every call record after the restart and no webhook-id twice', async () => {
    const before = 3;
    const whileDead = 3;
    for (let i = 0; i < before; i++) await call(500);
    let killedAt = 0;
    // The fourth call is in progress when the server dies; Asterisk finishes it, and the next ones, on its own.
    // From its ringing on, the receiver holds every request unanswered: the kill then finds requests in flight (sent
    // again after the restart, with their webhook-id) and no answer on its way back (a 2xx lost with the process would
    // rightly be sent again: deliveries are at least once, which "none twice" would not tell apart).
    await call(500, {
      ringing: () => {
        holding = true;
      },
      beforeHangup: async () => {
        await receiver.waitFor((d) => d.some((x) => x.status === 0), 10_000, 'a request held in flight');
        await sleep(500);
        server!.child.kill('SIGKILL');
        await new Promise((resolve) => server!.child.once('exit', resolve));
        killedAt = Date.now();
      },
    });
    const heldAtKill = receiver.deliveries.filter((d) => d.status === 0).map((d) => d.webhookId);
    expect(heldAtKill.length).toBeGreaterThanOrEqual(1);
    for (let i = 0; i < whileDead; i++) await call(500);
    holding = false;

    server = await startServerProcess(env);
    await connected(server);
    // Every record Asterisk wrote is imported and its callRecord.created delivered.
    const total = 1 + before + 1 + whileDead;
    await until(async () => (await db.prisma.callRecord.count()) >= total, 60_000, `${total} call records imported`);
    const records = await db.prisma.callRecord.findMany({ select: { id: true, linkedid: true, startedAt: true, endedAt: true } });
    const recordIds = new Set(records.map((r) => r.id));
    await receiver.waitFor(() => records.every((r) => accepted('callRecord.created').some((d) => d.payload!.data.id === r.id)), 60_000, 'callRecord.created of every record');
    await sleep(3000);

    const counts = new Map<string, number>();
    for (const d of receiver.accepted()) counts.set(d.webhookId, (counts.get(d.webhookId) ?? 0) + 1);
    expect([...counts.entries()].filter(([, n]) => n > 1)).toEqual([]);
    for (const id of heldAtKill) expect(counts.get(id), `held at the kill: ${id}`).toBe(1);
    const recordEvents = accepted('callRecord.created').map((d: Delivery) => d.payload!.data.id as string);
    expect(new Set(recordEvents)).toEqual(recordIds);
    expect(receiver.deliveries.every((d) => d.verifyError === null)).toBe(true);

    // The calls that ended while the server ran were sent live as well.
    const endedBeforeKill = records.filter((r) => r.endedAt.getTime() < killedAt - 1000);
    expect(endedBeforeKill.length).toBeGreaterThanOrEqual(before + 1);
    for (const r of endedBeforeKill) {
      for (const type of CALL_TYPES)
        expect(
          accepted(type).some((d) => d.payload!.data.id === r.linkedid),
          `${type} of ${r.linkedid}`,
        ).toBe(true);
    }
    expect(server.output.join('')).not.toMatch(/"level":60/);
  }, 240_000);
});
