import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAriStandin, type AriStandin } from '../../support/ari-standin/index.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { subscribe, until } from '../../support/subscriptions.js';

/**
 * Extensions' PJSIP objects go through ARI's dynamic configuration (D3), one
 * object at a time: a change reaches Asterisk without a file written or a
 * module reloaded, a failed push is undone, and every connect reconciles.
 */
const APPLIED = `subscription { pbxApplied { revision outcome changedFiles reloadedModules pushedObjects removedObjects error } }`;
const CREATE = `mutation($input: CreateExtensionInput!) { createExtension(input: $input) { __typename ... on MutationCreateExtensionSuccess { data { id } } } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateExtensionInput!) { updateExtension(id: $id, input: $input) { __typename } }`;

let standin: AriStandin;
let server: TestServer;

beforeAll(async () => {
  standin = await startAriStandin({ username: 'pbx', password: 'ari-test-pass' });
  server = await startTestServer({ ARI_URL: standin.url, ARI_USERNAME: 'pbx', ARI_PASSWORD: 'ari-test-pass', APPLY_DEBOUNCE_MS: '0' });
  await until(() => server.running.services.live.asteriskConnected, 5000, 'ARI connected');
  // The files written before Asterisk was there are reloaded by the reconcile of the connect.
  await until(() => server.running.services.applier.state.pendingReloads.length === 0, 5000, 'the reconcile of the connect');
});
afterAll(async () => {
  await server.stop();
  await standin.stop();
});

/** Runs a mutation and returns the apply report of its revision. */
async function applied(run: () => Promise<unknown>) {
  const sub = subscribe(server.graphqlUrl, server.adminToken, APPLIED);
  try {
    await sub.waitFor(() => true);
    const before = server.running.services.applier.state.revision;
    await run();
    const report = await sub.waitFor((r) => r.data?.pbxApplied?.revision > before, 5000);
    return report.data.pbxApplied;
  } finally {
    await sub.close();
  }
}

const pjsip = (type: string, id: string) => standin.dynamicObject('res_pjsip', type, id);
const configFiles = () => new Map(readdirSync(server.running.config.asterisk.configDir).map((f) => [f, readFileSync(join(server.running.config.asterisk.configDir, f), 'utf8')]));

