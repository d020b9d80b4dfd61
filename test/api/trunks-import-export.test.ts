import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_FIELDS, ok, startTestServer, type TestServer } from '../support/server.js';
import { readValue } from '../support/asterisk-config-reader.js';
import { uploadFile } from '../support/upload.js';

const FIELDS = `name enabled mode dialPermission { name } maxConcurrentCalls callerIdPreference outboundCallerId language recording codecs
  ... on SipTrunk { authEnabled serverHost serverPort outboundProxyHost outboundProxyPort username authUsername hasPassword contactUser
  registrationExpirySeconds retryIntervalSeconds maxRetries clientUri serverUri aorContact remoteAddresses transport srtp nat dtmfMode fromUser fromDomain
  sendPai sendRpid rtpTimeoutSeconds keepAliveSeconds videoCodec }`;
const IMPORT = `mutation($file: File!, $mode: ImportMode) { importSipTrunks(file: $file, mode: $mode) { ${ERROR_FIELDS}
  ... on MutationImportSipTrunksSuccess { data { rows createdCount rejected { path message code } trunks { name } } } } }`;
const CREATE = `mutation($input: CreateSipTrunkInput!) { createSipTrunk(input: $input) { ${ERROR_FIELDS} ... on MutationCreateSipTrunkSuccess { data { id } } } }`;

let source: TestServer;
let target: TestServer;
const all = async (s: TestServer) => (await s.gql(`{ trunks(first: 100, kind: SIP) { edges { node { ${FIELDS} } } } }`, {}, s.adminToken)).data.trunks.edges.map((e: any) => e.node);
const download = async (s: TestServer, format: 'XLSX' | 'CSV', template = false, token = s.adminToken) => {
  const r = await s.gql(`query($f: FileFormat!, $t: Boolean!) { exportSipTrunks(format: $f, template: $t) { filename contentType base64 } }`, { f: format, t: template }, token);
  if (!r.data?.exportSipTrunks) return { errors: r.errors };
  return { ...r.data.exportSipTrunks, buffer: Buffer.from(r.data.exportSipTrunks.base64, 'base64') };
};
/** The auth password as pjsip.conf has it after an apply: proves the imported password equals the exported one. */
const authPassword = async (s: TestServer, name: string) => {
  await s.gql(`mutation { applyPbxConfiguration { outcome } }`, {}, s.adminToken);
  const pjsip = readFileSync(join(s.running.config.asterisk.configDir, 'pjsip.conf'), 'utf8');
  // The auth object's name ends in a fingerprint of the credentials.
  const section = new RegExp(`^\\[(${name}-auth-[0-9a-f]{8})\\]$`, 'm').exec(pjsip)?.[1];
  return section ? readValue(pjsip, section, 'password') : undefined;
};

beforeAll(async () => {
  [source, target] = await Promise.all([startTestServer(), startTestServer()]);
  const inputs = [
    {
      name: 'ITSP-1',
      serverHost: 'sip.provider.example',
      username: '+4930123456',
      password: '=cmd|x!A0',
      fromUser: '+4930123456',
      codecs: ['G722', 'ALAW'],
      remoteAddresses: ['192.0.2.0/24', '198.51.100.1'],
    },
    {
      name: 'ITSP-2',
      serverHost: '2001:db8::1',
      username: 'u2',
      password: '>P@ss-2',
      outboundProxyHost: 'proxy.example',
      outboundProxyPort: 5070,
      maxConcurrentCalls: 3,
      videoCodec: 'H264',
      nat: true,
    },
    { name: 'Branch', mode: 'SERVER', password: 'Branch-pass1', enabled: false, recording: 'BOTH', sendRpid: true, transport: 'TCP' },
  ];
  for (const input of inputs) ok(await source.gql(CREATE, { input }, source.adminToken), 'createSipTrunk');
});
afterAll(async () => {
  await Promise.all([source.stop(), target.stop()]);
});

