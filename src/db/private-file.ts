import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Makes the SQLite file readable by its owner only, creating it (and its folder) when missing: it holds
 * SIP and trunk passwords and voicemail PINs as Asterisk needs them. SQLite gives the journal and WAL
 * files it creates the database file's mode; those already there are set too.
 */
export function makeDatabaseFilePrivate(file: string): void {
  mkdirSync(dirname(file), { recursive: true });
  if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600));
  for (const path of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) if (existsSync(path)) chmodSync(path, 0o600);
}
