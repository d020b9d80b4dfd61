// Writes the next migration for both providers: the SQL that takes the
// datamodel of the last migration (schema/migrations/datamodel.prisma) to the
// current one. Usage: npm run migrations:new -- <name>
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSchemaFor } from './prisma-generate.mjs';

const root = join(fileURLToPath(import.meta.url), '../..');
const name = (process.argv[2] ?? '').replace(/[^a-z0-9_]/gi, '_');
if (!name) throw new Error('usage: npm run migrations:new -- <name>');
const previous = join(root, 'schema/migrations/datamodel.prisma');
const current = join(root, 'schema/prisma/schema.prisma');

for (const provider of ['sqlite', 'postgres']) {
  const dir = join(root, 'schema/migrations', provider);
  const next = String(readdirSync(dir).filter((f) => f.endsWith('.sql')).length + 1).padStart(4, '0');
  const to = writeSchemaFor(provider);
  let fromArgs = ['--from-empty'];
  if (existsSync(previous)) {
    const fromCopy = join(root, 'node_modules/.pbx-prisma', `previous-${provider}.prisma`);
    writeFileSync(fromCopy, readFileSyncProvider(previous, provider));
    fromArgs = ['--from-schema-datamodel', fromCopy];
  }
  const sql = execFileSync(join(root, 'node_modules/.bin/prisma'), ['migrate', 'diff', ...fromArgs, '--to-schema-datamodel', to, '--script'], {
    env: { ...process.env, PBX_PRISMA_PROVIDER: provider, DATABASE_URL: 'file:./unused.db' },
    encoding: 'utf8',
  });
  writeFileSync(join(dir, `${next}_${name}.sql`), sql);
  console.log(`wrote schema/migrations/${provider}/${next}_${name}.sql`);
}
copyFileSync(current, previous);

function readFileSyncProvider(file, provider) {
  const text = execFileSync('cat', [file], { encoding: 'utf8' });
  return provider === 'sqlite' ? text : text.replace('provider = "sqlite"', 'provider = "postgresql"');
}
