import { SignedUrls } from '../server/signed-urls.js';

/** How long a recording's signed download URL stays good. */
export const recordingDownloadSeconds = 10 * 60;

/** What a download URL serves: one recording, by id, with its file's extension. */
export type RecordingObject = { id: string; file: string };

export const recordingDownloadPrefix = '/recordings/';
const extensionOf = (file: string) => /\.([A-Za-z0-9]+)$/.exec(file)?.[1] ?? 'wav';
export const recordingSubject = (id: string) => `recording:${id}`;

/** Signed URLs of recordings (src/server/signed-urls.ts): `/recordings/<id>.<ext>?token=…`. */
export class RecordingDownloads extends SignedUrls<RecordingObject> {
  constructor(tokenSecret: string, ttlSeconds: number = recordingDownloadSeconds) {
    super(tokenSecret, {
      purpose: 'pbx recording downloads',
      audience: 'pbx-recording-download',
      ttlSeconds,
      subject: (r) => recordingSubject(r.id),
      path: (r) => `${recordingDownloadPrefix}${r.id}.${extensionOf(r.file)}`,
    });
  }
}
