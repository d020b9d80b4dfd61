import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_FIELDS, ok, startTestServer, type TestServer } from '../support/server.js';
import { uploadFile } from '../support/upload.js';

const ADD = `mutation($n: String!) { addBlacklistEntry(number: $n) { ${ERROR_FIELDS} ... on MutationAddBlacklistEntrySuccess { data { id number createdBy createdAt } } } }`;
const LIST = `query($s: String, $first: Int, $after: String) { blacklist(search: $s, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { id number createdBy } } } }`;
const DELETE = `mutation($ids: [ID!]!) { deleteBlacklistEntries(ids: $ids) { ${ERROR_FIELDS} ... on MutationDeleteBlacklistEntriesSuccess { data { count } } } }`;
const DELETE_ALL = `mutation($c: Boolean!) { deleteAllBlacklistEntries(confirm: $c) { ${ERROR_FIELDS} ... on MutationDeleteAllBlacklistEntriesSuccess { data { count } } } }`;
const IMPORT = `mutation($file: File!, $mode: ImportMode) { importBlacklist(file: $file, mode: $mode) { ${ERROR_FIELDS}
  ... on MutationImportBlacklistSuccess { data { rows createdCount rejected { path message code } entries { number createdBy } } } } }`;
const EXPORT = `query($f: FileFormat!, $t: Boolean!) { exportBlacklist(format: $f, template: $t) { filename contentType base64 } }`;

let server: TestServer;
let operator: string;
let panel: string;
const gql = (query: string, variables?: Record<string, unknown>, token = server.adminToken) => server.gql(query, variables, token);
const numbers = async () => (await gql(LIST, { first: 500 })).data.blacklist.edges.map((e: any) => e.node.number);
const dialplan = async () => {
  await gql(`mutation { applyPbxConfiguration { outcome } }`);
  return readFileSync(join(server.running.config.asterisk.configDir, 'extensions.conf'), 'utf8');
};

beforeAll(async () => {
  server = await startTestServer();
  for (const [username, role] of [
    ['op1', 'OPERATOR'],
    ['billing1', 'BILLING'],
  ]) {
    ok(
      await gql(`mutation { createAccount(input: { username: "${username}", password: "Operator-pw9", role: ${role} }) { __typename ... on MutationCreateAccountSuccess { data { id } } } }`),
      'createAccount',
    );
  }
  operator = await server.login('op1', 'Operator-pw9');
  panel = await server.login('billing1', 'Operator-pw9');
});
afterAll(() => server.stop());

