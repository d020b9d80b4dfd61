import { join } from 'node:path';
import { RenderError } from '../pbx/render/text.js';
import type { PbxSnapshot } from '../pbx/render/snapshot.js';

/**
 * What other domains (IVR, queues, extensions, settings) need from the sound
 * library: the object kinds that referrers name, the snapshot slice, and the
 * path Asterisk plays a prompt from. Prompts are stored converted in
 * `<soundsDir>/prompts/<name>.<format>`; Asterisk is given the path without
 * the extension and picks the format that costs least for the call.
 */
export const soundKinds = { prompt: 'PROMPT', mohClass: 'MOH_CLASS' } as const;

export type PromptCategory = 'IVR' | 'CUSTOM';

export type SnapshotPrompt = { id: string; name: string; category: PromptCategory };
export type SnapshotMohClass = {
  id: string;
  name: string;
  playMode: 'SEQUENTIAL' | 'RANDOM';
  fileCount: number;
  /** The files' names in the class folder (without extension), in play order; absent in snapshots made by hand. */
  files?: string[];
};

declare module '../pbx/render/snapshot.js' {
  interface PbxSnapshot {
    /** The library's prompts; absent reads as none (snapshots made by hand in tests). */
    prompts?: SnapshotPrompt[];
    /** The music-on-hold classes, `default` among them; absent reads as `default` only. */
    mohClasses?: SnapshotMohClass[];
  }
}

/** Prompt and class names: also file and folder names, so letters, digits, `-` and `_` only. */
export const soundNamePattern = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
export const soundNameRule = '1 to 64 letters, digits, - and _, starting with a letter or digit';

export function promptsFolder(soundsDir: string): string {
  return join(soundsDir, 'prompts');
}

export function mohFolder(soundsDir: string, className: string): string {
  return join(soundsDir, 'moh', className);
}

/** The argument of Playback()/Background() for a prompt of the library (absolute, without extension). */
export function promptPlayPath(snapshot: PbxSnapshot, promptId: string): string {
  const prompt = snapshot.prompts?.find((p) => p.id === promptId);
  if (!prompt) throw new RenderError(`prompt ${promptId} is not in the sound library`);
  const soundsDir = snapshot.connection.soundsDir;
  if (!soundsDir) throw new RenderError('the sound library has no folder (SOUNDS_DIR) to play prompts from');
  if (!soundNamePattern.test(prompt.name)) throw new RenderError(`prompt name ${JSON.stringify(prompt.name)} cannot be played`);
  return join(promptsFolder(soundsDir), prompt.name);
}

/** The musiconhold.conf class name of a stored class id (the class names are Asterisk's). */
export function mohClassName(snapshot: PbxSnapshot, classId: string): string {
  if (!snapshot.mohClasses) return 'default';
  const found = snapshot.mohClasses.find((c) => c.id === classId);
  if (!found) throw new RenderError(`music-on-hold class ${classId} does not exist`);
  return found.name;
}
