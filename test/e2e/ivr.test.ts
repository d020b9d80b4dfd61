import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AudioFixtures, formats } from '../sounds/fixtures.js';
import { until } from '../support/subscriptions.js';
import { uploadFile } from '../support/upload.js';
import { callState, e2eBinaries, incomingCall, RENDERED_FILES, type Phone } from './support/index.js';
import { ERRORS, startProduct, type Product } from './support/product.js';

/**
 * IVR menus on a real Asterisk (issue 11, F-4.2.1): a prompt uploaded as MP3
 * through GraphQL becomes the menu's prompt, and a pjsua caller hears it (what
 * the caller's phone recorded of the call is not silence); key 2 reaches the
 * department of key 2, a key nothing answers reaches INVALID's destination and
 * no key NO_INPUT's; an extension number dialled during the menu reaches the
 * extension only while direct dial is allowed. The scenarios run in order on
 * one Asterisk and one server.
 */
const { ASTERISK, PJSUA } = e2eBinaries();

const UPLOAD_PROMPT = `mutation($input: UploadPromptInput!, $file: File!) { uploadPrompt(input: $input, file: $file) { ${ERRORS} ... on MutationUploadPromptSuccess { data { id name category } } } }`;
const IVR_FIELDS = `id number allowDirectDial keyEvents { key destination { type target } }`;
const IVR_NUMBER = '0600';
const PROMPT_SECONDS = 4;
const INVITE = /Request msg INVITE/;
/** RMS of 16-bit samples below which a recording counts as silence (the caller hears the tone at RMS ≈ 1950, and 0 while the menu waits). */
const SILENCE_RMS = 300;

/** The 16-bit PCM samples of a WAV from byte `fromByte` on; pjsua writes the data chunk's size only when it closes the file, so the rest of the file is taken. */
function samplesOf(file: string, fromByte: number): Int16Array {
  const bytes = readFileSync(file);
  let offset = 12;
  while (offset + 8 <= bytes.length) {
    const id = bytes.toString('ascii', offset, offset + 4);
    const size = bytes.readUInt32LE(offset + 4);
    if (id === 'data') {
      const data = bytes.subarray(Math.max(offset + 8, fromByte & ~1));
      return new Int16Array(data.buffer.slice(data.byteOffset, data.byteOffset + (data.length & ~1)));
    }
    offset += 8 + size + (size & 1);
  }
  throw new Error(`${file}: no data chunk`);
}

/** Where each phone's output and Asterisk's log were before a call. */
type Mark = { phones: Map<string, number>; log: number };

const rms = (samples: Int16Array) => (samples.length ? Math.sqrt(samples.reduce((sum, s) => sum + s * s, 0) / samples.length) : 0);

