import type { EventEmitter } from 'node:events';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ari, { type Client } from 'ari-client';
import { describe, expect, it, onTestFinished, vi, type TestContext } from 'vitest';
import { WebSocket } from 'ws';
import { EventLog, type ReceivedEvent } from './support/ari-standin/event-log.js';
import { startAriStandin, type AriStandin, type AriStandinOptions } from './support/ari-standin/index.js';
import { createNormalizer, normalizedLines, readRecordedEvents, readRecordedRest } from './support/ari-standin/recording-compare.js';

const USER = 'ari';
const PASSWORD = 'ari';
const APP = 'recorder';

// Traffic recorded from a real Asterisk 22.10.1, read only here. Without it
// the hard assertions still run and the comparison is reported as skipped.
const RECORDED_DIR = path.resolve(fileURLToPath(new URL('..', import.meta.url)), '../shared/asterisk/recorded');
const HAVE_RECORDINGS = existsSync(RECORDED_DIR);
const NO_RECORDINGS = `comparison with real Asterisk traffic skipped: ${RECORDED_DIR} is absent`;
if (!HAVE_RECORDINGS) console.warn(`ari-standin tests: ${NO_RECORDINGS}`);

/** The setup the recordings were made with: 100 "Alice" and 101 "Bob", queue `support` with both. */
const RECORDED_SETUP: AriStandinOptions = {
  username: USER,
  password: PASSWORD,
  endpoints: [
    { resource: '100', callerName: 'Alice' },
    { resource: '101', callerName: 'Bob' },
  ],
  queues: { support: ['100', '101'] },
};
const PHONE_100 = { ip: '127.0.0.1', port: 5070, uri: 'sip:100@127.0.0.1:5070;ob', rttUsec: 1312 };
const PHONE_101 = { ip: '127.0.0.1', port: 5072, uri: 'sip:101@127.0.0.1:5072;ob', rttUsec: 1085 };

async function startStandin(options: Partial<AriStandinOptions> = {}): Promise<AriStandin> {
  const standin = await startAriStandin({ ...RECORDED_SETUP, ...options });
  onTestFinished(() => standin.stop());
  return standin;
}

/** ari-client as the product uses it; its Swagger 1.1 loader logs a deprecation notice on each connect. */
async function connectClient(standin: AriStandin): Promise<Client> {
  const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  try {
    return await ari.connect(standin.url, USER, PASSWORD);
  } finally {
    log.mockRestore();
  }
}

async function startApp(standin: AriStandin): Promise<{ client: Client; log: EventLog }> {
  const client = await connectClient(standin);
  const log = new EventLog(client);
  await client.start(APP, true);
  onTestFinished(() => client.stop());
  return { client, log };
}

interface RestAnswer {
  status: number;
  reason: string;
  contentType: string | null;
  headers: Headers;
  body: unknown;
}

async function rest(standin: AriStandin, method: string, pathAndQuery: string, auth: 'valid' | 'none' | 'wrong' = 'valid'): Promise<RestAnswer> {
  const headers: Record<string, string> = {};
  if (auth !== 'none') {
    const secret = auth === 'valid' ? PASSWORD : 'not-the-password';
    headers['authorization'] = `Basic ${Buffer.from(`${USER}:${secret}`).toString('base64')}`;
  }
  const response = await fetch(standin.url + pathAndQuery, { method, headers });
  const text = await response.text();
  const contentType = response.headers.get('content-type');
  return {
    status: response.status,
    reason: response.statusText,
    contentType,
    headers: response.headers,
    body: contentType === 'application/json' && text ? (JSON.parse(text) as unknown) : text || null,
  };
}

const deviceName = (event: ReceivedEvent): string | undefined => (event['device_state'] as { name?: string } | undefined)?.name;

let settleCount = 0;

/**
 * Waits until everything emitted so far has reached the client, and returns it:
 * a Stasis device state PUT through REST is delivered after all of it.
 */
async function settle(standin: AriStandin, log: EventLog): Promise<ReceivedEvent[]> {
  const marker = `Stasis:settle-${++settleCount}`;
  expect((await rest(standin, 'PUT', `/ari/deviceStates/${marker}?deviceState=INUSE`)).status).toBe(204);
  await log.until((events) => events.some((event) => deviceName(event) === marker), marker);
  await rest(standin, 'DELETE', `/ari/deviceStates/${marker}`);
  return log.take().filter((event) => deviceName(event) !== marker);
}

/**
 * Sends a recorded request to the stand-in and compares the answer with
 * Asterisk's (status, reason, content type, body with ids and times masked).
 * Does nothing without the recordings.
 */
async function replay(standin: AriStandin, file: string, pathOverride?: string): Promise<void> {
  if (!HAVE_RECORDINGS) return;
  const recorded = readRecordedRest(RECORDED_DIR, file);
  const query = new URLSearchParams(recorded.request.query).toString();
  const auth = recorded.request.auth === 'none' ? 'none' : recorded.request.auth.includes('wrong') ? 'wrong' : 'valid';
  const answer = await rest(standin, recorded.request.method, (pathOverride ?? recorded.request.path) + (query ? `?${query}` : ''), auth);
  const normalize = (body: unknown) => JSON.stringify(createNormalizer()(body));
  expect({ status: answer.status, reason: answer.reason, contentType: answer.contentType, body: normalize(answer.body) }, file).toEqual({
    status: recorded.status,
    reason: recorded.reason,
    contentType: recorded.content_type,
    body: normalize(recorded.body),
  });
}

