import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readConfig } from '../../../src/pbx/lint/config-file.js';
import type { LintIssue } from '../../../src/pbx/lint/types.js';
import { lintRendered } from '../../../src/pbx/lint-rendered.js';
import { render, RenderError, type PbxSnapshot } from '../../../src/pbx/render/index.js';
import { iaxDefaults, sipDefaults, sipFieldSchemas } from '../../../src/trunks/fields.js';
import type { SnapshotIaxTrunk, SnapshotSipTrunk } from '../../../src/trunks/snapshot.js';
import { expectGolden } from '../../support/golden.js';
import { readAsteriskConfig, readValue } from '../../support/asterisk-config-reader.js';
import { smallSnapshot } from '../fixtures/snapshots.js';

const goldenDir = join(dirname(fileURLToPath(import.meta.url)), 'golden');

const sip = (name: string, fields: Partial<SnapshotSipTrunk> = {}): SnapshotSipTrunk => ({ ...sipDefaults, id: `t-${name}`, name, kind: 'SIP', ...fields });
const iax = (name: string, fields: Partial<SnapshotIaxTrunk> = {}): SnapshotIaxTrunk => ({ ...iaxDefaults, id: `t-${name}`, name, kind: 'IAX', ...fields });

/** A PBX with trunks only, so the golden files show the trunks' parts next to the core's. */
function withTrunks(...trunks: PbxSnapshot['trunks']): PbxSnapshot {
  return { ...smallSnapshot(), extensions: [], departments: [], trunks };
}

const clientSip = sip('ITSP-1', {
  serverHost: 'sip.provider.example',
  username: '+4930123456',
  authUsername: 'auth123',
  password: 'Pr0vider!secret',
  contactUser: '4930123456',
  outboundProxyHost: '192.0.2.10',
  outboundProxyPort: 5070,
  fromUser: '+4930123456',
  fromDomain: 'provider.example',
  sendPai: true,
  nat: true,
  srtp: true,
  transport: 'TCP',
  dtmfMode: 'SIP_INFO',
  codecs: ['G722', 'ALAW'],
  videoCodec: 'H264',
  language: 'de',
  recording: 'BOTH',
  keepAliveSeconds: 30,
  rtpTimeoutSeconds: 120,
  registrationExpirySeconds: 600,
  retryIntervalSeconds: 30,
  maxRetries: 5,
  remoteAddresses: ['192.0.2.0/24'],
  dialPermission: 'Inbound',
});
const serverSip = sip('branch_office', { mode: 'SERVER', password: 'Branch-pass1', keepAliveSeconds: 0 });
const serverByAddress = sip('carrier', { mode: 'SERVER', serverHost: '2001:db8::5', remoteAddresses: ['2001:db8::5', '198.51.100.7'], authEnabled: false });
const iaxClient = iax('hq', { serverHost: 'pbx.hq.example', username: 'branch1', password: 'Iax-secret1', codecs: ['ULAW', 'GSM'], recording: 'INBOUND' });
const iaxServer = iax('branch2', { mode: 'SERVER', password: 'Branch2-secret', language: 'en' });

function configIssues(text: string, file: string): LintIssue[] {
  const issues: LintIssue[] = [];
  readConfig(new Map([[file, text]]), file, issues);
  return issues;
}

/** The auth objects' names end in a fingerprint of the credentials (see trunkObjects.auth); `-auth` stands for it in assertions. */
const withoutFingerprints = (text: string) => text.replace(/-auth-[0-9a-f]{8}\b/g, '-auth');

function trunkFiles(snapshot: PbxSnapshot) {
  const result = render(snapshot);
  return { result, renderedPjsip: result.files.get('pjsip.conf')!, pjsip: withoutFingerprints(result.files.get('pjsip.conf')!), iaxConf: result.files.get('iax.conf')! };
}