describe.skipIf(!ASTERISK || !PJSUA)('IVR menus on a real Asterisk', () => {
  let product: Product;
  let fixtures: AudioFixtures;
  let ivrId: string;
  const heard = () => path.join(fixtures.dir, 'heard-100.wav');
  const phones = new Map<string, Phone>();
  const phone = (n: string) => phones.get(n)!;

  /** Moves every phone's cursor to the end of its output, so the waits that follow see only what happens next. */
  async function settle() {
    for (const p of phones.values()) await p.waitFor(/$/, 100);
  }
  /**
   * 100 calls the IVR; resolves, once the menu plays its prompt and the caller can press keys, with where each
   * phone's output and Asterisk's log were before the call. Keys pressed earlier would be lost: Asterisk answers
   * with two codecs, so pjsua locks one with an UPDATE right after the call is confirmed and rebuilds its media
   * stream on the reply, dropping the DTMF it had queued.
   */
  async function callIvr(): Promise<Mark> {
    await settle();
    const mark = { phones: new Map([...phones].map(([n, p]) => [n, p.output().length])), log: product.logMark() };
    await phone('100').call(product.uri(IVR_NUMBER));
    await phone('100').waitFor(callState('CONFIRMED'), 10_000);
    await phone('100').waitFor(/Response msg 200\/UPDATE[\s\S]*?media 0 \[type=audio\], status is Active/, 5000);
    await product.waitLog(/Playing '[^']*\/prompts\/welcome\.(slin|slin16|wav)'/, mark.log, 10_000);
    return mark;
  }
  /**
   * `number` gets a call from 100 (it rings, or, with `answered`, answers it at once) and the
   * phones in `silent` get no call meanwhile.
   */
  async function expectCall(mark: Mark, number: string, timeoutMs: number, silent: string[], answered = false) {
    await phone(number)
      .waitFor(answered ? callState('CONFIRMED') : incomingCall, timeoutMs)
      .catch((e) => {
        const dialplan = product.pbx
          .logLines()
          .slice(mark.log)
          .filter((l) => /Executing|DTMF|Playing/.test(l));
        throw new Error(`${(e as Error).message}\nAsterisk's log of the call:\n${dialplan.join('\n')}\nphone 100:\n${phone('100').tail(30)}`);
      });
    const invite = /Request msg INVITE[\s\S]*?\n\s*\n/.exec(phone(number).output().slice(mark.phones.get(number)))?.[0] ?? '';
    expect(invite, `the INVITE to ${number}`).toMatch(/^From:[^\n]*<sip:100@/m);
    for (const n of silent) expect(phone(n).output().slice(mark.phones.get(n)), `phone ${n} got a call`).not.toMatch(INVITE);
  }
  const updateIvr = (input: Record<string, unknown>) =>
    product.mutateApplied<any>(
      'updateIvr',
      `mutation($id: ID!, $input: UpdateIvrInput!) { updateIvr(id: $id, input: $input) { ${ERRORS} ... on MutationUpdateIvrSuccess { data { ${IVR_FIELDS} } } } }`,
      { id: ivrId, input },
    );

  beforeAll(async () => {
    fixtures = new AudioFixtures();
    product = await startProduct({ asterisk: ASTERISK!, pjsua: PJSUA! });
    for (const n of ['100', '102', '103', '104', '105']) await product.createExtension(n);
    // The caller records what it hears; 102–104 ring without answering (as desk phones do); 105 answers at once.
    phones.set('100', await product.phone('100', { extraArgs: [`--rec-file=${heard()}`, '--auto-rec'] }));
    for (const n of ['102', '103', '104']) phones.set(n, await product.phone(n));
    phones.set('105', await product.phone('105', { autoAnswer: 200 }));
    for (const p of phones.values()) expect((await p.waitForRegistration()).ok, p.tail()).toBe(true);
    await product.mutateApplied(
      'createDepartment',
      `mutation($input: CreateDepartmentInput!) { createDepartment(input: $input) { ${ERRORS} ... on MutationCreateDepartmentSuccess { data { id } } } }`,
      { input: { name: 'Support', number: '0400', ringStrategy: 'RING_ALL', ringTimeSeconds: 30, noAnswerDestination: { type: 'HANGUP' }, members: ['102'] } },
    );
  }, 120_000);

  afterAll(async () => {
    await product?.stop();
    if (process.env.PBX_E2E_KEEP !== '1') fixtures?.remove();
  }, 60_000);

  it('1. an MP3 uploaded as an IVR prompt becomes the prompt of a new menu', async () => {
    const mp3 = await fixtures.tone('welcome menu.mp3', PROMPT_SECONDS, [...formats.mp3.args]);
    const before = (await product.configuration()).revision;
    const uploaded = await uploadFile(
      product.server.graphqlUrl,
      product.server.adminToken,
      UPLOAD_PROMPT,
      { input: { name: 'welcome', category: 'IVR' } },
      {
        name: path.basename(mp3),
        content: readFileSync(mp3),
        type: 'audio/mpeg',
      },
    );
    expect(uploaded.data?.uploadPrompt, JSON.stringify(uploaded)).toMatchObject({ __typename: 'MutationUploadPromptSuccess', data: { name: 'welcome', category: 'IVR' } });
    await until(async () => (await product.configuration()).appliedRevision > before, 15_000, 'the apply of the upload');

    const mark = product.logMark();
    const ivr = await product.mutateApplied<any>(
      'createIvr',
      `mutation($input: CreateIvrInput!) { createIvr(input: $input) { ${ERRORS} ... on MutationCreateIvrSuccess { data { ${IVR_FIELDS} } } } }`,
      {
        input: {
          name: 'welcome',
          number: IVR_NUMBER,
          prompt: 'welcome',
          repeatCount: 1,
          allowDirectDial: true,
          digitTimeoutSeconds: 2,
          keyEvents: [
            { key: 'KEY_2', destination: { type: 'DEPARTMENT', target: '0400' } },
            { key: 'INVALID', destination: { type: 'EXTENSION', target: '103' } },
            { key: 'NO_INPUT', destination: { type: 'EXTENSION', target: '104' } },
          ],
        },
      },
    );
    ivrId = ivr.id;
    expect(ivr).toMatchObject({ number: IVR_NUMBER, allowDirectDial: true });
    const promptFile = path.join(product.server.running.config.soundsDir, 'prompts', 'welcome');
    expect(await product.pbx.cli(`dialplan show s@pbx-ivr-${Buffer.from(ivrId, 'base64').toString('utf8').split(':')[1]}`)).toContain(`Background(${promptFile})`);
    expect(product.pbx.problems(RENDERED_FILES, mark)).toEqual([]);
  });

  it('2. a caller of the IVR number hears the prompt, and key 2 rings the department member with the caller’s number', async () => {
    const recordedBefore = existsSync(heard()) ? statSync(heard()).size : 0;
    const mark = await callIvr();
    // pjsua writes its recording in blocks: wait for two seconds of the call (16 kHz, 16 bits).
    await until(async () => existsSync(heard()) && statSync(heard()).size > recordedBefore + 2 * 32_000, 10_000, 'two seconds of what the caller heard');
    const level = rms(samplesOf(heard(), recordedBefore));
    expect(level, `RMS of what the caller heard: ${level.toFixed(0)}`).toBeGreaterThan(SILENCE_RMS);

    await phone('100').sendDtmf('2');
    await expectCall(mark, '102', 10_000, ['103', '104', '105']);
    await product.idle();
  });

  it('3a. a key nothing answers (9) rings the INVALID destination, 103', async () => {
    const mark = await callIvr();
    await phone('100').sendDtmf('9');
    await expectCall(mark, '103', 10_000, ['102', '104', '105']);
    await product.idle();
  });

  it('3b. no key: after the play and the wait, the call rings the NO_INPUT destination, 104', async () => {
    const started = Date.now();
    const mark = await callIvr();
    // One play of the prompt, then WaitExten(5).
    await expectCall(mark, '104', (PROMPT_SECONDS + 5 + 6) * 1000, ['102', '103', '105']);
    expect(Date.now() - started, 'rang before the prompt and the wait were over').toBeGreaterThan((PROMPT_SECONDS + 5 - 1) * 1000);
    await product.idle();
  });

  it('4. an extension dialled during the menu is reached while direct dial is allowed, and goes to INVALID once it is not', async () => {
    let mark = await callIvr();
    await phone('100').sendDtmf('105');
    await expectCall(mark, '105', 10_000, ['102', '103', '104'], true);
    await product.idle();

    const updated = await updateIvr({ allowDirectDial: false });
    expect(updated.allowDirectDial).toBe(false);
    mark = await callIvr();
    await phone('100').sendDtmf('105');
    await expectCall(mark, '103', 10_000, ['102', '104', '105']);
    await product.idle();
  });
});
