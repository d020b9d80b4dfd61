import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/client.js';
import { migrate } from '../../src/db/migrate.js';
import { createEventBus } from '../../src/events/bus.js';
import { createLogger } from '../../src/logger.js';
import { createDatabase } from '../support/server.js';

/** A migrated database of its own (SQLite, or PostgreSQL with TEST_DATABASE=postgres) and a folder for files, without a server. */
export async function openRecordsWorld() {
  const dir = mkdtempSync(join(tmpdir(), 'pbx-records-'));
  const database = await createDatabase(dir);
  const config = loadConfig({ DATA_DIR: dir, DATABASE_URL: database.url });
  await migrate(config.database);
  const db = openDatabase(config.database);
  const bus = createEventBus();
  return {
    dir,
    db,
    prisma: db.prisma,
    bus,
    log: createLogger('silent'),
    databaseUrl: database.url,
    async close() {
      await bus.close();
      await db.close();
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A CDR line as Asterisk writes it with our mapping (numbers bare, text quoted, only `"` escaped). */
export function cdrLine(fields: Record<string, string | number> = {}): string {
  const all: Record<string, string | number> = {
    clid: '"Alice" <100>',
    src: '100',
    dst: '101',
    dcontext: 'pbx-perm-x',
    channel: 'PJSIP/100-00000000',
    dstchannel: 'PJSIP/101-00000001',
    lastapp: 'Dial',
    lastdata: 'PJSIP/101,30,tT',
    start: 1795676755.1,
    answer: 1795676756.9,
    end: 1795676759.3,
    duration: 4,
    billsec: 2,
    disposition: 'ANSWERED',
    amaflags: 'DOCUMENTATION',
    accountcode: '',
    peeraccount: '',
    uniqueid: '1795676755.0',
    linkedid: '1795676755.0',
    userfield: '',
    sequence: 0,
    pbx_trunk: '',
    pbx_did: '',
    pbx_dialled: '',
    ...fields,
  };
  const body = Object.entries(all).map(([k, v]) => `"${k}":${typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(6)) : `"${v.replace(/"/g, '\\"')}"`}`);
  return `{${body.join(',')}}`;
}

/** The n-th call of a series: its own uniqueid and sequence, 100 calling 101 a minute after the one before. */
export function nthCall(n: number, fields: Record<string, string | number> = {}): string {
  const start = 1795676755 + n * 60;
  return cdrLine({ uniqueid: `${start}.${n}`, linkedid: `${start}.${n}`, sequence: n, start, answer: start + 1, end: start + 5, ...fields });
}

/** A WAV file as MixMonitor writes it (8 kHz, 16-bit, mono), `seconds` long; `openEnded`: the header's lengths still 0, as while it records. */
export function wavBytes(seconds: number, openEnded = false): Buffer {
  const rate = 8000;
  const data = Buffer.alloc(Math.round(seconds * rate * 2));
  for (let i = 0; i < data.length / 2; i++) data.writeInt16LE(Math.round(8000 * Math.sin(i / 10)), i * 2);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(openEnded ? 0 : 36 + data.length, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(openEnded ? 0 : data.length, 40);
  return Buffer.concat([header, data]);
}
