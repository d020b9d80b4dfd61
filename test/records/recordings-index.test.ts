import { appendFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CdrIngester } from '../../src/records/cdr-ingester.js';
import { linkRecordings } from '../../src/records/call-summary.js';
import { onDemandRecordingFile } from '../../src/records/contract.js';
import { parseRecordingName, wavLayout } from '../../src/records/recording-files.js';
import { RecordingsIndex } from '../../src/records/recordings-index.js';
import { nthCall, openRecordsWorld, wavBytes } from './support.js';

type World = Awaited<ReturnType<typeof openRecordsWorld>>;
const names = async () => ({ extensions: new Set(['100', '101']), trunks: new Set(['provider']) });
const MINUTE = 60_000;

describe('recording file names', () => {
  it('an automatic recording names its time (UTC), caller, callee, call and channel', () => {
    expect(parseRecordingName('call-20261126T070555-100-101-1795676755.0-1795676755.1.wav')).toEqual({
      kind: 'CALL',
      startedAt: new Date('2026-11-26T07:05:55Z'),
      caller: '100',
      callee: '101',
      linkedid: '1795676755.0',
      uniqueid: '1795676755.1',
    });
    // A caller without a caller ID leaves its part empty.
    expect(parseRecordingName('call-20261126T070555--101-1.2-1.3.wav')).toMatchObject({ caller: '', callee: '101', linkedid: '1.2' });
  });

  it('a one-touch recording: the form call control writes (onDemandRecordingFile) and the one Asterisk makes from TOUCH_MIXMONITOR', () => {
    const at = new Date('2026-11-26T07:06:00Z');
    expect(parseRecordingName(onDemandRecordingFile('1795676755.0', 'abc-123/x', at))).toEqual({
      kind: 'ON_DEMAND',
      startedAt: at,
      linkedid: '1795676755.0',
      uniqueid: 'abc_123_x',
      caller: '',
      callee: '',
    });
    expect(parseRecordingName('ondemand-1795676760-1795676755.0-1795676755.1.wav')).toMatchObject({ kind: 'ON_DEMAND', startedAt: new Date(1795676760_000), linkedid: '1795676755.0' });
    expect(parseRecordingName('auto-1795676760-100-101.wav')).toMatchObject({ kind: 'ON_DEMAND', linkedid: '' });
  });

  it('the earlier automatic form (local time, no call) and any other file', () => {
    expect(parseRecordingName('20261126-070555-100-101-1795676755.0.wav')).toEqual({
      kind: 'CALL',
      startedAt: new Date(2026, 10, 26, 7, 5, 55),
      caller: '100',
      callee: '101',
      linkedid: '',
      uniqueid: '1795676755.0',
    });
    expect(parseRecordingName('something.wav')).toEqual({ kind: 'CALL', startedAt: null, linkedid: '', uniqueid: '', caller: '', callee: '' });
  });

  it("a WAV's rate from its header; not a WAV: none", () => {
    expect(wavLayout(wavBytes(1))).toEqual({ byteRate: 16000, dataStart: 44 });
    expect(wavLayout(Buffer.from('not a wav at all, no'))).toBeNull();
  });
});

