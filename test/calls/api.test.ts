import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ASTERISK_GONE } from '../../src/calls/live/tracker.js';
import { liveChannelVariables } from '../../src/pbx/live/calls.js';
import { startAriStandin, type AriStandin, type CallHandle } from '../support/ari-standin/index.js';
import { ERROR_FIELDS, ok, startTestServer, type TestServer } from '../support/server.js';
import { subscribe, until } from '../support/subscriptions.js';

/**
 * calls, call(id) and callEvents over real HTTP and WebSocket, fed by the ARI
 * stand-in (whose channels carry the channelvars ari.conf names, the linkedid among them).
 */
const PASSWORD = 'ari-calls-pass';
const CALL = `id state direction version caller { number name extension } callee { number name extension } did trunk extensions departments queues transferred
  startedAt answeredAt endedAt hangupCause hangupCauseText legs { channelId channelName extension endpoint { kind name } state callerNumber callerName hangupCause hangupCauseText }`;
const EVENTS = `subscription($f: CallFilter) { callEvents(filter: $f) { kind at call { ${CALL} } } }`;

type Feed = ReturnType<typeof subscribe>;
const eventOf = (r: any) => r.data?.callEvents as { kind: string; at: string; call: any } | undefined;
const ringingAt = (extension: string) => (r: any) => eventOf(r)?.kind === 'RINGING' && eventOf(r)!.call.legs.some((l: any) => l.extension === extension && l.state === 'RINGING');

