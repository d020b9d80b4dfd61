import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveChannelVariables } from '../../src/pbx/live/calls.js';
import { FakeAmiServer } from '../pbx/ami/fake-ami-server.js';
import { startAriStandin, type AriStandin, type CallHandle } from '../support/ari-standin/index.js';
import { ERROR_FIELDS, ok, startTestServer, type TestServer } from '../support/server.js';
import { until } from '../support/subscriptions.js';
import { FakeCallAsterisk } from './fake-call-asterisk.js';

/**
 * Call control over GraphQL and HTTP (issue 10), against the ARI stand-in
 * (calls, originate into the dialplan, hang-ups) and a fake AMI that answers
 * the actions ARI has no way to do for calls outside Stasis (transfer, hold,
 * park, recording) as Asterisk 22's manager code does. The calls are read by
 * the live call tracker from the stand-in's events, as in production.
 */

const ERRORS = `__typename
  ... on Error { message }
  ... on ValidationError { issues { path message code } }
  ... on NotPermittedError { path }
  ... on ConflictError { path }
  ... on CallNotFoundError { callId }
  ... on CallLegNotFoundError { channelId }`;
const success = (field: string, fields: string) => `... on Mutation${field[0]!.toUpperCase()}${field.slice(1)}Success { data { ${fields} } }`;
const CLICK = `mutation($e: String!, $n: String!) { clickToCall(extension: $e, number: $n) { ${ERRORS} ${success('clickToCall', 'callId channelId')} } }`;
const HANGUP = `mutation($id: ID!) { hangupCall(callId: $id) { ${ERRORS} ${success('hangupCall', 'callId channelIds')} } }`;
const HANGUP_LEG = `mutation($ch: String!) { hangupCallLeg(channelId: $ch) { ${ERRORS} ${success('hangupCallLeg', 'callId channelIds')} } }`;
const TRANSFER = `mutation($id: ID!, $ch: String, $to: String!, $att: Boolean) { transferCall(callId: $id, channelId: $ch, to: $to, attended: $att) { ${ERRORS} ${success('transferCall', 'callId channelId otherChannelIds')} } }`;
const HOLD = `mutation($id: ID!, $ch: String) { holdCall(callId: $id, channelId: $ch) { ${ERRORS} ${success('holdCall', 'callId channelId otherChannelIds')} } }`;
const UNHOLD = `mutation($id: ID!) { unholdCall(callId: $id) { ${ERRORS} ${success('unholdCall', 'callId channelId otherChannelIds')} } }`;
const PARKED = 'slot callId channelId channelName callerNumber callerName parkerDialString durationSeconds timeoutSeconds';
const PARK = `mutation($id: ID!, $ch: String) { parkCall(callId: $id, channelId: $ch) { ${ERRORS} ${success('parkCall', PARKED)} } }`;
const PICKUP = `mutation($slot: String!, $e: String!) { pickUpParkedCall(slot: $slot, extension: $e) { ${ERRORS} ... on ParkedCallNotFoundError { slot } ${success('pickUpParkedCall', 'callId channelId slot')} } }`;
const RECORD = `mutation($id: ID!) { startCallRecording(callId: $id) { ${ERRORS} ${success('startCallRecording', 'callId channelId file')} } }`;
const STOP = `mutation($id: ID!) { stopCallRecording(callId: $id) { ${ERRORS} ${success('stopCallRecording', 'callId channelId file')} } }`;
const CALL = `query($id: ID!) { call(id: $id) { id state legs { channelId channelName extension state } } }`;

let standin: AriStandin;
let ami: FakeAmiServer;
let asterisk: FakeCallAsterisk;
let server: TestServer;
const token: Record<string, string> = {};

const gql = (query: string, variables: Record<string, unknown> = {}, as = server.adminToken) => server.gql(query, variables, as);
const callOf = async (id: string) =>
  (await gql(CALL, { id })).data?.call as { id: string; state: string; legs: { channelId: string; channelName: string; extension: string | null; state: string }[] } | null;

type AriChannelJson = { id: string; dialplan: { context: string }; caller: { number: string } };
const ariChannels = async () =>
  (await (await fetch(`${standin.url}/ari/channels`, { headers: { authorization: `Basic ${Buffer.from('pbx:ari-test-pass').toString('base64')}` } })).json()) as AriChannelJson[];

