import { describe, expect, it } from 'vitest';
import { extensionFieldSchemas } from '../../../src/extensions/fields.js';
import { render } from '../../../src/pbx/render/index.js';
import { RenderError } from '../../../src/pbx/render/text.js';
import { sipSchema } from '../../../src/settings/schemas.js';
import { readValue } from '../../support/asterisk-config-reader.js';
import { extension, smallSnapshot } from '../fixtures/snapshots.js';

/**
 * Every accepted value of a rendered string field reaches Asterisk exactly:
 * what Asterisk's parser reads from the rendered file equals what the API
 * stores. Values that Asterisk would read differently are refused by the
 * field's own rule, so the API never accepts them.
 */
const tricky = ['>evil8', '>=secret', 'a=>b', '=start', 'end=', 'x+=y', '#include', 'a b', ' lead', 'trail ', '=>', '>>'];

function accepted(schema: { safeParse(v: unknown): { success: boolean } }): string[] {
  return tricky.filter((v) => schema.safeParse(v).success);
}

describe('what Asterisk reads is what the API stores', () => {
  it('the SIP password of an extension (auth password)', () => {
    const values = accepted(extensionFieldSchemas.password);
    expect(values).toContain('>evil8');
    for (const password of values) {
      const snapshot = smallSnapshot();
      snapshot.extensions[0] = extension('100', { password });
      const pjsip = render(snapshot).files.get('pjsip.conf')!;
      expect(readValue(pjsip, '100-auth', 'password'), password).toBe(password);
    }
  });

  it('the SIP user agent', () => {
    const values = accepted(sipSchema.shape.userAgent);
    expect(values).toContain('>evil8');
    for (const userAgent of values) {
      const snapshot = smallSnapshot();
      snapshot.settings.sip.userAgent = userAgent;
      const pjsip = render(snapshot).files.get('pjsip.conf')!;
      expect(readValue(pjsip, 'global', 'user_agent'), userAgent).toBe(userAgent);
    }
  });

  it('the display name in the caller ID', () => {
    const names = ["Anna-Lena O'Neil (Sales)", 'Zoë & Co / +1', '王小明'];
    for (const name of [...names, ...accepted(extensionFieldSchemas.name)]) {
      const snapshot = smallSnapshot();
      snapshot.extensions[0] = extension('100', { name, email: 'a@example.com' });
      const files = render(snapshot).files;
      expect(readValue(files.get('pjsip.conf')!, '100', 'callerid')).toBe(`"${name}" <100>`);
    }
  });

  it('refuses blanks at either end, which Asterisk would strip', () => {
    expect(extensionFieldSchemas.name.safeParse(' Alice').success).toBe(false);
    expect(extensionFieldSchemas.name.safeParse('Alice ').success).toBe(false);
    expect(sipSchema.shape.userAgent.safeParse('PBX ').success).toBe(false);
    const snapshot = smallSnapshot();
    snapshot.extensions[0] = extension('100', { name: 'Alice ' });
    expect(() => render(snapshot)).toThrow(RenderError);
  });
});
