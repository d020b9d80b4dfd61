import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync, appendFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Lease } from '../../src/jobs/lease.js';
import { Records } from '../../src/records/index.js';
import { Retention } from '../../src/records/retention.js';
import { RecordsWorker } from '../../src/records/worker.js';
import { SettingsStore } from '../../src/settings/store.js';
import { until } from '../support/subscriptions.js';
import { nthCall, openRecordsWorld, wavBytes } from './support.js';

type World = Awaited<ReturnType<typeof openRecordsWorld>>;
const DAY = 86_400_000;

/** A lease this test hands out and takes back. */
class TestLease extends EventEmitter {
  private isHeld = false;
  held() {
    return this.isHeld;
  }
  set(held: boolean) {
    this.isHeld = held;
    this.emit(held ? 'acquired' : 'lost');
  }
}

describe('retention', () => {
  let world: World;
  let monitor: string;
  let retention: Retention;
  const settings = new SettingsStore();
  const setDays = async (retentionDays: number) => world.prisma.$transaction((tx) => settings.write(tx, 'callRecords', { retentionDays }));

  beforeEach(async () => {
    world = await openRecordsWorld();
    monitor = path.join(world.dir, 'monitor');
    mkdirSync(monitor);
    retention = new Retention({ prisma: world.prisma, settings, log: world.log, monitorDir: monitor });
  });
  afterEach(() => world.close());

  async function seed(now: number) {
    for (const [i, age] of [40, 31, 29, 1].entries()) {
      const at = new Date(now - age * DAY);
      await world.prisma.callRecord.create({
        data: {
          uniqueid: `u${i}`,
          sequence: i,
          linkedid: `l${i}`,
          startedAt: at,
          endedAt: at,
          durationSeconds: 1,
          talkSeconds: 1,
          caller: '100',
          callee: '101',
          direction: 'INTERNAL',
          disposition: 'ANSWERED',
        },
      });
      const file = `call-x-100-101-l${i}-u${i}.wav`;
      writeFileSync(path.join(monitor, file), wavBytes(0.1));
      await world.prisma.recording.create({ data: { file, kind: 'CALL', linkedid: `l${i}`, uniqueid: `u${i}`, startedAt: at, sizeBytes: 1 } });
    }
  }

  it('keeps everything by default (0 days)', async () => {
    const now = Date.now();
    await seed(now);
    expect(await retention.prune(now)).toBeNull();
    expect(await world.prisma.callRecord.count()).toBe(4);
  });

  it('deletes records and recordings (their files too) older than the setting, once a day', async () => {
    const now = Date.now();
    await seed(now);
    await setDays(30);
    expect(await retention.maybePrune(now)).toEqual({ records: 2, recordings: 2 });
    expect((await world.prisma.callRecord.findMany({ orderBy: { uniqueid: 'asc' } })).map((r) => r.uniqueid)).toEqual(['u2', 'u3']);
    expect((await world.prisma.recording.findMany({ orderBy: { uniqueid: 'asc' } })).map((r) => r.uniqueid)).toEqual(['u2', 'u3']);
    expect(existsSync(path.join(monitor, 'call-x-100-101-l0-u0.wav'))).toBe(false);
    expect(existsSync(path.join(monitor, 'call-x-100-101-l2-u2.wav'))).toBe(true);
    // Within the day: not again; a day later the next ones are due.
    expect(await retention.maybePrune(now + DAY / 2)).toBeNull();
    expect(await retention.maybePrune(now + 2 * DAY)).toEqual({ records: 1, recordings: 1 });
  });
});

describe('the records loop runs on the lease holder, and never stops on a failure', () => {
  let world: World;
  let lease: TestLease;
  let records: Records;

  beforeEach(async () => {
    world = await openRecordsWorld();
    lease = new TestLease();
    records = new Records({
      db: world.db,
      bus: world.bus,
      lease: lease as unknown as Lease,
      log: world.log,
      settings: new SettingsStore(),
      logDir: path.join(world.dir, 'log'),
      spoolDir: path.join(world.dir, 'spool'),
      tokenSecret: 'x'.repeat(32),
      pollMs: 100,
    });
    mkdirSync(path.dirname(records.cdrFile), { recursive: true });
    mkdirSync(records.monitorDir, { recursive: true });
  });
  afterEach(async () => {
    await records.stop();
    await world.close();
  });

  it('imports and indexes only while it holds the lease; the next holder goes on where it stopped', async () => {
    records.start();
    writeFileSync(records.cdrFile, `${nthCall(0)}\n`);
    await new Promise((r) => setTimeout(r, 400));
    expect(await world.prisma.callRecord.count()).toBe(0);
    lease.set(true);
    await until(async () => (await world.prisma.callRecord.count()) === 1, 5000, 'the record imported once the lease is held');
    appendFileSync(records.cdrFile, `${nthCall(1)}\n`);
    writeFileSync(path.join(records.monitorDir, 'call-20261126T070655-100-101-1795676815.1-1795676815.1.wav'), wavBytes(1));
    // The index writes a new file's row, then gives it its call's fields: wait for both.
    await until(async () => (await world.prisma.callRecord.count()) === 2 && (await world.prisma.recording.findFirst())?.direction === 'INTERNAL', 5000, 'the new record and the linked recording');
    expect(await world.prisma.recording.count()).toBe(1);
    lease.set(false);
    await new Promise((r) => setTimeout(r, 200));
    appendFileSync(records.cdrFile, `${nthCall(2)}\n`);
    await new Promise((r) => setTimeout(r, 400));
    expect(await world.prisma.callRecord.count()).toBe(2);
    lease.set(true);
    await until(async () => (await world.prisma.callRecord.count()) === 3, 5000, 'the record written while another instance held the lease');
  });

  it('a job that fails (the database away a moment) is tried again on the next round, and the others still run', async () => {
    let failures = 2;
    let runs = 0;
    const worker = new RecordsWorker({
      lease: lease as unknown as Lease,
      log: world.log,
      pollMs: 50,
      watchDirs: [],
      jobs: [
        {
          name: 'flaky',
          run: async () => {
            if (failures-- > 0) throw new Error('database is locked');
          },
        },
        { name: 'steady', run: async () => void (runs += 1) },
      ],
    });
    lease.set(true);
    worker.start();
    try {
      await until(() => failures < 0 && runs >= 3, 5000, 'rounds after the failures');
    } finally {
      await worker.stop();
    }
    const after = runs;
    await new Promise((r) => setTimeout(r, 200));
    expect(runs).toBe(after);
  });
});