/** A call 100 → 101 (or as given) through the stand-in, answered, known to the tracker and to the fake AMI. */
async function answeredCall(from = '100', to = '101'): Promise<{ handle: CallHandle; id: string; caller: string; callee: string }> {
  const handle = standin.ring(from, to);
  standin.answer(handle);
  const id = handle.callerChannelId;
  await until(async () => (await callOf(id))?.legs.filter((l) => l.state === 'ANSWERED').length === 2, 5000, `call ${id} answered in the tracker`);
  const legs = (await callOf(id))!.legs;
  for (const leg of legs) asterisk.addChannel(leg.channelId, { name: leg.channelName, linkedid: id, callerNumber: leg.extension ?? '', callerName: `User ${leg.extension}` });
  return { handle, id, caller: handle.callerChannelId, callee: handle.calleeChannelId! };
}

beforeAll(async () => {
  standin = await startAriStandin({
    username: 'pbx',
    password: 'ari-test-pass',
    channelvars: [...liveChannelVariables],
    dialplanContext: 'pbx-permission-DialPlan1',
    dialplanContexts: ['pbx-click-to-call'],
    applicationContexts: { 'pbx-parked-calls': 'ParkedCall' },
  });
  ami = await FakeAmiServer.start({ username: 'pbx', secret: 'ami-test-pass' });
  asterisk = new FakeCallAsterisk(ami);
  server = await startTestServer({ ARI_URL: standin.url, ARI_PASSWORD: 'ari-test-pass', AMI_PORT: String(ami.port), AMI_PASSWORD: 'ami-test-pass', APPLY_DEBOUNCE_MS: '20' });
  ok(await gql(`mutation { createExtensions(input: { startNumber: "100", count: 3 }) { ${ERROR_FIELDS} ... on MutationCreateExtensionsSuccess { data { count } } } }`), 'createExtensions');
  for (const n of ['100', '101', '102']) {
    ok(await gql(`mutation { setExtensionLoginPassword(extension: "${n}", password: "Login-pass-${n}") { __typename ... on Error { message } } }`), 'setExtensionLoginPassword');
    token[n] = await server.login(n, `Login-pass-${n}`);
  }
  for (const [name, scopes] of [
    ['crm', 'CALLS_CONTROL'],
    ['wallboard', 'CALLS_READ'],
  ] as const) {
    const created = await gql(`mutation { createApiKey(name: "${name}", scopes: [${scopes}]) { ${ERROR_FIELDS} ... on MutationCreateApiKeySuccess { data { secret } } } }`);
    token[name] = ok<{ secret: string }>(created, 'createApiKey').secret;
  }
  await until(() => server.running.services.lease.held() && ami.successfulLogins > 0, 10_000, 'ARI and AMI connected');
  await until(async () => (await gql(`{ pbxConfiguration { asteriskConnected } }`)).data?.pbxConfiguration?.asteriskConnected === true, 10_000, 'ARI connected');
  // The extensions' endpoints exist in Asterisk once the server has pushed them.
  await until(() => ['100', '101', '102'].every((n) => standin.dynamicObject('res_pjsip', 'endpoint', n)), 10_000, 'the endpoints pushed');
  for (const [i, n] of ['100', '101', '102'].entries()) standin.register(n, { ip: '192.0.2.10', port: 5070 + i });
});
afterAll(async () => {
  await server.stop();
  await standin.stop();
  await ami.close();
});

