import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
// @ts-expect-error: a plain JavaScript example script
import { startWebhookReceiver } from '../../examples/webhook-receiver.mjs';
import { freePort } from '../e2e/support/ports.js';
import { ERROR_FIELDS, ok, startTestServer, type TestServer } from '../support/server.js';
import { until } from '../support/subscriptions.js';
import { callEvent, callRecord } from './fixtures.js';

let server: TestServer;
let receiver: { url: string; stats: { handled: number; duplicates: number; rejected: number }; close(): Promise<void> };
const lines: string[] = [];
const gql = (query: string, variables?: Record<string, unknown>) => server.gql(query, variables, server.adminToken);

beforeAll(async () => {
  server = await startTestServer({ WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_TIMEOUT_MS: '1000', WEBHOOK_RETRY_SCHEDULE: '0.3,0.3' });
});
afterAll(async () => {
  await receiver?.close();
  await server.stop();
});

describe('examples/webhook-receiver.mjs', () => {
  it('verifies signatures, prints each event once, acknowledges a repeated webhook-id without handling it, and rejects forgeries', async () => {
    // As the README says: register (the secret comes once), then start the receiver with it.
    const port = await freePort();
    const created = ok(
      await gql(
        `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { ${ERROR_FIELDS} ... on MutationCreateWebhookEndpointSuccess { data { secret endpoint { id } } } } }`,
        {
          input: { url: `http://127.0.0.1:${port}/webhooks`, eventTypes: ['call.ringing', 'call.ended', 'callRecord.created'] },
        },
      ),
      'createWebhookEndpoint',
    );
    receiver = await startWebhookReceiver({ secret: created.secret, port, log: (line: string) => lines.push(line) });
    expect(receiver.url).toBe(`http://127.0.0.1:${port}/webhooks`);

    const ping = ok(
      await gql(`mutation($id: ID!) { sendWebhookTestPing(endpointId: $id) { ${ERROR_FIELDS} ... on MutationSendWebhookTestPingSuccess { data { succeeded httpStatus } } } }`, {
        id: created.endpoint.id,
      }),
      'sendWebhookTestPing',
    );
    expect(ping).toEqual({ succeeded: true, httpStatus: 204 });

    server.running.services.bus.publish('call', callEvent('1700000200.1', 'RINGING', 1));
    server.running.services.bus.publish('call', callEvent('1700000200.1', 'ENDED', 2));
    const record = callRecord('example-1');
    await server.running.services.db.prisma.$transaction((tx) =>
      server.running.services.webhooks.outbox.enqueue(tx, { type: 'callRecord.created', data: record, idempotencyKey: 'callRecord:example-1' }),
    );
    await until(() => receiver.stats.handled === 4, 5000, 'four events handled');
    // Messages may arrive in any order (the receiver orders by timestamp or a call's version when it must).
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/ webhook\.test$/);
    const printed = [
      / call\.ringing call 1700000200\.1: 100 \(Alice\) → 101 \(Bob\)$/,
      / call\.ended call 1700000200\.1: 100 \(Alice\) → 101 \(Bob\), Normal Clearing$/,
      / callRecord\.created 100 → 101 ANSWERED, 10 s talk$/,
    ];
    for (const pattern of printed)
      expect(
        lines.filter((l) => pattern.test(l)),
        `${pattern} in ${JSON.stringify(lines)}`,
      ).toHaveLength(1);

    // The same message sent again (a replay: the same webhook-id) is acknowledged, not printed again.
    const messages = await gql(`query($id: ID!) { webhookEndpoint(id: $id) { messages(first: 10) { edges { node { id eventType } } } } }`, { id: created.endpoint.id });
    const ended = messages.data.webhookEndpoint.messages.edges.find((e: any) => e.node.eventType === 'call.ended').node.id;
    const replay = ok(
      await gql(`mutation($id: ID!) { replayWebhookMessage(id: $id) { ${ERROR_FIELDS} ... on MutationReplayWebhookMessageSuccess { data { succeeded httpStatus } } } }`, { id: ended }),
      'replayWebhookMessage',
    );
    expect(replay).toEqual({ succeeded: true, httpStatus: 204 });
    expect(receiver.stats).toEqual({ handled: 4, duplicates: 1, rejected: 0 });
    expect(lines.at(-1)).toMatch(/^duplicate msg_\S+ \(call\.ended\) acknowledged, not handled again$/);

    // A request signed with another key, or without headers, is refused.
    const body = JSON.stringify({ type: 'call.ended', timestamp: new Date().toISOString(), data: {} });
    const forger = new Webhook(`whsec_${Buffer.alloc(32, 9).toString('base64')}`);
    const now = new Date();
    const forged = await fetch(receiver.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': 'msg_forged',
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': forger.sign('msg_forged', now, body),
      },
      body,
    });
    expect(forged.status).toBe(400);
    expect((await fetch(receiver.url, { method: 'POST', body })).status).toBe(400);
    expect(receiver.stats).toEqual({ handled: 4, duplicates: 1, rejected: 2 });
    expect(lines.slice(-2)).toEqual(['rejected: No matching signature found', 'rejected: Missing required headers']);
  });
});
