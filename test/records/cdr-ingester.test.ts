import { appendFileSync, copyFileSync, mkdirSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CdrIngester } from '../../src/records/cdr-ingester.js';
import type { CallRecordJson } from '../../src/records/contract.js';
import type { WebhookOutbox } from '../../src/webhooks/contract.js';
import { cdrLine, nthCall, openRecordsWorld } from './support.js';

type World = Awaited<ReturnType<typeof openRecordsWorld>>;
const names = async () => ({ extensions: new Set(['100', '101']), trunks: new Set(['provider']) });

/** An outbox that writes its events into the transaction it is given, and can be made to fail at its n-th event (a crash mid-batch). */
function testOutbox(failAt = 0): WebhookOutbox & { calls: number } {
  const outbox = {
    calls: 0,
    async enqueue(tx: Parameters<WebhookOutbox['enqueue']>[0], event: Parameters<WebhookOutbox['enqueue']>[1]) {
      outbox.calls += 1;
      if (failAt && outbox.calls === failAt) throw new Error('the process died here');
      await tx.webhookEvent.create({ data: { id: event.idempotencyKey, type: event.type, payload: JSON.stringify(event.data), idempotencyKey: event.idempotencyKey } });
    },
  };
  return outbox;
}

describe('the CDR import: nothing lost, nothing doubled', () => {
  let world: World;
  let file: string;
  const ingester = (options: Partial<ConstructorParameters<typeof CdrIngester>[0]> = {}) =>
    new CdrIngester({ prisma: world.prisma, bus: world.bus, log: world.log, file, names, outbox: testOutbox(), batchLines: 2, ...options });
  const stored = async () => (await world.prisma.callRecord.findMany({ orderBy: { sequence: 'asc' } })).map((r) => r.sequence);
  const cursor = () => world.prisma.ingestCursor.findFirst();

  beforeEach(async () => {
    world = await openRecordsWorld();
    mkdirSync(path.join(world.dir, 'cdr-custom'));
    file = path.join(world.dir, 'cdr-custom', 'pbx-cdr.json');
  });
  afterEach(() => world.close());

  it('imports complete lines; a last line without its newline waits until it is complete', async () => {
    const complete = `${nthCall(0)}\n${nthCall(1)}\n`;
    const partial = nthCall(2);
    writeFileSync(file, complete + partial.slice(0, 50));
    const events = world.bus.subscribe('callRecord');
    expect(await ingester().runOnce()).toBe(2);
    expect(await stored()).toEqual([0, 1]);
    expect(Number((await cursor())!.offset)).toBe(Buffer.byteLength(complete));
    appendFileSync(file, partial.slice(50));
    expect(await ingester().runOnce()).toBe(0);
    appendFileSync(file, '\n');
    expect(await ingester().runOnce()).toBe(1);
    expect(await stored()).toEqual([0, 1, 2]);
    // Each record is published once, after its transaction.
    const seen: CallRecordJson[] = [];
    for (let i = 0; i < 3; i++) seen.push((await events.next()).value as CallRecordJson);
    expect(seen.map((r) => r.uniqueid)).toEqual(['1795676755.0', '1795676815.1', '1795676875.2']);
    expect(seen[0]).toMatchObject({ caller: '100', callee: '101', direction: 'INTERNAL', disposition: 'ANSWERED', talkSeconds: 2 });
    expect(events.pending()).toBe(0);
    await events.return?.();
  });

  it('a crash in the middle of a batch loses nothing: the batch is read again after the restart, and no record or webhook event is doubled', async () => {
    writeFileSync(file, Array.from({ length: 9 }, (_, i) => nthCall(i) + '\n').join(''));
    // The 5th record's event fails inside the third transaction: records 4 and 5 and the cursor roll back together.
    await expect(ingester({ outbox: testOutbox(5) }).runOnce()).rejects.toThrow('the process died here');
    expect(await stored()).toEqual([0, 1, 2, 3]);
    expect(await world.prisma.webhookEvent.count()).toBe(4);
    const restarted = ingester();
    expect(await restarted.runOnce()).toBe(5);
    expect(await stored()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect((await world.prisma.webhookEvent.findMany()).map((e) => e.idempotencyKey).sort()).toEqual(Array.from({ length: 9 }, (_, i) => `callRecord.created:${1795676755 + i * 60}.${i}:${i}`).sort());
  });

  it('the same file read twice (the cursor lost, or the file replaced by a copy of itself) stores each record once', async () => {
    writeFileSync(file, Array.from({ length: 5 }, (_, i) => nthCall(i) + '\n').join(''));
    expect(await ingester().runOnce()).toBe(5);
    await world.prisma.ingestCursor.deleteMany();
    expect(await ingester().runOnce()).toBe(0);
    // A copy under the same name is another file (another inode): read from its start, nothing new in it.
    copyFileSync(file, `${file}.copy`);
    renameSync(`${file}.copy`, file);
    expect(await ingester().runOnce()).toBe(0);
    appendFileSync(file, nthCall(5) + '\n');
    expect(await ingester().runOnce()).toBe(1);
    expect(await stored()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(await world.prisma.webhookEvent.count()).toBe(6);
  });

  it('a rotated file is finished where it went before the new file is read from its start', async () => {
    writeFileSync(file, [0, 1, 2].map((i) => nthCall(i) + '\n').join(''));
    expect(await ingester().runOnce()).toBe(3);
    // Asterisk appends two more, then the file is rotated (renamed) and Asterisk starts a new one.
    appendFileSync(file, [3, 4].map((i) => nthCall(i) + '\n').join(''));
    renameSync(file, `${file}.1`);
    writeFileSync(file, [5, 6].map((i) => nthCall(i) + '\n').join(''));
    expect(await ingester().runOnce()).toBe(4);
    expect(await stored()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(Number((await cursor())!.offset)).toBe(Buffer.byteLength([5, 6].map((i) => nthCall(i) + '\n').join('')));
  });

  it('a file cut shorter, or rewritten in place past the position, is read again from its start', async () => {
    writeFileSync(file, [0, 1, 2].map((i) => nthCall(i) + '\n').join(''));
    expect(await ingester().runOnce()).toBe(3);
    truncateSync(file, 0);
    appendFileSync(file, nthCall(3) + '\n');
    expect(await ingester().runOnce()).toBe(1);
    // Same inode, emptied and refilled beyond the old position with other lines: the position is inside a line now.
    truncateSync(file, 0);
    appendFileSync(file, `${nthCall(4, { clid: '"A much longer caller name than before" <100>' })}\n${nthCall(5)}\n${nthCall(3)}\n`);
    expect(await ingester().runOnce()).toBe(2);
    expect(await stored()).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('a line that is no record is passed over; a record written after an incomplete line (Asterisk died mid-line) is kept', async () => {
    writeFileSync(file, `${nthCall(0)}\nnot a record\n${nthCall(1).slice(0, 60)}${nthCall(2)}\n${cdrLine({ uniqueid: '' })}\n${nthCall(3)}\n`);
    expect(await ingester().runOnce()).toBe(3);
    expect(await stored()).toEqual([0, 2, 3]);
  });

  it("a failed dial is one record: the caller's channel after it (Busy(), unanswered, nobody called) is left out; a call that dialled nobody is kept", async () => {
    const busy = (n: number) => nthCall(n, { dst: 's', disposition: 'BUSY', answer: 0, billsec: 0, pbx_dialled: '101' });
    const tail = (n: number, of: number) =>
      nthCall(n, {
        uniqueid: `${1795676755 + of * 60}.${of}`,
        linkedid: `${1795676755 + of * 60}.${of}`,
        dst: 's',
        dstchannel: '',
        lastapp: 'Busy',
        lastdata: '5',
        disposition: 'BUSY',
        answer: 0,
        billsec: 0,
        pbx_dialled: '101',
      });
    const nobody = nthCall(9, { dst: '101', dstchannel: '', lastapp: 'Hangup', lastdata: '', disposition: 'NO ANSWER', answer: 0, billsec: 0 });
    // In one batch, and across two (the tail read after its dial's record was stored).
    writeFileSync(file, `${busy(0)}\n${tail(1, 0)}\n${busy(2)}\n`);
    expect(await ingester({ batchLines: 10 }).runOnce()).toBe(2);
    appendFileSync(file, `${tail(3, 2)}\n${nobody}\n`);
    expect(await ingester({ batchLines: 1 }).runOnce()).toBe(1);
    const rows = await world.prisma.callRecord.findMany({ orderBy: { sequence: 'asc' } });
    expect(rows.map((r) => [r.sequence, r.disposition, r.callee])).toEqual([
      [0, 'BUSY', '101'],
      [2, 'BUSY', '101'],
      [9, 'NO_ANSWER', '101'],
    ]);
    // Read again: the same decision.
    await world.prisma.ingestCursor.deleteMany();
    expect(await ingester().runOnce()).toBe(0);
  });

  it('no file yet, or no folder: nothing to do, and no error', async () => {
    expect(await ingester().runOnce()).toBe(0);
    expect(await ingester({ file: path.join(world.dir, 'nowhere', 'pbx-cdr.json') }).runOnce()).toBe(0);
  });
});
