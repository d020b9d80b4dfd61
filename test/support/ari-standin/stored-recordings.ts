/**
 * Asterisk's stored recordings: the files of `<astspooldir>/recording`
 * (recordings.json: StoredRecording), kept over restarts as files are.
 * Only the `wav` format is modelled: 8 kHz 16-bit mono PCM, as Asterisk's
 * format_wav writes it (a 44-byte header).
 */
export class StoredRecordings {
  private readonly files = new Map<string, { format: string; audio: Buffer }>();
  /**
   * Whether `<astspooldir>/recording` exists. `make install` creates it; Asterisk
   * does not: without it (as Asterisk 22.10.1 answered) POST …/record is
   * 500 "Internal Server Error" and GET /recordings/stored 500 "Allocation failed".
   */
  folderExists = true;

  list(): { name: string; format: string }[] {
    return [...this.files].map(([name, file]) => ({ name, format: file.format }));
  }

  has(name: string): boolean {
    return this.files.has(name);
  }

  get(name: string): { name: string; format: string } | undefined {
    const file = this.files.get(name);
    return file && { name, format: file.format };
  }

  /** The file as GET /recordings/stored/{name}/file sends it. */
  file(name: string): { contentType: string; data: Buffer } | undefined {
    const file = this.files.get(name);
    return file && { contentType: 'audio/wav', data: wavFile(file.audio) };
  }

  /** A finished recording: replaces the file, or with `append` extends it. */
  store(name: string, format: string, audio: Buffer, mode: 'replace' | 'append'): void {
    const previous = mode === 'append' ? this.files.get(name)?.audio : undefined;
    this.files.set(name, { format, audio: previous ? Buffer.concat([previous, audio]) : audio });
  }

  delete(name: string): boolean {
    return this.files.delete(name);
  }
}

const SAMPLE_RATE = 8000;

/**
 * What the phone said: `ms` milliseconds of a 440 Hz tone (pjsua playing a
 * file into the call is not silence either), as 16-bit little-endian samples.
 */
export function spokenAudio(ms: number): Buffer {
  const samples = Math.max(0, Math.floor((ms * SAMPLE_RATE) / 1000));
  const audio = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) audio.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / SAMPLE_RATE)), i * 2);
  return audio;
}

function wavFile(audio: Buffer): Buffer {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + audio.length, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(SAMPLE_RATE, 24);
  header.writeUInt32LE(SAMPLE_RATE * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(audio.length, 40);
  return Buffer.concat([header, audio]);
}
