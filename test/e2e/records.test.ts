import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../support/subscriptions.js';
import { callState, disconnected, e2eBinaries, incomingCall, type Phone } from './support/index.js';
import { ERRORS, startProduct, type Product } from './support/product.js';

/**
 * Call records (F-5.2) and recordings (F-5.1.1, F-5.1.3) on a real Asterisk 22
 * with pjsua phones: Asterisk writes its CDRs through cdr_custom into its log
 * folder and its recordings into the monitor spool; our server imports and
 * indexes them. Extension 100 calls 101 (101 without voicemail, so a busy
 * 101 ends the call as BUSY).
 */
const { ASTERISK, PJSUA } = e2eBinaries();

const RECORD = `id callId uniqueid startedAt answeredAt endedAt durationSeconds talkSeconds caller callerName callee finalCallee direction disposition trunk did callerExtension calleeExtension recording { id kind downloadUrl }`;

describe.skipIf(!ASTERISK || !PJSUA)('call records and recordings on a real Asterisk', () => {
  let product: Product;
  let a: Phone;
  let b: Phone;
  const since = new Date(Date.now() - 60_000).toISOString();

  const records = async () => {
    const data = await product.gql(`query($f: CallRecordFilter!) { callRecords(filter: $f, first: 100) { totalCount edges { node { ${RECORD} } } } }`, {
      f: { from: since, to: new Date(Date.now() + 3600_000).toISOString() },
    });
    return data.callRecords.edges.map((e: any) => e.node) as any[];
  };
  /** The records of calls placed after `known`, once there are `count` of them. */
  const newRecords = async (known: Set<string>, count: number, what: string) => {
    let fresh: any[] = [];
    await until(
      async () => {
        fresh = (await records()).filter((r) => !known.has(r.id));
        return fresh.length >= count;
      },
      20_000,
      what,
    );
    return fresh;
  };
  const knownIds = async () => new Set((await records()).map((r) => r.id));
  const cdrFile = () => path.join(product.pbx.logDir, 'cdr-custom', 'pbx-cdr.json');
  /** What Asterisk wrote last, for failure messages. */
  const cdrTail = () => (existsSync(cdrFile()) ? readFileSync(cdrFile(), 'utf8').split('\n').slice(-6).join('\n') : '(no CDR file)');

  /** 100 calls 101; 101 answers with `code`; after `talkMs` 100 hangs up (or the call just ends when 101 refuses). */
  async function call(code: number, talkMs = 2000, during?: () => Promise<void>) {
    await a.waitFor(/$/, 100);
    await b.waitFor(/$/, 100);
    await a.call(product.uri('101'));
    await b.waitFor(incomingCall, 10_000);
    await b.answer(code);
    if (code === 200) {
      await a.waitFor(callState('CONFIRMED'), 10_000);
      await during?.();
      await new Promise((r) => setTimeout(r, talkMs));
      a.hangup();
    }
    await a.waitFor(disconnected, 10_000);
  }

  beforeAll(async () => {
    product = await startProduct({ asterisk: ASTERISK!, pjsua: PJSUA! });
    await product.createExtension('100');
    await product.createExtension('101', { voicemailEnabled: false });
    a = await product.phone('100');
    b = await product.phone('101');
    expect((await a.waitForRegistration()).ok, a.tail()).toBe(true);
    expect((await b.waitForRegistration()).ok, b.tail()).toBe(true);
  }, 120_000);

  afterAll(async () => {
    await product?.stop();
  }, 60_000);

  it('Asterisk loads our CDR backend without complaint', () => {
    expect(product.pbx.problems(['cdr.conf', 'cdr_custom.conf'])).toEqual([]);
  });

  it('an answered call 100 → 101 becomes one record with its caller, callee, direction, disposition and talk time', async () => {
    const known = await knownIds();
    const started = Date.now();
    await call(200, 3000);
    const [record] = await newRecords(known, 1, 'the record of the answered call');
    expect(record).toMatchObject({
      caller: '100',
      callee: '101',
      finalCallee: '101',
      direction: 'INTERNAL',
      disposition: 'ANSWERED',
      trunk: '',
      did: '',
      callerExtension: '100',
      calleeExtension: '101',
      recording: null,
    });
    expect(record.callerName).toBe('User 100');
    expect(record.talkSeconds).toBeGreaterThanOrEqual(2);
    expect(record.talkSeconds).toBeLessThanOrEqual(5);
    expect(record.durationSeconds).toBeGreaterThanOrEqual(record.talkSeconds);
    expect(new Date(record.startedAt).getTime()).toBeGreaterThanOrEqual(started - 2000);
    expect(new Date(record.answeredAt).getTime()).toBeLessThan(new Date(record.endedAt).getTime());
    await new Promise((r) => setTimeout(r, 1500));
    expect((await records()).filter((r) => !known.has(r.id))).toHaveLength(1);
  }, 60_000);

  it('a call to a busy 101 is a BUSY record', async () => {
    const known = await knownIds();
    await call(486);
    await newRecords(known, 1, 'the record of the busy call');
    await new Promise((r) => setTimeout(r, 1500));
    const fresh = (await records()).filter((r) => !known.has(r.id));
    expect(fresh, cdrTail()).toHaveLength(1);
    expect(fresh[0], cdrTail()).toMatchObject({ caller: '100', callee: '101', direction: 'INTERNAL', disposition: 'BUSY', talkSeconds: 0, answeredAt: null });
  }, 60_000);

  it('a call that ends while our server is stopped is recorded by Asterisk and imported after the restart, once', async () => {
    const known = await knownIds();
    const lines = () => (existsSync(cdrFile()) ? readFileSync(cdrFile(), 'utf8').split('\n').filter(Boolean).length : 0);
    const before = lines();
    await a.waitFor(/$/, 100);
    await b.waitFor(/$/, 100);
    await a.call(product.uri('101'));
    await b.waitFor(incomingCall, 10_000);
    await b.answer(200);
    await a.waitFor(callState('CONFIRMED'), 10_000);
    await product.server.running.stop();
    await new Promise((r) => setTimeout(r, 1000));
    a.hangup();
    await a.waitFor(disconnected, 10_000);
    await until(() => lines() > before, 10_000, 'Asterisk wrote the record while our server was stopped');
    await product.server.restart();
    const [record] = await newRecords(known, 1, 'the record written while the server was stopped');
    expect(record).toMatchObject({ caller: '100', callee: '101', disposition: 'ANSWERED' });
    await until(async () => (await product.configuration()).asteriskConnected, 30_000, 'our server connected to Asterisk again');
    await new Promise((r) => setTimeout(r, 2000));
    expect((await records()).filter((r) => !known.has(r.id))).toHaveLength(1);
  }, 90_000);

  it('a call to an extension that records BOTH is recorded: listed with its call and downloadable as audio', async () => {
    const id = (await product.gql(`{ extension(number: "101") { id } }`)).extension.id;
    await product.mutateApplied(
      'updateExtension',
      `mutation($id: ID!) { updateExtension(id: $id, input: { recording: BOTH }) { ${ERRORS} ... on MutationUpdateExtensionSuccess { data { recording } } } }`,
      {
        id,
      },
    );
    const known = await knownIds();
    await call(200, 3000);
    const [record] = await newRecords(known, 1, 'the record of the recorded call');
    let recording: any = null;
    await until(
      async () => {
        const data = await product.gql(
          `query($f: RecordingFilter!) { recordings(filter: $f, first: 10) { edges { node { id kind fileName callId durationSeconds sizeBytes caller callee direction disposition contentType downloadUrl } } } }`,
          { f: { from: since, to: new Date(Date.now() + 3600_000).toISOString() } },
        );
        recording = data.recordings.edges.map((e: any) => e.node).find((r: any) => r.callId === record.callId && r.direction) ?? null;
        return !!recording;
      },
      20_000,
      'the recording listed with its call',
    );
    expect(recording).toMatchObject({ kind: 'CALL', caller: '100', callee: '101', direction: 'INTERNAL', disposition: 'ANSWERED', contentType: 'audio/wav' });
    expect(recording.fileName).toMatch(new RegExp(`^call-\\d{8}T\\d{6}-100-101-${record.callId.replace('.', '\\.')}-[0-9.]+\\.wav$`));
    expect((await records()).find((r) => r.id === record.id).recording).toMatchObject({ id: recording.id });
    // Indexed while MixMonitor wrote it; its size and length follow the file until it is closed.
    const onDisk = path.join(product.pbx.spoolDir, 'monitor', recording.fileName);
    await until(
      async () => {
        const listed = (await product.gql(`query($id: ID!) { recording(id: $id) { sizeBytes durationSeconds } }`, { id: recording.id })).recording;
        recording = { ...recording, ...listed };
        return listed.sizeBytes === statSync(onDisk).size;
      },
      10_000,
      'the listed size of the finished recording',
    );
    expect(recording.durationSeconds).toBeGreaterThanOrEqual(2);
    const download = await fetch(new URL(recording.downloadUrl, product.server.url));
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('audio/wav');
    const audio = Buffer.from(await download.arrayBuffer());
    expect(audio.toString('ascii', 0, 4)).toBe('RIFF');
    expect(audio.toString('ascii', 8, 12)).toBe('WAVE');
    expect(audio.length).toBe(recording.sizeBytes);
    expect(audio.length).toBeGreaterThan(8000);
    await product.mutateApplied(
      'updateExtension',
      `mutation($id: ID!) { updateExtension(id: $id, input: { recording: OFF }) { ${ERRORS} ... on MutationUpdateExtensionSuccess { data { recording } } } }`,
      {
        id,
      },
    );
  }, 90_000);

  it('*1 during a call starts a one-touch recording, listed as ON_DEMAND with its call', async () => {
    const known = await knownIds();
    await call(200, 3000, async () => {
      await new Promise((r) => setTimeout(r, 500));
      await a.sendDtmf('*1');
    });
    const [record] = await newRecords(known, 1, 'the record of the call recorded on demand');
    let recording: any = null;
    await until(
      async () => {
        const data = await product.gql(`query($f: RecordingFilter!) { recordings(filter: $f, first: 10) { edges { node { id kind fileName callId direction sizeBytes downloadUrl } } } }`, {
          f: { from: since, to: new Date(Date.now() + 3600_000).toISOString(), kind: 'ON_DEMAND' },
        });
        recording = data.recordings.edges.map((e: any) => e.node).find((r: any) => r.callId === record.callId && r.direction) ?? null;
        return !!recording;
      },
      20_000,
      'the one-touch recording listed with its call',
    );
    expect(recording.fileName).toMatch(/^ondemand-\d+-[0-9.]+-[0-9.]+\.wav$/);
    expect(recording.direction).toBe('INTERNAL');
    const audio = Buffer.from(await (await fetch(new URL(recording.downloadUrl, product.server.url))).arrayBuffer());
    expect(audio.toString('ascii', 0, 4)).toBe('RIFF');
  }, 60_000);
});
