import { errors, jwtVerify, SignJWT } from 'jose';
import { loadSecret } from '../secrets.js';

export type AccessClaims = { sub: string; sid: string; kind: 'account' | 'extension' };

/** Signs and verifies short-lived access tokens (HS256). */
export class TokenSigner {
  /** Imported once: jose imports a raw key anew at every call, which made a check about three times as slow. */
  private readonly key: Promise<CryptoKey>;
  constructor(
    secret: string,
    private readonly ttlSeconds: number,
  ) {
    this.key = crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
  }

  async sign(claims: AccessClaims): Promise<{ token: string; expiresAt: Date }> {
    const expiresAt = new Date(Date.now() + this.ttlSeconds * 1000);
    const token = await new SignJWT({ sid: claims.sid, kind: claims.kind })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(claims.sub)
      .setIssuedAt()
      .setIssuer('pbx')
      .setAudience('pbx-api')
      .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
      .sign(await this.key);
    return { token, expiresAt };
  }

  async verify(token: string): Promise<AccessClaims | null> {
    const checked = await this.check(token);
    return checked === 'expired' ? null : checked;
  }

  /** The token's claims; 'expired' for a token of ours whose time is up (its signature checked first); else null. */
  async check(token: string): Promise<AccessClaims | 'expired' | null> {
    try {
      const { payload } = await jwtVerify(token, await this.key, { issuer: 'pbx', audience: 'pbx-api', algorithms: ['HS256'], requiredClaims: ['exp', 'iat', 'sub'] });
      if (typeof payload.sub !== 'string' || typeof payload.sid !== 'string') return null;
      if (payload.kind !== 'account' && payload.kind !== 'extension') return null;
      return { sub: payload.sub, sid: payload.sid, kind: payload.kind };
    } catch (err) {
      return err instanceof errors.JWTExpired ? 'expired' : null;
    }
  }
}

/**
 * The signing secret: TOKEN_SECRET when set, else one generated on first start
 * and kept in the data directory so restarts keep sessions valid.
 */
export function loadTokenSecret(configured: string | undefined, dataDir: string): string {
  return configured ?? loadSecret(dataDir, 'token-secret', 48);
}
