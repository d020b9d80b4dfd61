import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient as SqliteClient } from '../generated/prisma-sqlite/index.js';
import { PrismaClient as PostgresClient } from '../generated/prisma-postgres/index.js';
import type { Config } from '../config.js';
import { makeDatabaseFilePrivate } from './private-file.js';
import { installQueryPlanCache } from './query-plan-cache.js';

/**
 * Both generated clients come from the same models, so the rest of the code
 * uses the SQLite client's types for either provider.
 */
export type PrismaClient = SqliteClient;
export type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];
export type Provider = 'sqlite' | 'postgres';

export type Database = {
  prisma: PrismaClient;
  provider: Provider;
  /** SQL statements sent since start, for benchmarks and N+1 checks. */
  queryCount(): number;
  close(): Promise<void>;
};

export function openDatabase(database: Config['database']): Database {
  let prisma: PrismaClient;
  const log = [{ emit: 'event' as const, level: 'query' as const }];
  // Prisma's default message for a failed query renders the whole call as a code frame: costly, and
  // tens of kilobytes in the log for one error. The code and meta of an error stay the same.
  const errorFormat = 'minimal' as const;
  installQueryPlanCache(database.provider);
  if (database.provider === 'sqlite') {
    makeDatabaseFilePrivate(database.file);
    prisma = new SqliteClient({ adapter: withSqliteLimits(new PrismaBetterSQLite3({ url: database.url, timeout: 10_000 })), log, errorFormat });
  } else {
    const client = new PostgresClient({ adapter: new PrismaPg({ connectionString: database.url }), log, errorFormat });
    prisma = client as unknown as PrismaClient;
  }
  let queries = 0;
  (prisma as unknown as { $on(event: 'query', cb: () => void): void }).$on('query', () => {
    queries += 1;
  });
  return {
    prisma,
    provider: database.provider,
    queryCount: () => queries,
    close: () => prisma.$disconnect(),
  };
}

/**
 * The better-sqlite3 adapter reports no connection limits, so Prisma assumes
 * SQLite's historical 999 bound parameters and refuses larger statements. The
 * SQLite that better-sqlite3 bundles allows 32,766 (SQLITE_MAX_VARIABLE_NUMBER).
 */
function withSqliteLimits(factory: PrismaBetterSQLite3): PrismaBetterSQLite3 {
  const connect = factory.connect.bind(factory);
  factory.connect = async () => {
    const adapter = await connect();
    return Object.assign(adapter, { getConnectionInfo: () => ({ maxBindValues: 32766, supportsRelationJoins: false }) });
  };
  return factory;
}

/** Interactive transactions get room for batch work (imports of thousands of rows). */
export const LONG_TRANSACTION = { timeout: 120_000, maxWait: 30_000 } as const;
