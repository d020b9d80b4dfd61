import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAriStandin, type AriStandin } from '../support/ari-standin/index.js';
import { ERROR_FIELDS, ok, startTestServer, type TestServer } from '../support/server.js';
import { until } from '../support/subscriptions.js';
import { FakeAmiServer } from '../pbx/ami/fake-ami-server.js';
import { FakeAstdb } from '../pbx/ami/fake-astdb.js';

/**
 * Do not disturb through the API (F-4.7.k): the same astdb key DND/<number>
 * the phone's *74 / *074 set and remove, read and written through AMI.
 */
let standin: AriStandin;
let ami: FakeAmiServer;
let astdb: FakeAstdb;
let server: TestServer;
const ids = new Map<string, string>();

const SET = `mutation($id: ID!, $on: Boolean!) { setExtensionDoNotDisturb(id: $id, enabled: $on) {
  ${ERROR_FIELDS} ... on MutationSetExtensionDoNotDisturbSuccess { data { number doNotDisturb } } } }`;
const set = async (number: string, on: boolean, token = server.adminToken) => (await server.gql(SET, { id: ids.get(number), on }, token)).data?.setExtensionDoNotDisturb;
const listed = async () => {
  const r = await server.gql(`{ extensions(first: 10) { edges { node { number doNotDisturb } } } }`, {}, server.adminToken);
  expect(r.errors).toBeUndefined();
  return Object.fromEntries((r.data.extensions.edges as { node: { number: string; doNotDisturb: boolean | null } }[]).map(({ node }) => [node.number, node.doNotDisturb]));
};

beforeAll(async () => {
  standin = await startAriStandin({ username: 'pbx', password: 'ari-test-pass' });
  ami = await FakeAmiServer.start({ username: 'pbx', secret: 'ami-test-pass' });
  astdb = new FakeAstdb(ami);
  server = await startTestServer({ ARI_URL: standin.url, ARI_PASSWORD: 'ari-test-pass', AMI_PORT: String(ami.port), AMI_PASSWORD: 'ami-test-pass' });
  for (const number of ['101', '102']) {
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

describe('doNotDisturb', () => {
  it("reads what the phones set: a page's extensions in one astdb read", async () => {
    astdb.set('DND', '101', '1');
    const reads = () => ami.requests.filter((r) => r.Action === 'DBGetTree' && r.Family === 'DND').length;
    const before = reads();
    expect(await listed()).toEqual({ '101': true, '102': false });
    expect(reads() - before).toBe(1);
  });

  it('setExtensionDoNotDisturb sets and removes the key the dialplan reads', async () => {
    expect(await set('102', true)).toMatchObject({ __typename: 'MutationSetExtensionDoNotDisturbSuccess', data: { number: '102', doNotDisturb: true } });
    expect(astdb.get('DND', '102')).toBe('1');
    expect(await set('102', false)).toMatchObject({ data: { doNotDisturb: false } });
    expect(astdb.get('DND', '102')).toBeUndefined();
    // Off twice is fine.
    expect(await set('102', false)).toMatchObject({ data: { doNotDisturb: false } });
  });

  it('an extension user sets its own DND, not another extension’s', async () => {
    const password = 'Login-pass-101';
    const setPassword = await server.gql(`mutation { setExtensionLoginPassword(extension: "101", password: "${password}") { __typename } }`, {}, server.adminToken);
    expect(setPassword.data.setExtensionLoginPassword.__typename).toBe('MutationSetExtensionLoginPasswordSuccess');
    const login = await server.gql(`mutation { login(username: "101", password: "${password}") { ... on MutationLoginSuccess { data { accessToken } } } }`);
    const token = login.data.login.data.accessToken as string;
    expect(await set('101', false, token)).toMatchObject({ data: { number: '101', doNotDisturb: false } });
    expect(astdb.get('DND', '101')).toBeUndefined();
    const other = await server.gql(SET, { id: ids.get('102'), on: true }, token);
    expect(other.data.setExtensionDoNotDisturb.__typename).toBe('NotPermittedError');
    expect(astdb.get('DND', '102')).toBeUndefined();
  });

  it('an unknown extension is NotFoundError', async () => {
    const r = await server.gql(SET, { id: Buffer.from('Extension:nope').toString('base64'), on: true }, server.adminToken);
    expect(r.data.setExtensionDoNotDisturb.__typename).toBe('NotFoundError');
  });

  it('without AMI: read as null, and a change is refused with AsteriskNotConnectedError', async () => {
    await ami.close();
    await until(async () => (await listed())['101'] === null, 10_000, 'DND read as unknown');
    const refused = await set('102', true);
    expect(refused.__typename).toBe('AsteriskNotConnectedError');
    expect(refused.message).toMatch(/DND was not changed/);
  });
});
