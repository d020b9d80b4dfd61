import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTokenSecret } from '../../src/auth/tokens.js';
import { domains } from '../../src/domains/index.js';
import { DownloadTokens } from '../../src/sounds/downloads.js';
import { maxMultipartBodyBytes, soundLimits } from '../../src/sounds/limits.js';
import { readAsteriskConfig } from '../support/asterisk-config-reader.js';
import { ERROR_FIELDS, ok, startTestServer, type TestServer } from '../support/server.js';
import { uploadFile } from '../support/upload.js';
import { AudioFixtures, formats, wavHeader } from '../sounds/fixtures.js';

const PROMPT = 'id name category origin durationMs durationSeconds sizeBytes createdAt downloadUrl';
const MOH_FILE = 'id name position durationMs sizeBytes downloadUrl mohClass { name }';
const MOH_CLASS = `id name playMode builtin playsFactoryMusic files { ${MOH_FILE} }`;
const ERRORS = `${ERROR_FIELDS} ... on ConflictError { path }`;
const UPLOAD_PROMPT = `mutation($input: UploadPromptInput!, $file: File!) { uploadPrompt(input: $input, file: $file) { ${ERRORS} ... on MutationUploadPromptSuccess { data { ${PROMPT} } } } }`;
const UPLOAD_MOH = `mutation($classId: ID!, $file: File!) { uploadMohFile(classId: $classId, file: $file) { ${ERRORS} ... on MutationUploadMohFileSuccess { data { ${MOH_FILE} } } } }`;
const CREATE_CLASS = `mutation($input: CreateMohClassInput!) { createMohClass(input: $input) { ${ERRORS} ... on MutationCreateMohClassSuccess { data { ${MOH_CLASS} } } } }`;
const remove = (field: string) => `mutation($ids: [ID!]!) { ${field}(ids: $ids) { ${ERRORS} ... on Mutation${field[0]!.toUpperCase()}${field.slice(1)}Success { data { count } } } }`;
const REORDER = `mutation($classId: ID!, $fileIds: [ID!]!) { reorderMohFiles(classId: $classId, fileIds: $fileIds) { ${ERRORS} ... on MutationReorderMohFilesSuccess { data { ${MOH_CLASS} } } } }`;

let server: TestServer;
let fixtures: AudioFixtures;
const gql = (query: string, variables?: Record<string, unknown>, token = server.adminToken) => server.gql(query, variables, token);
const soundsDir = () => server.running.config.soundsDir;
const promptsDir = () => join(soundsDir(), 'prompts');
const listDir = (dir: string) => (existsSync(dir) ? readdirSync(dir).sort() : []);
const localId = (globalId: string) => Buffer.from(globalId, 'base64').toString('utf8').split(':')[1]!;
const issues = (result: any, field: string) => {
  const value = result.data?.[field];
  if (value?.__typename !== 'ValidationError') throw new Error(`${field}: expected a ValidationError, got ${JSON.stringify(result)}`);
  return value.issues as { path: string[]; message: string; code: string }[];
};
const fileOf = (path: string, name = path.split('/').pop()!, type = 'application/octet-stream') => ({ name, content: readFileSync(path), type });
const uploadPrompt = (name: string, category: 'IVR' | 'CUSTOM', file: { name: string; content: Buffer | string; type: string }, token = server.adminToken) =>
  uploadFile(server.graphqlUrl, token, UPLOAD_PROMPT, { input: { name, category } }, file);
const uploadMoh = (classId: string, file: { name: string; content: Buffer | string; type: string }) => uploadFile(server.graphqlUrl, server.adminToken, UPLOAD_MOH, { classId }, file);
const tone = (name: string, format: keyof typeof formats, seconds = 3) => fixtures.tone(`${name}.${formats[format].ext}`, seconds, [...formats[format].args]);
const prompts = async (category?: string) => (await gql(`query($c: PromptCategory) { prompts(category: $c) { ${PROMPT} } }`, { c: category ?? null })).data.prompts as any[];
const mohClasses = async () => (await gql(`{ mohClasses { ${MOH_CLASS} } }`)).data.mohClasses as any[];
const rendered = async (file: string) => {
  const applied = await gql(`mutation { applyPbxConfiguration { outcome error } }`);
  expect(applied.data.applyPbxConfiguration, JSON.stringify(applied)).toMatchObject({ outcome: expect.stringMatching(/^(APPLIED|NO_CHANGES|WRITTEN_NOT_RELOADED)$/) });
  return readFileSync(join(server.running.config.asterisk.configDir, file), 'utf8');
};
const classOptions = (text: string, name: string) =>
  Object.fromEntries(
    readAsteriskConfig(text)
      .filter((v) => v.category === name)
      .map((v) => [v.name, v.value]),
  );
