import { describe, expect, it } from 'vitest';
import { rangePatterns } from '../../src/calls/control/range-patterns.js';
import { lintRendered } from '../../src/pbx/lint-rendered.js';
import { render } from '../../src/pbx/render/index.js';
import type { PbxSnapshot } from '../../src/pbx/render/snapshot.js';
import { smallSnapshot } from '../pbx/fixtures/snapshots.js';

/** Call control's part of the configuration: its contexts, the parking lot over the park range, and the right allowParking. */

const withParkRange = (start: string, end: string): PbxSnapshot => {
  const snapshot = smallSnapshot();
  return { ...snapshot, settings: { ...snapshot.settings, numberingPlan: { ...snapshot.settings.numberingPlan, parkRetrievalRange: { start, end } } } };
};

/** The lines of one context of extensions.conf, up to the next one. */
function contextOf(text: string, name: string): string {
  const start = text.indexOf(`[${name}]\n`);
  if (start < 0) throw new Error(`no context ${name}`);
  const end = text.indexOf('\n[', start + 1);
  return text.slice(start, end < 0 ? undefined : end + 1).replace(/\n+$/, '\n');
}

describe('park range to dialplan patterns', () => {
  it('matches exactly the numbers of the range', () => {
    expect(rangePatterns('41', '49')).toEqual(['_4[1-9]']);
    expect(rangePatterns('41', '41')).toEqual(['41']);
    expect(rangePatterns('38', '52')).toEqual(['_3[8-9]', '_4X', '_5[0-2]']);
    expect(rangePatterns('100', '299')).toEqual(['_[1-2]XX']);
    expect(rangePatterns('199', '201')).toEqual(['199', '_20[0-1]']);
    expect(rangePatterns('0400', '0435')).toEqual(['_04[0-2]X', '_043[0-5]']);
  });

  it('covers every number once and nothing outside, for any range', () => {
    const matches = (pattern: string, n: string) => (pattern.startsWith('_') ? new RegExp(`^${pattern.slice(1).replace(/X/g, '[0-9]')}$`).test(n) : pattern === n);
    for (const [start, end] of [
      ['10', '99'],
      ['17', '83'],
      ['305', '719'],
      ['41', '49'],
      ['090', '110'],
    ] as const) {
      const patterns = rangePatterns(start, end);
      for (let i = 0; i < 10 ** start.length; i++) {
        const n = String(i).padStart(start.length, '0');
        const hits = patterns.filter((p) => matches(p, n)).length;
        expect(hits, `${n} in ${start}–${end} (${patterns.join(' ')})`).toBe(n >= start && n <= end ? 1 : 0);
      }
    }
  });

  it('refuses what is not a range', () => {
    expect(() => rangePatterns('49', '41')).toThrow(/empty/);
    expect(() => rangePatterns('41', '149')).toThrow(/equal-length/);
  });
});

describe('call control in the rendered configuration', () => {
  it('renders res_parking.conf: one lot over the park range, 120 s, back to the parker', () => {
    const conf = render(withParkRange('700', '719')).files.get('res_parking.conf')!;
    expect(conf).toContain('[general]\nparkeddynamic=no\n');
    expect(conf).toContain('[default]\nparkpos=700-719\ncontext=pbx-parked-calls\nparkingtime=120\ncomebacktoorigin=yes\ncomebackdialtime=30\nfindslot=first\nparkedmusicclass=default\n');
  });

  it('renders the slots as ParkedCall, reached from phones with allowParking and the dialplan check green', () => {
    const result = render(withParkRange('38', '52'));
    const dialplan = result.files.get('extensions.conf')!;
    expect(contextOf(dialplan, 'pbx-parked-calls')).toBe(
      [
        '[pbx-parked-calls]',
        'exten => _3[8-9],1,ParkedCall(default,${EXTEN})',
        ' same => n,Hangup()',
        'exten => _4X,1,ParkedCall(default,${EXTEN})',
        ' same => n,Hangup()',
        'exten => _5[0-2],1,ParkedCall(default,${EXTEN})',
        ' same => n,Hangup()',
        '',
      ].join('\n'),
    );
    expect(contextOf(dialplan, 'pbx-permission-DialPlan1')).toContain('include => pbx-parked-calls\n');
    expect(contextOf(dialplan, 'pbx-internal')).toContain('include => pbx-parked-calls\n');
    expect(result.expectations).toEqual(
      expect.arrayContaining([
        { number: '38', context: 'pbx-internal', reaches: { app: 'ParkedCall' }, owner: 'parking slot 38' },
        { number: '52', context: 'pbx-permission-DialPlan1', reaches: { app: 'ParkedCall' }, owner: 'parking slot 52, in dial permission DialPlan1' },
      ]),
    );
    expect(lintRendered(result)).toEqual([]);
  });

  it('a permission that withholds allowParking does not include the slots', () => {
    const snapshot = smallSnapshot();
    snapshot.dialPermissions = snapshot.dialPermissions.map((p) => ({ ...p, withheldRights: [...p.withheldRights, 'allowParking'] }));
    const result = render(snapshot);
    expect(contextOf(result.files.get('extensions.conf')!, 'pbx-permission-DialPlan1')).not.toContain('pbx-parked-calls');
    expect(lintRendered(result)).toEqual([]);
  });

  it('click-to-call takes the extension its own caller ID back and dials in its dial permission', () => {
    const dialplan = render(smallSnapshot()).files.get('extensions.conf')!;
    expect(contextOf(dialplan, 'pbx-click-to-call')).toBe(
      ['[pbx-click-to-call]', 'exten => _[0-9*#+]!,1,Set(CALLERID(all)=${PJSIP_ENDPOINT(${CHANNEL(endpoint)},callerid)})', ' same => n,Goto(${PBX_C2C_CONTEXT},${EXTEN},1)', ''].join('\n'),
    );
    // Not a context phones dial into.
    expect(contextOf(dialplan, 'pbx-internal')).not.toContain('pbx-click-to-call');
  });

  it('hold: music for the held party, silence for the extension, Hangup after the call is taken back, each side hangs up the other', () => {
    const dialplan = render(smallSnapshot()).files.get('extensions.conf')!;
    const held = contextOf(dialplan, 'pbx-call-held');
    expect(held).toContain('exten => s,1,NoOp(Held by ${PBX_HOLD_PEER})\n same => n,MusicOnHold(${PBX_HOLD_MOH})\n same => n,Hangup()\n');
    expect(held).toContain('exten => h,1,ExecIf($["${PBX_HOLD_PEER}" != ""]?SoftHangup(${PBX_HOLD_PEER}))\n');
    const holding = contextOf(dialplan, 'pbx-call-holding');
    expect(holding).toContain('exten => s,1,NoOp(Holding ${PBX_HOLD_PEER})\n same => n,Wait(14400)\n same => n,Hangup()\n');
    expect(holding).toContain('exten => h,1,ExecIf(');
  });

  it('warns that a park range with a leading zero is announced without it', () => {
    const result = render(withParkRange('041', '049'));
    expect(result.warnings).toContain('the park range 041–049 starts with 0: Asterisk announces parked calls without the leading zero (41–49)');
    expect(result.files.get('res_parking.conf')).toContain('parkpos=41-49\n');
  });
});
