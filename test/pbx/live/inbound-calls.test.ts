import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallStore, type InboundCall } from '../../../src/pbx/live/calls.js';
import { startAriStandin, type AriStandin } from '../../support/ari-standin/index.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { subscribe, until } from '../../support/subscriptions.js';

const PASSWORD = 'ari-test-pass';
const FIELDS = 'channelId channelName callerNumber callerName trunk did state channelState startedAt endedAt';

describe('the call store', () => {
  const channel = (id: string, name: string, state: string, channelvars?: Record<string, string>) => ({
    id,
    name,
    state,
    caller: { name: '', number: '+4917000000' },
    connected: { name: '', number: '' },
    creationtime: '2026-11-26T07:05:55.124+0000',
    ...(channelvars ? { channelvars } : {}),
  });

  it('counts only the trunk’s own leg, not the legs that inherit PBX_TRUNK', () => {
    const store = new CallStore();
    const changed: InboundCall[] = [];
    store.on('changed', (c: InboundCall) => changed.push(c));
    store.rebuild([
      channel('1.1', 'PJSIP/provider-00000001', 'Up', { PBX_TRUNK: 'provider', PBX_DID: '4930123456' }),
      channel('1.2', 'PJSIP/100-00000002', 'Up', { PBX_TRUNK: 'provider', PBX_DID: '4930123456' }),
      channel('1.3', 'Local/100@pbx-department-member-00000001;2', 'Up', { PBX_TRUNK: 'provider', PBX_DID: '4930123456' }),
      channel('1.4', 'PJSIP/101-00000003', 'Up', { PBX_TRUNK: '', PBX_DID: '' }),
    ]);
    expect(store.inboundCalls()).toEqual([
      {
        channelId: '1.1',
        channelName: 'PJSIP/provider-00000001',
        callerNumber: '+4917000000',
        callerName: '',
        trunk: 'provider',
        did: '4930123456',
        channelState: 'Up',
        startedAt: '2026-11-26T07:05:55.124Z',
        endedAt: null,
      },
    ]);
    expect(changed.map((c) => c.channelId)).toEqual(['1.1']);
  });

  it('takes the variables from ChannelVarset (named with the inheritance underscores) and ends with ChannelDestroyed', () => {
    const store = new CallStore();
    const changed: InboundCall[] = [];
    store.on('changed', (c: InboundCall) => changed.push(c));
    store.apply({ type: 'ChannelCreated', channel: channel('2.1', 'IAX2/far-pbx-7', 'Ring') });
    expect(store.inboundCalls()).toEqual([]);
    store.apply({ type: 'ChannelVarset', variable: '__PBX_TRUNK', value: 'far-pbx', channel: channel('2.1', 'IAX2/far-pbx-7', 'Ring') });
    store.apply({ type: 'ChannelVarset', variable: '__PBX_DID', value: '200', channel: channel('2.1', 'IAX2/far-pbx-7', 'Ring') });
    store.apply({ type: 'ChannelStateChange', channel: channel('2.1', 'IAX2/far-pbx-7', 'Up') });
    store.apply({ type: 'ChannelDestroyed', channel: channel('2.1', 'IAX2/far-pbx-7', 'Up') });
    expect(changed.map((c) => [c.did, c.channelState, c.endedAt !== null])).toEqual([
      ['', 'Ring', false],
      ['200', 'Ring', false],
      ['200', 'Up', false],
      ['200', 'Up', true],
    ]);
    expect(store.inboundCalls()).toEqual([]);
  });
});

describe('inbound calls in the live state (ARI stand-in)', () => {
  let standin: AriStandin;
  let server: TestServer;
  const calls = async () => (await server.gql(`{ inboundCalls { ${FIELDS} } }`, {}, server.adminToken)).data.inboundCalls as Record<string, unknown>[];
  const connected = () => until(() => server.running.services.live.asteriskConnected, 8000, 'ARI connected');

  beforeAll(async () => {
    // ari.conf as rendered: channelvars=PBX_TRUNK,PBX_DID.
    standin = await startAriStandin({ username: 'pbx', password: PASSWORD, endpoints: ['100', 'provider'], channelvars: ['PBX_TRUNK', 'PBX_DID'] });
    server = await startTestServer({ ARI_URL: standin.url, ARI_USERNAME: 'pbx', ARI_PASSWORD: PASSWORD, APPLY_DEBOUNCE_MS: '20' });
    await connected();
  });
  afterAll(async () => {
    await server?.stop();
    await standin?.stop();
  });

  it('shows a call from a trunk with its caller, trunk and DID, streams its changes, and keeps it over a reconnect', async () => {
    const sub = subscribe(server.graphqlUrl, server.adminToken, `subscription { inboundCallChanged { ${FIELDS} } }`);
    try {
      const channelId = standin.inboundCall({ trunk: 'provider', did: '4930123456', callerNumber: '+4917012345', callerName: 'Caller' });
      const ringing = await sub.waitFor((r) => r.data?.inboundCallChanged?.did === '4930123456');
      expect(ringing.data.inboundCallChanged).toMatchObject({ channelId, callerNumber: '+4917012345', callerName: 'Caller', trunk: 'provider', state: 'RINGING', endedAt: null });
      expect(Date.parse(ringing.data.inboundCallChanged.startedAt)).toBeGreaterThan(Date.now() - 60_000);
      standin.answerInbound(channelId);
      await sub.waitFor((r) => r.data?.inboundCallChanged?.state === 'ANSWERED');
      expect(await calls()).toEqual([expect.objectContaining({ channelId, trunk: 'provider', did: '4930123456', state: 'ANSWERED', channelState: 'Up' })]);

      // This server restarts during the call: the channel listing (its channelvars) alone brings it back.
      await server.restart();
      await connected();
      await until(async () => (await calls()).length === 1, 5000, 'the call rebuilt from the listing');
      expect(await calls()).toEqual([expect.objectContaining({ channelId, trunk: 'provider', did: '4930123456', state: 'ANSWERED' })]);
    } finally {
      await sub.close();
    }
    const sub2 = subscribe(server.graphqlUrl, server.adminToken, `subscription { inboundCallChanged { channelId state endedAt } }`);
    try {
      const current = await sub2.waitFor((r) => r.data?.inboundCallChanged);
      expect(current.data.inboundCallChanged.state).toBe('ANSWERED');
      standin.hangupInbound(current.data.inboundCallChanged.channelId);
      const ended = await sub2.waitFor((r) => r.data?.inboundCallChanged?.state === 'ENDED');
      expect(ended.data.inboundCallChanged.endedAt).not.toBeNull();
      expect(await calls()).toEqual([]);
    } finally {
      await sub2.close();
    }
  });

  it('a call between extensions is not an inbound call', async () => {
    standin.register('100', { ip: '192.0.2.10', port: 5072 });
    standin.addEndpoint('101');
    standin.register('101', { ip: '192.0.2.11', port: 5074 });
    const call = standin.ring('100', '101');
    await new Promise((r) => setTimeout(r, 100));
    expect(await calls()).toEqual([]);
    standin.hangup(call);
  });

  it('is for admins and operators only', async () => {
    expect((await server.gql(`{ inboundCalls { channelId } }`)).errors?.[0]?.message).toMatch(/Not authenticated/);
    await server.gql(`mutation { createAccount(input: { username: "op1", password: "Operator-pw1", role: OPERATOR }) { __typename } }`, {}, server.adminToken);
    const panel = await server.login('op1', 'Operator-pw1');
    expect((await server.gql(`{ inboundCalls { channelId } }`, {}, panel)).data.inboundCalls).toEqual([]);
  });
});
