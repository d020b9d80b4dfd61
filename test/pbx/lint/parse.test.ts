import { describe, expect, it } from 'vitest';
import { lint, messages, parse } from './helpers.js';

describe('parseDialplan', () => {
  it('reads contexts, priorities, n, same, labels, hints and includes', () => {
    const dialplan = parse(`
      [general]
      static=yes
      [globals]
      TRUNK=PJSIP/trunk

      [internal]
      include => features
      exten => 101,hint,PJSIP/101
      exten => 101,1,Answer()
       same => n(dial),Dial(PJSIP/101,30)
       same => n,Goto(vm,101,1)
      exten => 102,1,Hangup
      include => outbound,09:00-17:00,mon-fri,*,*
    `);
    expect([...dialplan.contexts.keys()]).toEqual(['internal']);
    const internal = dialplan.contexts.get('internal')!;
    expect(internal.includes.map((i) => [i.context, i.timed])).toEqual([
      ['features', false],
      ['outbound', true],
    ]);
    const ext101 = internal.explicitByKey.get('=101')![0]!;
    expect(ext101.hint?.app).toBe('PJSIP/101');
    expect(ext101.steps.map((s) => [s.priority, s.label, s.app, s.args])).toEqual([
      [1, undefined, 'Answer', ''],
      [2, 'dial', 'Dial', 'PJSIP/101,30'],
      [3, undefined, 'Goto', 'vm,101,1'],
    ]);
    expect(ext101.steps[1]!.ref).toEqual({ file: 'extensions.conf', line: 10 });
    expect(internal.explicitByKey.get('=102')![0]!.steps[0]!.app).toBe('Hangup');
    expect(dialplan.issues).toEqual([]);
  });

  it('strips comments, keeps escaped semicolons and skips block comments', () => {
    const dialplan = parse(`
      [c] ; a context
      exten => 1,1,Set(A=x\\;y) ; comment
      ;-- a block comment
      exten => 2,1,NoOp()
      --;
      exten => 3,1,NoOp() ;-- block comments can start mid-line --; ; and end there
      ;----- a line comment
    `);
    const c = dialplan.contexts.get('c')!;
    expect(c.extensions.map((e) => e.name)).toEqual(['1', '3']);
    expect(c.extensions[0]!.steps[0]!.args).toBe('A=x;y');
    expect(dialplan.issues).toEqual([]);
  });

  it('follows #include files, with file names and line numbers', () => {
    const dialplan = parse(
      `
      [internal]
      exten => 100,1,NoOp()
      #include "users.conf"
      exten => 199,1,NoOp()
      #include extensions_custom_*.conf
    `,
      {
        'users.conf': `
        exten => 101,1,NoOp()
        [users]
        exten => 102,1,NoOp()
      `,
        'extensions_custom_b.conf': '[b]\nexten => s,1,NoOp()',
        'extensions_custom_a.conf': '[a]\nexten => s,1,NoOp()',
      },
    );
    expect([...dialplan.contexts.keys()]).toEqual(['internal', 'users', 'a', 'b']);
    const internal = dialplan.contexts.get('internal')!;
    // Lines before the included file's first header belong to the including section; after it, too.
    expect(internal.extensions.map((e) => `${e.name}@${e.ref.file}:${e.ref.line}`)).toEqual(['100@extensions.conf:2', '101@users.conf:1', '199@extensions.conf:4']);
    expect(dialplan.issues).toEqual([]);
  });

  it('applies templates and section additions', () => {
    const dialplan = parse(`
      [common](!)
      exten => *60,1,Answer()
      [sales](common)
      exten => 200,1,NoOp()
      [support](common)
      [sales](+)
      exten => 201,1,NoOp()
    `);
    expect([...dialplan.contexts.keys()]).toEqual(['sales', 'support']);
    expect(dialplan.contexts.get('sales')!.extensions.map((e) => e.name)).toEqual(['*60', '200', '201']);
    expect(dialplan.contexts.get('support')!.extensions.map((e) => e.name)).toEqual(['*60']);
  });

  it('keeps caller-id variants apart, before the plain extension', () => {
    const c = parse(`
      [c]
      exten => 101,1,Dial(PJSIP/101)
      exten => 101/5551234,1,Playback(vip)
    `).contexts.get('c')!;
    expect(c.extensions.map((e) => [e.name, e.cid])).toEqual([
      ['101', '5551234'],
      ['101', undefined],
    ]);
  });

  it('merges sections of the same name into one context', () => {
    const dialplan = parse(`
      [c]
      exten => 1,1,NoOp()
      [d]
      exten => 2,1,NoOp()
      [c]
      exten => 3,1,NoOp()
    `);
    expect(dialplan.contexts.get('c')!.extensions.map((e) => e.name)).toEqual(['1', '3']);
    expect(dialplan.contexts.get('c')!.refs.map((r) => r.line)).toEqual([1, 5]);
  });
});

