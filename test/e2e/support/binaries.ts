import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

/**
 * Where the real programs of the end-to-end tests are. Only cheap, synchronous
 * file checks: a machine without Asterisk pays nothing for the e2e files.
 */

function executable(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (executable(candidate)) return candidate;
  }
  return null;
}

function find(envName: string, name: string, extra: string[]): string | null {
  const fromEnv = process.env[envName];
  if (fromEnv) return executable(fromEnv) ? path.resolve(fromEnv) : null;
  return onPath(name) ?? extra.find(executable) ?? null;
}

/** The Asterisk binary: $ASTERISK_BIN, else `asterisk` on PATH, else /usr/sbin/asterisk; null when absent. */
export function findAsterisk(): string | null {
  return find('ASTERISK_BIN', 'asterisk', ['/usr/sbin/asterisk']);
}

/** The pjsua binary (pjproject's sample softphone): $PJSUA_BIN, else `pjsua` on PATH; null when absent. */
export function findPjsua(): string | null {
  return find('PJSUA_BIN', 'pjsua', ['/usr/bin/pjsua', '/usr/local/bin/pjsua']);
}

const said = new Set<string>();
/** Prints why an e2e block is skipped, once per process. */
export function skipNote(message: string): void {
  if (said.has(message)) return;
  said.add(message);
  console.log(message);
}

/** The binaries an e2e file needs, saying once why it skips when one is missing. */
export function e2eBinaries(): { ASTERISK: string | null; PJSUA: string | null } {
  const ASTERISK = findAsterisk();
  const PJSUA = findPjsua();
  if (!ASTERISK) skipNote('e2e skipped: no Asterisk binary (set ASTERISK_BIN)');
  else if (!PJSUA) skipNote('e2e phone tests skipped: no pjsua binary (set PJSUA_BIN)');
  return { ASTERISK, PJSUA };
}
