import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { until } from '../support/subscriptions.js';

export type Delivery = {
  webhookId: string;
  timestamp: string;
  signature: string;
  body: string;
  /** The payload when the signature verified with the receiver's secret (standardwebhooks), else null */
  payload: { type: string; timestamp: string; data: any } | null;
  verifyError: string | null;
  /** What this receiver answered (0: nothing, it let the request hang) */
  status: number;
  at: number;
};

/** What the receiver does with the nth request (from 1): an HTTP status and body, or hang (never answer). */
export type Behaviour = (n: number, delivery: Delivery) => { status: number; body?: string } | 'hang';

/**
 * A webhook receiver on 127.0.0.1 (port 0) that verifies each request's
 * signature with the same library receivers use, and answers as told.
 */
export async function startReceiver(options: { secret?: string; behaviour?: Behaviour } = {}) {
  let secret = options.secret;
  let behaviour: Behaviour = options.behaviour ?? (() => ({ status: 204 }));
  const deliveries: Delivery[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = {
        'webhook-id': String(req.headers['webhook-id'] ?? ''),
        'webhook-timestamp': String(req.headers['webhook-timestamp'] ?? ''),
        'webhook-signature': String(req.headers['webhook-signature'] ?? ''),
      };
      const delivery: Delivery = {
        webhookId: headers['webhook-id'],
        timestamp: headers['webhook-timestamp'],
        signature: headers['webhook-signature'],
        body,
        payload: null,
        verifyError: null,
        status: 0,
        at: Date.now(),
      };
      try {
        if (!secret) throw new Error('the receiver has no secret yet');
        delivery.payload = new Webhook(secret).verify(body, headers) as Delivery['payload'];
      } catch (error) {
        delivery.verifyError = (error as Error).message;
      }
      deliveries.push(delivery);
      const answer = behaviour(deliveries.length, delivery);
      if (answer === 'hang') return;
      delivery.status = answer.status;
      res.writeHead(answer.status, { 'content-type': 'text/plain' }).end(answer.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    port,
    deliveries,
    setSecret(value: string) {
      secret = value;
    },
    setBehaviour(value: Behaviour) {
      behaviour = value;
    },
    /** Deliveries answered 2xx */
    accepted: () => deliveries.filter((d) => d.status >= 200 && d.status < 300),
    ofType: (type: string) => deliveries.filter((d) => d.payload?.type === type),
    async waitFor(check: (deliveries: Delivery[]) => boolean, timeoutMs = 10_000, what = 'deliveries') {
      await until(() => check(deliveries), timeoutMs, what).catch((error: Error) => {
        throw new Error(`${error.message}; received: ${JSON.stringify(deliveries.map((d) => ({ id: d.webhookId, type: d.payload?.type, status: d.status, verifyError: d.verifyError })))}`);
      });
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
export type Receiver = Awaited<ReturnType<typeof startReceiver>>;
