import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { checkSoundName, mohFileName } from '../../src/sounds/names.js';

const issue = (fn: () => void) => {
  try {
    fn();
  } catch (error) {
    if (error instanceof ValidationError) return error.issues[0];
    throw error;
  }
  return null;
};

describe('sound library names', () => {
  it('takes prompt and class names that are safe as file and folder names, and nothing that could leave the folder', () => {
    for (const name of ['welcome', 'Welcome_2', 'ivr-main', '0800', 'a'.repeat(64)])
      expect(
        issue(() => checkSoundName(name, 'prompt', ['input', 'name'])),
        name,
      ).toBeNull();
    for (const name of ['', '../evil', '..', '.hidden', 'a/b', 'a\\b', 'x\u0000y', 'with space', 'semi;colon', '-dash', '_under', 'a'.repeat(65), 'café', 'welcome.wav']) {
      expect(
        issue(() => checkSoundName(name, 'prompt', ['input', 'name'])),
        JSON.stringify(name),
      ).toMatchObject({ path: ['input', 'name'], code: 'INVALID_FORMAT' });
    }
  });

  it("refuses a class named general (musiconhold.conf's own section), in any case", () => {
    expect(issue(() => checkSoundName('General', 'class', ['input', 'name']))).toMatchObject({ code: 'RESERVED' });
    expect(issue(() => checkSoundName('general', 'prompt', ['input', 'name']))).toBeNull();
  });

  it('lists a music file under the uploaded name without folders, extension or characters files cannot hold; other scripts are kept', () => {
    expect(mohFileName('Summer Song.mp3')).toBe('Summer Song');
    expect(mohFileName('../../etc/passwd.mp3')).toBe('passwd');
    expect(mohFileName('C:\\Users\\me\\Music\\track 01.flac')).toBe('track 01');
    expect(mohFileName('等待音乐.wav')).toBe('等待音乐');
    expect(mohFileName('a;b[c]"d\u0001e.ogg')).toBe('a_b_c_d_e');
    expect(mohFileName('no-extension')).toBe('no-extension');
    expect(mohFileName('.mp3')).toBe('mp3');
    expect(mohFileName('../..')).toBe('music');
    expect(mohFileName('   ')).toBe('music');
    expect([...mohFileName(`${'x'.repeat(100)}.mp3`)]).toHaveLength(64);
  });
});
