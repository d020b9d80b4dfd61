// A process that only imports the CDR file (what the server's loop does), for the test that kills it: DATABASE_URL, CDR_FILE.
import { loadConfig } from '../../../src/config.js';
import { openDatabase } from '../../../src/db/client.js';
import { createEventBus } from '../../../src/events/bus.js';
import { createLogger } from '../../../src/logger.js';
import { CdrIngester } from '../../../src/records/cdr-ingester.js';

const config = loadConfig({ DATA_DIR: process.env.DATA_DIR!, DATABASE_URL: process.env.DATABASE_URL! });
const db = openDatabase(config.database);
const ingester = new CdrIngester({
  prisma: db.prisma,
  bus: createEventBus(),
  log: createLogger('silent'),
  file: process.env.CDR_FILE!,
  names: async () => ({ extensions: new Set(['100', '101']), trunks: new Set() }),
  // One line per transaction: as many commit points as there can be, for the kill to fall between or inside.
  batchLines: 1,
  // Said inside the transaction, just before its commit: a kill on hearing it falls around the commit.
  onStored: async () => void process.stdout.write('stored\n'),
});
process.stdout.write('ready\n');
for (;;) {
  // As the server's loop does: a failed round is tried again.
  const stored = await ingester.runOnce().catch(() => -1);
  if (stored === 0 && process.env.EXIT_WHEN_DONE === '1') break;
}
await db.close();
process.stdout.write('done\n');
