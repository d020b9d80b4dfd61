// Live calls: graphql-ws subscribers of callEvents under a sustained rate of simulated calls, beside a plain
// WebSocket relay of the same events (figures printed, not asserted).
import type { WebSocket } from 'ws';
import type { CallEvent } from '../src/calls/contract.js';
import { liveChannelVariables } from '../src/pbx/live/calls.js';
import { startAriStandin, type AriStandin, type CallHandle } from '../test/support/ari-standin/index.js';
import { startTestServer, type TestServer } from '../test/support/server.js';
import { until } from '../test/support/subscriptions.js';
import { graphqlClients, median, ms, openRelay, percentile } from './pbx.js';

const SUBSCRIPTION = `subscription($e: [String!]) { callEvents(filter: { extensions: $e }) { kind call { id state caller { number name } did legs { extension state } } } }`;
/** How long a simulated call rings and talks. */
const RING_MS = 300;
const TALK_MS = 700;

type Round = { rate: number; placed: number; ringLatencies: number[]; ended: number; deliveries: number; seconds: number };

/**
 * One subscriber per extension (screen-pop style: `extensions: [its number]`),
 * calls between random extensions at `rate` calls/s for `seconds`: each rings,
 * is answered after RING_MS and hung up after TALK_MS. Measures the time from
 * the stand-in emitting the ringing (its events go out as ring() returns) to
 * the callee's subscriber receiving RINGING, and the calls whose ENDED reached
 * both parties by the end of the round (plus a drain of 3 s).
 */
async function runRound(
  standin: AriStandin,
  numbers: string[],
  rate: number,
  seconds: number,
  feed: { onEvent: (cb: (extension: string, kind: string, callId: string) => void) => void; deliveries(): number },
): Promise<Round> {
  const placedAt = new Map<string, number>();
  const calleeOf = new Map<string, string>();
  const ringLatencies: number[] = [];
  const endedBy = new Map<string, number>();
  feed.onEvent((extension, kind, callId) => {
    const at = placedAt.get(callId);
    if (at === undefined) return;
    if (kind === 'RINGING' && calleeOf.get(callId) === extension) ringLatencies.push(performance.now() - at);
    if (kind === 'ENDED') endedBy.set(callId, (endedBy.get(callId) ?? 0) + 1);
  });
  const deliveriesBefore = feed.deliveries();
  const started = performance.now();
  const total = Math.round(rate * seconds);
  const timers: NodeJS.Timeout[] = [];
  for (let i = 0; i < total; i++) {
    // On schedule: the i-th call at i / rate seconds.
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const from = numbers[Math.floor(Math.random() * numbers.length)]!;
    let to = numbers[Math.floor(Math.random() * numbers.length)]!;
    if (to === from) to = numbers[(numbers.indexOf(from) + 1) % numbers.length]!;
    const t0 = performance.now();
    let call: CallHandle;
    try {
      call = standin.ring(from, to);
    } catch {
      continue;
    }
    placedAt.set(call.callerChannelId, t0);
    calleeOf.set(call.callerChannelId, to);
    timers.push(
      setTimeout(() => {
        if (call.phase === 'ringing') standin.answer(call);
        timers.push(setTimeout(() => call.phase !== 'ended' && standin.hangup(call), TALK_MS));
      }, RING_MS),
    );
  }
  const window = (performance.now() - started) / 1000;
  await new Promise((r) => setTimeout(r, RING_MS + TALK_MS + 3000));
  for (const t of timers) clearTimeout(t);
  const ended = [...endedBy.values()].filter((n) => n >= 2).length;
  return { rate, placed: placedAt.size, ringLatencies, ended, deliveries: feed.deliveries() - deliveriesBefore, seconds: window };
}

