import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_FIELDS, ok, startTestServer, type TestServer } from '../support/server.js';
import { uploadFile } from '../support/upload.js';

const FIELDS = `number enabled name mobileNumber dialPermission { name } password language email outboundCallerId1 outboundCallerId2
  mohClass voicemailEnabled voicemailPin remoteRegistration maxContacts videoEnabled videoCodec recording
  registrationExpirySeconds webLogin pickupGroups transport dtmfMode srtp
  qualifyFrequencySeconds nat iax2Enabled trustedAddresses qualifyTimeoutSeconds sendPai sendRpid rtpTimeoutSeconds
  inbandProgress codecs`;
const IMPORT = `mutation($file: File!, $mode: ImportMode) { importExtensions(file: $file, mode: $mode) { ${ERROR_FIELDS}
  ... on MutationImportExtensionsSuccess { data { rows createdCount rejected { path message code } extensions { number } } } } }`;

let source: TestServer;
let target: TestServer;
const all = async (s: TestServer) => (await s.gql(`{ extensions(first: 500) { edges { node { ${FIELDS} } } } }`, {}, s.adminToken)).data.extensions.edges.map((e: any) => e.node);
const download = async (s: TestServer, format: 'XLSX' | 'CSV', template = false) => {
  const r = await s.gql(`query($f: FileFormat!, $t: Boolean!) { exportExtensions(format: $f, template: $t) { filename contentType base64 } }`, { f: format, t: template }, s.adminToken);
  return { ...r.data.exportExtensions, buffer: Buffer.from(r.data.exportExtensions.base64, 'base64') };
};

beforeAll(async () => {
  [source, target] = await Promise.all([startTestServer(), startTestServer()]);
  ok(
    await source.gql(
      `mutation { createExtensions(input: { startNumber: "100", count: 100, startCallerId1: "0067293500" }) { ${ERROR_FIELDS} ... on MutationCreateExtensionsSuccess { data { count } } } }`,
      {},
      source.adminToken,
    ),
    'createExtensions',
  );
  const special = await source.gql(
    `mutation { createExtension(input: { number: "250", name: "Zoë O'Neil", password: "P@ss#w0rd!{x}", codecs: [OPUS, ULAW], pickupGroups: [2, 9], trustedAddresses: ["10.1.0.0/16", "192.0.2.1"], transport: TCP, voicemailPin: "0042", email: "zoe@example.com", mobileNumber: "+44 (20) 7946-0000", recording: OUTBOUND, webLogin: false, sendRpid: true }) { ${ERROR_FIELDS} } }`,
    {},
    source.adminToken,
  );
  expect(special.data.createExtension.__typename).toBe('MutationCreateExtensionSuccess');
});
afterAll(async () => {
  await Promise.all([source.stop(), target.stop()]);
});

