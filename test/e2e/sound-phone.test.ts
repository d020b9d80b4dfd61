import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../support/subscriptions.js';
import { callState, disconnected, e2eBinaries, type Phone } from './support/index.js';
import { ERRORS, startProduct, type Product } from './support/product.js';

/**
 * Prompts by phone (F-4.4.2, F-4.4.3) on a real Asterisk 22: the server
 * rings extension 101 (a pjsua phone that answers at once and plays
 * Asterisk's hello-world into every call) through ARI into its own
 * application. recordPromptByPhone: the phone hears the instructions and the
 * beep, "speaks" (its file), presses # and then 1; the recording, fetched
 * from Asterisk through ARI, becomes a prompt of the library that is not
 * silence and can be downloaded. playPromptOnExtension: the phone is called,
 * Asterisk plays the prompt from SOUNDS_DIR by absolute path, and the call
 * ends when the prompt has played.
 */
const { ASTERISK, PJSUA } = e2eBinaries();

const CALL = `id state finished failure failureReason recordedSeconds prompt { id name origin durationMs downloadUrl }`;

describe.skipIf(!ASTERISK || !PJSUA)('prompts by phone on a real Asterisk', () => {
  let product: Product;
  let phone: Phone;

  async function current(id: string) {
    return (await product.gql(`query($id: ID!) { promptPhoneCall(id: $id) { ${CALL} } }`, { id })).promptPhoneCall;
  }
  async function reaches(id: string, state: string, timeoutMs = 20_000) {
    let call: any;
    await until(
      async () => {
        call = await current(id);
        return call.state === state || call.finished;
      },
      timeoutMs,
      `prompt call ${state}`,
    );
    expect(call.state, JSON.stringify(call)).toBe(state);
    return call;
  }

  beforeAll(async () => {
    product = await startProduct({ asterisk: ASTERISK!, pjsua: PJSUA! });
    await product.createExtension('101');
    phone = await product.phone('101', { autoAnswer: 200 });
    expect((await phone.waitForRegistration()).ok, phone.tail()).toBe(true);
  }, 120_000);

  afterAll(async () => {
    await product?.stop();
  }, 60_000);

  it('recordPromptByPhone: the phone is guided through the recording; the prompt is in the library, not silence, and downloadable', async () => {
    const mark = product.logMark();
    const started = await product.gql(
      `mutation($input: RecordPromptByPhoneInput!) { recordPromptByPhone(input: $input) { ${ERRORS} ... on MutationRecordPromptByPhoneSuccess { data { ${CALL} } } } }`,
      { input: { name: 'e2e-welcome', category: 'IVR', extension: '101' } },
    );
    const call = started.recordPromptByPhone.data;
    expect(call.state).toBe('RINGING');
    await phone.waitFor(callState('CONFIRMED'), 15_000);
    // The instructions (vm-intro), then the beep that starts the recording.
    await product.waitLog(/Playing '[^']*vm-intro\.[a-z0-9]+'/, mark, 15_000);
    await reaches(call.id, 'RECORDING');
    await new Promise((r) => setTimeout(r, 3000));
    await phone.sendDtmf('#');
    await reaches(call.id, 'REVIEWING');
    await product.waitLog(/Playing '[^']*vm-review\.[a-z0-9]+'/, mark, 15_000);
    await phone.sendDtmf('1');
    const saved = await reaches(call.id, 'SAVED', 30_000);
    expect(saved.prompt).toMatchObject({ name: 'e2e-welcome', origin: 'RECORDING' });
    expect(saved.prompt.durationMs).toBeGreaterThan(1500);
    await phone.waitFor(disconnected, 15_000);

    const library = await product.gql(`{ prompts { name origin durationMs } }`);
    expect(library.prompts).toContainEqual({ name: 'e2e-welcome', origin: 'RECORDING', durationMs: saved.prompt.durationMs });
    const download = await fetch(new URL(saved.prompt.downloadUrl, product.server.url));
    expect(download.status).toBe(200);
    const wav = Buffer.from(await download.arrayBuffer());
    expect(wav.toString('ascii', 0, 4)).toBe('RIFF');
    expect(rms(wav.subarray(44))).toBeGreaterThan(100);
    // Asterisk's own copy was fetched through ARI and deleted.
    const spool = path.join(product.pbx.spoolDir, 'recording');
    await until(() => !existsSync(spool) || readdirSync(spool).length === 0, 5000, "Asterisk's copy deleted");
  });

  it('playPromptOnExtension: the phone is called, hears the prompt played from SOUNDS_DIR, and the call ends after it', async () => {
    const prompts = (await product.gql(`{ prompts { id name durationMs } }`)).prompts as { id: string; name: string; durationMs: number }[];
    const prompt = prompts.find((p) => p.name === 'e2e-welcome')!;
    const mark = product.logMark();
    const before = phone.output().length;
    const started = await product.gql(
      `mutation($prompt: ID!) { playPromptOnExtension(prompt: $prompt, extension: "101") { ${ERRORS} ... on MutationPlayPromptOnExtensionSuccess { data { id state } } } }`,
      { prompt: prompt.id },
    );
    const call = started.playPromptOnExtension.data;
    await reaches(call.id, 'PLAYING');
    const playingAt = Date.now();
    const file = path.join(product.server.running.config.soundsDir, 'prompts', 'e2e-welcome');
    // Asterisk names the path it was given and, after the dot, the channel's write format (not the file's).
    await product.waitLog(new RegExp(`Playing '${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.[a-z0-9]+'`), mark, 10_000);
    await reaches(call.id, 'PLAYED', prompt.durationMs + 15_000);
    expect(Date.now() - playingAt).toBeGreaterThanOrEqual(prompt.durationMs - 500);
    await phone.waitFor(disconnected, 10_000);
    expect(phone.output().slice(before)).toMatch(callState('CONFIRMED'));
    await product.idle();
  });
});

/** Root mean square of 16-bit little-endian PCM. */
function rms(pcm: Buffer): number {
  let sum = 0;
  const samples = Math.floor(pcm.length / 2);
  for (let i = 0; i < samples; i++) sum += pcm.readInt16LE(i * 2) ** 2;
  return samples ? Math.sqrt(sum / samples) : 0;
}