describe('SIP trunks in pjsip.conf (F-4.3.1.b)', () => {
  it('a client trunk registers, authenticates and is matched by its line and its addresses', () => {
    const { result, pjsip, renderedPjsip } = trunkFiles(withTrunks(clientSip));
    expectGolden(goldenDir, 'trunk-sip-client', new Map([['pjsip.conf', renderedPjsip]]));
    expect(configIssues(pjsip, 'pjsip.conf')).toEqual([]);
    expect(lintRendered(result)).toEqual([]);
    const value = (section: string, key: string) => readValue(pjsip, section, key);
    expect(value('ITSP-1-registration', 'server_uri')).toBe('sip:sip.provider.example:5060');
    expect(value('ITSP-1-registration', 'client_uri')).toBe('sip:+4930123456@sip.provider.example:5060');
    expect(value('ITSP-1-registration', 'outbound_proxy')).toBe('sip:192.0.2.10:5070;lr');
    expect(value('ITSP-1-registration', 'line')).toBe('yes');
    expect(value('ITSP-1-registration', 'endpoint')).toBe('ITSP-1');
    expect(value('ITSP-1-auth', 'username')).toBe('auth123');
    expect(value('ITSP-1-auth', 'password')).toBe('Pr0vider!secret');
    expect(value('ITSP-1-identify', 'match')).toBe('192.0.2.0/24');
    const endpoint = readAsteriskConfig(pjsip).filter((v) => v.category === 'ITSP-1');
    const get = (key: string) => endpoint.filter((v) => v.name === key).map((v) => v.value);
    // A provider's calls start in the trunk's inbound context (src/inbound/order.ts).
    expect(get('context')).toEqual(['pbx-inbound-ITSP-1']);
    expect(get('allow')).toEqual(['g722,alaw,h264']);
    expect(get('contact')).toEqual(['sip:sip.provider.example:5060']);
    expect(get('qualify_frequency')).toEqual(['30']);
    // Recording (BOTH) is the dialplan's: calls from the trunk are recorded in its inbound context, calls out by the dial rules.
    expect(get('set_var')).toEqual([]);
    expect(result.files.get('extensions.conf')).toMatch(/\[pbx-inbound-ITSP-1\][\s\S]*?Set\(__PBX_TRUNK=ITSP-1\)\n same => n,Gosub\(pbx-record-call,s,1\(\$\{PBX_DID\}\)\)/);
    expect(get('outbound_auth')).toEqual(['ITSP-1-auth']);
    expect(get('auth')).toEqual([]);
  });

  it('a server trunk: the peer registers with the trunk name and password, one contact at a time', () => {
    const { result, pjsip, renderedPjsip } = trunkFiles(withTrunks(serverSip, serverByAddress));
    expectGolden(goldenDir, 'trunk-sip-server', new Map([['pjsip.conf', renderedPjsip]]));
    expect(configIssues(pjsip, 'pjsip.conf')).toEqual([]);
    expect(lintRendered(result)).toEqual([]);
    expect(pjsip).not.toContain('type=registration');
    expect(readValue(pjsip, 'branch_office-auth', 'username')).toBe('branch_office');
    const aor = readAsteriskConfig(pjsip).filter((v) => v.category === 'branch_office');
    expect(aor.find((v) => v.name === 'max_contacts')?.value).toBe('1');
    expect(aor.find((v) => v.name === 'auth')?.value).toBe('branch_office-auth');
    // A peer known by its address: identified by it, reached at its host, no credentials.
    expect(readValue(pjsip, 'carrier-identify', 'match')).toBe('2001:db8::5,198.51.100.7');
    expect(readAsteriskConfig(pjsip).find((v) => v.category === 'carrier' && v.name === 'contact')?.value).toBe('sip:[2001:db8::5]:5060');
    expect(pjsip).not.toContain('[carrier-auth]');
  });

  it('a disabled trunk renders nothing: no registration, no endpoint, no calls', () => {
    const { pjsip } = trunkFiles(withTrunks({ ...clientSip, enabled: false }, serverSip));
    expect(pjsip).not.toContain('ITSP-1');
    expect(pjsip).toContain('[branch_office]');
  });

  it('user-given URIs replace the defaults; without auth there is no auth object', () => {
    const { pjsip } = trunkFiles(
      withTrunks(sip('ims', { serverHost: '10.0.0.1', username: 'u1', authEnabled: false, serverUri: 'sips:ims.example:5061', clientUri: 'sip:u1@ims.example', aorContact: 'sip:[2001:db8::1]:5062' })),
    );
    expect(readValue(pjsip, 'ims-registration', 'server_uri')).toBe('sips:ims.example:5061');
    expect(readValue(pjsip, 'ims-registration', 'client_uri')).toBe('sip:u1@ims.example');
    expect(readValue(pjsip, 'ims-registration', 'outbound_auth')).toBeUndefined();
    expect(pjsip).not.toContain('[ims-auth]');
    expect(readAsteriskConfig(pjsip).find((v) => v.category === 'ims' && v.name === 'contact')?.value).toBe('sip:[2001:db8::1]:5062');
  });

  it('a provider that needs no credentials (authEnabled off, no username): no REGISTER; known by its server and remote addresses, its calls routed inbound', () => {
    const { result, pjsip } = trunkFiles(withTrunks(sip('ip-auth', { serverHost: '203.0.113.9', serverPort: 5080, authEnabled: false, remoteAddresses: ['198.51.100.0/28'], keepAliveSeconds: 60 })));
    expect(lintRendered(result)).toEqual([]);
    expect(configIssues(pjsip, 'pjsip.conf')).toEqual([]);
    expect(pjsip).not.toContain('[ip-auth-registration]');
    expect(pjsip).not.toContain('[ip-auth-auth');
    expect(readValue(pjsip, 'ip-auth-identify', 'match')).toBe('203.0.113.9,198.51.100.0/28');
    const endpoint = readAsteriskConfig(pjsip).filter((v) => v.category === 'ip-auth');
    const get = (key: string) => endpoint.filter((v) => v.name === key).map((v) => v.value);
    expect(get('context')).toEqual(['pbx-inbound-ip-auth']);
    expect(get('contact')).toEqual(['sip:203.0.113.9:5080']);
    expect(get('qualify_frequency')).toEqual(['60']);
    expect(get('outbound_auth')).toEqual([]);
    expect(get('auth')).toEqual([]);
    // Its inbound routing exists like any provider's.
    expect(result.files.get('extensions.conf')).toContain('[pbx-inbound-ip-auth]');
    expect(result.warnings.filter((w) => w.includes('known by the address'))).toEqual([]);
    // Known by the address another trunk registers to: that trunk's calls would arrive as its own.
    const shared = render(withTrunks(sip('ip-auth', { serverHost: 'SIP.provider.example', authEnabled: false }), clientSip));
    expect(shared.warnings).toContain(
      'trunk ip-auth is known by the address SIP.provider.example, which trunk ITSP-1 registers to: PJSIP identifies by address first, so the calls of ITSP-1 arrive as calls of ip-auth',
    );
  });

  it('sendRpid, no NAT, no SRTP and DEFAULT language render as such', () => {
    const { pjsip } = trunkFiles(withTrunks(sip('plain', { serverHost: 'h.example', username: 'u', password: 'p', sendRpid: true, rtpTimeoutSeconds: 0 })));
    const endpoint = readAsteriskConfig(pjsip).filter((v) => v.category === 'plain');
    const get = (key: string) => endpoint.find((v) => v.name === key)?.value;
    expect([get('send_rpid'), get('send_pai'), get('rtp_symmetric'), get('media_encryption'), get('language'), get('rtp_timeout')]).toEqual(['yes', 'no', 'no', undefined, undefined, undefined]);
    expect(get('allow')).toBe('alaw,ulaw,g729');
    expect(get('transport')).toBe('transport-udp');
  });

  it('TLS without a certificate: no transport named, and a warning', () => {
    const { result, pjsip } = trunkFiles(withTrunks(sip('secure', { serverHost: 'h.example', username: 'u', password: 'p', transport: 'TLS' })));
    expect(readValue(pjsip, 'secure-registration', 'transport')).toBeUndefined();
    expect(result.warnings.join('\n')).toMatch(/trunk secure asks for TLS/);
  });

  it('a value that slipped past the field rules stops the render', () => {
    for (const bad of [{ fromUser: 'a;b' }, { serverUri: 'sip:x;transport=tcp' }, { password: 'a\nb' }, { username: 'u@evil' }]) {
      expect(() => render(withTrunks(sip('x1', { serverHost: 'h.example', username: 'u', password: 'p', ...bad }))), JSON.stringify(bad)).toThrow(RenderError);
    }
  });

  it('new credentials rename the auth object, so Asterisk registers with them at once rather than at the next refresh', () => {
    const authOf = (password: string) => /outbound_auth=(ITSP-1-auth-[0-9a-f]{8})/.exec(trunkFiles(withTrunks({ ...clientSip, password })).renderedPjsip)?.[1];
    expect(authOf('Pr0vider!secret')).toBeDefined();
    expect(authOf('Pr0vider!secret')).toBe(authOf('Pr0vider!secret'));
    expect(authOf('Another-secret1')).not.toBe(authOf('Pr0vider!secret'));
  });

  it('every password the field accepts reaches Asterisk as stored', () => {
    const tricky = ['>evil8', '>=secret', 'a=>b', '=start', 'end=', 'x+=y', '#include', '>>'];
    for (const password of tricky.filter((p) => sipFieldSchemas.password.safeParse(p).success)) {
      const { pjsip } = trunkFiles(withTrunks(sip('t', { serverHost: 'h.example', username: 'u', password })));
      expect(readValue(pjsip, 't-auth', 'password'), password).toBe(password);
    }
  });
});

