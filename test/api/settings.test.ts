import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_FIELDS, ok, startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
const PLAN = `numberingPlan { userExtensionRange { start end } departmentRange { start end } queueRange { start end } pagingRange { start end } ivrRange { start end } disaRange { start end } conferenceRange { start end } parkRetrievalRange { start end } }`;
const updatePlan = (input: Record<string, unknown>) =>
  server.gql(
    `mutation($input: NumberingPlanInput!) { updateNumberingPlan(input: $input) { ${ERROR_FIELDS} ... on MutationUpdateNumberingPlanSuccess { data { userExtensionRange { start end } } } } }`,
    { input },
    server.adminToken,
  );

/** Creates one extension; the tests share the server, each makes its own under numbers of its own (all inside 100–399, the range a test below narrows to). */
const createExtension = async (number: string) =>
  ok(
    await server.gql(
      `mutation($n: String!) { createExtension(input: { number: $n, name: "x", password: "Secret-xx9" }) { ${ERROR_FIELDS} ... on MutationCreateExtensionSuccess { data { id } } } }`,
      { n: number },
      server.adminToken,
    ),
    'createExtension',
  ).id as string;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

describe('numbering plan (F-4.6.1.a)', () => {
  it('has the manual defaults', async () => {
    const r = await server.gql(`{ settings { ${PLAN} } }`, {}, server.adminToken);
    expect(r.data.settings.numberingPlan).toEqual({
      userExtensionRange: { start: '100', end: '899' },
      departmentRange: { start: '0400', end: '0435' },
      queueRange: { start: '0300', end: '0335' },
      pagingRange: { start: '0500', end: '0535' },
      ivrRange: { start: '0600', end: '0635' },
      disaRange: { start: '0700', end: '0735' },
      conferenceRange: { start: '0900', end: '0935' },
      parkRetrievalRange: { start: '41', end: '49' },
    });
  });

  it('refuses overlapping, reversed, uneven and read-only ranges', async () => {
    const overlap = await updatePlan({ queueRange: { start: '0400', end: '0410' } });
    expect(overlap.data.updateNumberingPlan.issues).toEqual([{ path: ['input', 'queueRange'], code: 'OVERLAP', message: 'queue range 0400–0410 overlaps the department range 0400–0435' }]);
    const reversed = await updatePlan({ userExtensionRange: { start: '899', end: '100' } });
    expect(reversed.data.updateNumberingPlan.issues[0]).toMatchObject({ path: ['input', 'userExtensionRange', 'end'] });
    const uneven = await updatePlan({ userExtensionRange: { start: '100', end: '8999' } });
    expect(uneven.data.updateNumberingPlan.issues[0].message).toContain('same number of digits');
    const short = await updatePlan({ userExtensionRange: { start: '1', end: '9' } });
    expect(short.data.updateNumberingPlan.issues.map((i: any) => i.path.join('.'))).toEqual(['input.userExtensionRange.start', 'input.userExtensionRange.end']);
    const park = await updatePlan({ parkRetrievalRange: { start: '51', end: '59' } });
    expect(park.data.updateNumberingPlan.issues[0]).toMatchObject({ code: 'READ_ONLY' });
    const clash = await updatePlan({ userExtensionRange: { start: '10', end: '99' } });
    expect(clash.data.updateNumberingPlan.issues[0].message).toBe('park retrieval range 41–49 overlaps the user extension range 10–99');
  });

  it('refuses a change that would leave existing numbers outside, naming them; accepts a wider range', async () => {
    ok(
      await server.gql(`mutation { createExtensions(input: { startNumber: "150", count: 7 }) { ${ERROR_FIELDS} ... on MutationCreateExtensionsSuccess { data { count } } } }`, {}, server.adminToken),
      'createExtensions',
    );
    const r = await updatePlan({ userExtensionRange: { start: '100', end: '149' } });
    expect(r.data.updateNumberingPlan.issues).toEqual([
      { path: ['input', 'userExtensionRange'], code: 'IN_USE', message: '7 existing number(s) would fall outside the user extension range: 150, 151, 152, 153, 154 and 2 more' },
    ]);
    const four = await updatePlan({ userExtensionRange: { start: '1000', end: '8999' } });
    expect(four.data.updateNumberingPlan.issues[0].code).toBe('IN_USE');
    // Wider with the same width works; four-digit extensions need a four-digit range with no three-digit ones left.
    expect(ok(await updatePlan({ userExtensionRange: { start: '100', end: '399' } }), 'updateNumberingPlan').userExtensionRange).toEqual({ start: '100', end: '399' });
    const outside = await server.gql(`mutation { createExtension(input: { number: "450", name: "x", password: "Secret-450" }) { ${ERROR_FIELDS} } }`, {}, server.adminToken);
    expect(outside.data.createExtension.issues[0].message).toBe('450 is outside the user extension range 100–399');
  });
});

