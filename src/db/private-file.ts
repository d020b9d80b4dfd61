import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Keeps the SQLite file from being readable by others, creating it (and its folder) when missing: it holds
 * SIP and trunk passwords and voicemail PINs as Asterisk needs them. A new file is 0640, as the rendered
 * configuration is; on every start the permissions of others are taken off the file and its journal and WAL
 * files (SQLite gives those the database file's mode). Owner and group permissions stay as they are: an
 * Asterisk running as another user of the group needs read-write access (README).
 */
export function makeDatabaseFilePrivate(file: string): void {
  mkdirSync(dirname(file), { recursive: true });
  if (!existsSync(file)) closeSync(openSync(file, 'a', 0o640));
  for (const path of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) {
    if (!existsSync(path)) continue;
    const mode = statSync(path).mode & 0o777;
    if (mode & 0o007) chmodSync(path, mode & ~0o007);
  }
}
