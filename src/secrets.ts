import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** A secret generated on first use and kept in the data directory (mode 0600), so restarts keep it. */
export function loadSecret(dataDir: string, name: string, bytes: number): string {
  const file = join(dataDir, name);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(bytes)
    .toString('base64url')
    .replace(/[^A-Za-z0-9]/g, 'x');
  writeFileSync(file, secret + '\n', { mode: 0o600 });
  return secret;
}
