import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_FIELDS, ok, startTestServer, type TestServer } from '../support/server.js';
import { uploadFile } from '../support/upload.js';

const DID = `id did alertInfo destination { type target greeting ringTimeSeconds }`;
const CREATE_SIP = `mutation($input: CreateSipTrunkInput!) { createSipTrunk(input: $input) { ${ERROR_FIELDS} ... on MutationCreateSipTrunkSuccess { data { id name } } } }`;
const SET_ROUTE = `mutation($trunk: ID!, $input: InboundRouteInput!) { setInboundRoute(trunk: $trunk, input: $input) { ${ERROR_FIELDS}
  ... on MutationSetInboundRouteSuccess { data { name inboundRoute { alertInfo destination { type target ringTimeSeconds } } } } } }`;
const DELETE_ROUTE = `mutation($trunk: ID!) { deleteInboundRoute(trunk: $trunk) { ${ERROR_FIELDS} ... on MutationDeleteInboundRouteSuccess { data { inboundRoute { alertInfo } } } } }`;
const CREATE_DID = `mutation($input: CreateDidRouteInput!) { createDidRoute(input: $input) { ${ERROR_FIELDS} ... on MutationCreateDidRouteSuccess { data { ${DID} } } } }`;
const UPDATE_DID = `mutation($id: ID!, $input: UpdateDidRouteInput!) { updateDidRoute(id: $id, input: $input) { ${ERROR_FIELDS} ... on MutationUpdateDidRouteSuccess { data { ${DID} } } } }`;
const DELETE_DIDS = `mutation($ids: [ID!]!) { deleteDidRoutes(ids: $ids) { ${ERROR_FIELDS} ... on MutationDeleteDidRoutesSuccess { data { count } } } }`;
const DELETE_ALL = `mutation($confirm: Boolean!) { deleteAllDidRoutes(confirm: $confirm) { ${ERROR_FIELDS} ... on MutationDeleteAllDidRoutesSuccess { data { count } } } }`;
const IMPORT = `mutation($file: File!, $mode: ImportMode) { importDidRoutes(file: $file, mode: $mode) { ${ERROR_FIELDS}
  ... on MutationImportDidRoutesSuccess { data { rows createdCount rejected { path message code } didRoutes { did } } } } }`;

let server: TestServer;
const gql = (query: string, variables: Record<string, unknown> = {}) => server.gql(query, variables, server.adminToken);
const issuesOf = (result: any, field: string) => {
  const value = result.data?.[field];
  if (value?.__typename !== 'ValidationError') throw new Error(`${field}: expected a ValidationError, got ${JSON.stringify(result)}`);
  return value.issues as { path: string[]; message: string; code: string }[];
};
const rendered = async (file: string) => {
  const applied = await gql(`mutation { applyPbxConfiguration { outcome error dialplanIssues { message } } }`);
  expect(applied.data.applyPbxConfiguration, JSON.stringify(applied)).toMatchObject({ outcome: expect.stringMatching(/^(APPLIED|NO_CHANGES|WRITTEN_NOT_RELOADED)$/) });
  return readFileSync(join(server.running.config.asterisk.configDir, file), 'utf8');
};
const contextOf = (dialplan: string, name: string) => {
  const start = dialplan.indexOf(`[${name}]\n`);
  if (start < 0) return undefined;
  const next = dialplan.indexOf('\n[', start + 1);
  return dialplan.slice(start, next < 0 ? undefined : next).trimEnd() + '\n';
};
const allDids = async (search?: string) =>
  (await gql(`query($s: String) { didRoutes(first: 100, search: $s) { totalCount edges { node { ${DID} } } } }`, { s: search ?? null })).data.didRoutes as {
    totalCount: number;
    edges: { node: any }[];
  };
const destinationRows = (ownerKind: string) => server.running.services.db.prisma.destination.count({ where: { ownerKind } });
const download = async (format: 'XLSX' | 'CSV', template = false) => {
  const r = await gql(`query($f: FileFormat!, $t: Boolean!) { exportDidRoutes(format: $f, template: $t) { filename contentType base64 } }`, { f: format, t: template });
  return { ...r.data.exportDidRoutes, buffer: Buffer.from(r.data.exportDidRoutes.base64, 'base64') } as { filename: string; contentType: string; buffer: Buffer };
};
const upload = (name: string, content: string | Buffer, mode = 'ALL_OR_NOTHING') => uploadFile(server.graphqlUrl, server.adminToken, IMPORT, { mode }, { name, content, type: 'text/csv' });