const download = (path: string, headers: Record<string, string> = {}, method = 'GET') => fetch(`${server.url}${path}`, { method, headers });
/** Nothing left in the work folder, and nothing but our own files anywhere in the library. */
const libraryIsClean = () => {
  expect(listDir(join(soundsDir(), '.incoming'))).toEqual([]);
  expect(listDir(soundsDir()).filter((e) => !['.incoming', 'prompts', 'moh'].includes(e))).toEqual([]);
};

beforeAll(async () => {
  fixtures = new AudioFixtures();
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
  fixtures?.remove();
});

describe('prompts (F-4.4.2, F-4.4.3)', () => {
  it('converts uploads in the formats people have into an 8 kHz mono WAV and 16 kHz signed linear, listed with their length', async () => {
    const uploads = [
      { name: 'welcome', category: 'IVR', path: await tone('welcome', 'wav44kStereo24') },
      { name: 'menu-sales', category: 'IVR', path: await tone('sales', 'mp3') },
      { name: 'closed', category: 'CUSTOM', path: await tone('closed', 'oggVorbis') },
      { name: 'busy_line', category: 'CUSTOM', path: await tone('busy', 'oggOpus') },
      { name: 'forward', category: 'CUSTOM', path: await tone('forward', 'm4a') },
      { name: 'wakeup', category: 'CUSTOM', path: await tone('wakeup', 'flac') },
    ] as const;
    for (const u of uploads) {
      const prompt = ok(await uploadPrompt(u.name, u.category, fileOf(u.path)), 'uploadPrompt');
      expect(prompt).toMatchObject({ name: u.name, category: u.category, origin: 'UPLOAD' });
      expect(Math.abs(prompt.durationMs - 3000), u.name).toBeLessThan(60);
      expect(prompt.durationSeconds).toBe(prompt.durationMs / 1000);
      const wav = readFileSync(join(promptsDir(), `${u.name}.wav`));
      expect(wavHeader(wav)).toMatchObject({ format: 1, channels: 1, sampleRate: 8000, bitsPerSample: 16 });
      const sln16 = statSync(join(promptsDir(), `${u.name}.sln16`));
      expect(prompt.sizeBytes).toBe(wav.length + sln16.size);
    }
    expect((await prompts()).map((p) => p.name)).toEqual(['busy_line', 'closed', 'forward', 'menu-sales', 'wakeup', 'welcome']);
    expect((await prompts('IVR')).map((p) => p.name)).toEqual(['menu-sales', 'welcome']);
    expect(listDir(promptsDir())).toEqual(uploads.flatMap((u) => [`${u.name}.sln16`, `${u.name}.wav`]).sort());
    libraryIsClean();
  });

  it('refuses a file that is not audio (text or a picture named .wav) at file, leaving neither row nor file', async () => {
    const before = listDir(promptsDir());
    const text = await uploadPrompt('notes', 'IVR', { name: 'notes.wav', content: 'hello, this is text\n'.repeat(50), type: 'audio/wav' });
    expect(issues(text, 'uploadPrompt')).toEqual([{ path: ['file'], code: 'NOT_AUDIO', message: expect.stringContaining('not an audio file') }]);
    const picture = await uploadPrompt('picture', 'IVR', { name: 'picture.wav', content: readFileSync(await fixtures.picture('picture.png')), type: 'audio/wav' });
    expect(issues(picture, 'uploadPrompt')[0]).toMatchObject({ path: ['file'], code: 'NOT_AUDIO' });
    expect((await prompts()).map((p) => p.name)).not.toContain('notes');
    expect(listDir(promptsDir())).toEqual(before);
    libraryIsClean();
  });

  it(`refuses a prompt longer than ${soundLimits.maxPromptMs / 60_000} minutes`, async () => {
    const long = await fixtures.silence('long-prompt.opus', soundLimits.maxPromptMs / 1000 + 5, ['-c:a', 'libopus', '-b:a', '6k']);
    const result = await uploadPrompt('speech', 'IVR', fileOf(long));
    expect(issues(result, 'uploadPrompt')).toEqual([{ path: ['file'], code: 'TOO_LONG', message: 'A prompt may be at most 10 minutes long; this file is 10:05 long' }]);
    expect(existsSync(join(promptsDir(), 'speech.wav'))).toBe(false);
    libraryIsClean();
  });

  it(`refuses a file over ${soundLimits.maxFileBytes / 1024 / 1024} MiB with a typed error, and a request far beyond that before reading it`, async () => {
    const tooLarge = Buffer.alloc(soundLimits.maxFileBytes + 1);
    const result = await uploadPrompt('huge', 'IVR', { name: 'huge.wav', content: tooLarge, type: 'audio/wav' });
    expect(issues(result, 'uploadPrompt')).toEqual([{ path: ['file'], code: 'TOO_LARGE', message: 'the file has 50 MiB; sound files may have at most 50 MiB' }]);
    // A request that declares more than the limit is answered from its headers: only its first bytes are sent (sending
    // them all raced the answer, and a client still writing when the server closed saw the connection reset).
    const declared = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = httpRequest(server.graphqlUrl, {
        method: 'POST',
        agent: false,
        headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'multipart/form-data; boundary=xyz', 'content-length': String(maxMultipartBodyBytes + 1) },
      });
      request.on('response', (response) => {
        let text = '';
        response.on('data', (c: Buffer) => (text += c.toString()));
        response.on('end', () => {
          request.destroy();
          resolve({ status: response.statusCode!, body: text });
        });
      });
      request.on('error', reject);
      request.write(
        `--xyz\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${JSON.stringify({ query: UPLOAD_PROMPT, variables: { input: { name: 'huger', category: 'IVR' }, file: null } })}\r\n`,
      );
    });
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body)).toEqual({ errors: [{ message: 'the request has 51 MiB; uploads may have at most 51 MiB', extensions: { code: 'REQUEST_ENTITY_TOO_LARGE' } }] });
    // Without a Content-Length (chunked), yoga counts while reading and stops at the same limit.
    const chunked = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = httpRequest(server.graphqlUrl, {
        method: 'POST',
        agent: false,
        headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'multipart/form-data; boundary=xyz', 'transfer-encoding': 'chunked' },
      });
      request.on('response', (response) => {
        let text = '';
        response.on('data', (c: Buffer) => (text += c.toString()));
        response.on('end', () => resolve({ status: response.statusCode!, body: text }));
      });
      request.on('error', reject);
      const chunk = Buffer.alloc(1024 * 1024);
      let sent = 0;
      const write = () => {
        while (sent <= maxMultipartBodyBytes) {
          sent += chunk.length;
          if (!request.write(chunk)) return void request.once('drain', write);
        }
        request.end();
      };
      write();
    });
    expect(chunked.status).toBeGreaterThanOrEqual(400);
    expect(chunked.body).toContain('Request body too large');
    expect((await prompts()).map((p) => p.name)).not.toContain('huge');
    libraryIsClean();
  });

  it('refuses a name that is taken (in any case) or that is no plain file name, before converting anything', async () => {
    const path = await tone('again', 'mp3', 1);
    expect(issues(await uploadPrompt('welcome', 'CUSTOM', fileOf(path)), 'uploadPrompt')).toEqual([{ path: ['input', 'name'], code: 'CONFLICT', message: 'a prompt named welcome exists' }]);
    expect(issues(await uploadPrompt('WELCOME', 'IVR', fileOf(path)), 'uploadPrompt')[0]).toMatchObject({ path: ['input', 'name'], code: 'CONFLICT' });
    for (const name of ['../evil', '../../etc/cron.d/x', '..', '.hidden', 'a/b', 'sub\\dir', 'nul\u0000byte', 'new\nline', 'semi;colon']) {
      expect(issues(await uploadPrompt(name, 'IVR', fileOf(path)), 'uploadPrompt'), JSON.stringify(name)).toEqual([{ path: ['input', 'name'], code: 'INVALID_FORMAT', message: expect.any(String) }]);
    }
    expect(existsSync(join(soundsDir(), 'evil.wav'))).toBe(false);
    expect(existsSync(join(soundsDir(), '..', 'evil.wav'))).toBe(false);
    libraryIsClean();
  });

  it('serves the WAV to the holder of its signed URL, and to a Bearer token with settings:read; nobody else', async () => {
    const [welcome, other] = await prompts().then((list) => [list.find((p) => p.name === 'welcome'), list.find((p) => p.name === 'closed')]);
    expect(welcome.downloadUrl).toMatch(/^\/sounds\/prompts\/[a-z0-9]+\.wav\?token=[\w-]+\.[\w-]+\.[\w-]+$/);
    const stored = readFileSync(join(promptsDir(), 'welcome.wav'));

    const signed = await download(welcome.downloadUrl);
    expect(signed.status).toBe(200);
    expect(signed.headers.get('content-type')).toBe('audio/wav');
    expect(signed.headers.get('content-length')).toBe(String(stored.length));
    expect(signed.headers.get('content-disposition')).toBe(`inline; filename="welcome.wav"; filename*=UTF-8''welcome.wav`);
    expect(Buffer.from(await signed.arrayBuffer()).equals(stored)).toBe(true);

    const path = welcome.downloadUrl.split('?')[0];
    const bearer = await download(path, { authorization: `Bearer ${server.adminToken}` });
    expect(bearer.status).toBe(200);
    expect(Buffer.from(await bearer.arrayBuffer()).equals(stored)).toBe(true);
    const head = await download(welcome.downloadUrl, {}, 'HEAD');
    expect([head.status, head.headers.get('content-length'), (await head.arrayBuffer()).byteLength]).toEqual([200, String(stored.length), 0]);

    expect((await download(path)).status).toBe(401);
    expect((await download(`${path}?token=not-a-token`)).status).toBe(401);
    expect((await download(path, { authorization: 'Bearer not-a-token' })).status).toBe(401);
    const otherToken = new URL(other.downloadUrl, server.url).searchParams.get('token');
    expect((await download(`${path}?token=${otherToken}`)).status).toBe(403);
    const expired = await new DownloadTokens(loadTokenSecret(undefined, server.running.config.dataDir), -60).url({ kind: 'prompt', id: localId(welcome.id) });
    expect((await download(expired)).status).toBe(401);
    // An access token is no download token.
    expect((await download(`${path}?token=${server.adminToken}`)).status).toBe(401);
    expect((await download(path, {}, 'POST')).status).toBe(405);
    const unknown = await new DownloadTokens(loadTokenSecret(undefined, server.running.config.dataDir)).url({ kind: 'prompt', id: 'nosuchprompt' });
    expect((await download(unknown)).status).toBe(404);
    for (const attempt of [
      '/sounds/prompts/../../token-secret',
      '/sounds/prompts/..%2f..%2ftoken-secret.wav',
      '/sounds/prompts/%2e%2e%2fpbx.db.wav',
      '/sounds/prompts/welcome.wav/../../x.wav',
      '/sounds/',
      '/sounds/prompts/.wav',
    ]) {
      const response = await download(attempt, { authorization: `Bearer ${server.adminToken}` });
      expect(response.status, attempt).toBe(404);
      expect(response.headers.get('content-type'), attempt).not.toBe('audio/wav');
    }
  });

  it('deletes prompts with their files; refuses while something plays one (ReferencedError naming it)', async () => {
    const list = await prompts();
    const wakeup = list.find((p) => p.name === 'wakeup');
    domains.register({
      name: 'test-prompt-user',
      referrers: [{ target: 'PROMPT', find: async (_tx, ids) => (ids.includes(localId(wakeup.id)) ? [{ kind: 'WAKEUP', id: 'w1', label: 'wake-up call 7:00 plays it' }] : []) }],
    });
    try {
      const refused = await gql(remove('deletePrompts'), { ids: [wakeup.id] });
      expect(refused.data.deletePrompts).toEqual({
        __typename: 'ReferencedError',
        message: 'Prompt wakeup cannot be deleted: wake-up call 7:00 plays it',
        referrers: [{ kind: 'WAKEUP', label: 'wake-up call 7:00 plays it' }],
      });
    } finally {
      domains.unregister('test-prompt-user');
    }
    expect(existsSync(join(promptsDir(), 'wakeup.wav'))).toBe(true);
    const forward = list.find((p) => p.name === 'forward');
    expect(ok(await gql(remove('deletePrompts'), { ids: [wakeup.id, forward.id] }), 'deletePrompts')).toEqual({ count: 2 });
    expect(listDir(promptsDir()).filter((f) => /^(wakeup|forward)\./.test(f))).toEqual([]);
    expect((await prompts()).map((p) => p.name)).not.toContain('wakeup');
    expect((await gql(remove('deletePrompts'), { ids: [wakeup.id] })).data.deletePrompts.__typename).toBe('NotFoundError');
  });

  it('records uploads in the audit log by file name and size, never their bytes', async () => {
    const log = await gql(`{ auditLog(first: 50, filter: { operation: "uploadPrompt" }) { edges { node { outcome input } } } }`);
    const entries = log.data.auditLog.edges.map((e: any) => e.node);
    expect(entries.length).toBeGreaterThan(5);
    const welcome = entries.find((e: any) => e.outcome === 'OK' && e.input.includes('"welcome"'));
    expect(JSON.parse(welcome.input)).toEqual({ input: { name: 'welcome', category: 'IVR' }, file: { file: 'welcome.wav', size: expect.any(Number) } });
    expect(entries.find((e: any) => e.input.includes('"notes"')).outcome).toBe('ValidationError');
    for (const e of entries) expect(e.input.length).toBeLessThan(400);
  });
});