describe('the blacklist (F-4.2.6)', () => {
  it('adds numbers with who added them and when; a number is listed once', async () => {
    const entry = ok(await gql(ADD, { n: '+4930123456' }), 'addBlacklistEntry');
    expect(entry).toMatchObject({ number: '+4930123456', createdBy: 'admin' });
    expect(Date.now() - new Date(entry.createdAt).getTime()).toBeLessThan(60_000);
    const again = await gql(ADD, { n: '+4930123456' });
    expect(again.data.addBlacklistEntry).toMatchObject({ __typename: 'ValidationError', issues: [{ path: ['number'], code: 'DUPLICATE' }] });
  });

  it('the operator manages it too (createdBy = its user name); other roles may not', async () => {
    expect(ok(await gql(ADD, { n: '5550001' }, operator), 'addBlacklistEntry').createdBy).toBe('op1');
    const refused = await gql(ADD, { n: '5550002' }, panel);
    expect(refused.data.addBlacklistEntry.__typename).toBe('NotPermittedError');
    const list = await gql(LIST, {}, panel);
    expect(list.errors?.[0]?.message).toMatch(/Not permitted/);
  });

  it('an API key that reads settings may read it but not change it; BLACKLIST_WRITE may', async () => {
    const key = async (scopes: string) =>
      ok<{ secret: string }>(
        await gql(`mutation { createApiKey(name: "k${scopes.length}", scopes: [${scopes}]) { __typename ... on MutationCreateApiKeySuccess { data { secret } } } }`),
        'createApiKey',
      ).secret;
    const reader = await key('SETTINGS_READ');
    expect((await gql(LIST, {}, reader)).data.blacklist.edges.length).toBeGreaterThan(0);
    for (const [mutation, variables] of [
      [ADD, { n: '5550003' }],
      [`mutation { deleteAllBlacklistEntries(confirm: true) { __typename } }`, {}],
    ] as const) {
      const refused = await gql(mutation, variables, reader);
      expect(Object.values(refused.data as Record<string, { __typename: string }>)[0]!.__typename).toBe('NotPermittedError');
    }
    expect(await numbers()).toContain('5550001');
    const writer = await key('SETTINGS_READ, BLACKLIST_WRITE');
    expect(ok(await gql(ADD, { n: '5550004' }, writer), 'addBlacklistEntry').number).toBe('5550004');
  });

  it('refuses anything that is not digits, * and # with an optional leading +, naming the field', async () => {
    for (const n of ['', '12a', '555\n[globals]', '555;x', '+', '1+2', '1'.repeat(33), '_X.', '555,1', '${EXTEN}']) {
      const r = await gql(ADD, { n });
      expect(r.data.addBlacklistEntry, JSON.stringify(n)).toMatchObject({ __typename: 'ValidationError', issues: [{ path: ['number'], code: 'INVALID_FORMAT' }] });
    }
    const text = await dialplan();
    expect(text).not.toContain('[globals]\nexten');
    expect(text).not.toContain('_X.,1,NoOp()');
    expect(text).not.toContain('EXTEN},1,NoOp');
  });

  it('lists with search and Relay pagination', async () => {
    for (const n of ['7000001', '7000002', '7000003', '*31#']) ok(await gql(ADD, { n }), 'addBlacklistEntry');
    const page1 = (await gql(LIST, { s: '70000', first: 2 })).data.blacklist;
    expect(page1.totalCount).toBe(3);
    expect(page1.edges.map((e: any) => e.node.number)).toEqual(['7000001', '7000002']);
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const page2 = (await gql(LIST, { s: '70000', first: 2, after: page1.pageInfo.endCursor })).data.blacklist;
    expect(page2.edges.map((e: any) => e.node.number)).toEqual(['7000003']);
    expect((await gql(LIST, { s: 'op1' })).data.blacklist.edges.map((e: any) => e.node.number)).toEqual(['5550001']);
  });

  it('the listed numbers reach the dialplan as literal lookups the inbound check uses', async () => {
    const text = await dialplan();
    expect(text).toContain('[pbx-inbound-blacklist]\nexten => s,1,GotoIf(${DIALPLAN_EXISTS(pbx-blacklist-numbers,${FILTER(0-9*#+,${CALLERID(num)})},1)}?refuse)');
    for (const n of ['+4930123456', '5550001', '7000003', '*31#']) expect(text).toContain(`exten => ${n},1,NoOp()`);
  });

  it('deletes selected entries, and all of them only when confirmed', async () => {
    const list = (await gql(LIST, { s: '70000' })).data.blacklist.edges.map((e: any) => e.node);
    expect(ok(await gql(DELETE, { ids: [list[0].id, list[1].id] }), 'deleteBlacklistEntries').count).toBe(2);
    expect(await numbers()).not.toContain('7000001');
    const missing = await gql(DELETE, { ids: [list[0].id] });
    expect(missing.data.deleteBlacklistEntries.__typename).toBe('NotFoundError');
    expect((await gql(DELETE_ALL, { c: false })).data.deleteAllBlacklistEntries.__typename).toBe('ValidationError');
    expect((await numbers()).length).toBeGreaterThan(0);
    ok(await gql(DELETE_ALL, { c: true }), 'deleteAllBlacklistEntries');
    expect(await numbers()).toEqual([]);
    expect(await dialplan()).toContain('[pbx-blacklist-numbers]\n\n');
  });

  it('imports CSV and XLSX with per-row errors, and exports what imports again', async () => {
    ok(await gql(ADD, { n: '5551000' }), 'addBlacklistEntry');
    const csv = 'number\n5552000\n=1+2\n5551000\n5552000\n\n+49301\n';
    const all = await uploadFile(server.graphqlUrl, server.adminToken, IMPORT, {}, { name: 'list.csv', content: Buffer.from(csv), type: 'text/csv' });
    expect(all.data.importBlacklist.__typename).toBe('ValidationError');
    expect(all.data.importBlacklist.issues).toEqual([
      { path: ['rows', '3', 'number'], message: expect.stringContaining('Digits'), code: 'INVALID_FORMAT' },
      { path: ['rows', '5', 'number'], message: '5552000 is also given at rows.2', code: 'DUPLICATE' },
      { path: ['rows', '4', 'number'], message: '5551000 is already on the blacklist', code: 'DUPLICATE' },
    ]);
    expect(await numbers()).toEqual(['5551000']);
    const valid = await uploadFile(server.graphqlUrl, server.adminToken, IMPORT, { mode: 'VALID_ROWS_ONLY' }, { name: 'list.csv', content: Buffer.from(csv), type: 'text/csv' });
    const result = ok(valid, 'importBlacklist');
    expect(result).toMatchObject({
      rows: 5,
      createdCount: 2,
      entries: [
        { number: '+49301', createdBy: 'admin' },
        { number: '5552000', createdBy: 'admin' },
      ],
    });
    expect(result.rejected).toHaveLength(3);

    const exported = (await gql(EXPORT, { f: 'XLSX', t: false })).data.exportBlacklist;
    expect(exported.filename).toBe('blacklist.xlsx');
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(Buffer.from(exported.base64, 'base64') as unknown as ArrayBuffer);
    const rows: string[][] = [];
    workbook.worksheets[0]!.eachRow((row) => rows.push((row.values as string[]).slice(1)));
    expect(rows[0]).toEqual(['number', 'createdBy', 'createdAt']);
    expect(rows.slice(1).map((r) => r.slice(0, 2))).toEqual([
      ["'+49301", 'admin'],
      ['5551000', 'admin'],
      ['5552000', 'admin'],
    ]);
    ok(await gql(DELETE_ALL, { c: true }), 'deleteAllBlacklistEntries');
    const back = await uploadFile(server.graphqlUrl, operator, IMPORT, {}, { name: exported.filename, content: Buffer.from(exported.base64, 'base64'), type: exported.contentType });
    expect(ok(back, 'importBlacklist')).toMatchObject({ createdCount: 3, entries: [{ number: '+49301', createdBy: 'op1' }, { number: '5551000' }, { number: '5552000' }] });
    const template = (await gql(EXPORT, { f: 'CSV', t: true })).data.exportBlacklist;
    expect(Buffer.from(template.base64, 'base64').toString('utf8').trim()).toBe('number');
  });
});
