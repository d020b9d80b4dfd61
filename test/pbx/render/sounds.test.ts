import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { render, RenderError } from '../../../src/pbx/render/index.js';
import type { PbxSnapshot } from '../../../src/pbx/render/snapshot.js';
import { renderMusicOnHold } from '../../../src/sounds/config.js';
import { mohClassName, promptPlayPath, type SnapshotMohClass } from '../../../src/sounds/contract.js';
import { mohFileBaseName } from '../../../src/sounds/files.js';
import { readAsteriskConfig } from '../../support/asterisk-config-reader.js';
import { expectGolden } from '../../support/golden.js';
import { connection, smallSnapshot } from '../fixtures/snapshots.js';

const goldenDir = join(dirname(fileURLToPath(import.meta.url)), 'golden');
const soundsDir = '/var/lib/pbx/sounds';

const mohClass = (id: string, name: string, playMode: SnapshotMohClass['playMode'], files: string[]): SnapshotMohClass => ({ id, name, playMode, fileCount: files.length, files });

function library(classes: SnapshotMohClass[]): PbxSnapshot {
  return {
    ...smallSnapshot(),
    connection: { ...connection, soundsDir },
    prompts: [{ id: 'p1', name: 'welcome', category: 'IVR' }],
    mohClasses: classes,
  };
}

const standard = () =>
  library([
    mohClass('mohclassdefault', 'default', 'SEQUENTIAL', []),
    mohClass('c2', 'sales', 'SEQUENTIAL', [mohFileBaseName(1, 'fileb'), mohFileBaseName(2, 'filea'), mohFileBaseName(3, 'filec')]),
    mohClass('c3', 'lobby', 'RANDOM', [mohFileBaseName(1, 'filed')]),
    mohClass('c4', 'empty', 'SEQUENTIAL', []),
  ]);

const moh = (snapshot: PbxSnapshot) => render(snapshot).files.get('musiconhold.conf')!;
const options = (text: string, category: string) =>
  Object.fromEntries(
    readAsteriskConfig(text)
      .filter((v) => v.category === category)
      .map((v) => [v.name, v.value]),
  );
const categories = (text: string) => [...new Set(readAsteriskConfig(text).map((v) => v.category))];

describe('musiconhold.conf (F-4.4.1)', () => {
  it('matches the golden file: default on factory music, a class per folder, in play order or shuffled', () => {
    expectGolden(goldenDir, 'sounds', new Map([['musiconhold.conf', moh(standard())]]));
  });

  it('gives every class with files mode=files on its absolute folder; SEQUENTIAL sorts by name, RANDOM shuffles; default plays Asterisk’s music while it has none', () => {
    const text = moh(standard());
    expect(categories(text)).toEqual(['default', 'lobby', 'sales']);
    expect(options(text, 'default')).toEqual({ mode: 'files', directory: 'moh', sort: 'alpha' });
    expect(options(text, 'sales')).toEqual({ mode: 'files', directory: `${soundsDir}/moh/sales`, sort: 'alpha' });
    expect(options(text, 'lobby')).toEqual({ mode: 'files', directory: `${soundsDir}/moh/lobby`, sort: 'random' });
  });

  it('lists the files in play order (as comments), so any change of files changes the file and Asterisk rescans the folders', () => {
    const text = moh(standard());
    const sales = text.slice(text.indexOf('[sales]'));
    expect(sales).toContain('; 0001-fileb\n; 0002-filea\n; 0003-filec\n');
    const reordered = standard();
    reordered.mohClasses![1]!.files = [mohFileBaseName(1, 'filea'), mohFileBaseName(2, 'fileb'), mohFileBaseName(3, 'filec')];
    expect(moh(reordered)).not.toBe(text);
    expect(readAsteriskConfig(moh(reordered))).toEqual(readAsteriskConfig(text));
  });

  it('names the files so that sorting them by name (as sort=alpha does) is the play order', () => {
    const names = Array.from({ length: 500 }, (_, i) => mohFileBaseName(i + 1, `id${(500 - i) % 7}x`));
    const alpha = [...names].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase(), 'en'));
    expect(alpha).toEqual(names);
    const bytewise = [...names].sort();
    expect(bytewise).toEqual(names);
  });

  it('leaves out a class without files (Asterisk would not load it) and says so in the apply warnings', () => {
    const result = renderMusicOnHold(standard());
    expect(result.parts.join('')).not.toContain('[empty]');
    expect(result.parts.join('')).toContain('; empty: no files yet');
    expect(result.warnings).toEqual(['music-on-hold class empty has no files: Asterisk does not load it, and callers it would play to hear default']);
    expect(render(standard()).warnings).toContain(result.warnings[0]);
  });

  it('plays the own files of default once it has some', () => {
    const snapshot = library([mohClass('mohclassdefault', 'default', 'RANDOM', [mohFileBaseName(1, 'x1')])]);
    expect(options(moh(snapshot), 'default')).toEqual({ mode: 'files', directory: `${soundsDir}/moh/default`, sort: 'random' });
  });

  it('renders the factory class alone for snapshots without the library (made by hand)', () => {
    expect(moh(smallSnapshot())).toBe('; Rendered by the PBX server from its database. Do not edit: changes are overwritten.\n\n[default]\nmode=files\ndirectory=moh\n');
  });

  it('stops the render for a class with files but no sound folder, a name that could break the file, or no default', () => {
    const noFolder = { ...standard(), connection };
    expect(() => render(noFolder)).toThrow(/music-on-hold class lobby has files but the sound library has no folder/);
    expect(() => render(library([mohClass('mohclassdefault', 'default', 'SEQUENTIAL', []), mohClass('c9', 'bad]name', 'SEQUENTIAL', ['0001-a'])]))).toThrow(RenderError);
    expect(() => render(library([mohClass('mohclassdefault', 'default', 'SEQUENTIAL', []), mohClass('c9', 'bad;name', 'SEQUENTIAL', [])]))).toThrow(RenderError);
    expect(() => render(library([mohClass('c2', 'sales', 'SEQUENTIAL', ['0001-a'])]))).toThrow(/class default is missing/);
  });
});

describe('the contract other domains render with', () => {
  it('plays a prompt by its absolute path without extension, and names a class by id', () => {
    const snapshot = standard();
    expect(promptPlayPath(snapshot, 'p1')).toBe(`${soundsDir}/prompts/welcome`);
    expect(() => promptPlayPath(snapshot, 'nope')).toThrow(RenderError);
    expect(mohClassName(snapshot, 'c3')).toBe('lobby');
    expect(() => mohClassName(snapshot, 'nope')).toThrow(RenderError);
  });
});
