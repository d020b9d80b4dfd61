import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** Reads the current content of the named files in `dir` (null when absent). */
export function readFiles(dir: string, names: Iterable<string>): Map<string, string | null> {
  const current = new Map<string, string | null>();
  for (const name of names) {
    try {
      current.set(name, readFileSync(join(dir, name), 'utf8'));
    } catch {
      current.set(name, null);
    }
  }
  return current;
}

/** Writes a file so that a reader sees the old or the new content, never a part: temp file, fsync, rename. */
export function writeAtomic(dir: string, name: string, text: string): void {
  mkdirSync(dir, { recursive: true });
  const target = join(dir, name);
  const temp = join(dir, `.${name}.${process.pid}.tmp`);
  const fd = openSync(temp, 'w', 0o640);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, target);
  const dirFd = openSync(dir, 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}

/** Puts a file back as it was: the old content, or no file. */
export function restoreFile(dir: string, name: string, previous: string | null): void {
  if (previous === null) rmSync(join(dir, name), { force: true });
  else writeAtomic(dir, name, previous);
}
