import { open } from 'node:fs/promises';
import type { RecordingKind } from './contract.js';

/** What a recording's file name says about it. */
export type RecordingName = {
  kind: RecordingKind;
  startedAt: Date | null;
  linkedid: string;
  uniqueid: string;
  caller: string;
  callee: string;
};

/** Audio formats MixMonitor writes, by file extension, and how many bytes a second of each takes (WAV: from its header). */
const bytesPerSecond: Record<string, number | 'header'> = {
  wav: 'header',
  WAV: 'header',
  gsm: 1650,
  ulaw: 8000,
  alaw: 8000,
  g722: 8000,
  g729: 1000,
  sln: 16000,
  sln16: 32000,
};

export function isRecordingFile(name: string): boolean {
  const ext = /\.([A-Za-z0-9]+)$/.exec(name)?.[1];
  return !!ext && ext in bytesPerSecond && !name.startsWith('.');
}

/** `20261126T070555` (UTC) → its Date. */
function utcStamp(stamp: string): Date | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})$/.exec(stamp);
  return m ? new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!)) : null;
}

/**
 * Reads the call back from a recording's name:
 * `call-<UTC>-<caller>-<callee>-<linkedid>-<uniqueid>.wav` (automatic, F-5.1.1),
 * `ondemand-<UTC or Unix time>-<linkedid>-<channel>.wav` (one-touch and the API, F-5.1.3),
 * `auto-<Unix time>-…` (one-touch without its variables: the call is unknown),
 * and the earlier automatic form `<local YYYYMMDD-HHMMSS>-<caller>-<callee>-<uniqueid>.wav`.
 * Any other file in the spool is a recording of an unknown call.
 */
export function parseRecordingName(name: string): RecordingName {
  const none: RecordingName = { kind: 'CALL', startedAt: null, linkedid: '', uniqueid: '', caller: '', callee: '' };
  const base = name.replace(/\.[A-Za-z0-9]+$/, '');
  let m = /^call-(\d{8}T\d{6})-([^-]*)-([^-]*)-([^-]+)-([^-]+)$/.exec(base);
  if (m) return { kind: 'CALL', startedAt: utcStamp(m[1]!), caller: m[2]!, callee: m[3]!, linkedid: m[4]!, uniqueid: m[5]! };
  m = /^ondemand-(\d{8}T\d{6}|\d{9,11})-([^-]+)-([^-]+)$/.exec(base);
  if (m) {
    const startedAt = m[1]!.includes('T') ? utcStamp(m[1]!) : new Date(Number(m[1]) * 1000);
    return { ...none, kind: 'ON_DEMAND', startedAt, linkedid: m[2]!, uniqueid: m[3]! };
  }
  m = /^auto-(\d{9,11})-/.exec(base);
  if (m) return { ...none, kind: 'ON_DEMAND', startedAt: new Date(Number(m[1]) * 1000) };
  m = /^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})-(.*)-([^-]*)-(\d+\.\d+)$/.exec(base);
  if (m) {
    const startedAt = new Date(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
    return { ...none, startedAt, caller: m[7]!, callee: m[8]!, uniqueid: m[9]! };
  }
  return none;
}

/**
 * Seconds of audio in a file of `size` bytes. A WAV's rate is read from its
 * header, and the length from the size rather than the header's data length,
 * which MixMonitor writes only when it closes the file: a recording still
 * being written has its length so far.
 */
export async function audioSeconds(file: string, size: number): Promise<number> {
  const ext = /\.([A-Za-z0-9]+)$/.exec(file)?.[1] ?? '';
  const rate = bytesPerSecond[ext];
  if (!rate) return 0;
  if (rate !== 'header') return Math.floor(size / rate);
  const header = await readHead(file, 512);
  const wav = wavLayout(header);
  return wav && wav.byteRate > 0 ? Math.max(0, Math.floor((size - wav.dataStart) / wav.byteRate)) : 0;
}

async function readHead(file: string, bytes: number): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** A RIFF/WAVE header's byte rate and where its data starts; null when it is not one. */
export function wavLayout(header: Buffer): { byteRate: number; dataStart: number } | null {
  if (header.length < 12 || header.toString('ascii', 0, 4) !== 'RIFF' || header.toString('ascii', 8, 12) !== 'WAVE') return null;
  let byteRate = 0;
  for (let at = 12; at + 8 <= header.length;) {
    const id = header.toString('ascii', at, at + 4);
    const size = header.readUInt32LE(at + 4);
    if (id === 'fmt ' && at + 20 <= header.length) byteRate = header.readUInt32LE(at + 16);
    if (id === 'data') return byteRate ? { byteRate, dataStart: at + 8 } : null;
    at += 8 + size + (size % 2);
  }
  return null;
}

/** The Content-Type a recording is served with. */
export function recordingContentType(file: string): string {
  const ext = /\.([A-Za-z0-9]+)$/.exec(file)?.[1] ?? '';
  if (ext === 'wav' || ext === 'WAV') return 'audio/wav';
  if (ext === 'gsm') return 'audio/x-gsm';
  return 'application/octet-stream';
}
