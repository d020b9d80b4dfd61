import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAriStandin, type AriStandin } from '../../support/ari-standin/index.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { subscribe, until } from '../../support/subscriptions.js';
import { FakeAmiServer, wireMessage } from '../ami/fake-ami-server.js';

/**
 * AMI fills in what ARI lacks: the user agent of a registered contact, and the
 * contacts themselves when the live state is rebuilt after a (re)connect.
 */
let standin: AriStandin;
let ami: FakeAmiServer;
let server: TestServer;
const UA = 'PJSUA/v2.17 Linux x86_64';

function contactList(actionId: string): string {
  return (
    wireMessage({ Response: 'Success', ActionID: actionId, EventList: 'start', Message: 'A listing of Contacts follows, presented as ContactList events' }) +
    wireMessage({
      Event: 'ContactList',
      ActionID: actionId,
      ObjectType: 'contact',
      ObjectName: '100;@2d5a7b',
      ViaAddr: '192.0.2.10',
      ViaPort: '5072',
      Uri: 'sip:100@192.0.2.10:5072;ob',
      UserAgent: UA,
      RoundtripUsec: '1085',
      Endpoint: '100',
      Status: 'Reachable',
    }) +
    wireMessage({ Event: 'ContactListComplete', ActionID: actionId, EventList: 'Complete', ListItems: '1' })
  );
}

beforeAll(async () => {
  standin = await startAriStandin({ username: 'pbx', password: 'ari-test-pass' });
  ami = await FakeAmiServer.start({ username: 'pbx', secret: 'ami-test-pass' });
  ami.on('PJSIPShowContacts', (request, connection) => connection.send(contactList(request.ActionID ?? '')));
  server = await startTestServer({ ARI_URL: standin.url, ARI_PASSWORD: 'ari-test-pass', AMI_PORT: String(ami.port), AMI_PASSWORD: 'ami-test-pass' });
  await server.gql(`mutation { createExtension(input: { number: "100", name: "Alice", password: "Secret-100" }) { __typename } }`, {}, server.adminToken);
  // The phone registers once the server has pushed its endpoint.
  await until(() => standin.dynamicObject('res_pjsip', 'endpoint', '100') !== undefined, 5000, 'endpoint 100 pushed');
  standin.register('100', { ip: '192.0.2.10', port: 5072, uri: 'sip:100@192.0.2.10:5072;ob', rttUsec: 1085 });
});
afterAll(async () => {
  await server.stop();
  await standin.stop();
  await ami.close();
});

describe('contacts from AMI', () => {
  it('the user agent of a registered contact comes from PJSIPShowContacts', async () => {
    await until(() => server.running.services.live.asteriskConnected, 5000, 'ARI');
    const sub = subscribe(server.graphqlUrl, server.adminToken, `subscription { extensionStatusChanged(numbers: ["100"]) { state contacts { ip port userAgent latencyMs } } }`);
    try {
      // A fresh registration: ARI tells of the contact, AMI is asked for its user agent.
      standin.unregister('100');
      standin.register('100', { ip: '192.0.2.10', port: 5072, uri: 'sip:100@192.0.2.10:5072;ob', rttUsec: 1085 });
      const seen = await sub.waitFor((r) => r.data?.extensionStatusChanged?.contacts?.[0]?.userAgent === UA, 5000);
      expect(seen.data.extensionStatusChanged).toEqual({ state: 'ONLINE', contacts: [{ ip: '192.0.2.10', port: 5072, userAgent: UA, latencyMs: 1.085 }] });
      expect(ami.requests.some((r) => r.Action === 'PJSIPShowContacts')).toBe(true);
    } finally {
      await sub.close();
    }
  });
});

describe('AMI back after ARI (Asterisk restarted)', () => {
  it('the contacts a rebuild could not read are read when AMI connects', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as AddressInfo;
        probe.close(() => resolve(free));
      });
    });
    const late = await startTestServer({ ARI_URL: standin.url, ARI_PASSWORD: 'ari-test-pass', AMI_PORT: String(port), AMI_PASSWORD: 'ami-test-pass' });
    let lateAmi: FakeAmiServer | undefined;
    try {
      await late.gql(`mutation { createExtension(input: { number: "100", name: "Alice", password: "Secret-100" }) { __typename } }`, {}, late.adminToken);
      await until(() => late.running.services.live.asteriskConnected, 5000, 'ARI');
      const sub = subscribe(late.graphqlUrl, late.adminToken, `subscription { extensionStatusChanged(numbers: ["100"]) { state contacts { ip userAgent } } }`);
      try {
        const first = await sub.waitFor((r) => !!r.data?.extensionStatusChanged, 5000);
        expect(first.data.extensionStatusChanged.contacts).toEqual([]);
        lateAmi = await FakeAmiServer.start({ username: 'pbx', secret: 'ami-test-pass', port });
        lateAmi.on('PJSIPShowContacts', (request, connection) => connection.send(contactList(request.ActionID ?? '')));
        const seen = await sub.waitFor((r) => r.data?.extensionStatusChanged?.contacts?.[0]?.userAgent === UA, 15_000);
        expect(seen.data.extensionStatusChanged.contacts).toEqual([{ ip: '192.0.2.10', userAgent: UA }]);
      } finally {
        await sub.close();
      }
    } finally {
      await late.stop();
      await lateAmi?.close();
    }
  }, 30_000);
});
