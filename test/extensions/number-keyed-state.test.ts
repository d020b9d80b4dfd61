import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAriStandin, type AriStandin } from '../support/ari-standin/index.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { until } from '../support/subscriptions.js';
import { FakeAmiServer } from '../pbx/ami/fake-ami-server.js';
import { FakeAstdb } from '../pbx/ami/fake-astdb.js';

/**
 * The dialplan keeps some state in astdb under the extension's number (DND/<n>
 * from the DND code, pbx-lastcaller/<n> for the blacklist code). It follows
 * the extensions: a new holder of a number must not inherit it.
 */
let standin: AriStandin;
let ami: FakeAmiServer;
let astdb: FakeAstdb;
let server: TestServer;
const ids = new Map<string, string>();

async function gql(query: string, variables: Record<string, unknown> = {}) {
  const result = await server.gql(query, variables, server.adminToken);
  expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
  return result.data;
}

async function create(number: string) {
  const data = await gql(
    `mutation($n: String!) { createExtension(input: { number: $n, name: "Ext", password: "Secret-${number}-x" }) { __typename ... on MutationCreateExtensionSuccess { data { id } } } }`,
    { n: number },
  );
  ids.set(number, data.createExtension.data.id);
}

async function renumber(from: string, to: string) {
  const data = await gql(`mutation($id: ID!, $n: String!) { updateExtension(id: $id, input: { number: $n }) { __typename } }`, { id: ids.get(from), n: to });
  expect(data.updateExtension.__typename).toBe('MutationUpdateExtensionSuccess');
  ids.set(to, ids.get(from)!);
  ids.delete(from);
}

async function remove(number: string) {
  const data = await gql(`mutation($ids: [ID!]!) { deleteExtensions(ids: $ids) { __typename } }`, { ids: [ids.get(number)] });
  expect(data.deleteExtensions.__typename).toBe('MutationDeleteExtensionsSuccess');
  ids.delete(number);
}

beforeAll(async () => {
  standin = await startAriStandin({ username: 'pbx', password: 'ari-test-pass' });
  ami = await FakeAmiServer.start({ username: 'pbx', secret: 'ami-test-pass' });
  astdb = new FakeAstdb(ami);
  server = await startTestServer({ ARI_URL: standin.url, ARI_PASSWORD: 'ari-test-pass', AMI_PORT: String(ami.port), AMI_PASSWORD: 'ami-test-pass' });
  for (const number of ['101', '102', '103', '104']) await create(number);
  await until(() => ami.successfulLogins > 0, 5000, 'AMI logged in');
});
afterAll(async () => {
  await server.stop();
  await standin.stop();
  await ami.close();
});

describe("astdb's keys by extension number", () => {
  it("a deleted extension's DND and last caller go with it; the others' stay", async () => {
    astdb.set('DND', '101', '1');
    astdb.set('DND', '102', '1');
    astdb.set('pbx-lastcaller', '102', '5551234');
    await remove('102');
    await until(() => astdb.get('DND', '102') === undefined && astdb.get('pbx-lastcaller', '102') === undefined, 5000, "102's keys removed");
    expect(astdb.get('DND', '101')).toBe('1');
    // Created again, 102 is not in DND.
    await create('102');
    expect(astdb.get('DND', '102')).toBeUndefined();
  });

  it('a renumbered extension takes its DND and last caller to its new number', async () => {
    astdb.set('DND', '103', '1');
    astdb.set('pbx-lastcaller', '103', '5550000');
    await renumber('103', '113');
    await until(() => astdb.get('DND', '103') === undefined && astdb.get('pbx-lastcaller', '103') === undefined, 5000, "103's keys moved");
    expect(astdb.get('DND', '113')).toBe('1');
    expect(astdb.get('pbx-lastcaller', '113')).toBe('5550000');
  });

  it('a key left under the new number of a renumbered extension goes: the number was free', async () => {
    // Left by an extension deleted while the server could not reach Asterisk.
    astdb.set('DND', '114', '1');
    expect(astdb.get('DND', '104')).toBeUndefined();
    await renumber('104', '114');
    await until(() => astdb.get('DND', '114') === undefined, 5000, 'DND/114 removed');
  });

  it('at every connect, keys of numbers no extension holds are removed and nothing else', async () => {
    astdb.set('DND', '999', '1');
    astdb.set('pbx-lastcaller', '998', '5559999');
    astdb.set('DND', '101', '1');
    astdb.set('other-family', '999', 'kept');
    const logins = ami.successfulLogins;
    ami.dropAll();
    await until(() => ami.successfulLogins > logins, 10_000, 'AMI logged in again');
    await until(() => astdb.get('DND', '999') === undefined && astdb.get('pbx-lastcaller', '998') === undefined, 5000, 'stale keys removed');
    expect(astdb.get('DND', '101')).toBe('1');
    expect(astdb.get('other-family', '999')).toBe('kept');
  });
});
