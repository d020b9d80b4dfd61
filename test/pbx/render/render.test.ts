import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { lintRendered } from '../../../src/pbx/lint-rendered.js';
import { render, RenderError } from '../../../src/pbx/render/index.js';
import { expectGolden as expectGoldenFiles } from '../../support/golden.js';
import { extension, largeSnapshot, smallSnapshot } from '../fixtures/snapshots.js';

const goldenDir = join(dirname(fileURLToPath(import.meta.url)), 'golden');

/** Compares with test/pbx/render/golden/<fixture>/<file>; UPDATE_GOLDEN=1 rewrites them. */
function expectGolden(fixture: string, files: Map<string, string>) {
  expectGoldenFiles(goldenDir, fixture, files);
}

describe('render: destination parameters', () => {
  it('a PBX with nothing in it yet renders a dialplan that passes the check (a fresh install applies)', () => {
    const snapshot = { ...smallSnapshot(), extensions: [], departments: [] };
    expect(lintRendered(render(snapshot))).toEqual([]);
  });

  it('an EXTENSION destination with a ring time rings that long, then goes on as any call to the extension', () => {
    const snapshot = smallSnapshot();
    snapshot.departments[3] = { ...snapshot.departments[3]!, noAnswer: { type: 'EXTENSION', number: '101', parameters: { ringTimeSeconds: 15 } } };
    snapshot.departments[2] = { ...snapshot.departments[2]!, noAnswer: { type: 'VOICEMAIL', number: '100', parameters: { greeting: 'BUSY' } } };
    const result = render(snapshot);
    const dialplan = result.files.get('extensions.conf')!;
    expect(dialplan).toContain('Gosub(pbx-extension-ring-time,s,1(101,15))');
    expect(dialplan).toContain('[pbx-extension-ring-time]\nexten => s,1,Set(PBX_RINGTIME_FOR=${ARG2})\n same => n,Goto(pbx-extensions,${ARG1},1)');
    expect(dialplan).toContain('Goto(pbx-voicemail,100,busy)');
    expect(lintRendered(result)).toEqual([]);
  });
});

describe('render: dial permissions (F-4.3.3)', () => {
  it("a phone's calls start in the context of its dial permission, which includes what it may dial", () => {
    const snapshot = smallSnapshot();
    snapshot.extensions[1] = { ...snapshot.extensions[1]!, dialPermission: 'Sales_2' };
    snapshot.dialPermissions.push({ id: 'perm-sales', name: 'Sales_2', builtIn: false, withheldRights: ['allowDepartments'], dialRules: [] });
    const files = render(snapshot).files;
    expect(sectionOf(files.get('pjsip.conf')!, '100', 'endpoint').get('context')).toEqual(['pbx-permission-DialPlan1']);
    expect(sectionOf(files.get('pjsip.conf')!, '101', 'endpoint').get('context')).toEqual(['pbx-permission-Sales_2']);
    const dialplan = files.get('extensions.conf')!;
    expect(dialplan).toContain(
      '[pbx-permission-DialPlan1]\ninclude => pbx-feature-codes\ninclude => pbx-pickup-codes\ninclude => pbx-extensions\ninclude => pbx-departments\ninclude => pbx-office-pause-codes\ninclude => pbx-blacklist-codes\ninclude => pbx-ivrs\ninclude => pbx-queues\ninclude => pbx-queue-agent-codes\ninclude => pbx-parked-calls\n\n',
    );
    expect(dialplan).toContain(
      '[pbx-permission-Sales_2]\ninclude => pbx-feature-codes\ninclude => pbx-pickup-codes\ninclude => pbx-extensions\ninclude => pbx-office-pause-codes\ninclude => pbx-blacklist-codes\ninclude => pbx-ivrs\ninclude => pbx-queues\ninclude => pbx-queue-agent-codes\ninclude => pbx-parked-calls\n\n',
    );
  });

  it('a permission name that cannot name a context stops the render', () => {
    const snapshot = smallSnapshot();
    snapshot.extensions[0] = { ...snapshot.extensions[0]!, dialPermission: 'Sales team' };
    expect(() => render(snapshot)).toThrow(RenderError);
  });
});

