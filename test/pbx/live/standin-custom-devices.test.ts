import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAriStandin, type AriStandin } from '../../support/ari-standin/index.js';

/** The stand-in's model of what office pause and inbound calls use, checked against Asterisk's behaviour. */
describe('ARI stand-in: custom device states and channelvars', () => {
  let standin: AriStandin;
  const auth = { authorization: `Basic ${Buffer.from('pbx:pw').toString('base64')}` };
  const rest = async (method: string, path: string) => {
    // A pooled keep-alive socket from before a restart is closed: the request is made once more.
    const send = () => fetch(`${standin.url}/ari${path}`, { method, headers: auth });
    const response = await send().catch(send);
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };

  beforeAll(async () => {
    standin = await startAriStandin({ username: 'pbx', password: 'pw', endpoints: ['provider'], channelvars: ['PBX_TRUNK', 'PBX_DID'] });
  });
  afterAll(() => standin.stop());

  it('PUT /deviceStates refuses a Custom: device (recorded 409); POST /asterisk/variable writes DEVICE_STATE() instead', async () => {
    expect(await rest('PUT', '/deviceStates/Custom:officepause?deviceState=INUSE')).toEqual({ status: 409, body: { message: 'Uncontrolled device specified' } });
    expect((await rest('GET', '/deviceStates/Custom:officepause')).body).toEqual({ name: 'Custom:officepause', state: 'UNKNOWN' });
    expect((await rest('POST', `/asterisk/variable?variable=${encodeURIComponent('DEVICE_STATE(Custom:officepause)')}&value=INUSE`)).status).toBe(204);
    expect((await rest('GET', '/deviceStates/Custom:officepause')).body).toEqual({ name: 'Custom:officepause', state: 'INUSE' });
    expect((await rest('POST', '/asterisk/variable')).status).toBe(400);
  });

  it('keeps custom device states over a restart (astdb)', async () => {
    await standin.restart();
    await standin.whenBooted();
    expect((await rest('GET', '/deviceStates/Custom:officepause')).body.state).toBe('INUSE');
  });

  it('a channel carries the channelvars ari.conf names, set or not', async () => {
    const id = standin.inboundCall({ trunk: 'provider', did: '200', callerNumber: '555' });
    const channel = (await rest('GET', `/channels/${id}`)).body;
    expect(channel.channelvars).toEqual({ PBX_TRUNK: 'provider', PBX_DID: '200' });
    expect(channel.name).toMatch(/^PJSIP\/provider-/);
    standin.hangupInbound(id);
    expect((await rest('GET', `/channels/${id}`)).status).toBe(404);
  });
});
