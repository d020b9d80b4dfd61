import { createHmac } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import { soundLimits } from './limits.js';

/** What a download URL serves: a prompt or a music-on-hold file, by id. */
export type SoundObject = { kind: 'prompt' | 'moh'; id: string };

/** The URL paths of the HTTP route (src/sounds/http.ts); relative to the server's address. */
export const downloadPaths = { prompt: '/sounds/prompts/', moh: '/sounds/moh-files/' } as const;
const audience = 'pbx-sound-download';

/**
 * Short-lived signed download URLs: a JWT (HS256) naming the one file, in
 * the URL's `token` parameter, so a browser's <audio> element can play it
 * without sending the access token. The key is derived from the server's
 * token secret (every instance sharing TOKEN_SECRET accepts it) and differs
 * from the access-token key: neither token is ever taken for the other.
 */
export class DownloadTokens {
  private readonly key: Uint8Array;
  constructor(
    tokenSecret: string,
    private readonly ttlSeconds: number = soundLimits.downloadUrlSeconds,
  ) {
    this.key = createHmac('sha256', tokenSecret).update('pbx sound downloads').digest();
  }

  async url(object: SoundObject): Promise<string> {
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(subject(object))
      .setIssuer('pbx')
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + this.ttlSeconds)
      .sign(this.key);
    return `${downloadPaths[object.kind]}${object.id}.wav?token=${token}`;
  }

  /** The object a token names, or null when it is not one of ours or has expired. */
  async verify(token: string): Promise<string | null> {
    try {
      const { payload } = await jwtVerify(token, this.key, { issuer: 'pbx', audience, algorithms: ['HS256'], requiredClaims: ['exp', 'sub'] });
      return typeof payload.sub === 'string' ? payload.sub : null;
    } catch {
      return null;
    }
  }
}

export function subject(object: SoundObject): string {
  return `${object.kind}:${object.id}`;
}
