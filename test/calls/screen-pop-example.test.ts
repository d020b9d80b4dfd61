import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain JavaScript example script
import { screenPop } from '../../examples/screen-pop.mjs';
import { liveChannelVariables } from '../../src/pbx/live/calls.js';
import { startAriStandin, type AriStandin } from '../support/ari-standin/index.js';
import { ERROR_FIELDS, ok, startTestServer, type TestServer } from '../support/server.js';
import { until } from '../support/subscriptions.js';

const PASSWORD = 'ari-screen-pop';

describe('examples/screen-pop.mjs', () => {
  let standin: AriStandin;
  let server: TestServer;

  beforeAll(async () => {
    standin = await startAriStandin({
      username: 'pbx',
      password: PASSWORD,
      // The extensions' endpoints are pushed by the server; the trunk's is configured in Asterisk.
      endpoints: ['provider'],
      channelvars: [...liveChannelVariables],
    });
    server = await startTestServer({ ARI_URL: standin.url, ARI_USERNAME: 'pbx', ARI_PASSWORD: PASSWORD });
    for (const [number, name] of [
      ['100', 'Alice'],
      ['101', 'Bob'],
      ['102', 'User 102'],
    ]) {
      ok(
        await server.gql(`mutation { createExtension(input: { number: "${number}", name: "${name}", password: "Secret-${number}x" }) { ${ERROR_FIELDS} } }`, {}, server.adminToken),
        'createExtension',
      );
    }
    ok(await server.gql(`mutation { setExtensionLoginPassword(extension: "101", password: "Login-101x") { ${ERROR_FIELDS} } }`, {}, server.adminToken), 'setExtensionLoginPassword');
    await until(() => server.running.services.live.asteriskConnected, 8000, 'ARI connected');
    await until(() => ['100', '101', '102'].every((n) => standin.dynamicObject('res_pjsip', 'endpoint', n)), 8000, 'the endpoints pushed');
    for (const [n, port] of [
      ['100', 5070],
      ['101', 5072],
      ['102', 5074],
    ] as const) {
      standin.register(n, { ip: '192.0.2.1', port });
    }
  });
  afterAll(async () => {
    await server?.stop();
    await standin?.stop();
  });

  it('logged in as extension 101, prints the caller and the DID of each call that rings 101, once, and nothing of other calls', async () => {
    // A call already ringing 101 when the script starts pops too.
    const early = standin.ringInbound({ trunk: 'provider', did: '4930123456', callerNumber: '+4917012345', callerName: 'Erika Muster', to: '101' });
    await until(async () => (await server.gql(`{ calls { id } }`, {}, server.adminToken)).data.calls.length === 1, 3000, 'the first call');
    const lines: string[] = [];
    const pops: any[] = [];
    const session = await screenPop({ url: server.graphqlUrl, extension: '101', username: '101', password: 'Login-101x', log: (...a: unknown[]) => lines.push(a.join(' ')) });
    const printing = await screenPop({ url: server.graphqlUrl, extension: '101', username: '101', password: 'Login-101x', onPop: (p: unknown) => pops.push(p), log: () => undefined });
    try {
      await until(() => lines.some((l) => l.includes('+4917012345')) && pops.length === 1, 3000, 'the first pop of both');
      expect(lines).toContain(`101 rings: +4917012345 "Erika Muster" on 4930123456 (trunk provider)  [call ${early.callerChannelId}]`);
      standin.answer(early);
      standin.hangup(early);

      const other = standin.ring('100', '102');
      const internal = standin.ring('100', '101');
      await until(() => pops.length === 2, 3000, 'the second pop');
      expect(pops).toEqual([
        { extension: '101', callId: early.callerChannelId, number: '+4917012345', name: 'Erika Muster', did: '4930123456', trunk: 'provider', direction: 'INBOUND' },
        { extension: '101', callId: internal.callerChannelId, number: '100', name: 'Alice', did: null, trunk: null, direction: 'INTERNAL' },
      ]);
      standin.answer(internal);
      standin.hangup(internal);
      standin.hangup(other);
      await new Promise((r) => setTimeout(r, 200));
      expect(pops).toHaveLength(2);
      expect(lines.filter((l) => l.includes('rings'))).toHaveLength(2);
      expect(lines.some((l) => /error/i.test(l))).toBe(false);
    } finally {
      await session.stop();
      await printing.stop();
    }
  });

  it('takes an API key instead of a login, and says so when the key may not read calls', async () => {
    const key = async (scope: string) =>
      ok<{ secret: string }>(
        await server.gql(`mutation { createApiKey(name: "pop-${scope}", scopes: [${scope}]) { ${ERROR_FIELDS} ... on MutationCreateApiKeySuccess { data { secret } } } }`, {}, server.adminToken),
        'createApiKey',
      ).secret;
    const pops: any[] = [];
    const session = await screenPop({ url: server.graphqlUrl, extension: '102', token: await key('CALLS_READ'), onPop: (p: unknown) => pops.push(p), log: () => undefined });
    const lines: string[] = [];
    const refused = await screenPop({ url: server.graphqlUrl, extension: '102', token: await key('EXTENSIONS_READ'), log: (...a: unknown[]) => lines.push(a.join(' ')) });
    try {
      const call = standin.ring('101', '102');
      await until(() => pops.length === 1, 3000, 'the pop');
      expect(pops[0]).toMatchObject({ extension: '102', number: '101', name: 'Bob' });
      standin.hangup(call);
      await until(() => lines.some((l) => /calls:read/.test(l)), 3000, 'the refusal');
    } finally {
      await session.stop();
      await refused.stop();
    }
  });
});
