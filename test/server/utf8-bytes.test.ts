import { describe, expect, it } from 'vitest';
import { utf8Bytes } from '../../src/server/utf8-bytes.js';

describe('utf8Bytes', () => {
  it('gives the bytes Buffer.from gives, for ASCII, other scripts, emoji, lone surrogates and the empty string', () => {
    for (const text of ['{"a":1}', '张三 Müller', '📞 ring', 'broken \ud800 pair', '', 'x'.repeat(100_000) + 'é']) {
      const bytes = utf8Bytes(text);
      expect(Buffer.isBuffer(bytes)).toBe(true);
      expect(bytes.equals(Buffer.from(text, 'utf8'))).toBe(true);
      expect(bytes.toString('utf8')).toBe(Buffer.from(text, 'utf8').toString('utf8'));
    }
  });
});
