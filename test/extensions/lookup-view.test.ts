import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { openDatabase, type Database } from '../../src/db/client.js';
import { migrate } from '../../src/db/migrate.js';
import { extensionDefaults, type ExtensionFields } from '../../src/extensions/fields.js';
import { extensionLookupRows } from '../../src/extensions/lookup.js';
import { toRowData } from '../../src/extensions/rows.js';
import { readExtensionSlice } from '../../src/extensions/snapshot.js';
import type { PbxSnapshot } from '../../src/pbx/render/snapshot.js';
import { whitelistsDomain } from '../../src/whitelists/domain.js';
import { createDatabase, testDatabase } from '../support/server.js';

/**
 * The dialplan check follows the rows the TypeScript function computes from
 * the snapshot (src/extensions/lookup.ts); Asterisk reads the SQL view
 * pbx_extension_lookup (schema/migrations/<provider>/0012). Both must say
 * the same for every kind of extension: here the real migrations run
 * against a temporary database (SQLite, or PostgreSQL with
 * TEST_DATABASE=postgres), extensions are stored, and the view's rows are
 * compared with the function's over the snapshot read the server's way.
 */

let dir: string;
let database: Database;
let drop: () => Promise<void>;

function configOf(url: string): Config['database'] {
  return url.startsWith('file:') ? { provider: 'sqlite', file: url.slice('file:'.length), url } : { provider: 'postgres', url };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pbx-lookup-view-'));
  const created = await createDatabase(dir);
  drop = created.drop;
  const config = configOf(created.url);
  await migrate(config);
  database = openDatabase(config);
}, 60_000);

afterAll(async () => {
  await database?.close();
  await drop?.();
  rmSync(dir, { recursive: true, force: true });
});

describe(`the extension lookup: the SQL view and the TypeScript rows agree (${testDatabase})`, () => {
  it('for extensions enabled and disabled, with voicemail on and off, every recording mode, IAX2, whitelists of both directions and caller IDs', async () => {
    const { prisma } = database;
    const permission = await prisma.dialPermission.create({ data: { name: 'Everything' } });
    const inbound = await prisma.whitelist.create({ data: { name: 'VIP', direction: 'INBOUND', numbers: '["+4930111"]' } });
    const outbound = await prisma.whitelist.create({ data: { name: 'Allowed', direction: 'OUTBOUND', numbers: '["900441234"]' } });
    const kinds: Partial<ExtensionFields>[] = [
      {},
      { enabled: false },
      { voicemailEnabled: false },
      { enabled: false, voicemailEnabled: false, iax2Enabled: true },
      { recording: 'INBOUND' },
      { recording: 'OUTBOUND', outboundCallerId1: '+4930123100' },
      { recording: 'BOTH', outboundCallerId1: '+4930123101', outboundCallerId2: '+4930999' },
      { iax2Enabled: true },
      { whitelist: 'VIP' },
      { whitelist: 'Allowed' },
      { whitelist: 'VIP', enabled: false, recording: 'BOTH' },
      { whitelist: 'Allowed', iax2Enabled: true, voicemailEnabled: false },
    ];
    const listIds: Record<string, string> = { VIP: inbound.id, Allowed: outbound.id };
    for (const [i, kind] of kinds.entries()) {
      const fields: ExtensionFields = { ...extensionDefaults, number: String(100 + i), name: `User ${i}`, password: `Secret-${i}-x`, dialPermission: permission.name, ...kind };
      await prisma.extension.create({ data: toRowData(fields, permission.id, fields.whitelist ? listIds[fields.whitelist]! : null) });
    }
    // Also a number with a leading zero, which must stay text.
    await prisma.extension.create({ data: toRowData({ ...extensionDefaults, number: '0123', name: 'Zero', password: 'Secret-zero-x', dialPermission: permission.name }, permission.id, null) });

    const fromView = (await prisma.$queryRawUnsafe<Record<string, unknown>[]>('SELECT * FROM pbx_extension_lookup')).map((row) =>
      Object.fromEntries(Object.entries(row).map(([column, value]) => [column, String(value)])),
    );
    const snapshot = await prisma.$transaction(async (tx) => ({ ...(await readExtensionSlice(tx)), ...(await whitelistsDomain.readSnapshot!(tx, {} as never)) }) as PbxSnapshot);
    const fromRules = extensionLookupRows(snapshot);

    const byNumber = (rows: Record<string, string>[]) => [...rows].sort((a, b) => a.number!.localeCompare(b.number!));
    expect(fromRules).toHaveLength(kinds.length + 1);
    expect(byNumber(fromView)).toEqual(byNumber(fromRules));
    // The rows say what each kind needs: spot checks that the comparison is not of two empty things.
    const row = (number: string) => fromRules.find((r) => r.number === number)!;
    expect(row('101')).toMatchObject({ enabled: '0', voicemail: '1' });
    expect(row('108')).toMatchObject({ whitelist: inbound.id, whitelist_out: '' });
    expect(row('109')).toMatchObject({ whitelist: '', whitelist_out: outbound.id });
    expect(row('106')).toMatchObject({ recording: 'BOTH', cid1: '+4930123101', cid2: '+4930999' });
    expect(row('0123')).toMatchObject({ number: '0123', enabled: '1' });
  });
});
