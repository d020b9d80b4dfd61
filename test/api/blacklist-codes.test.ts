import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAriStandin, type AriStandin, type StasisCallHandle } from '../support/ari-standin/index.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { until } from '../support/subscriptions.js';

/**
 * The blacklist feature codes (F-4.7.e) as the server sees them: the
 * dialplan hands the call to its ARI application with
 * Stasis(pbx,blacklist-add|blacklist-remove,<number>,<extension>) (see
 * test/pbx/render/blacklist.test.ts for that dialplan); the server stores or
 * removes the number, plays a beep or the error prompt and hangs up.
 */
let standin: AriStandin;
let server: TestServer;
const gql = (query: string, variables?: Record<string, unknown>) => server.gql(query, variables, server.adminToken);
const listed = async () => (await gql(`{ blacklist(first: 100) { edges { node { number createdBy } } } }`)).data.blacklist.edges.map((e: any) => e.node);

async function dial(args: string[]): Promise<StasisCallHandle> {
  const call = standin.enterStasis('100', '*75', 'pbx', args);
  await until(() => call.status === 'ended', 5000, 'the server hangs up the feature-code call');
  return call;
}

beforeAll(async () => {
  standin = await startAriStandin({ username: 'pbx', password: 'ari-test-pass', endpoints: ['100', '101'] });
  server = await startTestServer({ ARI_URL: standin.url, ARI_USERNAME: 'pbx', ARI_PASSWORD: 'ari-test-pass', APPLY_DEBOUNCE_MS: '50' });
  await until(() => server.running.services.live.asteriskConnected, 5000, 'ARI connected');
});
afterAll(async () => {
  await server?.stop();
  await standin?.stop();
});

describe('blacklist feature codes through ARI (F-4.7.e)', () => {
  it('*75 adds the number with createdBy = the extension, beeps and hangs up', async () => {
    const call = await dial(['blacklist-add', '5551234', '100']);
    expect(call.played).toEqual(['sound:beep']);
    expect(call.hangupCause).toBe(16);
    expect(await listed()).toContainEqual({ number: '5551234', createdBy: 'extension 100' });
  });

  it('adding a number listed already keeps its entry and still confirms', async () => {
    ok(await gql(`mutation { addBlacklistEntry(number: "+4930111") { __typename } }`));
    const call = await dial(['blacklist-add', '+4930111', '101']);
    expect(call.played).toEqual(['sound:beep']);
    expect((await listed()).filter((e: any) => e.number === '+4930111')).toEqual([{ number: '+4930111', createdBy: 'admin' }]);
  });

  it('*075 removes a listed number; removing one not listed says it failed', async () => {
    expect((await dial(['blacklist-remove', '5551234', '100'])).played).toEqual(['sound:beep']);
    expect((await listed()).map((e: any) => e.number)).not.toContain('5551234');
    expect((await dial(['blacklist-remove', '5551234', '100'])).played).toEqual(['sound:beeperr']);
  });

  it('a number that is no number, or no extension, is refused with the error prompt and stored nowhere', async () => {
    const before = await listed();
    for (const args of [
      ['blacklist-add', '', '100'],
      ['blacklist-add', '555)1', '100'],
      ['blacklist-add', '5551234', ''],
    ]) {
      expect((await dial(args)).played).toEqual(['sound:beeperr']);
    }
    expect(await listed()).toEqual(before);
  });

  it('leaves Stasis calls with other arguments alone', async () => {
    const call = standin.enterStasis('100', '700', 'pbx', ['something-else']);
    await new Promise((r) => setTimeout(r, 300));
    expect(call.status).toBe('in-stasis');
    expect(call.played).toEqual([]);
  });

  it('an application that is not connected: Stasis() fails at once and the dialplan goes on (STASISSTATUS=FAILED)', () => {
    const call = standin.enterStasis('100', '*75', 'not-our-app', ['blacklist-add', '5550000', '100']);
    expect(call.status).toBe('failed');
  });
});

function ok(result: any) {
  expect(result.errors).toBeUndefined();
  return result;
}
