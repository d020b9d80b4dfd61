import { describe, expect, it } from 'vitest';
import { lintDialplan, type NumberExpectation } from '../../../src/pbx/lint/index.js';

describe('performance sanity', () => {
  it('lints 4,000 extensions with a voicemail fallback', () => {
    const lines = ['[internal]'];
    const expectations: NumberExpectation[] = [];
    for (let i = 0; i < 4000; i++) {
      const number = String(1000 + i);
      lines.push(`exten => ${number},1,Dial(PJSIP/${number},30)`, ` same => n,Goto(vm,${number},1)`);
      expectations.push({ number, context: 'internal', reaches: { app: 'Dial' }, owner: `extension ${number}` });
    }
    lines.push('', '[vm]', 'exten => _X.,1,VoiceMail(${EXTEN}@default,u)', ' same => n,Hangup()');
    const files = new Map([['extensions.conf', lines.join('\n')]]);

    const started = performance.now();
    const issues = lintDialplan(files, expectations);
    const elapsed = performance.now() - started;

    console.log(`lint of 4,000 extensions + 4,000 expectations: ${elapsed.toFixed(0)} ms`);
    expect(issues).toEqual([]);
  });

  it('lints contexts that all include a large one', () => {
    const lines = ['[users]'];
    for (let i = 0; i < 4000; i++) lines.push(`exten => ${1000 + i},1,Dial(PJSIP/${1000 + i})`);
    lines.push('[features]', 'exten => _*6X,1,NoOp()', 'exten => _0X.,1,Dial(PJSIP/${EXTEN}@trunk)', 'exten => _[1-4]XXX,1,NoOp()');
    for (let c = 0; c < 50; c++) lines.push(`[dept${c}]`, 'include => users', 'include => features', `exten => 9${c},1,Goto(users,${1000 + c},1)`);

    const started = performance.now();
    const issues = lintDialplan(new Map([['extensions.conf', lines.join('\n')]]));
    console.log(`lint of 50 contexts including 4,000 extensions: ${(performance.now() - started).toFixed(0)} ms`);
    expect(issues.map((i) => i.code)).toEqual(['SHADOWED_PATTERN']);
    expect(issues[0]!.message).toContain('exten _[1-4]XXX: pattern is never chosen when [features] is reached by include from [dept0], [dept1]');
  });
});