describe('PBX settings (F-4.6.1) and the rest', () => {
  it('reads defaults, changes only named fields, validates', async () => {
    await createExtension('250');
    const r = await server.gql(
      `{ settings { pbx { operatorExtension globalRingSeconds blockAnonymous pressZeroToOperator } sip { udpPort tcpPort tlsPort rtpPortStart rtpPortEnd iceEnabled } softphone { registrationHost registrationPort } system { maxIpExtensions } } }`,
      {},
      server.adminToken,
    );
    expect(r.data.settings).toEqual({
      pbx: { operatorExtension: '100', globalRingSeconds: 30, blockAnonymous: false, pressZeroToOperator: false },
      sip: { udpPort: 5060, tcpPort: 5061, tlsPort: 5062, rtpPortStart: 10000, rtpPortEnd: 20000, iceEnabled: true },
      softphone: { registrationHost: '', registrationPort: 0 },
      system: { maxIpExtensions: 5000 },
    });
    const set = await server.gql(
      `mutation { updatePbxSettings(input: { globalRingSeconds: 45, operatorExtension: "250" }) { ${ERROR_FIELDS} ... on MutationUpdatePbxSettingsSuccess { data { globalRingSeconds operatorExtension blockAnonymous } } } }`,
      {},
      server.adminToken,
    );
    expect(ok(set, 'updatePbxSettings')).toEqual({ globalRingSeconds: 45, operatorExtension: '250', blockAnonymous: false });
    const bad = await server.gql(`mutation { updatePbxSettings(input: { globalRingSeconds: 1, operatorExtension: "299" }) { ${ERROR_FIELDS} } }`, {}, server.adminToken);
    expect(bad.data.updatePbxSettings.issues.map((i: any) => i.path.join('.'))).toEqual(['input.globalRingSeconds']);
    const missing = await server.gql(`mutation { updatePbxSettings(input: { operatorExtension: "299" }) { ${ERROR_FIELDS} } }`, {}, server.adminToken);
    expect(missing.data.updatePbxSettings.issues).toEqual([{ path: ['input', 'operatorExtension'], code: 'NOT_FOUND', message: 'no extension 299 exists' }]);
    const sip = await server.gql(`mutation { updateSipSettings(input: { rtpPortStart: 30000, rtpPortEnd: 20000, userAgent: "PBX;evil" }) { ${ERROR_FIELDS} } }`, {}, server.adminToken);
    expect(sip.data.updateSipSettings.issues.map((i: any) => i.path.join('.'))).toEqual(['input.userAgent']);
    const ports = await server.gql(`mutation { updateSipSettings(input: { rtpPortStart: 30000, rtpPortEnd: 20000 }) { ${ERROR_FIELDS} } }`, {}, server.adminToken);
    expect(ports.data.updateSipSettings.issues.map((i: any) => i.path.join('.'))).toEqual(['input.rtpPortEnd']);
    // An issue between two fields names the one the request gave, with the value of the other.
    const start = await server.gql(`mutation { updateSipSettings(input: { rtpPortStart: 30000 }) { ${ERROR_FIELDS} } }`, {}, server.adminToken);
    expect(start.data.updateSipSettings.issues).toEqual([{ path: ['input', 'rtpPortStart'], message: 'must be below rtpPortEnd (20000)', code: 'INVALID' }]);
    const end = await server.gql(`mutation { updateSipSettings(input: { rtpPortEnd: 9000 }) { ${ERROR_FIELDS} } }`, {}, server.adminToken);
    expect(end.data.updateSipSettings.issues).toEqual([{ path: ['input', 'rtpPortEnd'], message: 'must be above rtpPortStart (10000)', code: 'INVALID' }]);
    const udp = await server.gql(`mutation { updateSipSettings(input: { udpPort: 5061 }) { ${ERROR_FIELDS} } }`, {}, server.adminToken);
    expect(udp.data.updateSipSettings.issues).toEqual([{ path: ['input', 'udpPort'], message: 'the UDP, TCP and TLS ports must differ (udpPort 5061, tcpPort 5061)', code: 'INVALID' }]);
    const tls = await server.gql(`mutation { updateSipSettings(input: { tlsPort: 5060 }) { ${ERROR_FIELDS} } }`, {}, server.adminToken);
    expect(tls.data.updateSipSettings.issues).toEqual([{ path: ['input', 'tlsPort'], message: 'the UDP, TCP and TLS ports must differ (udpPort 5060, tlsPort 5060)', code: 'INVALID' }]);
    const settings = await server.gql(`{ settings { sip { udpPort tcpPort tlsPort rtpPortStart rtpPortEnd } } }`, {}, server.adminToken);
    expect(settings.data.settings.sip).toEqual({ udpPort: 5060, tcpPort: 5061, tlsPort: 5062, rtpPortStart: 10000, rtpPortEnd: 20000 });
  });

  it('local networks are networks: ip/netmask or CIDR, by their first address; they reach the transports and the registration ACL', async () => {
    const set = (nets: string[]) => server.gql(`mutation($n: [String!]!) { updateSipSettings(input: { localNets: $n }) { ${ERROR_FIELDS} } }`, { n: nets }, server.adminToken);
    for (const bad of ['10.0.0.0/33', '999.1.1.1/8', '10.0.0.0/08', '10.0.0.0/255.0.255.0', '10.0.0.1/255.0.0.0', 'lan', '2001:db8::/255.255.0.0']) {
      const r = await set(['192.168.0.0/16', bad]);
      expect(r.data.updateSipSettings.__typename, bad).toBe('ValidationError');
      expect(
        r.data.updateSipSettings.issues.map((i: any) => i.path.join('.')),
        bad,
      ).toEqual(['input.localNets.1']);
    }
    expect((await set(['192.168.1.0/255.255.255.0', '10.0.0.0/8', '2001:db8::/32'])).data.updateSipSettings.__typename).toBe('MutationUpdateSipSettingsSuccess');
    await createExtension('275');
    await server.gql(`mutation { applyPbxConfiguration { outcome } }`, {}, server.adminToken);
    const pjsip = readFileSync(join(server.running.config.asterisk.configDir, 'pjsip.conf'), 'utf8');
    expect(pjsip).toMatch(/\[transport-udp\]\n(.*\n)*?local_net=192\.168\.1\.0\/255\.255\.255\.0\nlocal_net=10\.0\.0\.0\/8\nlocal_net=2001:db8::\/32\n/);
    const acl = readFileSync(join(server.running.config.asterisk.configDir, 'acl.conf'), 'utf8');
    expect(acl).toContain('deny=0.0.0.0/0.0.0.0\ndeny=::/0\npermit=192.168.1.0/255.255.255.0\npermit=10.0.0.0/8\npermit=2001:db8::/32\npermit=127.0.0.0/8\n');
    expect((await set([])).data.updateSipSettings.__typename).toBe('MutationUpdateSipSettingsSuccess');
  });

  it('the operator extension cannot be deleted while the settings name it', async () => {
    const id = await createExtension('260');
    ok(
      await server.gql(
        `mutation { updatePbxSettings(input: { operatorExtension: "260" }) { ${ERROR_FIELDS} ... on MutationUpdatePbxSettingsSuccess { data { operatorExtension } } } }`,
        {},
        server.adminToken,
      ),
      'updatePbxSettings',
    );
    const r = await server.gql(`mutation($ids: [ID!]!) { deleteExtensions(ids: $ids) { ${ERROR_FIELDS} } }`, { ids: [id] }, server.adminToken);
    expect(r.data.deleteExtensions.referrers).toEqual([{ kind: 'SETTINGS', label: 'the PBX settings name 260 the operator extension (operatorExtension)' }]);
  });

  it("DialPlan1 exists from the first start and is every extension's default", async () => {
    await createExtension('270');
    const r = await server.gql(`{ extension(number: "270") { dialPermission { name builtIn } } }`, {}, server.adminToken);
    expect(r.data.extension.dialPermission).toEqual({ name: 'DialPlan1', builtIn: true });
  });
});
