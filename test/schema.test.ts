import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { schemaText } from '../scripts/emit-schema.js';
import { projectRoot } from '../src/paths.js';

describe('schema/schema.graphql', () => {
  it('is the schema the server serves (run `npm run schema:emit` after changing it)', () => {
    const committed = readFileSync(join(projectRoot, 'schema/schema.graphql'), 'utf8');
    expect(committed).toBe(schemaText());
  });
});
