import { SignedUrls } from '../server/signed-urls.js';
import { soundLimits } from './limits.js';

/** What a download URL serves: a prompt or a music-on-hold file, by id. */
export type SoundObject = { kind: 'prompt' | 'moh'; id: string };

/** The URL paths of the HTTP route (src/sounds/http.ts); relative to the server's address. */
export const downloadPaths = { prompt: '/sounds/prompts/', moh: '/sounds/moh-files/' } as const;
const audience = 'pbx-sound-download';

/** Signed URLs of prompts and music files (src/server/signed-urls.ts), good for soundLimits.downloadUrlSeconds. */
export class DownloadTokens extends SignedUrls<SoundObject> {
  constructor(tokenSecret: string, ttlSeconds: number = soundLimits.downloadUrlSeconds) {
    super(tokenSecret, { purpose: 'pbx sound downloads', audience, ttlSeconds, subject, path: (object) => `${downloadPaths[object.kind]}${object.id}.wav` });
  }
}

export function subject(object: SoundObject): string {
  return `${object.kind}:${object.id}`;
}
