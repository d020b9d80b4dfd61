import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findReferrers } from '../../src/destinations/referrers.js';
import { domains } from '../../src/domains/index.js';
import { ERROR_FIELDS, ok, startTestServer, type TestServer } from '../support/server.js';

const COMMON = `id name kind enabled mode dialPermission { name } maxConcurrentCalls callerIdPreference outboundCallerId language recording codecs`;
const SIP = `${COMMON} ... on SipTrunk { authEnabled serverHost serverPort outboundProxyHost outboundProxyPort username authUsername hasPassword contactUser
  registrationExpirySeconds retryIntervalSeconds maxRetries clientUri serverUri aorContact remoteAddresses transport srtp nat dtmfMode fromUser fromDomain
  sendPai sendRpid rtpTimeoutSeconds keepAliveSeconds videoCodec }`;
const IAX = `${COMMON} ... on IaxTrunk { authEnabled serverHost serverPort username hasPassword }`;
const CREATE_SIP = `mutation($input: CreateSipTrunkInput!) { createSipTrunk(input: $input) { ${ERROR_FIELDS} ... on ConflictError { path } ... on MutationCreateSipTrunkSuccess { data { ${SIP} } } } }`;
const UPDATE_SIP = `mutation($id: ID!, $input: UpdateSipTrunkInput!) { updateSipTrunk(id: $id, input: $input) { ${ERROR_FIELDS} ... on ConflictError { path } ... on MutationUpdateSipTrunkSuccess { data { ${SIP} } } } }`;
const CREATE_IAX = `mutation($input: CreateIaxTrunkInput!) { createIaxTrunk(input: $input) { ${ERROR_FIELDS} ... on MutationCreateIaxTrunkSuccess { data { ${IAX} } } } }`;
const UPDATE_IAX = `mutation($id: ID!, $input: UpdateIaxTrunkInput!) { updateIaxTrunk(id: $id, input: $input) { ${ERROR_FIELDS} ... on MutationUpdateIaxTrunkSuccess { data { ${IAX} } } } }`;
const DELETE = `mutation($ids: [ID!]!) { deleteTrunks(ids: $ids) { ${ERROR_FIELDS} ... on MutationDeleteTrunksSuccess { data { count deletedIds } } } }`;
const ENABLE = `mutation($ids: [ID!]!, $enabled: Boolean!) { setTrunksEnabled(ids: $ids, enabled: $enabled) { ${ERROR_FIELDS} ... on MutationSetTrunksEnabledSuccess { data { count trunks { name enabled } } } } }`;

let server: TestServer;
const gql = (query: string, variables?: Record<string, unknown>, token = server.adminToken) => server.gql(query, variables, token);
const client = (name: string, extra: Record<string, unknown> = {}) => ({ name, serverHost: 'sip.provider.example', username: '4930123456', password: 'Pr0vider!secret', ...extra });
const createSip = (input: Record<string, unknown>) => gql(CREATE_SIP, { input });
const rendered = async (file: string) => {
  const applied = await gql(`mutation { applyPbxConfiguration { outcome error } }`);
  expect(applied.data.applyPbxConfiguration, JSON.stringify(applied)).toMatchObject({ outcome: expect.stringMatching(/^(APPLIED|NO_CHANGES|WRITTEN_NOT_RELOADED)$/) });
  return readFileSync(join(server.running.config.asterisk.configDir, file), 'utf8');
};
const issuesOf = (result: any, field: string) => {
  const value = result.data?.[field];
  if (value?.__typename !== 'ValidationError') throw new Error(`${field}: expected a ValidationError, got ${JSON.stringify(result)}`);
  return value.issues as { path: string[]; message: string; code: string }[];
};

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

/** The auth objects' names end in a fingerprint of the credentials; `-auth` stands for it here (the render tests cover it). */
const withoutFingerprints = (text: string) => text.replace(/-auth-[0-9a-f]{8}\b/g, '-auth');

