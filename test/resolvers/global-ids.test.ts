import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import { describe, expect, it } from 'vitest';
import { encodeGlobalId } from '../../src/resolvers/ids.js';

describe('encodeGlobalId', () => {
  it('makes the IDs the relay plugin makes and reads, for ASCII ids and any other text', () => {
    for (const [typename, id] of [
      ['Extension', 'cm3k2x9f00001abcdxyz'],
      ['SipTrunk', '1'],
      ['Queue', 'a b~!'],
      ['Sound', 'prompt-é'],
      ['Recording', '录音-7'],
    ] as const) {
      const encoded = encodeGlobalId(typename, id);
      expect(encoded).toBe(encodeGlobalID(typename, id));
      expect(decodeGlobalID(encoded)).toEqual({ typename, id });
    }
  });
});
