import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startAriStandin, type AriStandin, type StasisCallHandle } from '../support/ari-standin/index.js';
import { ERROR_FIELDS, ok, startTestServer, type TestServer } from '../support/server.js';
import { subscribe, until } from '../support/subscriptions.js';

/**
 * Prompts by phone (F-4.4.2, F-4.4.3) through GraphQL, with the ARI
 * stand-in as Asterisk: recordPromptByPhone rings the extension into the
 * server's ARI application and guides the call (the stand-in's phones
 * answer, press keys and hang up on command; what they "say" is a tone as
 * long as the recording runs); playPromptOnExtension plays a prompt by its
 * absolute path. The recording reaches the real sound library (ffmpeg).
 */
const ARI_PASSWORD = 'ari-phone-test-pass';
// Playbacks last 150 ms here, so that a test can act while one plays.
const PLAYBACK_MS = 150;

const CALL = `id kind state finished extension promptName category recordedSeconds failure failureReason startedAt updatedAt prompt { id name category origin durationMs downloadUrl }`;
const RECORD = `mutation($input: RecordPromptByPhoneInput!) { recordPromptByPhone(input: $input) { ${ERROR_FIELDS} ... on AsteriskNotConnectedError { message } ... on ConflictError { message path } ... on MutationRecordPromptByPhoneSuccess { data { ${CALL} } } } }`;
const PLAY = `mutation($prompt: ID!, $extension: String!, $ringSeconds: Int) { playPromptOnExtension(prompt: $prompt, extension: $extension, ringSeconds: $ringSeconds) { ${ERROR_FIELDS} ... on AsteriskNotConnectedError { message } ... on NotFoundError { entity } ... on MutationPlayPromptOnExtensionSuccess { data { ${CALL} } } } }`;

let standin: AriStandin;
let server: TestServer;
const gql = (query: string, variables?: Record<string, unknown>) => server.gql(query, variables, server.adminToken);
/** The ids of the calls the tests placed, so that each test can leave none running. */
const placed: string[] = [];
const noted = (result: any, field: string) => {
  const id = result.data?.[field]?.data?.id;
  if (id) placed.push(id);
  return result;
};
const record = async (input: Record<string, unknown>) => noted(await gql(RECORD, { input: { category: 'IVR', extension: '101', ...input } }), 'recordPromptByPhone');
const recorded = async (input: Record<string, unknown>) => ok(await record(input), 'recordPromptByPhone');
const play = async (variables: Record<string, unknown>) => noted(await gql(PLAY, { extension: '101', ...variables }), 'playPromptOnExtension');

async function callNow(id: string) {
  const result = await gql(`query($id: ID!) { promptPhoneCall(id: $id) { ${CALL} } }`, { id });
  expect(result.errors).toBeUndefined();
  return result.data.promptPhoneCall;
}

/** Waits for the call to reach `state` (or a final state); returns it. */
async function reaches(id: string, state: string, timeoutMs = 5000) {
  let call: any;
  await until(
    async () => {
      call = await callNow(id);
      return call.state === state || call.finished;
    },
    timeoutMs,
    `call ${id} ${state}`,
  );
  expect(call.state, JSON.stringify(call)).toBe(state);
  return call;
}

/** The stand-in's side of the newest call to `extension`. */
function phoneCall(extension: string): StasisCallHandle {
  const call = standin.stasisCalls.filter((c) => c.from === extension).at(-1);
  if (!call) throw new Error(`no call to ${extension}`);
  return call;
}

/**
 * Waits until the call's `n`th recording has started (RecordingStarted, not
 * only requested), then lets it run `ms`: a loaded machine may start it late,
 * and a take shorter than the server's minimum would be asked for again.
 */
async function speak(extension: string, n: number, ms: number) {
  await until(() => phoneCall(extension).recordings.length >= n && phoneCall(extension).recordingState === 'recording', 5000, `recording ${n}`);
  await new Promise((r) => setTimeout(r, ms));
}