/** Same event types in the same order, then the same events field by field (key order included). */
function expectRecordedSequence(received: readonly ReceivedEvent[], file: string): void {
  const recorded = readRecordedEvents(RECORDED_DIR, file);
  expect(
    received.map((event) => event.type),
    `event types of ${file}`,
  ).toEqual(recorded.map((event) => event.type));
  expect(normalizedLines(received), `events of ${file}`).toEqual(normalizedLines(recorded));
}

/** Ends a test that still has recording comparisons to make: marks it skipped when they cannot be made. */
function requireRecordings(ctx: TestContext): void {
  ctx.skip(!HAVE_RECORDINGS, NO_RECORDINGS);
}

async function waitFor(condition: () => boolean, description: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${description}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('ARI stand-in', () => {
  it('serves the Swagger 1.1 documents ari-client builds its API from', async () => {
    const standin = await startStandin();
    const unauthenticated = await rest(standin, 'GET', '/ari/api-docs/resources.json', 'none');
    expect(unauthenticated.status).toBe(401);

    const listing = (await rest(standin, 'GET', '/ari/api-docs/resources.json')).body as {
      swaggerVersion: string;
      basePath: string;
      apis: { path: string }[];
    };
    expect(listing.swaggerVersion).toBe('1.1');
    expect(listing.basePath).toBe(`${standin.url}/ari`);
    const resources = listing.apis.map((api) => /\/api-docs\/(\w+)\.\{format\}/.exec(api.path)?.[1]);
    expect(resources).toEqual(['asterisk', 'endpoints', 'channels', 'bridges', 'recordings', 'playbacks', 'deviceStates', 'events', 'applications']);
    for (const resource of resources) {
      const doc = (await rest(standin, 'GET', `/ari/api-docs/${resource}.json`)).body as { resourcePath: string };
      expect(doc.resourcePath).toBe(`/api-docs/${resource}.{format}`);
    }
    const events = (await rest(standin, 'GET', '/ari/api-docs/events.json')).body as { models: Record<string, unknown> };
    expect(Object.keys(events.models)).toEqual(expect.arrayContaining(['ChannelCreated', 'Dial', 'DeviceStateChanged', 'ContactStatusChange', 'ApplicationReplaced']));

    const client = await connectClient(standin);
    expect(typeof client.endpoints.list).toBe('function');
    expect(typeof client.asterisk.reloadModule).toBe('function');
    expect(typeof client.channels.originate).toBe('function');
  });

  it('lists endpoints and an idle system like Asterisk', async () => {
    const standin = await startStandin();
    const { client } = await startApp(standin);

    const endpoints = await client.endpoints.list();
    expect(endpoints.map(({ technology, resource, state, channel_ids }) => ({ technology, resource, state, channel_ids }))).toEqual([
      { technology: 'PJSIP', resource: '101', state: 'offline', channel_ids: [] },
      { technology: 'PJSIP', resource: '100', state: 'offline', channel_ids: [] },
    ]);
    expect((await client.endpoints.get({ tech: 'PJSIP', resource: '100' })).state).toBe('offline');
    expect(await client.channels.list()).toEqual([]);
    expect(await client.bridges.list()).toEqual([]);
    expect(await client.deviceStates.list()).toEqual([]);
    expect((await client.applications.list()).map((app) => app.name)).toEqual([APP]);
    expect((await client.asterisk.getInfo()).system?.entity_id).toBe('02:00:00:00:a5:01');
    expect((await client.asterisk.ping()).ping).toBe('pong');

    standin.addEndpoint('102', { callerName: 'Carol' });
    expect((await client.endpoints.list()).map((endpoint) => endpoint.resource)).toEqual(['102', '101', '100']);
    expect((await rest(standin, 'GET', '/ari/endpoints/PJSIP/102')).body).toEqual({
      technology: 'PJSIP',
      resource: '102',
      state: 'offline',
      channel_ids: [],
    });

    const standinAsRecorded = await startStandin();
    await startApp(standinAsRecorded);
    for (const file of [
      'rest-endpoints-before-register.json',
      'rest-endpoint-PJSIP-100-before-register.json',
      'rest-channels-idle.json',
      'rest-bridges-idle.json',
      'rest-deviceStates-before-register.json',
      'rest-application-recorder.json',
      'rest-asterisk-ping.json',
    ]) {
      await replay(standinAsRecorded, file);
    }
  });

  it('answers errors like Asterisk', async () => {
    const standin = await startStandin();
    const wrongPassword = await rest(standin, 'GET', '/ari/asterisk/info', 'wrong');
    expect(wrongPassword.status).toBe(401);
    expect(wrongPassword.body).toEqual({ message: 'Authentication required' });
    expect(wrongPassword.headers.get('www-authenticate')).toBe('Basic realm="Asterisk REST Interface"');
    expect((await rest(standin, 'GET', '/ari/asterisk/info', 'none')).status).toBe(401);
    expect((await rest(standin, 'GET', '/ari/no-such-resource')).body).toEqual({ message: 'Resource not found' });
    expect((await rest(standin, 'DELETE', '/ari/asterisk/info')).status).toBe(405);
    expect((await rest(standin, 'GET', '/ari/channels/nope')).body).toEqual({ message: 'Channel not found' });
    expect((await rest(standin, 'GET', '/ari/deviceStates/PJSIP/100')).status).toBe(404);
    expect((await rest(standin, 'GET', '/ari/deviceStates/PJSIP%2F100')).body).toEqual({ name: 'PJSIP/100', state: 'UNAVAILABLE' });

    const refused = new WebSocket(`${standin.url.replace('http', 'ws')}/ari/events?app=${APP}&api_key=${USER}:wrong`);
    refused.on('error', () => undefined);
    const [, response] = (await once(refused, 'unexpected-response')) as [unknown, { statusCode: number }];
    expect(response.statusCode).toBe(401);
    refused.terminate();

    for (const file of [
      'rest-error-no-auth-401.json',
      'rest-error-wrong-password-401.json',
      'rest-error-resource-unknown-404.json',
      'rest-error-method-not-allowed.json',
      'rest-error-channel-unknown-404.json',
      'rest-error-channel-hangup-unknown-404.json',
      'rest-error-endpoint-unknown-404.json',
      'rest-error-endpoint-unknown-tech-404.json',
      'rest-error-application-unknown-404.json',
      'rest-error-bridge-unknown-404.json',
      'rest-error-devicestate-not-stasis-409.json',
      'rest-error-devicestate-bad-value.json',
      'rest-error-devicestate-delete-unknown.json',
      'rest-error-devicestate-name-with-slash.json',
      'rest-error-originate-no-endpoint-400.json',
      'rest-error-originate-no-target-400.json',
      'rest-error-originate-endpoint-without-slash.json',
      'rest-error-originate-bad-endpoint.json',
    ]) {
      await replay(standin, file);
    }
  });

  it('a registration produces the recorded events and listings', async (ctx) => {
    const standin = await startStandin();
    const { client, log } = await startApp(standin);

    standin.register('100', PHONE_100);
    const register100 = await settle(standin, log);
    standin.register('101', PHONE_101);
    const register101 = await settle(standin, log);

    expect(register100.map((event) => event.type)).toEqual(['ContactStatusChange', 'PeerStatusChange', 'ContactStatusChange', 'DeviceStateChanged', 'DeviceStateChanged']);
    expect(register100.every((event) => event['application'] === APP && event['asterisk_id'] === '02:00:00:00:a5:01')).toBe(true);
    expect(register101.map(deviceName).filter(Boolean)).toEqual(['PJSIP/101']);
    expect((await client.endpoints.list()).map((endpoint) => endpoint.state)).toEqual(['online', 'online']);
    expect((await rest(standin, 'GET', '/ari/deviceStates/PJSIP%2F100')).body).toEqual({ name: 'PJSIP/100', state: 'NOT_INUSE' });

    for (const file of [
      'rest-endpoints.json',
      'rest-endpoints-PJSIP.json',
      'rest-endpoint-PJSIP-100.json',
      'rest-deviceStates.json',
      'rest-deviceState-PJSIP-100.json',
      'rest-deviceState-PJSIP-100-urlencoded.json',
    ]) {
      await replay(standin, file);
    }
    requireRecordings(ctx);
    expectRecordedSequence(register100, 'events-register-100.jsonl');
    expectRecordedSequence(register101, 'events-register-101.jsonl');
  });

  it('an unregistration produces the recorded events and listings', async (ctx) => {
    const standin = await startStandin();
    const { client, log } = await startApp(standin);
    standin.register('100', PHONE_100);
    standin.register('101', PHONE_101);
    await settle(standin, log);

    standin.unregister('101');
    const unregister101 = await settle(standin, log);
    expect(unregister101.map((event) => event.type)).toEqual(['PeerStatusChange', 'ContactStatusChange', 'DeviceStateChanged']);
    expect((await client.endpoints.get({ tech: 'PJSIP', resource: '101' })).state).toBe('offline');
    for (const file of ['rest-endpoints-after-unregister-101.json', 'rest-endpoint-PJSIP-101-after-unregister.json', 'rest-deviceStates-after-unregister-101.json']) {
      await replay(standin, file);
    }

    standin.unregister('100');
    const unregister100 = await settle(standin, log);
    expect(unregister100.map(deviceName).filter(Boolean)).toEqual(['PJSIP/100', 'Queue:support_avail']);

    requireRecordings(ctx);
    expectRecordedSequence(unregister101, 'events-unregister-101.jsonl');
    // Asterisk's order differed between the two unregistrations; compare 100's as a set.
    expect(normalizedLines(unregister100).sort()).toEqual(normalizedLines(readRecordedEvents(RECORDED_DIR, 'events-unregister-100.jsonl')).sort());
  });

  it('a call rings, is answered and hung up with the recorded events and listings', async (ctx) => {
    const standin = await startStandin();
    const { client, log } = await startApp(standin);
    standin.register('100', PHONE_100);
    standin.register('101', PHONE_101);
    await settle(standin, log);

    const call = standin.ring('100', '101');
    await log.until((events) => events.some((event) => event.type === 'Dial' && event['dialstatus'] === 'RINGING'), 'ringing');
    expect((await client.channels.list()).map((channel) => [channel.name, channel.state])).toEqual([
      [expect.stringMatching(/^PJSIP\/101-[0-9a-f]{8}$/), 'Ringing'],
      [expect.stringMatching(/^PJSIP\/100-[0-9a-f]{8}$/), 'Ring'],
    ]);
    await replay(standin, 'rest-channels-while-ringing.json');
    await replay(standin, 'rest-deviceStates-while-ringing.json');

    standin.answer(call);
    const bridgeId = call.bridgeId ?? '';
    const bridges = await client.bridges.list();
    expect(bridges.map((bridge) => [bridge.id, bridge.technology, bridge.channels])).toEqual([[bridgeId, 'native_rtp', [call.callerChannelId, call.calleeChannelId]]]);
    expect((await client.endpoints.get({ tech: 'PJSIP', resource: '100' })).channel_ids).toEqual([call.callerChannelId]);
    for (const file of [
      'rest-channels-during-call.json',
      'rest-bridges-during-call.json',
      'rest-endpoints-during-call.json',
      'rest-endpoint-PJSIP-100-during-call.json',
      'rest-deviceStates-during-call.json',
    ]) {
      await replay(standin, file);
    }
    await replay(standin, 'rest-channel-get-during-call.json', `/ari/channels/${call.callerChannelId}`);
    await replay(standin, 'rest-bridge-get-during-call.json', `/ari/bridges/${bridgeId}`);

    standin.hangup(call);
    const events = await settle(standin, log);
    expect(call.phase).toBe('ended');
    expect(events[0]?.type).toBe('ChannelCreated');
    expect(events.at(-1)?.type).toBe('ChannelDestroyed');
    expect(events.filter((event) => event.type === 'Dial').map((event) => event['dialstatus'])).toEqual(['', 'RINGING', 'ANSWER']);
    expect(events.filter((event) => event.type.includes('Bridge')).map((event) => event.type)).toEqual([
      'BridgeCreated',
      'ChannelEnteredBridge',
      'ChannelEnteredBridge',
      'ChannelLeftBridge',
      'ChannelLeftBridge',
      'BridgeDestroyed',
    ]);
    expect(await client.channels.list()).toEqual([]);
    await replay(standin, 'rest-channels-after-call.json');

    requireRecordings(ctx);
    expectRecordedSequence(events, 'events-call-100-to-101.jsonl');
  });

  it('busy and unavailable callees produce the recorded events', async (ctx) => {
    const standin = await startStandin();
    const { log } = await startApp(standin);
    standin.register('100', PHONE_100);
    standin.register('101', PHONE_101);
    await settle(standin, log);

    expect(standin.busy('100', '101').phase).toBe('ended');
    const busy = await settle(standin, log);
    expect(busy.find((event) => event.type === 'ChannelHangupRequest')).toMatchObject({ cause: 17, tech_cause: 486 });
    expect(busy.filter((event) => event.type === 'ChannelDestroyed')).toHaveLength(2);

    standin.unregister('101');
    await settle(standin, log);
    expect(standin.ring('100', '101').phase).toBe('ended');
    const unavailable = await settle(standin, log);
    expect(unavailable.some((event) => event.type === 'Dial')).toBe(false);
    expect(unavailable.at(-1)).toMatchObject({ type: 'ChannelDestroyed', cause: 3, cause_txt: 'No route to destination' });

    requireRecordings(ctx);
    expectRecordedSequence(busy, 'events-call-100-to-101-busy.jsonl');
    expectRecordedSequence(unavailable, 'events-call-100-to-101-unavailable.jsonl');
  });

  it('POST /channels originates through the dialplan and DELETE hangs the call up', async (ctx) => {
    const standin = await startStandin();
    const { client, log } = await startApp(standin);
    standin.register('100', { ...PHONE_100, autoAnswer: true });
    standin.register('101', PHONE_101);
    await settle(standin, log);

    const channel = await client.channels.originate({
      endpoint: 'PJSIP/100',
      extension: '101',
      context: 'internal',
      priority: 1,
      callerId: 'ARI Originate <999>',
      timeout: 30,
    });
    expect([channel.state, channel.caller.name, channel.dialplan.app_name]).toEqual(['Down', 'ARI Originate', 'AppDial2']);
    await log.until((events) => events.some((event) => event.type === 'Dial' && event['dialstatus'] === 'RINGING'), '101 ringing');
    const call = standin.callByChannel(channel.id);
    if (!call) throw new Error('originated call not found');
    standin.answer(call);
    await client.channels.hangup({ channelId: channel.id, reason: 'normal' });
    const events = await settle(standin, log);

    expect(events.find((event) => event.type === 'ChannelHangupRequest')).toMatchObject({ cause: 32, soft: true });
    expect(events.filter((event) => event.type === 'ChannelDestroyed')).toHaveLength(2);
    expect(await client.channels.list()).toEqual([]);

    requireRecordings(ctx);
    const recordedPost = readRecordedRest(RECORDED_DIR, 'rest-originate-post.json').body as Record<string, unknown>;
    const channelFields = channel as unknown as Record<string, unknown>;
    const normalize = createNormalizer();
    expect(normalize(Object.fromEntries(Object.keys(recordedPost).map((key) => [key, channelFields[key]])))).toEqual(createNormalizer()(recordedPost));
    // Device states are published from another thread: compare their order among themselves only.
    const recorded = readRecordedEvents(RECORDED_DIR, 'events-originate-dialplan.jsonl');
    const isDeviceState = (event: { type?: unknown }) => event.type === 'DeviceStateChanged';
    expect(normalizedLines(events.filter((event) => !isDeviceState(event)))).toEqual(normalizedLines(recorded.filter((event) => !isDeviceState(event))));
    expect(normalizedLines(events.filter(isDeviceState))).toEqual(normalizedLines(recorded.filter(isDeviceState)));
  });

  it('ends calls cleanly however they end, including the orders not recorded', async () => {
    const standin = await startStandin();
    const { client, log } = await startApp(standin);
    standin.register('100', PHONE_100);
    standin.register('101', PHONE_101);
    await settle(standin, log);
    const expectIdle = async (scenario: string) => {
      const events = await settle(standin, log);
      expect(events.at(-1)?.type === 'ChannelDestroyed' || events.at(-1)?.type === 'DeviceStateChanged', scenario).toBe(true);
      expect(await client.channels.list(), scenario).toEqual([]);
      expect(await client.bridges.list(), scenario).toEqual([]);
      for (const device of ['PJSIP%2F100', 'PJSIP%2F101']) {
        expect((await rest(standin, 'GET', `/ari/deviceStates/${device}`)).body, scenario).toMatchObject({ state: 'NOT_INUSE' });
      }
      return events;
    };

    const cancelled = standin.ring('100', '101');
    standin.hangup(cancelled);
    const cancelEvents = await expectIdle('caller cancels');
    expect(cancelEvents.filter((event) => event.type === 'Dial').at(-1)).toMatchObject({ dialstatus: 'CANCEL' });

    const calleeEnds = standin.ring('100', '101');
    standin.answer(calleeEnds);
    standin.hangup(calleeEnds, { by: 'callee' });
    await expectIdle('callee hangs up');

    const rejected = standin.ring('100', '101');
    standin.hangup(rejected, { by: 'callee' });
    await expectIdle('callee rejects');

    const deletedCallee = standin.ring('100', '101');
    standin.answer(deletedCallee);
    expect((await rest(standin, 'DELETE', `/ari/channels/${deletedCallee.calleeChannelId}?reason=busy`)).status).toBe(204);
    await expectIdle('ARI hangs up the callee');

    const ringingOriginate = await client.channels.originate({ endpoint: 'PJSIP/100', extension: '101', context: 'internal' });
    expect((await rest(standin, 'GET', '/ari/deviceStates/PJSIP%2F100')).body).toMatchObject({ state: 'RINGING' });
    expect((await rest(standin, 'DELETE', `/ari/channels/${ringingOriginate.id}?reason_code=21`)).status).toBe(204);
    const deleted = await expectIdle('ARI hangs up an originate still ringing');
    expect(deleted.find((event) => event.type === 'ChannelDestroyed')).toMatchObject({ cause: 21, cause_txt: 'Call Rejected' });

    expect(() => standin.answer(cancelled)).toThrow(/ended/);
  });

  it('a second WebSocket for the same application replaces the first', async (ctx) => {
    const standin = await startStandin();
    const url = `${standin.url.replace('http', 'ws')}/ari/events?app=${APP}&subscribeAll=true&api_key=${USER}:${PASSWORD}`;
    const open = async (): Promise<{ socket: WebSocket; messages: ReceivedEvent[] }> => {
      const socket = new WebSocket(url);
      const messages: ReceivedEvent[] = [];
      socket.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString()) as ReceivedEvent));
      onTestFinished(() => socket.terminate());
      await once(socket, 'open');
      return { socket, messages };
    };
    const old = await open();
    const replacement = await open();
    await waitFor(() => old.messages.length === 1, 'ApplicationReplaced');
    expect(old.messages[0]).toMatchObject({ type: 'ApplicationReplaced', application: APP });

    expect((await rest(standin, 'PUT', '/ari/deviceStates/Stasis:rec-replaced?deviceState=INUSE')).status).toBe(204);
    await waitFor(() => replacement.messages.length === 1, 'event on the new socket');
    await rest(standin, 'DELETE', '/ari/deviceStates/Stasis:rec-replaced');
    await rest(standin, 'PUT', '/ari/deviceStates/Stasis:after?deviceState=BUSY');
    await waitFor(() => replacement.messages.length === 2, 'second event on the new socket');

    expect(old.messages).toHaveLength(1);
    expect(old.socket.readyState).toBe(WebSocket.OPEN);
    expect(standin.connections.map((connection) => connection.activeApps)).toEqual([[], [APP]]);
    expect(((await rest(standin, 'GET', '/ari/applications')).body as { name: string }[]).map((app) => app.name)).toEqual([APP]);

    requireRecordings(ctx);
    expect(normalizedLines(old.messages)).toEqual(normalizedLines(readRecordedEvents(RECORDED_DIR, 'events-application-replaced-old-socket.jsonl')));
    expect(normalizedLines(replacement.messages.slice(0, 1))).toEqual(normalizedLines(readRecordedEvents(RECORDED_DIR, 'events-application-replaced-new-socket.jsonl')));
  });

  it('one WebSocket may carry several applications; only subscribeAll ones get every event', async () => {
    const standin = await startStandin();
    const base = `${standin.url.replace('http', 'ws')}/ari/events?api_key=${USER}:${PASSWORD}`;
    const open = async (query: string): Promise<ReceivedEvent[]> => {
      const socket = new WebSocket(`${base}&${query}`);
      const messages: ReceivedEvent[] = [];
      socket.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString()) as ReceivedEvent));
      onTestFinished(() => socket.terminate());
      await once(socket, 'open');
      return messages;
    };
    const both = await open('app=first,second&subscribeAll=true');
    const quiet = await open('app=quiet');

    await rest(standin, 'PUT', '/ari/deviceStates/Stasis:lamp?deviceState=BUSY');
    await waitFor(() => both.length === 2, 'one event per application');
    expect(both.map((event) => [event.type, event['application']])).toEqual([
      ['DeviceStateChanged', 'first'],
      ['DeviceStateChanged', 'second'],
    ]);
    expect(quiet).toEqual([]);
    expect(standin.connections).toEqual([
      { apps: ['first', 'second'], subscribeAll: true, activeApps: ['first', 'second'] },
      { apps: ['quiet'], subscribeAll: false, activeApps: ['quiet'] },
    ]);
    const applications = (await rest(standin, 'GET', '/ari/applications')).body as { name: string; channel_ids: string[] }[];
    expect(applications.map((app) => [app.name, app.channel_ids])).toEqual([
      ['first', ['__AST_CHANNEL_ALL_TOPIC']],
      ['quiet', []],
      ['second', ['__AST_CHANNEL_ALL_TOPIC']],
    ]);
  });

  it('records module reloads, fails them on demand and runs them one at a time', async () => {
    const standin = await startStandin({ reloadDurationMs: 40 });
    const client = await connectClient(standin);

    await client.asterisk.reloadModule({ moduleName: 'res_pjsip.so' });
    expect(standin.reloads).toEqual(['res_pjsip.so']);

    standin.failReload('app_voicemail.so', 409);
    await expect(client.asterisk.reloadModule({ moduleName: 'app_voicemail.so' })).rejects.toThrow('An unknown error occurred while reloading the module');
    standin.failReload('pbx_config.so', 404);
    await expect(client.asterisk.reloadModule({ moduleName: 'pbx_config.so' })).rejects.toThrow('Module not found in running modules');
    standin.failReload('pbx_config.so', null);

    const started = Date.now();
    const answers = await Promise.all([rest(standin, 'PUT', '/ari/asterisk/modules/pbx_config.so'), rest(standin, 'PUT', '/ari/asterisk/modules/app_queue.so')]);
    expect(answers.map((answer) => answer.status)).toEqual([204, 204]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(75);
    expect([...standin.reloads].sort()).toEqual(['app_queue.so', 'pbx_config.so', 'res_pjsip.so']);
    expect(standin.reloadAttempts.map((attempt) => attempt.status).sort()).toEqual([204, 204, 204, 404, 409]);
  });

  it('boots like Asterisk: 404, then 503, then 200', async () => {
    const standin = await startStandin({ bootPhases: { notLoadedMs: 100, notBootedMs: 100 } });
    const statuses: number[] = [];
    let notBootedBody: unknown;
    while (statuses.at(-1) !== 200) {
      const answer = await rest(standin, 'GET', '/ari/asterisk/info');
      if (answer.status !== statuses.at(-1)) statuses.push(answer.status);
      if (answer.status === 503) notBootedBody = answer.body;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(statuses).toEqual([404, 503, 200]);
    expect(notBootedBody).toEqual({ message: 'Asterisk not booted' });
    expect(standin.bootPhase).toBe('booted');
  });

  it('stop() cuts every connection and restart() accepts new ones with state reset', async () => {
    const standin = await startStandin();
    const { client, log } = await startApp(standin);
    standin.register('100', PHONE_100);
    await settle(standin, log);
    expect(standin.connections).toHaveLength(1);

    const emitter = client as unknown as EventEmitter;
    const reconnecting = once(emitter, 'WebSocketReconnecting');
    await standin.stop();
    await reconnecting;
    expect(standin.connections).toEqual([]);
    await expect(fetch(`${standin.url}/ari/asterisk/ping`)).rejects.toThrow();

    const reconnected = once(emitter, 'WebSocketConnected');
    await standin.restart({ keepContacts: false });
    await reconnected;
    expect(standin.connections).toHaveLength(1);
    expect((await client.endpoints.list()).map((endpoint) => endpoint.state)).toEqual(['offline', 'offline']);

    standin.register('101', PHONE_101);
    const events = await settle(standin, log);
    expect(events.map((event) => event.type)).toContain('PeerStatusChange');
  });

  it('restart() keeps registered contacts as Asterisk does (astdb): online, NonQualified until the next qualify', async () => {
    const standin = await startStandin();
    const { client, log } = await startApp(standin);
    standin.register('100', PHONE_100);
    const call = standin.ring('100', '101'); // 101 is offline: the call fails at once
    await settle(standin, log);
    expect(call.phase).toBe('ended');

    const emitter = client as unknown as EventEmitter;
    const reconnected = once(emitter, 'WebSocketConnected');
    await standin.restart();
    await reconnected;

    // Nothing is announced at boot: the listings carry the state.
    expect(await settle(standin, log)).toEqual([]);
    expect((await client.endpoints.list()).map(({ resource, state, channel_ids }) => [resource, state, channel_ids])).toEqual([
      ['101', 'offline', []],
      ['100', 'online', []],
    ]);
    expect((await rest(standin, 'GET', '/ari/deviceStates/PJSIP%2F100')).body).toEqual({ name: 'PJSIP/100', state: 'NOT_INUSE' });
    expect((await rest(standin, 'GET', '/ari/deviceStates/Queue:support_avail')).body).toEqual({ name: 'Queue:support_avail', state: 'NOT_INUSE' });
    await replay(standin, 'rest-deviceStates.json');

    // The first qualify after the restart: Reachable with the round trip; already online, so nothing else.
    standin.qualify();
    const qualified = await settle(standin, log);
    expect(qualified.map((event) => [event.type, event['contact_info'], (event['endpoint'] as { state?: string }).state])).toEqual([
      ['ContactStatusChange', { uri: PHONE_100.uri, contact_status: 'Reachable', aor: '100', roundtrip_usec: '1312' }, 'online'],
    ]);
    standin.qualify('100');
    standin.register('100', PHONE_100); // a refresh of the same contact
    expect(await settle(standin, log)).toEqual([]);

    // The kept contact unregisters like any other.
    standin.unregister('100');
    const unregistered = await settle(standin, log);
    expect(unregistered.map((event) => event.type)).toEqual(['PeerStatusChange', 'ContactStatusChange', 'DeviceStateChanged', 'DeviceStateChanged']);
    expect(unregistered[1]?.['contact_info']).toMatchObject({ uri: PHONE_100.uri, contact_status: 'Removed' });

    // Before its qualify a kept contact is already usable: calls reach it.
    standin.register('101', PHONE_101);
    await settle(standin, log);
    const reconnectedAgain = once(emitter, 'WebSocketConnected');
    await standin.restart();
    await reconnectedAgain;
    expect((await client.endpoints.list()).map((endpoint) => endpoint.state)).toEqual(['online', 'offline']);
    const ringing = standin.ring('100', '101');
    expect(ringing.phase).toBe('ringing');
    standin.hangup(ringing);
    await settle(standin, log);
  });

  it('keeps a second contact of the same endpoint and removes contacts one by one', async () => {
    const standin = await startStandin();
    const { client, log } = await startApp(standin);
    const second = { ip: '127.0.0.1', port: 5080, uri: 'sip:100@127.0.0.1:5080;ob', rttUsec: 2100 };
    const summary = (events: readonly ReceivedEvent[]) =>
      events.map((event) => [
        event.type,
        (event['contact_info'] as { uri?: string; contact_status?: string; roundtrip_usec?: string } | undefined) ?? deviceName(event),
        (event['endpoint'] as { state?: string } | undefined)?.state,
      ]);
    standin.register('100', PHONE_100);
    await settle(standin, log);

    standin.register('100', second);
    expect(summary(await settle(standin, log))).toEqual([
      ['ContactStatusChange', { uri: second.uri, contact_status: 'NonQualified', aor: '100', roundtrip_usec: '0' }, 'online'],
      ['ContactStatusChange', { uri: second.uri, contact_status: 'Reachable', aor: '100', roundtrip_usec: '2100' }, 'online'],
    ]);

    standin.unregister('100', { uri: PHONE_100.uri });
    expect(summary(await settle(standin, log))).toEqual([['ContactStatusChange', { uri: PHONE_100.uri, contact_status: 'Removed', aor: '100', roundtrip_usec: '0' }, 'online']]);
    expect((await client.endpoints.get({ tech: 'PJSIP', resource: '100' })).state).toBe('online');
    expect((await rest(standin, 'GET', '/ari/deviceStates/PJSIP%2F100')).body).toMatchObject({ state: 'NOT_INUSE' });
    standin.unregister('100', { uri: 'sip:100@192.0.2.99:5060' }); // no such contact
    expect(await settle(standin, log)).toEqual([]);

    // Unregistering the endpoint without a uri removes every contact; the last one takes it offline.
    standin.register('100', PHONE_100);
    await settle(standin, log);
    standin.unregister('100');
    expect(summary(await settle(standin, log))).toEqual([
      ['ContactStatusChange', { uri: second.uri, contact_status: 'Removed', aor: '100', roundtrip_usec: '0' }, 'online'],
      ['PeerStatusChange', undefined, 'offline'],
      ['ContactStatusChange', { uri: PHONE_100.uri, contact_status: 'Removed', aor: '100', roundtrip_usec: '0' }, 'offline'],
      ['DeviceStateChanged', 'PJSIP/100', undefined],
      ['DeviceStateChanged', 'Queue:support_avail', undefined],
    ]);

    // With max_contacts=1 (and remove_existing) a new contact replaces the old one.
    const single = await startStandin({ endpoints: [{ resource: '100', callerName: 'Alice', maxContacts: 1 }], queues: {} });
    const singleApp = await startApp(single);
    single.register('100', PHONE_100);
    await settle(single, singleApp.log);
    single.register('100', second);
    expect(summary(await settle(single, singleApp.log)).map(([type, info, state]) => [type, (info as { contact_status: string }).contact_status, state])).toEqual([
      ['ContactStatusChange', 'Removed', 'online'],
      ['ContactStatusChange', 'NonQualified', 'online'],
      ['ContactStatusChange', 'Reachable', 'online'],
    ]);
  });

  it('a caller that cancels while the callee rings ends both channels with cause 127', async () => {
    const standin = await startStandin();
    const { client, log } = await startApp(standin);
    standin.register('100', PHONE_100);
    standin.register('101', PHONE_101);
    await settle(standin, log);

    const call = standin.ring('100', '101');
    await settle(standin, log);
    standin.hangup(call, { by: 'caller' });
    const events = await settle(standin, log);

    expect(events.find((event) => event.type === 'ChannelHangupRequest')).toMatchObject({ cause: 127, tech_cause: 487 });
    expect(events.filter((event) => event.type === 'Dial').map((event) => event['dialstatus'])).toEqual(['CANCEL']);
    const destroyed = events.filter((event) => event.type === 'ChannelDestroyed').map((event) => [(event['channel'] as { id: string }).id, event['cause'], event['cause_txt'], event['tech_cause']]);
    expect(destroyed).toEqual([
      [call.callerChannelId, 127, 'Interworking, unspecified', 487],
      [call.calleeChannelId, 127, 'Interworking, unspecified', 500],
    ]);
    expect(await client.channels.list()).toEqual([]);
    expect(events.filter((event) => event.type === 'DeviceStateChanged').map(deviceName)).toEqual(['PJSIP/100', 'PJSIP/101']);
  });

  it('a pbx_config reload sets the [globals] again: one ChannelVarset without channel each', async () => {
    const standin = await startStandin({ globals: { PBX_RINGTIME: '30' } });
    const { client, log } = await startApp(standin);

    await client.asterisk.reloadModule({ moduleName: 'pbx_config.so' });
    const reloaded = await settle(standin, log);
    expect(reloaded).toHaveLength(1);
    expect(Object.keys(reloaded[0] ?? {})).toEqual(['variable', 'value', 'type', 'timestamp', 'asterisk_id', 'application']);
    expect(reloaded[0]).toMatchObject({ type: 'ChannelVarset', variable: 'PBX_RINGTIME', value: '30', application: APP, asterisk_id: '02:00:00:00:a5:01' });

    // The model allows it: channel is optional, every other field is described.
    const models = ((await rest(standin, 'GET', '/ari/api-docs/events.json')).body as { models: Record<string, { properties: Record<string, { required?: boolean }> }> }).models;
    const varset = models['ChannelVarset']?.properties ?? {};
    expect(varset['channel']?.required).toBe(false);
    expect([varset['variable']?.required, varset['value']?.required]).toEqual([true, true]);

    await client.asterisk.reloadModule({ moduleName: 'res_pjsip.so' });
    standin.failReload('pbx_config', 409);
    await expect(client.asterisk.reloadModule({ moduleName: 'pbx_config.so' })).rejects.toThrow();
    standin.failReload('pbx_config', null);
    expect(await settle(standin, log)).toEqual([]);

    standin.setGlobals({ PBX_RINGTIME: '25', TRUNK: 'PJSIP/out' });
    expect(await settle(standin, log)).toEqual([]);
    await client.asterisk.reloadModule({ moduleName: 'pbx_config' });
    expect((await settle(standin, log)).map((event) => [event.type, event['variable'], event['value'], 'channel' in event])).toEqual([
      ['ChannelVarset', 'PBX_RINGTIME', '25', false],
      ['ChannelVarset', 'TRUNK', 'PJSIP/out', false],
    ]);
  });

  it('voicemail drives the MWI:<box>@default device state; GET /deviceStates still lists Stasis devices only', async () => {
    const standin = await startStandin({ mailboxes: ['100', '101@default'] });
    const { client, log } = await startApp(standin);
    const mwi = async (box: string) => (await rest(standin, 'GET', `/ari/deviceStates/MWI:${box}`)).body;
    expect(await mwi('100@default')).toEqual({ name: 'MWI:100@default', state: 'NOT_INUSE' });
    expect(await mwi('101@default')).toEqual({ name: 'MWI:101@default', state: 'NOT_INUSE' });

    standin.leaveVoicemail('100');
    standin.leaveVoicemail('100@default'); // a second message changes nothing
    const left = await settle(standin, log);
    expect(left.map((event) => [event.type, event['device_state']])).toEqual([['DeviceStateChanged', { name: 'MWI:100@default', state: 'INUSE' }]]);
    expect(Object.keys(left[0] ?? {})).toEqual(['type', 'application', 'timestamp', 'device_state', 'asterisk_id']);
    expect(await mwi('100@default')).toEqual({ name: 'MWI:100@default', state: 'INUSE' });
    // Recorded: the listing holds Stasis: devices only, whatever else has a state.
    expect(await client.deviceStates.list()).toEqual([]);
    await replay(standin, 'rest-deviceStates.json');

    standin.clearVoicemail('100');
    standin.clearVoicemail('101');
    expect((await settle(standin, log)).map((event) => event['device_state'])).toEqual([{ name: 'MWI:100@default', state: 'NOT_INUSE' }]);

    // Messages are on disk: they survive a restart, announced by no event.
    standin.leaveVoicemail('101');
    await settle(standin, log);
    const reconnected = once(client as unknown as EventEmitter, 'WebSocketConnected');
    await standin.restart();
    await reconnected;
    expect(await settle(standin, log)).toEqual([]);
    expect(await mwi('101@default')).toEqual({ name: 'MWI:101@default', state: 'INUSE' });
    standin.clearVoicemail('101');
    expect((await settle(standin, log)).map((event) => event['device_state'])).toEqual([{ name: 'MWI:101@default', state: 'NOT_INUSE' }]);
  });

  it('delivers a burst of 10,000 events in order', async () => {
    const standin = await startStandin();
    const { log } = await startApp(standin);
    const count = 10_000;

    standin.burstDeviceStates(count);
    const events = await settle(standin, log);

    expect(events).toHaveLength(count);
    expect(events.map(deviceName)).toEqual(Array.from({ length: count }, (_, index) => `Custom:burst-${index}`));
  });
});
