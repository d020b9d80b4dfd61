import { writeFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { subscribe, until } from '../support/subscriptions.js';
import { callState, disconnected, e2eBinaries, incomingCall, type Phone } from './support/index.js';
import { ARI_PASSWORD, startProduct, type Product } from './support/product.js';

/**
 * Live calls on a real Asterisk (issue 10): pjsua phones call each other and
 * a client subscribed to callEvents sees each call as the product reports
 * it. Asterisk's channel snapshots carry CHANNEL(linkedid) (ari.conf's
 * channelvars), checked in GET /channels. The scenarios run in order on one
 * Asterisk and one server.
 *
 * PBX_E2E_RECORD=<file>: also writes every ARI event Asterisk sent (a second,
 * subscribeAll application) as JSON lines.
 */
const { ASTERISK, PJSUA } = e2eBinaries();

const CALL = `kind at call { id state direction version caller { number name extension } callee { number name extension } did trunk extensions transferred
  answeredAt endedAt hangupCause hangupCauseText legs { channelId channelName extension state hangupCause } }`;

describe.skipIf(!ASTERISK || !PJSUA)('live calls on a real Asterisk', () => {
  let product: Product;
  const phones = new Map<string, Phone>();
  const phone = (n: string) => phones.get(n)!;
  const recorded: string[] = [];
  let recorder: WebSocket | null = null;

  /** GET /ari/channels on Asterisk itself. */
  async function ariChannels(): Promise<{ id: string; name: string; channelvars?: Record<string, string> }[]> {
    const response = await fetch(`http://127.0.0.1:${product.ports.http}/ari/channels`, { headers: { authorization: `Basic ${Buffer.from(`pbx:${ARI_PASSWORD}`).toString('base64')}` } });
    return (await response.json()) as { id: string; name: string; channelvars?: Record<string, string> }[];
  }

  function startRecorder() {
    if (!process.env.PBX_E2E_RECORD) return;
    const open = () => {
      const ws = new WebSocket(`ws://127.0.0.1:${product.ports.http}/ari/events?app=e2e-recorder&subscribeAll=true&api_key=pbx:${ARI_PASSWORD}`);
      recorder = ws;
      ws.on('message', (data) => recorded.push(data.toString()));
      ws.on('error', () => undefined);
      ws.on('close', () => {
        if (recorder === ws) setTimeout(open, 500);
      });
    };
    open();
  }
  const mark = (note: string) => recorded.push(JSON.stringify({ type: '#', note }));

  /** All phones idle, and their output read up to now. */
  async function settle() {
    await product.idle();
    for (const p of phones.values()) await p.waitFor(/$/, 100);
  }

  /**
   * `caller` called `callee`, which answers; resolves once the call is settled: Asterisk answers with two
   * codecs, so pjsua locks one with an UPDATE right after the call is confirmed, and a hold or transfer
   * sent meanwhile would be refused.
   */
  async function answerAndSettle(caller: string, callee: string) {
    await phone(callee).answer(200);
    await phone(caller).waitFor(callState('CONFIRMED'), 5000);
    await phone(caller).waitFor(/Response msg 200\/UPDATE[\s\S]*?media 0 \[type=audio\], status is Active/, 5000);
  }

  beforeAll(async () => {
    product = await startProduct({ asterisk: ASTERISK!, pjsua: PJSUA! });
    startRecorder();
    for (const n of ['100', '101', '102']) await product.createExtension(n);
    // Without voicemail, a busy 103 ends the call (with voicemail the PBX would answer it).
    await product.createExtension('103', { voicemailEnabled: false });
    for (const n of ['100', '101', '102', '103']) phones.set(n, await product.phone(n));
    for (const p of phones.values()) expect((await p.waitForRegistration()).ok, p.tail()).toBe(true);
  }, 180_000);

  // A scenario that failed half-way leaves no call behind for the next one.
  afterEach(async () => {
    if (product) await settle();
  }, 20_000);

  afterAll(async () => {
    recorder?.removeAllListeners('close');
    recorder?.close();
    if (process.env.PBX_E2E_RECORD) writeFileSync(process.env.PBX_E2E_RECORD, recorded.join('\n') + '\n');
    await product?.stop();
  });

  it('100 calls 101: a subscriber of 101 sees it RINGING with the caller within a second, then ANSWERED, then ENDED with the cause', async () => {
    mark('call 100 -> 101');
    const feed = subscribe(product.server.graphqlUrl, product.server.adminToken, `subscription($f: CallFilter) { callEvents(filter: $f) { ${CALL} } }`, { f: { extensions: ['101'] } });
    try {
      await new Promise((r) => setTimeout(r, 300));
      await phone('100').call(product.uri('101'));
      const ringsAt = await phone('101')
        .waitFor(incomingCall, 10_000)
        .then(() => Date.now());
      const ringing = await feed.waitFor(
        (r) => r.data?.callEvents?.kind === 'RINGING' && r.data.callEvents.call.legs.some((l: any) => l.extension === '101' && l.state === 'RINGING'),
        Math.max(0, ringsAt + 1000 - Date.now()),
      );
      const call = ringing.data.callEvents.call;
      expect(call).toMatchObject({ state: 'RINGING', direction: 'INTERNAL', caller: { number: '100', name: 'User 100', extension: '100' }, callee: { number: '101', extension: '101' }, did: null });
      expect(call.extensions).toEqual(['100', '101']);

      // Asterisk evaluates CHANNEL(linkedid) in channelvars: both channels of the call carry the caller's uniqueid.
      const channels = await ariChannels();
      expect(channels.map((c) => c.channelvars?.['CHANNEL(linkedid)'])).toEqual(channels.map(() => call.id));
      expect(channels.map((c) => c.id)).toContain(call.id);

      await phone('101').answer(200);
      const answered = await feed.waitFor((r) => r.data?.callEvents?.kind === 'ANSWERED', 5000);
      expect(answered.data.callEvents.call).toMatchObject({ id: call.id, state: 'ANSWERED', callee: { number: '101', name: 'User 101', extension: '101' } });
      expect((await product.gql(`{ calls { id state } }`)).calls).toEqual([{ id: call.id, state: 'ANSWERED' }]);

      await phone('100').waitFor(callState('CONFIRMED'), 5000);
      phone('100').hangup();
      const ended = await feed.waitFor((r) => r.data?.callEvents?.kind === 'ENDED', 5000);
      expect(ended.data.callEvents.call).toMatchObject({ id: call.id, state: 'ENDED', hangupCause: 16, hangupCauseText: 'Normal Clearing' });
      expect(ended.data.callEvents.call.legs.map((l: any) => l.state)).toEqual(['ENDED', 'ENDED']);
      // Just ended: no longer in progress, still readable.
      expect((await product.gql(`{ calls { id } }`)).calls).toEqual([]);
      expect((await product.gql(`query($id: ID!) { call(id: $id) { state hangupCauseText } }`, { id: call.id })).call).toEqual({ state: 'ENDED', hangupCauseText: 'Normal Clearing' });
      // One call throughout.
      expect(new Set(feed.results.map((r) => r.data?.callEvents?.call?.id))).toEqual(new Set([call.id]));
    } finally {
      await feed.close();
    }
    await phone('101').waitFor(disconnected, 5000);
  }, 60_000);

  it('103 (no voicemail) rejects a call from 100 with 486: ENDED with User busy, never ANSWERED', async () => {
    mark('busy');
    const feed = subscribe(product.server.graphqlUrl, product.server.adminToken, `subscription { callEvents { ${CALL} } }`);
    try {
      await new Promise((r) => setTimeout(r, 300));
      await phone('100').call(product.uri('103'));
      await phone('103').waitFor(incomingCall, 10_000);
      await feed.waitFor((r) => r.data?.callEvents?.kind === 'RINGING', 5000);
      await phone('103').answer(486);
      const ended = await feed.waitFor((r) => r.data?.callEvents?.kind === 'ENDED', 10_000);
      expect(ended.data.callEvents.call).toMatchObject({ state: 'ENDED', hangupCause: 17, hangupCauseText: 'User busy', answeredAt: null });
      expect(feed.results.some((r) => r.data?.callEvents?.kind === 'ANSWERED')).toBe(false);
    } finally {
      await feed.close();
    }
  }, 60_000);

  it('hold from the phone: HELD and ON_HOLD, then UNHELD', async () => {
    mark('hold');
    const feed = subscribe(product.server.graphqlUrl, product.server.adminToken, `subscription { callEvents { ${CALL} } }`);
    try {
      await new Promise((r) => setTimeout(r, 300));
      await phone('100').call(product.uri('101'));
      await phone('101').waitFor(incomingCall, 10_000);
      await answerAndSettle('100', '101');
      await feed.waitFor((r) => r.data?.callEvents?.kind === 'ANSWERED', 5000);
      phone('100').send('H');
      const held = await feed.waitFor((r) => r.data?.callEvents?.kind === 'HELD', 5000);
      expect(held.data.callEvents.call.state).toBe('ON_HOLD');
      // The hold's re-INVITE is done before the next one takes it back.
      await phone('100').waitFor(/status is Local hold/, 5000);
      phone('100').send('v');
      const unheld = await feed.waitFor((r) => r.data?.callEvents?.kind === 'UNHELD', 5000);
      expect(unheld.data.callEvents.call.state).toBe('ANSWERED');
      phone('100').hangup();
      await feed.waitFor((r) => r.data?.callEvents?.kind === 'ENDED', 5000);
    } finally {
      await feed.close();
    }
  }, 60_000);

  it('a blind transfer from the phone (REFER) keeps one call: 101 sends 100 to 102', async () => {
    mark('blind transfer');
    const feed = subscribe(product.server.graphqlUrl, product.server.adminToken, `subscription { callEvents { ${CALL} } }`);
    try {
      await new Promise((r) => setTimeout(r, 300));
      await phone('100').call(product.uri('101'));
      await phone('101').waitFor(incomingCall, 10_000);
      await answerAndSettle('100', '101');
      const answered = await feed.waitFor((r) => r.data?.callEvents?.kind === 'ANSWERED', 5000);
      const id = answered.data.callEvents.call.id;
      phone('101').send('x');
      await phone('101').waitFor(/Transfer to URL|Destination URI|to one of the following/, 5000);
      phone('101').send(product.uri('102'));
      await phone('102').waitFor(incomingCall, 10_000);
      const transferred = await feed.waitFor((r) => r.data?.callEvents?.kind === 'TRANSFERRED', 5000);
      expect(transferred.data.callEvents.call).toMatchObject({ id, transferred: true });
      await phone('102').answer(200);
      const connected = await feed.waitFor((r) => r.data?.callEvents?.kind === 'ANSWERED' && r.data.callEvents.call.callee.number === '102', 5000);
      expect(connected.data.callEvents.call).toMatchObject({ id, state: 'ANSWERED', transferred: true, callee: { number: '102', extension: '102' } });
      expect(connected.data.callEvents.call.extensions).toEqual(['100', '101', '102']);
      phone('100').hangup();
      const ended = await feed.waitFor((r) => r.data?.callEvents?.kind === 'ENDED' && r.data.callEvents.call.id === id, 5000);
      expect(ended.data.callEvents.call.hangupCauseText).toBe('Normal Clearing');
      expect(new Set(feed.results.map((r) => r.data?.callEvents?.call?.id))).toEqual(new Set([id]));
    } finally {
      await feed.close();
    }
  }, 60_000);

  it('an attended transfer from the phone (REFER with Replaces) keeps the first call; the consultation call ends', async () => {
    mark('attended transfer');
    const feed = subscribe(product.server.graphqlUrl, product.server.adminToken, `subscription { callEvents { ${CALL} } }`);
    try {
      await new Promise((r) => setTimeout(r, 300));
      await phone('100').call(product.uri('101'));
      await phone('101').waitFor(incomingCall, 10_000);
      await answerAndSettle('100', '101');
      const first = (await feed.waitFor((r) => r.data?.callEvents?.kind === 'ANSWERED', 5000)).data.callEvents.call.id;
      phone('101').send('H');
      await feed.waitFor((r) => r.data?.callEvents?.kind === 'HELD', 5000);
      await phone('101').call(product.uri('102'));
      await phone('102').waitFor(incomingCall, 10_000);
      await answerAndSettle('101', '102');
      const second = (await feed.waitFor((r) => r.data?.callEvents?.kind === 'ANSWERED' && r.data.callEvents.call.id !== first, 5000)).data.callEvents.call.id;
      // 101 transfers the consultation call (current) to replace the first one.
      // pjsua lists the other calls as "<call id>  <remote URI> [<state>]", then asks which one the current call replaces.
      phone('101').send('X');
      const menu = await phone('101').waitFor(/to one of the following:\n([\s\S]*?)Enter call number to be replaced/, 5000);
      const other = /^(\d+) {2}/m.exec(menu[1]!)?.[1];
      expect(other, phone('101').tail()).toBeDefined();
      phone('101').send(other!);
      const transferred = await feed.waitFor((r) => r.data?.callEvents?.kind === 'TRANSFERRED', 10_000);
      const survivor = transferred.data.callEvents.call.id;
      expect([first, second]).toContain(survivor);
      await until(() => feed.results.some((r) => r.data?.callEvents?.kind === 'ENDED' && r.data.callEvents.call.id === (survivor === first ? second : first)), 5000, 'the consultation call ended');
      const calls = (await product.gql(`{ calls { id state transferred extensions legs { extension state } } }`)).calls;
      expect(calls).toHaveLength(1);
      expect(calls[0]).toMatchObject({ id: survivor, transferred: true });
      expect(
        calls[0].legs
          .filter((l: any) => l.state !== 'ENDED')
          .map((l: any) => l.extension)
          .sort(),
      ).toEqual(['100', '102']);
      phone('100').hangup();
      await feed.waitFor((r) => r.data?.callEvents?.kind === 'ENDED' && r.data.callEvents.call.id === survivor, 5000);
    } finally {
      await feed.close();
    }
  }, 60_000);
});
