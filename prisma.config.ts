// Used only by the Prisma CLI at development time (generate, migrate diff);
// no database is opened. The server applies the committed SQL migrations
// itself (src/db/migrate.ts). PBX_PRISMA_PROVIDER picks the SQL dialect.
import path from 'node:path';
import type { PrismaConfig } from 'prisma';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
// adapter-pg 6.19 cannot read the catalog types the schema engine asks for (prisma#27403); 7.x can.
import { PrismaPg } from 'adapter-pg-cli';

export default {
  engine: 'js',
  experimental: { adapter: true },
  schema: path.join('schema', 'prisma', 'schema.prisma'),
  async adapter() {
    if (process.env.PBX_PRISMA_PROVIDER === 'postgres') {
      return new PrismaPg({ connectionString: process.env.PBX_DEV_POSTGRES_URL ?? 'postgresql://pbx:pbx@127.0.0.1:5432/postgres' });
    }
    return new PrismaBetterSQLite3({ url: 'file::memory:' });
  },
} satisfies PrismaConfig;