describe('the recordings index follows the monitor spool', () => {
  let world: World;
  let monitor: string;
  let index: RecordingsIndex;
  const rows = () => world.prisma.recording.findMany({ orderBy: { file: 'asc' } });

  beforeEach(async () => {
    world = await openRecordsWorld();
    monitor = path.join(world.dir, 'spool', 'monitor');
    mkdirSync(monitor, { recursive: true });
    index = new RecordingsIndex({ prisma: world.prisma, log: world.log, monitorDir: monitor, names });
  });
  afterEach(() => world.close());

  it('indexes new files with what their names say and their length; a file still being written grows; a deleted file goes', async () => {
    const call = 'call-20261126T070555-100-101-1795676755.0-1795676755.0.wav';
    writeFileSync(path.join(monitor, call), wavBytes(2));
    writeFileSync(path.join(monitor, 'ondemand-1795676760-1795676755.0-1795676755.1.wav'), wavBytes(1, true));
    writeFileSync(path.join(monitor, 'notes.txt'), 'not a recording');
    const now = Date.now();
    await index.scan(now);
    expect(await rows()).toMatchObject([
      { file: call, kind: 'CALL', linkedid: '1795676755.0', caller: '100', callee: '101', callerExtension: '100', calleeExtension: '101', durationSeconds: 2, sizeBytes: 44 + 32000, direction: '' },
      { file: 'ondemand-1795676760-1795676755.0-1795676755.1.wav', kind: 'ON_DEMAND', durationSeconds: 1, startedAt: new Date(1795676760_000) },
    ]);
    // MixMonitor goes on writing: the header still says nothing, the size tells (at most every few seconds).
    appendFileSync(path.join(monitor, 'ondemand-1795676760-1795676755.0-1795676755.1.wav'), Buffer.alloc(16000 * 3));
    await index.scan(now + 1000);
    expect((await rows())[1]).toMatchObject({ durationSeconds: 1 });
    await index.scan(now + 4000);
    expect((await rows())[1]).toMatchObject({ durationSeconds: 4, sizeBytes: 44 + 16000 * 4 });
    rmSync(path.join(monitor, call));
    await index.scan(now + 5000);
    expect((await rows()).map((r) => r.file)).toEqual(['ondemand-1795676760-1795676755.0-1795676755.1.wav']);
  });

  it('a spool that is not there leaves the index as it is; an index made by another instance is picked up, not doubled', async () => {
    writeFileSync(path.join(monitor, 'call-20261126T070555-100-101-1.1-1.1.wav'), wavBytes(1));
    await index.scan();
    rmSync(monitor, { recursive: true });
    await index.scan();
    expect(await rows()).toHaveLength(1);
    mkdirSync(monitor);
    writeFileSync(path.join(monitor, 'call-20261126T070555-100-101-1.1-1.1.wav'), wavBytes(1));
    const other = new RecordingsIndex({ prisma: world.prisma, log: world.log, monitorDir: monitor, names });
    await other.scan();
    expect(await rows()).toHaveLength(1);
  });

  it("a recording takes its call's fields whichever comes first: the record, or the file", async () => {
    const cdrDir = path.join(world.dir, 'cdr-custom');
    mkdirSync(cdrDir);
    const cdr = path.join(cdrDir, 'pbx-cdr.json');
    const ingester = new CdrIngester({
      prisma: world.prisma,
      bus: world.bus,
      log: world.log,
      file: cdr,
      names,
      onStored: (tx, stored) => linkRecordings(tx, { linkedids: stored.map((r) => r.linkedid), uniqueids: stored.map((r) => r.uniqueid) }).then(() => undefined),
    });
    // Call 1: recorded, the file indexed while the call goes on, then its record arrives.
    writeFileSync(path.join(monitor, 'call-20261126T070655-100-101-1795676815.1-1795676815.1.wav'), wavBytes(1));
    await index.scan();
    expect((await rows())[0]).toMatchObject({ direction: '', disposition: '' });
    writeFileSync(cdr, `${nthCall(1, { disposition: 'BUSY', billsec: 0 })}\n`);
    await ingester.runOnce();
    // Call 2: its record first, then the file (a one-touch recording of the callee's channel).
    appendFileSync(cdr, `${nthCall(2, { dstchannel: 'PJSIP/provider-0000000a', lastdata: 'PJSIP/5551234@provider,,T', dst: '95551234', accountcode: '4711' })}\n`);
    await ingester.runOnce();
    writeFileSync(path.join(monitor, 'ondemand-1795676880-1795676875.2-1795676875.9.wav'), wavBytes(1));
    await index.scan();
    expect(await rows()).toMatchObject([
      { linkedid: '1795676815.1', direction: 'INTERNAL', disposition: 'BUSY', finalCallee: '101', callerExtension: '100', calleeExtension: '101' },
      { linkedid: '1795676875.2', direction: 'OUTBOUND', disposition: 'ANSWERED', callee: '5551234', trunk: 'provider', pinCode: '4711', calleeExtension: null },
    ]);
  });

  it('a file not changed for minutes is looked at only by the periodic full scan (every ten minutes)', async () => {
    const file = path.join(monitor, 'call-20261126T070555-100-101-1.1-1.1.wav');
    writeFileSync(file, wavBytes(1));
    const start = Date.now();
    await index.scan(start);
    appendFileSync(file, Buffer.alloc(16000));
    // Changed within the last minutes: looked at.
    await index.scan(start + MINUTE);
    expect((await rows())[0]!.durationSeconds).toBe(2);
    appendFileSync(file, Buffer.alloc(16000));
    // Seven minutes on (by the scan's clock) it counts as finished: a quick scan passes it over.
    await index.scan(start + 7 * MINUTE);
    expect((await rows())[0]!.durationSeconds).toBe(2);
    await index.scan(start + 11 * MINUTE);
    expect((await rows())[0]!.durationSeconds).toBe(3);
  });
});