describe('SIP trunks: export and import (F-2.3.c)', () => {
  it('exports every SIP trunk to XLSX and imports it into a fresh database unchanged, passwords included', async () => {
    const file = await download(source, 'XLSX');
    expect(file.filename).toBe('sip-trunks.xlsx');
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(file.buffer);
    expect(workbook.worksheets[0]!.rowCount).toBe(4);
    // A cell a spreadsheet would run as a formula is exported as text.
    const header = (workbook.worksheets[0]!.getRow(1).values as string[]).slice(1);
    expect(workbook.worksheets[0]!.getRow(3).getCell(header.indexOf('password') + 1).text).toBe("'=cmd|x!A0");
    const r = await uploadFile(target.graphqlUrl, target.adminToken, IMPORT, {}, { name: file.filename, content: file.buffer, type: file.contentType });
    expect(ok(r, 'importSipTrunks')).toMatchObject({ rows: 3, createdCount: 3, rejected: [] });
    expect(await all(target)).toEqual(await all(source));
    expect(await authPassword(target, 'ITSP-1')).toBe('=cmd|x!A0');
  });

  it('round-trips through CSV too', async () => {
    const fresh = await startTestServer();
    try {
      const file = await download(source, 'CSV');
      expect(file.contentType).toMatch(/text\/csv/);
      const r = await uploadFile(fresh.graphqlUrl, fresh.adminToken, IMPORT, {}, { name: 'trunks.csv', content: file.buffer, type: 'text/csv' });
      expect(ok(r, 'importSipTrunks').createdCount).toBe(3);
      expect(await all(fresh)).toEqual(await all(source));
      expect(await authPassword(fresh, 'ITSP-2')).toBe('>P@ss-2');
    } finally {
      await fresh.stop();
    }
  });

  it('serves an empty template with the field names as columns', async () => {
    const csv = await download(source, 'CSV', true);
    const lines = csv.buffer.toString('utf8').trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]!.split(',').slice(0, 4)).toEqual(['name', 'enabled', 'mode', 'dialPermission']);
    expect(lines[0]).not.toMatch(/faxDetect|authMethod/);
  });

  it('an import with errors writes nothing and reports each row and field; VALID_ROWS_ONLY writes the good rows', async () => {
    const csv = [
      'name,serverHost,username,password,sendPai,sendRpid,serverPort,codecs,dialPermission',
      'Good-1,sip.example,u1,Secret-1,false,false,5060,ALAW,',
      'Bad;Name,sip.example,u2,Secret-2,,,,,',
      'Excl,sip.example,u3,Secret-3,true,true,,,',
      'Port,sip.example,u4,Secret-4,,,99999,,',
      'good-1,sip.example,u5,Secret-5,,,,,',
      'ITSP-1,sip.example,u6,Secret-6,,,,,',
      'NoHost,,u7,Secret-7,,,,,',
      'Codec,sip.example,u8,Secret-8,,,,MP3,',
      'Perm,sip.example,u9,Secret-9,,,,,Nowhere',
      'Bool,sip.example,u9,Secret-9,maybe,,,,',
      ',,,,,,,,',
      'Good-2,sip.example,u10,Secret-10,,,,"g722,ulaw",',
    ].join('\n');
    const r = await uploadFile(target.graphqlUrl, target.adminToken, IMPORT, {}, { name: 'new.csv', content: csv, type: 'text/csv' });
    const result = r.data.importSipTrunks;
    expect(result.__typename).toBe('ValidationError');
    const byPath = result.issues.map((i: any) => `${i.path.join('.')}:${i.code}`);
    expect(byPath).toEqual(
      expect.arrayContaining([
        'rows.3.name:INVALID_FORMAT',
        'rows.4.sendRpid:EXCLUSIVE',
        'rows.5.serverPort:OUT_OF_BOUNDS',
        'rows.6.name:DUPLICATE',
        'rows.7.name:NAME_TAKEN',
        'rows.8.serverHost:REQUIRED',
        'rows.9.codecs.0:INVALID_VALUE',
        'rows.10.dialPermission:NOT_FOUND',
        'rows.11.sendPai:INVALID_TYPE',
      ]),
    );
    expect(byPath.some((p: string) => p.startsWith('rows.2.') || p.startsWith('rows.13.'))).toBe(false);
    expect((await target.gql(`{ trunks(first: 5, search: "Good") { totalCount } }`, {}, target.adminToken)).data.trunks.totalCount).toBe(0);

    const valid = await uploadFile(target.graphqlUrl, target.adminToken, IMPORT, { mode: 'VALID_ROWS_ONLY' }, { name: 'new.csv', content: csv, type: 'text/csv' });
    const payload = ok(valid, 'importSipTrunks');
    expect(payload.rows).toBe(11);
    expect(payload.trunks.map((t: any) => t.name)).toEqual(['Good-1', 'Good-2']);
    const good2 = (await all(target)).find((t: any) => t.name === 'Good-2');
    expect(good2).toMatchObject({ codecs: ['G722', 'ULAW'], dialPermission: { name: 'DialPlan1' }, serverPort: 5060 });
  });

  it('rejects unreadable files and unknown columns', async () => {
    const junk = await uploadFile(target.graphqlUrl, target.adminToken, IMPORT, {}, { name: 'x.xlsx', content: 'not a zip', type: 'application/octet-stream' });
    expect(junk.data.importSipTrunks.issues[0]).toMatchObject({ path: ['file'], code: 'INVALID_FILE' });
    const unknown = await uploadFile(target.graphqlUrl, target.adminToken, IMPORT, {}, { name: 'x.csv', content: 'name,faxDetect\nA,true', type: 'text/csv' });
    expect(unknown.data.importSipTrunks.issues[0]).toMatchObject({ path: ['file', 'columns'], code: 'UNKNOWN_COLUMN' });
    const noName = await uploadFile(target.graphqlUrl, target.adminToken, IMPORT, {}, { name: 'x.csv', content: 'serverHost\nsip.example', type: 'text/csv' });
    expect(noName.data.importSipTrunks.issues[0]).toMatchObject({ path: ['file', 'columns'], code: 'REQUIRED' });
  });

  it('export and import are for administrators only', async () => {
    await source.gql(`mutation { createAccount(input: { username: "oper", password: "operator-pass", role: OPERATOR }) { __typename } }`, {}, source.adminToken);
    const token = await source.login('oper', 'operator-pass');
    const refused = await download(source, 'CSV', false, token);
    expect(refused.errors?.[0]?.message).toMatch(/Not permitted/);
    const upload = await uploadFile(source.graphqlUrl, token, IMPORT, {}, { name: 'x.csv', content: 'name\nA', type: 'text/csv' });
    expect(upload.data.importSipTrunks.__typename).toBe('NotPermittedError');
  });
});