/** The library's prompts (the sound library's own query). */
async function listPrompts(): Promise<{ id: string; name: string; origin: string; durationMs: number }[]> {
  const result = await gql(`{ prompts { id name origin durationMs } }`);
  expect(result.errors).toBeUndefined();
  return result.data.prompts;
}

const ourRecordings = () => standin.storedRecordings.filter((name) => name.startsWith('pbx-prompt-'));

beforeAll(async () => {
  standin = await startAriStandin({ username: 'pbx', password: ARI_PASSWORD, playbackMs: PLAYBACK_MS });
  server = await startTestServer({ ARI_URL: standin.url, ARI_USERNAME: 'pbx', ARI_PASSWORD, APPLY_DEBOUNCE_MS: '50' });
  await until(() => server.running.services.live.asteriskConnected, 5000, 'ARI connected');
  for (const [number, enabled] of [
    ['101', true],
    ['102', true],
    ['103', false],
    ['104', true],
  ] as const) {
    ok(
      await gql(`mutation($input: CreateExtensionInput!) { createExtension(input: $input) { ${ERROR_FIELDS} ... on MutationCreateExtensionSuccess { data { id } } } }`, {
        input: { number, name: `User ${number}`, password: `Secret-${number}-x`, enabled },
      }),
      'createExtension',
    );
  }
  // The enabled extensions' endpoints are pushed by the server (the disabled 103 has none).
  await until(() => ['101', '102', '104'].every((n) => standin.dynamicObject('res_pjsip', 'endpoint', n)), 5000, 'the endpoints pushed');
  // 101 answers at once; 102 rings until told; 104 is not registered.
  standin.register('101', { ip: '127.0.0.1', port: 5071, autoAnswer: true });
  standin.register('102', { ip: '127.0.0.1', port: 5072 });
});

// A test that failed half-way leaves no call behind to make the next ones conflict with it.
afterEach(async () => {
  const live = standin.stasisCalls.filter((call) => call.status === 'ringing' || call.status === 'in-stasis');
  for (const call of live) {
    if (call.status === 'ringing') standin.rejectStasisCall(call);
    else standin.hangupStasisCall(call);
  }
  await until(() => live.every((call) => call.status === 'ended' || call.status === 'failed'), 5000, 'the calls left over ended');
  if (!server.running.services.live.asteriskConnected) return;
  for (const id of placed.splice(0)) await until(async () => (await callNow(id))?.finished !== false, 20_000, `call ${id} finished`);
});

afterAll(async () => {
  await server?.stop();
  await standin?.stop();
});

