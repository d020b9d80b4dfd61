import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { lintRendered } from '../../../src/pbx/lint-rendered.js';
import { render, RenderError } from '../../../src/pbx/render/index.js';
import type { PbxSnapshot } from '../../../src/pbx/render/snapshot.js';
import { iaxDefaults, sipDefaults } from '../../../src/trunks/fields.js';
import type { SnapshotTrunk } from '../../../src/trunks/snapshot.js';
import { expectGolden } from '../../support/golden.js';
import { smallSnapshot } from '../fixtures/snapshots.js';

const goldenDir = join(dirname(fileURLToPath(import.meta.url)), 'golden');

function sip(id: string, name: string, fields: Partial<SnapshotTrunk> = {}): SnapshotTrunk {
  return { ...sipDefaults, serverHost: 'sip.example.com', username: '4930123456', password: 'Trunk-secret-1', id, name, kind: 'SIP', ...fields };
}

/** The small PBX with two SIP trunks and an IAX trunk, a PIN set, two rules and two permissions. */
function dialingSnapshot(): PbxSnapshot {
  const snapshot = smallSnapshot();
  snapshot.trunks = [
    sip('t1', 'Carrier-A', { maxConcurrentCalls: 2, callerIdPreference: 'EXTENSION', outboundCallerId: '' }),
    sip('t2', 'Carrier-B', { callerIdPreference: 'TRUNK', outboundCallerId: '+4930123000' }),
    { ...iaxDefaults, host: 'iax.example.com', username: 'pbx', password: 'Iax-secret-1', id: 't3', name: 'Branch', kind: 'IAX', enabled: false } as SnapshotTrunk,
  ];
  snapshot.pinSets = [{ id: 'pins1', name: 'Staff', pins: ['1234', '987654'] }];
  snapshot.dialRules = [
    {
      id: 'rule1',
      name: 'DialOut',
      entries: [
        { id: 'e1', prefix: '9', pattern: 'X.', prependDigits: '', pinSetId: null, callerIdSource: 'EXT_CALLER_ID_1', callTimeLimitSeconds: null, trunkSelection: 'SEQUENTIAL', trunks: ['t1', 't2'] },
        {
          id: 'e2',
          prefix: '900',
          pattern: 'XXXXXXX',
          prependDigits: '00',
          pinSetId: 'pins1',
          callerIdSource: 'EXT_CALLER_ID_2',
          callTimeLimitSeconds: 600,
          trunkSelection: 'SEQUENTIAL',
          trunks: ['t2'],
        },
      ],
    },
    {
      id: 'rule2',
      name: 'Branch',
      entries: [
        { id: 'e3', prefix: '8', pattern: '[2-5]XX', prependDigits: '', pinSetId: null, callerIdSource: 'EXT_CALLER_ID_1', callTimeLimitSeconds: null, trunkSelection: 'SEQUENTIAL', trunks: ['t3'] },
      ],
    },
  ];
  snapshot.dialPermissions = [
    { id: 'p1', name: 'DialPlan1', builtIn: true, withheldRights: [], dialRules: ['rule1', 'rule2'] },
    { id: 'p2', name: 'Lobby', builtIn: false, withheldRights: ['allowPickup', 'allowDepartments'], dialRules: ['rule2'] },
  ];
  snapshot.extensions[0] = { ...snapshot.extensions[0]!, outboundCallerId1: '+4930123100', outboundCallerId2: '+4930999' };
  snapshot.extensions[1] = { ...snapshot.extensions[1]!, dialPermission: 'Lobby' };
  return snapshot;
}

const contextOf = (dialplan: string, name: string) => {
  const start = dialplan.indexOf(`[${name}]\n`);
  if (start < 0) throw new Error(`no context ${name}`);
  const end = dialplan.indexOf('\n[', start + 1);
  return dialplan.slice(start, end < 0 ? undefined : end + 1).trimEnd() + '\n';
};
const extenOf = (context: string, name: string) => {
  const start = context.indexOf(`exten => ${name},1,`);
  if (start < 0) throw new Error(`no exten ${name}`);
  const next = context.indexOf('\nexten => ', start + 1);
  return context.slice(start, next < 0 ? undefined : next + 1).trimEnd() + '\n';
};

