import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Test audio made at test time with ffmpeg (nothing binary is committed): a
 * tone (440 Hz unless told) of `seconds` in the format `args` choose, written to `name` in
 * a temporary folder of the suite.
 */
export class AudioFixtures {
  readonly dir = mkdtempSync(join(tmpdir(), 'pbx-sounds-fixtures-'));

  async tone(name: string, seconds: number, args: string[], frequency = 440): Promise<string> {
    const path = join(this.dir, name);
    await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `sine=frequency=${frequency}:duration=${seconds}`, ...args, path]);
    return path;
  }

  /** Silence compresses to almost nothing: long files stay small. */
  async silence(name: string, seconds: number, args: string[]): Promise<string> {
    const path = join(this.dir, name);
    await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `anullsrc=r=8000:cl=mono`, '-t', String(seconds), ...args, path]);
    return path;
  }

  /** A picture (PNG) or a silent video (MP4), by the extension of `name`. */
  async picture(name: string): Promise<string> {
    const path = join(this.dir, name);
    const video = name.endsWith('.mp4') ? ['-t', '1', '-c:v', 'mpeg4'] : ['-frames:v', '1'];
    await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=64x64:rate=10', ...video, path]);
    return path;
  }

  read(path: string): Buffer {
    return readFileSync(path);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The formats people have, as the API tests and the conversion tests make them: file name extension and ffmpeg arguments. */
export const formats = {
  wav44kStereo24: { ext: 'wav', args: ['-ac', '2', '-ar', '44100', '-c:a', 'pcm_s24le'] },
  wav22kMono8: { ext: 'wav', args: ['-ac', '1', '-ar', '22050', '-c:a', 'pcm_u8'] },
  mp3: { ext: 'mp3', args: ['-ac', '2', '-ar', '44100', '-c:a', 'libmp3lame', '-b:a', '128k'] },
  oggVorbis: { ext: 'ogg', args: ['-ac', '2', '-ar', '44100', '-c:a', 'libvorbis'] },
  oggOpus: { ext: 'opus', args: ['-ac', '2', '-ar', '48000', '-c:a', 'libopus'] },
  m4a: { ext: 'm4a', args: ['-ac', '2', '-ar', '44100', '-c:a', 'aac'] },
  flac: { ext: 'flac', args: ['-ac', '1', '-ar', '48000', '-c:a', 'flac'] },
  webmOpus: { ext: 'webm', args: ['-ac', '1', '-ar', '48000', '-c:a', 'libopus'] },
} as const;

/** What a canonical WAV header says. */
export function wavHeader(bytes: Buffer): { format: number; channels: number; sampleRate: number; bitsPerSample: number; dataBytes: number } {
  if (bytes.toString('ascii', 0, 4) !== 'RIFF' || bytes.toString('ascii', 8, 12) !== 'WAVE') throw new Error('not a RIFF WAVE file');
  return {
    format: bytes.readUInt16LE(20),
    channels: bytes.readUInt16LE(22),
    sampleRate: bytes.readUInt32LE(24),
    bitsPerSample: bytes.readUInt16LE(34),
    dataBytes: bytes.toString('ascii', 36, 40) === 'data' ? bytes.readUInt32LE(40) : -1,
  };
}