describe('recordPromptByPhone (F-4.4.2, F-4.4.3)', () => {
  it('rings the extension, guides the recording, and 1 keeps it: a prompt of the library (origin RECORDING); Asterisk keeps no copy', async () => {
    const call = await recorded({ name: 'welcome', category: 'IVR', extension: '102' });
    expect(call).toMatchObject({ kind: 'RECORD', state: 'RINGING', finished: false, extension: '102', promptName: 'welcome', category: 'IVR', prompt: null, failure: null });
    const feed = subscribe(server.graphqlUrl, server.adminToken, `subscription($id: ID!) { promptPhoneCallChanged(id: $id) { state finished } }`, { id: call.id });
    try {
      await feed.waitFor((r) => r.data?.promptPhoneCallChanged?.state === 'RINGING');
      standin.answerStasisCall(phoneCall('102'));
      await speak('102', 1, 700);
      standin.sendDtmf(phoneCall('102'), '#');
      await reaches(call.id, 'REVIEWING');
      standin.sendDtmf(phoneCall('102'), '1');
      const saved = await reaches(call.id, 'SAVED', 15_000);
      expect(saved.prompt).toMatchObject({ name: 'welcome', category: 'IVR', origin: 'RECORDING' });
      expect(saved.prompt.durationMs).toBeGreaterThanOrEqual(600);
      expect(saved.recordedSeconds).toBeGreaterThanOrEqual(0.6);
      expect(saved).toMatchObject({ finished: true, failure: null, failureReason: null });

      const phone = phoneCall('102');
      await until(() => phone.status === 'ended', 5000, 'the server hangs up');
      expect(phone.args).toEqual(['prompt-phone', 'record']);
      expect(phone.played).toEqual(['sound:vm-intro', 'sound:vm-review', 'sound:vm-msgsaved', 'sound:vm-goodbye']);
      expect(phone.recordings).toEqual([`pbx-prompt-rec-${call.id}`]);
      expect(phone.hangupCause).toBe(16);
      await until(() => ourRecordings().length === 0, 5000, "Asterisk's copy deleted");

      expect((await listPrompts()).map(({ name, origin, durationMs }) => ({ name, origin, durationMs }))).toEqual([{ name: 'welcome', origin: 'RECORDING', durationMs: saved.prompt.durationMs }]);
      const download = await fetch(new URL(saved.prompt.downloadUrl, server.url));
      expect(download.status).toBe(200);
      expect((await download.arrayBuffer()).byteLength).toBeGreaterThan(8000);

      const states = (await feed.waitFor((r) => r.data?.promptPhoneCallChanged?.finished)) && feed.results.map((r) => r.data.promptPhoneCallChanged.state);
      expect(states).toEqual(['RINGING', 'ANSWERED', 'RECORDING', 'REVIEWING', 'SAVING', 'SAVED']);
    } finally {
      await feed.close();
    }
  });

  it('2 plays the recording back, 3 records again; the last recording is the one kept', async () => {
    const call = await recorded({ name: 'menu-main', category: 'CUSTOM' });
    await speak('101', 1, 300);
    standin.sendDtmf(phoneCall('101'), '#');
    await reaches(call.id, 'REVIEWING');
    standin.sendDtmf(phoneCall('101'), '2');
    await until(() => phoneCall('101').played.includes(`recording:pbx-prompt-rec-${call.id}`), 5000, 'the playback of the recording');
    standin.sendDtmf(phoneCall('101'), '3');
    await reaches(call.id, 'RECORDING');
    await speak('101', 2, 1200);
    standin.sendDtmf(phoneCall('101'), '#');
    await reaches(call.id, 'REVIEWING');
    standin.sendDtmf(phoneCall('101'), '1');
    const saved = await reaches(call.id, 'SAVED', 15_000);
    expect(saved.prompt).toMatchObject({ name: 'menu-main', category: 'CUSTOM' });
    expect(saved.prompt.durationMs).toBeGreaterThanOrEqual(1100);
    expect(phoneCall('101').recordings).toHaveLength(2);
  });

  it('a key pressed while the review menu plays stops it and counts', async () => {
    const call = await recorded({ name: 'quick-keeper' });
    await speak('101', 1, 300);
    standin.sendDtmf(phoneCall('101'), '#');
    await reaches(call.id, 'REVIEWING');
    // The menu lasts PLAYBACK_MS here; the key comes while it plays.
    await until(() => phoneCall('101').played.includes('sound:vm-review'), 5000, 'the review menu');
    standin.sendDtmf(phoneCall('101'), '1');
    await reaches(call.id, 'SAVED', 15_000);
    expect(phoneCall('101').stopped).toEqual(['sound:vm-review']);
  });

  it('hanging up after speaking keeps the recording, as the instructions say', async () => {
    const call = await recorded({ name: 'hung-up-after' });
    await speak('101', 1, 600);
    standin.hangupStasisCall(phoneCall('101'));
    const saved = await reaches(call.id, 'SAVED', 15_000);
    expect(saved.prompt.durationMs).toBeGreaterThanOrEqual(500);
    expect(phoneCall('101').hangupCause).toBe(0);
    await until(() => ourRecordings().length === 0, 5000, "Asterisk's copy deleted");
  });

  it('hanging up before the beep: FAILED HUNG_UP, nothing stored', async () => {
    const call = await recorded({ name: 'never-said' });
    await reaches(call.id, 'ANSWERED');
    standin.hangupStasisCall(phoneCall('101'));
    const failed = await reaches(call.id, 'FAILED');
    expect(failed).toMatchObject({ failure: 'HUNG_UP', failureReason: 'extension 101 hung up before the recording started', prompt: null });
    expect(phoneCall('101').recordings).toEqual([]);
    expect((await listPrompts()).map((p) => p.name)).not.toContain('never-said');
  });

  it('saying nothing three times: "please try again", then FAILED NOTHING_RECORDED', async () => {
    const call = await recorded({ name: 'silent-one' });
    for (let attempt = 1; attempt <= 3; attempt++) {
      await speak('101', attempt, 20);
      standin.sendDtmf(phoneCall('101'), '#');
    }
    const failed = await reaches(call.id, 'FAILED', 10_000);
    expect(failed).toMatchObject({ failure: 'NOTHING_RECORDED', failureReason: 'nothing was recorded in 3 attempts' });
    const phone = phoneCall('101');
    await until(() => phone.status === 'ended', 5000, 'the server hangs up');
    expect(phone.played).toEqual(['sound:vm-intro', 'sound:please-try-again', 'sound:please-try-again', 'sound:beeperr', 'sound:vm-goodbye']);
    await until(() => ourRecordings().length === 0, 5000, "Asterisk's copy deleted");
  });

  it("Asterisk's spool without a recording folder: FAILED ASTERISK_ERROR saying so, and the caller hears the error tone", async () => {
    standin.setRecordingFolder(false);
    try {
      const call = await recorded({ name: 'no-folder' });
      const failed = await reaches(call.id, 'FAILED');
      expect(failed.failure).toBe('ASTERISK_ERROR');
      expect(failed.failureReason).toMatch(
        /^Asterisk could not start the recording \(POST \/channels\/[^ ]+\/record: 500 Internal Server Error\); it records into the recording folder of its spool, which must exist$/,
      );
      const phone = phoneCall('101');
      await until(() => phone.status === 'ended', 5000, 'the server hangs up');
      expect(phone.played).toEqual(['sound:vm-intro', 'sound:beeperr', 'sound:vm-goodbye']);
    } finally {
      standin.setRecordingFolder(true);
    }
  });

  it('no answer within ringSeconds: FAILED NO_ANSWER', async () => {
    const call = await recorded({ name: 'not-answered', extension: '102', ringSeconds: 5 });
    expect(call.state).toBe('RINGING');
    const failed = await reaches(call.id, 'FAILED', 10_000);
    expect(failed).toMatchObject({ failure: 'NO_ANSWER', failureReason: 'extension 102 did not answer within 5 s' });
    expect(phoneCall('102').hangupCause).toBe(19);
  });

  it('the phone rejects the call: FAILED BUSY', async () => {
    const call = await recorded({ name: 'rejected', extension: '102' });
    standin.rejectStasisCall(phoneCall('102'));
    expect(await reaches(call.id, 'FAILED')).toMatchObject({ failure: 'BUSY', failureReason: 'extension 102 is busy' });
  });

  it('an extension that is not registered: the call answers FAILED UNREACHABLE at once', async () => {
    const call = await recorded({ name: 'nobody-there', extension: '104' });
    expect(call).toMatchObject({ state: 'FAILED', finished: true, failure: 'UNREACHABLE', failureReason: 'extension 104 is not registered (Asterisk could not call it)' });
  });

  it('refuses bad input with errors naming the field, before any call is placed', async () => {
    const before = standin.stasisCalls.length;
    const issue = async (input: Record<string, unknown>) => (await record(input)).data.recordPromptByPhone;
    expect(await issue({ name: 'bad name!' })).toMatchObject({ __typename: 'ValidationError', issues: [{ path: ['input', 'name'], code: 'INVALID_FORMAT' }] });
    expect(await issue({ name: 'WELCOME' })).toMatchObject({ __typename: 'ValidationError', issues: [{ path: ['input', 'name'], code: 'CONFLICT', message: 'a prompt named welcome exists' }] });
    expect(await issue({ name: 'fresh', extension: '199' })).toMatchObject({ __typename: 'ValidationError', issues: [{ path: ['input', 'extension'], code: 'NOT_FOUND' }] });
    expect(await issue({ name: 'fresh', extension: '103' })).toMatchObject({
      __typename: 'ValidationError',
      issues: [{ path: ['input', 'extension'], code: 'DISABLED', message: 'extension 103 is disabled' }],
    });
    expect(await issue({ name: 'fresh', ringSeconds: 3 })).toMatchObject({ __typename: 'ValidationError', issues: [{ path: ['input', 'ringSeconds'], code: 'OUT_OF_RANGE' }] });
    expect(standin.stasisCalls.length).toBe(before);
  });

  it('one prompt call per extension, and one recording per name, at a time', async () => {
    const call = await recorded({ name: 'first-of-two', extension: '102' });
    expect((await record({ name: 'second', extension: '102' })).data.recordPromptByPhone).toMatchObject({ __typename: 'ConflictError', path: ['input', 'extension'] });
    expect((await record({ name: 'FIRST-of-two', extension: '101' })).data.recordPromptByPhone).toMatchObject({ __typename: 'ConflictError', path: ['input', 'name'] });
    standin.rejectStasisCall(phoneCall('102'));
    await reaches(call.id, 'FAILED');
  });

  it('needs settings:write; an operator may follow a call but not start one; the mutation is audited', async () => {
    await gql(`mutation { createAccount(input: { username: "op-phone", password: "Operator-pw7", role: OPERATOR }) { __typename } }`);
    const token = await server.login('op-phone', 'Operator-pw7');
    const refused = await server.gql(RECORD, { input: { name: 'by-operator', category: 'IVR', extension: '101' } }, token);
    expect(refused.data.recordPromptByPhone.__typename).toBe('NotPermittedError');
    const call = await recorded({ name: 'audited-one', extension: '104' });
    const read = await server.gql(`query($id: ID!) { promptPhoneCall(id: $id) { state } }`, { id: call.id }, token);
    expect(read.data.promptPhoneCall).toEqual({ state: 'FAILED' });
    const audit = await gql(`{ auditLog(first: 20) { edges { node { username operation outcome } } } }`);
    const rows = audit.data.auditLog.edges.map((e: any) => `${e.node.username}:${e.node.operation}:${e.node.outcome}`);
    expect(rows).toContain('admin:recordPromptByPhone:OK');
    expect(rows).toContain('op-phone:recordPromptByPhone:NotPermittedError');
  });

  it('an unknown id: promptPhoneCall is null and the subscription ends at once', async () => {
    expect(await callNow('no-such-call')).toBeNull();
    const feed = subscribe(server.graphqlUrl, server.adminToken, `subscription { promptPhoneCallChanged(id: "no-such-call") { state } }`);
    await new Promise((r) => setTimeout(r, 300));
    expect(feed.results).toEqual([]);
    await feed.close();
  });
});

