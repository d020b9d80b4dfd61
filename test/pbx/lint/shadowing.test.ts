import { describe, expect, it } from 'vitest';
import { lint, messages } from './helpers.js';

const shadowed = (main: string) => messages(lint(main), 'SHADOWED_PATTERN');

describe('SHADOWED_PATTERN within a context', () => {
  it('reports a pattern whose every number a higher-ranked pattern takes', () => {
    // '!' ranks before the end of a pattern, so _1XX! is tried before _1XX and takes all its numbers.
    expect(
      shadowed(`
      [c]
      exten => _1XX,1,NoOp()
      exten => _1XX!,1,NoOp()
    `),
    ).toEqual(['extensions.conf:2 [c] exten _1XX: pattern can never be chosen: every number it matches is taken first by _1XX! ([c] extensions.conf:3)']);

    expect(
      shadowed(`
      [c]
      exten => _1!,1,NoOp()
      exten => _1.,1,NoOp()
      exten => 1,1,NoOp()
    `),
    ).toEqual(['extensions.conf:2 [c] exten _1!: pattern can never be chosen: every number it matches is taken first by _1. ([c] extensions.conf:3), 1 ([c] extensions.conf:4)']);
  });

  it('reports a pattern covered only by several others together', () => {
    expect(
      shadowed(`
      [c]
      exten => _1XX,1,NoOp()
      exten => _1[0-4]X,1,NoOp()
      exten => _1[5-9]X,1,NoOp()
      exten => _X.,1,NoOp()
    `),
    ).toEqual(['extensions.conf:2 [c] exten _1XX: pattern can never be chosen: every number it matches is taken first by _1[0-4]X ([c] extensions.conf:3), _1[5-9]X ([c] extensions.conf:4)']);
  });

  it('reports a pattern whose numbers all have explicit extensions', () => {
    expect(
      shadowed(`
      [c]
      exten => _10[0-2],1,NoOp()
      exten => 100,1,NoOp()
      exten => 101,1,NoOp()
      exten => 102,1,NoOp()
      exten => _20[0-2],1,NoOp()
      exten => 200,1,NoOp()
      exten => 202,1,NoOp()
    `),
    ).toEqual([
      'extensions.conf:2 [c] exten _10[0-2]: pattern can never be chosen: every number it matches is taken first by 100 ([c] extensions.conf:3), 101 ([c] extensions.conf:4), 102 ([c] extensions.conf:5)',
    ]);
  });

  it('keeps patterns that still win some numbers (_1XX vs _10X vs _X.)', () => {
    expect(
      shadowed(`
      [c]
      exten => _X.,1,NoOp()
      exten => _1XX,1,NoOp()
      exten => _10X,1,NoOp()
      exten => _1.,1,NoOp()
      exten => 100,1,NoOp()
    `),
    ).toEqual([]);
  });

  it('does not let caller-id extensions or extensions without priority 1 shadow', () => {
    expect(
      shadowed(`
      [c]
      exten => _1X,1,NoOp()
      exten => _1[0-4]/555,1,NoOp()
      exten => _1[5-9],1,NoOp()
      exten => _1[0-4],2,NoOp()
    `),
    ).toEqual([]);
  });
});

describe('SHADOWED_PATTERN through includes', () => {
  it('reports a pattern in an included context that the including context always answers first', () => {
    expect(
      shadowed(`
      [internal]
      include => features
      include => outbound
      exten => _XXX,1,Dial(PJSIP/\${EXTEN})
      [features]
      exten => _*6X,1,NoOp()
      exten => _1XX,1,NoOp()
      [outbound]
      exten => _1XX,1,Dial(PJSIP/trunk/\${EXTEN})
      exten => _0X.,1,Dial(PJSIP/trunk/\${EXTEN})
    `),
    ).toEqual([
      'extensions.conf:7 [features] exten _1XX: pattern is never chosen when [features] is reached by include from [internal]: every number it matches is taken first by _XXX ([internal] extensions.conf:4)',
      'extensions.conf:9 [outbound] exten _1XX: pattern is never chosen when [outbound] is reached by include from [internal]: every number it matches is taken first by _XXX ([internal] extensions.conf:4)',
    ]);
  });

  it('follows include chains in Asterisk order and names every including context', () => {
    expect(
      shadowed(`
      [a]
      include => b
      include => c
      [b]
      include => shared
      exten => _2X,1,NoOp()
      [c]
      exten => _2[0-4],1,NoOp()
      [shared]
      exten => _2X,1,NoOp()
      exten => 3,1,NoOp()
    `),
    ).toEqual([
      'extensions.conf:8 [c] exten _2[0-4]: pattern is never chosen when [c] is reached by include from [a]: every number it matches is taken first by _2X ([b] extensions.conf:6)',
      'extensions.conf:10 [shared] exten _2X: pattern is never chosen when [shared] is reached by include from [a], [b]: every number it matches is taken first by _2X ([b] extensions.conf:6)',
    ]);
  });

  it('does not count time-limited includes as always answering', () => {
    expect(
      shadowed(`
      [internal]
      include => daytime,08:00-17:00,mon-fri,*,*
      include => nighttime
      [daytime]
      exten => _1XX,1,Dial(PJSIP/\${EXTEN})
      [nighttime]
      exten => _1XX,1,VoiceMail(\${EXTEN})
    `),
    ).toEqual([]);
  });
});
