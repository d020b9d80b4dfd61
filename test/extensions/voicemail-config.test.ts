import { describe, expect, it } from 'vitest';
import { pressZeroOperator, pressZeroWarnings, voicemailFile } from '../../src/extensions/voicemail-config.js';
import { file } from '../../src/pbx/render/text.js';
import { readAsteriskConfig } from '../support/asterisk-config-reader.js';
import { extension, largeSnapshot, smallSnapshot } from '../pbx/fixtures/snapshots.js';

/** voicemail.conf as render() writes it, and what Asterisk reads from it. */
function rendered(snapshot = smallSnapshot()) {
  const { parts, warnings } = voicemailFile(snapshot);
  const text = file(...parts);
  return { text, warnings, read: readAsteriskConfig(text) };
}

describe('voicemail.conf: global options only, the mailboxes come from the realtime view', () => {
  it('has [general] and no mailbox, whatever the extensions', () => {
    const { read } = rendered();
    expect(new Set(read.map((v) => v.category))).toEqual(new Set(['general']));
    expect(read.filter((v) => v.object)).toEqual([]);
    expect(Object.fromEntries(read.map((v) => [v.name, v.value]))).toMatchObject({ format: 'wav', maxmsg: '100', operator: 'no', minpassword: '4' });
  });

  it('is the same file at 40 and at 4,000 extensions, and after any change to an extension', () => {
    const small = largeSnapshot(40, 4);
    const large = largeSnapshot(4000, 100);
    expect(rendered(large).text).toBe(rendered(small).text);
    const changed = largeSnapshot(4000, 100);
    changed.extensions[7] = { ...changed.extensions[7]!, voicemailEnabled: !changed.extensions[7]!.voicemailEnabled, voicemailPin: '987654', name: 'Renamed', email: 'x@example.com' };
    changed.extensions.splice(100, 1);
    changed.extensions.push(extension('8999'));
    expect(rendered(changed).text).toBe(rendered(large).text);
  });

  it('asks a PIN changed from the phone to be as long as the API asks (4 digits at least)', () => {
    expect(rendered().read.find((v) => v.name === 'minpassword')?.value).toBe('4');
  });

  it('operator follows the press-0 setting alone; the operator extension decides only the dialplan and the warning', () => {
    const snapshot = smallSnapshot();
    snapshot.settings.pbx = { ...snapshot.settings.pbx, pressZeroToOperator: true, operatorExtension: '101' };
    expect(rendered(snapshot).read.find((v) => v.name === 'operator')?.value).toBe('yes');
    expect(pressZeroOperator(snapshot)).toBe('101');
    expect(pressZeroWarnings(snapshot)).toEqual([]);

    // The operator disabled: app_voicemail would still offer 0 if the caller's context had an `o`; the dialplan has none then.
    const disabled = smallSnapshot();
    disabled.settings.pbx = { ...disabled.settings.pbx, pressZeroToOperator: true, operatorExtension: '103' };
    const { text, read, warnings } = rendered(disabled);
    expect(read.find((v) => v.name === 'operator')?.value).toBe('yes');
    expect(text).toBe(rendered(snapshot).text);
    expect(pressZeroOperator(disabled)).toBeNull();
    expect(warnings.join()).toContain('operator extension 103 does not exist or is disabled');

    const off = smallSnapshot();
    off.settings.pbx = { ...off.settings.pbx, pressZeroToOperator: false, operatorExtension: '101' };
    expect(rendered(off).read.find((v) => v.name === 'operator')?.value).toBe('no');
    expect(pressZeroOperator(off)).toBeNull();
    expect(pressZeroWarnings(off)).toEqual([]);
  });
});