describe('clickToCall', () => {
  it('rings the extension showing the number, then the number once it answers: one call, whose id the answer gave', async () => {
    const result = await gql(CLICK, { e: '100', n: '101' }, token['100']);
    const { callId, channelId } = ok<{ callId: string; channelId: string }>(result, 'clickToCall');
    expect(callId).toBe(channelId);
    const originated = standin.callByChannel(channelId)!;
    expect(originated.from).toBe('100');
    await until(async () => (await callOf(callId))?.legs[0]?.state === 'RINGING', 5000, 'extension 100 rings');
    standin.answer(originated);
    await until(async () => (await callOf(callId))?.legs.some((l) => l.extension === '101' && l.state === 'RINGING') ?? false, 5000, '101 rings in the same call');
    const call = (await callOf(callId))!;
    expect(call.legs.map((l) => [l.channelId === channelId, l.extension])).toEqual([
      [true, '100'],
      [false, '101'],
    ]);
    const channels = await ariChannels();
    const placed = channels.find((c) => c.id === channelId)!;
    // The phone of 100 was rung showing the number being called, in the click-to-call context.
    expect(placed.dialplan.context).toBe('pbx-click-to-call');
    expect(placed.caller.number).toBe('101');

    const hangup = ok<{ callId: string; channelIds: string[] }>(await gql(HANGUP, { id: callId }, token.crm), 'hangupCall');
    expect(hangup.callId).toBe(callId);
    expect(hangup.channelIds).toHaveLength(2);
    await until(async () => (await callOf(callId))?.state === 'ENDED', 5000, 'the call ended');
  });

  it('an extension user calls from its own extension only; an unknown extension is a validation error', async () => {
    const before = (await ariChannels()).length;
    const other = await gql(CLICK, { e: '101', n: '102' }, token['100']);
    expect(other.data.clickToCall).toMatchObject({ __typename: 'NotPermittedError', path: ['extension'] });
    const nowhere = await gql(CLICK, { e: '100', n: '555' });
    expect(nowhere.data.clickToCall).toMatchObject({ __typename: 'ValidationError', issues: [{ path: ['number'], code: 'UNREACHABLE' }] });
    const unknown = await gql(CLICK, { e: '555', n: '102' });
    expect(unknown.data.clickToCall).toMatchObject({ __typename: 'ValidationError', issues: [{ path: ['extension'], code: 'NOT_FOUND' }] });
    const key = await gql(CLICK, { e: '100', n: '102' }, token.wallboard);
    expect(key.data.clickToCall).toMatchObject({ __typename: 'NotPermittedError' });
    expect(await ariChannels()).toHaveLength(before);
  });
});

describe('rights and typed errors', () => {
  it("CallNotFoundError and CallLegNotFoundError name what is gone; an extension user cannot act on others' calls", async () => {
    expect((await gql(HANGUP, { id: '1234.5' })).data.hangupCall).toEqual({
      __typename: 'CallNotFoundError',
      message: 'Call 1234.5 is not in progress (it ended, or never existed)',
      callId: '1234.5',
    });
    expect((await gql(HANGUP_LEG, { ch: '1234.6' })).data.hangupCallLeg).toMatchObject({ __typename: 'CallLegNotFoundError', channelId: '1234.6' });
    const { id } = await answeredCall();
    expect((await gql(HANGUP, { id }, token['102'])).data.hangupCall).toMatchObject({ __typename: 'NotPermittedError' });
    expect((await gql(HANGUP, { id }, token.wallboard)).data.hangupCall).toMatchObject({ __typename: 'NotPermittedError' });
    expect((await gql(HANGUP_LEG, { ch: id }, token['101'])).data.hangupCallLeg).toMatchObject({ __typename: 'MutationHangupCallLegSuccess', data: { callId: id, channelIds: [id] } });
    await until(async () => (await callOf(id))?.state === 'ENDED', 5000, 'the call ended');
    const audit = await gql(`{ auditLog(first: 50) { edges { node { operation outcome } } } }`);
    const entries = (audit.data?.auditLog?.edges ?? []).map((e: { node: { operation: string; outcome: string } }) => `${e.node.operation}:${e.node.outcome}`);
    expect(entries).toEqual(expect.arrayContaining(['hangupCallLeg:OK', 'hangupCall:CallNotFoundError', 'hangupCall:NotPermittedError']));
  });
});

