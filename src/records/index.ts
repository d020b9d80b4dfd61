import path from 'node:path';
import type { Database } from '../db/client.js';
import type { EventBus } from '../events/bus.js';
import type { Lease } from '../jobs/lease.js';
import type { Logger } from '../logger.js';
import type { SettingsStore } from '../settings/store.js';
import type { WebhookOutbox } from '../webhooks/contract.js';
import { linkRecordings } from './call-summary.js';
import { cdrFileName, cdrFolder } from './cdr-fields.js';
import { CdrIngester } from './cdr-ingester.js';
import { pbxNames } from './names.js';
import { RecordingService } from './recordings.js';
import { RecordingsIndex } from './recordings-index.js';
import { Retention } from './retention.js';
import { RecordsWorker } from './worker.js';

export type RecordsDeps = {
  db: Database;
  bus: EventBus;
  lease: Lease;
  log: Logger;
  settings: SettingsStore;
  /** Asterisk's astlogdir and astspooldir. */
  logDir: string;
  spoolDir: string;
  tokenSecret: string;
  outbox?: WebhookOutbox;
  /** Whether this server is pointed at an Asterisk (ARI_URL). */
  asteriskConfigured?: boolean;
  pollMs?: number;
};

/**
 * Call records (F-5.2) and call recordings (F-5.1.1, F-5.1.3): the import of
 * the CDR file Asterisk writes, the index of its monitor spool and the
 * retention, on one loop that runs on the lease holder; and the recordings'
 * downloads and deletion, on every instance.
 */
export class Records {
  readonly ingester: CdrIngester;
  readonly index: RecordingsIndex;
  readonly retention: Retention;
  readonly worker: RecordsWorker;
  readonly recordings: RecordingService;
  readonly cdrFile: string;
  readonly monitorDir: string;

  constructor(deps: RecordsDeps) {
    const prisma = deps.db.prisma;
    const names = pbxNames(prisma);
    this.cdrFile = path.join(deps.logDir, cdrFolder, cdrFileName);
    this.monitorDir = path.join(deps.spoolDir, 'monitor');
    this.ingester = new CdrIngester({
      prisma,
      bus: deps.bus,
      log: deps.log,
      file: this.cdrFile,
      names,
      outbox: deps.outbox,
      asteriskConfigured: deps.asteriskConfigured,
      onStored: (tx, rows) => linkRecordings(tx, { linkedids: [...new Set(rows.map((r) => r.linkedid))], uniqueids: rows.map((r) => r.uniqueid) }).then(() => undefined),
    });
    this.index = new RecordingsIndex({ prisma, log: deps.log, monitorDir: this.monitorDir, names });
    this.retention = new Retention({ prisma, settings: deps.settings, log: deps.log, monitorDir: this.monitorDir });
    this.worker = new RecordsWorker({
      lease: deps.lease,
      log: deps.log,
      pollMs: deps.pollMs,
      // The CDR folder wakes the loop at once; the monitor spool, written to with every packet of a recording, is polled.
      watchDirs: [path.dirname(this.cdrFile)],
      jobs: [
        { name: 'cdr import', run: () => this.ingester.runOnce() },
        { name: 'recordings index', run: () => this.index.scan(), reset: () => this.index.reset() },
        { name: 'retention', run: () => this.retention.maybePrune() },
      ],
    });
    this.recordings = new RecordingService({ prisma, log: deps.log, monitorDir: this.monitorDir, tokenSecret: deps.tokenSecret });
  }

  /** Follows the lease: the loop runs while this instance holds it. */
  start(): void {
    this.worker.start();
  }

  stop(): Promise<void> {
    return this.worker.stop();
  }
}
