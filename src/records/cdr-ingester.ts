import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { PrismaClient, Tx } from '../db/client.js';
import type { EventBus } from '../events/bus.js';
import type { Logger } from '../logger.js';
import type { WebhookOutbox } from '../webhooks/contract.js';
import { findByIdentity, readLines, startsALine, statFile } from './cdr-file.js';
import { parseCdrLine } from './cdr-line.js';
import { mapCdr, type CallRecordData, type PbxNames } from './cdr-mapping.js';
import { callRecordJson, type CallRecordRow } from './json.js';

export type CdrIngesterDeps = {
  prisma: PrismaClient;
  bus: EventBus;
  log: Logger;
  /** The CDR file Asterisk appends to (<astlogdir>/cdr-custom/pbx-cdr.json). */
  file: string;
  /** The extensions and trunks, to read channel names. */
  names(): Promise<PbxNames>;
  /** Writes `callRecord.created` in the transaction that stores the record. */
  outbox?: WebhookOutbox;
  /** Whether this server is pointed at an Asterisk (ARI_URL): without one, a missing CDR folder is expected and said only at debug level. */
  asteriskConfigured?: boolean;
  /** Runs in that transaction too, with the records it stores (the recordings of their calls take their fields). */
  onStored?(tx: Tx, records: CallRecordRow[]): Promise<void>;
  /** Lines per transaction. */
  batchLines?: number;
  /** Bytes read at a time. */
  chunkBytes?: number;
};

/** A rotated file's last bytes without a newline, older than this, were never completed (Asterisk died writing them). */
const ABANDONED_TAIL_MS = 10_000;

/**
 * Imports the call records Asterisk appends to its CDR file (F-5.2), so
 * that none is lost or doubled whatever happens to this server or to
 * Asterisk. The position read up to is kept in the database (IngestCursor)
 * with the file's identity (device:inode) and moves in the same transaction
 * that stores the records of the lines before it: a crash before the commit
 * reads those lines again, one after it does not. Records are keyed by
 * (uniqueid, sequence) and a line whose record exists is passed over, so
 * reading a line twice (a file replaced by a copy of itself, two instances
 * for a moment) stores it once. A last line without its newline waits. A
 * rotated file is finished where it went (found in the folder by its
 * identity) before the new one is read from its start; a file cut shorter
 * or rewritten in place is read again from its start.
 */
export class CdrIngester {
  private readonly cursorId: string;
  private readonly batchLines: number;
  private readonly chunkBytes: number;
  private folderMissing = false;

  constructor(private readonly deps: CdrIngesterDeps) {
    this.cursorId = `cdr:${path.basename(deps.file)}`;
    this.batchLines = deps.batchLines ?? 100;
    this.chunkBytes = deps.chunkBytes ?? 256 * 1024;
  }