describe('live calls through the API', () => {
  let standin: AriStandin;
  let server: TestServer;
  const gql = async (query: string, variables: Record<string, unknown> = {}, token = server.adminToken) => server.gql(query, variables, token);
  const calls = async (filter?: Record<string, unknown>, token?: string) =>
    (await gql(`query($f: CallFilter) { calls(filter: $f) { id state } }`, { f: filter }, token)).data.calls as { id: string; state: string }[];
  const feeds: Feed[] = [];
  const watch = async (token: string, filter?: Record<string, unknown>) => {
    const feed = subscribe(server.graphqlUrl, token, EVENTS, { f: filter });
    feeds.push(feed);
    // The subscription is set up once its first message (or error) could have come.
    await new Promise((r) => setTimeout(r, 150));
    return feed;
  };
  const closeFeeds = () => Promise.all(feeds.splice(0).map((f) => f.close()));
  /** Hangs up what is still ringing or up, so each test starts with no call. */
  const live: CallHandle[] = [];
  const endAll = async () => {
    for (const call of live.splice(0)) if (call.phase !== 'ended') standin.hangup(call);
    await until(async () => (await calls()).length === 0, 3000, 'no call in progress');
  };

  beforeAll(async () => {
    standin = await startAriStandin({
      username: 'pbx',
      password: PASSWORD,
      // The extensions' endpoints are pushed by the server; the trunk's is configured in Asterisk.
      endpoints: ['provider'],
      // ari.conf as rendered.
      channelvars: [...liveChannelVariables],
    });
    server = await startTestServer({ ARI_URL: standin.url, ARI_USERNAME: 'pbx', ARI_PASSWORD: PASSWORD, APPLY_DEBOUNCE_MS: '20' });
    for (const [number, name] of [
      ['100', 'Alice'],
      ['101', 'Bob'],
      ['102', 'Carol'],
    ]) {
      ok(
        await gql(`mutation($i: CreateExtensionInput!) { createExtension(input: $i) { ${ERROR_FIELDS} ... on MutationCreateExtensionSuccess { data { id } } } }`, {
          i: { number, name, password: `Secret-${number}x` },
        }),
        'createExtension',
      );
    }
    ok(await gql(`mutation { setExtensionLoginPassword(extension: "102", password: "Login-102x") { ${ERROR_FIELDS} } }`), 'setExtensionLoginPassword');
    await until(() => server.running.services.live.asteriskConnected, 8000, 'ARI connected');
    await until(() => ['100', '101', '102'].every((n) => standin.dynamicObject('res_pjsip', 'endpoint', n)), 8000, 'the endpoints pushed');
    standin.register('100', { ip: '192.0.2.10', port: 5070 });
    standin.register('101', { ip: '192.0.2.11', port: 5072 });
    standin.register('102', { ip: '192.0.2.12', port: 5074 });
  });
  afterAll(async () => {
    await closeFeeds();
    await server?.stop();
    await standin?.stop();
  });

  it('screen-pop: a subscriber of 101 gets the caller (number, name) and the DID when 101 rings, then ANSWERED, then ENDED with the cause', async () => {
    const feed = await watch(server.adminToken, { extensions: ['101'] });
    try {
      const call = standin.ringInbound({ trunk: 'provider', did: '4930123456', callerNumber: '+4917012345', callerName: 'Erika Muster', to: '101' });
      live.push(call);
      const ringing = eventOf(await feed.waitFor(ringingAt('101')))!;
      expect(ringing.call).toMatchObject({
        id: call.callerChannelId,
        state: 'RINGING',
        direction: 'INBOUND',
        did: '4930123456',
        trunk: 'provider',
        caller: { number: '+4917012345', name: 'Erika Muster', extension: null },
        extensions: ['101'],
      });
      expect(ringing.call.legs.map((l: any) => [l.endpoint.kind, l.state])).toEqual([
        ['TRUNK', 'DIALING'],
        ['EXTENSION', 'RINGING'],
      ]);
      expect(Date.parse(ringing.at)).toBeGreaterThan(Date.now() - 60_000);

      standin.answer(call);
      const answered = eventOf(await feed.waitFor((r) => eventOf(r)?.kind === 'ANSWERED'))!;
      expect(answered.call).toMatchObject({ state: 'ANSWERED', callee: { number: '101', name: 'Bob', extension: '101' } });
      expect(answered.call.version).toBeGreaterThan(ringing.call.version);
      expect(await calls()).toEqual([{ id: call.callerChannelId, state: 'ANSWERED' }]);

      standin.hangup(call, { by: 'caller' });
      const ended = eventOf(await feed.waitFor((r) => eventOf(r)?.kind === 'ENDED'))!;
      expect(ended.call).toMatchObject({ state: 'ENDED', hangupCause: 16, hangupCauseText: 'Normal Clearing' });
      expect(ended.call.endedAt).not.toBeNull();
      // Ended: not in progress, still readable by its id.
      expect(await calls()).toEqual([]);
      expect((await gql(`query($id: ID!) { call(id: $id) { id state hangupCauseText } }`, { id: call.callerChannelId })).data.call).toEqual({
        id: call.callerChannelId,
        state: 'ENDED',
        hangupCauseText: 'Normal Clearing',
      });
      expect((await gql(`{ call(id: "no-such-call") { id } }`)).data.call).toBeNull();
    } finally {
      await closeFeeds();
      await endAll();
    }
  });

  it('calls and callEvents filter by extension and direction; a subscription starts with the calls in progress (CURRENT)', async () => {
    const internal = standin.ring('100', '101');
    live.push(internal);
    await until(async () => (await calls()).length === 1, 3000, 'the call listed');
    expect(await calls({ extensions: ['102'] })).toEqual([]);
    expect(await calls({ directions: ['INBOUND', 'OUTBOUND'] })).toEqual([]);
    expect(await calls({ extensions: ['102', '100'], directions: ['INTERNAL'] })).toEqual([{ id: internal.callerChannelId, state: 'RINGING' }]);

    const everything = await watch(server.adminToken);
    const inboundOnly = await watch(server.adminToken, { directions: ['INBOUND'] });
    const of102 = await watch(server.adminToken, { extensions: ['102'] });
    try {
      const current = eventOf(await everything.waitFor((r) => !!eventOf(r)))!;
      expect(current).toMatchObject({ kind: 'CURRENT', call: { id: internal.callerChannelId, state: 'RINGING', caller: { number: '100', name: 'Alice' } } });

      const inbound = standin.ringInbound({ trunk: 'provider', did: '4930999', callerNumber: '+4930111', to: '102' });
      live.push(inbound);
      const popped = eventOf(await of102.waitFor(ringingAt('102')))!;
      expect(popped.call).toMatchObject({ id: inbound.callerChannelId, did: '4930999', caller: { number: '+4930111' } });
      await inboundOnly.waitFor(ringingAt('102'));
      await everything.waitFor(ringingAt('102'));
      standin.hangup(internal);
      await everything.waitFor((r) => eventOf(r)?.kind === 'ENDED' && eventOf(r)!.call.id === internal.callerChannelId);
      // The filtered feeds never saw the internal call.
      for (const feed of [inboundOnly, of102]) expect(feed.results.map((r) => eventOf(r)?.call.id)).not.toContain(internal.callerChannelId);
      expect(everything.errors).toEqual([]);
    } finally {
      await closeFeeds();
      await endAll();
    }
  });

  it('an extension user sees only the calls it takes part in, and may not ask for other extensions', async () => {
    const token = await server.login('102', 'Login-102x');
    const others = standin.ring('100', '101');
    const own = standin.ring('100', '102');
    live.push(others, own);
    await until(async () => (await calls()).length === 2, 3000, 'both calls');
    expect(await calls(undefined, token)).toEqual([{ id: own.callerChannelId, state: 'RINGING' }]);
    expect((await gql(`query($id: ID!) { call(id: $id) { id } }`, { id: others.callerChannelId }, token)).data.call).toBeNull();
    expect((await gql(`query($id: ID!) { call(id: $id) { id } }`, { id: own.callerChannelId }, token)).data.call).toEqual({ id: own.callerChannelId });
    const refused = await gql(`{ calls(filter: { extensions: ["101"] }) { id } }`, {}, token);
    expect(refused.errors?.[0]?.message).toMatch(/only the calls it takes part in/);

    const feed = await watch(token);
    const forbidden = await watch(token, { extensions: ['101'] });
    try {
      await feed.waitFor((r) => eventOf(r)?.kind === 'CURRENT');
      standin.hangup(others);
      standin.hangup(own);
      await feed.waitFor((r) => eventOf(r)?.kind === 'ENDED');
      expect(new Set(feed.results.map((r) => eventOf(r)?.call.id))).toEqual(new Set([own.callerChannelId]));
      await until(() => forbidden.results.length > 0 || forbidden.errors.length > 0, 3000, 'the refusal');
      expect(JSON.stringify([...forbidden.results, ...forbidden.errors])).toMatch(/only the calls it takes part in/);
    } finally {
      await closeFeeds();
      await endAll();
    }
  });

  it('accounts and API keys need calls:read', async () => {
    expect((await gql(`{ calls { id } }`, {}, '')).errors?.[0]?.message).toMatch(/Not authenticated/);
    const key = async (scopes: string) =>
      ok<{ secret: string }>(
        await gql(`mutation { createApiKey(name: "k-${scopes}", scopes: [${scopes}]) { ${ERROR_FIELDS} ... on MutationCreateApiKeySuccess { data { secret } } } }`),
        'createApiKey',
      ).secret;
    const reader = await key('CALLS_READ');
    const other = await key('EXTENSIONS_READ');
    expect((await gql(`{ calls { id } }`, {}, reader)).data.calls).toEqual([]);
    expect((await gql(`{ calls { id } }`, {}, other)).errors?.[0]?.message).toMatch(/calls:read/);
    ok(await gql(`mutation { createAccount(input: { username: "billing1", password: "Billing-pw1", role: BILLING }) { ${ERROR_FIELDS} } }`), 'createAccount');
    const billing = await server.login('billing1', 'Billing-pw1');
    expect((await gql(`{ call(id: "x") { id } }`, {}, billing)).errors?.[0]?.message).toMatch(/calls:read/);
    const feed = await watch(other);
    await until(() => feed.results.length > 0 || feed.errors.length > 0, 3000, 'the refusal');
    expect(JSON.stringify([...feed.results, ...feed.errors])).toMatch(/calls:read/);
    await closeFeeds();
  });

  it('rebuilt from the channel listing when this server restarts during a call; reported ENDED, saying why, when Asterisk goes away', async () => {
    const call = standin.ring('100', '101');
    live.push(call);
    standin.answer(call);
    await until(async () => (await calls())[0]?.state === 'ANSWERED', 3000, 'answered');
    await server.restart();
    await until(() => server.running.services.live.asteriskConnected, 8000, 'ARI connected again');
    // GET /channels alone brings it back: both channels carry the caller's linkedid.
    await until(async () => (await calls()).length === 1, 5000, 'the call rebuilt');
    const rebuilt = (await gql(`{ calls { ${CALL} } }`)).data.calls[0];
    expect(rebuilt).toMatchObject({ id: call.callerChannelId, state: 'ANSWERED', caller: { number: '100', name: 'Alice' }, callee: { number: '101', name: 'Bob' }, extensions: ['100', '101'] });
    expect(rebuilt.legs.map((l: any) => l.channelId)).toEqual([call.callerChannelId, call.calleeChannelId]);

    const feed = await watch(server.adminToken);
    try {
      await feed.waitFor((r) => eventOf(r)?.kind === 'CURRENT');
      await standin.restart();
      const ended = eventOf(await feed.waitFor((r) => eventOf(r)?.kind === 'ENDED', 8000))!;
      expect(ended.call).toMatchObject({ id: call.callerChannelId, state: 'ENDED', hangupCause: null, hangupCauseText: ASTERISK_GONE });
      await until(() => server.running.services.live.asteriskConnected, 8000, 'ARI back');
      expect(await calls()).toEqual([]);
    } finally {
      live.length = 0;
      await closeFeeds();
    }
    standin.register('100', { ip: '192.0.2.10', port: 5070 });
    standin.register('101', { ip: '192.0.2.11', port: 5072 });
    standin.register('102', { ip: '192.0.2.12', port: 5074 });
  });
});
