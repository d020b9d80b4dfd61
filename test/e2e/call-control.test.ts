import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../support/subscriptions.js';
import { callState, disconnected, e2eBinaries, incomingCall, type Phone } from './support/index.js';
import { ARI_PASSWORD, ERRORS, startProduct, type Product } from './support/product.js';

/**
 * Call control on a real Asterisk (issue 10): click-to-call rings 100, then
 * 101, and connects them; blind and attended transfer keep one call (the
 * linkedid Asterisk reports for every channel stays the call's id); hold
 * puts the other party on music and unhold bridges them again; a call is
 * parked, listed and picked up by another extension, or taken back by
 * dialling its slot; a one-touch recording lands in the monitor spool.
 * One product, one Asterisk, four phones answering by hand. Without the
 * binaries the file skips at once.
 */
const { ASTERISK, PJSUA } = e2eBinaries();

type Leg = { channelId: string; channelName: string; extension: string | null; state: string };
type LiveCall = { id: string; state: string; legs: Leg[] };
type AriChannel = {
  id: string;
  name: string;
  state: string;
  dialplan: { context: string; exten: string; app_name: string };
  caller: { number: string; name: string };
  channelvars?: Record<string, string>;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const success = (field: string, fields: string) => `${ERRORS} ... on Mutation${field[0]!.toUpperCase()}${field.slice(1)}Success { data { ${fields} } }`;

describe.skipIf(!ASTERISK || !PJSUA)('call control on a real Asterisk', () => {
  let product: Product;
  const phones = new Map<string, Phone>();
  const phone = (n: string) => phones.get(n)!;

  async function ari<T>(resource: string): Promise<T> {
    const response = await fetch(`http://127.0.0.1:${product.ports.http}/ari/${resource}`, { headers: { authorization: `Basic ${Buffer.from(`pbx:${ARI_PASSWORD}`).toString('base64')}` } });
    return (await response.json()) as T;
  }
  const ariChannels = () => ari<AriChannel[]>('channels');
  const linkedid = (c: AriChannel) => c.channelvars?.['CHANNEL(linkedid)'];
  /** The PJSIP channels of these extensions, as Asterisk has them now. */
  const channelsOf = async (...numbers: string[]) => (await ariChannels()).filter((c) => numbers.some((n) => c.name.startsWith(`PJSIP/${n}-`)));

  /** A mutation as the administrator: its data, or a failure with the typed error. */
  async function mutate<T = any>(field: string, args: string, fields: string, variables: Record<string, unknown> = {}): Promise<T> {
    const result = await product.server.gql(`mutation${args ? `(${args})` : ''} { ${field}${argsOf(args)} { ${success(field, fields)} } }`, variables, product.server.adminToken);
    const value = result.data?.[field];
    if (!value || !String(value.__typename).endsWith('Success')) throw new Error(`${field} failed: ${JSON.stringify(result)}`);
    return value.data as T;
  }
  const argsOf = (args: string) => (args ? `(${[...args.matchAll(/\$(\w+)/g)].map((m) => `${m[1]}: $${m[1]}`).join(', ')})` : '');

  const liveCalls = async () => (await product.gql<{ calls: LiveCall[] }>(`{ calls { id state legs { channelId channelName extension state } } }`)).calls;
  /** The one call in progress, once `ready` holds for it. */
  async function theCall(ready: (call: LiveCall) => boolean, what: string): Promise<LiveCall> {
    let found: LiveCall | undefined;
    await until(async () => !!(found = (await liveCalls()).find(ready)), 10_000, what);
    return found!;
  }
  const legOf = (call: LiveCall, extension: string) => call.legs.find((l) => l.extension === extension && l.state !== 'ENDED')!;

  /** `caller` calls `callee`, which answers; resolves with the call once both legs are answered and pjsua has settled its media. */
  async function connect(caller: string, callee: string): Promise<LiveCall> {
    await phone(caller).call(product.uri(callee));
    await phone(callee).waitFor(incomingCall, 10_000);
    await phone(callee).answer(200);
    await phone(caller).waitFor(callState('CONFIRMED'), 5000);
    // Asterisk answers with two codecs; pjsua settles on one with an UPDATE right after.
    await phone(caller).waitFor(/Response msg 200\/UPDATE[\s\S]*?media 0 \[type=audio\], status is Active/, 5000);
    return theCall((c) => [caller, callee].every((n) => c.legs.some((l) => l.extension === n && l.state === 'ANSWERED')), `${caller} and ${callee} connected`);
  }

  /** Both extensions' channels are up in one bridge, and carry the call's linkedid (Asterisk's snapshots follow a bridge's linkedid a moment later). */
  async function expectTalking(callId: string, a: string, b: string) {
    let pair: AriChannel[] = [];
    await until(
      async () => {
        pair = await channelsOf(a, b);
        if (pair.length !== 2 || pair.some((c) => linkedid(c) !== callId)) return false;
        // A transferred party can be bridged a moment before Asterisk reports its channel Up again.
        if (pair.some((c) => c.state !== 'Up')) return false;
        const bridges = await ari<{ channels: string[] }[]>('bridges');
        return bridges.some((br) => pair.every((c) => br.channels.includes(c.id)));
      },
      10_000,
      `${a} and ${b} in one bridge, both Up`,
    ).catch((error: Error) => {
      throw new Error(`${error.message}: ${JSON.stringify(pair.map((c) => ({ name: c.name, state: c.state, linkedid: linkedid(c) })))}`);
    });
    expect(pair.map(linkedid)).toEqual([callId, callId]);
    expect(pair.map((c) => c.state)).toEqual(['Up', 'Up']);
  }

  beforeAll(async () => {
    product = await startProduct({ asterisk: ASTERISK!, pjsua: PJSUA! });
    await until(async () => (await product.gql(`{ pbxConfiguration { pendingReloads } }`)).pbxConfiguration.pendingReloads.length === 0, 15_000, 'the reloads pending since before Asterisk started');
    for (const n of ['100', '101', '102', '103']) await product.createExtension(n);
    for (const n of ['100', '101', '102', '103']) phones.set(n, await product.phone(n));
    for (const p of phones.values()) expect((await p.waitForRegistration()).ok, p.tail()).toBe(true);
  }, 180_000);

  afterEach(async () => {
    if (!product) return;
    await product.idle();
    for (const p of phones.values()) await p.waitFor(/$/, 100);
  }, 20_000);

  afterAll(async () => {
    await product?.stop();
  }, 60_000);

  it('click-to-call rings 100 showing the number, then 101 showing 100, and connects them as one call', async () => {
    const { callId } = await mutate<{ callId: string }>('clickToCall', '$extension: String!, $number: String!', 'callId channelId', { extension: '100', number: '101' });
    // 100's phone shows the number it is about to call.
    const invite100 = await phone('100').waitFor(/Request msg INVITE[\s\S]*?\nFrom: ([^\r\n]*)/, 10_000);
    expect(invite100[1]).toMatch(/^"101" <sip:101@/);
    await phone('100').waitFor(incomingCall, 5000);
    expect(await channelsOf('101')).toEqual([]);
    await phone('100').answer(200);
    // Then 101 rings, with 100's own caller ID as its dial permission sends it.
    const invite101 = await phone('101').waitFor(/Request msg INVITE[\s\S]*?\nFrom: ([^\r\n]*)/, 10_000);
    expect(invite101[1]).toMatch(/^"User 100" <sip:100@/);
    await phone('101').waitFor(incomingCall, 5000);
    await phone('101').answer(200);
    await phone('101').waitFor(callState('CONFIRMED'), 5000);
    const call = await theCall((c) => c.id === callId && c.legs.filter((l) => l.state === 'ANSWERED').length === 2, 'the click-to-call call answered');
    expect(call.legs.map((l) => l.extension)).toEqual(['100', '101']);
    await expectTalking(callId, '100', '101');

    const hungUp = await mutate<{ channelIds: string[] }>('hangupCall', '$callId: ID!', 'callId channelIds', { callId });
    expect(hungUp.channelIds).toHaveLength(2);
    await phone('100').waitFor(disconnected, 5000);
    await phone('101').waitFor(disconnected, 5000);
  }, 60_000);

  it('blind transfer: 101 transfers 100 to 102; 100 and 102 talk in the same call', async () => {
    const call = await connect('100', '101');
    // A number 101 cannot dial is refused (DIALPLAN_EXISTS through AMI), and the call goes on.
    const nowhere = await product.server.gql(
      `mutation($callId: ID!, $channelId: String) { transferCall(callId: $callId, channelId: $channelId, to: "555") { ${ERRORS} } }`,
      { callId: call.id, channelId: legOf(call, '101').channelId },
      product.server.adminToken,
    );
    expect(nowhere.data.transferCall).toMatchObject({ __typename: 'ValidationError', issues: [{ path: ['to'] }] });
    expect(await channelsOf('100', '101')).toHaveLength(2);
    const done = await mutate('transferCall', '$callId: ID!, $channelId: String, $to: String!', 'callId channelId otherChannelIds', {
      callId: call.id,
      channelId: legOf(call, '101').channelId,
      to: '102',
    });
    expect(done).toMatchObject({ callId: call.id, otherChannelIds: [legOf(call, '100').channelId] });
    await phone('101').waitFor(disconnected, 10_000);
    await phone('102').waitFor(incomingCall, 10_000);
    await phone('102').answer(200);
    await expectTalking(call.id, '100', '102');
    const after = await theCall((c) => c.id === call.id && c.legs.some((l) => l.extension === '102' && l.state === 'ANSWERED'), 'the transferred call answered by 102');
    expect(after.id).toBe(call.id);
    phone('100').hangup();
    await phone('102').waitFor(disconnected, 5000);
  }, 60_000);

  it('attended transfer: 101 consults 102 while 100 waits, hangs up, and 100 and 102 talk in the same call', async () => {
    const call = await connect('100', '101');
    await mutate('transferCall', '$callId: ID!, $channelId: String, $to: String!, $attended: Boolean', 'callId', {
      callId: call.id,
      channelId: legOf(call, '101').channelId,
      to: '102',
      attended: true,
    });
    await phone('102').waitFor(incomingCall, 15_000);
    await phone('102').answer(200);
    await phone('102').waitFor(callState('CONFIRMED'), 5000);
    // 101 talks with 102 now; 100 waits (music on hold), still in the call.
    expect((await channelsOf('100')).map(linkedid)).toEqual([call.id]);
    await sleep(500);
    phone('101').hangup();
    await phone('101').waitFor(disconnected, 5000);
    await expectTalking(call.id, '100', '102');
    phone('102').hangup();
    await phone('100').waitFor(disconnected, 5000);
  }, 60_000);

  it('hold: the other party hears music while the extension holds; unhold bridges them again; the call goes on and ends as one', async () => {
    const call = await connect('100', '101');
    const held = await mutate('holdCall', '$callId: ID!, $channelId: String', 'callId channelId otherChannelIds', { callId: call.id, channelId: legOf(call, '101').channelId });
    expect(held).toEqual({ callId: call.id, channelId: legOf(call, '101').channelId, otherChannelIds: [legOf(call, '100').channelId] });
    await until(
      async () => {
        const [c100, c101] = [(await channelsOf('100'))[0], (await channelsOf('101'))[0]];
        return c100?.dialplan.context === 'pbx-call-held' && c100.dialplan.app_name === 'MusicOnHold' && c101?.dialplan.context === 'pbx-call-holding';
      },
      5000,
      '100 on music, 101 holding',
    );
    expect((await channelsOf('100', '101')).map(linkedid)).toEqual([call.id, call.id]);
    await sleep(1000);
    const back = await mutate('unholdCall', '$callId: ID!', 'callId channelId otherChannelIds', { callId: call.id });
    expect(back).toEqual(held);
    await expectTalking(call.id, '100', '101');
    // Taken back, neither side's leaving hangs up the other by the hold's tie: both are still there a moment later.
    await sleep(1500);
    expect(await channelsOf('100', '101')).toHaveLength(2);
    phone('100').hangup();
    await phone('101').waitFor(disconnected, 5000);
    await until(async () => (await channelsOf('100', '101')).length === 0, 5000, 'both channels gone');
  }, 60_000);

  it('hold: the held party hanging up ends the holding extension too', async () => {
    const call = await connect('100', '101');
    await mutate('holdCall', '$callId: ID!, $channelId: String', 'callId', { callId: call.id, channelId: legOf(call, '101').channelId });
    await until(async () => (await channelsOf('100'))[0]?.dialplan.context === 'pbx-call-held', 5000, '100 on hold');
    phone('100').hangup();
    await phone('101').waitFor(disconnected, 5000);
  }, 60_000);

  it('park: 101 parks 100 in the first slot; listed; 102 is rung and takes it back, in the same call', async () => {
    const call = await connect('100', '101');
    const parked = await mutate<{ slot: string; callId: string; callerNumber: string }>('parkCall', '$callId: ID!, $channelId: String', 'slot callId channelId callerNumber timeoutSeconds', {
      callId: call.id,
      channelId: legOf(call, '101').channelId,
    });
    expect(parked).toMatchObject({ slot: '41', callId: call.id, callerNumber: '100' });
    // The parker hears the slot and is hung up.
    await phone('101').waitFor(disconnected, 10_000);
    const list = (await product.gql<{ parkedCalls: { slot: string; callId: string; callerNumber: string }[] }>(`{ parkedCalls { slot callId callerNumber } }`)).parkedCalls;
    expect(list).toEqual([{ slot: '41', callId: call.id, callerNumber: '100' }]);
    expect((await channelsOf('100')).map(linkedid)).toEqual([call.id]);

    const pickup = await mutate<{ callId: string; slot: string }>('pickUpParkedCall', '$slot: String!, $extension: String!', 'callId channelId slot', { slot: '41', extension: '102' });
    expect(pickup).toMatchObject({ callId: call.id, slot: '41' });
    const invite = await phone('102').waitFor(/Request msg INVITE[\s\S]*?\nFrom: ([^\r\n]*)/, 10_000);
    expect(invite[1]).toMatch(/<sip:100@/);
    await phone('102').waitFor(incomingCall, 5000);
    await phone('102').answer(200);
    await expectTalking(call.id, '100', '102');
    expect((await product.gql<{ parkedCalls: unknown[] }>(`{ parkedCalls { slot } }`)).parkedCalls).toEqual([]);
    phone('102').hangup();
    await phone('100').waitFor(disconnected, 5000);
  }, 60_000);

  it('park: a phone takes a parked call back by dialling its slot', async () => {
    const call = await connect('100', '101');
    const parked = await mutate<{ slot: string }>('parkCall', '$callId: ID!, $channelId: String', 'slot', { callId: call.id, channelId: legOf(call, '101').channelId });
    await phone('101').waitFor(disconnected, 10_000);
    await phone('103').call(product.uri(parked.slot));
    await phone('103').waitFor(callState('CONFIRMED'), 10_000);
    await expectTalking(call.id, '100', '103');
    phone('103').hangup();
    await phone('100').waitFor(disconnected, 5000);
  }, 60_000);

  it('one-touch recording: started and stopped through the API, the file is in the monitor spool', async () => {
    const call = await connect('100', '101');
    const started = await mutate<{ file: string; channelId: string }>('startCallRecording', '$callId: ID!', 'callId channelId file', { callId: call.id });
    expect(started.channelId).toBe(legOf(call, '100').channelId);
    expect(started.file).toMatch(/^ondemand-\d{8}T\d{6}-/);
    await sleep(2000);
    const stopped = await mutate<{ file: string }>('stopCallRecording', '$callId: ID!', 'file', { callId: call.id });
    expect(stopped.file).toBe(started.file);
    const file = path.join(product.pbx.spoolDir, 'monitor', started.file);
    await until(() => existsSync(file) && statSync(file).size > 8000, 5000, `${file} written`);
    // The call goes on after the recording stopped.
    expect(await channelsOf('100', '101')).toHaveLength(2);
    phone('100').hangup();
    await phone('101').waitFor(disconnected, 5000);
  }, 60_000);
});