describe('SYNTAX', () => {
  it('reports lines Asterisk would not understand', () => {
    const issues = lint(`
      exten => 1,1,NoOp()
      [c]
      this is not a setting
      exten => 2,1,Dial (PJSIP/2)
      exten => 3,1,Dial(PJSIP/3
      exten => 4,1
      exten => 5,x,NoOp()
      exten => 6,1(lbl,NoOp()
      frobnicate => yes
      exten => _1[9-1]X,1,NoOp()
      #include missing.conf
      #exec /bin/true
      [bad
      [ok](nosuchtemplate)
      switch => Realtime/c@extensions
      ignorepat => 9
    `);
    expect(issues.every((i) => i.code === 'SYNTAX')).toBe(true);
    expect(messages(issues)).toEqual([
      'extensions.conf:1: line outside any [context]: exten => 1,1,NoOp()',
      'extensions.conf:3: line not understood (expected "name => value"): this is not a setting',
      'extensions.conf:4 [c] exten 2: "Dial " is not an application name',
      'extensions.conf:5 [c] exten 3: no closing parenthesis in Dial(PJSIP/3',
      'extensions.conf:6 [c] exten 4: no application after the priority',
      'extensions.conf:7 [c] exten 5: invalid priority or unknown label "x"',
      "extensions.conf:8 [c] exten 6: label without closing ')': 1(lbl",
      'extensions.conf:9 [c]: unknown directive "frobnicate"',
      'extensions.conf:10 [c] exten _1[9-1]X: empty character set in pattern _1[9-1]X',
      'extensions.conf:11: #include missing.conf: no such file among the rendered files',
      'extensions.conf:12: #exec output cannot be checked statically',
      "extensions.conf:13: section header without closing ']': [bad",
      "extensions.conf:14: [ok] inherits from 'nosuchtemplate', which is not defined before it",
    ]);
  });

  it('swallows commas inside an unclosed pattern set, as pbx_config does', () => {
    expect(messages(lint('[c]\nexten => _1[23,1,NoOp()'))).toEqual(['extensions.conf:2 [c] exten _1[23,1,NoOp(): invalid priority or unknown label ""']);
  });

  it('reports a "same" with nothing before it and an unclosed block comment', () => {
    expect(
      messages(
        lint(`
      [c]
      same => n,NoOp()
      ;-- never closed
    `),
      ),
    ).toEqual(['extensions.conf:2 [c]: "same =>" with no earlier "exten =>" in this section', 'extensions.conf:3: block comment ";--" is never closed with "--;"']);
  });

  it('reports an #include cycle', () => {
    expect(messages(lint('[c]\n#include a.conf', [], { 'a.conf': '#include extensions.conf' }))).toEqual([
      'a.conf:1: #include extensions.conf includes itself (extensions.conf -> a.conf -> extensions.conf)',
    ]);
  });

  it('accepts a variable application and #tryinclude of a missing file', () => {
    expect(
      lint(`
      [c]
      #tryinclude optional.conf
      exten => 1,1,\${APP}(x)
      exten => 2,1,Set(X=\${IF($[1=1]?a:b)})
    `),
    ).toEqual([]);
  });
});

describe('DUPLICATE_PRIORITY', () => {
  it('reports the same priority twice for one extension, keeping the first', () => {
    expect(
      messages(
        lint(`
      [c]
      exten => 101,1,Dial(PJSIP/101)
      exten => 101,2,Hangup()
      exten => 101,1,Playback(x)
      exten => 1-01,2,Hangup()
    `),
      ),
    ).toEqual([
      'extensions.conf:4 [c] exten 101: priority 1 is already defined at extensions.conf:2; Asterisk rejects this line',
      'extensions.conf:5 [c] exten 1-01: priority 2 is already defined at extensions.conf:3; Asterisk rejects this line',
    ]);
  });

  it('treats patterns with the same sets as one extension', () => {
    expect(
      messages(
        lint(`
      [c]
      exten => _NXX,1,NoOp()
      exten => _[2-9]X[0-9],1,NoOp()
    `),
      ),
    ).toEqual(['extensions.conf:3 [c] exten _[2-9]X[0-9]: priority 1 is already defined at extensions.conf:2; Asterisk rejects this line']);
  });

  it('reports an "n" that leaves an extension without priority 1', () => {
    expect(
      messages(
        lint(`
      [c]
      exten => 101,1,Dial(PJSIP/101)
      exten => 102,n,Dial(PJSIP/102)
      exten => 103,1,NoOp()
      same => n,Dial(PJSIP/103)
    `),
      ),
    ).toEqual(['extensions.conf:3 [c] exten 102: no priority 1, so dialling it never starts: its first line uses "n", which continues the previous line\'s numbering and gives priority 2']);
  });

  it('reports "n" on the first line of a section and right after a hint', () => {
    expect(
      messages(
        lint(`
      [c]
      exten => 101,n,Dial(PJSIP/101)
      exten => 102,hint,PJSIP/102
      exten => 102,n,Dial(PJSIP/102)
    `),
      ),
    ).toEqual([
      'extensions.conf:2 [c] exten 101: priority "n" on the first line of a section has nothing to follow; Asterisk drops this line',
      'extensions.conf:4 [c] exten 102: priority "n" resolves to 0 (the previous line is a hint); Asterisk drops this line',
    ]);
  });

  it('reports a label used twice and a second hint', () => {
    expect(
      messages(
        lint(`
      [c]
      exten => 101,hint,PJSIP/101
      exten => 101,1(start),NoOp()
      same => n(start),Dial(PJSIP/101)
      exten => 101,hint,PJSIP/999
    `),
      ),
    ).toEqual([
      'extensions.conf:4 [c] exten 101: label "start" is already used by priority 1 at extensions.conf:3; Asterisk drops it here',
      'extensions.conf:5 [c] exten 101: second hint; the hint at extensions.conf:2 stays',
    ]);
  });

  it('accepts ordinary numbering', () => {
    expect(
      lint(`
      [c]
      exten => 101,1,NoOp()
      exten => 101,2,Dial(PJSIP/101)
      exten => 101,n,Hangup()
      exten => 102,1,NoOp()
      same => n(x),NoOp()
      exten => 102,x+1,Hangup()
    `),
    ).toEqual([]);
  });
});
