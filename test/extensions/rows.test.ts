import { describe, expect, it } from 'vitest';
import { parseList } from '../../src/extensions/rows.js';

describe('stored list columns', () => {
  it('reads a JSON list', () => {
    expect(parseList('["ALAW","ULAW"]', 'codecs of extension 101')).toEqual(['ALAW', 'ULAW']);
  });

  it('never turns a corrupt value into a default: the read fails naming the row and field', () => {
    expect(() => parseList('ALAW,ULAW', 'codecs of extension 101')).toThrow('stored codecs of extension 101 is not a list: "ALAW,ULAW"');
    expect(() => parseList('{"a":1}', 'pickupGroups of extension 102')).toThrow(/pickupGroups of extension 102/);
  });
});