describe('music on hold (F-4.4.1)', () => {
  let sales: any;

  it('has the class default, playing Asterisk’s own music while it has no files', async () => {
    const classes = await mohClasses();
    expect(classes).toEqual([expect.objectContaining({ name: 'default', playMode: 'SEQUENTIAL', builtin: true, playsFactoryMusic: true, files: [] })]);
    expect(classOptions(await rendered('musiconhold.conf'), 'default')).toEqual({ mode: 'files', directory: 'moh', sort: 'alpha' });
  });

  it('creates classes with a unique plain name (not general), SEQUENTIAL unless told', async () => {
    sales = ok(await gql(CREATE_CLASS, { input: { name: 'sales' } }), 'createMohClass');
    expect(sales).toMatchObject({ name: 'sales', playMode: 'SEQUENTIAL', builtin: false, playsFactoryMusic: false, files: [] });
    expect(issues(await gql(CREATE_CLASS, { input: { name: 'Sales' } }), 'createMohClass')).toEqual([
      { path: ['input', 'name'], code: 'CONFLICT', message: 'a music-on-hold class named sales exists' },
    ]);
    expect(issues(await gql(CREATE_CLASS, { input: { name: 'General' } }), 'createMohClass')[0]).toMatchObject({ path: ['input', 'name'], code: 'RESERVED' });
    for (const name of ['../moh', 'a b', 'x]y', ''])
      expect(issues(await gql(CREATE_CLASS, { input: { name } }), 'createMohClass')[0], name).toMatchObject({ path: ['input', 'name'], code: 'INVALID_FORMAT' });
    // Without files it is not loaded: Asterisk would refuse it, and whoever uses it hears default.
    const text = await rendered('musiconhold.conf');
    expect(classOptions(text, 'sales')).toEqual({});
    expect(text).toContain('; sales: no files yet');
  });

  it('adds uploads at the end of the play order, named after the uploaded file, stored by position in the class folder', async () => {
    const first = ok(await uploadMoh(sales.id, fileOf(await tone('Summer Song', 'mp3'))), 'uploadMohFile');
    const second = ok(await uploadMoh(sales.id, { ...fileOf(await tone('second', 'oggOpus')), name: '../../etc/passwd.ogg' }), 'uploadMohFile');
    const third = ok(await uploadMoh(sales.id, fileOf(await tone('等待音乐', 'wav44kStereo24'))), 'uploadMohFile');
    expect([first, second, third].map((f) => [f.name, f.position, f.mohClass.name])).toEqual([
      ['Summer Song', 1, 'sales'],
      ['passwd', 2, 'sales'],
      ['等待音乐', 3, 'sales'],
    ]);
    const dir = join(soundsDir(), 'moh', 'sales');
    const ids = [first, second, third].map((f) => localId(f.id));
    expect(listDir(dir)).toEqual(ids.flatMap((id, i) => [`000${i + 1}-${id}.sln16`, `000${i + 1}-${id}.wav`]));
    expect(wavHeader(readFileSync(join(dir, `0001-${ids[0]}.wav`)))).toMatchObject({ channels: 1, sampleRate: 8000, bitsPerSample: 16 });
    expect(existsSync(join(soundsDir(), 'etc'))).toBe(false);
    const text = await rendered('musiconhold.conf');
    expect(classOptions(text, 'sales')).toEqual({ mode: 'files', directory: dir, sort: 'alpha' });
    expect(text).toContain(ids.map((id, i) => `; 000${i + 1}-${id}\n`).join(''));
    expect(issues(await uploadMoh(sales.id, { ...fileOf(await tone('dup', 'mp3', 1)), name: 'summer song.MP3' }), 'uploadMohFile')).toEqual([
      { path: ['file'], code: 'CONFLICT', message: 'class sales already has a file named Summer Song' },
    ]);
    expect(issues(await uploadMoh(sales.id, { name: 'song.mp3', content: 'not music', type: 'audio/mpeg' }), 'uploadMohFile')[0]).toMatchObject({ path: ['file'], code: 'NOT_AUDIO' });
    expect(listDir(dir)).toHaveLength(6);
    libraryIsClean();
  });

  it('reorders the files: Asterisk’s sort=alpha then plays them in the new order', async () => {
    const files = (await mohClasses()).find((c) => c.name === 'sales').files;
    const order = [files[2].id, files[0].id, files[1].id];
    const reordered = ok(await gql(REORDER, { classId: sales.id, fileIds: order }), 'reorderMohFiles');
    expect(reordered.files.map((f: any) => [f.name, f.position])).toEqual([
      ['等待音乐', 1],
      ['Summer Song', 2],
      ['passwd', 3],
    ]);
    const dir = join(soundsDir(), 'moh', 'sales');
    const ids = order.map(localId);
    expect(listDir(dir)).toEqual(ids.flatMap((id, i) => [`000${i + 1}-${id}.sln16`, `000${i + 1}-${id}.wav`]));
    expect(await rendered('musiconhold.conf')).toContain(ids.map((id, i) => `; 000${i + 1}-${id}\n`).join(''));

    const missing = await gql(REORDER, { classId: sales.id, fileIds: order.slice(0, 2) });
    expect(issues(missing, 'reorderMohFiles')).toEqual([{ path: ['fileIds'], code: 'INVALID', message: 'must list each of the 3 files of class sales once' }]);
    expect(issues(await gql(REORDER, { classId: sales.id, fileIds: [order[0], order[0], order[1]] }), 'reorderMohFiles')[0]).toMatchObject({ code: 'INVALID' });
  });

  it('plays a class shuffled in RANDOM mode', async () => {
    const updated = await gql(`mutation($id: ID!) { updateMohClass(id: $id, input: { playMode: RANDOM }) { ${ERRORS} ... on MutationUpdateMohClassSuccess { data { playMode } } } }`, { id: sales.id });
    expect(ok(updated, 'updateMohClass')).toEqual({ playMode: 'RANDOM' });
    expect(classOptions(await rendered('musiconhold.conf'), 'sales').sort).toBe('random');
  });

  it('deletes files; the others close up in order, on disk too', async () => {
    const files = (await mohClasses()).find((c) => c.name === 'sales').files;
    expect(ok(await gql(remove('deleteMohFiles'), { ids: [files[0].id] }), 'deleteMohFiles')).toEqual({ count: 1 });
    const left = (await mohClasses()).find((c) => c.name === 'sales').files;
    expect(left.map((f: any) => [f.name, f.position])).toEqual([
      ['Summer Song', 1],
      ['passwd', 2],
    ]);
    const ids = left.map((f: any) => localId(f.id));
    expect(listDir(join(soundsDir(), 'moh', 'sales'))).toEqual(ids.flatMap((id: string, i: number) => [`000${i + 1}-${id}.sln16`, `000${i + 1}-${id}.wav`]));
  });

  it('serves a music file by its signed URL', async () => {
    const file = (await mohClasses()).find((c) => c.name === 'sales').files[0];
    expect(file.downloadUrl).toMatch(/^\/sounds\/moh-files\/[a-z0-9]+\.wav\?token=/);
    const response = await download(file.downloadUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toBe(`inline; filename="Summer Song.wav"; filename*=UTF-8''Summer%20Song.wav`);
    expect(wavHeader(Buffer.from(await response.arrayBuffer()))).toMatchObject({ sampleRate: 8000 });
  });

  it('plays the own files of default once it has some', async () => {
    const defaultClass = (await mohClasses()).find((c) => c.name === 'default');
    ok(await uploadMoh(defaultClass.id, fileOf(await tone('lobby', 'flac'))), 'uploadMohFile');
    expect((await mohClasses()).find((c) => c.name === 'default').playsFactoryMusic).toBe(false);
    expect(classOptions(await rendered('musiconhold.conf'), 'default')).toEqual({ mode: 'files', directory: join(soundsDir(), 'moh', 'default'), sort: 'alpha' });
  });

  it('makes Extension.mohClass name an existing class, on create, update and import', async () => {
    const create = `mutation($input: CreateExtensionInput!) { createExtension(input: $input) { ${ERRORS} ... on MutationCreateExtensionSuccess { data { id mohClass } } } }`;
    const bad = await gql(create, { input: { number: '150', name: 'Eve', password: 'Secret-150', mohClass: 'jazz' } });
    expect(issues(bad, 'createExtension')).toEqual([{ path: ['input', 'mohClass'], code: 'NOT_FOUND', message: 'no music-on-hold class named jazz' }]);
    const eve = ok(await gql(create, { input: { number: '150', name: 'Eve', password: 'Secret-150', mohClass: 'sales' } }), 'createExtension');
    expect(eve.mohClass).toBe('sales');
    const update = `mutation($id: ID!, $input: UpdateExtensionInput!) { updateExtension(id: $id, input: $input) { ${ERRORS} ... on MutationUpdateExtensionSuccess { data { mohClass } } } }`;
    expect(issues(await gql(update, { id: eve.id, input: { mohClass: 'nosuch' } }), 'updateExtension')).toEqual([
      { path: ['input', 'mohClass'], code: 'NOT_FOUND', message: 'no music-on-hold class named nosuch' },
    ]);
    const csv = 'number,name,password,mohClass\n151,Frank,Secret-151,default\n152,Gina,Secret-152,missing\n';
    const IMPORT = `mutation($file: File!) { importExtensions(file: $file, mode: VALID_ROWS_ONLY) { ${ERRORS} ... on MutationImportExtensionsSuccess { data { createdCount rejected { path code } } } } }`;
    const imported = ok(await uploadFile(server.graphqlUrl, server.adminToken, IMPORT, {}, { name: 'ext.csv', content: csv, type: 'text/csv' }), 'importExtensions');
    expect(imported.createdCount).toBe(1);
    expect(imported.rejected).toEqual([{ path: expect.arrayContaining(['mohClass']), code: 'NOT_FOUND' }]);
  });

  it('never deletes default; refuses a class an extension plays, naming the extension; deletes the rest with their folder', async () => {
    const classes = await mohClasses();
    const defaultClass = classes.find((c) => c.name === 'default');
    expect(issues(await gql(remove('deleteMohClasses'), { ids: [defaultClass.id] }), 'deleteMohClasses')).toEqual([
      { path: ['ids', '0'], code: 'BUILTIN', message: 'the class default always exists: Asterisk falls back to it' },
    ]);
    const refused = await gql(remove('deleteMohClasses'), { ids: [sales.id] });
    expect(refused.data.deleteMohClasses).toMatchObject({ __typename: 'ReferencedError', referrers: [{ kind: 'EXTENSION', label: 'extension 150 (Eve) plays it to its held callers' }] });
    expect(existsSync(join(soundsDir(), 'moh', 'sales'))).toBe(true);

    const eve = (await gql(`{ extensions(filter: { search: "150" }) { edges { node { id } } } }`)).data.extensions.edges[0].node;
    ok(
      await gql(`mutation($id: ID!) { updateExtension(id: $id, input: { mohClass: "default" }) { ${ERRORS} ... on MutationUpdateExtensionSuccess { data { mohClass } } } }`, { id: eve.id }),
      'updateExtension',
    );
    // The ringback music of the PBX settings names a class too: an unknown one is refused, the one in use cannot go.
    const ringback = (name: string) => gql(`mutation { updatePbxSettings(input: { ringbackMusic: true, ringbackMusicClass: "${name}" }) { ${ERRORS} } }`);
    expect(issues(await ringback('nope'), 'updatePbxSettings')).toEqual([{ path: ['input', 'ringbackMusicClass'], code: 'NOT_FOUND', message: 'no music-on-hold class nope exists' }]);
    expect((await ringback('sales')).data.updatePbxSettings.__typename).toBe('MutationUpdatePbxSettingsSuccess');
    expect((await gql(remove('deleteMohClasses'), { ids: [sales.id] })).data.deleteMohClasses).toMatchObject({
      __typename: 'ReferencedError',
      referrers: [{ kind: 'SETTINGS', label: 'the PBX settings play it as ringback music (ringbackMusicClass)' }],
    });
    expect((await ringback('default')).data.updatePbxSettings.__typename).toBe('MutationUpdatePbxSettingsSuccess');
    expect(ok(await gql(remove('deleteMohClasses'), { ids: [sales.id] }), 'deleteMohClasses')).toEqual({ count: 1 });
    expect(existsSync(join(soundsDir(), 'moh', 'sales'))).toBe(false);
    expect((await mohClasses()).map((c) => c.name)).toEqual(['default']);
    expect(classOptions(await rendered('musiconhold.conf'), 'sales')).toEqual({});
  });
});

describe('who may use the sound library', () => {
  let extensionToken: string;
  let operatorToken: string;

  beforeAll(async () => {
    ok(
      await gql(`mutation { setExtensionLoginPassword(extension: "150", password: "Login-150x") { ${ERROR_FIELDS} ... on MutationSetExtensionLoginPasswordSuccess { data { number } } } }`),
      'setExtensionLoginPassword',
    );
    extensionToken = await server.login('150', 'Login-150x');
    await gql(`mutation { createAccount(input: { username: "op1", password: "Operator-pw1", role: OPERATOR }) { __typename } }`);
    operatorToken = await server.login('op1', 'Operator-pw1');
  });

  it('gives an extension user nothing: no lists, no uploads, no downloads', async () => {
    const list = await gql(`{ prompts { name } }`, {}, extensionToken);
    expect(list.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await gql(`{ mohClasses { name } }`, {}, extensionToken)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const upload = await uploadPrompt('mine', 'CUSTOM', fileOf(await tone('mine', 'mp3', 1)), extensionToken);
    expect(upload.data.uploadPrompt.__typename).toBe('NotPermittedError');
    const welcome = (await prompts()).find((p) => p.name === 'welcome');
    expect((await download(welcome.downloadUrl.split('?')[0], { authorization: `Bearer ${extensionToken}` })).status).toBe(403);
  });

  it('lets an operator (settings:read) list and download but not change anything', async () => {
    const list = await gql(`{ prompts { id name downloadUrl } }`, {}, operatorToken);
    expect(list.data.prompts.map((p: any) => p.name)).toContain('welcome');
    const welcome = list.data.prompts.find((p: any) => p.name === 'welcome');
    expect((await download(welcome.downloadUrl.split('?')[0], { authorization: `Bearer ${operatorToken}` })).status).toBe(200);
    expect((await gql(CREATE_CLASS, { input: { name: 'ops' } }, operatorToken)).data.createMohClass.__typename).toBe('NotPermittedError');
    const refused = await gql(remove('deletePrompts'), { ids: [welcome.id] }, operatorToken);
    expect(refused.data.deletePrompts.__typename).toBe('NotPermittedError');
  });
});
