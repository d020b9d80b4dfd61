import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ari, { type Client } from 'ari-client';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { EventLog, type ReceivedEvent } from '../support/ari-standin/event-log.js';
import { startAriStandin, type AriStandin } from '../support/ari-standin/index.js';
import { normalizedLines, readRecordedEvents, readRecordedRest, createNormalizer } from '../support/ari-standin/recording-compare.js';

/**
 * What the ARI stand-in gained for calls the server places into its own
 * application (prompts by phone): POST /channels with `app`, DTMF, playback
 * lists and DELETE /playbacks, POST /channels/{id}/record and the stored
 * recordings (recordings.json). The originate-into-Stasis flow is compared
 * with events-stasis-playback-dtmf.jsonl; the rest follows the ARI spec in
 * ../shared/asterisk/ari-api-docs and what Asterisk 22.10.1 answered when
 * the prompt calls were built (e2e: test/e2e/sound-phone.test.ts).
 */
const USER = 'ari';
const PASSWORD = 'ari';
const APP = 'recorder';
const RECORDED_DIR = path.resolve(fileURLToPath(new URL('../..', import.meta.url)), '../shared/asterisk/recorded');
const HAVE_RECORDINGS = existsSync(RECORDED_DIR);
const PHONE_101 = { ip: '127.0.0.1', port: 5072, uri: 'sip:101@127.0.0.1:5072;ob', rttUsec: 1085 };

async function start(options: { playbackMs?: number } = {}): Promise<{ standin: AriStandin; client: Client; log: EventLog }> {
  const standin = await startAriStandin({
    username: USER,
    password: PASSWORD,
    endpoints: [
      { resource: '100', callerName: 'Alice' },
      { resource: '101', callerName: 'Bob' },
    ],
    ...options,
  });
  onTestFinished(() => standin.stop());
  const quiet = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  const client = await ari.connect(standin.url, USER, PASSWORD).finally(() => quiet.mockRestore());
  const log = new EventLog(client);
  await client.start(APP, true);
  onTestFinished(() => client.stop());
  return { standin, client, log };
}

