import { unlink } from 'node:fs/promises';
import path from 'node:path';
import type { PrismaClient } from '../db/client.js';
import type { Logger } from '../logger.js';
import type { SettingsStore } from '../settings/store.js';

export type RetentionDeps = { prisma: PrismaClient; settings: SettingsStore; log: Logger; monitorDir: string };

const DAY_MS = 86_400_000;
/** Rows deleted per statement: a large first prune does not hold the database for long. */
const SLICE = 500;

/**
 * Retention (settings `callRecords.retentionDays`; 0 keeps everything): once
 * a day, call records that started before the cut-off are deleted, and so are
 * the recordings of that age, files first (a file left behind would be
 * indexed again). The first prune runs with the first scan after start.
 */
export class Retention {
  private lastRun = 0;

  constructor(private readonly deps: RetentionDeps) {}

  async maybePrune(now = Date.now()): Promise<{ records: number; recordings: number } | null> {
    if (now - this.lastRun < DAY_MS) return null;
    const result = await this.prune(now);
    this.lastRun = now;
    return result;
  }

  /** Deletes what is older than the retention now; null when everything is kept. */
  async prune(now = Date.now()): Promise<{ records: number; recordings: number } | null> {
    const { prisma, settings, log, monitorDir } = this.deps;
    const { retentionDays } = await settings.get(prisma, 'callRecords');
    if (retentionDays <= 0) return null;
    const cutoff = new Date(now - retentionDays * DAY_MS);
    let recordings = 0;
    for (;;) {
      const old = await prisma.recording.findMany({ where: { startedAt: { lt: cutoff } }, select: { id: true, file: true }, take: SLICE });
      if (!old.length) break;
      const removed: string[] = [];
      for (const r of old) {
        const gone = await unlink(path.join(monitorDir, r.file)).then(
          () => true,
          (error: NodeJS.ErrnoException) => {
            if (error.code === 'ENOENT') return true;
            log.warn({ err: error, file: r.file }, 'retention: a recording file could not be deleted; it is kept, and listed, until it can be');
            return false;
          },
        );
        if (gone) removed.push(r.id);
      }
      recordings += (await prisma.recording.deleteMany({ where: { id: { in: removed } } })).count;
      if (old.length < SLICE || removed.length < old.length) break;
    }
    let records = 0;
    for (;;) {
      const old = await prisma.callRecord.findMany({ where: { startedAt: { lt: cutoff } }, select: { id: true }, take: SLICE });
      if (!old.length) break;
      records += (await prisma.callRecord.deleteMany({ where: { id: { in: old.map((r) => r.id) } } })).count;
      if (old.length < SLICE) break;
    }
    if (records || recordings) log.info({ records, recordings, retentionDays, cutoff }, 'retention: old call records and recordings deleted');
    return { records, recordings };
  }
}
