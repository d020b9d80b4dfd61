#!/usr/bin/env node
// A webhook receiver for the PBX's events:
//   WEBHOOK_SECRET=whsec_... node examples/webhook-receiver.mjs [port] [host]
// Register it first (the secret is answered once), e.g. in GraphiQL:
//   mutation { createWebhookEndpoint(input: { url: "http://<host>:<port>/webhooks",
//     eventTypes: ["call.ringing", "call.answered", "call.ended", "callRecord.created"] }) {
//     ... on MutationCreateWebhookEndpointSuccess { data { secret endpoint { id } } } ... on Error { message } } }
// Each request's signature is verified with the Standard Webhooks library (npm `standardwebhooks`).
// Deliveries are at least once: a request may come again with the same webhook-id (a retry after a
// lost answer, a replay, a restart of the PBX mid-request), so a webhook-id already handled is
// acknowledged and not handled twice. This sample remembers ids in memory; keep them in your
// database (a unique column) when a restart of the receiver must not forget them.
import http from 'node:http';
import { Webhook } from 'standardwebhooks';

const MAX_BODY_BYTES = 1024 * 1024;

/** One line per event, as a screen-pop or a CRM log would want it. */
export function describeEvent({ type, timestamp, data }) {
  const party = (p) => (p ? `${p.number}${p.name ? ` (${p.name})` : ''}` : '?');
  switch (type) {
    case 'call.ringing':
    case 'call.answered':
    case 'call.transferred':
      return `${timestamp} ${type} call ${data.id}: ${party(data.caller)} → ${party(data.callee)}${data.did ? ` via DID ${data.did}` : ''}`;
    case 'call.ended':
      return `${timestamp} ${type} call ${data.id}: ${party(data.caller)} → ${party(data.callee)}, ${data.hangupCauseText ?? 'ended'}`;
    case 'extension.status':
      return `${timestamp} ${type} ${data.number}: ${data.previousState ?? '?'} → ${data.state}`;
    case 'voicemail.received':
    case 'voicemail.changed':
      return `${timestamp} ${type} mailbox ${data.mailbox}: ${data.newMessages} new, ${data.oldMessages} old`;
    case 'callRecord.created':
      return `${timestamp} ${type} ${data.caller} → ${data.callee} ${data.disposition}, ${data.talkSeconds} s talk`;
    default:
      return `${timestamp} ${type}`;
  }
}

/**
 * Starts the receiver. `onEvent(event, webhookId)` runs once per webhook-id; when it throws, the
 * receiver answers 500 and the PBX tries again later.
 */
export function startWebhookReceiver({ secret, port = 0, host = '127.0.0.1', path = '/webhooks', onEvent, log = console.log, remember = 10_000 }) {
  const webhook = new Webhook(secret);
  const handle = onEvent ?? ((event) => log(describeEvent(event)));
  // webhook-ids handled, oldest first (a Map keeps insertion order), at most `remember` of them.
  const handled = new Map();
  const stats = { handled: 0, duplicates: 0, rejected: 0 };

  const server = http.createServer(async (req, res) => {
    if (new URL(req.url, 'http://receiver').pathname !== path) return res.writeHead(404).end();
    if (req.method !== 'POST') return res.writeHead(405, { allow: 'POST' }).end();
    const chunks = [];
    let size = 0;
    for await (const chunk of req) {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) return res.writeHead(413).end();
      chunks.push(chunk);
    }
    // The signature covers the exact bytes sent: verify the raw body, before any JSON parsing of your own.
    const body = Buffer.concat(chunks).toString('utf8');
    let event;
    try {
      event = webhook.verify(body, req.headers);
    } catch (error) {
      // WebhookVerificationError: missing headers, a timestamp too far off (replays), or a signature that does not match.
      stats.rejected += 1;
      log(`rejected: ${error.message}`);
      return res.writeHead(400, { 'content-type': 'text/plain' }).end(error.message);
    }
    const webhookId = req.headers['webhook-id'];
    if (handled.has(webhookId)) {
      stats.duplicates += 1;
      log(`duplicate ${webhookId} (${event.type}) acknowledged, not handled again`);
      return res.writeHead(204).end();
    }
    try {
      await handle(event, webhookId);
    } catch (error) {
      log(`handling ${webhookId} failed: ${error.message}; the PBX will send it again`);
      return res.writeHead(500, { 'content-type': 'text/plain' }).end('try again');
    }
    handled.set(webhookId, Date.now());
    if (handled.size > remember) handled.delete(handled.keys().next().value);
    stats.handled += 1;
    res.writeHead(204).end();
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address();
      const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}${path}`;
      resolve({
        url,
        stats,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const secret = process.env.WEBHOOK_SECRET;
  if (!secret?.startsWith('whsec_')) {
    console.error('Set WEBHOOK_SECRET to the whsec_… secret createWebhookEndpoint answered.');
    process.exit(2);
  }
  const [port = '8081', host = '127.0.0.1'] = process.argv.slice(2);
  const receiver = await startWebhookReceiver({ secret, port: Number(port), host });
  console.log(`listening on ${receiver.url}`);
}
