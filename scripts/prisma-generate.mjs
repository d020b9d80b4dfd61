// Generates the two Prisma clients (SQLite and PostgreSQL) from the one model
// file, schema/prisma/schema.prisma. Only the datasource provider differs, so
// the PostgreSQL copy is derived from the SQLite source at generate time.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'schema/prisma/schema.prisma');
const buildDir = join(root, 'node_modules/.pbx-prisma');
mkdirSync(buildDir, { recursive: true });

export function schemaFor(provider) {
  const text = readFileSync(source, 'utf8');
  if (provider === 'sqlite') return text;
  return (
    text
      .replace('provider = "sqlite"', 'provider = "postgresql"')
      .replace('../../src/generated/prisma-sqlite', '../../src/generated/prisma-postgres')
      // Pothos types come from the SQLite client only: the models are the same.
      .replace(/generator pothos \{[^}]*\}\n/, '')
  );
}

export function writeSchemaFor(provider) {
  // The derived schema must sit two levels below the root so relative outputs resolve the same.
  const dir = join(root, 'node_modules/.pbx-prisma', provider, 'x');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'schema.prisma');
  const text = schemaFor(provider).replaceAll('../../src/', '../../../../src/');
  writeFileSync(file, text);
  return file;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const provider of ['sqlite', 'postgres']) {
    const file = provider === 'sqlite' ? source : writeSchemaFor(provider);
    execFileSync(join(root, 'node_modules/.bin/prisma'), ['generate', '--schema', file], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: {
        ...process.env,
        // The CLI reads the engine type from the schema, which needs a URL to parse;
        // no database is opened by generate.
        DATABASE_URL: provider === 'sqlite' ? 'file:./unused.db' : 'postgresql://unused@localhost/unused',
        PATH: `${join(root, 'node_modules/.bin')}:${process.env.PATH}`,
        PRISMA_HIDE_UPDATE_MESSAGE: '1',
        CHECKPOINT_DISABLE: '1',
      },
    });
  }
}