function report(print: (line: string) => void, label: string, round: Round) {
  const l = round.ringLatencies;
  print(
    `${label} at ${round.rate} calls/s offered: ${round.placed} calls placed, ${(round.ended / round.seconds).toFixed(1)} calls/s reached ENDED at both parties, ` +
      `ring → subscriber p50 ${l.length ? ms(median(l)) : '-'}, p99 ${l.length ? ms(percentile(l, 99)) : '-'} (${l.length} of ${round.placed} RINGING seen), ${Math.round(round.deliveries / round.seconds).toLocaleString('en')} deliveries/s`,
  );
}

export async function benchCallEvents(print: (line: string) => void, subscribers = 1000, rates = [30, 90, 150], seconds = 4) {
  const numbers = Array.from({ length: subscribers }, (_, i) => String(1000 + i));
  const standin = await startAriStandin({ username: 'pbx', password: 'ari-bench-pass', endpoints: numbers, channelvars: [...liveChannelVariables] });
  let server: TestServer | null = null;
  try {
    server = await startTestServer({ ARI_URL: standin.url, ARI_PASSWORD: 'ari-bench-pass' });
    await until(() => server!.running.services.live.asteriskConnected, 10_000, 'ARI');
    numbers.forEach((n, i) => standin.register(n, { ip: '127.0.0.1', port: 20000 + i }));

    // graphql-ws: one subscriber per extension.
    let listener: (extension: string, kind: string, callId: string) => void = () => undefined;
    let deliveries = 0;
    const clients = graphqlClients(server.graphqlUrl, server.adminToken, subscribers);
    const ready = clients.map(
      (client, i) =>
        new Promise<void>((resolve) => {
          client.on('connected', () => resolve());
          client.subscribe<{ callEvents: { kind: string; call: { id: string } } }>(
            { query: SUBSCRIPTION, variables: { e: [numbers[i]!] } },
            {
              next: (r) => {
                deliveries += 1;
                const e = r.data?.callEvents;
                if (e) listener(numbers[i]!, e.kind, e.call.id);
              },
              error: () => undefined,
              complete: () => undefined,
            },
          );
        }),
    );
    await Promise.race([Promise.all(ready), new Promise((_, reject) => setTimeout(() => reject(new Error('subscribers did not all connect')), 60_000))]);
    await new Promise((r) => setTimeout(r, 500));
    const graphqlFeed = { onEvent: (cb: typeof listener) => (listener = cb), deliveries: () => deliveries };
    for (const rate of rates) report(print, `${subscribers} graphql-ws subscribers of callEvents (one extension each)`, await runRound(standin, numbers, rate, seconds, graphqlFeed));
    await Promise.all(clients.map(async (c) => c.dispose()));

    // The same events, from the same bus, through a plain WebSocket relay: each client gets the events of its extension as JSON.
    const byExtension = new Map<string, WebSocket>();
    const relay = await openRelay(subscribers, {
      query: (i) => `?extension=${numbers[i]}`,
      onConnection: (socket, request) => byExtension.set(new URL(request.url ?? '/', 'http://relay').searchParams.get('extension') ?? '', socket),
    });
    let relayDeliveries = 0;
    let relayListener: typeof listener = () => undefined;
    relay.sockets.forEach((client, i) => {
      client.on('message', (data) => {
        relayDeliveries += 1;
        const e = JSON.parse(data.toString()) as CallEvent;
        relayListener(numbers[i]!, e.kind, e.call.id);
      });
    });
    const bus = server.running.services.bus.subscribe('call', { lossless: true });
    void (async () => {
      for await (const event of bus) {
        const text = JSON.stringify(event);
        for (const extension of event.call.extensions) byExtension.get(extension)?.send(text);
      }
    })();
    const relayFeed = { onEvent: (cb: typeof listener) => (relayListener = cb), deliveries: () => relayDeliveries };
    for (const rate of rates) report(print, `plain WebSocket relay, same ${subscribers} clients and events`, await runRound(standin, numbers, rate, seconds, relayFeed));
    await bus.return?.();
    relay.close();
  } finally {
    await server?.stop();
    await standin.stop();
  }
}
