import { SignedUrls } from '../server/signed-urls.js';

/** How long a message's signed download URL stays good. */
export const voicemailDownloadSeconds = 10 * 60;

/** A message, named by its mailbox and Asterisk's message id. */
export type MessageRef = { mailbox: string; msgId: string };

/** The URL path of a message's recording (served by src/voicemail/http.ts); relative to the server's address. */
export const voicemailDownloadPath = (m: MessageRef) => `/voicemail/${m.mailbox}/${m.msgId}.wav`;

export function downloadSubject(m: MessageRef): string {
  return `voicemail:${m.mailbox}:${m.msgId}`;
}

/** Signed URLs of voicemail recordings (src/server/signed-urls.ts), with a key of their own: no other signed URL opens a message. */
export class VoicemailDownloads extends SignedUrls<MessageRef> {
  constructor(tokenSecret: string, ttlSeconds: number = voicemailDownloadSeconds) {
    super(tokenSecret, { purpose: 'pbx voicemail downloads', audience: 'pbx-voicemail-download', ttlSeconds, subject: downloadSubject, path: voicemailDownloadPath });
  }
}
