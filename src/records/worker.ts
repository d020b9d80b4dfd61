import { watch, type FSWatcher } from 'node:fs';
import type { Lease } from '../jobs/lease.js';
import type { Logger } from '../logger.js';

/** One job of the loop: the CDR import, the recordings index, retention. */
export type RecordsJob = { name: string; run(): Promise<unknown>; reset?(): void };

export type RecordsWorkerDeps = {
  lease: Lease;
  log: Logger;
  jobs: RecordsJob[];
  /** Folders whose changes wake the loop at once (the CDR folder, the monitor spool). */
  watchDirs: string[];
  pollMs?: number;
};

/**
 * The loop that imports call records and indexes recordings, on the one
 * instance that holds the lease (D7): it runs while the lease is held and
 * stops when it is lost (the next holder goes on from the durable cursor).
 * It wakes on a change in the watched folders (fs.watch, where the file
 * system reports them) and polls anyway. A job's failure (the database
 * away, a file unreadable) is logged and tried again on the next round;
 * nothing leaves the loop.
 */
export class RecordsWorker {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private next: Promise<void> | null = null;
  private active = false;
  private watchers = new Map<string, FSWatcher>();
  private failures = new Map<string, string>();
  private readonly pollMs: number;
  private readonly onAcquired = () => this.begin();
  private readonly onLost = () => void this.end();

  constructor(private readonly deps: RecordsWorkerDeps) {
    this.pollMs = deps.pollMs ?? 1000;
  }

  start(): void {
    this.deps.lease.on('acquired', this.onAcquired);
    this.deps.lease.on('lost', this.onLost);
    if (this.deps.lease.held()) this.begin();
  }

  async stop(): Promise<void> {
    this.deps.lease.off('acquired', this.onAcquired);
    this.deps.lease.off('lost', this.onLost);
    await this.end();
  }

  /** Runs a round now, or right after the one under way; resolves when a round that began after the call has ended. */
  wake(): Promise<void> {
    if (!this.active) return Promise.resolve();
    if (this.running) {
      this.next ??= this.running.then(() => {
        this.next = null;
        return this.wake();
      });
      return this.next;
    }
    this.running = this.round().finally(() => (this.running = null));
    return this.running;
  }

  private begin(): void {
    if (this.active) return;
    this.active = true;
    for (const job of this.deps.jobs) job.reset?.();
    this.schedule(0);
  }

  private async end(): Promise<void> {
    this.active = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
    await this.running;
  }

  private schedule(ms: number): void {
    if (!this.active) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.wake().finally(() => this.schedule(this.pollMs));
    }, ms);
  }

  private async round(): Promise<void> {
    this.watchFolders();
    for (const job of this.deps.jobs) {
      if (!this.active) return;
      try {
        await job.run();
        if (this.failures.delete(job.name)) this.deps.log.info({ job: job.name }, 'call records: working again');
      } catch (error) {
        // Logged once per kind of failure, not every second while it lasts.
        const message = error instanceof Error ? error.message : String(error);
        if (this.failures.get(job.name) !== message) this.deps.log.error({ err: error, job: job.name }, 'call records: a round failed; trying again');
        this.failures.set(job.name, message);
      }
    }
  }

  /** Watches each folder that exists and is not watched yet (a folder made later is picked up then). */
  private watchFolders(): void {
    for (const dir of this.deps.watchDirs) {
      if (this.watchers.has(dir)) continue;
      try {
        const watcher = watch(dir, { persistent: false }, () => void this.wake());
        watcher.on('error', () => {
          watcher.close();
          this.watchers.delete(dir);
        });
        this.watchers.set(dir, watcher);
      } catch {
        // Not there yet, or no inotify: the poll covers it.
      }
    }
  }
}
