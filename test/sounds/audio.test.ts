import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertForAsterisk } from '../../src/sounds/audio.js';
import { ValidationError } from '../../src/errors.js';
import { AudioFixtures, formats, wavHeader } from './fixtures.js';

let fixtures: AudioFixtures;
let jobs = 0;
const workDir = () => {
  const dir = join(fixtures.dir, `job-${++jobs}`);
  mkdirSync(dir);
  return dir;
};
const issueOf = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof ValidationError)) throw new Error(`expected a ValidationError, got ${String(error)}`);
  return error.issues;
};
/** The loudest sample of 16-bit little-endian PCM. */
const peak = (pcm: Buffer) => {
  let max = 0;
  for (let i = 0; i + 1 < pcm.length; i += 2) max = Math.max(max, Math.abs(pcm.readInt16LE(i)));
  return max;
};

beforeAll(() => {
  fixtures = new AudioFixtures();
});
afterAll(() => fixtures.remove());

describe('conversion for Asterisk (F-4.4.1–F-4.4.3)', () => {
  it.each(Object.entries(formats))('turns %s into an 8 kHz mono 16-bit WAV and 16 kHz signed linear of the same length, with the tone in both', async (format, { ext, args }) => {
    const source = await fixtures.tone(`tone-${format}.${ext}`, 3, [...args]);
    const dir = workDir();
    const converted = await convertForAsterisk(source, dir, 60_000, 'A prompt');
    expect(Object.keys(converted.files).sort()).toEqual(['sln16', 'wav']);
    const wav = readFileSync(converted.files.wav);
    expect(wavHeader(wav)).toEqual({ format: 1, channels: 1, sampleRate: 8000, bitsPerSample: 16, dataBytes: wav.length - 44 });
    const sln16 = readFileSync(converted.files.sln16);
    // Codecs with priming (MP3, AAC, Opus) may be a few ms off; 3 s it is.
    expect(Math.abs(converted.durationMs - 3000)).toBeLessThan(60);
    expect(Math.abs(sln16.length / 32 - converted.durationMs)).toBeLessThan(5);
    expect(converted.sizeBytes).toBe(wav.length + sln16.length);
    // ffmpeg's sine is at 1/8 of full scale (4096; 2896 in each channel of the stereo files): never silence, never louder.
    expect(peak(wav.subarray(44))).toBeGreaterThan(2500);
    expect(peak(wav.subarray(44))).toBeLessThan(4500);
    expect(peak(sln16)).toBeGreaterThan(2500);
    expect(readdirSync(dir).sort()).toEqual(['sound.sln16', 'sound.wav']);
  });

  it('refuses what is not audio as NOT_AUDIO at file: text, a PNG named .wav, a video without sound, an HLS playlist that would read another file', async () => {
    const text = join(fixtures.dir, 'notes.wav');
    writeFileSync(text, 'this is not audio\n'.repeat(100));
    const pngAsWav = join(fixtures.dir, 'picture.wav');
    writeFileSync(pngAsWav, readFileSync(await fixtures.picture('picture.png')));
    const video = await fixtures.picture('silent.mp4');
    // Without the demuxer whitelist ffmpeg follows this playlist and converts the server's own file (an .aac it may read).
    const secret = await fixtures.tone('secret.aac', 1, ['-c:a', 'aac', '-f', 'adts']);
    const playlist = join(fixtures.dir, 'playlist.wav');
    writeFileSync(playlist, `#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nfile://${secret}\n#EXT-X-ENDLIST\n`);
    for (const path of [text, pngAsWav, video, playlist]) {
      const dir = workDir();
      expect(await issueOf(convertForAsterisk(path, dir, 60_000, 'A prompt')), path).toEqual([{ path: ['file'], code: 'NOT_AUDIO', message: expect.stringContaining('not an audio file') }]);
      expect(readdirSync(dir)).toEqual([]);
    }
  });

  it('refuses a file longer than the limit as TOO_LONG, saying how long it is, and a file without a single sample as EMPTY_AUDIO', async () => {
    const long = await fixtures.tone('long.mp3', 5, [...formats.mp3.args]);
    const issues = await issueOf(convertForAsterisk(long, workDir(), 2 * 60_000 - 118_000, 'A prompt'));
    expect(issues).toEqual([{ path: ['file'], code: 'TOO_LONG', message: expect.stringMatching(/^A prompt may be at most 0 minutes long; this file is 0:05 long$/) }]);
    const empty = await fixtures.silence('empty.wav', 0, ['-c:a', 'pcm_s16le']);
    expect(await issueOf(convertForAsterisk(empty, workDir(), 60_000, 'A prompt'))).toEqual([{ path: ['file'], code: 'EMPTY_AUDIO', message: 'the file holds no sound' }]);
  });

  it('stops decoding a second past the limit, so a long file costs no more work than the limit', async () => {
    const long = await fixtures.silence('long.opus', 120, ['-c:a', 'libopus', '-b:a', '6k']);
    const dir = workDir();
    const issues = await issueOf(convertForAsterisk(long, dir, 10_000, 'A music-on-hold file'));
    expect(issues[0]).toMatchObject({ code: 'TOO_LONG', message: 'A music-on-hold file may be at most 0 minutes long; this file is 2:00 long' });
    // What was decoded before the refusal: 11 s at 8 kHz, 16 bits.
    expect(Math.abs(readFileSync(join(dir, 'sound.wav')).length - (44 + 11 * 16000))).toBeLessThan(100);
  });

  it('says CONVERTER_MISSING when ffmpeg is not installed', async () => {
    const source = await fixtures.tone('any.wav', 1, []);
    const tools = { ffmpeg: '/nonexistent/ffmpeg', ffprobe: '/nonexistent/ffprobe' };
    expect(await issueOf(convertForAsterisk(source, workDir(), 60_000, 'A prompt', tools))).toEqual([
      { path: ['file'], code: 'CONVERTER_MISSING', message: 'this server cannot convert audio: ffprobe is not installed (Debian: apt-get install ffmpeg)' },
    ]);
    const noFfmpeg = { ffmpeg: '/nonexistent/ffmpeg', ffprobe: 'ffprobe' };
    expect((await issueOf(convertForAsterisk(source, workDir(), 60_000, 'A prompt', noFfmpeg)))[0]).toMatchObject({
      code: 'CONVERTER_MISSING',
      message: expect.stringContaining('ffmpeg is not installed'),
    });
  });
});
