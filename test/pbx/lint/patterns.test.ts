import { describe, expect, it } from 'vitest';
import { matchExtension } from '../../../src/pbx/lint/index.js';
import { isCovered, overlaps } from '../../../src/pbx/lint/coverage.js';
import { compileName } from '../../../src/pbx/lint/patterns.js';
import { parse } from './helpers.js';

describe('matchExtension', () => {
  it.each([
    ['101', '101', true],
    ['101', '1010', false],
    ['1-01', '101', true], // '-' is fluff on both sides
    ['*60', '*60', true],
    ['s', 's', true],
    ['s', 'S', false],
    ['_1XX', '123', true],
    ['_1XX', '12', false],
    ['_1XX', '1234', false],
    ['_1xx', '123', true], // x/z/n work in either case
    ['_Z', '0', false],
    ['_Z', '9', true],
    ['_N', '1', false],
    ['_N', '2', true],
    ['_[1-5]', '5', true],
    ['_[1-5]', '6', false],
    ['_[a-c3]', 'b', true],
    ['_[a-c3]', '3', true],
    ['_[a-c3]', 'B', false],
    ['_[a-c3]', '2', false],
    ['_abc', 'abc', true],
    ['_abc', 'ABC', false], // other letters are literal and case-sensitive
    ['_X.', '1', false], // '.' wants at least one more character
    ['_X.', '12', true],
    ['_X.', '1*#abc', true],
    ['_X!', '1', true], // '!' accepts zero or more
    ['_X!', '1999', true],
    ['_0[1-]', '0-', false], // '-' in a dialled string is skipped, so nothing is left for the set
    ['_NXX-XXXX', '555-1234', true],
    ['_NXX-XXXX', '5551234', true],
    ['101/123', '101', true], // caller-id part is not part of the name
    ['_[]1', '1', true], // an empty set is ignored
  ])('%s matches %s: %s', (pattern, number, expected) => {
    expect(matchExtension(pattern, number)).toBe(expected);
  });

  it('matches a pattern given as a pattern, as Goto(ctx,_X.,1) does', () => {
    expect(matchExtension('_X.', '_X.')).toBe(true);
    expect(matchExtension('_X.', '_[0-9].')).toBe(true);
  });
});

describe('Asterisk extension order (ext_cmp)', () => {
  const order = (names: string[]) =>
    parse(`[c]\n${names.map((n) => `exten => ${n},1,NoOp()`).join('\n')}`)
      .contexts.get('c')!
      .extensions.map((e) => e.name);

  it('puts explicit names first, then patterns from most to least specific', () => {
    expect(order(['_X.', '_1!', '_1XX', '_1.', '_10X', '101', '_1[0-4]X', '1'])).toEqual(['1', '101', '_10X', '_1[0-4]X', '_1XX', '_1.', '_1!', '_X.']);
  });

  it('ranks a longer pattern before a shorter one that agrees so far', () => {
    expect(order(['_1XX', '_1XXX', '_1X.'])).toEqual(['_1XXX', '_1XX', '_1X.']);
  });

  it('orders equal-sized sets by the lowest character only one of them holds', () => {
    expect(order(['_[13]X', '_[12]X', '_[23]X'])).toEqual(['_[12]X', '_[13]X', '_[23]X']);
    expect(order(['_Z', '_N', '_X'])).toEqual(['_N', '_Z', '_X']);
  });

  it('treats names with the same sets as one extension', () => {
    expect(compileName('_NXX').key).toBe(compileName('_[2-9][0-9]X').key);
    expect(compileName('_1-XX').key).toBe(compileName('_1XX').key);
    expect(compileName('_1XX').key).not.toBe(compileName('_1XX.').key);
  });
});

describe('language coverage', () => {
  const lang = (name: string) => compileName(name).language;

  it('detects overlap by length and per-position sets', () => {
    expect(overlaps(lang('_1XX'), lang('_X.'))).toBe(true);
    expect(overlaps(lang('_1XX'), lang('_2XX'))).toBe(false);
    expect(overlaps(lang('_1XX'), lang('_1XXX'))).toBe(false);
    expect(overlaps(lang('_1X.'), lang('_1XX'))).toBe(true);
    expect(overlaps(lang('_1X.'), lang('_1X'))).toBe(false);
    expect(overlaps(lang('_1X!'), lang('_1X'))).toBe(true);
  });

  it('decides inclusion in a union exactly', () => {
    expect(isCovered(lang('_1XX'), [lang('_1[0-4]X'), lang('_1[5-9]X')])).toBe(true);
    expect(isCovered(lang('_1XX'), [lang('_1[0-4]X'), lang('_1[6-9]X')])).toBe(false);
    expect(isCovered(lang('_X.'), [lang('_1.'), lang('_[02-9].')])).toBe(true);
    expect(isCovered(lang('_X.'), [lang('_1.'), lang('_[02-8].')])).toBe(false);
    expect(isCovered(lang('_1!'), [lang('_1.')])).toBe(false); // "1" itself is left
    expect(isCovered(lang('_1!'), [lang('_1.'), lang('1')])).toBe(true);
    expect(isCovered(lang('_10[0-2]'), ['100', '101', '102'].map(lang))).toBe(true);
    expect(isCovered(lang('_10[0-2]'), ['100', '102'].map(lang))).toBe(false);
    expect(isCovered(lang('_X!'), [lang('_X.'), lang('_X')])).toBe(true);
    expect(isCovered(lang('_X.'), [lang('_XX.'), lang('_X')])).toBe(false); // "1a" is left
    // '.' takes any character, not only digits: digit patterns never cover it.
    expect(isCovered(lang('_1.'), [lang('_1X!')])).toBe(false);
  });
});
