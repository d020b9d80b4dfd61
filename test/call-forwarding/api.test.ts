import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAriStandin, type AriStandin } from '../support/ari-standin/index.js';
import { ERROR_FIELDS, ok, startTestServer, type TestServer } from '../support/server.js';
import { until } from '../support/subscriptions.js';
import { FakeAmiServer } from '../pbx/ami/fake-ami-server.js';
import { FakeAstdb } from '../pbx/ami/fake-astdb.js';

/**
 * Call forwarding through the API (F-4.5.1): the astdb keys CF, CFB and CFU
 * /<number> the phone's *71 / *72 / *73 set and *071 / *072 / *073 remove,
 * read and written through AMI.
 */
let standin: AriStandin;
let ami: FakeAmiServer;
let astdb: FakeAstdb;
let server: TestServer;
const ids = new Map<string, string>();

const SET = `mutation($id: ID!, $type: CallForwardType!, $number: String) { setExtensionCallForwarding(id: $id, type: $type, number: $number) {
  ${ERROR_FIELDS} ... on MutationSetExtensionCallForwardingSuccess { data { number callForwarding { always busy noAnswer } } } } }`;
const set = async (number: string, type: string, to: string | null, token = server.adminToken) =>
  (await server.gql(SET, { id: ids.get(number), type, number: to }, token)).data?.setExtensionCallForwarding;
const listed = async () => {
  const r = await server.gql(`{ extensions(first: 10) { edges { node { number callForwarding { always busy noAnswer } } } } }`, {}, server.adminToken);
  expect(r.errors).toBeUndefined();
  return Object.fromEntries((r.data.extensions.edges as { node: { number: string; callForwarding: unknown } }[]).map(({ node }) => [node.number, node.callForwarding]));
};
const off = { always: null, busy: null, noAnswer: null };

beforeAll(async () => {
  standin = await startAriStandin({ username: 'pbx', password: 'ari-test-pass' });
  ami = await FakeAmiServer.start({ username: 'pbx', secret: 'ami-test-pass' });
  astdb = new FakeAstdb(ami);
  server = await startTestServer({ ARI_URL: standin.url, ARI_PASSWORD: 'ari-test-pass', AMI_PORT: String(ami.port), AMI_PASSWORD: 'ami-test-pass' });
  for (const number of ['101', '102', '103']) {
    const created = ok<{ id: string }>(
      await server.gql(
        `mutation { createExtension(input: { number: "${number}", name: "E${number}", password: "Secret-${number}-x", webLogin: true }) { ${ERROR_FIELDS} ... on MutationCreateExtensionSuccess { data { id } } } }`,
        {},
        server.adminToken,
      ),
      'createExtension',
    );
    ids.set(number, created.id);
  }
  await until(() => ami.successfulLogins > 0, 5000, 'AMI logged in');
});
afterAll(async () => {
  await server.stop();
  await standin.stop();
  await ami.close().catch(() => undefined);
});

describe('callForwarding', () => {
  it("reads what the phones set: a page's extensions in one read of each family", async () => {
    astdb.set('CF', '101', '102');
    astdb.set('CFB', '102', '9555123');
    astdb.set('CFU', '102', '103');
    const reads = () => ami.requests.filter((r) => r.Action === 'DBGetTree' && ['CF', 'CFB', 'CFU'].includes(r.Family!)).length;
    const before = reads();
    expect(await listed()).toEqual({ '101': { ...off, always: '102' }, '102': { ...off, busy: '9555123', noAnswer: '103' }, '103': off });
    expect(reads() - before).toBe(3);
  });

  it('setExtensionCallForwarding sets and removes the key of each kind the dialplan reads', async () => {
    expect(await set('103', 'ALWAYS', '+4930123')).toMatchObject({ __typename: 'MutationSetExtensionCallForwardingSuccess', data: { number: '103', callForwarding: { ...off, always: '+4930123' } } });
    expect(astdb.get('CF', '103')).toBe('+4930123');
    expect(await set('103', 'BUSY', '101')).toMatchObject({ data: { callForwarding: { always: '+4930123', busy: '101', noAnswer: null } } });
    expect(await set('103', 'NO_ANSWER', '102')).toMatchObject({ data: { callForwarding: { always: '+4930123', busy: '101', noAnswer: '102' } } });
    expect([astdb.get('CFB', '103'), astdb.get('CFU', '103')]).toEqual(['101', '102']);
    expect(await set('103', 'ALWAYS', null)).toMatchObject({ data: { callForwarding: { always: null, busy: '101', noAnswer: '102' } } });
    expect(astdb.get('CF', '103')).toBeUndefined();
    // Off twice is fine.
    expect(await set('103', 'ALWAYS', null)).toMatchObject({ data: { callForwarding: { always: null } } });
  });

  it('a number the dialplan could not dial, or the extension itself, is a ValidationError naming number; nothing is written', async () => {
    for (const bad of ['', '12a', '*74', '1;2', '1'.repeat(33), '101']) {
      const refused = await set('101', 'BUSY', bad);
      expect(refused.__typename, bad).toBe('ValidationError');
      expect(
        refused.issues.map((f: { path: string[] }) => f.path.join('.')),
        bad,
      ).toEqual(['number']);
    }
    expect(astdb.get('CFB', '101')).toBeUndefined();
  });

  it('an extension user forwards its own calls, not another extension’s', async () => {
    const password = 'Login-pass-101';
    await server.gql(`mutation { setExtensionLoginPassword(extension: "101", password: "${password}") { __typename } }`, {}, server.adminToken);
    const login = await server.gql(`mutation { login(username: "101", password: "${password}") { ... on MutationLoginSuccess { data { accessToken } } } }`);
    const token = login.data.login.data.accessToken as string;
    expect(await set('101', 'NO_ANSWER', '103', token)).toMatchObject({ data: { number: '101', callForwarding: { noAnswer: '103' } } });
    const other = await set('102', 'ALWAYS', '101', token);
    expect(other.__typename).toBe('NotPermittedError');
    expect(astdb.get('CF', '102')).toBeUndefined();
  });

  it("a renumbered extension's forwards move with it; a deleted one's go", async () => {
    const renumbered = await server.gql(`mutation($id: ID!) { updateExtension(id: $id, input: { number: "104" }) { __typename } }`, { id: ids.get('103') }, server.adminToken);
    expect(renumbered.data.updateExtension.__typename).toBe('MutationUpdateExtensionSuccess');
    await until(() => astdb.get('CFB', '104') === '101' && astdb.get('CFB', '103') === undefined, 5000, 'the forward of 103 moved to 104');
    expect(astdb.get('CFU', '104')).toBe('102');
    await server.gql(`mutation($ids: [ID!]!) { deleteExtensions(ids: $ids) { __typename } }`, { ids: [ids.get('103')] }, server.adminToken);
    await until(() => astdb.get('CFB', '104') === undefined && astdb.get('CFU', '104') === undefined, 5000, 'the forwards of 104 removed');
  });

  it('without AMI: read as null, and a change is refused with AsteriskNotConnectedError', async () => {
    await ami.close();
    await until(async () => (await listed())['101'] === null, 10_000, 'forwarding read as unknown');
    const refused = await set('102', 'ALWAYS', '101');
    expect(refused.__typename).toBe('AsteriskNotConnectedError');
    expect(refused.message).toMatch(/call forwarding was not changed/);
  });
});
