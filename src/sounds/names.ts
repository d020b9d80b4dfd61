import { ValidationError } from '../errors.js';
import { soundNamePattern, soundNameRule } from './contract.js';

/** Section names musiconhold.conf gives a meaning of its own. */
const reservedClassNames = ['general'];

/** A prompt or class name: also a file or folder name (contract.ts), so checked before anything touches the disk. */
export function checkSoundName(name: string, what: 'prompt' | 'class', path: string[]): void {
  if (!soundNamePattern.test(name)) throw ValidationError.single(path, soundNameRule, 'INVALID_FORMAT');
  if (what === 'class' && reservedClassNames.includes(name.toLowerCase())) throw ValidationError.single(path, `${name} is reserved by Asterisk's musiconhold.conf`, 'RESERVED');
}

/**
 * Names are compared without case: Asterisk looks music-on-hold classes up
 * without case, and two prompts `Welcome` and `welcome` would only confuse.
 */
export function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

const maxFileNameLength = 64;

/**
 * The name a music-on-hold file is listed under, from the uploaded file's
 * name: without folders or extension, letters (any script), digits, blanks
 * and `-_.()'&+` kept, anything else (controls, slashes, `;` …) made `_`.
 * It is only ever shown: the file on disk is named by its id.
 */
export function mohFileName(uploadName: string): string {
  const base = uploadName.normalize('NFC').split(/[\\/]/).pop() ?? '';
  const withoutExtension = base.includes('.') && !base.startsWith('.') ? base.slice(0, base.lastIndexOf('.')) : base;
  const cleaned = withoutExtension
    .replace(/[^\p{L}\p{N}\p{M} _.()'&+-]/gu, '_')
    .replace(/\s+/g, ' ')
    .replace(/_+/g, '_')
    .replace(/^[\s._-]+|[\s._-]+$/g, '');
  const limited = [...cleaned].slice(0, maxFileNameLength).join('').trim();
  return limited || 'music';
}