describe('transfer, hold, park and recording through AMI', () => {
  it("transfers the party on the other side of the asking extension, in that extension's dial permission", async () => {
    const { handle, id, caller, callee } = await answeredCall();
    const blind = ok(await gql(TRANSFER, { id, to: '102' }, token['101']), 'transferCall');
    expect(blind).toEqual({ callId: id, channelId: callee, otherChannelIds: [caller] });
    expect(asterisk.requests('BlindTransfer').at(-1)).toMatchObject({ Channel: callee, Exten: '102', Context: 'pbx-permission-DialPlan1' });
    const attended = await gql(TRANSFER, { id, ch: caller, to: '102', att: true });
    expect(ok(attended, 'transferCall')).toEqual({ callId: id, channelId: caller, otherChannelIds: [callee] });
    expect(asterisk.requests('Atxfer').at(-1)).toMatchObject({ Channel: caller, Exten: '102', Context: 'pbx-permission-DialPlan1' });
    // Two extensions talk: an account names the side that transfers.
    expect((await gql(TRANSFER, { id, to: '102' })).data.transferCall).toMatchObject({ __typename: 'ValidationError', issues: [{ path: ['channelId'], code: 'AMBIGUOUS' }] });
    standin.hangup(handle);
  });

  it('holds: both channels move (one Redirect), the held one to music; unhold of a call not held is refused', async () => {
    const { handle, id, caller, callee } = await answeredCall();
    expect(ok(await gql(HOLD, { id }, token['100']), 'holdCall')).toEqual({ callId: id, channelId: caller, otherChannelIds: [callee] });
    expect(asterisk.requests('Redirect').at(-1)).toMatchObject({
      Channel: callee,
      Context: 'pbx-call-held',
      Exten: 's',
      Priority: '1',
      ExtraChannel: caller,
      ExtraContext: 'pbx-call-holding',
    });
    expect(asterisk.variables.get(callee)?.get('PBX_HOLD_PEER')).toMatch(/^PJSIP\/100-/);
    // The stand-in does not model AMI's Redirect: the channels are still where they were, so nothing is held.
    expect((await gql(UNHOLD, { id }, token['100'])).data.unholdCall).toMatchObject({ __typename: 'ConflictError', message: `Call ${id} is not on hold by extension 100` });
    standin.hangup(handle);
  });

  it('parks the other party, answers with the slot, lists it, and rings an extension to take it back', async () => {
    const { handle, id, caller } = await answeredCall();
    const parked = ok(await gql(PARK, { id }, token['101']), 'parkCall');
    expect(parked).toMatchObject({ slot: '41', callId: id, channelId: caller, callerNumber: '100', parkerDialString: 'PJSIP/101', timeoutSeconds: 120 });
    expect(asterisk.requests('Park').at(-1)).toMatchObject({ Channel: caller, Parkinglot: 'default' });
    expect(asterisk.requests('Park').at(-1)!.TimeoutChannel).toMatch(/^PJSIP\/101-/);
    const list = await gql(`{ parkedCalls { ${PARKED} } }`, {}, token['102']);
    expect(list.errors).toBeUndefined();
    expect(list.data.parkedCalls).toEqual([parked]);
    expect((await gql(`{ parkedCalls { slot } }`, {}, token.wallboard)).data.parkedCalls).toEqual([{ slot: '41' }]);

    expect((await gql(PICKUP, { slot: '42', e: '102' }, token['102'])).data.pickUpParkedCall).toMatchObject({ __typename: 'ParkedCallNotFoundError', slot: '42' });
    expect((await gql(PICKUP, { slot: '41', e: '100' }, token['102'])).data.pickUpParkedCall).toMatchObject({ __typename: 'NotPermittedError' });
    const pickup = ok<{ callId: string; channelId: string; slot: string }>(await gql(PICKUP, { slot: '41', e: '102' }, token['102']), 'pickUpParkedCall');
    expect(pickup).toMatchObject({ callId: id, slot: '41' });
    const ringing = standin.callByChannel(pickup.channelId)!;
    expect(ringing).toMatchObject({ from: '102', to: '41' });
    standin.hangup(ringing);
    standin.hangup(handle);
  });

  it('records on demand into the file named for the call, and stops that recording', async () => {
    const { handle, id, callee } = await answeredCall();
    const started = ok<{ callId: string; channelId: string; file: string }>(await gql(RECORD, { id }, token['101']), 'startCallRecording');
    expect(started).toMatchObject({ callId: id, channelId: callee });
    expect(started.file).toMatch(new RegExp(`^ondemand-\\d{8}T\\d{6}-${id.replace('.', '\\.')}-${callee.replace('.', '\\.')}\\.wav$`));
    expect(asterisk.requests('MixMonitor').at(-1)).toMatchObject({ Channel: callee, File: started.file, Options: 'i(PBX_ONDEMAND_REC)' });
    expect((await gql(RECORD, { id }, token['101'])).data.startCallRecording).toMatchObject({ __typename: 'ConflictError' });
    expect(ok(await gql(STOP, { id }, token['100']), 'stopCallRecording')).toEqual(started);
    expect(asterisk.requests('StopMixMonitor').at(-1)).toMatchObject({ Channel: callee, MixMonitorID: expect.stringMatching(/^0x7f/) });
    expect((await gql(STOP, { id }, token['100'])).data.stopCallRecording).toMatchObject({ __typename: 'ConflictError', message: `Call ${id} is not being recorded on demand` });
    standin.hangup(handle);
  });
});

describe('without Asterisk', () => {
  it('answers AsteriskNotConnectedError', async () => {
    await standin.stop();
    await until(async () => (await gql(`{ pbxConfiguration { asteriskConnected } }`)).data?.pbxConfiguration?.asteriskConnected === false, 10_000, 'ARI disconnected');
    expect((await gql(CLICK, { e: '100', n: '101' })).data.clickToCall).toMatchObject({ __typename: 'AsteriskNotConnectedError' });
  });
});
