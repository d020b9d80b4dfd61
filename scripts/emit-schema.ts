// Writes schema/schema.graphql from the Pothos schema. A test fails when the committed file is stale.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { printSchema, lexicographicSortSchema } from 'graphql';
import { projectRoot } from '../src/paths.js';
import { schema } from '../src/resolvers/schema.js';

export function schemaText(): string {
  return `# Generated from the Pothos schema by \`npm run schema:emit\`. Do not edit.\n\n${printSchema(lexicographicSortSchema(schema))}\n`;
}

if (process.argv[1]?.endsWith('emit-schema.ts')) {
  writeFileSync(join(projectRoot, 'schema/schema.graphql'), schemaText());
  console.log('wrote schema/schema.graphql');
}
