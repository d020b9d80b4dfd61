import { unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Principal } from '../auth/permissions.js';
import type { PrismaClient } from '../db/client.js';
import { ConflictError, NotFoundError } from '../errors.js';
import type { Logger } from '../logger.js';
import { RecordingDownloads } from './downloads.js';
import { maySee } from './filters.js';
import { recordingContentType } from './recording-files.js';

/** A recording's file as the download route serves it. */
export type RecordingFile = { path: string; fileName: string; contentType: string };

/** Call recordings (F-5.1.1, F-5.1.3): their files in the monitor spool, signed links, deletion. */
export class RecordingService {
  readonly downloads: RecordingDownloads;

  constructor(private readonly deps: { prisma: PrismaClient; log: Logger; monitorDir: string; tokenSecret: string }) {
    this.downloads = new RecordingDownloads(deps.tokenSecret);
  }

  downloadUrl(recording: { id: string; file: string }): Promise<string> {
    return this.downloads.url(recording);
  }

  /** The file of a recording the caller may hear (null: none, or not theirs). */
  async fileFor(id: string, principal: Principal | null | 'signed'): Promise<RecordingFile | null> {
    const row = await this.deps.prisma.recording.findUnique({ where: { id } });
    if (!row) return null;
    if (principal !== 'signed' && !maySee(principal, 'recordings:read', row)) return null;
    return { path: this.pathOf(row.file), fileName: row.file, contentType: recordingContentType(row.file) };
  }

  /**
   * Deletes recordings, file and row (recordings:write). Every id must exist.
   * A file that cannot be removed keeps its row (it would be indexed again)
   * and ends the deletion with a ConflictError naming it; those deleted before it stay deleted.
   */
  async delete(ids: string[]): Promise<string[]> {
    const { prisma, log } = this.deps;
    const rows = await prisma.recording.findMany({ where: { id: { in: ids } }, select: { id: true, file: true } });
    const found = new Set(rows.map((r) => r.id));
    const missing = ids.find((id) => !found.has(id));
    if (missing) throw new NotFoundError('Recording', missing);
    const deleted: string[] = [];
    try {
      for (const row of rows) {
        await unlink(this.pathOf(row.file)).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== 'ENOENT') {
            log.warn({ err: error, file: row.file }, 'a recording file could not be deleted');
            throw new ConflictError(`the file of recording ${row.file} could not be deleted (${error.code ?? error.message})${deleted.length ? `; ${deleted.length} other(s) were deleted` : ''}`, [
              'ids',
            ]);
          }
        });
        deleted.push(row.id);
      }
    } finally {
      if (deleted.length) await prisma.recording.deleteMany({ where: { id: { in: deleted } } });
    }
    return deleted;
  }

  /** A stored name is one file of the spool, never a path out of it. */
  private pathOf(file: string): string {
    const name = path.basename(file);
    if (name !== file || name === '..' || name === '.') throw new Error(`recording file ${JSON.stringify(file)} is not a file name`);
    return path.join(this.deps.monitorDir, name);
  }
}