describe('extensions pushed as objects through ARI', () => {
  let id: string;

  it('a new extension is pushed auth, aor, endpoint, with no file written and no module reloaded', async () => {
    const files = configFiles();
    const reloads = standin.reloads.length;
    let created: { data?: { createExtension: { data: { id: string } } } } | undefined;
    const report = await applied(async () => {
      created = await server.gql(CREATE, { input: { number: '201', name: 'Ann', password: 'Secret-201x' } }, server.adminToken);
    });
    id = created!.data!.createExtension.data.id;
    expect(report).toMatchObject({ outcome: 'APPLIED', changedFiles: [], reloadedModules: [], removedObjects: [], error: null });
    expect(report.pushedObjects).toEqual(['res_pjsip/auth/201-auth', 'res_pjsip/aor/201', 'res_pjsip/endpoint/201']);
    expect(standin.reloads.length).toBe(reloads);
    expect(configFiles()).toEqual(files);
    expect(pjsip('auth', '201-auth')?.fields).toMatchObject({ username: '201', password: 'Secret-201x' });
    expect(pjsip('endpoint', '201')?.fields).toMatchObject({ aors: '201', auth: '201-auth', callerid: '"Ann" <201>' });
    expect(readFileSync(join(server.running.config.asterisk.configDir, 'pjsip.conf'), 'utf8')).not.toMatch(/^\[201/m);
  });

  it('a password change pushes the auth alone', async () => {
    const report = await applied(() => server.gql(UPDATE, { id, input: { password: 'Changed-201x' } }, server.adminToken));
    expect(report).toMatchObject({ outcome: 'APPLIED', changedFiles: [], pushedObjects: ['res_pjsip/auth/201-auth'] });
    expect(pjsip('auth', '201-auth')?.fields.password).toBe('Changed-201x');
  });

  it('a push Asterisk refuses is tried again, then what was pushed before it is put back', async () => {
    standin.failPushes({ status: 500, count: 2, method: 'PUT', type: 'endpoint', id: '201' });
    const report = await applied(() => server.gql(UPDATE, { id, input: { password: 'Third-201xx', name: 'Annie' } }, server.adminToken));
    expect(report.outcome).toBe('FAILED');
    expect(report.error).toMatch(/res_pjsip\/endpoint\/201.*put back/);
    // The auth had been pushed before the endpoint failed: it holds the old password again.
    expect(pjsip('auth', '201-auth')?.fields.password).toBe('Changed-201x');
    expect(pjsip('endpoint', '201')?.fields.callerid).toBe('"Ann" <201>');
    // The next apply pushes the change again, whole.
    const next = await applied(() => server.gql(UPDATE, { id, input: { maxContacts: 2 } }, server.adminToken));
    expect(next.outcome).toBe('APPLIED');
    expect(pjsip('auth', '201-auth')?.fields.password).toBe('Third-201xx');
    expect(pjsip('endpoint', '201')?.fields.callerid).toBe('"Annie" <201>');
  });

  it('a refused push is tried again on its own, a few seconds later, with no further change', async () => {
    standin.failPushes({ status: 500, count: 2, method: 'PUT', type: 'endpoint', id: '202' });
    const sub = subscribe(server.graphqlUrl, server.adminToken, APPLIED);
    try {
      await sub.waitFor(() => true);
      const before = server.running.services.applier.state.revision;
      const created = await server.gql(CREATE, { input: { number: '202', name: 'Bob', password: 'Secret-202x' } }, server.adminToken);
      expect(created.data.createExtension.__typename).toBe('MutationCreateExtensionSuccess');
      const failed = await sub.waitFor((r) => r.data?.pbxApplied?.revision > before, 5000);
      expect(failed.data.pbxApplied).toMatchObject({ outcome: 'FAILED', pushedObjects: [] });
      expect(pjsip('endpoint', '202')).toBeUndefined();
      // The retry applies the same revision again.
      const seen = sub.results.length;
      const retried = await sub.waitFor((r) => sub.results.indexOf(r) >= seen && r.data?.pbxApplied?.outcome === 'APPLIED', 15_000);
      expect(retried.data.pbxApplied.pushedObjects).toEqual(expect.arrayContaining(['res_pjsip/auth/202-auth', 'res_pjsip/aor/202', 'res_pjsip/endpoint/202']));
      expect(pjsip('endpoint', '202')?.fields).toMatchObject({ aors: '202', callerid: '"Bob" <202>' });
    } finally {
      standin.stopFailingPushes();
      await sub.close();
    }
    await server.gql(
      `mutation($ids: [ID!]!) { deleteExtensions(ids: $ids) { __typename } }`,
      { ids: [(await server.gql(`{ extension(number: "202") { id } }`, {}, server.adminToken)).data.extension.id] },
      server.adminToken,
    );
    await until(() => !pjsip('endpoint', '202') && !pjsip('aor', '202') && !pjsip('auth', '202-auth'), 5000, 'extension 202 removed');
  }, 30_000);

  it('a dry run lists the objects the next apply would push, and pushes nothing', async () => {
    const dry = await server.gql(`{ pbxDryRun { objectChanges { object operation } } }`, {}, server.adminToken);
    expect(dry.data.pbxDryRun.objectChanges).toEqual([]);
    const pushes = () => standin.configRequests.filter((r) => r.method !== 'GET').length;
    const before = pushes();
    await server.running.services.db.prisma.extension.update({ where: { number: '201' }, data: { password: 'Behind-201xx' } });
    const pending = await server.gql(`{ pbxDryRun { objectChanges { object operation } } }`, {}, server.adminToken);
    expect(pending.data.pbxDryRun.objectChanges).toEqual([{ object: 'res_pjsip/auth/201-auth', operation: 'PUT' }]);
    expect(pushes()).toBe(before);
  });

  it('after a restart with an empty astdb the objects are pushed again', async () => {
    await standin.restart({ wipeAstdb: true });
    expect(pjsip('endpoint', '201')).toBeUndefined();
    await until(() => pjsip('endpoint', '201') !== undefined && pjsip('auth', '201-auth') !== undefined, 10_000, 'the objects pushed again after the restart');
    // The reconcile pushes what the database holds: the password written behind the server's back too.
    expect(pjsip('auth', '201-auth')?.fields.password).toBe('Behind-201xx');
  });

  it('a deleted extension is removed, endpoint first', async () => {
    const report = await applied(() => server.gql(`mutation($ids: [ID!]!) { deleteExtensions(ids: $ids) { __typename } }`, { ids: [id] }, server.adminToken));
    expect(report).toMatchObject({ outcome: 'APPLIED', changedFiles: [], pushedObjects: [] });
    expect(report.removedObjects).toEqual(['res_pjsip/endpoint/201', 'res_pjsip/aor/201', 'res_pjsip/auth/201-auth']);
    expect(pjsip('endpoint', '201')).toBeUndefined();
    expect(pjsip('auth', '201-auth')).toBeUndefined();
  });
});