describe('export and import', () => {
  it('exports every extension to XLSX and imports it into a fresh database unchanged', async () => {
    const file = await download(source, 'XLSX');
    expect(file.filename).toBe('extensions.xlsx');
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(file.buffer);
    expect(workbook.worksheets[0]!.rowCount).toBe(102);
    const r = await uploadFile(target.graphqlUrl, target.adminToken, IMPORT, {}, { name: file.filename, content: file.buffer, type: file.contentType });
    expect(ok(r, 'importExtensions')).toMatchObject({ rows: 101, createdCount: 101, rejected: [] });
    expect(await all(target)).toEqual(await all(source));
    // Leading zeros survived the spreadsheet.
    expect((await all(target))[0].outboundCallerId1).toBe('0067293500');
  });

  it('round-trips through CSV too', async () => {
    const fresh = await startTestServer();
    try {
      const file = await download(source, 'CSV');
      expect(file.contentType).toMatch(/text\/csv/);
      const r = await uploadFile(fresh.graphqlUrl, fresh.adminToken, IMPORT, {}, { name: 'backup.csv', content: file.buffer, type: 'text/csv' });
      expect(ok(r, 'importExtensions').createdCount).toBe(101);
      expect(await all(fresh)).toEqual(await all(source));
    } finally {
      await fresh.stop();
    }
  });

  it('reads CSV separated by semicolons (Excel where the comma is the decimal mark) or tabs, lists keeping their commas', async () => {
    const fresh = await startTestServer();
    try {
      const semicolons = 'number;name;password;codecs;mobileNumber\r\n701;Hans Müller;Secret-701-x;"ALAW,ULAW";+49 30 1234\r\n';
      const r = await uploadFile(fresh.graphqlUrl, fresh.adminToken, IMPORT, {}, { name: 'de.csv', content: Buffer.from(`\uFEFF${semicolons}`), type: 'text/csv' });
      expect(ok(r, 'importExtensions')).toMatchObject({ createdCount: 1, rejected: [] });
      const tabs = 'number\tname\tpassword\n702\tTab Separated\tSecret-702-x\n';
      expect(ok(await uploadFile(fresh.graphqlUrl, fresh.adminToken, IMPORT, {}, { name: 'tabs.csv', content: Buffer.from(tabs), type: 'text/csv' }), 'importExtensions').createdCount).toBe(1);
      const rows = (await fresh.gql(`{ extensions(first: 10) { edges { node { number name codecs mobileNumber } } } }`, {}, fresh.adminToken)).data.extensions.edges.map((e: any) => e.node);
      expect(rows).toEqual([{ number: '701', name: 'Hans Müller', codecs: ['ALAW', 'ULAW'], mobileNumber: '+49 30 1234' }, expect.objectContaining({ number: '702', name: 'Tab Separated' })]);
    } finally {
      await fresh.stop();
    }
  });

  it('serves an empty template with the column names', async () => {
    const csv = await download(source, 'CSV', true);
    const lines = csv.buffer.toString('utf8').trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]!.split(',').slice(0, 6)).toEqual(['number', 'enabled', 'name', 'mobileNumber', 'dialPermission', 'password']);
    const xlsx = await download(source, 'XLSX', true);
    expect(xlsx.filename).toBe('extensions-template.xlsx');
  });

  it('an import with errors writes nothing and reports each row and field', async () => {
    // The taken number is one this test makes itself (610), not one an earlier import left in the target.
    ok(await target.gql(`mutation { createExtension(input: { number: "610", name: "Taken", password: "Secret-610" }) { ${ERROR_FIELDS} } }`, {}, target.adminToken), 'createExtension');
    const csv = [
      'number,name,password,maxContacts,codecs,enabled',
      '600,Good One,Secret-600,2,ULAW,true',
      '601,Bad;Name,Secret-601,2,ULAW,true',
      '602,Two,short,99,ULAW,maybe',
      '600,Dup,Secret-600,2,ULAW,true',
      '610,Taken,Secret-610,2,ULAW,true',
      '0450,Range,Secret-450,2,MP3,true',
      ',,,,,',
      '603,Good Two,Secret-603,3,"G722,ULAW",false',
    ].join('\n');
    const r = await uploadFile(target.graphqlUrl, target.adminToken, IMPORT, {}, { name: 'new.csv', content: csv, type: 'text/csv' });
    const result = r.data.importExtensions;
    expect(result.__typename).toBe('ValidationError');
    const byPath = result.issues.map((i: any) => `${i.path.join('.')}:${i.code}`);
    expect(byPath).toEqual(
      expect.arrayContaining([
        'rows.3.name:INVALID_FORMAT',
        'rows.4.password:OUT_OF_BOUNDS',
        'rows.4.enabled:INVALID_TYPE',
        'rows.5.number:DUPLICATE',
        'rows.6.number:NUMBER_TAKEN',
        'rows.7.number:OUT_OF_RANGE',
        'rows.7.codecs.0:INVALID_VALUE',
      ]),
    );
    expect(byPath.some((p: string) => p.startsWith('rows.2.') || p.startsWith('rows.9.'))).toBe(false);
    expect((await target.gql(`{ a: numberOwner(number: "600") { label } b: numberOwner(number: "603") { label } }`, {}, target.adminToken)).data).toEqual({ a: null, b: null });

    const valid = await uploadFile(target.graphqlUrl, target.adminToken, IMPORT, { mode: 'VALID_ROWS_ONLY' }, { name: 'new.csv', content: csv, type: 'text/csv' });
    const payload = ok(valid, 'importExtensions');
    expect(payload.rows).toBe(7);
    expect(payload.extensions.map((e: any) => e.number)).toEqual(['600', '603']);
    expect(payload.rejected.length).toBeGreaterThanOrEqual(7);
    const row9 = await target.gql(`{ extension(number: "603") { codecs enabled maxContacts } }`, {}, target.adminToken);
    expect(row9.data.extension).toEqual({ codecs: ['G722', 'ULAW'], enabled: false, maxContacts: 3 });
  });

  it('rejects a file it cannot read, unknown columns, and files over the capacity', async () => {
    const junk = await uploadFile(target.graphqlUrl, target.adminToken, IMPORT, {}, { name: 'x.xlsx', content: 'not a zip', type: 'application/octet-stream' });
    expect(junk.data.importExtensions.issues[0]).toMatchObject({ path: ['file'], code: 'INVALID_FILE' });
    const unknown = await uploadFile(target.graphqlUrl, target.adminToken, IMPORT, {}, { name: 'x.csv', content: 'number,name,password,colour\n700,a,Secret-700,red', type: 'text/csv' });
    expect(unknown.data.importExtensions.issues[0]).toMatchObject({ path: ['file', 'columns'], code: 'UNKNOWN_COLUMN' });
    const noFormat = await uploadFile(target.graphqlUrl, target.adminToken, IMPORT, {}, { name: 'x.txt', content: 'a', type: 'text/plain' });
    expect(noFormat.data.importExtensions.issues[0].path).toEqual(['format']);

    const small = await startTestServer({ MAX_IP_EXTENSIONS: '3' });
    try {
      const csv = ['number,name,password', '100,a,Secret-100', '101,b,Secret-101', '102,c,Secret-102', '103,d,Secret-103'].join('\n');
      const r = await uploadFile(small.graphqlUrl, small.adminToken, IMPORT, {}, { name: 'x.csv', content: csv, type: 'text/csv' });
      expect(r.data.importExtensions).toMatchObject({ __typename: 'LimitExceededError', maximum: 3 });
      expect((await small.gql(`{ extensions(first: 1) { totalCount } }`, {}, small.adminToken)).data.extensions.totalCount).toBe(0);
    } finally {
      await small.stop();
    }
  });

  it('needs extensions:secrets to export (the backup holds passwords)', async () => {
    await source.gql(`mutation { createAccount(input: { username: "oper", password: "operator-pass", role: OPERATOR }) { __typename } }`, {}, source.adminToken);
    const op = await source.login('oper', 'operator-pass');
    const r = await source.gql(`{ exportExtensions(format: CSV) { filename } }`, {}, op);
    expect(r.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
