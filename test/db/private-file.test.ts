import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.js';
import { migrate } from '../../src/db/migrate.js';

const dir = mkdtempSync(join(tmpdir(), 'pbx-private-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const mode = (path: string) => statSync(path).mode & 0o777;

describe('the SQLite database file', () => {
  it('is created readable by its owner and group only, and so are its WAL files', async () => {
    const file = join(dir, 'new', 'pbx.db');
    const database = { provider: 'sqlite' as const, file, url: `file:${file}` };
    await migrate(database);
    const db = openDatabase(database);
    try {
      await db.prisma.blacklistEntry.create({ data: { number: '5550100', createdBy: 'test' } });
      for (const path of [file, `${file}-wal`, `${file}-shm`]) expect(mode(path) & 0o007, path).toBe(0);
      expect(mode(file) & 0o600).toBe(0o600);
    } finally {
      await db.close();
    }
  });

  it('made by an earlier version with the umask (0644) loses the permissions of others when opened; a group write an admin gave stays', async () => {
    const file = join(dir, 'old.db');
    writeFileSync(file, '');
    chmodSync(file, 0o644);
    await migrate({ provider: 'sqlite', file, url: `file:${file}` });
    expect(mode(file)).toBe(0o640);
    chmodSync(file, 0o666);
    await migrate({ provider: 'sqlite', file, url: `file:${file}` });
    expect(mode(file)).toBe(0o660);
  });
});
