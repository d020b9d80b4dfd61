import ExcelJS from 'exceljs';
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Tx } from '../../src/db/client.js';
import type { PlannedExtension } from '../../src/extensions/service.js';
import { neutraliseFormula, restoreFormula } from '../../src/extensions/spreadsheet.js';
import { ERROR_FIELDS, ok, startTestServer, type TestServer } from '../support/server.js';
import { uploadFile } from '../support/upload.js';

const FIELDS = `number enabled name mobileNumber dialPermission { name } password language email outboundCallerId1 outboundCallerId2
  mohClass voicemailEnabled voicemailPin remoteRegistration maxContacts videoEnabled videoCodec recording
  registrationExpirySeconds webLogin pickupGroups transport dtmfMode srtp
  qualifyFrequencySeconds nat iax2Enabled trustedAddresses qualifyTimeoutSeconds sendPai sendRpid rtpTimeoutSeconds
  inbandProgress codecs`;
const IMPORT = `mutation($file: File!, $mode: ImportMode) { importExtensions(file: $file, mode: $mode) { ${ERROR_FIELDS}
  ... on MutationImportExtensionsSuccess { data { rows createdCount rejected { path message code } extensions { number } } } } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateExtensionInput!) { updateExtension(id: $id, input: $input) { ${ERROR_FIELDS} } }`;
const CREATE = `mutation($input: CreateExtensionInput!) { createExtension(input: $input) { ${ERROR_FIELDS} ... on MutationCreateExtensionSuccess { data { id } } } }`;

/** The first characters a spreadsheet takes as the start of a formula (OWASP). */
const FORMULA_START = /^[=+\-@\t\r]/;
const CALC = '=cmd|/Ccalc!A0';

const all = async (s: TestServer) => (await s.gql(`{ extensions(first: 500) { edges { node { ${FIELDS} } } } }`, {}, s.adminToken)).data.extensions.edges.map((e: any) => e.node);
const download = async (s: TestServer, format: 'XLSX' | 'CSV') => {
  const r = await s.gql(`query($f: FileFormat!) { exportExtensions(format: $f) { filename contentType base64 } }`, { f: format }, s.adminToken);
  return { ...r.data.exportExtensions, buffer: Buffer.from(r.data.exportExtensions.base64, 'base64') };
};
const owner = async (s: TestServer, number: string) => (await s.gql(`query($n: String!) { numberOwner(number: $n) { label } }`, { n: number }, s.adminToken)).data.numberOwner;
const extensionCount = async (s: TestServer) => (await s.gql(`{ extensions(first: 1) { totalCount } }`, {}, s.adminToken)).data.extensions.totalCount;

describe('formula injection in exported spreadsheets', () => {
  let source: TestServer;

  beforeAll(async () => {
    source = await startTestServer();
    const create = async (input: Record<string, unknown>) => ok<{ id: string }>(await source.gql(CREATE, { input }, source.adminToken), 'createExtension').id;
    const id = await create({ number: '300', name: 'Mallory', password: 'Secret-300' });
    // The extension user sets these itself: self-service may change password, email and mobile number.
    ok(await source.gql(`mutation { setExtensionLoginPassword(extension: "300", password: "Login-300x") { ${ERROR_FIELDS} } }`, {}, source.adminToken), 'setExtensionLoginPassword');
    const mallory = await source.login('300', 'Login-300x');
    ok(await source.gql(UPDATE, { id, input: { password: CALC, email: '=1+1@example.com', mobileNumber: '-1 (555) 0100' } }, mallory), 'updateExtension');
    await create({ number: '301', name: '+1 Sales', password: '+Secret-301', outboundCallerId1: '+442079460000' });
    await create({ number: '302', name: '@Lotus - Ops', password: '@SUM(1+1)*cmd|/Ccalc!A0' });
    await create({ number: '303', name: '-Dash', password: '-Secret-303' });
    // Values that really start with a quote must come back with it.
    await create({ number: '304', name: "'+quoted", password: 'Secret-304' });
    await create({ number: '305', name: "'Neil", password: 'Secret-305' });
    await create({ number: '306', name: "''", password: 'Secret-306' });
  });
  afterAll(async () => {
    await source?.stop();
  });

  it('quotes formula-looking CSV cells so a spreadsheet shows them as text', async () => {
    const file = await download(source, 'CSV');
    const text = file.buffer.toString('utf8');
    expect(text).toContain(`,'${CALC},`);
    const [header, ...rows] = parseCsv(text, { bom: true }) as string[][];
    const cell = (number: string, column: string) => rows.find((r) => r[0] === number)![header!.indexOf(column)]!;
    expect(cell('300', 'password')).toBe(`'${CALC}`);
    expect(cell('300', 'email')).toBe("'=1+1@example.com");
    expect(cell('300', 'mobileNumber')).toBe("'-1 (555) 0100");
    expect(cell('301', 'name')).toBe("'+1 Sales");
    expect(cell('301', 'outboundCallerId1')).toBe("'+442079460000");
    expect(cell('302', 'password')).toBe("'@SUM(1+1)*cmd|/Ccalc!A0");
    expect(cell('303', 'name')).toBe("'-Dash");
    expect(cell('304', 'name')).toBe("''+quoted");
    expect(cell('305', 'name')).toBe("''Neil");
    expect(cell('306', 'name')).toBe("'''");
    // Numbers stay plain numbers.
    expect(cell('300', 'maxContacts')).toBe('2');
    for (const row of rows) for (const value of row) expect(value).not.toMatch(FORMULA_START);
  });

  it('writes XLSX cells as plain quoted strings, never formulas', async () => {
    const file = await download(source, 'XLSX');
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(file.buffer);
    const sheet = workbook.worksheets[0]!;
    const header = (sheet.getRow(1).values as string[]).slice(1);
    const cellOf = (number: string, column: string) => {
      let found: ExcelJS.Cell | undefined;
      sheet.eachRow((row) => {
        if (row.getCell(1).value === number) found = row.getCell(header.indexOf(column) + 1);
      });
      return found!;
    };
    const password = cellOf('300', 'password');
    expect(password.type).toBe(ExcelJS.ValueType.String);
    expect(password.value).toBe(`'${CALC}`);
    expect(password.formula).toBeUndefined();
    expect(cellOf('301', 'name').value).toBe("'+1 Sales");
    expect(cellOf('305', 'name').value).toBe("''Neil");
    sheet.eachRow((row) =>
      row.eachCell((cell) => {
        expect(cell.type).toBe(ExcelJS.ValueType.String);
        expect(cell.formula).toBeUndefined();
        expect(String(cell.value)).not.toMatch(FORMULA_START);
      }),
    );
  });

  it.each(['CSV', 'XLSX'] as const)('an export in %s imported into an empty server gives back the same values', async (format) => {
    const target = await startTestServer();
    try {
      const file = await download(source, format);
      const r = await uploadFile(target.graphqlUrl, target.adminToken, IMPORT, {}, { name: file.filename, content: file.buffer, type: file.contentType });
      expect(ok(r, 'importExtensions')).toMatchObject({ rows: 7, createdCount: 7, rejected: [] });
      const imported = await all(target);
      expect(imported).toEqual(await all(source));
      expect(imported.find((e: any) => e.number === '300').password).toBe(CALC);
      expect(imported.map((e: any) => e.name)).toEqual(['Mallory', '+1 Sales', '@Lotus - Ops', '-Dash', "'+quoted", "'Neil", "''"]);
    } finally {
      await target.stop();
    }
  });

  it('also quotes cells starting with a tab or a carriage return, and takes exactly one quote off on import', () => {
    for (const value of ['\tx', '\rx', '=1', '+1', '-1', '@x', "'", "'=1", "''", "'a", 'plain', '']) {
      expect(restoreFormula(neutraliseFormula(value))).toBe(value);
    }
    expect(neutraliseFormula('\tx')).toBe("'\tx");
    expect(neutraliseFormula('\rx')).toBe("'\rx");
    expect(neutraliseFormula('plain')).toBe('plain');
    // A hand-made file's leading quote before an ordinary character is kept.
    expect(restoreFormula("'Neil")).toBe("'Neil");
  });
});

