import { createHmac } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';

/** What one kind of signed URL is: its key's purpose, the token's audience, its lifetime, and how an object is named and reached. */
export type SignedUrlKind<T> = {
  /** Derives this kind's key from the token secret: keys of different purposes never verify each other's tokens. */
  purpose: string;
  audience: string;
  ttlSeconds: number;
  /** The one object a token names, e.g. `prompt:<id>`. */
  subject(object: T): string;
  /** The URL path that serves the object, relative to the server's address. */
  path(object: T): string;
};

/**
 * Short-lived signed download URLs: a JWT (HS256) naming the one object, in
 * the URL's `token` parameter, so a browser's <audio> element can fetch it
 * without sending the access token. The key is derived from the server's
 * token secret (every instance sharing TOKEN_SECRET accepts it) and differs
 * from the access-token key: neither token is ever taken for the other.
 */
export class SignedUrls<T> {
  private readonly key: Uint8Array;
  constructor(
    tokenSecret: string,
    private readonly kind: SignedUrlKind<T>,
  ) {
    this.key = createHmac('sha256', tokenSecret).update(kind.purpose).digest();
  }

  async url(object: T): Promise<string> {
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(this.kind.subject(object))
      .setIssuer('pbx')
      .setAudience(this.kind.audience)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + this.kind.ttlSeconds)
      .sign(this.key);
    return `${this.kind.path(object)}?token=${token}`;
  }

  /** The subject a token names, or null when it is not one of ours or has expired. */
  async verify(token: string): Promise<string | null> {
    try {
      const { payload } = await jwtVerify(token, this.key, { issuer: 'pbx', audience: this.kind.audience, algorithms: ['HS256'], requiredClaims: ['exp', 'sub'] });
      return typeof payload.sub === 'string' ? payload.sub : null;
    } catch {
      return null;
    }
  }
}