describe('SIP trunks (F-4.3.1.b)', () => {
  it('creates a client trunk with the manual defaults; the password is write-only', async () => {
    const trunk = ok(await createSip(client('Provider-A')), 'createSipTrunk');
    expect(trunk).toMatchObject({
      name: 'Provider-A',
      kind: 'SIP',
      enabled: true,
      mode: 'CLIENT',
      dialPermission: { name: 'DialPlan1' },
      maxConcurrentCalls: null,
      callerIdPreference: 'EXTENSION',
      outboundCallerId: '',
      language: 'DEFAULT',
      recording: 'OFF',
      codecs: ['ALAW', 'ULAW', 'G729'],
      authEnabled: true,
      serverPort: 5060,
      outboundProxyHost: '',
      outboundProxyPort: null,
      hasPassword: true,
      registrationExpirySeconds: 3600,
      retryIntervalSeconds: 60,
      maxRetries: 10,
      remoteAddresses: [],
      transport: 'UDP',
      srtp: false,
      nat: false,
      dtmfMode: 'RFC4733',
      sendPai: false,
      sendRpid: false,
      rtpTimeoutSeconds: 60,
      keepAliveSeconds: 60,
      videoCodec: null,
    });
    const readPassword = await gql(`query($id: ID!) { trunk(id: $id) { ... on SipTrunk { password } } }`, { id: trunk.id });
    expect(readPassword.errors?.[0]?.message).toMatch(/password/);
    const one = await gql(`query($id: ID!) { trunk(id: $id) { __typename name } node(id: $id) { __typename ... on Trunk { name } } }`, { id: trunk.id });
    expect(one.data).toEqual({ trunk: { __typename: 'SipTrunk', name: 'Provider-A' }, node: { __typename: 'SipTrunk', name: 'Provider-A' } });
    const audit = await gql(`{ auditLog(first: 20) { edges { node { operation input } } } }`);
    const entry = audit.data.auditLog.edges.map((e: any) => e.node).find((n: any) => n.operation === 'createSipTrunk');
    expect(entry.input).toContain('[REDACTED]');
    expect(entry.input).not.toContain('Pr0vider!secret');
  });

  it('reaches pjsip.conf: registration, auth, endpoint in the permission context, aor', async () => {
    ok(await createSip(client('Provider-B', { fromUser: '4930123456', nat: true, recording: 'OUTBOUND', remoteAddresses: ['192.0.2.0/24'] })), 'createSipTrunk');
    const pjsip = withoutFingerprints(await rendered('pjsip.conf'));
    expect(pjsip).toContain('[Provider-B-registration]\ntype=registration\ntransport=transport-udp\noutbound_auth=Provider-B-auth\nserver_uri=sip:sip.provider.example:5060\n');
    expect(pjsip).toContain('client_uri=sip:4930123456@sip.provider.example:5060\n');
    expect(pjsip).toContain('[Provider-B-auth]\ntype=auth\nauth_type=userpass\nusername=4930123456\npassword=Pr0vider!secret\n');
    expect(pjsip).toMatch(/\[Provider-B\]\ntype=endpoint\n[^[]*context=pbx-inbound-Provider-B\n[^[]*from_user=4930123456\n[^[]*rtp_symmetric=yes\n/);
    // Its recording mode is the dialplan's (dial rules record its outbound calls), not a variable of its channel.
    expect(pjsip).not.toContain('PBX_RECORDING');
    expect(pjsip).toContain('[Provider-B-identify]\ntype=identify\nendpoint=Provider-B\nmatch=192.0.2.0/24\n');
  });

  it('refuses hostile or malformed input, naming the field', async () => {
    const cases: [string, unknown][] = [
      ['name', 'bad name'],
      ['name', 'a;b'],
      ['name', '1trunk'],
      ['name', 'x\n[evil]'],
      ['name', 'transport-udp'],
      ['name', 'foo-auth'],
      ['name', 'General'],
      ['serverHost', 'host;transport=tcp'],
      ['serverHost', 'evil.example\ntype=aor'],
      ['serverHost', 'host:5060'],
      ['serverHost', '[::1]'],
      ['serverPort', 70000],
      ['outboundProxyHost', 'proxy.example,other'],
      ['outboundProxyPort', 0],
      ['username', 'user@evil'],
      ['username', 'a;b'],
      ['username', 'a b'],
      ['authUsername', 'x\ny'],
      ['password', 'pass word'],
      ['password', 'pass;word'],
      ['password', 'pa\nss'],
      ['password', 'a[b]'],
      ['contactUser', 'c,d'],
      ['registrationExpirySeconds', 10],
      ['retryIntervalSeconds', 1],
      ['maxRetries', -1],
      ['clientUri', 'sip:user@host;transport=tcp'],
      ['clientUri', 'http://example.com'],
      ['serverUri', 'sip:host\nline=yes'],
      ['serverUri', 'sip:host?x=1'],
      ['aorContact', 'sip:a@b,sip:c@d'],
      ['aorContact', 'sip:[not-v6]:5060'],
      ['remoteAddresses', ['10.0.0.0/33']],
      ['remoteAddresses', ['evil.example']],
      ['fromUser', 'from;tag=1'],
      ['fromDomain', 'domain.example;x'],
      ['fromDomain', 'a]b'],
      ['outboundCallerId', '123;456'],
      ['outboundCallerId', 'abc'],
      ['language', 'en\n'],
      ['language', 'english'],
      ['dialPermission', ''],
      ['maxConcurrentCalls', 0],
      ['rtpTimeoutSeconds', -5],
      ['keepAliveSeconds', 99999],
      ['codecs', []],
      ['codecs', ['ALAW', 'ALAW']],
    ];
    for (const [field, value] of cases) {
      const issues = issuesOf(await createSip(client('Hostile', { [field]: value })), 'createSipTrunk');
      expect(
        issues.some((i) => i.path[0] === 'input' && i.path[1] === field),
        `${field}=${JSON.stringify(value)}: ${JSON.stringify(issues)}`,
      ).toBe(true);
    }
    const list = await gql(`{ trunks(first: 50, search: "Hostile") { totalCount } }`);
    expect(list.data.trunks.totalCount).toBe(0);
  });

  it('accepts IPv6 hosts, E.164 users and bracketed URIs', async () => {
    const trunk = ok(
      await createSip(client('V6', { serverHost: '2001:db8::1', username: '+4930123456', clientUri: 'sip:+4930123456@[2001:db8::1]:5060', fromDomain: 'provider.example' })),
      'createSipTrunk',
    );
    expect(trunk).toMatchObject({ serverHost: '2001:db8::1', clientUri: 'sip:+4930123456@[2001:db8::1]:5060' });
    const pjsip = withoutFingerprints(await rendered('pjsip.conf'));
    expect(pjsip).toContain('server_uri=sip:[2001:db8::1]:5060\nclient_uri=sip:+4930123456@[2001:db8::1]:5060\n');
  });

  it('requires what the mode needs; sendPai and sendRpid exclude each other', async () => {
    const missing = issuesOf(await createSip({ name: 'Empty' }), 'createSipTrunk');
    expect(missing.map((i) => `${i.path.join('.')}:${i.code}`).sort()).toEqual(['input.password:REQUIRED', 'input.serverHost:REQUIRED', 'input.username:REQUIRED']);
    const noName = issuesOf(await createSip({ ...client('x'), name: '' }), 'createSipTrunk');
    expect(noName[0]).toMatchObject({ path: ['input', 'name'], code: 'REQUIRED' });
    const both = issuesOf(await createSip(client('Both', { sendPai: true, sendRpid: true })), 'createSipTrunk');
    expect(both).toEqual([{ path: ['input', 'sendRpid'], message: 'sendPai and sendRpid cannot both be on', code: 'EXCLUSIVE' }]);
    const proxyPort = issuesOf(await createSip(client('Proxy', { outboundProxyPort: 5070 })), 'createSipTrunk');
    expect(proxyPort[0]).toMatchObject({ path: ['input', 'outboundProxyPort'], code: 'REQUIRED' });
    const server = issuesOf(await createSip({ name: 'Srv', mode: 'SERVER' }), 'createSipTrunk');
    expect(server.map((i) => i.path.join('.'))).toEqual(['input.password', 'input.serverHost']);
    // No authentication: no password needed.
    ok(await createSip({ name: 'NoAuth', serverHost: '192.0.2.1', username: 'u', authEnabled: false }), 'createSipTrunk');
    // Nor a username: a provider that needs no credentials is reached and known by address (no REGISTER).
    ok(await createSip({ name: 'ByAddress', serverHost: '192.0.2.2', authEnabled: false }), 'createSipTrunk');
    expect(await rendered('pjsip.conf')).not.toContain('[ByAddress-registration]');
    expect(withoutFingerprints(await rendered('pjsip.conf'))).toContain('[ByAddress-identify]\ntype=identify\nendpoint=ByAddress\nmatch=192.0.2.2\n');
    // A client URI is the REGISTER's: without a username nothing registers.
    const uriAlone = issuesOf(await createSip({ name: 'UriAlone', serverHost: '192.0.2.3', authEnabled: false, clientUri: 'sip:x@192.0.2.3' }), 'createSipTrunk');
    expect(uriAlone).toEqual([{ path: ['input', 'clientUri'], message: 'needs username: a trunk without one does not register', code: 'REQUIRED' }]);
  });

  it('a server trunk: the peer registers with the trunk name and password, or is known by address', async () => {
    const registered = ok(await createSip({ name: 'Branch', mode: 'SERVER', password: 'Branch-pass1' }), 'createSipTrunk');
    expect(registered).toMatchObject({ mode: 'SERVER', serverHost: '', hasPassword: true });
    ok(await createSip({ name: 'Carrier', mode: 'SERVER', serverHost: '198.51.100.7', remoteAddresses: ['198.51.100.7'] }), 'createSipTrunk');
    const pjsip = withoutFingerprints(await rendered('pjsip.conf'));
    expect(pjsip).not.toContain('[Branch-registration]');
    expect(pjsip).toContain('[Branch-auth]\ntype=auth\nauth_type=userpass\nusername=Branch\npassword=Branch-pass1\n');
    expect(pjsip).toContain('[Branch]\ntype=aor\nmax_contacts=1\nremove_existing=yes\n');
    expect(pjsip).toContain('[Carrier]\ntype=aor\ncontact=sip:198.51.100.7:5060\n');
    expect(pjsip).toContain('[Carrier-identify]\ntype=identify\nendpoint=Carrier\nmatch=198.51.100.7\n');
  });

  it('names are unique regardless of case', async () => {
    const clash = await createSip(client('provider-a'));
    expect(clash.data.createSipTrunk).toMatchObject({ __typename: 'ConflictError', path: ['input', 'name'] });
    const iaxClash = await gql(CREATE_IAX, { input: { name: 'PROVIDER-A', mode: 'SERVER', password: 'x-secret' } });
    expect(iaxClash.data.createIaxTrunk.__typename).toBe('ConflictError');
    const other = ok(await createSip(client('Renamed-1')), 'createSipTrunk');
    const rename = await gql(UPDATE_SIP, { id: other.id, input: { name: 'PROVIDER-b' } });
    expect(rename.data.updateSipTrunk).toMatchObject({ __typename: 'ConflictError', path: ['input', 'name'] });
  });

  it('a dial permission that does not exist is refused', async () => {
    const issues = issuesOf(await createSip(client('NoPerm', { dialPermission: 'Nowhere' })), 'createSipTrunk');
    expect(issues).toEqual([{ path: ['input', 'dialPermission'], message: 'no dial permission named Nowhere', code: 'NOT_FOUND' }]);
  });

  it('update changes only the fields given; the password stays unless given; null lifts the limit', async () => {
    const trunk = ok(await createSip(client('Upd', { maxConcurrentCalls: 4, codecs: ['G722'] })), 'createSipTrunk');
    const updated = ok(await gql(UPDATE_SIP, { id: trunk.id, input: { nat: true, serverPort: 5080 } }), 'updateSipTrunk');
    expect(updated).toMatchObject({ nat: true, serverPort: 5080, maxConcurrentCalls: 4, codecs: ['G722'], hasPassword: true, username: '4930123456' });
    const unlimited = ok(await gql(UPDATE_SIP, { id: trunk.id, input: { maxConcurrentCalls: null, password: 'New-secret2' } }), 'updateSipTrunk');
    expect(unlimited.maxConcurrentCalls).toBeNull();
    expect(withoutFingerprints(await rendered('pjsip.conf'))).toContain('[Upd-auth]\ntype=auth\nauth_type=userpass\nusername=4930123456\npassword=New-secret2\n');
    const bad = issuesOf(await gql(UPDATE_SIP, { id: trunk.id, input: { sendPai: true, sendRpid: true } }), 'updateSipTrunk');
    expect(bad[0]!.path).toEqual(['input', 'sendRpid']);
    // An IAX update cannot reach a SIP trunk.
    const wrongKind = await gql(UPDATE_IAX, { id: trunk.id, input: { language: 'en' } });
    expect(wrongKind.data.updateIaxTrunk.__typename).toBe('NotFoundError');
  });

  it('enable and disable reach the rendered file: a disabled trunk neither registers nor exists', async () => {
    const trunk = ok(await createSip(client('Toggle')), 'createSipTrunk');
    expect(withoutFingerprints(await rendered('pjsip.conf'))).toContain('[Toggle-registration]');
    const off = ok(await gql(ENABLE, { ids: [trunk.id], enabled: false }), 'setTrunksEnabled');
    expect(off).toEqual({ count: 1, trunks: [{ name: 'Toggle', enabled: false }] });
    const pjsip = withoutFingerprints(await rendered('pjsip.conf'));
    expect(pjsip).not.toContain('Toggle');
    ok(await gql(ENABLE, { ids: [trunk.id], enabled: true }), 'setTrunksEnabled');
    expect(withoutFingerprints(await rendered('pjsip.conf'))).toContain('[Toggle-registration]');
  });
});

describe('IAX trunks (F-4.3.1.d)', () => {
  it('creates client and server trunks and renders them into iax.conf', async () => {
    const hq = ok(await gql(CREATE_IAX, { input: { name: 'hq', serverHost: 'pbx.hq.example', username: 'branch1', password: 'Iax-secret1', codecs: ['ULAW', 'GSM'] } }), 'createIaxTrunk');
    expect(hq).toMatchObject({ kind: 'IAX', mode: 'CLIENT', serverPort: 4569, hasPassword: true, authEnabled: true, codecs: ['ULAW', 'GSM'] });
    ok(await gql(CREATE_IAX, { input: { name: 'branch2', mode: 'SERVER', password: 'Branch2-secret' } }), 'createIaxTrunk');
    const iax = await rendered('iax.conf');
    expect(iax).toContain('[general](+)\nregister => branch1:Iax-secret1@pbx.hq.example:4569\n');
    expect(iax).toContain('[hq]\ntype=friend\nhost=pbx.hq.example\nport=4569\nusername=branch1\nsecret=Iax-secret1\nauth=md5\ncontext=pbx-inbound-hq\n');
    expect(iax).toContain('[branch2]\ntype=friend\nhost=dynamic\nsecret=Branch2-secret\nauth=md5\n');
    const list = await gql(`{ trunks(first: 10, kind: IAX) { totalCount edges { node { __typename name } } } }`);
    expect(list.data.trunks).toEqual({ totalCount: 2, edges: [{ node: { __typename: 'IaxTrunk', name: 'branch2' } }, { node: { __typename: 'IaxTrunk', name: 'hq' } }] });

    const updated = ok(await gql(UPDATE_IAX, { id: hq.id, input: { serverPort: 4570 } }), 'updateIaxTrunk');
    expect(updated).toMatchObject({ serverPort: 4570, username: 'branch1', hasPassword: true });
    ok(await gql(ENABLE, { ids: [hq.id], enabled: false }), 'setTrunksEnabled');
    const off = await rendered('iax.conf');
    expect(off).not.toContain('register =>');
    expect(off).not.toContain('[hq]');
  });

  it('refuses what would break the register line or iax.conf, naming the field', async () => {
    const base = { name: 'iaxbad', serverHost: 'pbx.example', username: 'u1', password: 'p-secret' };
    const cases: [string, unknown][] = [
      ['password', 'pa:ss'],
      ['password', 'pa@ss'],
      ['password', 'pa/ss'],
      ['password', 'pa;ss'],
      ['username', 'u:1'],
      ['username', 'u@1'],
      ['serverHost', '2001:db8::1'],
      ['serverHost', 'host\nx'],
      ['serverPort', 0],
      ['language', 'x;y'],
    ];
    for (const [field, value] of cases) {
      const issues = issuesOf(await gql(CREATE_IAX, { input: { ...base, [field]: value } }), 'createIaxTrunk');
      expect(
        issues.some((i) => i.path[1] === field),
        `${field}=${JSON.stringify(value)}`,
      ).toBe(true);
    }
    const server = issuesOf(await gql(CREATE_IAX, { input: { name: 'iaxsrv', mode: 'SERVER' } }), 'createIaxTrunk');
    expect(server).toEqual([{ path: ['input', 'password'], message: 'required in SERVER mode: the peer registers with it', code: 'REQUIRED' }]);
  });
});

describe('what refers to trunks', () => {
  it('a trunk a dial-rule entry uses cannot be deleted; others can', async () => {
    const used = ok(await createSip(client('Used')), 'createSipTrunk');
    const free = ok(await createSip(client('Free')), 'createSipTrunk');
    const prisma = server.running.services.db.prisma;
    const usedId = Buffer.from(used.id, 'base64').toString().split(':')[1]!;
    const rule = await prisma.dialRule.create({ data: { name: 'DialOut-test', entries: { create: { position: 0, pattern: 'X.', trunks: { create: { trunkId: usedId, position: 0 } } } } } });
    const refused = await gql(DELETE, { ids: [used.id, free.id] });
    expect(refused.data.deleteTrunks.__typename).toBe('ReferencedError');
    expect(refused.data.deleteTrunks.referrers.length).toBeGreaterThan(0);
    expect((await gql(`{ trunks(first: 50, search: "Free") { totalCount } }`)).data.trunks.totalCount).toBe(1);
    const deleted = ok(await gql(DELETE, { ids: [free.id] }), 'deleteTrunks');
    expect(deleted).toEqual({ count: 1, deletedIds: [free.id] });
    await prisma.dialRule.delete({ where: { id: rule.id } });
    expect(ok(await gql(DELETE, { ids: [used.id] }), 'deleteTrunks').count).toBe(1);
  });

  it('delete asks the referrers registered for TRUNK', async () => {
    const trunk = ok(await createSip(client('Watched')), 'createSipTrunk');
    domains.register({ name: 'test-trunk-referrer', referrers: [{ target: 'TRUNK', find: async (_tx, ids) => ids.map((id) => ({ kind: 'TEST', id, label: 'a test object routes through it' })) }] });
    try {
      const refused = await gql(DELETE, { ids: [trunk.id] });
      expect(refused.data.deleteTrunks).toMatchObject({ __typename: 'ReferencedError', referrers: [{ kind: 'TEST', label: 'a test object routes through it' }] });
    } finally {
      domains.unregister('test-trunk-referrer');
    }
    expect(ok(await gql(DELETE, { ids: [trunk.id] }), 'deleteTrunks').count).toBe(1);
  });

  it('a dial permission a trunk uses reports the trunk as its referrer', async () => {
    const prisma = server.running.services.db.prisma;
    const permission = await prisma.dialPermission.create({ data: { name: 'TrunkInbound' } });
    // Calls from a server-mode trunk start in its dial permission's context (a client-mode trunk's in its inbound context).
    const trunk = ok(await createSip({ name: 'PermUser', mode: 'SERVER', password: 'Perm-pass1', dialPermission: 'TrunkInbound' }), 'createSipTrunk');
    expect(withoutFingerprints(await rendered('pjsip.conf'))).toContain('context=pbx-permission-TrunkInbound\n');
    const referrers = await prisma.$transaction((tx) => findReferrers(tx, { settings: server.running.services.settings.store }, 'DIAL_PERMISSION', [permission.id], 'delete'));
    expect(referrers).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'TRUNK', label: 'SIP trunk PermUser uses it as its dial permission' })]));
    ok(await gql(DELETE, { ids: [trunk.id] }), 'deleteTrunks');
    const after = await prisma.$transaction((tx) => findReferrers(tx, { settings: server.running.services.settings.store }, 'DIAL_PERMISSION', [permission.id], 'delete'));
    expect(after.filter((r) => r.kind === 'TRUNK')).toEqual([]);
  });
});

describe('who may manage trunks', () => {
  it('only administrators read and write trunks', async () => {
    await gql(`mutation { createAccount(input: { username: "oper-t", password: "operator-pass", role: OPERATOR }) { __typename } }`);
    const token = await server.login('oper-t', 'operator-pass');
    const list = await server.gql(`{ trunks(first: 5) { totalCount } }`, {}, token);
    expect(list.errors?.[0]?.message).toMatch(/Not permitted/);
    const create = await server.gql(CREATE_SIP, { input: client('ByOperator') }, token);
    expect(create.data.createSipTrunk.__typename).toBe('NotPermittedError');
  });
});
