import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_FIELDS, ok, startTestServer, type TestServer } from '../support/server.js';
import { cdrLine, wavBytes } from './support.js';

/**
 * Call records and recordings over real HTTP: a server whose Asterisk log and
 * spool folders hold a CDR file written the way Asterisk writes it and
 * recordings the way MixMonitor does.
 */

const T0 = Date.UTC(2026, 10, 26, 9, 0, 0) / 1000;
const at = (offset: number) => new Date((T0 + offset) * 1000).toISOString();
const RANGE = { from: at(-60), to: at(3600) };

/** The calls Asterisk wrote: one each of the kinds F-5.2 tells apart, and one from the day before. */
const calls = {
  answered: cdrLine({ uniqueid: `${T0}.1`, linkedid: `${T0}.1`, sequence: 1, start: T0, answer: T0 + 1, end: T0 + 4, duration: 4, billsec: 3 }),
  busy: cdrLine({ uniqueid: `${T0 + 60}.3`, linkedid: `${T0 + 60}.3`, sequence: 3, start: T0 + 60, answer: 0, end: T0 + 62, duration: 2, billsec: 0, disposition: 'BUSY' }),
  inbound: cdrLine({
    clid: '"=HYPERLINK("http://evil.example")" <+4930555>',
    src: '+4930555',
    dst: '102',
    channel: 'PJSIP/provider-00000005',
    dstchannel: 'PJSIP/102-00000006',
    uniqueid: `${T0 + 120}.5`,
    linkedid: `${T0 + 120}.5`,
    sequence: 5,
    start: T0 + 120,
    answer: T0 + 125,
    end: T0 + 185,
    duration: 65,
    billsec: 60,
    pbx_trunk: 'provider',
    pbx_did: '4930123456',
  }),
  outbound: cdrLine({
    clid: '"Bob" <5550199>',
    src: '5550199',
    dst: '95551234',
    channel: 'PJSIP/101-00000007',
    dstchannel: 'PJSIP/provider-00000008',
    lastdata: 'PJSIP/005551234@provider,,T',
    accountcode: '4711',
    uniqueid: `${T0 + 180}.7`,
    linkedid: `${T0 + 180}.7`,
    sequence: 7,
    start: T0 + 180,
    answer: T0 + 190,
    end: T0 + 210,
    duration: 30,
    billsec: 20,
  }),
  noAnswer: cdrLine({
    clid: '"User 102" <102>',
    src: '102',
    dst: '100',
    channel: 'PJSIP/102-00000009',
    dstchannel: 'PJSIP/100-0000000a',
    uniqueid: `${T0 + 240}.9`,
    linkedid: `${T0 + 240}.9`,
    sequence: 9,
    start: T0 + 240,
    answer: 0,
    end: T0 + 255,
    duration: 15,
    billsec: 0,
    disposition: 'NO ANSWER',
  }),
  dayBefore: cdrLine({ uniqueid: `${T0 - 86400}.0`, linkedid: `${T0 - 86400}.0`, sequence: 0, start: T0 - 86400, answer: T0 - 86399, end: T0 - 86390 }),
};

const RECORD_FIELDS = `id callId uniqueid sequence startedAt answeredAt endedAt durationSeconds talkSeconds caller callerName callee finalCallee direction disposition trunk did pinCode callerExtension calleeExtension lastApp`;
const LIST = `query($f: CallRecordFilter!, $first: Int, $after: String, $o: CallRecordOrder) {
  callRecords(filter: $f, first: $first, after: $after, orderBy: $o) { totalCount pageInfo { hasNextPage endCursor } edges { node { ${RECORD_FIELDS} recording { id kind downloadUrl } } } } }`;
const RECORDINGS = `query($f: RecordingFilter!) { recordings(filter: $f, first: 50) { totalCount edges { node { id kind fileName callId startedAt durationSeconds sizeBytes caller callee finalCallee direction disposition trunk did callerExtension calleeExtension contentType downloadUrl } } } }`;

