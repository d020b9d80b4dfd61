import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAriStandin, type AriStandin } from '../../support/ari-standin/index.js';
import { ok, startTestServer, type TestServer } from '../../support/server.js';
import { subscribe, until } from '../../support/subscriptions.js';

/** Office pause lives in Asterisk as Custom:officepause; the server sets it through ARI and follows it. */

const PASSWORD = 'ari-test-pass';
const SET = `mutation($active: Boolean!) { setOfficePause(active: $active) { __typename ... on MutationSetOfficePauseSuccess { data { active applied } } ... on Error { message } } }`;

let standin: AriStandin;
let server: TestServer;
const officePause = async () => (await server.gql(`{ officePause { active applied } }`, {}, server.adminToken)).data.officePause as { active: boolean; applied: boolean };
/** What Asterisk has: GET /ari/deviceStates/Custom:officepause. */
const inAsterisk = async () => {
  const response = await fetch(`${standin.url}/ari/deviceStates/Custom:officepause`, { headers: { authorization: `Basic ${Buffer.from(`pbx:${PASSWORD}`).toString('base64')}` } });
  return ((await response.json()) as { state: string }).state;
};
const connected = () => until(() => server.running.services.live.asteriskConnected, 8000, 'ARI connected');

beforeAll(async () => {
  standin = await startAriStandin({ username: 'pbx', password: PASSWORD });
  server = await startTestServer({ ARI_URL: standin.url, ARI_USERNAME: 'pbx', ARI_PASSWORD: PASSWORD, APPLY_DEBOUNCE_MS: '20' });
  await server.gql(`mutation { createExtension(input: { number: "100", name: "Reception", password: "Secret-100" }) { __typename } }`, {}, server.adminToken);
  ok(
    await server.gql(`mutation { setOfficePauseDestination(destination: { type: EXTENSION, target: "100" }) { __typename ... on Error { message } } }`, {}, server.adminToken),
    'setOfficePauseDestination',
  );
  await connected();
});
afterAll(async () => {
  await server?.stop();
  await standin?.stop();
});

describe('office pause in Asterisk (Custom:officepause)', () => {
  it('a new Asterisk (no state in its astdb) is given ours on connect', async () => {
    await until(async () => (await inAsterisk()) === 'NOT_INUSE', 5000, 'NOT_INUSE set on connect');
  });

  it('setOfficePause sets the device state through ARI at once', async () => {
    expect(ok(await server.gql(SET, { active: true }, server.adminToken), 'setOfficePause')).toEqual({ active: true, applied: true });
    expect(await inAsterisk()).toBe('INUSE');
  });

  it('a phone dialling *081 (the dialplan sets the device state) reaches the API and the subscription', async () => {
    const sub = subscribe(server.graphqlUrl, server.adminToken, `subscription { officePauseChanged { active applied } }`);
    try {
      await sub.waitFor((r) => r.data?.officePauseChanged?.active === true);
      standin.setCustomDeviceState('Custom:officepause', 'NOT_INUSE');
      await sub.waitFor((r) => r.data?.officePauseChanged?.active === false);
      expect(await officePause()).toEqual({ active: false, applied: true });
    } finally {
      await sub.close();
    }
  });

  it('a change made by a phone while this server was away wins when it comes back (Asterisk keeps the state)', async () => {
    // The phone changes it after this server has stopped and before it starts again.
    const running = server.running;
    const stop = running.stop.bind(running);
    running.stop = async () => {
      await stop();
      standin.setCustomDeviceState('Custom:officepause', 'INUSE');
    };
    await server.restart();
    await connected();
    await until(async () => (await officePause()).active, 5000, 'the phone-made state adopted');
    expect(await inAsterisk()).toBe('INUSE');
  });

  it('Asterisk restarting keeps the state (astdb), and the server agrees after reconnecting', async () => {
    await standin.restart();
    await connected();
    await new Promise((r) => setTimeout(r, 200));
    expect(await inAsterisk()).toBe('INUSE');
    expect(await officePause()).toEqual({ active: true, applied: true });
  });

  it('a change asked while Asterisk is away is kept (applied: false) and set on Asterisk when it connects', async () => {
    await standin.stop();
    await until(() => !server.running.services.live.asteriskConnected, 5000, 'ARI disconnected');
    expect(ok(await server.gql(SET, { active: false }, server.adminToken), 'setOfficePause')).toEqual({ active: false, applied: false });
    await standin.restart();
    await connected();
    await until(async () => (await officePause()).applied, 8000, 'the pending change applied');
    expect(await officePause()).toEqual({ active: false, applied: true });
    expect(await inAsterisk()).toBe('NOT_INUSE');
  });
});
