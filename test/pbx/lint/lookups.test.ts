import { describe, expect, it } from 'vitest';
import { evaluateExpression, indexLookups, isTrue, substitute } from '../../../src/pbx/lint/call-time.js';
import { lintDialplan, type LookupTables, type NumberExpectation } from '../../../src/pbx/lint/index.js';
import { files, messages } from './helpers.js';

/** A flat plan: one pattern for 100–199, the per-number data looked up at call time (as src/extensions/dialplan.ts renders it). */
const plan = `
  [internal]
  include => users
  exten => 500,1,GotoIf($["\${REALTIME_FIELD(ext,number,150,enabled)}" = "1"]?users,150,1)
   same => n,Playback(ss-noservice)
  exten => 600,1,Goto(users,150,1)
  [users]
  exten => _1XX,hint,PJSIP/\${EXTEN}
  exten => _1XX,1,Set(HASH(ROW)=\${REALTIME_HASH(ext,number,\${EXTEN})})
   same => n,GotoIf($["\${HASH(ROW,number)}" != "\${EXTEN}"]?unknown)
   same => n,GotoIf($["\${HASH(ROW,enabled)}" != "1"]?disabled)
   same => n,Gosub(dial,s,1(\${EXTEN},\${HASH(ROW,voicemail)}))
   same => n,Hangup()
   same => n(disabled),NoOp(disabled)
   same => n,Congestion(5)
   same => n(unknown),NoOp(unknown)
   same => n,Hangup(1)
  exten => 199,1,Gosub(dial,s,1(199,0))
  [dial]
  exten => s,1,Dial(PJSIP/\${ARG1})
  [fixed]
  exten => _1XX,1,Set(HASH(ROW)=\${REALTIME_HASH(ext,number,101)})
   same => n,Gosub(dial,s,1(\${EXTEN}))
`;

const tables: LookupTables = new Map([
  [
    'ext',
    [
      { number: '101', enabled: '1', voicemail: '1' },
      { number: '150', enabled: '0', voicemail: '0' },
      { number: '199', enabled: '1', voicemail: '0' },
    ],
  ],
]);

const expectCall = (number: string, reaches: NumberExpectation['reaches'], context = 'internal'): NumberExpectation => ({
  number,
  context,
  reaches,
  owner: `extension ${number}`,
  lookup: { family: 'ext', key: number },
});

const unreachable = (expectations: NumberExpectation[], lookups: LookupTables = tables) => messages(lintDialplan(files(plan), expectations, lookups), 'UNREACHABLE_NUMBER');

