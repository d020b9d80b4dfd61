import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { ERROR_FIELDS, ok, startTestServer, type TestServer } from '../support/server.js';
import { until } from '../support/subscriptions.js';
import { callEvent, callRecord } from './fixtures.js';
import { startReceiver, type Receiver } from './receiver.js';

/**
 * Webhooks over the real HTTP API with local receivers (node:http on
 * 127.0.0.1, allowed by WEBHOOK_ALLOW_PRIVATE), a 3 s request timeout and a
 * short retry schedule (0.4 s three times: four attempts in all).
 */
const RETRY_SECONDS = 0.4;
const TIMEOUT_MS = 3000;
let server: TestServer;
const receivers: Receiver[] = [];
let endpointIds: string[] = [];
const gql = (query: string, variables?: Record<string, unknown>, token = server.adminToken) => server.gql(query, variables, token);
const prisma = () => server.running.services.db.prisma;
const bus = () => server.running.services.bus;

const ENDPOINT = 'id url description eventTypes enabled pendingMessages failedMessages createdAt updatedAt';
const ATTEMPT = 'id attemptedAt succeeded httpStatus error durationMs responseBody message { id webhookId eventType status attempts }';
const CREATE = `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { ${ERROR_FIELDS} ... on MutationCreateWebhookEndpointSuccess { data { secret endpoint { ${ENDPOINT} } } } } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(id: $id, input: $input) { ${ERROR_FIELDS} ... on MutationUpdateWebhookEndpointSuccess { data { ${ENDPOINT} } } } }`;
const PING = `mutation($id: ID!) { sendWebhookTestPing(endpointId: $id) { ${ERROR_FIELDS} ... on MutationSendWebhookTestPingSuccess { data { ${ATTEMPT} } } } }`;
const REPLAY = `mutation($id: ID!) { replayWebhookMessage(id: $id) { ${ERROR_FIELDS} ... on MutationReplayWebhookMessageSuccess { data { ${ATTEMPT} } } } }`;
const REPLAY_FAILED = `mutation($id: ID!, $since: DateTime!) { replayWebhookMessages(endpointId: $id, since: $since) { ${ERROR_FIELDS} ... on MutationReplayWebhookMessagesSuccess { data { count } } } }`;
const DELETE = `mutation($id: ID!) { deleteWebhookEndpoint(id: $id) { ${ERROR_FIELDS} ... on MutationDeleteWebhookEndpointSuccess { data { count deletedIds } } } }`;
const LOG = `query($id: ID!, $status: WebhookMessageStatus) { webhookEndpoint(id: $id) { ${ENDPOINT}
  messages(first: 50, status: $status) { totalCount edges { node { id webhookId eventType payload status attempts nextAttemptAt lastAttemptAt deliveredAt
    deliveryAttempts(first: 20) { totalCount edges { node { attemptedAt succeeded httpStatus error durationMs responseBody } } } } } } } }`;

async function receiver(options: Parameters<typeof startReceiver>[0] = {}) {
  const r = await startReceiver(options);
  receivers.push(r);
  return r;
}

/** Registers `r` for the event types and gives it the secret. */
async function register(r: Receiver, eventTypes: string[], extra: Record<string, unknown> = {}) {
  const created = ok(await gql(CREATE, { input: { url: r.url, eventTypes, ...extra } }), 'createWebhookEndpoint');
  r.setSecret(created.secret);
  endpointIds.push(created.endpoint.id);
  return created as { secret: string; endpoint: any };
}

const deliveryLog = async (id: string, status?: string) => (await gql(LOG, { id, status })).data.webhookEndpoint;
const localId = (globalId: string) => Buffer.from(globalId, 'base64').toString('utf8').split(':')[1]!;

beforeAll(async () => {
  server = await startTestServer({ WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS), WEBHOOK_RETRY_SCHEDULE: `${RETRY_SECONDS},${RETRY_SECONDS},${RETRY_SECONDS}` });
});
afterEach(async () => {
  for (const id of endpointIds) await gql(DELETE, { id });
  endpointIds = [];
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});
afterAll(() => server.stop());