describe('import: the check runs in the transaction that writes', () => {
  let server: TestServer;
  const csv = (...rows: string[]) => ['number,name,password', ...rows].join('\n');
  const upload = (content: string, mode: 'ALL_OR_NOTHING' | 'VALID_ROWS_ONLY') => uploadFile(server.graphqlUrl, server.adminToken, IMPORT, { mode }, { name: 'rows.csv', content, type: 'text/csv' });

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await server?.stop();
  });

  it('imports in both modes, checking the rows once, inside a transaction', async () => {
    const service = server.running.services.extensions;
    const check = vi.spyOn(service, 'checkPlanned');
    try {
      const whole = await upload(csv('400,Four Hundred,Secret-400', '401,Four Oh One,Secret-401'), 'ALL_OR_NOTHING');
      expect(ok(whole, 'importExtensions')).toMatchObject({ rows: 2, createdCount: 2, rejected: [] });
      expect(check).toHaveBeenCalledTimes(1);
      expect(check.mock.calls[0]![0]).not.toBe(server.running.services.db.prisma);

      const some = await upload(csv('402,Four Oh Two,Secret-402', '400,Taken,Secret-400', '403,Bad;Name,Secret-403'), 'VALID_ROWS_ONLY');
      const payload = ok(some, 'importExtensions');
      expect(payload.extensions.map((e: any) => e.number)).toEqual(['402']);
      expect(payload.rejected.map((i: any) => `${i.path.join('.')}:${i.code}`)).toEqual(expect.arrayContaining(['rows.3.number:NUMBER_TAKEN', 'rows.4.name:INVALID_FORMAT']));
      expect(check).toHaveBeenCalledTimes(2);
      expect(check.mock.calls[1]![0]).not.toBe(server.running.services.db.prisma);
    } finally {
      check.mockRestore();
    }
  });

  it('a number claimed between the check and the write fails the whole import and leaves nothing written', async () => {
    const service = server.running.services.extensions;
    const realCheck = service.checkPlanned.bind(service);
    // Stands in for a concurrent request that claims 501 just after the check passed: the claim goes
    // through the client the check was given, so it is undone too if the check shares the write's transaction.
    const check = vi.spyOn(service, 'checkPlanned').mockImplementationOnce(async (tx: Tx, planned: PlannedExtension[]) => {
      const issues = await realCheck(tx, planned);
      await tx.dialableNumber.create({ data: { number: '501', ownerKind: 'DEPARTMENT', ownerId: 'concurrent-request' } });
      return issues;
    });
    try {
      const before = await extensionCount(server);
      const r = await upload(csv('500,Five Hundred,Secret-500', '501,Five Oh One,Secret-501', '502,Five Oh Two,Secret-502'), 'VALID_ROWS_ONLY');
      expect(r.data.importExtensions).toMatchObject({ __typename: 'NumberConflictError', number: '501' });
      expect(await extensionCount(server)).toBe(before);
      for (const number of ['500', '501', '502']) expect(await owner(server, number)).toBeNull();
    } finally {
      check.mockRestore();
    }
  });
});