let provider: { id: string };
beforeAll(async () => {
  server = await startTestServer();
  ok(await gql(`mutation { createExtensions(input: { startNumber: "100", count: 5 }) { ${ERROR_FIELDS} ... on MutationCreateExtensionsSuccess { data { count } } } }`), 'createExtensions');
  provider = ok(
    await gql(CREATE_SIP, { input: { name: 'Provider', serverHost: 'sip.provider.example', username: '4930123456', password: 'Pr0vider!secret', contactUser: '4930123456' } }),
    'createSipTrunk',
  );
});
afterAll(() => server.stop());

describe('the inbound route of a trunk (F-4.2.4)', () => {
  it('a trunk without a route sends its calls to the operator extension; a route sets the destination and the ring tone', async () => {
    const none = await gql(`query($id: ID!) { trunk(id: $id) { inboundRoute { alertInfo } } }`, { id: provider.id });
    expect(none.data.trunk.inboundRoute).toBeNull();
    let dialplan = await rendered('extensions.conf');
    // The operator (100) while it exists and is enabled, looked up when a call comes; else "not in service".
    expect(contextOf(dialplan, 'pbx-inbound-Provider')).toMatch(
      /same => n,GotoIf\(\$\["\$\{REALTIME_FIELD\(pbx_extension,number,100,enabled\)\}" = "1"\]\?pbx-extensions,100,1\)\n same => n,Answer\(\)\n same => n,Playback\(ss-noservice\)\n same => n,Hangup\(\)\n$/,
    );
    expect(await rendered('pjsip.conf')).toMatch(/\[Provider\]\ntype=endpoint\n(.*\n)*?context=pbx-inbound-Provider\n/);

    const set = ok(await gql(SET_ROUTE, { trunk: provider.id, input: { destination: { type: 'EXTENSION', target: '101', ringTimeSeconds: 25 }, alertInfo: 'ring-2' } }), 'setInboundRoute');
    expect(set.inboundRoute).toEqual({ alertInfo: 'ring-2', destination: { type: 'EXTENSION', target: '101', ringTimeSeconds: 25 } });
    dialplan = await rendered('extensions.conf');
    expect(contextOf(dialplan, 'pbx-inbound-Provider')).toMatch(/same => n,Set\(__PBX_ALERT_INFO=ring-2\)\n same => n,Gosub\(pbx-extension-ring-time,s,1\(101,25\)\)\n$/);

    // Only the fields given change.
    const ringOnly = ok(await gql(SET_ROUTE, { trunk: provider.id, input: { alertInfo: 'ring-3' } }), 'setInboundRoute');
    expect(ringOnly.inboundRoute).toEqual({ alertInfo: 'ring-3', destination: { type: 'EXTENSION', target: '101', ringTimeSeconds: 25 } });
    // The extension it sends calls to cannot go while the route uses it.
    const refused = await gql(`mutation($ids: [ID!]!) { deleteExtensions(ids: $ids) { ${ERROR_FIELDS} ... on ReferencedError { referrers { id } } } }`, {
      ids: [(await gql(`{ extension(number: "101") { id } }`)).data.extension.id],
    });
    // The referrer's id is the global ID of the trunk whose route it is: node() finds it.
    expect(refused.data.deleteExtensions.referrers).toEqual([{ kind: 'INBOUND_ROUTE', id: provider.id, label: 'the inbound route of trunk Provider sends its calls there' }]);
    expect((await gql(`query($id: ID!) { node(id: $id) { ... on SipTrunk { name } } }`, { id: provider.id })).data.node).toEqual({ name: 'Provider' });

    const deleted = ok(await gql(DELETE_ROUTE, { trunk: provider.id }), 'deleteInboundRoute');
    expect(deleted.inboundRoute).toBeNull();
    expect(await destinationRows('INBOUND_ROUTE')).toBe(0);
  });

  it('refuses bad input with field errors; nothing hostile reaches a file', async () => {
    const other = ok(await gql(CREATE_SIP, { input: { name: 'Other', serverHost: 'sip.other.example', username: 'u1', password: 'Other-secret1' } }), 'createSipTrunk');
    expect(issuesOf(await gql(SET_ROUTE, { trunk: other.id, input: { alertInfo: 'ring' } }), 'setInboundRoute')).toEqual([{ path: ['input', 'destination'], message: 'required', code: 'REQUIRED' }]);
    for (const alertInfo of ['a;b', 'x\nexten => 1,1,Dial(PJSIP/evil)', 'a)b', '${EVIL}', 'a b']) {
      const issues = issuesOf(await gql(SET_ROUTE, { trunk: other.id, input: { alertInfo, destination: { type: 'HANGUP' } } }), 'setInboundRoute');
      expect(
        issues.map((i) => i.path.join('.')),
        alertInfo,
      ).toEqual(['input.alertInfo']);
    }
    const missing = issuesOf(await gql(SET_ROUTE, { trunk: other.id, input: { destination: { type: 'EXTENSION', target: '899' } } }), 'setInboundRoute');
    expect(missing).toEqual([{ path: ['input', 'destination', 'target'], message: 'no extension 899 exists', code: 'NOT_FOUND' }]);
    const server2 = ok(await gql(CREATE_SIP, { input: { name: 'Branch', mode: 'SERVER', password: 'Branch-pass1' } }), 'createSipTrunk');
    const serverMode = issuesOf(await gql(SET_ROUTE, { trunk: server2.id, input: { destination: { type: 'HANGUP' } } }), 'setInboundRoute');
    expect(serverMode[0]).toMatchObject({ path: ['trunk'], code: 'NOT_ALLOWED' });
    const dialplan = await rendered('extensions.conf');
    expect(dialplan).not.toContain('EVIL');
    expect(dialplan).not.toContain('[pbx-inbound-Branch]');
    expect(await rendered('pjsip.conf')).toMatch(/\[Branch\]\ntype=endpoint\n(.*\n)*?context=pbx-permission-DialPlan1\n/);
  });

  it('is deleted with its trunk, Destination row included', async () => {
    const gone = ok(await gql(CREATE_SIP, { input: { name: 'Gone', serverHost: 'sip.gone.example', username: 'u2', password: 'Gone-secret1' } }), 'createSipTrunk');
    ok(await gql(SET_ROUTE, { trunk: gone.id, input: { destination: { type: 'VOICEMAIL', target: '102', greeting: 'BUSY' } } }), 'setInboundRoute');
    expect(await destinationRows('INBOUND_ROUTE')).toBe(1);
    ok(await gql(`mutation($ids: [ID!]!) { deleteTrunks(ids: $ids) { ${ERROR_FIELDS} ... on MutationDeleteTrunksSuccess { data { count } } } }`, { ids: [gone.id] }), 'deleteTrunks');
    expect(await destinationRows('INBOUND_ROUTE')).toBe(0);
    expect(await server.running.services.db.prisma.inboundRoute.count({ where: { trunkId: gone.id } })).toBe(0);
    expect(await rendered('extensions.conf')).not.toContain('[pbx-inbound-Gone]');
  });
});

