import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { lintRendered } from '../../../src/pbx/lint-rendered.js';
import { render, RenderError } from '../../../src/pbx/render/index.js';
import type { PbxSnapshot } from '../../../src/pbx/render/snapshot.js';
import { sipDefaults } from '../../../src/trunks/fields.js';
import { expectGolden } from '../../support/golden.js';
import { smallSnapshot } from '../fixtures/snapshots.js';

const goldenDir = join(dirname(fileURLToPath(import.meta.url)), 'golden');

/** The small PBX with a blacklist, an INBOUND list on 100, an OUTBOUND list on 101 (also over IAX2) and a dial rule with a trunk. */
function listsSnapshot(): PbxSnapshot {
  const snapshot = smallSnapshot();
  snapshot.blacklist = ['*31#', '+4930123456', '5551234'];
  snapshot.whitelists = [
    { id: 'wlin', name: 'VIP', direction: 'INBOUND', numbers: ['+4930111', '102'] },
    { id: 'wlout', name: 'Allowed', direction: 'OUTBOUND', numbers: ['900441234'] },
  ];
  snapshot.extensions[0] = { ...snapshot.extensions[0]!, whitelist: 'VIP' };
  snapshot.extensions[1] = { ...snapshot.extensions[1]!, whitelist: 'Allowed' };
  snapshot.extensions[2] = { ...snapshot.extensions[2]!, whitelist: 'Allowed' };
  snapshot.trunks = [{ ...sipDefaults, serverHost: 'sip.example.com', username: '4930123456', password: 'Trunk-secret-1', id: 't1', name: 'Carrier', kind: 'SIP' }];
  snapshot.dialRules = [
    {
      id: 'rule1',
      name: 'DialOut',
      entries: [
        { id: 'e1', prefix: '9', pattern: 'X.', prependDigits: '', pinSetId: null, callerIdSource: 'EXT_CALLER_ID_1', callTimeLimitSeconds: null, trunkSelection: 'SEQUENTIAL', trunks: ['t1'] },
      ],
    },
  ];
  snapshot.dialPermissions = [{ id: 'p1', name: 'DialPlan1', builtIn: true, withheldRights: [], dialRules: ['rule1'] }];
  return snapshot;
}

const contextOf = (dialplan: string, name: string) => {
  const start = dialplan.indexOf(`[${name}]\n`);
  if (start < 0) throw new Error(`no context ${name}`);
  const end = dialplan.indexOf('\n[', start + 1);
  return dialplan.slice(start, end < 0 ? undefined : end + 1).trimEnd() + '\n';
};