  /** Imports every complete line there is now; the number of records stored. Throws what it cannot do (the caller retries). */
  async runOnce(): Promise<number> {
    let stored = 0;
    for (;;) {
      const step = await this.step();
      stored += step.stored;
      if (!step.more) return stored;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  private async step(): Promise<{ stored: number; more: boolean }> {
    const { prisma, log, file } = this.deps;
    const cursor = await prisma.ingestCursor.findUnique({ where: { id: this.cursorId } });
    const current = await statFile(file);
    if (!current) await this.noteFolder();
    let source: { path: string; identity: string } | null = current;
    let offset = 0;
    let rotated = false;
    if (cursor && current?.identity !== cursor.fileId) {
      const old = await findByIdentity(path.dirname(file), cursor.fileId);
      if (old && old.size > Number(cursor.offset)) {
        source = old;
        offset = Number(cursor.offset);
        rotated = true;
      }
    } else if (cursor && current) {
      offset = Number(cursor.offset);
    }
    if (!source) return { stored: 0, more: false };
    if (offset > 0 && !(await startsALine(source.path, offset).catch(() => false))) {
      log.warn({ file: source.path, offset }, 'call records: the CDR file was cut shorter or rewritten; reading it again from its start (records already imported are not doubled)');
      offset = 0;
    }
    const read = await readLines(source.path, offset, this.chunkBytes);
    // Replaced between the look and the read: look again.
    if (read.identity !== source.identity) return { stored: 0, more: true };
    if (!read.lines.length) {
      if (rotated && read.size > offset && (await abandoned(source.path))) {
        log.warn({ file: source.path, offset, size: read.size }, 'call records: the rotated CDR file ends in an incomplete line; going on with the new file');
        await this.moveCursor(prisma, source.identity, read.size);
        return { stored: 0, more: true };
      }
      return { stored: 0, more: false };
    }
    const batch = read.lines.slice(0, this.batchLines);
    const stored = await this.importLines(batch, source.identity, batch[batch.length - 1]!.end);
    return { stored, more: true };
  }

  private async importLines(lines: { text: string; end: number }[], identity: string, end: number): Promise<number> {
    const { prisma, bus, log, outbox } = this.deps;
    const records = new Map<string, CallRecordData>();
    const names = await this.deps.names();
    for (const line of lines) {
      if (!line.text.trim()) continue;
      const raw = parseCdrLine(line.text) ?? recoverTail(line.text);
      if (!raw) {
        log.error({ line: line.text.slice(0, 500) }, 'call records: a line of the CDR file is not a record; passed over');
        continue;
      }
      const mapped = mapCdr(raw, names);
      if (!mapped.ok) {
        log.error({ line: line.text.slice(0, 500), reason: mapped.reason }, 'call records: a line of the CDR file is not a complete record; passed over');
        continue;
      }
      records.set(`${mapped.record.uniqueid}\u0000${mapped.record.sequence}`, mapped.record);
    }
    const stored = await prisma.$transaction(
      async (tx) => {
        const wanted = [...records.values()];
        const existing = wanted.length
          ? await tx.callRecord.findMany({ where: { OR: wanted.map((r) => ({ uniqueid: r.uniqueid, sequence: r.sequence })) }, select: { uniqueid: true, sequence: true } })
          : [];
        const known = new Set(existing.map((r) => `${r.uniqueid}\u0000${r.sequence}`));
        const fresh = await withoutDialTails(
          tx,
          wanted.filter((r) => !known.has(`${r.uniqueid}\u0000${r.sequence}`)),
        );
        const rows = fresh.length ? await tx.callRecord.createManyAndReturn({ data: fresh }) : [];
        for (const row of rows) {
          await outbox?.enqueue(tx, { type: 'callRecord.created', data: callRecordJson(row), idempotencyKey: `callRecord.created:${row.uniqueid}:${row.sequence}`, timestamp: row.endedAt });
        }
        if (rows.length) await this.deps.onStored?.(tx, rows);
        await this.moveCursor(tx, identity, end);
        return rows;
      },
      { timeout: 60_000, maxWait: 20_000 },
    );
    for (const row of stored) bus.publish('callRecord', callRecordJson(row));
    return stored.length;
  }

  /** Asterisk does not create the folder (make install does): without it every record is lost, which is said once. */
  private async noteFolder(): Promise<void> {
    const folder = path.dirname(this.deps.file);
    const missing = !(await stat(folder).catch(() => null))?.isDirectory();
    if (missing && !this.folderMissing) {
      const say = this.deps.asteriskConfigured === false ? this.deps.log.debug.bind(this.deps.log) : this.deps.log.error.bind(this.deps.log);
      say({ folder }, 'call records: Asterisk writes them into this folder, which does not exist; create it, writable by Asterisk');
    }
    this.folderMissing = missing;
  }

  private async moveCursor(db: PrismaClient | Tx, identity: string, offset: number): Promise<void> {
    const data = { fileId: identity, offset: BigInt(offset) };
    await db.ingestCursor.upsert({ where: { id: this.cursorId }, create: { id: this.cursorId, ...data }, update: data });
  }
}

/**
 * After a Dial that was not answered (busy, no answer, failed), Asterisk
 * starts another record for the caller's channel for what it does next
 * (Busy(), Congestion(), hanging up): unanswered, with no called party. It
 * says nothing the Dial's record does not, and would show every such call
 * twice; it is left out. A record of a channel that dialled nobody before
 * (an extension without a phone, a caller who hung up in a menu) is kept.
 */
async function withoutDialTails(tx: Tx, records: CallRecordData[]): Promise<CallRecordData[]> {
  const tails = records.filter((r) => r.disposition !== 'ANSWERED' && !r.dstChannel);
  if (!tails.length) return records;
  const dialled = [
    ...records.filter((r) => r.dstChannel),
    ...(await tx.callRecord.findMany({ where: { uniqueid: { in: [...new Set(tails.map((r) => r.uniqueid))] }, dstChannel: { not: '' } }, select: { uniqueid: true, sequence: true } })),
  ];
  const isTail = (r: CallRecordData) => tails.includes(r) && dialled.some((d) => d.uniqueid === r.uniqueid && d.sequence < r.sequence);
  return records.filter((r) => !isTail(r));
}

/** A record appended after an incomplete line shares its line: the last `{"clid":` starts it. */
function recoverTail(line: string): ReturnType<typeof parseCdrLine> {
  const start = line.lastIndexOf('{"clid":');
  return start > 0 ? parseCdrLine(line.slice(start)) : null;
}

async function abandoned(file: string): Promise<boolean> {
  const s = await stat(file).catch(() => null);
  return !!s && Date.now() - s.mtimeMs > ABANDONED_TAIL_MS;
}
