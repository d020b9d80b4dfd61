import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../support/subscriptions.js';
import { uploadFile } from '../support/upload.js';
import { AudioFixtures, formats } from '../sounds/fixtures.js';
import { e2eBinaries, RENDERED_FILES, type Phone } from './support/index.js';
import { ERRORS, startProduct, type Product } from './support/product.js';

/**
 * The sound library on a real Asterisk: music-on-hold classes made and
 * filled through GraphQL are loaded by res_musiconhold with their files in
 * play order and held callers hear them in that order, and a prompt uploaded
 * as MP3 plays into calls, from the 8 kHz WAV for a G.711 call and from the
 * 16 kHz signed linear for a G.722 call (what the phone recorded of each
 * call is the uploaded tone).
 */
const { ASTERISK, PJSUA } = e2eBinaries();

const UPLOAD_MOH = `mutation($classId: ID!, $file: File!) { uploadMohFile(classId: $classId, file: $file) { ${ERRORS} ... on MutationUploadMohFileSuccess { data { id name position } } } }`;
const UPLOAD_PROMPT = `mutation($input: UploadPromptInput!, $file: File!) { uploadPrompt(input: $input, file: $file) { ${ERRORS} ... on MutationUploadPromptSuccess { data { id name } } } }`;
const localId = (globalId: string) => Buffer.from(globalId, 'base64').toString('utf8').split(':')[1]!;

/** 16-bit PCM of a WAV; pjsua fills in the data chunk's size only when it closes the file, so the rest of the file is taken. */
function pcmOf(file: string, fromByte: number): { rate: number; samples: Int16Array } {
  const bytes = readFileSync(file);
  let offset = 12;
  let rate = 0;
  while (offset + 8 <= bytes.length) {
    const id = bytes.toString('ascii', offset, offset + 4);
    const size = bytes.readUInt32LE(offset + 4);
    if (id === 'fmt ') rate = bytes.readUInt32LE(offset + 12);
    if (id === 'data') {
      const data = bytes.subarray(Math.max(offset + 8, fromByte));
      return { rate, samples: new Int16Array(data.buffer.slice(data.byteOffset, data.byteOffset + (data.length & ~1))) };
    }
    offset += 8 + size + (size & 1);
  }
  throw new Error(`${file}: no data chunk`);
}

/** The loudest sample and the tone's frequency (zero crossings over the loud part) from byte `fromByte` of the file on. */
function analyse(file: string, fromByte = 0): { peak: number; frequency: number } {
  const { rate, samples } = pcmOf(file, fromByte & ~1);
  let peak = 0;
  for (const s of samples) peak = Math.max(peak, Math.abs(s));
  const loud = [...samples.keys()].filter((i) => Math.abs(samples[i]!) > peak / 4);
  if (!loud.length) return { peak, frequency: 0 };
  const [first, last] = [loud[0]!, loud[loud.length - 1]!];
  let crossings = 0;
  for (let i = first + 1; i <= last; i++) if (samples[i - 1]! < 0 !== samples[i]! < 0) crossings++;
  return { peak, frequency: crossings / 2 / ((last - first) / rate) };
}

