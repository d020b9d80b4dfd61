import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Writes messages into a spool as app_voicemail of Asterisk 22 does
 * (apps/app_voicemail.c leave_voicemail): msgNNNN.txt with the [message]
 * section in Asterisk's order and wording (as Asterisk 22.10 wrote it for a
 * message from 100 in test/e2e/voicemail.test.ts), and msgNNNN.wav beside it.
 */
export type TestMessage = {
  callerId?: string;
  origtime?: number;
  msgId?: string | null;
  durationSeconds?: number;
  flag?: string;
  /** Bytes of 16-bit 8 kHz audio in the WAV (default 1 s) */
  audioBytes?: number;
  /** Leave the WAV out */
  noAudio?: boolean;
};

let counter = 0;

/** A msg_id as Asterisk makes them: `%ld-%08x` (time, then a counter). */
export function newMsgId(origtime: number): string {
  counter += 1;
  return `${origtime}-${counter.toString(16).padStart(8, '0')}`;
}

export function folderPath(spoolDir: string, mailbox: string, folder: string): string {
  return path.join(spoolDir, 'voicemail', 'default', mailbox, folder);
}

/** The next free msgNNNN in the folder, as Asterisk numbers them. */
export function nextFileName(dir: string): string {
  const taken = readdirSafe(dir).filter((f) => /^msg\d{4}\.txt$/.test(f)).length;
  return `msg${String(taken).padStart(4, '0')}`;
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

export function messageText(mailbox: string, m: TestMessage & { msgId: string | null; origtime: number }): string {
  return [
    ';',
    '; Message Information file',
    ';',
    '[message]',
    `origmailbox=${mailbox}`,
    'context=pbx-dial-extension',
    'exten=s',
    'rdnis=unknown',
    'priority=15',
    'callerchan=PJSIP/100-00000000',
    `callerid=${m.callerId ?? '"User 100" <100>'}`,
    `origdate=${origdate(m.origtime)}`,
    `origtime=${m.origtime}`,
    'category=',
    ...(m.msgId ? [`msg_id=${m.msgId}`] : []),
    `flag=${m.flag ?? ''}`,
    `duration=${m.durationSeconds ?? 3}`,
    '',
  ].join('\n');
}

/** strftime's "%a %b %e %r UTC %Y" in UTC, as get_date() writes it: `Mon Dec  2 09:35:22 AM UTC 2026`. */
function origdate(epochSeconds: number): string {
  const d = new Date(epochSeconds * 1000);
  const [day, mon] = [d.toUTCString().slice(0, 3), d.toUTCString().slice(8, 11)];
  const hours = d.getUTCHours();
  const two = (n: number) => String(n).padStart(2, '0');
  const time = `${two(hours % 12 || 12)}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} ${hours < 12 ? 'AM' : 'PM'}`;
  return `${day} ${mon} ${String(d.getUTCDate()).padStart(2, ' ')} ${time} UTC ${d.getUTCFullYear()}`;
}

/** A PCM WAV header and `bytes` of a 440 Hz tone, as a recording of 16-bit 8 kHz mono. */
export function wav(bytes: number): Buffer {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + bytes, 4);
  header.write('WAVE', 8);
  header.write('fmt ', 12);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(8000, 24);
  header.writeUInt32LE(16000, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(bytes, 40);
  const data = Buffer.alloc(bytes);
  for (let i = 0; i + 1 < bytes; i += 2) data.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 2 / 8000)), i);
  return Buffer.concat([header, data]);
}

/** Writes one message into the folder (INBOX, Old …) with the next free number; answers with its msg_id and file name. */
export function writeMessage(spoolDir: string, mailbox: string, folder: string, message: TestMessage = {}): { msgId: string | null; fileName: string } {
  const dir = folderPath(spoolDir, mailbox, folder);
  mkdirSync(dir, { recursive: true });
  const origtime = message.origtime ?? Math.floor(Date.now() / 1000);
  const msgId = message.msgId === undefined ? newMsgId(origtime) : message.msgId;
  const fileName = nextFileName(dir);
  // As Asterisk does: the recording first, then the information file that makes it a message.
  if (!message.noAudio) writeFileSync(path.join(dir, `${fileName}.wav`), wav(message.audioBytes ?? 16_000));
  writeFileSync(path.join(dir, `${fileName}.txt`), messageText(mailbox, { ...message, msgId, origtime }));
  return { msgId, fileName };
}
