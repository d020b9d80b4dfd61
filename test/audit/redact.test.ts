import { describe, expect, it } from 'vitest';
import { summarize } from '../../src/audit/redact.js';

describe('the audit summary of an input', () => {
  it('replaces secrets by their key, and the query or fragment of a web address wherever it is', () => {
    const summary = JSON.parse(
      summarize({
        input: {
          url: 'https://crm.example.com/hooks?token=s3cret&x=1',
          other: 'http://a.example/p#access_token=abc',
          plain: 'https://crm.example.com/hooks',
          password: 'Top-Secret-1',
          note: 'see ?token=not-an-address',
        },
      }),
    );
    expect(summary).toEqual({
      input: {
        url: 'https://crm.example.com/hooks?[REDACTED]',
        other: 'http://a.example/p?[REDACTED]',
        plain: 'https://crm.example.com/hooks',
        password: '[REDACTED]',
        note: 'see ?token=not-an-address',
      },
    });
  });
});
