import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAriStandin, type AriStandin } from '../support/ari-standin/index.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { subscribe, until } from '../support/subscriptions.js';
import { FakeAmiServer, wireMessage } from '../pbx/ami/fake-ami-server.js';

/**
 * The live path: AMI security events, as Asterisk 22 sends them, reach the
 * server over its AMI connection; the wrong REGISTERs of one address ban it,
 * the ban is rendered into pjsip.conf and res_pjsip is reloaded; another
 * address is not touched; an unban restores the file.
 */
let standin: AriStandin;
let ami: FakeAmiServer;
let server: TestServer;

/** One failed REGISTER of 101 with a wrong password, as recorded (ChallengeSent, then ChallengeResponseFailed). */
function wrongRegister(address: string, port: number, n: number): string {
  const common = {
    Privilege: 'security,all',
    EventTV: '2026-11-26T07:06:42.309+0000',
    Service: 'PJSIP',
    EventVersion: '1',
    AccountID: '101',
    SessionID: `call-${n}`,
    LocalAddress: 'IPV4/UDP/127.0.0.1/5060',
    RemoteAddress: `IPV4/UDP/${address}/${port}`,
  };
  return (
    wireMessage({ Event: 'ChallengeSent', ...common, Severity: 'Informational', Challenge: '' }) +
    wireMessage({
      Event: 'ChallengeResponseFailed',
      ...common,
      Severity: 'Error',
      Challenge: `17956768${n}/7ffa7c2bdb99830e1de77f5aae94a5e6`,
      Response: '3198d201ae4697b479eb6081f21ebc01',
      ExpectedResponse: '',
    })
  );
}

const pjsipConf = () => readFileSync(join(server.running.config.asterisk.configDir, 'pjsip.conf'), 'utf8');

beforeAll(async () => {
  standin = await startAriStandin({ username: 'pbx', password: 'ari-test-pass' });
  ami = await FakeAmiServer.start({ username: 'pbx', secret: 'ami-test-pass' });
  ami.on('PJSIPShowContacts', (request, connection) =>
    connection.send(
      wireMessage({ Response: 'Success', ActionID: request.ActionID ?? '', EventList: 'start', Message: 'x' }) +
        wireMessage({ Event: 'ContactListComplete', ActionID: request.ActionID ?? '', EventList: 'Complete', ListItems: '0' }),
    ),
  );
  server = await startTestServer({ ARI_URL: standin.url, ARI_PASSWORD: 'ari-test-pass', AMI_PORT: String(ami.port), AMI_PASSWORD: 'ami-test-pass', APPLY_DEBOUNCE_MS: '20' });
  await server.gql(`mutation { createExtension(input: { number: "101", name: "Bob", password: "Secret-101" }) { __typename } }`, {}, server.adminToken);
  await until(() => server.running.services.live.asteriskConnected && ami.successfulLogins > 0, 5000, 'ARI and AMI');
  await until(() => standin.dynamicObject('res_pjsip', 'endpoint', '101') !== undefined, 5000, 'endpoint 101 pushed');
});
afterAll(async () => {
  await server.stop();
  await standin.stop();
  await ami.close();
});

describe('AMI security events → ban → pjsip.conf', () => {
  it('30 wrong REGISTERs from one address ban it (after the 11th), render the ACL and reload res_pjsip; another address is untouched', async () => {
    const sub = subscribe(server.graphqlUrl, server.adminToken, `subscription { ipBanChanged { change cause ban { address source reason } } }`);
    try {
      // graphql-ws has no acknowledgement of a subscription: give it a moment to be in place.
      await new Promise((r) => setTimeout(r, 300));
      const reloadsBefore = standin.reloads.filter((m) => m === 'res_pjsip.so').length;
      // Another address fails a few times, fewer than maxRetry (10).
      for (let n = 0; n < 5; n++) await ami.broadcast(wrongRegister('127.0.0.8', 5080, 100 + n));
      // Unreadable events on the same connection change nothing and break nothing.
      await ami.broadcast(wireMessage({ Event: 'ChallengeResponseFailed', Service: 'PJSIP', AccountID: '101', RemoteAddress: 'IPV4/UDP/not-an-ip/5060' }));
      await ami.broadcast(wireMessage({ Event: 'InvalidAccountID', Service: 'PJSIP' }));
      for (let n = 0; n < 30; n++) await ami.broadcast(wrongRegister('127.0.0.7', 5072, n));

      const banned = await sub.waitFor((r) => r.data?.ipBanChanged?.change === 'BANNED', 5000);
      expect(banned.data.ipBanChanged).toEqual({
        change: 'BANNED',
        cause: 'AUTOMATIC',
        ban: { address: '127.0.0.7', source: 'AUTOMATIC', reason: '11 failed SIP authentications within 600 s (last: wrong password for 101)' },
      });
      await until(() => pjsipConf().includes('[intrusion-bans]'), 5000, 'pjsip.conf with the ACL');
      expect(pjsipConf()).toContain('[intrusion-bans]\ntype=acl\ndeny=127.0.0.7/32\n');
      expect(pjsipConf()).not.toContain('127.0.0.8');
      await until(() => standin.reloads.filter((m) => m === 'res_pjsip.so').length > reloadsBefore, 5000, 'res_pjsip reloaded');

      // One ban, not one per failure past the threshold.
      await new Promise((r) => setTimeout(r, 200));
      expect(sub.results.filter((r) => r.data?.ipBanChanged?.change === 'BANNED')).toHaveLength(1);
      const rows = await server.running.services.db.prisma.ipBan.findMany();
      expect(rows.map((r) => r.address)).toEqual(['127.0.0.7']);

      // Unban: the ACL is gone from pjsip.conf and res_pjsip is reloaded again.
      const reloadsBanned = standin.reloads.filter((m) => m === 'res_pjsip.so').length;
      const unban = await server.gql(`mutation { unbanIp(address: "127.0.0.7") { __typename } }`, {}, server.adminToken);
      expect(unban.data.unbanIp.__typename).toBe('MutationUnbanIpSuccess');
      await until(() => !pjsipConf().includes('intrusion-bans'), 5000, 'pjsip.conf without the ACL');
      await until(() => standin.reloads.filter((m) => m === 'res_pjsip.so').length > reloadsBanned, 5000, 'res_pjsip reloaded after the unban');
      await sub.waitFor((r) => r.data?.ipBanChanged?.change === 'UNBANNED', 5000);
    } finally {
      await sub.close();
    }
  });
});
