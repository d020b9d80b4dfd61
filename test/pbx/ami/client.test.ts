import { describe, expect, it, onTestFinished, vi, type TestContext } from 'vitest';
import { AmiClient } from '../../../src/pbx/ami/client.js';
import { listContacts, type PjsipContact } from '../../../src/pbx/ami/contacts.js';
import { AmiError } from '../../../src/pbx/ami/errors.js';
import type { AmiMessage } from '../../../src/pbx/ami/message.js';
import { FakeAmiServer, wireMessage, type FakeAmiOptions, type FakeConnection } from './fake-ami-server.js';
import { HAVE_AMI_RECORDINGS, NO_AMI_RECORDINGS, readRecordedAction, readRecordedBanner, readRecordedEvents, recordedActionFiles } from './recordings.js';

if (!HAVE_AMI_RECORDINGS) console.warn(`AMI client tests: ${NO_AMI_RECORDINGS}`);

const USERNAME = 'admin';
const SECRET = 'amp111';

type Harness = { server: FakeAmiServer; client: AmiClient; warn: ReturnType<typeof vi.fn> };

type HarnessOptions = Partial<FakeAmiOptions> & {
  chunkSize?: number | null;
  password?: string;
  reconnect?: { minMs: number; maxMs: number };
};

async function harness(options: HarnessOptions = {}): Promise<Harness> {
  const server = await FakeAmiServer.start({ username: USERNAME, secret: SECRET, ...options });
  server.chunkSize = options.chunkSize ?? null;
  const warn = vi.fn();
  const client = new AmiClient({
    host: '127.0.0.1',
    port: server.port,
    username: USERNAME,
    password: options.password ?? SECRET,
    reconnect: options.reconnect ?? { minMs: 20, maxMs: 100 },
    timeoutMs: 3000,
    logger: { warn },
  });
  onTestFinished(async () => {
    await client.stop();
    await server.close();
  });
  return { server, client, warn };
}

