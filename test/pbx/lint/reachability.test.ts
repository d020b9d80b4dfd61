import { describe, expect, it } from 'vitest';
import type { NumberExpectation } from '../../../src/pbx/lint/index.js';
import { expectDial, lint, messages } from './helpers.js';

const unreachable = (main: string, expectations: NumberExpectation[], others: Record<string, string> = {}) => messages(lint(main, expectations, others), 'UNREACHABLE_NUMBER');

describe('UNREACHABLE_NUMBER', () => {
  const plan = `
    [internal]
    include => users
    exten => 400,1,Goto(dept-0400,s,1)
    exten => 600,1,Goto(ivr-0600,s,1)
    exten => 700,1,Goto(710,1)
    exten => 710,1,Goto(internal,400,1)
    exten => _1XX,1,Dial(PJSIP/\${EXTEN},30)
    exten => _10X,1,Playback(reserved)
    exten => _X.,1,Dial(PJSIP/trunk/\${EXTEN})
    [users]
    exten => 120,1,Playback(never-reached)
    exten => *8,1,Queue(sales)
    [dept-0400]
    exten => s,1,Dial(PJSIP/101&PJSIP/102)
    [ivr-0600]
    exten => s,1,Background(welcome)
  `;

  it('accepts numbers that land on their feature, directly, through includes and Goto chains', () => {
    expect(
      unreachable(plan, [
        expectDial('150'),
        { number: '400', context: 'internal', reaches: { context: 'dept-0400' }, owner: 'department 400' },
        { number: '400', context: 'internal', reaches: { app: 'Dial', context: 'dept-0400' }, owner: 'department 400' },
        { number: '600', context: 'internal', reaches: { context: 'ivr-0600' }, owner: 'IVR 600' },
        { number: '700', context: 'internal', reaches: { context: 'dept-0400' }, owner: 'alias 700' },
        { number: '*8', context: 'internal', reaches: { app: 'queue' }, owner: 'queue *8' },
        expectDial('5551234'),
      ]),
    ).toEqual([]);
  });

  it('follows Asterisk order: explicit first, then the most specific pattern (_10X before _1XX before _X.)', () => {
    expect(unreachable(plan, [expectDial('105'), expectDial('120', 'internal', 'Playback')])).toEqual([
      'extensions.conf:7 [internal]: number 120 (extension 120) dialled from [internal] reaches Dial at extensions.conf:7 [internal] exten _1XX priority 1, expected application Playback; exten 120 at extensions.conf:11 [users] is shadowed: _1XX in [internal] is searched first',
      'extensions.conf:8 [internal]: number 105 (extension 105) dialled from [internal] reaches Playback at extensions.conf:8 [internal] exten _10X priority 1, expected application Dial',
    ]);
  });

  it('reports a number no extension answers, or a context that does not exist', () => {
    expect(
      unreachable(
        `
      [internal]
      exten => 101,1,Dial(PJSIP/101)
      exten => 102/5551234,1,Dial(PJSIP/102)
      exten => 103,2,Dial(PJSIP/103)
    `,
        [expectDial('102'), expectDial('103'), expectDial('101', 'nowhere')],
      ),
    ).toEqual([
      'extensions.conf:0: number 101 (extension 101) dialled from [nowhere] fails: context nowhere does not exist',
      'extensions.conf:1 [internal]: number 102 (extension 102) dialled from [internal] matches no extension with a priority 1 in [internal] or the contexts it includes',
      'extensions.conf:1 [internal]: number 103 (extension 103) dialled from [internal] matches no extension with a priority 1 in [internal] or the contexts it includes',
    ]);
  });

  it('does not follow conditional jumps, and names the chain it followed', () => {
    expect(
      unreachable(
        `
      [internal]
      exten => 101,1,Goto(s-101,s,1)
      [s-101]
      exten => s,1,GotoIf($[\${DND}]?dnd)
       same => n,Dial(PJSIP/101)
    `,
        [expectDial('101')],
      ),
    ).toEqual([
      'extensions.conf:4 [s-101]: number 101 (extension 101) dialled from [internal] reaches GotoIf at extensions.conf:4 [s-101] exten s priority 1 (via 101@internal → s@s-101), expected application Dial',
    ]);
  });

  it('stops after 10 Goto hops', () => {
    expect(
      unreachable(
        `
      [internal]
      exten => 101,1,Goto(102,1)
      exten => 102,1,Goto(101,1)
    `,
        [expectDial('101')],
      ),
    ).toEqual([
      'extensions.conf:2 [internal]: number 101 (extension 101) dialled from [internal] still follows Gotos after 10 hops (101@internal → 102@internal → 101@internal → 102@internal → 101@internal → 102@internal → 101@internal → 102@internal → 101@internal → 102@internal → 101@internal): a loop?',
    ]);
  });

  it('reports Goto targets it cannot follow', () => {
    expect(
      unreachable(
        `
      [internal]
      exten => 101,1,Goto(\${DEST},s,1)
      exten => 102,1,Goto(vm,\${EXTEN},1)
      exten => 103,1,Goto(gone,s,1)
      exten => 104,1,Goto(vm,104,1)
      [vm]
      exten => s,1,VoiceMailMain()
    `,
        [expectDial('101'), expectDial('102'), { number: '102', context: 'internal', reaches: { context: 'vm' }, owner: 'voicemail 102' }, expectDial('103'), expectDial('104')],
      ),
    ).toEqual([
      'extensions.conf:2 [internal]: number 101 (extension 101) dialled from [internal] reaches Goto(${DEST},s,1) at extensions.conf:2, whose context is only known at run time',
      'extensions.conf:3 [internal]: number 102 (extension 102) dialled from [internal] reaches Goto(vm,${EXTEN},1) at extensions.conf:3, whose target is only known at run time',
      'extensions.conf:4 [internal]: number 103 (extension 103) dialled from [internal] reaches Goto(gone,s,1) at extensions.conf:4, but context gone does not exist',
      'extensions.conf:5 [internal]: number 104 (extension 104) dialled from [internal] reaches Goto(vm,104,1) at extensions.conf:5, but in [vm] no extension matches 104',
    ]);
  });

  it('fills the issue fields with the dialled context and number', () => {
    const [issue] = lint('[internal]\nexten => 101,1,Playback(x)', [expectDial('101')]);
    expect(issue).toMatchObject({ code: 'UNREACHABLE_NUMBER', file: 'extensions.conf', line: 2, context: 'internal', extension: '101' });
  });
});
