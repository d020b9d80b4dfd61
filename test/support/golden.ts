import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { expect } from 'vitest';

/**
 * Compares rendered files with the golden files under `dir/fixture`. Only
 * UPDATE_GOLDEN=1 writes them; a missing golden file fails, so a test can
 * never pass by writing the answer it then compares with.
 */
export function expectGolden(dir: string, fixture: string, files: Map<string, string>): void {
  for (const [name, text] of files) {
    const path = join(dir, fixture, name);
    if (process.env.UPDATE_GOLDEN === '1') {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
    }
    if (!existsSync(path)) throw new Error(`golden file ${fixture}/${name} is missing (UPDATE_GOLDEN=1 writes it)`);
    expect(text, `${fixture}/${name}`).toBe(readFileSync(path, 'utf8'));
  }
}