describe('golden files', () => {
  it('a missing golden file fails instead of being written', () => {
    const empty = mkdtempSync(join(tmpdir(), 'golden-'));
    const update = process.env.UPDATE_GOLDEN;
    delete process.env.UPDATE_GOLDEN;
    try {
      expect(() => expectGoldenFiles(empty, 'none', new Map([['pjsip.conf', 'x']]))).toThrow(/missing/);
    } finally {
      if (update !== undefined) process.env.UPDATE_GOLDEN = update;
    }
  });
});

/** The options of one section of a rendered .conf file. */
function sectionOf(text: string, name: string, type?: string): Map<string, string[]> {
  const blocks = text.split(/\n(?=\[)/);
  for (const block of blocks) {
    const [head, ...lines] = block.trim().split('\n');
    if (head !== `[${name}]`) continue;
    const options = new Map<string, string[]>();
    for (const line of lines) {
      const eq = line.indexOf('=');
      if (eq < 0 || line.startsWith(';')) continue;
      const key = line.slice(0, eq).trim();
      options.set(key, [...(options.get(key) ?? []), line.slice(eq + 1)]);
    }
    if (!type || options.get('type')?.[0] === type) return options;
  }
  throw new Error(`no section [${name}]${type ? ` of type ${type}` : ''}`);
}

describe('render: small fixture', () => {
  const { files, warnings } = render(smallSnapshot());
  const pjsip = files.get('pjsip.conf')!;
  const dialplan = files.get('extensions.conf')!;

  it('matches the golden files', () => {
    expectGolden('small', files);
    expect(warnings).toEqual([]);
  });

  it('is deterministic', () => {
    expect(render(smallSnapshot()).files).toEqual(files);
  });

  it('carries the extension fields into endpoint, auth and aor', () => {
    const e100 = sectionOf(pjsip, '100', 'endpoint');
    expect(e100.get('allow')).toEqual(['ulaw,alaw,h264']);
    expect(e100.get('callerid')).toEqual(['"Alice" <100>']);
    expect(e100.get('mailboxes')).toEqual(['100@default']);
    expect(e100.get('named_pickup_group')).toEqual(['1,2']);
    expect(e100.get('transport')).toEqual(['transport-udp']);
    expect(e100.get('dtmf_mode')).toEqual(['rfc4733']);
    // Every option the server sets is written, off ones with their explicit default (a pushed object needs them).
    expect(e100.get('media_encryption')).toEqual(['no']);
    expect(e100.has('acl')).toBe(false);

    const e101 = sectionOf(pjsip, '101', 'endpoint');
    expect(e101.get('media_encryption')).toEqual(['sdes']);
    expect(e101.get('transport')).toEqual(['transport-tcp']);
    expect(e101.get('dtmf_mode')).toEqual(['info']);
    expect(e101.get('rtp_symmetric')).toEqual(['yes']);
    expect(e101.get('force_rport')).toEqual(['yes']);
    expect(e101.get('rewrite_contact')).toEqual(['yes']);
    expect(e101.get('send_pai')).toEqual(['yes']);
    expect(e101.get('send_rpid')).toEqual(['no']);
    expect(e101.get('language')).toEqual(['en']);
    // Its trusted addresses: one named ACL of acl.conf, which holds the deny/permit rules.
    expect(e101.has('deny') || e101.has('permit')).toBe(false);
    expect(e101.get('acl')).toEqual([expect.stringMatching(/^pbx-acl-[0-9a-f]{12}$/)]);
    const acl = sectionOf(files.get('acl.conf')!, e101.get('acl')![0]!);
    expect(acl.get('deny')).toEqual(['0.0.0.0/0.0.0.0', '::/0']);
    expect(acl.get('permit')).toEqual(['192.168.1.0/24']);
    expect(sectionOf(pjsip, '101', 'aor').get('max_contacts')).toEqual(['1']);
    expect(sectionOf(pjsip, '101', 'aor').get('remove_existing')).toEqual(['yes']);

    const aor100 = sectionOf(pjsip, '100', 'aor');
    expect(aor100.get('qualify_frequency')).toEqual(['300']);
    expect(aor100.get('qualify_timeout')).toEqual(['30']);
    expect(aor100.get('default_expiration')).toEqual(['1800']);
    expect(aor100.get('max_contacts')).toEqual(['2']);
    expect(sectionOf(pjsip, '100-auth', 'auth').get('password')).toEqual(['Secret-100']);

    const e102 = sectionOf(pjsip, '102', 'endpoint');
    expect(e102.get('allow')).toEqual(['alaw,ulaw,g729']);
    expect(e102.has('mailboxes')).toBe(false);
  });

  it('a disabled extension has no endpoint, so it cannot register; calling it gets congestion', () => {
    expect(() => sectionOf(pjsip, '103', 'endpoint')).toThrow();
    expect(() => sectionOf(pjsip, '103-auth', 'auth')).toThrow();
    // Calling it: its lookup row says disabled, and the check proves the number reaches that branch (congestion).
    expect(dialplan).toContain(' same => n(disabled),NoOp(Extension ${EXTEN} is disabled)\n same => n,Congestion(5)\n same => n,Hangup()');
    expect(render(smallSnapshot()).expectations).toContainEqual({
      number: '103',
      context: 'pbx-internal',
      reaches: { step: 'NoOp(Extension ${EXTEN} is disabled)' },
      owner: 'extension 103',
      lookup: { family: 'pbx_extension', key: '103' },
    });
    // Its departments still list it; its leg answers busy while it is disabled (looked up when it is rung).
    expect(dialplan).toContain('Dial(Local/100@pbx-department-member/n&Local/101@pbx-department-member/n&Local/103@pbx-department-member/n,20)');
  });

  it('renders the transports and globals from the SIP settings', () => {
    expect(sectionOf(pjsip, 'transport-udp').get('bind')).toEqual(['0.0.0.0:5060']);
    expect(sectionOf(pjsip, 'transport-tcp').get('bind')).toEqual(['0.0.0.0:5061']);
    expect(() => sectionOf(pjsip, 'transport-tls')).toThrow();
    expect(files.get('rtp.conf')).toContain('rtpstart=10000\nrtpend=20000');
    expect(dialplan).toContain('PBX_RINGTIME=30');
  });

  it('departments ring by strategy and then go to their destination', () => {
    const body = (n: string) => dialplan.slice(dialplan.indexOf(`[pbx-department-${n}]`)).split('\n\n')[0]!;
    expect(body('0401')).toContain(' same => n,Dial(Local/102@pbx-department-member/n,15)\n same => n,Dial(Local/100@pbx-department-member/n,15)\n same => n,Goto(pbx-departments,0400,1)');
    expect(body('0400')).toContain('Set(__PBX_ALERT_INFO=ring2)');
    expect(body('0400')).toContain('Goto(pbx-voicemail,100,1)');
    expect(body('0402')).toContain('NoOp(Department 0402)\n same => n,Goto(pbx-outbound,+8613800000000,1)');
    expect(body('0403')).toContain('Dial(Local/102@pbx-department-member/n,10)\n same => n,Hangup()');
  });

  it('a department rings every contact of a member, honours its DND and records what it receives, as a direct call does', () => {
    const snapshot = smallSnapshot();
    snapshot.extensions[1] = { ...snapshot.extensions[1]!, recording: 'INBOUND' };
    // The member's recording mode is looked up when it is rung: the dialplan stays as it is.
    const text = render(snapshot).files.get('extensions.conf')!;
    expect(text).toBe(dialplan);
    const member = text.slice(text.indexOf('[pbx-department-member-dial]')).split('\n\n')[0]!;
    expect(member).toContain(
      'exten => s,1,Set(HASH(PBX_EXT)=${REALTIME_HASH(pbx_extension,number,${ARG1})})\n same => n,GotoIf($["${HASH(PBX_EXT,number)}" != "${ARG1}" | "${HASH(PBX_EXT,enabled)}" != "1"]?busy)',
    );
    expect(member).toContain('GotoIf($["${HASH(PBX_EXT,recording)}" != "INBOUND" & "${HASH(PBX_EXT,recording)}" != "BOTH"]?dial)');
    expect(member).toContain('GotoIf(${DB_EXISTS(DND/${ARG1})}?busy)');
    expect(member).toContain('Set(CONTACTS=${PJSIP_DIAL_CONTACTS(${ARG1})})');
    expect(member).toContain('MixMonitor(');
    expect(member).toContain('b(pbx-alert-info^s^1(${PBX_ALERT_INFO}))');
  });

  it('voicemail boxes come from the realtime view, not voicemail.conf; the feature codes', () => {
    expect(files.get('voicemail.conf')!).not.toMatch(/^\d+ =>/m);
    for (const code of ['*60', '*61', '*8', '_**X.', '*74', '*074']) expect(dialplan).toContain(`exten => ${code},1,`);
    // The extensions' numbers are one pattern over the user extension range (100–899); what each has is looked up per call.
    expect(dialplan).toContain('exten => _[1-8]XX,hint,PJSIP/${EXTEN}\nexten => _[1-8]XX,1,Set(HASH(PBX_EXT)=${REALTIME_HASH(pbx_extension,number,${EXTEN})})');
    expect(dialplan).not.toMatch(/^exten => 10[0-3],/m);
    const rows = render(smallSnapshot()).lookups.get('pbx_extension')!;
    expect(rows.find((r) => r.number === '100')).toMatchObject({ enabled: '1', voicemail: '1', recording: 'OFF', iax2: '0' });
    expect(rows.find((r) => r.number === '102')).toMatchObject({ enabled: '1', voicemail: '0', recording: 'OFF', iax2: '1' });
  });

  it('records calls with MixMonitor: the callee by its mode (INBOUND/BOTH), the caller by the mode its endpoint carries (OUTBOUND/BOTH)', () => {
    const snapshot = smallSnapshot();
    snapshot.extensions[0] = { ...snapshot.extensions[0]!, recording: 'BOTH' };
    const { files: recorded } = render(snapshot);
    // The callee's mode comes from its lookup row (ARG3): the dialplan stays as it is.
    expect(recorded.get('extensions.conf')).toBe(dialplan);
    expect(
      render(snapshot)
        .lookups.get('pbx_extension')!
        .find((r) => r.number === '100')!.recording,
    ).toBe('BOTH');
    expect(dialplan).toContain('Gosub(pbx-dial-extension,s,1(${EXTEN},${HASH(PBX_EXT,voicemail)},${HASH(PBX_EXT,recording)},');
    // The caller's mode: no set_var on its endpoint (astdb does not keep it); pbx-caller reads it from the lookup row of the calling endpoint.
    expect(sectionOf(recorded.get('pjsip.conf')!, '100', 'endpoint').has('set_var')).toBe(false);
    expect(dialplan.slice(dialplan.indexOf('[pbx-caller]')).split('\n\n')[0]).toContain(
      'Set(HASH(pbxcaller)=${REALTIME_HASH(pbx_extension,number,${CHANNEL(endpoint)})})\n same => n,GotoIf($["${HASH(pbxcaller,number)}" = ""]?done)\n same => n,Set(PBX_RECORDING=${HASH(pbxcaller,recording)})',
    );
    expect(dialplan).toContain('GotoIf($["${ARG3}" = "INBOUND" | "${ARG3}" = "BOTH" | "${PBX_RECORDING}" = "OUTBOUND" | "${PBX_RECORDING}" = "BOTH"]?record)');
    expect(dialplan).toContain(
      ' same => n(record),MixMonitor(call-${STRFTIME(${EPOCH},UTC,%Y%m%dT%H%M%S)}-${FILTER(0-9A-Za-z+.,${CALLERID(num)})}-${FILTER(0-9A-Za-z+.,${ARG1})}-${FILTER(0-9A-Za-z.,${CHANNEL(linkedid)})}-${FILTER(0-9A-Za-z.,${UNIQUEID})}.wav,b)\n same => n,Goto(dial)',
    );
  });

  it('an extension with IAX2 on has an iax.conf friend and also rings over IAX2 while registered', () => {
    const iax = files.get('iax.conf')!;
    const friend = sectionOf(iax, '102');
    expect(friend.get('type')).toEqual(['friend']);
    expect(friend.get('host')).toEqual(['dynamic']);
    expect(friend.get('secret')).toEqual(['Secret-102']);
    expect(friend.get('context')).toEqual(['pbx-permission-DialPlan1']);
    expect(() => sectionOf(iax, '100')).toThrow();
    expect(dialplan).toContain(
      ' same => n,GotoIf($["${ARG4}" != "1"]?ring)\n same => n,ExecIf($["${IAXPEER(${ARG1},ip)}" != ""]?Set(CONTACTS=${CONTACTS}${IF($["${CONTACTS}" = ""]?:&)}IAX2/${ARG1}))\n same => n(ring),',
    );
  });

  it("Asterisk's built-in call pickup (it runs before the dialplan, whatever the dial permission) is off: group pickup is the dialplan's, under allowPickup", () => {
    expect(sectionOf(files.get('features.conf')!, 'general').get('pickupexten')).toEqual(['']);
    expect(files.get('extensions.conf')).toContain('[pbx-pickup-codes]\nexten => *8,1,Pickup()');
  });

  it('ARI, AMI and HTTP listen on loopback with the configured credentials', () => {
    expect(files.get('http.conf')).toContain('bindaddr=127.0.0.1\nbindport=8088');
    expect(sectionOf(files.get('ari.conf')!, 'pbx').get('password')).toEqual(['ari-secret-1']);
    expect(sectionOf(files.get('manager.conf')!, 'pbx').get('secret')).toEqual(['ami-secret-1']);
    expect(sectionOf(files.get('manager.conf')!, 'general').get('bindaddr')).toEqual(['127.0.0.1']);
  });

  it('warns when an extension asks for TLS without a certificate, and renders TLS with one', () => {
    const snapshot = smallSnapshot();
    snapshot.extensions[0] = extension('100', { transport: 'TLS' });
    expect(render(snapshot).warnings).toEqual(['extension 100 asks for TLS, but no TLS certificate is configured: it may register over UDP or TCP']);
    snapshot.settings.sip.tlsCertFile = '/etc/pbx/cert.pem';
    snapshot.settings.sip.tlsKeyFile = '/etc/pbx/key.pem';
    const again = render(snapshot);
    expect(again.warnings).toEqual([]);
    expect(sectionOf(again.files.get('pjsip.conf')!, '100', 'endpoint').get('transport')).toEqual(['transport-tls']);
  });
});

describe('render: hostile values never reach a file', () => {
  const hostile = ['x\n[evil]\ntype=endpoint', 'x;comment', 'x[1]', 'x"quote', 'x\\escape', 'x\u0000'];
  for (const value of hostile) {
    it(`refuses ${JSON.stringify(value)}`, () => {
      // email and voicemailPin reach no file any more: app_voicemail reads them from the realtime view (the field rules keep them clean).
      for (const field of ['name', 'password'] as const) {
        const snapshot = smallSnapshot();
        snapshot.extensions[0] = extension('100', { [field]: value });
        expect(() => render(snapshot), field).toThrow(RenderError);
      }
      const dept = smallSnapshot();
      dept.departments[0]!.distinctiveRing = value;
      expect(() => render(dept)).toThrow(RenderError);
      const sip = smallSnapshot();
      sip.settings.sip.userAgent = value;
      expect(() => render(sip)).toThrow(RenderError);
      const external = smallSnapshot();
      external.departments[2]!.noAnswer = { type: 'EXTERNAL_NUMBER', number: `123${value}` };
      expect(() => render(external)).toThrow(RenderError);
    });
  }
  it('refuses dialplan separators in dialplan arguments', () => {
    const snapshot = smallSnapshot();
    snapshot.departments[0]!.distinctiveRing = 'ring,2';
    expect(() => render(snapshot)).toThrow(/dialplan argument/);
  });
});

describe('render: large fixture', () => {
  it('matches the golden files (400 extensions, 20 departments)', () => {
    const { files } = render(largeSnapshot(400, 20));
    expectGolden('large', files);
  });

  it('renders 4,000 extensions and 100 departments completely', () => {
    const { files } = render(largeSnapshot());
    expect(files.get('pjsip.conf')!.match(/^type=endpoint$/gm)).toHaveLength(4000);
    expect(files.get('pjsip.conf')!.match(/^type=auth$/gm)).toHaveLength(4000);
    expect(files.get('voicemail.conf')!).not.toMatch(/^\d+ =>/m);
    expect(files.get('extensions.conf')!.match(/^\[pbx-department-\d+\]$/gm)).toHaveLength(100);
  });
});