describe('webhook endpoints', () => {
  it('registers an endpoint, answers its secret once, and lists it', async () => {
    const r = await receiver();
    const { secret, endpoint } = await register(r, ['call.ringing', 'callRecord.created'], { description: 'CRM' });
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
    expect(endpoint).toMatchObject({ url: r.url, description: 'CRM', eventTypes: ['call.ringing', 'callRecord.created'], enabled: true, pendingMessages: 0, failedMessages: 0 });
    const listed = await gql(`{ webhookEndpoints(first: 10) { totalCount edges { node { id url eventTypes } } } }`);
    expect(listed.data.webhookEndpoints).toEqual({ totalCount: 1, edges: [{ node: { id: endpoint.id, url: r.url, eventTypes: ['call.ringing', 'callRecord.created'] } }] });
    // No field reads the secret back.
    const secretField = await gql(`query($id: ID!) { webhookEndpoint(id: $id) { secret } }`, { id: endpoint.id });
    expect(secretField.errors?.[0]?.message).toMatch(/Cannot query field "secret"/);
    const types = await gql(`{ webhookEventTypes { type description } }`);
    expect(types.data.webhookEventTypes.map((t: any) => t.type)).toEqual([
      'call.ringing',
      'call.answered',
      'call.transferred',
      'call.ended',
      'extension.status',
      'voicemail.received',
      'voicemail.changed',
      'callRecord.created',
    ]);
  });

  it('refuses unknown or no event types and non-http URLs with errors naming the field', async () => {
    const bad = await gql(CREATE, { input: { url: 'ftp://127.0.0.1/x', eventTypes: ['call.ringing', 'call.rung'] } });
    expect(bad.data.createWebhookEndpoint).toEqual({
      __typename: 'ValidationError',
      message: expect.any(String),
      issues: [
        { path: ['input', 'url'], message: expect.stringContaining('only http and https'), code: 'UNSUPPORTED_SCHEME' },
        { path: ['input', 'eventTypes', '1'], message: expect.stringContaining('unknown event type call.rung'), code: 'INVALID_VALUE' },
      ],
    });
    const none = await gql(CREATE, { input: { url: 'http://127.0.0.1:9/x', eventTypes: [] } });
    expect(none.data.createWebhookEndpoint.issues).toEqual([{ path: ['input', 'eventTypes'], message: expect.stringContaining('at least one'), code: 'REQUIRED' }]);
    const r = await receiver();
    const { endpoint } = await register(r, ['call.ended']);
    const update = await gql(UPDATE, { id: endpoint.id, input: { url: 'not a url' } });
    expect(update.data.updateWebhookEndpoint.issues).toEqual([{ path: ['input', 'url'], message: expect.stringContaining('not an absolute URL'), code: 'INVALID_FORMAT' }]);
    expect(await prisma().webhookEndpoint.count()).toBe(1);
  });

  it('changes only the fields an update names', async () => {
    const r = await receiver();
    const { endpoint } = await register(r, ['call.ended'], { description: 'first' });
    const updated = ok(await gql(UPDATE, { id: endpoint.id, input: { eventTypes: ['call.ringing', 'call.ended'] } }), 'updateWebhookEndpoint');
    expect(updated).toMatchObject({ url: r.url, description: 'first', eventTypes: ['call.ringing', 'call.ended'], enabled: true });
    const disabled = ok(await gql(UPDATE, { id: endpoint.id, input: { enabled: false, description: 'paused' } }), 'updateWebhookEndpoint');
    expect(disabled).toMatchObject({ url: r.url, description: 'paused', eventTypes: ['call.ringing', 'call.ended'], enabled: false });
    const missing = await gql(UPDATE, { id: Buffer.from('WebhookEndpoint:nope').toString('base64'), input: { enabled: true } });
    expect(missing.data.updateWebhookEndpoint).toMatchObject({ __typename: 'NotFoundError' });
  });
});

