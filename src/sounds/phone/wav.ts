import { open } from 'node:fs/promises';

/**
 * How many milliseconds of audio a WAV file holds, from its `fmt ` and
 * `data` chunks (Asterisk writes a 44-byte header, then PCM). 0 for anything that is not a PCM WAV.
 */
export async function wavDurationMs(path: string): Promise<number> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    const header = Buffer.alloc(Math.min(size, 4096));
    await file.read(header, 0, header.length, 0);
    if (header.length < 12 || header.toString('ascii', 0, 4) !== 'RIFF' || header.toString('ascii', 8, 12) !== 'WAVE') return 0;
    let offset = 12;
    let byteRate = 0;
    while (offset + 8 <= header.length) {
      const id = header.toString('ascii', offset, offset + 4);
      const length = header.readUInt32LE(offset + 4);
      if (id === 'fmt ' && offset + 16 <= header.length) byteRate = header.readUInt32LE(offset + 8 + 8);
      if (id === 'data') {
        if (!byteRate) return 0;
        const available = Math.max(0, size - (offset + 8));
        // A header not finalised (0, or more than the file holds) counts what is there.
        const bytes = length === 0 || length > available ? available : length;
        return Math.floor((bytes * 1000) / byteRate);
      }
      offset += 8 + length + (length % 2);
    }
    return 0;
  } finally {
    await file.close();
  }
}
