import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_FIELDS, ok, startTestServer, type TestServer } from '../support/server.js';

/** F-7.9.1 asks for every access: reads that return secrets are audited with the same fields as mutations. */
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  ok(
    await server.gql(
      `mutation { createExtension(input: { number: "101", name: "A", password: "Top-Secret-1" }) { ${ERROR_FIELDS} ... on MutationCreateExtensionSuccess { data { id } } } }`,
      {},
      server.adminToken,
    ),
    'createExtension',
  );
});
afterAll(() => server.stop());

const secretReads = async () => {
  const log = await server.gql(`{ auditLog(first: 50, filter: { operation: "readSecrets" }) { edges { node { username role operation operationName outcome input ip } } } }`, {}, server.adminToken);
  return log.data.auditLog.edges.map((e: any) => e.node);
};

describe('reads of secrets are audited', () => {
  it('SIP passwords, PINs, QR codes, exports and dry-run diffs each leave an entry naming what was read', async () => {
    const before = (await secretReads()).length;
    await server.gql(`query Passwords { extensions(first: 10) { edges { node { number password voicemailPin } } } }`, {}, server.adminToken);
    await server.gql(`{ extension(number: "101") { qrCode { payload } } }`, {}, server.adminToken);
    await server.gql(`{ exportExtensions(format: CSV) { filename } }`, {}, server.adminToken);
    await server.gql(`{ pbxDryRun { revision } }`, {}, server.adminToken);
    const rows = (await secretReads()).slice(0, -before || undefined);
    expect(rows).toHaveLength(4);
    const inputs = rows.map((r: any) => JSON.parse(r.input)).reverse();
    expect(inputs).toEqual([{ 'Extension.password': 1, 'Extension.voicemailPin': 1 }, { 'Extension.qrCode': 1 }, { exportExtensions: 1 }, { pbxDryRun: 1 }]);
    expect(rows[rows.length - 1]).toMatchObject({ username: 'admin', role: 'ADMIN', operation: 'readSecrets', operationName: 'Passwords', outcome: 'OK' });
  });

  it('a read without secrets leaves no entry', async () => {
    const before = (await secretReads()).length;
    await server.gql(`{ extensions(first: 10) { edges { node { number name } } } }`, {}, server.adminToken);
    expect((await secretReads()).length).toBe(before);
  });
});