describe('playPromptOnExtension (F-4.4.2, F-4.4.3)', () => {
  const promptId = async (name: string) => (await listPrompts()).find((p) => p.name === name)!.id;

  it('plays the prompt by its absolute path in the sound library and hangs up: PLAYED', async () => {
    const call = ok(await play({ prompt: await promptId('welcome') }), 'playPromptOnExtension');
    expect(call).toMatchObject({ kind: 'PLAY', state: 'RINGING', promptName: 'welcome', category: null, prompt: { name: 'welcome' } });
    const played = await reaches(call.id, 'PLAYED');
    expect(played.failure).toBeNull();
    const phone = phoneCall('101');
    const path = join(server.running.config.soundsDir, 'prompts', 'welcome');
    expect(readdirSync(join(server.running.config.soundsDir, 'prompts')).filter((f) => f.startsWith('welcome.'))).not.toEqual([]);
    expect(phone.args).toEqual(['prompt-phone', 'play']);
    expect(phone.played).toEqual([`sound:${path}`]);
    expect([phone.status, phone.hangupCause]).toEqual(['ended', 16]);
  });

  it('a prompt whose file Asterisk cannot find: FAILED PLAYBACK_FAILED', async () => {
    const ghost = await server.running.services.db.prisma.prompt.create({ data: { name: 'ghost', category: 'CUSTOM', origin: 'UPLOAD', durationMs: 1000, sizeBytes: 16000 } });
    const call = ok(await play({ prompt: await promptId(ghost.name) }), 'playPromptOnExtension');
    const failed = await reaches(call.id, 'FAILED');
    expect(failed.failure).toBe('PLAYBACK_FAILED');
    expect(failed.failureReason).toContain(join(server.running.config.soundsDir, 'prompts', 'ghost'));
  });

  it('hanging up during the prompt: FAILED HUNG_UP', async () => {
    const call = ok(await play({ prompt: await promptId('welcome') }), 'playPromptOnExtension');
    await reaches(call.id, 'PLAYING');
    standin.hangupStasisCall(phoneCall('101'));
    expect(await reaches(call.id, 'FAILED')).toMatchObject({ failure: 'HUNG_UP', failureReason: 'extension 101 hung up before the prompt ended' });
  });

  it('refuses an unknown prompt, an unknown or disabled extension', async () => {
    const welcome = await promptId('welcome');
    const unknown = Buffer.from('Prompt:nope').toString('base64');
    expect((await play({ prompt: unknown })).data.playPromptOnExtension).toMatchObject({ __typename: 'NotFoundError', entity: 'Prompt' });
    expect((await play({ prompt: welcome, extension: '199' })).data.playPromptOnExtension).toMatchObject({ __typename: 'ValidationError', issues: [{ path: ['extension'], code: 'NOT_FOUND' }] });
    expect((await play({ prompt: welcome, extension: '103' })).data.playPromptOnExtension).toMatchObject({ __typename: 'ValidationError', issues: [{ path: ['extension'], code: 'DISABLED' }] });
    expect((await play({ prompt: welcome, ringSeconds: 121 })).data.playPromptOnExtension).toMatchObject({ __typename: 'ValidationError', issues: [{ path: ['ringSeconds'], code: 'OUT_OF_RANGE' }] });
  });
});