describe.skipIf(!ASTERISK || !PJSUA)('the sound library on a real Asterisk', () => {
  let product: Product;
  let fixtures: AudioFixtures;

  /** Waits until the revision a change (made another way than mutateApplied, e.g. an upload) caused is applied. */
  const applied = async (before: number) => {
    let last: any;
    await until(
      async () => {
        last = await product.configuration();
        return last.revision > before && last.appliedRevision === last.revision && last.lastApply?.revision === last.revision;
      },
      15_000,
      'the apply',
    );
    expect(last.lastApply.outcome, JSON.stringify(last.lastApply)).toMatch(/^(APPLIED|NO_CHANGES)$/);
    return last.lastApply;
  };
  const upload = async (query: string, variables: Record<string, unknown>, file: string, field: string) => {
    const before = (await product.configuration()).revision;
    const result = await uploadFile(product.server.graphqlUrl, product.server.adminToken, query, variables, {
      name: path.basename(file),
      content: readFileSync(file),
      type: 'application/octet-stream',
    });
    const value = result.data?.[field];
    if (!String(value?.__typename).endsWith('Success')) throw new Error(`${field}: ${JSON.stringify(result)}`);
    return { data: value.data, apply: await applied(before) };
  };
  const soundsDir = () => product.server.running.config.soundsDir;

  beforeAll(async () => {
    fixtures = new AudioFixtures();
    product = await startProduct({ asterisk: ASTERISK!, pjsua: PJSUA! });
  }, 120_000);
  afterAll(async () => {
    await product?.stop();
    fixtures?.remove();
  }, 60_000);

  it("plays Asterisk's own music in default until it has files", async () => {
    const classes = await product.pbx.cli('moh show classes');
    expect(classes).toMatch(/Class: default\s+Mode: files\s+Directory: moh\n/);
    expect(await product.pbx.cli('moh show files')).toMatch(/Class: default\n\tFile: \S*\/moh\/\S+\n/);
  });

  it('loads a class made through GraphQL with its uploaded files, in play order, and follows a new order', async () => {
    const mark = product.logMark();
    const sales = await product.mutateApplied<{ id: string }>(
      'createMohClass',
      `mutation { createMohClass(input: { name: "sales" }) { ${ERRORS} ... on MutationCreateMohClassSuccess { data { id } } } }`,
    );
    const first = await upload(UPLOAD_MOH, { classId: sales.id }, await fixtures.tone('First Song.mp3', 20, [...formats.mp3.args], 440), 'uploadMohFile');
    expect(first.apply.reloadedModules).toContain('res_musiconhold.so');
    const second = await upload(UPLOAD_MOH, { classId: sales.id }, await fixtures.tone('second.ogg', 20, [...formats.oggVorbis.args], 660), 'uploadMohFile');
    const dir = path.join(soundsDir(), 'moh', 'sales');
    const fileOf = (position: number, id: string) => `${dir}/000${position}-${localId(id)}`;

    expect(await product.pbx.cli('moh show classes')).toContain(`Class: sales\n\tMode: files\n\tDirectory: ${dir}\n`);
    const listed = await product.pbx.cli('moh show files');
    expect(listed).toContain(`Class: sales\n\tFile: ${fileOf(1, first.data.id)}\n\tFile: ${fileOf(2, second.data.id)}\n`);

    const before = (await product.configuration()).revision;
    const reordered = await product.gql(
      `mutation($c: ID!, $f: [ID!]!) { reorderMohFiles(classId: $c, fileIds: $f) { ${ERRORS} ... on MutationReorderMohFilesSuccess { data { files { name position } } } } }`,
      { c: sales.id, f: [second.data.id, first.data.id] },
    );
    expect(reordered.reorderMohFiles.data.files).toEqual([
      { name: 'second', position: 1 },
      { name: 'First Song', position: 2 },
    ]);
    await applied(before);
    expect(await product.pbx.cli('moh show files')).toContain(`Class: sales\n\tFile: ${fileOf(1, second.data.id)}\n\tFile: ${fileOf(2, first.data.id)}\n`);
    expect(product.pbx.problems(RENDERED_FILES, mark)).toEqual([]);
  });

  describe('in calls', () => {
    const phones: Record<string, Phone> = {};
    let promptPath = '';

    beforeAll(async () => {
      const prompt = await upload(UPLOAD_PROMPT, { input: { name: 'welcome', category: 'IVR' } }, await fixtures.tone('welcome.mp3', 4, [...formats.mp3.args]), 'uploadPrompt');
      expect(prompt.data.name).toBe('welcome');
      promptPath = path.join(soundsDir(), 'prompts', 'welcome');
      await product.createExtension('101', { codecs: ['ULAW'] });
      await product.createExtension('102', { codecs: ['G722'] });
      for (const n of ['101', '102']) {
        phones[n] = await product.phone(n, { autoAnswer: 200, extraArgs: [`--rec-file=${path.join(fixtures.dir, `heard-${n}.wav`)}`, '--auto-rec'] });
        expect((await phones[n].waitForRegistration()).ok).toBe(true);
      }
    }, 60_000);

    it.each([
      ['101', 'G.711 (ulaw)', 'slin'],
      ['102', 'G.722', 'slin16'],
    ])('plays into a %s call (%s) from the stored %s form, and the phone hears the tone', async (number, _codec, format) => {
      const mark = product.logMark();
      await product.pbx.cli(`channel originate PJSIP/${number} application Playback ${promptPath}`);
      const escaped = promptPath.replace(/[/.]/g, '\\$&');
      await product.waitLog(new RegExp(`<PJSIP/${number}-[0-9a-f]+> Playing '${escaped}\\.${format}' \\(language '[^']*'\\)`), mark, 15_000);
      await phones[number]!.waitFor(/DISCONNECTED/, 20_000);
      const heard = path.join(fixtures.dir, `heard-${number}.wav`);
      // pjsua writes its recording in blocks: wait for the 4 s of the prompt (16 kHz, 16 bits).
      await until(async () => existsSync(heard) && statSync(heard).size > 44 + 3.5 * 32_000, 10_000, 'the recording of the call');
      const { peak, frequency } = analyse(heard);
      expect(peak).toBeGreaterThan(1000);
      expect(Math.abs(frequency - 440)).toBeLessThan(20);
    });

    it('holds a caller with the music of its class, from the first file of the play order', async () => {
      const mark = product.logMark();
      const heard = path.join(fixtures.dir, 'heard-101.wav');
      const before = statSync(heard).size;
      await product.pbx.cli('channel originate PJSIP/101 application MusicOnHold sales,4');
      await product.waitLog(/Started music on hold, class 'sales', on channel 'PJSIP\/101-[0-9a-f]+'/, mark, 15_000);
      await phones['101']!.waitFor(/DISCONNECTED/, 20_000);
      await until(async () => statSync(heard).size > before + 3.5 * 32_000, 10_000, 'the recording of the call');
      // After the reorder, "second" (660 Hz) comes first; "First Song" is 440 Hz.
      const { peak, frequency } = analyse(heard, before);
      expect(peak).toBeGreaterThan(1000);
      expect(Math.abs(frequency - 660)).toBeLessThan(20);
    });
  });
});
