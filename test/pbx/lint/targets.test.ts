import { describe, expect, it } from 'vitest';
import { lint, messages } from './helpers.js';

const unknown = (main: string, others: Record<string, string> = {}) => messages(lint(main, [], others), 'UNKNOWN_TARGET');

describe('UNKNOWN_TARGET', () => {
  it('names file, line, context, extension and the missing piece', () => {
    const issues = lint(`
      [internal]
      exten => 101,1,Goto(dept-0400,s,1)
    `);
    expect(issues).toEqual([
      {
        code: 'UNKNOWN_TARGET',
        file: 'extensions.conf',
        line: 2,
        context: 'internal',
        extension: '101',
        message: 'extensions.conf:2 [internal] exten 101: Goto(dept-0400,s,1) → context dept-0400 does not exist',
      },
    ]);
  });

  it('checks all three Goto forms, numbers and labels', () => {
    expect(
      unknown(`
      [internal]
      exten => 101,1,NoOp()
       same => n(retry),Dial(PJSIP/101,30)
       same => n,Goto(retry)
       same => n,Goto(nolabel)
       same => n,Goto(2)
       same => n,Goto(99)
       same => n,Goto(102,1)
       same => n,Goto(103,1)
       same => n,Goto(102,2)
       same => n,Goto(vm,101,1)
       same => n,Goto(vm,101,greeting)
       same => n,Goto(vm,101,busy)
       same => n,Goto(-1)
      exten => 102,1,Hangup()
      [vm]
      exten => _X.,1(greeting),VoiceMail(\${EXTEN})
    `),
    ).toEqual([
      'extensions.conf:5 [internal] exten 101: Goto(nolabel) → exten 101 has no label nolabel',
      'extensions.conf:7 [internal] exten 101: Goto(99) → exten 101 has no priority 99',
      'extensions.conf:9 [internal] exten 101: Goto(103,1) → exten 103 not found in context internal',
      'extensions.conf:10 [internal] exten 101: Goto(102,2) → exten 102 in context internal has no priority 2',
      'extensions.conf:13 [internal] exten 101: Goto(vm,101,busy) → exten 101 in context vm has no label busy',
    ]);
  });

  it('checks both branches of GotoIf and GotoIfTime, and skips empty branches', () => {
    expect(
      unknown(`
      [internal]
      exten => 101,1,GotoIf($[\${DND} = 1]?vm,101,1:nowhere,s,1)
       same => n,GotoIf($["\${A}" = "x"]?internal,102,1)
       same => n,GotoIf(\${B}?:missing,1)
       same => n,GotoIfTime(08:00-17:00,mon-fri,*,*?open,s,1:closed,s,1)
      exten => 102,1,Hangup()
      [vm]
      exten => _X.,1,VoiceMail(\${EXTEN})
      [open]
      exten => s,1,Dial(PJSIP/101)
    `),
    ).toEqual([
      'extensions.conf:2 [internal] exten 101: GotoIf($[${DND} = 1]?vm,101,1:nowhere,s,1) → nowhere,s,1: context nowhere does not exist',
      'extensions.conf:4 [internal] exten 101: GotoIf(${B}?:missing,1) → missing,1: exten missing not found in context internal',
      'extensions.conf:5 [internal] exten 101: GotoIfTime(08:00-17:00,mon-fri,*,*?open,s,1:closed,s,1) → closed,s,1: context closed does not exist',
    ]);
  });

  it('checks Gosub and GosubIf targets without their arguments', () => {
    expect(
      unknown(`
      [internal]
      exten => 101,1,Gosub(sub-record,s,1(\${EXTEN},in))
       same => n,Gosub(sub-missing,s,1)
       same => n,GosubIf($[\${X}]?sub-record,s,1(a:b):sub-record,s,2(c))
      [sub-record]
      exten => s,1,MixMonitor(\${ARG1}.wav)
       same => n,Return()
      [sub-other]
      exten => s,1,GosubIf(\${X}?sub-record,s,3)
    `),
    ).toEqual([
      'extensions.conf:3 [internal] exten 101: Gosub(sub-missing,s,1) → context sub-missing does not exist',
      'extensions.conf:9 [sub-other] exten s: GosubIf(${X}?sub-record,s,3) → sub-record,s,3: exten s in context sub-record has no priority 3',
    ]);
  });

  it('checks Local channels in Dial, joined with &, with options and the default context', () => {
    expect(
      unknown(`
      [internal]
      exten => 600,1,Dial(Local/101@internal/n&Local/102@internal&PJSIP/103&Local/104@nowhere/n,20,tT)
       same => n,Dial(LOCAL/105@internal)
       same => n,Dial(Local/101)
       same => n,Page(Local/101@internal&Local/106@internal)
      exten => 101,1,Dial(PJSIP/101)
      exten => _10[2-4],1,Dial(PJSIP/\${EXTEN})
    `),
    ).toEqual([
      'extensions.conf:2 [internal] exten 600: Dial(Local/101@internal/n&Local/102@internal&PJSIP/103&Local/104@nowhere/n,20,tT) → Local/104@nowhere/n: context nowhere does not exist',
      'extensions.conf:3 [internal] exten 600: Dial(LOCAL/105@internal) → exten 105 not found in context internal',
      'extensions.conf:4 [internal] exten 600: Dial(Local/101) → context default does not exist',
      'extensions.conf:5 [internal] exten 600: Page(Local/101@internal&Local/106@internal) → Local/106@internal: exten 106 not found in context internal',
    ]);
  });

  it('finds targets through include chains, and reports where it searched', () => {
    expect(
      unknown(`
      [internal]
      include => users
      exten => 100,1,Goto(101,1)
       same => n,Goto(internal,201,1)
       same => n,Goto(internal,301,1)
       same => n,Dial(Local/201@internal)
      [users]
      exten => 101,1,Dial(PJSIP/101)
      include => more-users
      [more-users]
      exten => _2XX,1,Dial(PJSIP/\${EXTEN})
      include => users
    `),
    ).toEqual(['extensions.conf:5 [internal] exten 100: Goto(internal,301,1) → exten 301 not found in context internal (searched internal, users, more-users)']);
  });

  it('looks past an extension that lacks the priority, as Asterisk does', () => {
    expect(
      unknown(`
      [c]
      exten => 1,1,Goto(d,123,5)
      [d]
      exten => 123,1,NoOp()
      exten => _1XX,1,NoOp()
       same => n,NoOp()
       same => n,NoOp()
       same => n,NoOp()
       same => n,NoOp()
    `),
    ).toEqual([]);
  });

  it('reports an include of a context that does not exist', () => {
    expect(
      unknown(`
      [internal]
      include => features
      include => \${DYNAMIC}
    `),
    ).toEqual(['extensions.conf:2 [internal]: include => features → context features does not exist']);
  });

  it('checks what is literal when targets hold variables', () => {
    expect(
      unknown(`
      [internal]
      exten => 101,1,Goto(\${DEST_CONTEXT},s,1)
       same => n,Goto(vm,\${EXTEN},1)
       same => n,Goto(empty,\${EXTEN},1)
       same => n,Goto(nowhere,\${EXTEN},1)
       same => n,Goto(vm,s,\${PRIO})
       same => n,Goto(vm,t,\${PRIO})
       same => n,Dial(Local/\${EXTEN}@vm/n&Local/\${EXTEN}@gone)
       same => n,Goto(\${IF($[\${X}]?a,b,1:c,d,1)})
      [vm]
      exten => s,1,VoiceMailMain()
      [empty]
      include => vm-empty
      [vm-empty]
    `),
    ).toEqual([
      'extensions.conf:4 [internal] exten 101: Goto(empty,${EXTEN},1) → context empty has no extensions',
      'extensions.conf:5 [internal] exten 101: Goto(nowhere,${EXTEN},1) → context nowhere does not exist',
      'extensions.conf:7 [internal] exten 101: Goto(vm,t,${PRIO}) → exten t not found in context vm',
      'extensions.conf:8 [internal] exten 101: Dial(Local/${EXTEN}@vm/n&Local/${EXTEN}@gone) → Local/${EXTEN}@gone: context gone does not exist',
    ]);
  });

  it('resolves relative priorities from the Goto itself', () => {
    expect(
      unknown(`
      [c]
      exten => 1,1,Goto(+2)
       same => n,NoOp()
       same => n,Goto(+5)
    `),
    ).toEqual(['extensions.conf:4 [c] exten 1: Goto(+5) → exten 1 has no priority 8']);
  });

  it('reports a GotoIf without "?" as SYNTAX', () => {
    expect(messages(lint('[c]\nexten => 1,1,GotoIf(c,1,1)'))).toEqual(['extensions.conf:2 [c] exten 1: GotoIf(c,1,1) → GotoIf without "?" never jumps']);
  });
});