describe('delivery', () => {
  it('sends a signed webhook.test ping at once and answers the attempt; a failed ping is not retried', async () => {
    const r = await receiver();
    const { endpoint, secret } = await register(r, ['call.ended']);
    const ping = ok(await gql(PING, { id: endpoint.id }), 'sendWebhookTestPing');
    expect(ping).toMatchObject({ succeeded: true, httpStatus: 204, error: null, message: { eventType: 'webhook.test', status: 'DELIVERED', attempts: 1 } });
    expect(r.deliveries).toHaveLength(1);
    const [d] = r.deliveries;
    expect(d!.verifyError).toBeNull();
    expect(d!.webhookId).toBe(ping.message.webhookId);
    expect(d!.payload).toEqual({ type: 'webhook.test', timestamp: expect.any(String), data: expect.objectContaining({ url: r.url }) });
    // The same library verifies it, and refuses it with another secret or a changed body.
    expect(() => new Webhook(secret).verify(d!.body, { 'webhook-id': d!.webhookId, 'webhook-timestamp': d!.timestamp, 'webhook-signature': d!.signature })).not.toThrow();
    expect(() =>
      new Webhook(`whsec_${Buffer.alloc(32, 7).toString('base64')}`).verify(d!.body, { 'webhook-id': d!.webhookId, 'webhook-timestamp': d!.timestamp, 'webhook-signature': d!.signature }),
    ).toThrow();
    expect(() =>
      new Webhook(secret).verify(d!.body.replace('webhook.test', 'webhook.tost'), { 'webhook-id': d!.webhookId, 'webhook-timestamp': d!.timestamp, 'webhook-signature': d!.signature }),
    ).toThrow();

    // Nothing listening: the connection is refused, and the attempt says so.
    const closed = await receiver();
    const { endpoint: gone } = await register(closed, ['call.ended']);
    await closed.close();
    const refused = ok(await gql(PING, { id: gone.id }), 'sendWebhookTestPing');
    expect(refused).toMatchObject({ succeeded: false, httpStatus: null, error: expect.stringContaining('ECONNREFUSED'), message: { status: 'FAILED' } });

    r.setBehaviour(() => ({ status: 500, body: 'down for maintenance' }));
    const failed = ok(await gql(PING, { id: endpoint.id }), 'sendWebhookTestPing');
    expect(failed).toMatchObject({ succeeded: false, httpStatus: 500, responseBody: 'down for maintenance', message: { status: 'FAILED', attempts: 1 } });
    await new Promise((resolve) => setTimeout(resolve, RETRY_SECONDS * 2500));
    expect(r.deliveries).toHaveLength(2);
  });

  it('delivers call, extension and voicemail events from the bus and call records from the outbox, signed, each cause once', async () => {
    const r = await receiver();
    await register(r, ['call.ringing', 'call.answered', 'call.transferred', 'call.ended', 'extension.status', 'voicemail.received', 'voicemail.changed', 'callRecord.created']);
    const ringing = callEvent('1700000001.7', 'RINGING', 2);
    bus().publish('call', callEvent('1700000001.7', 'STARTED', 1));
    bus().publish('call', ringing);
    bus().publish('call', ringing); // the same change read twice
    bus().publish('call', callEvent('1700000001.7', 'ANSWERED', 3));
    bus().publish('call', callEvent('1700000001.7', 'UPDATED', 4));
    bus().publish('call', callEvent('1700000001.7', 'TRANSFERRED', 5));
    bus().publish('call', callEvent('1700000001.7', 'ENDED', 6));
    const contact = { uri: 'sip:701@127.0.0.1:5062', ip: '127.0.0.1', port: 5062, status: 'Reachable', roundTripUsec: 800, userAgent: 'pjsua' };
    bus().publish('extensionStatus', { number: '701', state: 'ONLINE', contacts: [contact] });
    bus().publish('extensionStatus', { number: '701', state: 'ONLINE', contacts: [{ ...contact, roundTripUsec: 1500 }] });
    bus().publish('extensionStatus', { number: '701', state: 'RINGING', contacts: [contact] });
    bus().publish('voicemail', { mailbox: '701', newMessages: 1, oldMessages: 0, reason: 'NEW_MESSAGE', messageId: 'm1', at: new Date().toISOString() });
    bus().publish('voicemail', { mailbox: '701', newMessages: 0, oldMessages: 1, reason: 'CHANGED', messageId: null, at: new Date().toISOString() });
    // The records importer writes callRecord.created in the transaction that stores the record; written twice, one event.
    const record = callRecord('rec-1');
    const outbox = server.running.services.webhooks.outbox;
    for (let i = 0; i < 2; i++) await prisma().$transaction((tx) => outbox.enqueue(tx, { type: 'callRecord.created', data: record, idempotencyKey: `callRecord:${record.id}` }));

    const expected = ['call.ringing', 'call.answered', 'call.transferred', 'call.ended', 'extension.status', 'extension.status', 'voicemail.received', 'voicemail.changed', 'callRecord.created'];
    await r.waitFor((d) => d.filter((x) => x.payload?.type !== 'extension.status' || x.payload.data.number === '701').length >= expected.length, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const mine = r.deliveries.filter((x) => x.payload?.type !== 'extension.status' || x.payload.data.number === '701');
    expect(mine.map((x) => x.payload?.type).sort()).toEqual([...expected].sort());
    expect(mine.every((x) => x.verifyError === null && x.status === 204)).toBe(true);
    expect(new Set(mine.map((x) => x.webhookId)).size).toBe(mine.length);
    const byType = (type: string) => mine.filter((x) => x.payload!.type === type).map((x) => x.payload!);
    expect(byType('call.ringing')[0]).toEqual({ type: 'call.ringing', timestamp: new Date(ringing.at).toISOString(), data: ringing.call });
    expect(byType('call.ended')[0]!.data).toMatchObject({ id: '1700000001.7', state: 'ENDED', hangupCause: 16, hangupCauseText: 'Normal Clearing' });
    // Messages of one endpoint may arrive in any order; previousState tells the sequence.
    expect(
      byType('extension.status')
        .map((p) => `${p.data.previousState}→${p.data.state}`)
        .sort(),
    ).toEqual(['ONLINE→RINGING', 'null→ONLINE']);
    expect(byType('voicemail.received')[0]!.data).toMatchObject({ mailbox: '701', newMessages: 1, messageId: 'm1' });
    expect(byType('callRecord.created')[0]!.data).toEqual(record);
  });

  it('sends only the types an endpoint chose, and nothing to a disabled one', async () => {
    const ended = await receiver();
    const disabled = await receiver();
    await register(ended, ['call.ended']);
    await register(disabled, ['call.ringing', 'call.ended'], { enabled: false });
    bus().publish('call', callEvent('1700000002.1', 'RINGING', 1));
    bus().publish('call', callEvent('1700000002.1', 'ENDED', 2));
    await ended.waitFor((d) => d.length >= 1);
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(ended.deliveries.map((d) => d.payload?.type)).toEqual(['call.ended']);
    expect(disabled.deliveries).toEqual([]);
    // A type no enabled endpoint wants is not even written to the outbox.
    const written = await prisma().webhookEvent.findMany({ where: { payload: { contains: '1700000002.1' } }, select: { type: true } });
    expect(written.map((e) => e.type)).toEqual(['call.ended']);
  });

  it('retries a failing receiver with backoff until it answers 2xx, logging every attempt with the first KiB of the answer', async () => {
    const long = 'x'.repeat(3000);
    const r = await receiver({ behaviour: (n) => (n <= 2 ? { status: n === 1 ? 500 : 429, body: long } : { status: 200, body: 'thanks' }) });
    const { endpoint } = await register(r, ['call.ended']);
    bus().publish('call', callEvent('1700000003.1', 'ENDED', 9));
    await r.waitFor((d) => d.some((x) => x.status === 200), 10_000);
    expect(r.deliveries.map((d) => d.status)).toEqual([500, 429, 200]);
    expect(new Set(r.deliveries.map((d) => d.webhookId)).size).toBe(1);
    expect(r.deliveries.every((d) => d.verifyError === null)).toBe(true);
    // At least the first delay less its jitter between attempts.
    expect(r.deliveries[1]!.at - r.deliveries[0]!.at).toBeGreaterThanOrEqual(RETRY_SECONDS * 800 - 50);
    await until(async () => (await deliveryLog(endpoint.id)).messages.edges[0]?.node.status === 'DELIVERED', 5000, 'the message delivered');
    const log = await deliveryLog(endpoint.id);
    const message = log.messages.edges[0].node;
    expect(message).toMatchObject({ webhookId: r.deliveries[0]!.webhookId, eventType: 'call.ended', status: 'DELIVERED', attempts: 3, nextAttemptAt: null, deliveredAt: expect.any(String) });
    expect(JSON.parse(message.payload)).toMatchObject({ type: 'call.ended', data: { id: '1700000003.1' } });
    expect(message.deliveryAttempts.totalCount).toBe(3);
    const attempts = message.deliveryAttempts.edges.map((e: any) => e.node);
    expect(attempts.map((a: any) => [a.httpStatus, a.succeeded])).toEqual([
      [200, true],
      [429, false],
      [500, false],
    ]);
    expect(attempts[0].responseBody).toBe('thanks');
    expect(attempts[2].responseBody).toBe('x'.repeat(1024));
    expect(attempts.every((a: any) => a.error === null && a.durationMs >= 0)).toBe(true);
  });

  it('gives up after the last attempt, then replays the failed messages and one message with the same webhook-id', async () => {
    const r = await receiver({ behaviour: () => ({ status: 503 }) });
    const { endpoint } = await register(r, ['call.ended']);
    const since = new Date(Date.now() - 1000).toISOString();
    bus().publish('call', callEvent('1700000004.1', 'ENDED', 1));
    bus().publish('call', callEvent('1700000004.2', 'ENDED', 1));
    await until(async () => (await deliveryLog(endpoint.id)).failedMessages === 2, 15_000, 'both messages given up');
    expect(r.deliveries).toHaveLength(8);
    const failed = await deliveryLog(endpoint.id, 'FAILED');
    expect(failed.messages.edges.map((e: any) => [e.node.status, e.node.attempts, e.node.deliveryAttempts.totalCount, e.node.nextAttemptAt])).toEqual([
      ['FAILED', 4, 4, null],
      ['FAILED', 4, 4, null],
    ]);
    const ids = failed.messages.edges.map((e: any) => e.node.webhookId).sort();

    r.setBehaviour(() => ({ status: 200 }));
    expect(ok(await gql(REPLAY_FAILED, { id: endpoint.id, since: new Date().toISOString() }), 'replayWebhookMessages')).toEqual({ count: 0 });
    expect(ok(await gql(REPLAY_FAILED, { id: endpoint.id, since }), 'replayWebhookMessages')).toEqual({ count: 2 });
    await r.waitFor((d) => d.filter((x) => x.status === 200).length === 2, 5000);
    expect(
      r
        .accepted()
        .map((d) => d.webhookId)
        .sort(),
    ).toEqual(ids);
    await until(async () => (await deliveryLog(endpoint.id)).messages.edges.every((e: any) => e.node.status === 'DELIVERED'), 5000, 'replayed messages delivered');
    const delivered = (await deliveryLog(endpoint.id)).messages.edges.map((e: any) => e.node);
    expect(delivered.map((m: any) => [m.attempts, m.deliveryAttempts.totalCount])).toEqual([
      [1, 5],
      [1, 5],
    ]);

    // One message again, now: the same webhook-id, and the attempt answered.
    const replayed = ok(await gql(REPLAY, { id: delivered[0].id }), 'replayWebhookMessage');
    expect(replayed).toMatchObject({ succeeded: true, httpStatus: 200, message: { id: delivered[0].id, webhookId: delivered[0].webhookId, status: 'DELIVERED', attempts: 2 } });
    expect(r.deliveries.at(-1)!.webhookId).toBe(delivered[0].webhookId);
    expect(r.deliveries.at(-1)!.verifyError).toBeNull();
  });

  it('times out a receiver that never answers, while another endpoint and the API are served meanwhile', async () => {
    const dead = await receiver({ behaviour: () => 'hang' });
    const live = await receiver();
    const { endpoint: deadEndpoint } = await register(dead, ['call.ringing']);
    await register(live, ['call.ringing']);
    const deadAttempts = () => prisma().webhookAttempt.count({ where: { message: { endpointId: localId(deadEndpoint.id) } } });
    for (let i = 1; i <= 20; i++) bus().publish('call', callEvent(`1700000005.${i}`, 'RINGING', 1));
    await dead.waitFor((d) => d.length > 0, 5000, 'the dead receiver holding a request');
    // While the dead receiver holds its requests (none has timed out yet), the API answers and all 20 reach the live one.
    expect((await gql(`{ webhookEndpoints(first: 5) { totalCount } }`)).data.webhookEndpoints.totalCount).toBe(2);
    await live.waitFor((d) => d.length === 20, 10_000);
    expect(await deadAttempts()).toBe(0);
    expect(dead.deliveries.length).toBeLessThanOrEqual(4); // at most four requests in flight to one endpoint
    await until(async () => (await deadAttempts()) > 0, 10_000, 'a timed-out attempt logged');
    const [timedOut] = await prisma().webhookAttempt.findMany({ where: { message: { endpointId: localId(deadEndpoint.id) } } });
    expect(timedOut).toMatchObject({ httpStatus: null, error: `no answer within ${TIMEOUT_MS} ms`, responseBody: '' });
    expect(timedOut!.durationMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 10);
  });

  it('signs every attempt after a rotation with the new secret', async () => {
    const r = await receiver();
    const { endpoint, secret: first } = await register(r, ['call.ended']);
    const rotated = ok(
      await gql(`mutation($id: ID!) { rotateWebhookSecret(id: $id) { ${ERROR_FIELDS} ... on MutationRotateWebhookSecretSuccess { data { secret endpoint { id } } } } }`, { id: endpoint.id }),
      'rotateWebhookSecret',
    );
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(first);
    expect(rotated.endpoint.id).toBe(endpoint.id);
    // The receiver still has the old secret: verification fails.
    ok(await gql(PING, { id: endpoint.id }), 'sendWebhookTestPing');
    expect(r.deliveries.at(-1)!.verifyError).toMatch(/No matching signature/);
    r.setSecret(rotated.secret);
    ok(await gql(PING, { id: endpoint.id }), 'sendWebhookTestPing');
    expect(r.deliveries.at(-1)!.verifyError).toBeNull();
  });

  it('deletes an endpoint with its messages and delivery log; it receives nothing more', async () => {
    const r = await receiver({ behaviour: () => ({ status: 500 }) });
    const { endpoint } = await register(r, ['call.ended']);
    bus().publish('call', callEvent('1700000006.1', 'ENDED', 1));
    await r.waitFor((d) => d.length >= 1);
    const deleted = ok(await gql(DELETE, { id: endpoint.id }), 'deleteWebhookEndpoint');
    expect(deleted).toEqual({ count: 1, deletedIds: [endpoint.id] });
    endpointIds = endpointIds.filter((id) => id !== endpoint.id);
    expect(await prisma().webhookMessage.count({ where: { endpointId: localId(endpoint.id) } })).toBe(0);
    expect(await prisma().webhookAttempt.count({ where: { message: { endpointId: localId(endpoint.id) } } })).toBe(0);
    const seen = r.deliveries.length;
    await new Promise((resolve) => setTimeout(resolve, RETRY_SECONDS * 2500));
    expect(r.deliveries).toHaveLength(seen);
    expect((await gql(`query($id: ID!) { webhookEndpoint(id: $id) { id } }`, { id: endpoint.id })).data.webhookEndpoint).toBeNull();
    expect((await gql(DELETE, { id: endpoint.id })).data.deleteWebhookEndpoint).toMatchObject({ __typename: 'NotFoundError' });
  });
});

describe('who may', () => {
  it('needs webhooks:read to read and webhooks:write to change; an extension user has neither', async () => {
    const r = await receiver();
    const { endpoint } = await register(r, ['call.ended']);
    ok(
      await gql(`mutation { createAccount(input: { username: "op-webhooks", password: "operator-pass", role: OPERATOR }) { ${ERROR_FIELDS} ... on MutationCreateAccountSuccess { data { id } } } }`),
      'createAccount',
    );
    const operator = await server.login('op-webhooks', 'operator-pass');
    const key = ok(
      await gql(`mutation { createApiKey(name: "hooks-reader", scopes: [WEBHOOKS_READ]) { ${ERROR_FIELDS} ... on MutationCreateApiKeySuccess { data { secret } } } }`),
      'createApiKey',
    ).secret;
    ok(
      await gql(`mutation { createExtension(input: { number: "720", name: "Ext", password: "Secret-720x" }) { ${ERROR_FIELDS} ... on MutationCreateExtensionSuccess { data { id } } } }`),
      'createExtension',
    );
    ok(await gql(`mutation { setExtensionLoginPassword(extension: "720", password: "Login-720x") { ${ERROR_FIELDS} } }`), 'setExtensionLoginPassword');
    const extensionUser = await server.login('720', 'Login-720x');

    for (const token of [operator, extensionUser]) {
      const read = await gql(`{ webhookEndpoints(first: 5) { totalCount } }`, {}, token);
      expect(read.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect((await gql(CREATE, { input: { url: r.url, eventTypes: ['call.ended'] } }, token)).data.createWebhookEndpoint.__typename).toBe('NotPermittedError');
      expect((await gql(PING, { id: endpoint.id }, token)).data.sendWebhookTestPing.__typename).toBe('NotPermittedError');
    }
    expect((await gql(`{ webhookEndpoints(first: 5) { totalCount } }`, {}, key)).data.webhookEndpoints.totalCount).toBe(1);
    expect((await gql(DELETE, { id: endpoint.id }, key)).data.deleteWebhookEndpoint.__typename).toBe('NotPermittedError');
    expect((await gql(`mutation($id: ID!) { rotateWebhookSecret(id: $id) { __typename } }`, { id: endpoint.id }, key)).data.rotateWebhookSecret.__typename).toBe('NotPermittedError');
    expect(r.deliveries).toHaveLength(0);
  });

  it('an endpoint carries only data its creator may read, and its message log shows payloads only to those who may read them', async () => {
    const r = await receiver();
    const key = async (name: string, scopes: string) =>
      ok<{ secret: string }>(await gql(`mutation { createApiKey(name: "${name}", scopes: [${scopes}]) { ${ERROR_FIELDS} ... on MutationCreateApiKeySuccess { data { secret } } } }`), 'createApiKey')
        .secret;
    const writerOnly = await key('hooks-writer', 'WEBHOOKS_WRITE');
    const refused = await gql(CREATE, { input: { url: r.url, eventTypes: ['call.ended', 'callRecord.created'] } }, writerOnly);
    expect(refused.data.createWebhookEndpoint).toMatchObject({
      __typename: 'ValidationError',
      issues: [
        { path: ['input', 'eventTypes', '0'], code: 'NOT_PERMITTED', message: 'call.ended carries data that needs calls:read, which you do not hold yourself' },
        { path: ['input', 'eventTypes', '1'], code: 'NOT_PERMITTED', message: 'callRecord.created carries data that needs callRecords:read, which you do not hold yourself' },
      ],
    });
    // With calls:read it may; the answer's endpoint (and the secret, shown once) reach a caller that only writes endpoints.
    const callsWriter = await key('hooks-calls', 'WEBHOOKS_WRITE, CALLS_READ');
    const created = ok(await gql(CREATE, { input: { url: r.url, eventTypes: ['call.ended'] } }, callsWriter), 'createWebhookEndpoint');
    endpointIds.push(created.endpoint.id);
    r.setSecret(created.secret);
    expect(created.secret).toMatch(/^whsec_/);
    bus().publish('call', callEvent('1700000009.1', 'ENDED', 2));
    await until(() => r.deliveries.length === 1, 5000, 'the call.ended delivery');
    const MESSAGES = `query($id: ID!) { webhookEndpoint(id: $id) { messages(first: 5) { edges { node { eventType payload } } } } }`;
    const reader = await gql(MESSAGES, { id: created.endpoint.id }, await key('hooks-reader2', 'WEBHOOKS_READ'));
    expect(reader.data.webhookEndpoint.messages.edges).toEqual([{ node: { eventType: 'call.ended', payload: null } }]);
    expect(reader.errors?.map((e) => [e.message, e.extensions?.code])).toEqual([['Not permitted: WebhookMessage.payload', 'FORBIDDEN']]);
    const callsReader = await gql(MESSAGES, { id: created.endpoint.id }, await key('hooks-reader3', 'WEBHOOKS_READ, CALLS_READ'));
    expect(JSON.parse(callsReader.data.webhookEndpoint.messages.edges[0].node.payload)).toMatchObject({ type: 'call.ended' });
  });

  it('writes every webhook mutation to the audit log, without the secret', async () => {
    const r = await receiver();
    const { endpoint, secret } = await register(r, ['call.ended']);
    await gql(PING, { id: endpoint.id });
    await gql(`mutation($id: ID!) { rotateWebhookSecret(id: $id) { __typename } }`, { id: endpoint.id });
    await gql(CREATE, { input: { url: 'gopher://x', eventTypes: ['call.ended'] } });
    const rows = await prisma().auditEntry.findMany({ where: { operation: { in: ['createWebhookEndpoint', 'sendWebhookTestPing', 'rotateWebhookSecret'] } }, orderBy: { time: 'asc' } });
    const recent = rows.slice(-4).map((row) => [row.operation, row.outcome, row.username]);
    expect(recent).toEqual([
      ['createWebhookEndpoint', 'OK', 'admin'],
      ['sendWebhookTestPing', 'OK', 'admin'],
      ['rotateWebhookSecret', 'OK', 'admin'],
      ['createWebhookEndpoint', 'ValidationError', 'admin'],
    ]);
    expect(rows.slice(-4)[0]!.input).toContain(r.url);
    expect(rows.some((row) => row.input.includes(secret.slice(6)))).toBe(false);
  });
});

describe('SSRF: without WEBHOOK_ALLOW_PRIVATE', () => {
  let strict: TestServer;
  beforeAll(async () => {
    strict = await startTestServer({ WEBHOOK_TIMEOUT_MS: '1000' });
  });
  afterAll(() => strict.stop());

  it('refuses receivers on loopback, private, link-local and unresolvable hosts, naming the url', async () => {
    const urls: [string, string][] = [
      ['http://127.0.0.1:8080/hook', 'PRIVATE_ADDRESS'],
      ['http://localhost:8080/hook', 'PRIVATE_ADDRESS'],
      ['http://[::1]:8080/hook', 'PRIVATE_ADDRESS'],
      ['http://10.0.0.5/hook', 'PRIVATE_ADDRESS'],
      ['http://192.168.1.10/hook', 'PRIVATE_ADDRESS'],
      ['http://169.254.169.254/latest/meta-data', 'PRIVATE_ADDRESS'],
      ['http://[::ffff:127.0.0.1]/hook', 'PRIVATE_ADDRESS'],
      ['http://2130706433/hook', 'PRIVATE_ADDRESS'],
      ['http://0.0.0.0:8080/hook', 'PRIVATE_ADDRESS'],
      ['http://no-such-host.invalid/hook', 'UNRESOLVABLE'],
    ];
    for (const [url, code] of urls) {
      const result = await strict.gql(CREATE, { input: { url, eventTypes: ['call.ended'] } }, strict.adminToken);
      expect(result.data.createWebhookEndpoint, url).toMatchObject({ __typename: 'ValidationError', issues: [{ path: ['input', 'url'], code }] });
    }
    expect(await strict.running.services.db.prisma.webhookEndpoint.count()).toBe(0);
  });

  it('checks again at send time: an endpoint whose host now resolves to loopback gets no request', async () => {
    const r = await receiver();
    // As if its DNS name had changed to point inside after it was registered.
    const stored = await strict.running.services.db.prisma.webhookEndpoint.create({
      data: { url: `http://localhost:${r.port}/hooks`, eventTypes: 'call.ended', secret: `whsec_${Buffer.alloc(32, 1).toString('base64')}` },
    });
    await strict.running.services.webhooks.runtime.endpointsChanged();
    const id = Buffer.from(`WebhookEndpoint:${stored.id}`).toString('base64');
    const ping = ok(await strict.gql(PING, { id }, strict.adminToken), 'sendWebhookTestPing');
    expect(ping).toMatchObject({ succeeded: false, httpStatus: null, error: expect.stringMatching(/^localhost resolves to (127\.0\.0\.1|::1) \(loopback\)/) });
    strict.running.services.bus.publish('call', callEvent('1700000007.1', 'ENDED', 1));
    await until(async () => (await strict.running.services.db.prisma.webhookAttempt.count()) >= 2, 5000, 'the scheduled attempt');
    const attempts = await strict.running.services.db.prisma.webhookAttempt.findMany();
    expect(attempts.every((a) => a.httpStatus === null && /loopback/.test(a.error ?? ''))).toBe(true);
    expect(r.deliveries).toHaveLength(0);
  });
});
