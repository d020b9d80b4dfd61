import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

const AUDIT = `query($filter: AuditFilter, $after: String) { auditLog(first: 3, after: $after, filter: $filter) { totalCount pageInfo { hasNextPage endCursor } edges { node { time ip username role operation operationName outcome durationMs input } } } }`;

describe('audit log (F-7.9.1)', () => {
  it('records every mutation with caller, IP, outcome and redacted input', async () => {
    await server.gql(`mutation Make { createExtension(input: { number: "101", name: "A", password: "Top-Secret-1", voicemailPin: "9876" }) { __typename } }`, {}, server.adminToken);
    await server.gql(`mutation { createExtension(input: { number: "bad", name: "A", password: "Top-Secret-2" }) { __typename } }`, {}, server.adminToken);
    await server.gql(`mutation { createAccount(input: { username: "op2", password: "Operator-pw9", role: OPERATOR }) { __typename } }`, {}, server.adminToken);
    const op = await server.login('op2', 'Operator-pw9');
    await server.gql(`mutation { updatePbxSettings(input: { globalRingSeconds: 20 }) { __typename } }`, {}, op);
    await server.gql(
      `mutation { a: updateSipSettings(input: { udpPort: 5070 }) { __typename } b: updateSoftphoneSettings(input: { registrationPort: 99999999 }) { __typename } }`,
      {},
      server.adminToken,
    );

    const all = await server.gql(`{ auditLog(first: 50) { totalCount edges { node { username role operation operationName outcome input ip durationMs } } } }`, {}, server.adminToken);
    const rows = all.data.auditLog.edges.map((e: any) => e.node);
    const summary = rows.map((r: any) => `${r.username}:${r.operation}:${r.outcome}`).reverse();
    expect(summary).toEqual([
      'admin:login:OK',
      'admin:createExtension:OK',
      'admin:createExtension:ValidationError',
      'admin:createAccount:OK',
      'op2:login:OK',
      'op2:updatePbxSettings:NotPermittedError',
      'admin:updateSipSettings:OK',
      'admin:updateSoftphoneSettings:ValidationError',
    ]);
    const made = rows.find((r: any) => r.operationName === 'Make');
    expect(made).toMatchObject({ role: 'ADMIN', ip: '127.0.0.1' });
    expect(JSON.parse(made.input)).toEqual({ input: { number: '101', name: 'A', password: '[REDACTED]', voicemailPin: '[REDACTED]' } });
    expect(made.durationMs).toBeGreaterThan(0);
    for (const r of rows) {
      expect(r.input).not.toMatch(/Top-Secret|Operator-pw9|9876|admin-pass/);
    }
  });

  it('leaves out mutations refused to a caller without a credential, and keeps failed logins', async () => {
    const count = async () => (await server.gql(`{ auditLog(first: 1) { totalCount } }`, {}, server.adminToken)).data.auditLog.totalCount as number;
    const before = await count();
    const aliases = Array.from({ length: 10 }, (_, i) => `a${i}: createExtension(input: { number: "3${i}0", name: "${'x'.repeat(100)}", password: "Some-Secret-9" }) { __typename }`).join(' ');
    const refused = await server.gql(`mutation { ${aliases} }`);
    expect(refused.data.a0.__typename).toBe('NotPermittedError');
    const forged = await server.gql(`mutation { deleteAllExtensions(confirm: true) { __typename } }`, {}, 'not-a-token');
    expect(forged.data.deleteAllExtensions).toEqual({ __typename: 'NotPermittedError' });
    const badLogin = await server.gql(`mutation { login(username: "admin", password: "wrong-guess") { __typename } }`);
    expect(badLogin.data.login.__typename).not.toBe('MutationLoginSuccess');
    // The admin's own reads of the count are queries: the only new row is the failed login.
    expect(await count()).toBe(before + 1);
    const last = await server.gql(`{ auditLog(first: 1) { edges { node { username operation outcome } } } }`, {}, server.adminToken);
    expect(last.data.auditLog.edges[0].node).toMatchObject({ username: 'admin', operation: 'login' });
    expect(last.data.auditLog.edges[0].node.outcome).not.toBe('OK');
  });

  it('filters and paginates', async () => {
    // Rows of its own, by accounts of its own: an administrator with one success and two validation errors, an operator refused once.
    await server.gql(`mutation { createAccount(input: { username: "auditor3", password: "Auditor-pw3", role: ADMIN }) { __typename } }`, {}, server.adminToken);
    await server.gql(`mutation { createAccount(input: { username: "op3", password: "Operator-pw3", role: OPERATOR }) { __typename } }`, {}, server.adminToken);
    const auditor = await server.login('auditor3', 'Auditor-pw3');
    await server.gql(`mutation { createExtension(input: { number: "bad", name: "A", password: "Top-Secret-3" }) { __typename } }`, {}, auditor);
    await server.gql(`mutation { updateSoftphoneSettings(input: { registrationPort: 99999999 }) { __typename } }`, {}, auditor);
    const op3 = await server.login('op3', 'Operator-pw3');
    await server.gql(`mutation { updatePbxSettings(input: { globalRingSeconds: 20 }) { __typename } }`, {}, op3);

    const failed = await server.gql(AUDIT, { filter: { outcome: 'ValidationError', username: 'auditor3' } }, server.adminToken);
    expect(failed.data.auditLog.totalCount).toBe(2);
    expect(failed.data.auditLog.edges.map((e: any) => `${e.node.operation}:${e.node.outcome}`)).toEqual(['updateSoftphoneSettings:ValidationError', 'createExtension:ValidationError']);
    const op = await server.gql(AUDIT, { filter: { username: 'op3' } }, server.adminToken);
    expect(op.data.auditLog.edges.map((e: any) => e.node.operation)).toEqual(['updatePbxSettings', 'login']);
    const page1 = await server.gql(AUDIT, {}, server.adminToken);
    expect(page1.data.auditLog.pageInfo.hasNextPage).toBe(true);
    const page2 = await server.gql(AUDIT, { after: page1.data.auditLog.pageInfo.endCursor }, server.adminToken);
    const ids1 = page1.data.auditLog.edges.map((e: any) => e.node.time + e.node.operation);
    const ids2 = page2.data.auditLog.edges.map((e: any) => e.node.time + e.node.operation);
    expect(ids1.filter((x: string) => ids2.includes(x))).toEqual([]);
    const future = await server.gql(AUDIT, { filter: { from: new Date(Date.now() + 60_000).toISOString() } }, server.adminToken);
    expect(future.data.auditLog.totalCount).toBe(0);
  });
});