describe('the check follows call-time lookups (D4)', () => {
  it('a number reaches its feature through its row: enabled to the dial subroutine, disabled to its branch', () => {
    expect(unreachable([expectCall('101', { context: 'dial' }), expectCall('150', { step: 'NoOp(disabled)' }), expectCall('101', { app: 'Dial' })])).toEqual([]);
    // Without `lookup`, the same path is followed by the same rows.
    expect(unreachable([{ number: '101', context: 'internal', reaches: { context: 'dial' }, owner: 'extension 101' }])).toEqual([]);
  });

  it('a row that leads elsewhere, a key with no row, and no rows of the family are each reported', () => {
    expect(unreachable([expectCall('150', { context: 'dial' })])).toEqual([
      'extensions.conf:13 [users]: number 150 (extension 150) dialled from [internal] reaches NoOp at extensions.conf:13 [users] exten _1XX priority 6, expected context dial',
    ]);
    expect(unreachable([expectCall('120', { context: 'dial' })])).toEqual([
      'extensions.conf:15 [users]: number 120 (extension 120) dialled from [internal] reaches NoOp at extensions.conf:15 [users] exten _1XX priority 8, expected context dial; the lookup of 120 in ext finds no row',
    ]);
    expect(unreachable([expectCall('101', { context: 'dial' })], new Map())).toEqual([
      'extensions.conf:8 [users]: number 101 (extension 101) dialled from [internal] reaches a lookup in ext at extensions.conf:8, but the check has no rows of that family; it never looks 101 up in ext',
    ]);
  });

  it('a number that reaches its feature without the lookup it names, or through the lookup of another key, does not count', () => {
    // 199 has an explicit block that dials without looking anything up.
    expect(unreachable([expectCall('199', { context: 'dial' })])).toEqual([
      'extensions.conf:19 [dial]: number 199 (extension 199) dialled from [internal] reaches Dial at extensions.conf:19 [dial] exten s priority 1 (via 199@users → s@dial), expected context dial; it never looks 199 up in ext',
    ]);
    // [fixed] looks up 101 whatever is dialled.
    expect(unreachable([expectCall('150', { context: 'dial' }, 'fixed')])).toEqual([
      'extensions.conf:19 [dial]: number 150 (extension 150) dialled from [fixed] reaches Dial at extensions.conf:19 [dial] exten s priority 1 (via _1XX@fixed → s@dial), expected context dial; it never looks 150 up in ext',
    ]);
  });

  it('decides a GotoIf on REALTIME_FIELD from the rows; an undecidable GotoIf stops the walk as before', () => {
    expect(unreachable([{ number: '500', context: 'internal', reaches: { app: 'Playback' }, owner: 'operator' }])).toEqual([]);
    const enabled: LookupTables = new Map([['ext', [{ number: '150', enabled: '1', voicemail: '0' }]]]);
    expect(unreachable([{ number: '500', context: 'internal', reaches: { context: 'dial' }, owner: 'operator' }], enabled)).toEqual([]);
    expect(
      messages(lintDialplan(files('[c]\nexten => 1,1,GotoIf($["${CALLERID(num)}" = ""]?2,1)\nexten => 2,1,Dial(PJSIP/x)\n'), [{ number: '1', context: 'c', reaches: { app: 'Dial' }, owner: 'one' }])),
    ).toEqual(['extensions.conf:2 [c]: number 1 (one) dialled from [c] reaches GotoIf at extensions.conf:2 [c] exten 1 priority 1, expected application Dial']);
  });
});

describe('what the check knows of a call: substitution and $[...] (main/ast_expr2.y)', () => {
  const index = indexLookups(tables);
  const state = { exten: '101', hashes: new Map([['ROW', tables.get('ext')![0]!]]) };

  it('substitutes EXTEN, HASH of a looked-up row, REALTIME_FIELD; anything else is unknown', () => {
    expect(substitute('${EXTEN}-${HASH(ROW,voicemail)}-${HASH(ROW,missing)}', state, index)).toBe('101-1-');
    expect(substitute('${REALTIME_FIELD(ext,number,150,ENABLED)}|${REALTIME_FIELD(ext,number,999,enabled)}', state, index)).toBe('0|');
    expect(substitute('${CALLERID(num)}', state, index)).toBeUndefined();
    expect(substitute('${HASH(OTHER,number)}', state, index)).toBeUndefined();
    expect(substitute('${REALTIME_FIELD(nofamily,number,1,enabled)}', state, index)).toBeUndefined();
    expect(substitute('$["${HASH(ROW,number)}" != "${EXTEN}"]', state, index)).toBe('0');
  });

  it('evaluates comparisons, | and & as Asterisk does, and gives up on the rest', () => {
    expect(evaluateExpression('"101" = "101"')).toBe('1');
    expect(evaluateExpression('"101" != "0101"')).toBe('1');
    // Bare numbers compare as numbers; quoted ones as strings.
    expect(evaluateExpression('0101 = 101')).toBe('1');
    expect(evaluateExpression('"" != "1" | "1" = "1"')).toBe('1');
    expect(evaluateExpression('"1" != "1" | "0" != "0"')).toBe('0');
    expect(evaluateExpression('"a" = "a" & "b" = "c"')).toBe('0');
    expect(evaluateExpression('( "a" = "b" ) | 7')).toBe('7');
    expect(evaluateExpression('2 < 10')).toBe('1');
    expect(evaluateExpression('"2" < "10"')).toBe('0');
    for (const undecidable of ['1 + 1', '!1', '"a" =~ "a"', '1 ? 2 : 3', '"open', '', '= 1', '(1']) expect(evaluateExpression(undecidable), undecidable).toBeUndefined();
    expect([isTrue(''), isTrue('0'), isTrue('1'), isTrue('-3'), isTrue('yes'), isTrue(' 0')]).toEqual([false, false, true, true, true, false]);
  });
});