function nextEvent(client: AmiClient, name: 'connected' | 'disconnected', timeoutMs = 3000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no '${name}' within ${timeoutMs} ms`)), timeoutMs);
    client.once(name, () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

async function connectedHarness(options: HarnessOptions = {}): Promise<Harness> {
  const h = await harness(options);
  const connected = nextEvent(h.client, 'connected');
  h.client.start();
  await connected;
  return h;
}

/** Never answers: the action stays pending until the test acts. */
function hang(server: FakeAmiServer, action = 'Hang'): void {
  server.on(action, () => {});
}

function answerPing(server: FakeAmiServer): void {
  server.on('Ping', (request, connection) => connection.send(wireMessage({ Response: 'Success', ActionID: request.ActionID ?? '', Ping: 'Pong' })));
}

function requireRecordings(ctx: TestContext): void {
  ctx.skip(!HAVE_AMI_RECORDINGS, NO_AMI_RECORDINGS);
}

// What action-PJSIPShowContacts.txt says, written out by hand so a parsing slip cannot hide.
const RECORDED_CONTACTS: PjsipContact[] = [
  {
    aor: '100',
    endpoint: '100',
    uri: 'sip:100@127.0.0.1:5070;ob',
    ip: '127.0.0.1',
    port: 5070,
    userAgent: 'PJSUA/v2.17 Linux-6.18.44 x86_64 glibc-2.36',
    status: 'Reachable',
    roundTripUsec: 1312,
    viaAddress: '127.0.0.1:5070',
  },
  {
    aor: '101',
    endpoint: '101',
    uri: 'sip:101@127.0.0.1:5072;ob',
    ip: '127.0.0.1',
    port: 5072,
    userAgent: 'PJSUA/v2.17 Linux-6.18.44 x86_64 glibc-2.36',
    status: 'Reachable',
    roundTripUsec: 1085,
    viaAddress: '127.0.0.1:5072',
  },
];

describe('AmiClient against recorded Asterisk 22.10.1 replies', () => {
  it.for([1, 7, 'whole'] as const)('listContacts parses the recorded contacts (replies in %s-byte chunks)', async (size, ctx) => {
    requireRecordings(ctx);
    const chunkSize = size === 'whole' ? null : size;
    const { server, client } = await connectedHarness({ chunkSize, banner: readRecordedBanner() });
    const recorded = readRecordedAction('action-PJSIPShowContacts.txt');
    server.on('PJSIPShowContacts', (request, connection) => connection.send(recorded.responseFor(request.ActionID ?? '')));

    expect(await listContacts(client)).toEqual(RECORDED_CONTACTS);
    const sent = server.requests.find((r) => r.Action === 'PJSIPShowContacts');
    expect(sent?.ActionID).toMatch(/^[0-9a-f]{8}-\d+$/);
  });

  it('listContacts after 101 unregistered', async (ctx) => {
    requireRecordings(ctx);
    const { server, client } = await connectedHarness({ chunkSize: 7 });
    const recorded = readRecordedAction('action-PJSIPShowContacts-after-unregister-101.txt');
    server.on('PJSIPShowContacts', (request, connection) => connection.send(recorded.responseFor(request.ActionID ?? '')));

    expect(await listContacts(client)).toEqual([{ ...RECORDED_CONTACTS[0], roundTripUsec: 1143 }]);
  });

  it('replays every recorded action through action() or list()', async (ctx) => {
    requireRecordings(ctx);
    const { server, client } = await connectedHarness({ chunkSize: 7 });
    const files = recordedActionFiles();
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const recorded = readRecordedAction(file);
      const { ActionID: _, Action: action, ...params } = recorded.request;
      if (!action) throw new Error(`${file}: no Action`);
      server.on(action, (request, connection) => connection.send(recorded.responseFor(request.ActionID ?? '')));
      const isList = recorded.messagesFor('x')[0]?.EventList === 'start';
      if (isList) {
        const events = await client.list({ Action: action, ...params });
        const actionId = server.requests.at(-1)?.ActionID ?? '';
        const expected = recorded.messagesFor(actionId);
        const complete = expected.at(-1);
        expect(complete?.EventList, file).toBe('Complete');
        expect(events, file).toEqual(expected.slice(1, -1));
        expect(events.length, file).toBe(Number(complete?.ListItems));
      } else {
        const response = await client.action({ Action: action, ...params });
        const actionId = server.requests.at(-1)?.ActionID ?? '';
        expect(response, file).toEqual(recorded.messagesFor(actionId)[0]);
      }
      // The request the client wrote carries the same parameters the recorder sent.
      expect(server.requests.at(-1), file).toMatchObject({ Action: action, ...params });
    }
  });

  it('emits recorded unsolicited events in order', async (ctx) => {
    requireRecordings(ctx);
    const { server, client } = await connectedHarness({ chunkSize: 7 });
    const { wire, messages } = readRecordedEvents('events-register-100.txt');
    const received: AmiMessage[] = [];
    const allArrived = new Promise<void>((resolve) =>
      client.on('event', (event) => {
        if (event.Event === 'FullyBooted') return;
        received.push(event);
        if (received.length === messages.length) resolve();
      }),
    );
    await server.broadcast(wire);
    await allArrived;
    expect(received).toEqual(messages);
    expect(received.filter((e) => e.Event === 'ContactStatus').map((e) => e.ContactStatus)).toEqual(['NonQualified', 'Reachable']);
  });
});

describe('AmiClient session', () => {
  it('logs in with Login/Username/Secret/Events and reports connected', async () => {
    const { server, client } = await connectedHarness();
    expect(client.connected()).toBe(true);
    expect(server.requests[0]).toEqual({
      Action: 'Login',
      ActionID: expect.stringMatching(/^[0-9a-f]{8}-\d+$/),
      Username: USERNAME,
      Secret: SECRET,
      Events: 'on',
    });
    // Strict CRLF on the wire: the fake parses on \r\n only, so a well-formed request parses whole.
    expect(server.raw).toMatch(/^Action: Login\r\nActionID: \S+\r\nUsername: admin\r\nSecret: amp111\r\nEvents: on\r\n\r\n$/);
  });

  it('a wrong secret never connects, is logged, and keeps retrying', async () => {
    const { server, client, warn } = await harness({ password: 'wrong' });
    const onConnected = vi.fn();
    client.on('connected', onConnected);
    client.start();
    await server.waitFor(() => server.failedLogins >= 2);
    expect(client.connected()).toBe(false);
    expect(onConnected).not.toHaveBeenCalled();
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ err: expect.stringContaining('Authentication failed') }), 'AMI login failed');
    await expect(client.action({ Action: 'Ping' })).rejects.toMatchObject({ code: 'not_connected' });
  });

  it('refuses actions before start()', async () => {
    const { client } = await harness();
    await expect(client.action({ Action: 'Ping' })).rejects.toThrow(/AMI is not connected; cannot send Ping/);
    await expect(client.list({ Action: 'DeviceStateList' })).rejects.toMatchObject({ code: 'not_connected' });
  });

  it('matches interleaved replies by ActionID', async () => {
    const { server, client } = await connectedHarness({ chunkSize: 7 });
    let releaseFirst: (() => void) | undefined;
    server.on('First', (request, connection) => {
      releaseFirst = () => void connection.send(wireMessage({ Response: 'Success', ActionID: request.ActionID ?? '', Which: 'first' }));
    });
    server.on('Second', async (request, connection) => {
      await connection.send(wireMessage({ Response: 'Success', ActionID: request.ActionID ?? '', Which: 'second' }));
      releaseFirst?.();
    });
    const first = client.action({ Action: 'First' });
    await server.waitFor(() => releaseFirst !== undefined);
    const second = client.action({ Action: 'Second' });
    expect((await second).Which).toBe('second');
    expect((await first).Which).toBe('first');
  });

  it('rejects Response: Error with the response attached', async () => {
    const { client } = await connectedHarness();
    const error = await client.action({ Action: 'NoSuchThing' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AmiError);
    expect(error).toMatchObject({
      code: 'rejected',
      message: expect.stringContaining('AMI action NoSuchThing failed: Invalid/unknown command: NoSuchThing.'),
      response: { Response: 'Error', Message: expect.stringContaining('Invalid/unknown command') },
    });
  });

  it('listContacts returns [] for Asterisk\'s "No Contacts found" error (with its stray LF)', async () => {
    const { server, client } = await connectedHarness({ chunkSize: 1 });
    server.on('PJSIPShowContacts', (request, connection) =>
      // Byte for byte what astman_send_error(s, m, "No Contacts found\n") writes.
      connection.send(`Response: Error\r\nActionID: ${request.ActionID}\r\nMessage: No Contacts found\n\r\n\r\n`),
    );
    expect(await listContacts(client)).toEqual([]);
    // The stray blank line must not confuse the next exchange.
    answerPing(server);
    expect(await client.action({ Action: 'Ping' })).toMatchObject({ Ping: 'Pong' });
  });

  it('list() rejects when the reply does not start an event list', async () => {
    const { server, client } = await connectedHarness();
    answerPing(server);
    await expect(client.list({ Action: 'Ping' })).rejects.toMatchObject({
      code: 'protocol',
      message: 'AMI action Ping did not start an event list',
    });
  });

  it('refuses CR/LF injection and caller-supplied ActionIDs without writing anything', async () => {
    const { server, client } = await connectedHarness();
    const before = server.raw.length;
    const injected = client.action({ Action: 'Ping', Channel: 'x\r\nAction: Originate' });
    await expect(injected).rejects.toMatchObject({ code: 'invalid_message' });
    await expect(client.action({ Action: 'Ping\nAction: Originate' })).rejects.toThrow(/CR, LF or NUL/);
    await expect(client.list({ Action: 'Ping', 'Bad Key': 'v' })).rejects.toThrow(/not allowed/);
    await expect(client.action({ Action: 'Ping', ActionID: 'mine' })).rejects.toThrow(/ActionID is generated/);
    await expect(client.action({ Action: '' })).rejects.toMatchObject({ code: 'invalid_message' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.raw.length).toBe(before);
  });

  it('times out with a clear error and ignores the late reply', async () => {
    const { server, client } = await connectedHarness();
    const slow: Array<{ actionId: string; connection: FakeConnection }> = [];
    server.on('Slow', (request, connection) => void slow.push({ actionId: request.ActionID ?? '', connection }));
    answerPing(server);
    const started = Date.now();
    await expect(client.action({ Action: 'Slow' }, 100)).rejects.toThrow('AMI action Slow timed out after 100 ms');
    expect(Date.now() - started).toBeLessThan(1000);
    await expect(client.list({ Action: 'Slow' }, 50)).rejects.toMatchObject({ code: 'timeout' });

    const events = vi.fn();
    client.on('event', events);
    const [late] = slow;
    await late?.connection.send(wireMessage({ Response: 'Success', ActionID: late.actionId, Late: 'yes' }));
    expect(await client.action({ Action: 'Ping' })).toMatchObject({ Ping: 'Pong' });
    expect(events).not.toHaveBeenCalled();
  });

  it('emits unsolicited events, and survives a listener that throws', async () => {
    const { server, client, warn } = await connectedHarness({ chunkSize: 7 });
    const seen: AmiMessage[] = [];
    client.on('event', () => {
      throw new Error('listener bug');
    });
    client.on('event', (event) => {
      if (event.Event !== 'FullyBooted') seen.push(event);
    });
    await server.broadcast(wireMessage({ Event: 'DeviceStateChange', Privilege: 'call,all', Device: 'PJSIP/100', State: 'INUSE' }));
    await server.broadcast(wireMessage({ Event: 'PeerStatus', Privilege: 'system,all', Peer: 'PJSIP/101', PeerStatus: 'Reachable' }));
    await vi.waitFor(() => expect(seen.map((e) => e.Event)).toEqual(['DeviceStateChange', 'PeerStatus']));
    expect(seen[0]).toEqual({ Event: 'DeviceStateChange', Privilege: 'call,all', Device: 'PJSIP/100', State: 'INUSE' });
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ listener: 'event' }), 'AMI listener threw');
  });

  it('a dropped connection rejects pending actions and lists, then reconnects and logs in again', async () => {
    const { server, client } = await connectedHarness();
    hang(server);
    hang(server, 'HangList');
    const disconnected = nextEvent(client, 'disconnected');
    const single = client.action({ Action: 'Hang' }).catch((error: unknown) => error);
    const list = client.list({ Action: 'HangList' }).catch((error: unknown) => error);
    await server.waitFor(() => server.requests.some((r) => r.Action === 'HangList'));

    const reconnected = new Promise<void>((resolve) => client.once('disconnected', () => void nextEvent(client, 'connected').then(resolve)));
    server.dropAll();
    expect(await single).toMatchObject({ code: 'disconnected', message: 'AMI connection closed' });
    expect(await list).toMatchObject({ code: 'disconnected' });
    await disconnected;
    expect(client.connected()).toBe(false);

    await reconnected;
    expect(client.connected()).toBe(true);
    expect(server.successfulLogins).toBe(2);
    answerPing(server);
    expect(await client.action({ Action: 'Ping' })).toMatchObject({ Ping: 'Pong' });
  });

  it('backs off exponentially while the server keeps closing, then connects', async () => {
    const { server, client } = await harness({ refuseFirst: 4, reconnect: { minMs: 30, maxMs: 240 } });
    const connected = nextEvent(client, 'connected', 5000);
    client.start();
    await connected;
    expect(server.connectionCount).toBe(5);
    const gaps = server.connectionTimes.slice(1).map((t, i) => t - (server.connectionTimes[i] ?? 0));
    // Planned delays: 30, 60, 120, 240 ms.
    expect(gaps[0]).toBeGreaterThanOrEqual(25);
    expect(gaps[3]).toBeGreaterThanOrEqual(200);
    expect(gaps[3]).toBeGreaterThan((gaps[0] ?? 0) * 3);
  });

  it('stop() rejects pending actions, logs off, and does not reconnect', async () => {
    const { server, client } = await connectedHarness();
    hang(server);
    const pending = client.action({ Action: 'Hang' }).catch((error: unknown) => error);
    await server.waitFor(() => server.requests.some((r) => r.Action === 'Hang'));
    const onDisconnected = vi.fn();
    client.on('disconnected', onDisconnected);

    await client.stop();
    expect(await pending).toMatchObject({ code: 'stopped', message: 'AMI client stopped' });
    await server.waitFor(() => server.requests.some((r) => r.Action === 'Logoff'));
    expect(client.connected()).toBe(false);
    expect(onDisconnected).toHaveBeenCalledTimes(1);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(server.connectionCount).toBe(1);
    await expect(client.action({ Action: 'Ping' })).rejects.toMatchObject({ code: 'not_connected' });
  });
});
