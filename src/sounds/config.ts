import type { PbxSnapshot } from '../pbx/render/snapshot.js';
import { RenderError, safe, section } from '../pbx/render/text.js';
import { mohFolder, type SnapshotMohClass } from './contract.js';

/** Asterisk's own music (astdatadir/moh: Debian's asterisk-moh-opsound-wav), played by `default` until it has files of its own. */
const factoryMusic = 'moh';

/**
 * musiconhold.conf (F-4.4.1): one `mode=files` class per class with files,
 * reading its folder; SEQUENTIAL plays the files by name (`sort=alpha`),
 * and their names begin with the play position, RANDOM shuffles them.
 * The file names are listed as comments: a change of files then changes
 * the file, which makes the applier reload res_musiconhold, and a reload
 * is when Asterisk scans the folders again. A class without files is left
 * out (Asterisk would not load it, and logs an error for a missing folder);
 * whoever uses it hears `default`.
 */
export function renderMusicOnHold(snapshot: PbxSnapshot): { parts: string[]; warnings: string[] } {
  const classes = snapshot.mohClasses;
  if (!classes)
    return {
      parts: [
        section('default', [
          ['mode', 'files'],
          ['directory', factoryMusic],
        ]),
      ],
      warnings: [],
    };
  const ordered = [...classes].sort((a, b) => (a.name === 'default' ? -1 : b.name === 'default' ? 1 : a.name < b.name ? -1 : 1));
  const parts: string[] = [];
  const warnings: string[] = [];
  for (const c of ordered) {
    if (c.fileCount > 0) parts.push(classSection(c, folderOf(snapshot, c)));
    else if (c.name === 'default') parts.push(classSection(c, factoryMusic));
    else {
      parts.push(`; ${safe(c.name, 'music-on-hold class name')}: no files yet, so not loaded (held callers hear default)\n`);
      warnings.push(`music-on-hold class ${c.name} has no files: Asterisk does not load it, and callers it would play to hear default`);
    }
  }
  if (!classes.some((c) => c.name === 'default')) throw new RenderError('the music-on-hold class default is missing');
  return { parts, warnings };
}

function folderOf(snapshot: PbxSnapshot, c: SnapshotMohClass): string {
  const soundsDir = snapshot.connection.soundsDir;
  if (!soundsDir) throw new RenderError(`music-on-hold class ${c.name} has files but the sound library has no folder (SOUNDS_DIR)`);
  return mohFolder(soundsDir, safe(c.name, 'music-on-hold class name'));
}

function classSection(c: SnapshotMohClass, directory: string): string {
  const text = section(c.name, [
    ['mode', 'files'],
    ['directory', directory],
    ['sort', c.playMode === 'RANDOM' ? 'random' : 'alpha'],
  ]);
  const files = (c.files ?? []).map((f) => `; ${safe(f, 'music-on-hold file name')}\n`);
  return text + files.join('');
}