describe('DID routes (F-4.2.5)', () => {
  it('creates, lists with search, pagination and totalCount, updates, deletes selected and all', async () => {
    const a = ok(await gql(CREATE_DID, { input: { did: '+4930123401', destination: { type: 'EXTENSION', target: '100' }, alertInfo: 'vip' } }), 'createDidRoute');
    expect(a).toMatchObject({ did: '+4930123401', alertInfo: 'vip', destination: { type: 'EXTENSION', target: '100' } });
    const b = ok(await gql(CREATE_DID, { input: { did: '4930123402', destination: { type: 'EXTERNAL_NUMBER', target: '+8613800000000' } } }), 'createDidRoute');
    ok(await gql(CREATE_DID, { input: { did: '4930555000', destination: { type: 'HANGUP' } } }), 'createDidRoute');
    expect((await allDids()).totalCount).toBe(3);
    const found = await allDids('0123');
    expect([found.totalCount, found.edges.map((e) => e.node.did)]).toEqual([2, ['+4930123401', '4930123402']]);
    const page1 = (await gql(`{ didRoutes(first: 2) { totalCount pageInfo { hasNextPage endCursor } edges { node { did } } } }`)).data.didRoutes;
    const page2 = (await gql(`query($after: String) { didRoutes(first: 2, after: $after) { pageInfo { hasNextPage } edges { node { did } } } }`, { after: page1.pageInfo.endCursor })).data.didRoutes;
    expect([page1.totalCount, page1.pageInfo.hasNextPage, page2.pageInfo.hasNextPage]).toEqual([3, true, false]);
    expect([...page1.edges, ...page2.edges].map((e: any) => e.node.did)).toEqual(['+4930123401', '4930123402', '4930555000']);

    // Rendered: the DID goes to its destination, and the trunk's context looks it up.
    let dialplan = await rendered('extensions.conf');
    expect(contextOf(dialplan, 'pbx-did-routes')).toContain('exten => +4930123401,1,Goto(pbx-extensions,100,1)\n same => n(alert),Set(__PBX_ALERT_INFO=vip)\n same => n,Return()\n');
    expect(contextOf(dialplan, 'pbx-did-routes')).toContain('exten => 4930123402,1,Goto(pbx-outbound,+8613800000000,1)');
    expect(contextOf(dialplan, 'pbx-inbound-Provider')).toContain('GotoIf($[${DIALPLAN_EXISTS(pbx-did-routes,${PBX_DID},1)}]?pbx-did-routes,${PBX_DID},1)');

    const updated = ok(await gql(UPDATE_DID, { id: b.id, input: { did: '4930123499', destination: { type: 'VOICEMAIL', target: '103', greeting: 'BUSY' }, alertInfo: 'ring.4' } }), 'updateDidRoute');
    expect(updated).toMatchObject({ did: '4930123499', alertInfo: 'ring.4', destination: { type: 'VOICEMAIL', target: '103', greeting: 'BUSY' } });
    const alertOnly = ok(await gql(UPDATE_DID, { id: b.id, input: { alertInfo: '' } }), 'updateDidRoute');
    expect(alertOnly).toMatchObject({ did: '4930123499', alertInfo: '', destination: { type: 'VOICEMAIL', target: '103' } });
    dialplan = await rendered('extensions.conf');
    expect(contextOf(dialplan, 'pbx-did-routes')).toContain('exten => 4930123499,1,Goto(pbx-voicemail,103,busy)\n same => n(alert),Set(__PBX_ALERT_INFO=)');

    // A DID route names itself where its target is refused a change.
    const ext100 = (await gql(`{ extension(number: "100") { id } }`)).data.extension.id;
    const refused = await gql(`mutation($id: ID!) { updateExtension(id: $id, input: { enabled: false }) { ${ERROR_FIELDS} } }`, { id: ext100 });
    expect(JSON.stringify(refused.data.updateExtension)).toContain('DID route +4930123401 sends its calls there');

    expect(ok(await gql(DELETE_DIDS, { ids: [a.id] }), 'deleteDidRoutes').count).toBe(1);
    expect(await gql(DELETE_DIDS, { ids: [a.id] }).then((r) => r.data.deleteDidRoutes.__typename)).toBe('NotFoundError');
    expect(issuesOf(await gql(DELETE_ALL, { confirm: false }), 'deleteAllDidRoutes')[0]).toMatchObject({ path: ['confirm'], code: 'REQUIRED' });
    expect(ok(await gql(DELETE_ALL, { confirm: true }), 'deleteAllDidRoutes').count).toBe(2);
    expect((await allDids()).totalCount).toBe(0);
    expect(await destinationRows('DID_ROUTE')).toBe(0);
    expect(contextOf(await rendered('extensions.conf'), 'pbx-inbound-Provider')).not.toContain('pbx-did-routes');
  });

  it('refuses bad input with field errors and a taken DID with a conflict; nothing hostile reaches a file', async () => {
    ok(await gql(CREATE_DID, { input: { did: '8000', destination: { type: 'HANGUP' } } }), 'createDidRoute');
    const taken = await gql(CREATE_DID, { input: { did: '8000', destination: { type: 'HANGUP' } } });
    expect(taken.data.createDidRoute).toMatchObject({ __typename: 'ConflictError', message: 'a DID route for 8000 exists' });
    const bad = issuesOf(await gql(CREATE_DID, { input: { did: '80;0\nexten => 1,1,Dial(x)', destination: { type: 'HANGUP' }, alertInfo: 'a,b' } }), 'createDidRoute');
    expect(bad.map((i) => i.path.join('.'))).toEqual(['input.did', 'input.alertInfo']);
    for (const did of ['', '12a', '+', '1'.repeat(33), '${EXTEN}', '_X.']) {
      expect(issuesOf(await gql(CREATE_DID, { input: { did, destination: { type: 'HANGUP' } } }), 'createDidRoute')[0]!.path, did).toEqual(['input', 'did']);
    }
    const target = issuesOf(await gql(CREATE_DID, { input: { did: '8001', destination: { type: 'EXTERNAL_NUMBER', target: '1;2' } } }), 'createDidRoute');
    expect(target[0]).toMatchObject({ path: ['input', 'destination', 'target'], code: 'INVALID_FORMAT' });
    const id = (await allDids('8000')).edges[0]!.node.id;
    const renamed = await gql(UPDATE_DID, { id, input: { did: '12x' } });
    expect(issuesOf(renamed, 'updateDidRoute')[0]!.path).toEqual(['input', 'did']);
    const dialplan = await rendered('extensions.conf');
    expect(dialplan).not.toMatch(/Dial\(x\)|exten => (12x|\$\{EXTEN\}),/);
    expect(contextOf(dialplan, 'pbx-did-routes')).toBe('[pbx-did-routes]\nexten => 8000,1,Hangup()\n same => n(alert),Set(__PBX_ALERT_INFO=)\n same => n,Return()\n');
    ok(await gql(DELETE_ALL, { confirm: true }), 'deleteAllDidRoutes');
  });

  it('exports and imports XLSX and CSV; import reports errors per row and column', async () => {
    ok(await gql(CREATE_DID, { input: { did: '+4930999001', destination: { type: 'EXTENSION', target: '100', ringTimeSeconds: 20 }, alertInfo: 'vip' } }), 'createDidRoute');
    ok(await gql(CREATE_DID, { input: { did: '4930999002', destination: { type: 'VOICEMAIL', target: '101', greeting: 'BUSY' } } }), 'createDidRoute');
    ok(await gql(CREATE_DID, { input: { did: '4930999003', destination: { type: 'EXTERNAL_NUMBER', target: '+8613800000000' } } }), 'createDidRoute');
    const before = (await allDids()).edges.map((e) => ({ ...e.node, id: undefined }));

    const template = await download('CSV', true);
    expect(template.buffer.toString('utf8').trim()).toBe('did,destinationType,destinationTarget,ringTimeSeconds,greeting,alertInfo');
    for (const format of ['XLSX', 'CSV'] as const) {
      const file = await download(format);
      expect(file.filename).toBe(`did-routes.${format.toLowerCase()}`);
      if (format === 'XLSX') {
        const workbook = new ExcelJS.Workbook();
        await workbook.xlsx.load(file.buffer as unknown as ArrayBuffer);
        // A DID that starts with + is exported as text a spreadsheet will not run.
        expect(workbook.worksheets[0]!.getRow(2).getCell(1).text).toBe("'+4930999001");
      }
      ok(await gql(DELETE_ALL, { confirm: true }), 'deleteAllDidRoutes');
      const r = await uploadFile(server.graphqlUrl, server.adminToken, IMPORT, {}, { name: file.filename, content: file.buffer, type: file.contentType });
      expect(ok(r, 'importDidRoutes')).toMatchObject({ rows: 3, createdCount: 3, rejected: [] });
      expect((await allDids()).edges.map((e) => ({ ...e.node, id: undefined }))).toEqual(before);
    }

    const csv = [
      'did,destinationType,destinationTarget,ringTimeSeconds,alertInfo',
      '4930999010,extension,102,,',
      '49309;99011,HANGUP,,,',
      '4930999012,EXTENSION,899,,',
      '4930999010,HANGUP,,,',
      '+4930999001,HANGUP,,,',
      '4930999013,CONFERENCE,0700,,',
      '4930999014,EXTENSION,102,abc,',
      '4930999015,EXTENSION,102,2,',
      '4930999016,HANGUP,,,"a b"',
      '4930999017,,,,',
    ].join('\n');
    const all = await upload('dids.csv', csv);
    const paths = issuesOf(all, 'importDidRoutes').map((i) => `${i.path.join('.')}:${i.code}`);
    expect(paths).toEqual([
      'rows.8.ringTimeSeconds:INVALID_TYPE',
      'rows.3.did:INVALID_FORMAT',
      'rows.4.destinationTarget:NOT_FOUND',
      'rows.5.did:DUPLICATE',
      'rows.6.did:TAKEN',
      'rows.7.destinationType:NOT_FOUND',
      'rows.9.ringTimeSeconds:OUT_OF_BOUNDS',
      'rows.10.alertInfo:INVALID_FORMAT',
      'rows.11.destinationType:REQUIRED',
    ]);
    expect((await allDids()).totalCount).toBe(3);
    const valid = ok(await upload('dids.csv', csv, 'VALID_ROWS_ONLY'), 'importDidRoutes');
    expect(valid).toMatchObject({ rows: 10, createdCount: 1, didRoutes: [{ did: '4930999010' }] });
    expect(valid.rejected).toHaveLength(9);
    const dialplan = await rendered('extensions.conf');
    expect(contextOf(dialplan, 'pbx-did-routes')).toContain('exten => 4930999010,1,Goto(pbx-extensions,102,1)');
    expect(dialplan).not.toContain('99011');
  });
});