describe('dial rules, permissions and PIN sets in the dialplan (F-4.3.2, F-4.3.3, F-4.3.4)', () => {
  const result = render(dialingSnapshot());
  const dialplan = result.files.get('extensions.conf')!;

  it('records outside calls once: when the calling extension records the calls it makes, and before each trunk that records outbound calls', () => {
    const recorded = dialingSnapshot();
    recorded.trunks = recorded.trunks.map((t) => (t.name === 'Carrier-B' ? { ...t, recording: 'OUTBOUND' } : t));
    const entry = extenOf(contextOf(render(recorded).files.get('extensions.conf')!, 'pbx-dialrule-rule1'), '_9X.');
    expect(entry).toContain('same => n,GosubIf($["${PBX_RECORDING}" = "OUTBOUND" | "${PBX_RECORDING}" = "BOTH"]?pbx-record-call,s,1(${PBX_DIALNUM}))');
    // The caller's recording mode is read from its lookup row (pbx-caller) before it is used.
    expect(entry.indexOf('Gosub(pbx-caller,s,1)')).toBeGreaterThan(-1);
    expect(entry.indexOf('Gosub(pbx-caller,s,1)')).toBeLessThan(entry.indexOf('${PBX_RECORDING}'));
    const [carrierA, carrierB] = entry.split('n(trunk2)');
    expect(carrierA).not.toMatch(/Gosub\(pbx-record-call/);
    expect(carrierB).toMatch(/Gosub\(pbx-record-call,s,1\(\$\{PBX_DIALNUM\}\)\)\n same => n,Dial\(PJSIP\/\$\{PBX_DIALNUM\}@Carrier-B/);
    // The recording context starts MixMonitor only the first time it is asked in a call.
    expect(contextOf(dialplan, 'pbx-record-call')).toBe(
      '[pbx-record-call]\nexten => s,1,GotoIf($["${PBX_RECORDING_ON}" != ""]?done)\n same => n,Set(PBX_RECORDING_ON=1)\n same => n,MixMonitor(call-${STRFTIME(${EPOCH},UTC,%Y%m%dT%H%M%S)}-${FILTER(0-9A-Za-z+.,${CALLERID(num)})}-${FILTER(0-9A-Za-z+.,${ARG1})}-${FILTER(0-9A-Za-z.,${CHANNEL(linkedid)})}-${FILTER(0-9A-Za-z.,${UNIQUEID})}.wav,b)\n same => n(done),Return()\n',
    );
  });

  it('matches the golden files and passes the dialplan check', () => {
    expectGolden(goldenDir, 'dialing', new Map([['extensions.conf', dialplan]]));
    expect(lintRendered(result)).toEqual([]);
  });

  it('an entry strips its prefix, prepends, sets the caller ID and tries its trunks in order, skipping a full one and failing over only when a trunk cannot carry the call', () => {
    const out = extenOf(contextOf(dialplan, 'pbx-dialrule-rule1'), '_9X.');
    const steps = out.trim().split('\n');
    // A pattern that takes any characters first refuses those a phone may send but Dial would read as separators (& , ( )),
    // then the calling extension's data (pbx-caller), then the OUTBOUND whitelist check (F-4.5.10; test/pbx/render/blacklist-whitelists.test.ts).
    expect(steps[0]).toBe('exten => _9X.,1,GotoIf(${REGEX("[^0-9*#+]" ${EXTEN})}?not-a-number)');
    expect(steps[1]).toBe(' same => n,Gosub(pbx-caller,s,1)');
    expect(steps[2]).toBe(' same => n,GotoIf($["${PBX_WHITELIST_OUT}" != "" & !${DIALPLAN_EXISTS(pbx-whitelist-${PBX_WHITELIST_OUT},${EXTEN},1)}]?not-listed)');
    expect(steps[3]).toBe(' same => n,Set(PBX_DIALNUM=${EXTEN:1})');
    expect(out).toContain(' same => n(not-a-number),NoOp(Not a number that can be dialled)\n same => n,Congestion(5)\n same => n,Hangup()');
    expect(out).toContain('Set(PBX_CID=${PBX_CID1})');
    // Carrier-A: at most 2 calls; a full trunk is skipped to Carrier-B.
    expect(out).toContain(' same => n,GotoIf($[${GROUP_COUNT(Carrier-A@pbx-trunk-calls)} >= 2]?trunk2)\n same => n,Set(GROUP(pbx-trunk-calls)=Carrier-A)');
    expect(out).toContain('Set(CALLERID(num)=${IF($["${PBX_CID}" != ""]?${PBX_CID}:${PBX_ORIGCID})})\n same => n,Dial(PJSIP/${PBX_DIALNUM}@Carrier-A,,T)');
    // Carrier-B prefers its own caller ID.
    // A call that fails over to Carrier-B (no limit) no longer counts against Carrier-A's.
    expect(out).toContain(' same => n(trunk2),Set(GROUP(pbx-trunk-calls)=)\n same => n,Set(CALLERID(num)=+4930123000)\n same => n,Dial(PJSIP/${PBX_DIALNUM}@Carrier-B,,T)');
    expect(out.match(/GotoIf\(\$\["\$\{DIALSTATUS\}" != "CHANUNAVAIL" & "\$\{DIALSTATUS\}" != "CONGESTION"\]\?done\)/g)).toHaveLength(2);
    expect(out.indexOf('@Carrier-A')).toBeLessThan(out.indexOf('@Carrier-B'));
    expect(out).toContain(' same => n(failed),Congestion(5)');
    expect(out).toContain(' same => n(busy),Busy(5)');
    expect(out).not.toContain('pbx-pin-check');
  });

  it('an entry with a PIN set asks for a PIN first; prepend, caller ID 2 and the time limit reach Dial', () => {
    const out = extenOf(contextOf(dialplan, 'pbx-dialrule-rule1'), '_900XXXXXXX');
    // A pattern of fixed length matches only what it names: no check of the characters.
    expect(out.split('\n')[0]).toBe('exten => _900XXXXXXX,1,Gosub(pbx-caller,s,1)');
    expect(out).toContain('Set(PBX_DIALNUM=00${EXTEN:3})');
    expect(out).toContain('Set(PBX_CID=${PBX_CID2})');
    expect(out.indexOf('Gosub(pbx-pin-check,s,1(pbx-pinset-pins1))')).toBeLessThan(out.indexOf('Dial('));
    expect(out).toContain('Dial(PJSIP/${PBX_DIALNUM}@Carrier-B,,TL(600000))');
    // The PINs are literal extensions of a context nothing includes; the check reads digits only, three tries.
    expect(contextOf(dialplan, 'pbx-pinset-pins1')).toBe('[pbx-pinset-pins1]\nexten => 1234,1,NoOp()\nexten => 987654,1,NoOp()\n');
    expect(dialplan).not.toMatch(/include => pbx-pinset/);
    const check = contextOf(dialplan, 'pbx-pin-check');
    expect(check).toContain('Read(PBX_PIN,agent-pass,6,,1,5)');
    expect(check).toContain('GotoIf(${DIALPLAN_EXISTS(${ARG1},${FILTER(0-9,${PBX_PIN})},1)}?ok)');
    expect(check).toContain('GotoIf($[${PBX_PINTRIES} < 3]?wrong)');
    expect(check).toContain('n(ok),Set(CHANNEL(accountcode)=${FILTER(0-9,${PBX_PIN})})');
  });

  it('an entry whose trunks are all disabled answers with congestion, and the apply report says so', () => {
    expect(extenOf(contextOf(dialplan, 'pbx-dialrule-rule2'), '_8[2-5]XX')).toBe('exten => _8[2-5]XX,1,NoOp(No trunk carries this dial rule entry)\n same => n,Congestion(5)\n same => n,Hangup()\n');
    expect(result.warnings).toContain('dial rule Branch entry 1 (8|[2-5]XX) has no enabled trunk: its calls get congestion');
  });

  it("the extension's outbound caller IDs reach the calls it makes: its lookup row, read by pbx-caller before an entry uses them", () => {
    // Not set_var on the endpoint: Asterisk does not keep set_var of an endpoint stored in astdb.
    expect(result.files.get('pjsip.conf')!).not.toContain('PBX_CID');
    expect(result.lookups.get('pbx_extension')!.find((r) => r.number === '100')).toMatchObject({ cid1: '+4930123100', cid2: '+4930999' });
    expect(contextOf(dialplan, 'pbx-caller')).toContain(
      'Set(HASH(pbxcaller)=${REALTIME_HASH(pbx_extension,number,${CHANNEL(endpoint)})})\n same => n,GotoIf($["${HASH(pbxcaller,number)}" = ""]?done)\n same => n,Set(PBX_RECORDING=${HASH(pbxcaller,recording)})\n same => n,Set(PBX_CID1=${HASH(pbxcaller,cid1)})\n same => n,Set(PBX_CID2=${HASH(pbxcaller,cid2)})',
    );
    for (const name of ['_9X.', '_900XXXXXXX']) {
      const entry = extenOf(contextOf(dialplan, 'pbx-dialrule-rule1'), name);
      expect(entry.indexOf('Gosub(pbx-caller,s,1)'), name).toBeGreaterThan(-1);
      expect(entry.indexOf('Gosub(pbx-caller,s,1)'), name).toBeLessThan(entry.indexOf('${PBX_CID'));
    }
  });

  it('each permission includes the contexts of the rights it grants, then its rules in order; one without allowPickup has no pickup include', () => {
    expect(contextOf(dialplan, 'pbx-permission-DialPlan1')).toBe(
      '[pbx-permission-DialPlan1]\ninclude => pbx-feature-codes\ninclude => pbx-pickup-codes\ninclude => pbx-extensions\ninclude => pbx-departments\ninclude => pbx-office-pause-codes\ninclude => pbx-blacklist-codes\ninclude => pbx-ivrs\ninclude => pbx-queues\ninclude => pbx-queue-agent-codes\ninclude => pbx-parked-calls\ninclude => pbx-dialrule-rule1\ninclude => pbx-dialrule-rule2\n',
    );
    expect(contextOf(dialplan, 'pbx-permission-Lobby')).toBe(
      '[pbx-permission-Lobby]\ninclude => pbx-feature-codes\ninclude => pbx-extensions\ninclude => pbx-office-pause-codes\ninclude => pbx-blacklist-codes\ninclude => pbx-ivrs\ninclude => pbx-queues\ninclude => pbx-queue-agent-codes\ninclude => pbx-parked-calls\ninclude => pbx-dialrule-rule2\n',
    );
    expect(result.files.get('pjsip.conf')).toContain('[101]\ntype=endpoint\ntransport=transport-tcp\ncontext=pbx-permission-Lobby');
    // Asterisk's own pickup, which would bypass the permission, is off.
    expect(result.files.get('features.conf')).toContain('pickupexten=\n');
  });

  it('the check proves internal numbers win in every permission and each entry is reachable from it', () => {
    const expectations = result.expectations;
    expect(expectations).toContainEqual(expect.objectContaining({ number: '101', context: 'pbx-permission-DialPlan1', reaches: { context: 'pbx-dial-extension' } }));
    expect(expectations).toContainEqual(expect.objectContaining({ number: '905550123', context: 'pbx-permission-DialPlan1', reaches: { context: 'pbx-dialrule-rule1' } }));
    expect(expectations).toContainEqual(expect.objectContaining({ number: '8200', context: 'pbx-permission-Lobby', reaches: { context: 'pbx-dialrule-rule2' } }));
    // Lobby lacks allowPickup: the feature codes' numbers are not expected there.
    expect(expectations.some((e) => e.context === 'pbx-permission-Lobby' && e.number === '*8')).toBe(false);
  });

  it('external-number destinations go out through the rules of DialPlan1, else congestion', () => {
    expect(extenOf(contextOf(dialplan, 'pbx-outbound'), '_[+0-9*#].')).toBe(
      'exten => _[+0-9*#].,1,GotoIf(${DIALPLAN_EXISTS(pbx-outbound-rules,${EXTEN},1)}?pbx-outbound-rules,${EXTEN},1)\n same => n,NoOp(No dial rule reaches ${EXTEN})\n same => n,Congestion(5)\n same => n,Hangup()\n',
    );
    expect(contextOf(dialplan, 'pbx-outbound-rules')).toBe('[pbx-outbound-rules]\ninclude => pbx-dialrule-rule1\ninclude => pbx-dialrule-rule2\n');
  });

  it('the dialplan check fails for a rule that takes numbers of the extension range', () => {
    const snapshot = dialingSnapshot();
    snapshot.dialRules.push({
      id: 'rule3',
      name: 'Local',
      entries: [
        { id: 'e4', prefix: '', pattern: '1XX', prependDigits: '', pinSetId: null, callerIdSource: 'EXT_CALLER_ID_1', callTimeLimitSeconds: null, trunkSelection: 'SEQUENTIAL', trunks: ['t1'] },
      ],
    });
    snapshot.dialPermissions[0]!.dialRules.push('rule3');
    const issues = lintRendered(render(snapshot));
    // The extensions' pattern over the whole range (100–899) is searched first: the entry's pattern can never be chosen.
    expect(issues.map((i) => i.code).sort()).toEqual(['SHADOWED_PATTERN', 'UNREACHABLE_NUMBER']);
    expect(issues.find((i) => i.code === 'SHADOWED_PATTERN')!.message).toMatch(/\[pbx-dialrule-rule3\] exten _1XX: .*_\[1-8\]XX \(\[pbx-extensions\]/);
    expect(issues.find((i) => i.code === 'UNREACHABLE_NUMBER')!.message).toMatch(
      /number 100 \(dial rule Local entry 1 \(\|1XX\) in dial permission DialPlan1\) dialled from \[pbx-permission-DialPlan1\] reaches .* expected context pbx-dialrule-rule3/,
    );
  });

  it('the dialplan check fails for a rule that an earlier rule of the permission takes entirely', () => {
    const snapshot = dialingSnapshot();
    snapshot.dialRules.push({
      id: 'rule3',
      name: 'Late',
      entries: [
        { id: 'e4', prefix: '9', pattern: '1XXXX', prependDigits: '', pinSetId: null, callerIdSource: 'EXT_CALLER_ID_1', callTimeLimitSeconds: null, trunkSelection: 'SEQUENTIAL', trunks: ['t1'] },
      ],
    });
    snapshot.dialPermissions[0]!.dialRules.push('rule3');
    expect(lintRendered(render(snapshot)).map((i) => i.code)).toContain('SHADOWED_PATTERN');
  });

  it('refuses what cannot be rendered as written', () => {
    const bad = dialingSnapshot();
    bad.dialRules[0]!.entries[0]!.pattern = 'X.X';
    expect(() => render(bad)).toThrow(RenderError);
    const badPrepend = dialingSnapshot();
    badPrepend.dialRules[0]!.entries[0]!.prependDigits = '1,2';
    expect(() => render(badPrepend)).toThrow(RenderError);
  });
});
