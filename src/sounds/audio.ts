import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ValidationError } from '../errors.js';
import { minutes } from './limits.js';

/** The programs that read and convert audio (Debian's ffmpeg package has both). */
export type AudioTools = { ffmpeg: string; ffprobe: string };
export const defaultAudioTools: AudioTools = { ffmpeg: 'ffmpeg', ffprobe: 'ffprobe' };

/**
 * The containers an upload may be in: WAV (any rate, width and PCM/ADPCM/G.711
 * codec), MP3, OGG (Vorbis, Opus), FLAC, MP4/M4A (AAC), WebM (browser
 * recordings), raw AAC and AIFF. Only these demuxers may open the file: a
 * playlist (HLS, concat) could otherwise make ffmpeg read other files of
 * the server or fetch URLs while probing.
 */
const allowedDemuxers = ['wav', 'w64', 'mp3', 'ogg', 'flac', 'mov', 'matroska', 'aac', 'aiff'].join(',');
const sandboxed = ['-format_whitelist', allowedDemuxers, '-protocol_whitelist', 'file'];

const probeTimeoutMs = 30_000;
const convertTimeoutMs = 180_000;
/** The converted 8 kHz 16-bit mono WAV: bytes per millisecond, and ffmpeg's header with +bitexact (no metadata chunks). */
const wavBytesPerMs = 16;
const wavHeaderBytes = 44;
/** Resampling may add a sample or two at the end. */
const lengthToleranceMs = 50;

/** The stored forms of one sound, beside each other in `workDir`. */
export const storedFormats = ['wav', 'sln16'] as const;
export type StoredFormat = (typeof storedFormats)[number];

export type ConvertedSound = {
  /** `<workDir>/sound.<format>` for each stored format. */
  files: Record<StoredFormat, string>;
  durationMs: number;
  /** Bytes of all stored formats together. */
  sizeBytes: number;
};

type ProbeResult = { streams?: { codec_type?: string; codec_name?: string }[]; format?: { format_name?: string; duration?: string } };

const issue = (message: string, code: string) => ValidationError.single(['file'], message, code);

/**
 * Converts an audio file for Asterisk into `workDir`: an 8 kHz mono 16-bit
 * WAV (what G.711 and other narrowband calls take with the least work) and
 * 16 kHz signed linear `.sln16` (wideband calls: G.722, Opus); Asterisk
 * picks the one that costs least per call. Not audio, too long, or no
 * ffmpeg: a ValidationError at `file`. `workDir` is the caller's to remove.
 */
export async function convertForAsterisk(input: string, workDir: string, maxMs: number, what: string, tools: AudioTools = defaultAudioTools): Promise<ConvertedSound> {
  // The header's length may be an estimate (VBR MP3): only the converted length decides.
  const probedMs = await probeAudio(input, tools);
  const files = { wav: join(workDir, 'sound.wav'), sln16: join(workDir, 'sound.sln16') };
  // Decoding stops a second past the limit, whatever the file's header claims its length is.
  const cap = ['-t', String(maxMs / 1000 + 1)];
  const common = ['-map', '0:a:0', '-map_metadata', '-1', ...cap, '-ac', '1', '-c:a', 'pcm_s16le'];
  await run(
    tools.ffmpeg,
    [
      ...['-nostdin', '-hide_banner', '-loglevel', 'error', '-n'],
      ...sandboxed,
      ...['-i', `file:${input}`],
      ...[...common, '-ar', '8000', '-fflags', '+bitexact', '-flags:a', '+bitexact', '-f', 'wav', `file:${files.wav}`],
      ...[...common, '-ar', '16000', '-f', 's16le', `file:${files.sln16}`],
    ],
    convertTimeoutMs,
    'ffmpeg',
  ).catch((error: unknown) => {
    if (error instanceof ValidationError) throw error;
    throw issue(`the audio could not be converted: ${(error as Error).message}`, 'CONVERSION_FAILED');
  });
  const [wav, sln16] = await Promise.all([stat(files.wav), stat(files.sln16)]);
  const durationMs = Math.round((wav.size - wavHeaderBytes) / wavBytesPerMs);
  if (durationMs <= 0 || sln16.size === 0) throw issue('the file holds no sound', 'EMPTY_AUDIO');
  if (durationMs > maxMs + lengthToleranceMs) throw tooLong(what, maxMs, probedMs);
  return { files, durationMs, sizeBytes: wav.size + sln16.size };
}

/** The length the file's header states (null when it states none), or NOT_AUDIO. */
async function probeAudio(input: string, tools: AudioTools): Promise<number | null> {
  let output: string;
  try {
    output = await run(
      tools.ffprobe,
      ['-v', 'error', ...sandboxed, '-show_entries', 'format=format_name,duration:stream=codec_type,codec_name', '-of', 'json', `file:${input}`],
      probeTimeoutMs,
      'ffprobe',
    );
  } catch (error) {
    if (error instanceof ValidationError) throw error;
    throw notAudio();
  }
  let probe: ProbeResult;
  try {
    probe = JSON.parse(output) as ProbeResult;
  } catch {
    throw notAudio();
  }
  if (!probe.format?.format_name || !probe.streams?.some((s) => s.codec_type === 'audio')) throw notAudio();
  const seconds = Number(probe.format.duration);
  return Number.isFinite(seconds) && seconds > 0 ? Math.round(seconds * 1000) : null;
}

function notAudio(): ValidationError {
  return issue('not an audio file this server reads: WAV, MP3, OGG (Vorbis or Opus), M4A/MP4 (AAC), FLAC, WebM, AIFF', 'NOT_AUDIO');
}

function tooLong(what: string, maxMs: number, probedMs: number | null): ValidationError {
  const length = probedMs !== null && probedMs > maxMs ? `${clock(probedMs)} long` : 'longer than that';
  return issue(`${what} may be at most ${minutes(maxMs)} long; this file is ${length}`, 'TOO_LONG');
}

function clock(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

/** At most two conversions at a time: each keeps a core busy. */
const slots = { free: 2, waiting: [] as (() => void)[] };

async function withSlot<T>(work: () => Promise<T>): Promise<T> {
  if (slots.free > 0) slots.free -= 1;
  else await new Promise<void>((resolve) => slots.waiting.push(resolve));
  try {
    return await work();
  } finally {
    const next = slots.waiting.shift();
    if (next) next();
    else slots.free += 1;
  }
}

/** Runs a tool without a shell; its stdout, or an Error with what it said. A missing tool is a ValidationError (CONVERTER_MISSING). */
function run(program: string, args: string[], timeoutMs: number, name: string): Promise<string> {
  return withSlot(
    () =>
      new Promise<string>((resolve, reject) => {
        execFile(program, args, { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 4 * 1024 * 1024, encoding: 'utf8' }, (error, stdout, stderr) => {
          if (!error) return resolve(stdout);
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
            return reject(issue(`this server cannot convert audio: ${name} is not installed (Debian: apt-get install ffmpeg)`, 'CONVERTER_MISSING'));
          }
          if (error.killed) return reject(new Error(`${name} took longer than ${timeoutMs / 1000} s`));
          reject(new Error(stderr.trim().split('\n').slice(-2).join(' ') || error.message));
        });
      }),
  );
}