async function rest(standin: AriStandin, method: string, pathAndQuery: string): Promise<{ status: number; reason: string; contentType: string | null; body: any; raw: Buffer }> {
  const response = await fetch(`${standin.url}/ari${pathAndQuery}`, { method, headers: { authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}` } });
  const raw = Buffer.from(await response.arrayBuffer());
  const contentType = response.headers.get('content-type');
  return { status: response.status, reason: response.statusText, contentType, body: contentType === 'application/json' ? JSON.parse(raw.toString()) : null, raw };
}

let marks = 0;
/** Everything emitted so far, once it reached the client (a Stasis device state set through REST arrives after it). */
async function settle(standin: AriStandin, log: EventLog): Promise<ReceivedEvent[]> {
  const marker = `Stasis:settle-${++marks}`;
  await rest(standin, 'PUT', `/deviceStates/${marker}?deviceState=INUSE`);
  await log.until((events) => events.some((e) => (e['device_state'] as { name?: string } | undefined)?.name === marker), marker);
  await rest(standin, 'DELETE', `/deviceStates/${marker}`);
  return log.take().filter((e) => (e['device_state'] as { name?: string } | undefined)?.name !== marker);
}

const types = (events: readonly ReceivedEvent[]) => events.map((e) => e.type);
const ofType = (events: readonly ReceivedEvent[], type: string) => events.filter((e) => e.type === type);

/** Originates 101 into the app as the recording did, and waits until it rings. */
async function originate101(standin: AriStandin, log: EventLog, query = 'endpoint=PJSIP/101&app=recorder&appArgs=demo,1&callerId=ARI%20%3C998%3E&channelId=rec-stasis-101') {
  const answer = await rest(standin, 'POST', `/channels?${query}`);
  await log.until((events) => events.some((e) => e.type === 'Dial' && e['dialstatus'] === 'RINGING'), 'ringing');
  return answer;
}

describe('ARI stand-in: calls into a Stasis application', () => {
  it('POST /channels with app rings, enters the application on answer, takes DTMF and ends on DELETE as recorded', async (ctx) => {
    const { standin, log } = await start();
    standin.register('101', PHONE_101);
    await settle(standin, log);
    const posted = await originate101(standin, log);
    const call = standin.stasisCalls.at(-1)!;
    expect([call.status, call.from, call.args]).toEqual(['ringing', '101', ['demo', '1']]);
    standin.answerStasisCall(call);
    const played = await rest(standin, 'POST', '/channels/rec-stasis-101/play?media=sound:hello-world&playbackId=rec-playback-1');
    await log.until((events) => events.some((e) => e.type === 'PlaybackFinished'), 'playback');
    standin.sendDtmf(call, '12#');
    expect((await rest(standin, 'DELETE', '/channels/rec-stasis-101')).status).toBe(204);
    const events = await settle(standin, log);
    expect([call.status, call.hangupCause]).toEqual(['ended', 16]);

    ctx.skip(!HAVE_RECORDINGS, 'recordings absent');
    const normalize = (body: unknown) => JSON.stringify(createNormalizer()(body));
    for (const [answer, file] of [
      [posted, 'rest-originate-stasis-post.json'],
      [played, 'rest-stasis-play-post.json'],
    ] as const) {
      const recorded = readRecordedRest(RECORDED_DIR, file);
      expect({ status: answer.status, body: normalize(answer.body) }, file).toEqual({ status: recorded.status, body: normalize(recorded.body) });
    }
    // Left out of the comparison: the second playback (a missing sound), and the variables the recording session set and read.
    const recorded = readRecordedEvents(RECORDED_DIR, 'events-stasis-playback-dtmf.jsonl').filter((e) => {
      const playback = e['playback'] as { id?: string } | undefined;
      return playback?.id !== 'rec-playback-2' && !(e.type === 'ChannelVarset' && /^(MYVAR|RTPAUDIOQOS)/.test(String(e['variable'])));
    });
    const isDeviceState = (e: { type?: unknown }) => e.type === 'DeviceStateChanged';
    expect(normalizedLines(events.filter((e) => !isDeviceState(e)))).toEqual(normalizedLines(recorded.filter((e) => !isDeviceState(e))));
    expect(normalizedLines(events.filter(isDeviceState))).toEqual(normalizedLines(recorded.filter(isDeviceState)));
  });

  it('an unregistered endpoint: 500 Allocation failed; the ring timeout: cause 19 (SIP 480); a rejection: 17 (486); DELETE while ringing: Dial NOANSWER', async () => {
    const { standin, log } = await start();
    const offline = await rest(standin, 'POST', '/channels?endpoint=PJSIP/101&app=recorder');
    expect([offline.status, offline.body]).toEqual([500, { error: 'Allocation failed' }]);

    standin.register('101', PHONE_101);
    await originate101(standin, log, 'endpoint=PJSIP/101&app=recorder&channelId=ring-1&timeout=1');
    await log.until((events) => events.some((e) => e.type === 'ChannelDestroyed'), 'timeout', 3000);
    expect(ofType(await settle(standin, log), 'ChannelDestroyed')[0]).toMatchObject({ cause: 19, cause_txt: 'User alerting, no answer', tech_cause: 480 });

    await originate101(standin, log, 'endpoint=PJSIP/101&app=recorder&channelId=ring-2');
    standin.rejectStasisCall(standin.stasisCalls.at(-1)!);
    const rejected = await settle(standin, log);
    expect(types(rejected).filter((t) => t !== 'DeviceStateChanged')).toEqual([
      'ChannelCreated',
      'ChannelDialplan',
      'Dial',
      'ChannelStateChange',
      'Dial',
      'ChannelHangupRequest',
      'Dial',
      'ChannelDestroyed',
    ]);
    expect(ofType(rejected, 'Dial').at(-1)).toMatchObject({ dialstatus: 'BUSY' });
    expect(ofType(rejected, 'ChannelDestroyed')[0]).toMatchObject({ cause: 17, tech_cause: 486 });

    await originate101(standin, log, 'endpoint=PJSIP/101&app=recorder&channelId=ring-3');
    expect((await rest(standin, 'DELETE', '/channels/ring-3')).status).toBe(204);
    const deleted = await settle(standin, log);
    expect(ofType(deleted, 'ChannelHangupRequest')[0]).toMatchObject({ cause: 32, soft: true });
    expect(ofType(deleted, 'Dial').at(-1)).toMatchObject({ dialstatus: 'NOANSWER' });
    expect(ofType(deleted, 'ChannelDestroyed')[0]).toMatchObject({ cause: 16 });
    expect(standin.stasisCalls.every((c) => c.status === 'ended')).toBe(true);
  });

  it('plays a list of media one after the other; DELETE /playbacks stops one (done); media it cannot find fail', async () => {
    const { standin, log } = await start({ playbackMs: 100 });
    const dir = mkdtempSync(path.join(tmpdir(), 'standin-sounds-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(path.join(dir, 'hello.wav'), '');
    standin.register('101', { ...PHONE_101, autoAnswer: true });
    await rest(standin, 'POST', '/channels?endpoint=PJSIP/101&app=recorder&channelId=media-1');
    await log.until((events) => events.some((e) => e.type === 'StasisStart'), 'StasisStart');
    await settle(standin, log);

    const list = await rest(standin, 'POST', `/channels/media-1/play?media=sound:vm-intro,sound:${dir}/hello&playbackId=list`);
    expect(list.body).toMatchObject({ media_uri: 'sound:vm-intro', next_media_uri: `sound:${dir}/hello`, state: 'queued' });
    await log.until((events) => events.some((e) => e.type === 'PlaybackFinished'), 'list played');
    const listed = (await settle(standin, log)).map((e) => [e.type, (e['playback'] as any).media_uri, (e['playback'] as any).next_media_uri, (e['playback'] as any).state]);
    expect(listed).toEqual([
      ['PlaybackStarted', 'sound:vm-intro', `sound:${dir}/hello`, 'playing'],
      ['PlaybackContinuing', 'sound:vm-intro', `sound:${dir}/hello`, 'continuing'],
      ['PlaybackStarted', `sound:${dir}/hello`, undefined, 'playing'],
      ['PlaybackFinished', `sound:${dir}/hello`, undefined, 'done'],
    ]);

    await rest(standin, 'POST', `/channels/media-1/play?media=sound:${dir}/absent&playbackId=absent`);
    await rest(standin, 'POST', '/channels/media-1/play?media=recording:never-made&playbackId=never');
    await log.until((events) => ofType(events, 'PlaybackFinished').length === 2, 'missing media');
    expect(ofType(await settle(standin, log), 'PlaybackFinished').map((e) => (e['playback'] as any).state)).toEqual(['failed', 'failed']);

    await rest(standin, 'POST', '/channels/media-1/play?media=sound:vm-review&playbackId=long');
    await log.until((events) => events.some((e) => e.type === 'PlaybackStarted'), 'started');
    expect((await rest(standin, 'DELETE', '/playbacks/long')).status).toBe(204);
    expect((await rest(standin, 'DELETE', '/playbacks/long')).body).toEqual({ message: 'Playback not found' });
    expect(ofType(await settle(standin, log), 'PlaybackFinished').map((e) => (e['playback'] as any).state)).toEqual(['done']);
    expect(standin.stasisCalls.at(-1)!.stopped).toEqual(['sound:vm-review']);
  });

  it('records until the terminating key into a stored recording, served as a WAV file and deleted on request', async () => {
    const { standin, log } = await start();
    standin.register('101', { ...PHONE_101, autoAnswer: true });
    await rest(standin, 'POST', '/channels?endpoint=PJSIP/101&app=recorder&channelId=rec-1');
    await log.until((events) => events.some((e) => e.type === 'StasisStart'), 'StasisStart');
    await settle(standin, log);
    const call = standin.stasisCalls.at(-1)!;

    const started = await rest(standin, 'POST', '/channels/rec-1/record?name=take&format=wav&maxSilenceSeconds=5&terminateOn=%23&beep=true');
    expect([started.status, started.body]).toEqual([201, { name: 'take', format: 'wav', state: 'queued', target_uri: 'channel:rec-1' }]);
    await log.until((events) => events.some((e) => e.type === 'RecordingStarted'), 'RecordingStarted');
    await new Promise((r) => setTimeout(r, 1100));
    standin.sendDtmf(call, '#');
    const events = await settle(standin, log);
    expect(types(events)).toEqual(['RecordingStarted', 'ChannelDtmfReceived', 'RecordingFinished']);
    expect(events[0]!['recording']).toEqual({ name: 'take', format: 'wav', state: 'recording', target_uri: 'channel:rec-1' });
    expect(events[1]).toMatchObject({ digit: '#', duration_ms: 200 });
    expect(events[2]!['recording']).toEqual({ name: 'take', format: 'wav', state: 'done', target_uri: 'channel:rec-1', duration: 1, talking_duration: 1, silence_duration: 0 });

    expect((await rest(standin, 'GET', '/recordings/stored')).body).toEqual([{ name: 'take', format: 'wav' }]);
    expect((await rest(standin, 'GET', '/recordings/stored/take')).body).toEqual({ name: 'take', format: 'wav' });
    const file = await rest(standin, 'GET', '/recordings/stored/take/file');
    expect([file.status, file.contentType, file.raw.toString('ascii', 0, 4), file.raw.readUInt32LE(24), file.raw.readUInt16LE(34)]).toEqual([200, 'audio/wav', 'RIFF', 8000, 16]);
    expect(file.raw.length - 44).toBeGreaterThanOrEqual(16 * 1000);

    const again = await rest(standin, 'POST', '/channels/rec-1/record?name=take&format=wav');
    expect([again.status, again.body]).toEqual([409, { message: "Recording 'take' already exists and can not be overwritten" }]);
    expect((await rest(standin, 'POST', '/channels/rec-1/record?name=other&format=mp9')).status).toBe(422);
    expect((await rest(standin, 'POST', '/channels/rec-1/record?name=other&format=wav&terminateOn=x')).body).toEqual({ message: 'terminateOn invalid' });
    expect((await rest(standin, 'POST', '/channels/nope/record?name=other&format=wav')).status).toBe(404);

    standin.setRecordingFolder(false);
    expect((await rest(standin, 'POST', '/channels/rec-1/record?name=other&format=wav')).body).toEqual({ message: 'Internal Server Error' });
    expect((await rest(standin, 'GET', '/recordings/stored')).body).toEqual({ error: 'Allocation failed' });
    standin.setRecordingFolder(true);

    expect((await rest(standin, 'DELETE', '/recordings/stored/take')).status).toBe(204);
    expect((await rest(standin, 'GET', '/recordings/stored/take/file')).body).toEqual({ message: 'Recording not found' });
    expect((await rest(standin, 'DELETE', '/recordings/stored/take')).status).toBe(404);
  });

  it('a phone hanging up while recording: ChannelHangupRequest without cause, the recording finished and kept, StasisEnd, cause 0; kept over a restart', async () => {
    const { standin, log } = await start();
    standin.register('101', { ...PHONE_101, autoAnswer: true });
    await rest(standin, 'POST', '/channels?endpoint=PJSIP/101&app=recorder&channelId=hup-1');
    await log.until((events) => events.some((e) => e.type === 'StasisStart'), 'StasisStart');
    await rest(standin, 'POST', '/channels/hup-1/record?name=cut&format=wav&maxDurationSeconds=20&terminateOn=%23');
    await log.until((events) => events.some((e) => e.type === 'RecordingStarted'), 'RecordingStarted');
    await settle(standin, log);
    standin.hangupStasisCall(standin.stasisCalls.at(-1)!);
    const events = (await settle(standin, log)).filter((e) => e.type !== 'DeviceStateChanged');
    expect(types(events)).toEqual(['ChannelHangupRequest', 'RecordingFinished', 'StasisEnd', 'ChannelVarset', 'ChannelDestroyed']);
    expect(events[0]).not.toHaveProperty('cause');
    expect(events[4]).toMatchObject({ cause: 0, cause_txt: 'Unknown' });
    await standin.restart();
    expect(standin.storedRecordings).toEqual(['cut']);
  });
});