describe('IAX trunks in iax.conf (F-4.3.1.d)', () => {
  it('a client trunk registers from [general] and calls the far end as a friend', () => {
    const { result, iaxConf } = trunkFiles(withTrunks(iaxClient));
    expectGolden(goldenDir, 'trunk-iax-client', new Map([['iax.conf', iaxConf]]));
    expect(configIssues(iaxConf, 'iax.conf')).toEqual([]);
    expect(lintRendered(result)).toEqual([]);
    const read = readAsteriskConfig(iaxConf);
    expect(read.filter((v) => v.category === 'general' && v.name === 'register').map((v) => [v.value, v.object])).toEqual([['branch1:Iax-secret1@pbx.hq.example:4569', true]]);
    const peer = (key: string) => read.find((v) => v.category === 'hq' && v.name === key)?.value;
    expect([peer('type'), peer('host'), peer('username'), peer('secret'), peer('auth'), peer('allow'), peer('context'), peer('setvar')]).toEqual([
      'friend',
      'pbx.hq.example',
      'branch1',
      'Iax-secret1',
      'md5',
      'ulaw,gsm',
      'pbx-inbound-hq',
      undefined,
    ]);
    // Its recording mode INBOUND records calls from the far end in its inbound context.
    expect(result.files.get('extensions.conf')).toMatch(/\[pbx-inbound-hq\][\s\S]*?same => n\(route\),Set\(__PBX_TRUNK=hq\)\n same => n,Gosub\(pbx-record-call,s,1\(\$\{PBX_DID\}\)\)/);
  });

  it('a server trunk: the far end registers to it by the trunk name', () => {
    const { result, iaxConf } = trunkFiles(withTrunks(iaxServer));
    expectGolden(goldenDir, 'trunk-iax-server', new Map([['iax.conf', iaxConf]]));
    expect(configIssues(iaxConf, 'iax.conf')).toEqual([]);
    expect(lintRendered(result)).toEqual([]);
    expect(iaxConf).not.toContain('register');
    const read = readAsteriskConfig(iaxConf).filter((v) => v.category === 'branch2');
    expect(Object.fromEntries(read.map((v) => [v.name, v.value]))).toMatchObject({ type: 'friend', host: 'dynamic', secret: 'Branch2-secret', auth: 'md5', language: 'en' });
  });

  it('a disabled IAX trunk neither registers nor exists', () => {
    const { iaxConf } = trunkFiles(withTrunks({ ...iaxClient, enabled: false }));
    expect(iaxConf).not.toContain('register');
    expect(iaxConf).not.toContain('[hq]');
  });

  it('a value that slipped past the field rules stops the render', () => {
    for (const bad of [{ password: 'a:b' }, { password: 'a@b' }, { username: 'u:x' }, { serverHost: '2001:db8::1' }, { serverHost: 'h;x' }, { language: 'en\nx' }]) {
      expect(() => render(withTrunks({ ...iaxClient, ...bad })), JSON.stringify(bad)).toThrow(RenderError);
    }
  });

  it('without authentication the register line has no secret', () => {
    const { iaxConf } = trunkFiles(withTrunks({ ...iaxClient, authEnabled: false }));
    expect(readValue(iaxConf, 'general', 'register')).toBe('branch1@pbx.hq.example:4569');
    expect(readValue(iaxConf, 'hq', 'secret')).toBeUndefined();
  });
});
