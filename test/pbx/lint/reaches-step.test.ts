import { describe, expect, it } from 'vitest';
import type { NumberExpectation } from '../../../src/pbx/lint/index.js';
import { lint, messages } from './helpers.js';

const unreachable = (main: string, expectations: NumberExpectation[]) => messages(lint(main, expectations), 'UNREACHABLE_NUMBER');
const key = (number: string, step: string, context = 'menu'): NumberExpectation => ({ number, context, reaches: { step }, owner: `key ${number}` });

/** A menu in the shape of an IVR: keys, `i` and `t` in the menu, a repeat context that includes it. */
const plan = `
  [menu]
  exten => s,1,Background(welcome)
   same => n,WaitExten(5)
  exten => 1,1,Goto(dept,0400,1)
  exten => 2,1,Gosub(ring,s,1(101,20))
   same => n,Hangup()
  exten => *,1,Goto(menu,s,1)
  exten => #,1,Hangup()
  exten => i,1,Goto(mailbox,100,busy)
  exten => t,1,Goto(dept,0401,1)
  include => users
  [menu-repeat]
  include => menu
  exten => s,1,WaitExten(5)
  exten => t,1,Goto(menu,s,1)
  [users]
  exten => 100,1,Dial(PJSIP/100)
  [dept]
  exten => 0400,1,Dial(PJSIP/100)
  exten => 0401,1,Dial(PJSIP/101)
  [ring]
  exten => s,1,Set(RING=\${ARG2})
  [mailbox]
  exten => 100,1,VoiceMail(100,u)
   same => n(busy),VoiceMail(100,b)
`;

describe('UNREACHABLE_NUMBER with reaches.step: the call runs exactly this step, and where it jumps exists', () => {
  it('holds for keys, * and #, the i and t extensions, a Gosub with arguments, a jump to the context itself, and keys found through an include', () => {
    expect(
      unreachable(plan, [
        key('1', 'Goto(dept,0400,1)'),
        key('2', 'Gosub(ring,s,1(101,20))'),
        key('*', 'Goto(menu,s,1)'),
        key('#', 'Hangup()'),
        key('i', 'Goto(mailbox,100,busy)'),
        key('t', 'Goto(dept,0401,1)'),
        key('1', 'Goto(dept,0400,1)', 'menu-repeat'),
        key('i', 'Goto(mailbox,100,busy)', 'menu-repeat'),
        key('t', 'Goto(menu,s,1)', 'menu-repeat'),
        // The application name is matched as Asterisk does, whatever its case.
        key('#', 'hangup()'),
      ]),
    ).toEqual([]);
  });

  it('fails for another step, other arguments of the same application, and a step run only later', () => {
    expect(unreachable(plan, [key('1', 'Goto(dept,0401,1)'), key('2', 'Gosub(ring,s,1(101,30))'), key('s', 'WaitExten(5)')])).toEqual([
      'extensions.conf:2 [menu]: number s (key s) dialled from [menu] reaches Background at extensions.conf:2 [menu] exten s priority 1, expected step WaitExten(5)',
      'extensions.conf:19 [dept]: number 1 (key 1) dialled from [menu] reaches Dial at extensions.conf:19 [dept] exten 0400 priority 1 (via 1@menu → 0400@dept), expected step Goto(dept,0401,1)',
      'extensions.conf:22 [ring]: number 2 (key 2) dialled from [menu] reaches Set at extensions.conf:22 [ring] exten s priority 1 (via 2@menu → s@ring), expected step Gosub(ring,s,1(101,30))',
    ]);
  });

  it('fails when the step is right but its target is not there: no context, no extension, no label', () => {
    const broken = `
      [menu]
      exten => 1,1,Goto(gone,s,1)
      exten => 2,1,Goto(dept,0402,1)
      exten => 3,1,Goto(mailbox,100,busy)
      [dept]
      exten => 0400,1,Dial(PJSIP/100)
      [mailbox]
      exten => 100,1,VoiceMail(100,u)
    `;
    expect(unreachable(broken, [key('1', 'Goto(gone,s,1)'), key('2', 'Goto(dept,0402,1)'), key('3', 'Goto(mailbox,100,busy)'), key('4', 'Hangup()')])).toEqual([
      'extensions.conf:1 [menu]: number 4 (key 4) dialled from [menu] matches no extension with a priority 1 in [menu] or the contexts it includes',
      'extensions.conf:2 [menu]: number 1 (key 1) dialled from [menu] reaches Goto(gone,s,1) at extensions.conf:2, but context gone does not exist',
      'extensions.conf:3 [menu]: number 2 (key 2) dialled from [menu] reaches Goto(dept,0402,1) at extensions.conf:3, but in [dept] no extension matches 0402',
      'extensions.conf:4 [menu]: number 3 (key 3) dialled from [menu] reaches Goto(mailbox,100,busy) at extensions.conf:4, but in [mailbox] 100 has no label busy',
    ]);
  });

  it('a key defined in the menu wins over a longer number reached by include: the key is found first', () => {
    const shadowing = `
      [menu]
      exten => 1,1,Goto(dept,0400,1)
      include => users
      [users]
      exten => _1XX,1,Dial(PJSIP/\${EXTEN})
      exten => _X,1,Playback(single-digit)
      [dept]
      exten => 0400,1,Dial(PJSIP/100)
    `;
    expect(unreachable(shadowing, [key('1', 'Goto(dept,0400,1)')])).toEqual([]);
    const lost = shadowing.replace('exten => 1,1,Goto(dept,0400,1)\n', '');
    expect(unreachable(lost, [key('1', 'Goto(dept,0400,1)')])).toEqual([
      'extensions.conf:5 [users]: number 1 (key 1) dialled from [menu] reaches Playback at extensions.conf:5 [users] exten _X priority 1, expected step Goto(dept,0400,1)',
    ]);
  });
});
