import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';

/** A file's identity on its device: what stays the same while Asterisk appends to it and changes when it is rotated or recreated. */
export const fileIdentity = (s: { dev: number; ino: number }) => `${s.dev}:${s.ino}`;

/** Complete lines read from a file: each with the byte offset just after its newline. */
export type ReadLines = { lines: { text: string; end: number }[]; end: number };

const NEWLINE = 0x0a;

/**
 * The complete lines of an open file from `offset`, at most `maxBytes` of
 * them (more when a single line is longer). A last line without its
 * newline is left for later: Asterisk writes a record and its newline in
 * two calls.
 */
export async function readLines(file: string, offset: number, maxBytes: number): Promise<ReadLines & { identity: string; size: number }> {
  const handle = await open(file, 'r');
  try {
    const s = await handle.stat();
    const lines: ReadLines['lines'] = [];
    let end = offset;
    let want = maxBytes;
    while (end < s.size) {
      const length = Math.min(want, s.size - end);
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, end);
      const chunk = buffer.subarray(0, bytesRead);
      const last = chunk.lastIndexOf(NEWLINE);
      if (last < 0) {
        // One line longer than the window: read a larger one, unless the line is still being written.
        if (bytesRead < want || end + bytesRead >= s.size) break;
        want *= 2;
        continue;
      }
      let start = 0;
      for (let nl = chunk.indexOf(NEWLINE); nl >= 0 && nl <= last; nl = chunk.indexOf(NEWLINE, start)) {
        lines.push({ text: chunk.toString('utf8', start, nl), end: end + nl + 1 });
        start = nl + 1;
      }
      end += last + 1;
      break;
    }
    return { lines, end, identity: fileIdentity(s), size: s.size };
  } finally {
    await handle.close();
  }
}

/** Whether the byte before `offset` is a newline: a cursor that points into the middle of a line belongs to other content. */
export async function startsALine(file: string, offset: number): Promise<boolean> {
  if (offset === 0) return true;
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(1);
    const { bytesRead } = await handle.read(buffer, 0, 1, offset - 1);
    return bytesRead === 1 && buffer[0] === NEWLINE;
  } finally {
    await handle.close();
  }
}

/** The file's path, size and identity, or null when it does not exist. */
export async function statFile(file: string): Promise<{ path: string; identity: string; size: number } | null> {
  try {
    const s = await stat(file);
    return s.isFile() ? { path: file, identity: fileIdentity(s), size: s.size } : null;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** The file of the folder with this identity (a rotated file keeps it under its new name), or null. */
export async function findByIdentity(folder: string, identity: string): Promise<{ path: string; identity: string; size: number } | null> {
  let names: string[];
  try {
    names = await readdir(folder);
  } catch {
    return null;
  }
  for (const name of names) {
    const found = await statFile(path.join(folder, name)).catch(() => null);
    if (found?.identity === identity) return found;
  }
  return null;
}