describe('call records and recordings over the API (F-5.2, F-5.1.1, F-5.1.3)', () => {
  let server: TestServer;
  let varDir: string;
  let cdrFile: string;
  let monitor: string;
  let user101: string;
  let billing: string;
  let apiKey: string;
  const gql = async (query: string, variables: Record<string, unknown> = {}, token = server.adminToken) => server.gql(query, variables, token);
  const imported = () => server.running.services.records.worker.wake();
  const list = async (filter: Record<string, unknown>, token = server.adminToken, extra: Record<string, unknown> = {}) => {
    const r = await gql(LIST, { f: { ...RANGE, ...filter }, first: 50, ...extra }, token);
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    return r.data.callRecords as { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string }; edges: { node: any }[] };
  };
  const uniqueids = (page: { edges: { node: any }[] }) => page.edges.map((e) => e.node.uniqueid);

  beforeAll(async () => {
    varDir = mkdtempSync(path.join(tmpdir(), 'pbx-records-api-'));
    const logDir = path.join(varDir, 'log');
    const spoolDir = path.join(varDir, 'spool');
    mkdirSync(path.join(logDir, 'cdr-custom'), { recursive: true });
    monitor = path.join(spoolDir, 'monitor');
    mkdirSync(monitor, { recursive: true });
    cdrFile = path.join(logDir, 'cdr-custom', 'pbx-cdr.json');
    server = await startTestServer({ ASTERISK_LOG_DIR: logDir, ASTERISK_SPOOL_DIR: spoolDir });
    ok(await gql(`mutation { createExtensions(input: { startNumber: "100", count: 3 }) { ${ERROR_FIELDS} ... on MutationCreateExtensionsSuccess { data { count } } } }`), 'createExtensions');
    ok(
      await gql(
        `mutation { createSipTrunk(input: { name: "provider", serverHost: "sip.provider.example", serverPort: 5060, username: "4930123456", password: "from-the-provider" }) { ${ERROR_FIELDS} ... on MutationCreateSipTrunkSuccess { data { id } } } }`,
      ),
      'createSipTrunk',
    );
    // The calls of the fixture are older than the extensions: as if they had been created before them.
    const longBefore = new Date((T0 - 7 * 86400) * 1000);
    await server.running.services.db.prisma.extension.updateMany({ data: { createdAt: longBefore, numberSince: longBefore } });
    ok(await gql(`mutation { setExtensionLoginPassword(extension: "101", password: "Login-101x") { ${ERROR_FIELDS} } }`), 'setExtensionLoginPassword');
    user101 = await server.login('101', 'Login-101x');
    ok(await gql(`mutation { createAccount(input: { username: "billing1", password: "Billing-pw1", role: BILLING }) { ${ERROR_FIELDS} } }`), 'createAccount');
    billing = await server.login('billing1', 'Billing-pw1');
    apiKey = ok<{ secret: string }>(
      await gql(`mutation { createApiKey(name: "crm", scopes: [CALLRECORDS_READ]) { ${ERROR_FIELDS} ... on MutationCreateApiKeySuccess { data { secret } } } }`),
      'createApiKey',
    ).secret;
    writeFileSync(
      cdrFile,
      Object.values(calls)
        .map((l) => `${l}\n`)
        .join(''),
    );
    writeFileSync(path.join(monitor, `call-20261126T090000-100-101-${T0}.1-${T0}.1.wav`), wavBytes(3));
    writeFileSync(path.join(monitor, `ondemand-${T0 + 130}-${T0 + 120}.5-${T0 + 120}.6.wav`), wavBytes(2));
    await imported();
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    rmSync(varDir, { recursive: true, force: true });
  });

  it('every call in the range with the fields of F-5.2, newest first', async () => {
    const page = await list({});
    expect(page.totalCount).toBe(5);
    expect(uniqueids(page)).toEqual([`${T0 + 240}.9`, `${T0 + 180}.7`, `${T0 + 120}.5`, `${T0 + 60}.3`, `${T0}.1`]);
    const byId = Object.fromEntries(page.edges.map((e) => [e.node.uniqueid, e.node]));
    expect(byId[`${T0}.1`]).toMatchObject({
      callId: `${T0}.1`,
      startedAt: at(0),
      answeredAt: at(1),
      endedAt: at(4),
      durationSeconds: 4,
      talkSeconds: 3,
      caller: '100',
      callerName: 'Alice',
      callee: '101',
      finalCallee: '101',
      direction: 'INTERNAL',
      disposition: 'ANSWERED',
      trunk: '',
      callerExtension: '100',
      calleeExtension: '101',
      lastApp: 'Dial',
    });
    expect(byId[`${T0 + 60}.3`]).toMatchObject({ disposition: 'BUSY', answeredAt: null, talkSeconds: 0 });
    expect(byId[`${T0 + 120}.5`]).toMatchObject({
      direction: 'INBOUND',
      caller: '+4930555',
      callee: '4930123456',
      finalCallee: '102',
      trunk: 'provider',
      did: '4930123456',
      callerExtension: null,
      calleeExtension: '102',
    });
    expect(byId[`${T0 + 180}.7`]).toMatchObject({ direction: 'OUTBOUND', caller: '101', callee: '005551234', trunk: 'provider', pinCode: '4711', callerExtension: '101' });
    expect(byId[`${T0 + 240}.9`]).toMatchObject({ disposition: 'NO_ANSWER', caller: '102', callee: '100' });
  });

  it('the linked recording, with a link that serves its audio', async () => {
    const page = await list({});
    const byId = Object.fromEntries(page.edges.map((e) => [e.node.uniqueid, e.node]));
    expect(byId[`${T0}.1`].recording).toMatchObject({ kind: 'CALL' });
    expect(byId[`${T0 + 120}.5`].recording).toMatchObject({ kind: 'ON_DEMAND' });
    expect(byId[`${T0 + 60}.3`].recording).toBeNull();
    const response = await fetch(`${server.url}${byId[`${T0}.1`].recording.downloadUrl}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('audio/wav');
    expect(Buffer.from(await response.arrayBuffer()).equals(wavBytes(3))).toBe(true);
  });

  it('pages without gaps or repeats, and sorts by start, duration, caller or callee', async () => {
    const first = await list({}, server.adminToken, { first: 2 });
    expect(first.edges).toHaveLength(2);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = await list({}, server.adminToken, { first: 2, after: first.pageInfo.endCursor });
    const third = await list({}, server.adminToken, { first: 2, after: second.pageInfo.endCursor });
    expect([...uniqueids(first), ...uniqueids(second), ...uniqueids(third)]).toEqual(uniqueids(await list({})));
    expect(third.pageInfo.hasNextPage).toBe(false);
    const byDuration = await list({}, server.adminToken, { o: { field: 'DURATION_SECONDS', direction: 'ASC' } });
    expect(byDuration.edges.map((e) => e.node.durationSeconds)).toEqual([2, 4, 15, 30, 65]);
    const byCallee = await list({}, server.adminToken, { o: { field: 'CALLEE', direction: 'ASC' } });
    expect(byCallee.edges.map((e) => e.node.callee)).toEqual(['005551234', '100', '101', '101', '4930123456']);
    const byCaller = await list({}, server.adminToken, { o: { field: 'CALLER', direction: 'DESC' } });
    expect(byCaller.edges[0]!.node.caller).toBe('102');
  });

  it('each filter of F-5.2 narrows the list', async () => {
    const ids = async (filter: Record<string, unknown>) => uniqueids(await list(filter)).sort();
    expect(await ids({ caller: '4930' })).toEqual([`${T0 + 120}.5`]);
    expect(await ids({ caller: 'alice' })).toEqual([`${T0 + 60}.3`, `${T0}.1`].sort());
    expect(await ids({ callee: '5551234' })).toEqual([`${T0 + 180}.7`]);
    expect(await ids({ trunk: 'PROV' })).toEqual([`${T0 + 120}.5`, `${T0 + 180}.7`].sort());
    expect(await ids({ did: '30123' })).toEqual([`${T0 + 120}.5`]);
    expect(await ids({ pinCode: '4711' })).toEqual([`${T0 + 180}.7`]);
    expect(await ids({ pinCode: '471' })).toEqual([]);
    expect(await ids({ direction: 'INBOUND' })).toEqual([`${T0 + 120}.5`]);
    expect(await ids({ direction: 'OUTBOUND' })).toEqual([`${T0 + 180}.7`]);
    expect(await ids({ disposition: 'BUSY' })).toEqual([`${T0 + 60}.3`]);
    expect(await ids({ extension: '102' })).toEqual([`${T0 + 120}.5`, `${T0 + 240}.9`].sort());
    expect(await ids({ minDurationSeconds: 15, maxDurationSeconds: 30 })).toEqual([`${T0 + 180}.7`, `${T0 + 240}.9`].sort());
    expect(await ids({ from: at(-86400 - 60), to: at(-86000) })).toEqual([`${T0 - 86400}.0`]);
    // Only the range: everything in it (the call of the day before is not).
    expect((await list({})).totalCount).toBe(5);
  });

  it('a range that ends before it starts, or a negative duration, is refused naming the field', async () => {
    const r = await gql(LIST, { f: { from: at(100), to: at(0) }, first: 5 });
    expect(r.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    expect(r.errors?.[0]?.message).toContain('filter.to');
    const d = await gql(LIST, { f: { ...RANGE, minDurationSeconds: -1 }, first: 5 });
    expect(d.errors?.[0]?.message).toContain('filter.minDurationSeconds');
  });

  it('an extension user sees the records and recordings of its own calls only; billing reads records but no recordings; an API key reads with its scope', async () => {
    expect(uniqueids(await list({}, user101)).sort()).toEqual([`${T0 + 180}.7`, `${T0 + 60}.3`, `${T0}.1`].sort());
    // Filters cannot widen it.
    expect(uniqueids(await list({ extension: '102' }, user101))).toEqual([]);
    const recordings = await gql(RECORDINGS, { f: RANGE }, user101);
    expect(recordings.data.recordings.edges.map((e: any) => e.node.callId)).toEqual([`${T0}.1`]);
    const asBilling = await list({}, billing);
    expect(asBilling.totalCount).toBe(5);
    expect(asBilling.edges.every((e) => e.node.recording === null)).toBe(true);
    expect((await gql(RECORDINGS, { f: RANGE }, billing)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await list({}, apiKey)).totalCount).toBe(5);
    expect((await gql(RECORDINGS, { f: RANGE }, apiKey)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await gql(LIST, { f: RANGE, first: 5 }, '')).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    // Another's record by its ID: not there for the extension user.
    const other = (await list({ extension: '102' })).edges[0]!.node.id;
    const node = await gql(`query($id: ID!) { node(id: $id) { id } }`, { id: other }, user101);
    expect(node.data?.node ?? null).toBeNull();
    const own = (await list({ extension: '101', direction: 'OUTBOUND' })).edges[0]!.node.id;
    expect((await gql(`query($id: ID!) { node(id: $id) { ... on CallRecord { callee } } }`, { id: own }, user101)).data.node).toEqual({ callee: '005551234' });
  });

  it("a new extension given a deleted one's number sees none of the old one's calls or recordings", async () => {
    const before = await list({ extension: '102' });
    expect(before.totalCount).toBeGreaterThan(0);
    const id102 = (await gql(`{ extension(number: "102") { id } }`)).data.extension.id;
    expect(
      ok(await gql(`mutation($ids: [ID!]!) { deleteExtensions(ids: $ids) { ${ERROR_FIELDS} ... on MutationDeleteExtensionsSuccess { data { count } } } }`, { ids: [id102] }), 'deleteExtensions').count,
    ).toBe(1);
    ok(
      await gql(`mutation { createExtension(input: { number: "102", name: "New hire", password: "Secret-102-new" }) { ${ERROR_FIELDS} ... on MutationCreateExtensionSuccess { data { id } } } }`),
      'createExtension',
    );
    ok(await gql(`mutation { setExtensionLoginPassword(extension: "102", password: "Login-102x") { ${ERROR_FIELDS} } }`), 'setExtensionLoginPassword');
    const newcomer = await server.login('102', 'Login-102x');
    expect((await list({}, newcomer)).totalCount).toBe(0);
    expect((await gql(RECORDINGS, { f: RANGE }, newcomer)).data.recordings.totalCount).toBe(0);
    const oldRecord = before.edges[0]!.node.id;
    expect((await gql(`query($id: ID!) { node(id: $id) { id } }`, { id: oldRecord }, newcomer)).data?.node ?? null).toBeNull();
    // The records themselves stay, for those who may read every call.
    expect((await list({ extension: '102' })).totalCount).toBe(before.totalCount);
  });

  it('exports as CSV and XLSX with the columns of F-5.2; a caller name that looks like a formula stays text', async () => {
    const exported = async (format: string) => {
      const r = await gql(`query($f: CallRecordFilter!, $format: FileFormat!) { exportCallRecords(filter: $f, format: $format) { filename contentType base64 } }`, { f: RANGE, format });
      if (r.errors) throw new Error(JSON.stringify(r.errors));
      return r.data.exportCallRecords as { filename: string; contentType: string; base64: string };
    };
    const csv = await exported('CSV');
    expect(csv.filename).toBe('call-records.csv');
    const rows = parseCsv(Buffer.from(csv.base64, 'base64')) as string[][];
    expect(rows[0]).toEqual([
      'startedAt',
      'answeredAt',
      'endedAt',
      'caller',
      'callerName',
      'callee',
      'finalCallee',
      'direction',
      'disposition',
      'durationSeconds',
      'talkSeconds',
      'trunk',
      'did',
      'pinCode',
      'callerExtension',
      'calleeExtension',
      'linkedid',
      'uniqueid',
    ]);
    expect(rows).toHaveLength(6);
    expect(rows[1]!.slice(0, 11)).toEqual([at(0), at(1), at(4), '100', 'Alice', '101', '101', 'INTERNAL', 'ANSWERED', '4', '3']);
    const inbound = rows.find((r) => r[17] === `${T0 + 120}.5`)!;
    expect(inbound[4]).toBe(`'=HYPERLINK("http://evil.example")`);
    const xlsx = await exported('XLSX');
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(Buffer.from(xlsx.base64, 'base64') as unknown as ArrayBuffer);
    const sheet = workbook.worksheets[0]!;
    expect(sheet.rowCount).toBe(6);
    const cell = sheet.getRow(4).getCell(5);
    expect(cell.type).toBe(ExcelJS.ValueType.String);
    expect(cell.value).toBe(`'=HYPERLINK("http://evil.example")`);
    // The extension user's export holds its own calls only.
    const own = await gql(`query($f: CallRecordFilter!) { exportCallRecords(filter: $f) { base64 } }`, { f: RANGE }, user101);
    expect((parseCsv(Buffer.from(own.data.exportCallRecords.base64, 'base64')) as string[][]).length).toBe(4);
  });

  it('recordings: listed with their call, filtered like records and by kind', async () => {
    const all = await gql(RECORDINGS, { f: RANGE });
    expect(all.data.recordings.totalCount).toBe(2);
    const [onDemand, call] = all.data.recordings.edges.map((e: any) => e.node);
    expect(call).toMatchObject({
      kind: 'CALL',
      fileName: `call-20261126T090000-100-101-${T0}.1-${T0}.1.wav`,
      startedAt: at(0),
      durationSeconds: 3,
      sizeBytes: 44 + 48000,
      caller: '100',
      callee: '101',
      finalCallee: '101',
      direction: 'INTERNAL',
      disposition: 'ANSWERED',
      callerExtension: '100',
      calleeExtension: '101',
      contentType: 'audio/wav',
    });
    expect(onDemand).toMatchObject({
      kind: 'ON_DEMAND',
      callId: `${T0 + 120}.5`,
      startedAt: at(130),
      direction: 'INBOUND',
      trunk: 'provider',
      did: '4930123456',
      caller: '+4930555',
      calleeExtension: '102',
    });
    const only = async (filter: Record<string, unknown>) => (await gql(RECORDINGS, { f: { ...RANGE, ...filter } })).data.recordings.edges.map((e: any) => e.node.kind);
    expect(await only({ kind: 'ON_DEMAND' })).toEqual(['ON_DEMAND']);
    expect(await only({ direction: 'INTERNAL' })).toEqual(['CALL']);
    expect(await only({ trunk: 'provider' })).toEqual(['ON_DEMAND']);
    expect(await only({ minDurationSeconds: 3 })).toEqual(['CALL']);
    expect(await only({ extension: '102' })).toEqual(['ON_DEMAND']);
  });

  it('downloads: signed for one recording and a while, or with a Bearer token of someone who may hear it; byte ranges', async () => {
    const all = (await gql(RECORDINGS, { f: RANGE })).data.recordings.edges.map((e: any) => e.node);
    const call = all.find((r: any) => r.kind === 'CALL');
    const onDemand = all.find((r: any) => r.kind === 'ON_DEMAND');
    const file = readFileSync(path.join(monitor, call.fileName));
    const signed = await fetch(`${server.url}${call.downloadUrl}`);
    const body = Buffer.from(await signed.arrayBuffer());
    expect(body.equals(file)).toBe(true);
    expect(body.toString('ascii', 0, 4)).toBe('RIFF');
    const range = await fetch(`${server.url}${call.downloadUrl}`, { headers: { range: 'bytes=8-11' } });
    expect(range.status).toBe(206);
    expect(range.headers.get('content-range')).toBe(`bytes 8-11/${file.length}`);
    expect(await range.text()).toBe('WAVE');
    expect((await fetch(`${server.url}${call.downloadUrl}`, { headers: { range: `bytes=${file.length}-` } })).status).toBe(416);
    // The token of one recording does not open another; no token, a bad one: refused.
    const [path1] = call.downloadUrl.split('?');
    const [, token2] = onDemand.downloadUrl.split('?');
    expect((await fetch(`${server.url}${path1}?${token2}`)).status).toBe(403);
    expect((await fetch(`${server.url}${path1}`)).status).toBe(401);
    expect((await fetch(`${server.url}${path1}?token=not-a-token`)).status).toBe(401);
    expect((await fetch(`${server.url}${path1}`, { headers: { authorization: `Bearer ${server.adminToken}` } })).status).toBe(200);
    expect((await fetch(`${server.url}${path1}`, { headers: { authorization: `Bearer ${user101}` } })).status).toBe(200);
    const [path2] = onDemand.downloadUrl.split('?');
    expect((await fetch(`${server.url}${path2}`, { headers: { authorization: `Bearer ${user101}` } })).status).toBe(404);
    expect((await fetch(`${server.url}${path1}`, { headers: { authorization: `Bearer ${billing}` } })).status).toBe(404);
    expect((await fetch(`${server.url}${path1}`, { method: 'POST' })).status).toBe(405);
  });

  it('the retention setting reads and writes like the other settings', async () => {
    const set = await gql(`mutation { updateCallRecordSettings(input: { retentionDays: 90 }) { ${ERROR_FIELDS} ... on MutationUpdateCallRecordSettingsSuccess { data { retentionDays } } } }`);
    expect(ok(set, 'updateCallRecordSettings')).toEqual({ retentionDays: 90 });
    expect((await gql(`{ settings { callRecords { retentionDays } } }`)).data.settings.callRecords).toEqual({ retentionDays: 90 });
    const bad = await gql(`mutation { updateCallRecordSettings(input: { retentionDays: -1 }) { ${ERROR_FIELDS} } }`);
    expect(bad.data.updateCallRecordSettings).toMatchObject({ __typename: 'ValidationError', issues: [{ path: ['input', 'retentionDays'] }] });
    ok(await gql(`mutation { updateCallRecordSettings(input: { retentionDays: 0 }) { ${ERROR_FIELDS} } }`), 'updateCallRecordSettings');
  });

  it('every record is one callRecord.created event in the webhook outbox', async () => {
    const events = await server.running.services.db.prisma.webhookEvent.findMany({ where: { type: 'callRecord.created' } });
    expect(events).toHaveLength(6);
    expect(new Set(events.map((e) => e.idempotencyKey)).size).toBe(6);
  });

  it('records Asterisk writes while this server is stopped arrive after its restart, once', async () => {
    await server.running.stop();
    appendFileSync(cdrFile, `${cdrLine({ uniqueid: `${T0 + 300}.11`, linkedid: `${T0 + 300}.11`, sequence: 11, start: T0 + 300, answer: T0 + 301, end: T0 + 303 })}\n`);
    await server.restart();
    await imported();
    const page = await list({});
    expect(page.totalCount).toBe(6);
    expect(uniqueids(page)[0]).toBe(`${T0 + 300}.11`);
    await imported();
    expect((await list({})).totalCount).toBe(6);
  });

  it('deleteRecordings needs recordings:write, and deletes the file and the entry', async () => {
    const all = (await gql(RECORDINGS, { f: RANGE })).data.recordings.edges.map((e: any) => e.node);
    const call = all.find((r: any) => r.kind === 'CALL');
    const DELETE = `mutation($ids: [ID!]!) { deleteRecordings(ids: $ids) { ${ERROR_FIELDS} ... on MutationDeleteRecordingsSuccess { data { count deletedIds } } } }`;
    expect((await gql(DELETE, { ids: [call.id] }, billing)).data.deleteRecordings.__typename).toBe('NotPermittedError');
    expect((await gql(DELETE, { ids: [call.id] }, user101)).data.deleteRecordings.__typename).toBe('NotPermittedError');
    expect(ok(await gql(DELETE, { ids: [call.id] }), 'deleteRecordings')).toEqual({ count: 1, deletedIds: [call.id] });
    expect(existsSync(path.join(monitor, call.fileName))).toBe(false);
    expect((await gql(RECORDINGS, { f: RANGE })).data.recordings.totalCount).toBe(1);
    expect((await gql(DELETE, { ids: [call.id] })).data.deleteRecordings.__typename).toBe('NotFoundError');
    expect((await fetch(`${server.url}${call.downloadUrl}`)).status).toBe(404);
  });
  it("an extension renumbered onto another's former number sees none of its calls; the renumbered one keeps only those of its new number", async () => {
    const idOf = async (number: string) => (await gql(`{ extension(number: "${number}") { id } }`)).data.extension.id as string;
    const renumber = async (number: string, to: string) =>
      ok(
        await gql(`mutation($id: ID!, $n: String!) { updateExtension(id: $id, input: { number: $n }) { ${ERROR_FIELDS} ... on MutationUpdateExtensionSuccess { data { id } } } }`, {
          id: await idOf(number),
          n: to,
        }),
        'updateExtension',
      );
    expect((await list({}, user101)).totalCount).toBeGreaterThan(0);
    // 102 (the new hire above) as if it had had its number as long as 101: only its renumbering can hide 101's calls from it.
    await server.running.services.db.prisma.extension.update({ where: { number: '102' }, data: { numberSince: new Date((T0 - 7 * 86400) * 1000) } });
    await renumber('101', '190');
    await renumber('102', '101');
    const successor = await server.login('101', 'Login-102x');
    expect((await list({}, successor)).totalCount).toBe(0);
    expect((await gql(RECORDINGS, { f: RANGE }, successor)).data.recordings.totalCount).toBe(0);
    // The session of the extension that left 101 goes on as 190, whose history starts now.
    expect((await list({}, user101)).totalCount).toBe(0);
    expect((await list({ extension: '101' })).totalCount).toBeGreaterThan(0);
  });
});