describe('without Asterisk', () => {
  it('a server without ARI answers AsteriskNotConnectedError; one whose Asterisk is away too', async () => {
    const alone = await startTestServer();
    try {
      const result = await alone.gql(RECORD, { input: { name: 'x1', category: 'IVR', extension: '101' } }, alone.adminToken);
      expect(result.data.recordPromptByPhone).toMatchObject({ __typename: 'ValidationError' });
      await alone.gql(`mutation { createExtension(input: { number: "101", name: "A", password: "Secret-101-x" }) { __typename } }`, {}, alone.adminToken);
      const refused = await alone.gql(RECORD, { input: { name: 'x1', category: 'IVR', extension: '101' } }, alone.adminToken);
      expect(refused.data.recordPromptByPhone).toEqual({ __typename: 'AsteriskNotConnectedError', message: 'Asterisk is not connected (ARI): no call can be placed now; try again when it is' });
    } finally {
      await alone.stop();
    }
  });

  it('Asterisk lost during a call: FAILED ASTERISK_DISCONNECTED; what it left is removed when it is back', async () => {
    const call = await recorded({ name: 'cut-off' });
    await speak('101', 1, 300);
    standin.sendDtmf(phoneCall('101'), '#');
    await reaches(call.id, 'REVIEWING');
    expect(ourRecordings()).toEqual([`pbx-prompt-rec-${call.id}`]);
    await standin.stop();
    const failed = await reaches(call.id, 'FAILED');
    expect(failed).toMatchObject({ failure: 'ASTERISK_DISCONNECTED', failureReason: 'the connection to Asterisk was lost during the call', prompt: null });
    expect((await record({ name: 'while-away' })).data.recordPromptByPhone.__typename).toBe('AsteriskNotConnectedError');

    // The stored recording survives Asterisk's restart (a file); the server deletes it once connected again.
    await standin.restart();
    expect(ourRecordings()).toEqual([`pbx-prompt-rec-${call.id}`]);
    await until(() => server.running.services.live.asteriskConnected, 15_000, 'ARI connected again');
    await until(() => ourRecordings().length === 0, 5000, 'the left-over recording deleted');
  });
});
