import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nthCall, openRecordsWorld } from './support.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const child = path.join(root, 'test/records/child/ingest.ts');

type World = Awaited<ReturnType<typeof openRecordsWorld>>;
const started: ChildProcess[] = [];

type Importer = { proc: ChildProcess; ready: Promise<void>; exited: Promise<number | null>; stored(n: number): Promise<void> };

function startImporter(world: World, file: string, exitWhenDone: boolean): Importer {
  // Node itself with tsx's loader (the tsx command would run it in a grandchild that a kill would not reach).
  const proc = spawn(process.execPath, ['--import', 'tsx', child], {
    cwd: root,
    env: { ...process.env, DATA_DIR: world.dir, DATABASE_URL: world.databaseUrl, CDR_FILE: file, EXIT_WHEN_DONE: exitWhenDone ? '1' : '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  started.push(proc);
  let output = '';
  const waiting: { n: number; resolve(): void }[] = [];
  proc.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    const stored = output.split('stored\n').length - 1;
    for (const w of waiting.filter((w) => stored >= w.n)) w.resolve();
  });
  const ready = new Promise<void>((resolve) => proc.stdout.on('data', () => output.includes('ready') && resolve()));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return { proc, ready, exited, stored: (n) => new Promise<void>((resolve) => waiting.push({ n, resolve })) };
}

describe('the CDR import killed (SIGKILL) again and again while Asterisk keeps writing', () => {
  let world: World;
  beforeAll(async () => {
    world = await openRecordsWorld();
  });
  afterAll(async () => {
    for (const proc of started) if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    await world.close();
  });

  it('ends with every record once', async () => {
    mkdirSync(path.join(world.dir, 'cdr-custom'));
    const file = path.join(world.dir, 'cdr-custom', 'pbx-cdr.json');
    let written = 0;
    const write = (n: number) => {
      for (let i = 0; i < n; i++) appendFileSync(file, nthCall(written++) + '\n');
    };
    write(120);
    for (let round = 0; round < 5; round++) {
      const importer = startImporter(world, file, false);
      await importer.ready;
      // Asterisk goes on writing, a record at a time and one of them in two pieces, while the importer works.
      write(10);
      const half = nthCall(written++);
      appendFileSync(file, half.slice(0, 40));
      appendFileSync(file, half.slice(40) + '\n');
      // Killed as a transaction is about to commit, after a different number of records each round.
      await importer.stored(7 + round * 5);
      importer.proc.kill('SIGKILL');
      await importer.exited;
    }
    const before = await world.prisma.callRecord.count();
    expect(before, 'the kills fell while records were still to import').toBeLessThan(written);
    const last = startImporter(world, file, true);
    expect(await last.exited).toBe(0);
    const rows = await world.prisma.callRecord.findMany({ select: { sequence: true } });
    expect(rows).toHaveLength(written);
    expect(new Set(rows.map((r) => r.sequence)).size).toBe(written);
  }, 120_000);
});
