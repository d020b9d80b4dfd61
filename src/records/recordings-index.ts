import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { PrismaClient } from '../db/client.js';
import type { Logger } from '../logger.js';
import { linkRecordings } from './call-summary.js';
import type { PbxNames } from './cdr-mapping.js';
import { audioSeconds, isRecordingFile, parseRecordingName } from './recording-files.js';

export type RecordingsIndexDeps = {
  prisma: PrismaClient;
  log: Logger;
  /** Asterisk's monitor spool (<astspooldir>/monitor), where MixMonitor writes. */
  monitorDir: string;
  names(): Promise<PbxNames>;
};

/** A file changed this recently may still be written to: it is looked at on every scan. */
const ACTIVE_MS = 5 * 60_000;
/** Every file is looked at again this often (a change the quick scans missed). */
const FULL_SCAN_MS = 10 * 60_000;
/** A growing file's row is brought up to date at most this often (a recording grows with every packet). */
const GROWTH_UPDATE_MS = 3000;

type Seen = { size: number; mtimeMs: number; checkedAt: number };

/**
 * The Recording table follows the monitor spool (F-5.1.1, F-5.1.3): a new
 * file is indexed at once, with the size and length it has so far (a call
 * still being recorded), and updated while it grows; a file that is gone
 * loses its row. A scan reads the folder's names; only files that are new
 * or changed lately are looked at closely, all of them now and then. A
 * spool that is not there (not mounted, Asterisk not installed) leaves the
 * index alone rather than emptying it.
 */
export class RecordingsIndex {
  private seen: Map<string, Seen> | null = null;
  private lastFullScan = 0;

  constructor(private readonly deps: RecordingsIndexDeps) {}

  /** Forgets what it knew of the files (another instance may have indexed meanwhile). */
  reset(): void {
    this.seen = null;
  }

  async scan(now = Date.now()): Promise<void> {
    const { prisma, monitorDir } = this.deps;
    let names: string[];
    try {
      names = (await readdir(monitorDir, { withFileTypes: true })).filter((e) => e.isFile() && isRecordingFile(e.name)).map((e) => e.name);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    if (!this.seen) {
      const rows = await prisma.recording.findMany({ select: { file: true, sizeBytes: true } });
      this.seen = new Map(rows.map((r) => [r.file, { size: r.sizeBytes, mtimeMs: 0, checkedAt: 0 }]));
      this.lastFullScan = 0;
    }
    const seen = this.seen;
    const onDisk = new Set(names);
    const gone = [...seen.keys()].filter((file) => !onDisk.has(file));
    if (gone.length) {
      await prisma.recording.deleteMany({ where: { file: { in: gone } } });
      for (const file of gone) seen.delete(file);
    }
    const full = now - this.lastFullScan >= FULL_SCAN_MS;
    if (full) this.lastFullScan = now;
    const fresh: string[] = [];
    for (const name of names) {
      const known = seen.get(name);
      if (known && !full && now - known.mtimeMs > ACTIVE_MS) continue;
      const s = await stat(path.join(monitorDir, name)).catch(() => null);
      if (!s) continue;
      if (!known) {
        await this.add(name, s.size, s.mtimeMs, s.birthtimeMs);
        seen.set(name, { size: s.size, mtimeMs: s.mtimeMs, checkedAt: now });
        fresh.push(name);
      } else if (known.size !== s.size && now - known.checkedAt >= GROWTH_UPDATE_MS) {
        const durationSeconds = await audioSeconds(path.join(monitorDir, name), s.size).catch(() => 0);
        await prisma.recording.updateMany({ where: { file: name }, data: { sizeBytes: s.size, durationSeconds } });
        seen.set(name, { size: s.size, mtimeMs: s.mtimeMs, checkedAt: now });
      } else if (known.size === s.size) {
        seen.set(name, { ...known, mtimeMs: s.mtimeMs });
      }
    }
    if (fresh.length) {
      const rows = await prisma.recording.findMany({ where: { file: { in: fresh } }, select: { linkedid: true, uniqueid: true } });
      await linkRecordings(prisma, { linkedids: rows.map((r) => r.linkedid).filter(Boolean), uniqueids: rows.filter((r) => !r.linkedid && r.uniqueid).map((r) => r.uniqueid) });
    }
  }

  /** A row for a new file; a row that exists already (indexed by another instance) is updated instead. */
  private async add(file: string, size: number, mtimeMs: number, birthtimeMs: number): Promise<void> {
    const { prisma, monitorDir } = this.deps;
    const parsed = parseRecordingName(file);
    const durationSeconds = await audioSeconds(path.join(monitorDir, file), size).catch(() => 0);
    const startedAt = parsed.startedAt ?? new Date(birthtimeMs > 0 ? birthtimeMs : mtimeMs - durationSeconds * 1000);
    const names = await this.deps.names();
    const extension = (n: string) => (names.extensions.has(n) ? n : null);
    const data = {
      kind: parsed.kind,
      linkedid: parsed.linkedid,
      uniqueid: parsed.uniqueid,
      startedAt,
      sizeBytes: size,
      durationSeconds,
      caller: parsed.caller,
      callee: parsed.callee,
      callerExtension: extension(parsed.caller),
      calleeExtension: extension(parsed.callee),
    };
    await prisma.recording.upsert({ where: { file }, create: { file, ...data }, update: { sizeBytes: size, durationSeconds } });
  }
}