describe('blacklist, its feature codes and whitelists in the configuration (F-4.2.6, F-4.7.e, F-4.5.10)', () => {
  const result = render(listsSnapshot());
  const dialplan = result.files.get('extensions.conf')!;
  const pjsip = result.files.get('pjsip.conf')!;

  it('matches the golden files and passes the dialplan check (the codes reach their context)', () => {
    expectGolden(goldenDir, 'lists', new Map([['extensions.conf', dialplan]]));
    expect(lintRendered(result)).toEqual([]);
    const owners = result.expectations.map((e) => e.owner);
    expect(owners).toEqual(expect.arrayContaining(['feature code blacklistAdd', 'feature code blacklistRemove', 'feature code blacklistLastCaller']));
  });

  it('the inbound step refuses a listed caller with busy and cause 21, looking up only digits * # +; others return', () => {
    expect(contextOf(dialplan, 'pbx-inbound-blacklist')).toBe(
      [
        '[pbx-inbound-blacklist]',
        'exten => s,1,GotoIf(${DIALPLAN_EXISTS(pbx-blacklist-numbers,${FILTER(0-9*#+,${CALLERID(num)})},1)}?refuse)',
        ' same => n,Return()',
        ' same => n(refuse),NoOp(Caller on the blacklist)',
        ' same => n,Busy(2)',
        ' same => n,Hangup(21)',
        '',
      ].join('\n'),
    );
    expect(contextOf(dialplan, 'pbx-blacklist-numbers')).toBe('[pbx-blacklist-numbers]\nexten => *31#,1,NoOp()\nexten => +4930123456,1,NoOp()\nexten => 5551234,1,NoOp()\n');
    expect(dialplan).not.toMatch(/include => pbx-blacklist-numbers|include => pbx-whitelist/);
  });

  it('the codes are under allowFeatureCodes and hand the number and the extension to the ARI application', () => {
    expect(contextOf(dialplan, 'pbx-permission-DialPlan1')).toContain('include => pbx-blacklist-codes');
    const codes = contextOf(dialplan, 'pbx-blacklist-codes');
    expect(codes).toContain('exten => *75,1,Answer()\n same => n,Read(PBX_BLNUM,enter-num-blacklist,32,,1,10)');
    expect(codes).toContain('Stasis(pbx,blacklist-add,${PBX_BLNUM},${CHANNEL(endpoint)})');
    expect(codes).toContain('exten => _*075X.,1,Answer()\n same => n,Set(PBX_BLNUM=${FILTER(0-9*#+,${EXTEN:4})})\n same => n,Stasis(pbx,blacklist-remove,${PBX_BLNUM},${CHANNEL(endpoint)})');
    expect(codes).toContain('exten => *76,1,Answer()\n same => n,Set(PBX_BLNUM=${FILTER(0-9*#+,${DB(pbx-lastcaller/${CHANNEL(endpoint)})})})');
    // Stasis() returns only when the server is not connected: the caller hears that it failed.
    expect(codes.match(/n\(failed\),Playback\(beeperr\)/g)).toHaveLength(3);
  });

  it('a changed code and another ARI application name reach the dialplan', () => {
    const snapshot = listsSnapshot();
    snapshot.featureCodes = { ...snapshot.featureCodes, blacklistAdd: '*85', blacklistRemove: '*085' };
    snapshot.connection = { ...snapshot.connection, ariApp: 'pbx-main' };
    const out = render(snapshot);
    const codes = contextOf(out.files.get('extensions.conf')!, 'pbx-blacklist-codes');
    expect(codes).toContain('exten => *85,1,Answer()');
    expect(codes).toContain('exten => _*085X.,1,Answer()');
    expect(codes).toContain('Stasis(pbx-main,blacklist-remove,');
    expect(lintRendered(out)).toEqual([]);
  });

  it('the last external caller of an extension is kept for *76', () => {
    expect(contextOf(dialplan, 'pbx-dial-extension')).toContain('ExecIf($["${PBX_TRUNK}" != ""]?Set(DB(pbx-lastcaller/${ARG1})=${FILTER(0-9*#+,${CALLERID(num)})}))');
  });

  it('INBOUND: only a listed caller (its number unaltered by the filter) reaches the extension; others hear busy, cause 21', () => {
    // The list's id comes from the extension's lookup row (ARG5), not from a line per extension.
    expect(contextOf(dialplan, 'pbx-extensions')).toContain(
      ' same => n,Gosub(pbx-dial-extension,s,1(${EXTEN},${HASH(PBX_EXT,voicemail)},${HASH(PBX_EXT,recording)},${HASH(PBX_EXT,iax2)},${HASH(PBX_EXT,whitelist)}))',
    );
    const rows = result.lookups.get('pbx_extension')!;
    expect(rows.find((r) => r.number === '100')).toMatchObject({ whitelist: 'wlin', whitelist_out: '' });
    expect(rows.find((r) => r.number === '101')).toMatchObject({ whitelist: '', whitelist_out: 'wlout' });
    const dial = contextOf(dialplan, 'pbx-dial-extension');
    expect(dial).toContain(' same => n,GotoIf($["${ARG5}" != ""]?whitelist)\n same => n(checked),GotoIf(');
    expect(dial).toContain(
      ' same => n(whitelist),Set(PBX_WLNUM=${FILTER(0-9*#+,${CALLERID(num)})})\n same => n,GotoIf($[${LEN(${PBX_WLNUM})} = ${LEN(${CALLERID(num)})} & ${DIALPLAN_EXISTS(pbx-whitelist-${ARG5},${PBX_WLNUM},1)}]?checked)\n same => n,NoOp(Caller not on the whitelist)\n same => n,Busy(2)\n same => n,Hangup(21)',
    );
    expect(contextOf(dialplan, 'pbx-whitelist-wlin')).toBe('[pbx-whitelist-wlin]\nexten => +4930111,1,NoOp()\nexten => 102,1,NoOp()\n');
  });

  it("OUTBOUND: the caller's lookup row (and the IAX2 friend) carries the list; each dial-rule entry lets through only listed numbers as dialled", () => {
    // Not set_var on the endpoints (Asterisk does not keep it in astdb): pbx-caller reads the calling endpoint's row.
    expect(pjsip).not.toContain('PBX_WHITELIST_OUT');
    expect(
      result.lookups
        .get('pbx_extension')!
        .filter((r) => r.whitelist_out === 'wlout')
        .map((r) => r.number),
    ).toEqual(['101', '102']);
    expect(contextOf(dialplan, 'pbx-caller')).toContain(' same => n,Set(PBX_WHITELIST_OUT=${HASH(pbxcaller,whitelist_out)})');
    expect(result.files.get('iax.conf')).toContain('setvar=PBX_WHITELIST_OUT=wlout');
    const entry = contextOf(dialplan, 'pbx-dialrule-rule1');
    expect(entry).toContain(' same => n,Gosub(pbx-caller,s,1)\n same => n,GotoIf($["${PBX_WHITELIST_OUT}" != "" & !${DIALPLAN_EXISTS(pbx-whitelist-${PBX_WHITELIST_OUT},${EXTEN},1)}]?not-listed)');
    expect(entry).toContain(' same => n(not-listed),NoOp(Number not on the whitelist)\n same => n,Busy(2)\n same => n,Hangup(21)');
    expect(contextOf(dialplan, 'pbx-whitelist-wlout')).toBe('[pbx-whitelist-wlout]\nexten => 900441234,1,NoOp()\n');
  });

  it('linking or unlinking a list changes the lookup row, not the extension dialplan', () => {
    const snapshot = listsSnapshot();
    snapshot.extensions = snapshot.extensions.map((e) => ({ ...e, whitelist: '' }));
    const unlinked = render(snapshot);
    expect(unlinked.files.get('extensions.conf')).toBe(dialplan);
    expect(unlinked.lookups.get('pbx_extension')!.every((r) => r.whitelist === '' && r.whitelist_out === '')).toBe(true);
    expect(lintRendered(unlinked)).toEqual([]);
  });

  it('a hostile stored value stops the render instead of reaching a file', () => {
    for (const mutate of [
      (s: PbxSnapshot) => (s.blacklist = ['555\n[globals]']),
      (s: PbxSnapshot) => (s.blacklist = ['_X.']),
      (s: PbxSnapshot) => (s.whitelists![0]!.numbers = ['1,2)']),
      (s: PbxSnapshot) => (s.whitelists![0]!.id = 'a,b'),
      (s: PbxSnapshot) => (s.extensions[0] = { ...s.extensions[0]!, whitelist: 'Missing' }),
      (s: PbxSnapshot) => (s.featureCodes = { ...s.featureCodes, blacklistAdd: '*7)5' }),
      (s: PbxSnapshot) => (s.connection = { ...s.connection, ariApp: 'pbx,x' }),
    ]) {
      const snapshot = listsSnapshot();
      mutate(snapshot);
      expect(() => render(snapshot)).toThrow(RenderError);
    }
  });
});
