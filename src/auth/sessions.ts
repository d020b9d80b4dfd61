import type { Config } from '../config.js';
import type { PrismaClient } from '../db/client.js';
import { AuthenticationError } from '../errors.js';
import { constantTimeEqual, decoyHash, randomToken, sha256, verifyPassword } from './passwords.js';
import { rolePermissions, type AccountRole, type Permission, type Principal } from './permissions.js';
import type { LoginThrottle } from './throttle.js';
import type { TokenSigner } from './tokens.js';

export type TokenPair = {
  accessToken: string;
  accessTokenExpiresAt: Date;
  refreshToken: string;
  refreshTokenExpiresAt: Date;
  principal: Principal;
};

const noPermissions: ReadonlySet<Permission> = new Set();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Logins of people (accounts) and of extensions, refresh, logout, and bearer authentication. */
export class SessionService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly signer: TokenSigner,
    private readonly throttle: LoginThrottle,
    private readonly refreshTtlSeconds: number,
  ) {}

  /**
   * Accounts log in with their user name; extensions with their number and
   * SIP password when web login is on (F-4.1.2.b). Account names always start
   * with a letter, so the two never collide.
   */
  async login(username: string, password: string, ip: string): Promise<TokenPair> {
    const keys = this.throttle.keys(username, ip);
    await this.throttle.assertNotLocked(keys);
    const subject = await this.checkCredentials(username, password);
    if (!subject) {
      const delay = await this.throttle.recordFailure(keys);
      if (delay) await sleep(delay);
      throw new AuthenticationError('Wrong user name or password');
    }
    await this.throttle.recordSuccess(username);
    return this.openSession(subject, ip);
  }

  /**
   * Rotation: the old session ends, a new one of the same family starts. A
   * refresh token presented again after its rotation was stolen or leaked:
   * the whole family is revoked (RFC 9700 4.14.2), so whoever redeemed it
   * first loses the chain too. The claim is one conditional update, atomic on
   * both databases, so two concurrent redemptions cannot both succeed.
   */
  async refresh(refreshToken: string, ip: string): Promise<TokenPair> {
    const session = await this.prisma.session.findUnique({ where: { refreshTokenHash: sha256(refreshToken) } });
    if (!session || session.expiresAt < new Date()) throw new AuthenticationError('The refresh token is not valid');
    const familyId = session.familyId ?? session.id;
    const claimed = await this.prisma.session.updateMany({ where: { id: session.id, revokedAt: null }, data: { revokedAt: new Date() } });
    if (claimed.count === 0) {
      await this.prisma.session.updateMany({ where: { OR: [{ id: familyId }, { familyId }], revokedAt: null }, data: { revokedAt: new Date() } });
      throw new AuthenticationError('The refresh token is not valid');
    }
    const subject = session.accountId ? { kind: 'account' as const, id: session.accountId } : { kind: 'extension' as const, id: session.extensionId! };
    return this.openSession(subject, ip, familyId);
  }

  async logout(sessionId: string): Promise<void> {
    await this.prisma.session.updateMany({ where: { id: sessionId, revokedAt: null }, data: { revokedAt: new Date() } });
  }

  /** Ends every session of an account or extension (after a password change or deletion). */
  async revokeAll(subject: { accountId?: string; extensionId?: string }): Promise<void> {
    await this.prisma.session.updateMany({ where: { ...subject, revokedAt: null }, data: { revokedAt: new Date() } });
  }

  async authenticateAccessToken(token: string): Promise<Principal | null> {
    const claims = await this.signer.verify(token);
    if (!claims) return null;
    const session = await this.prisma.session.findUnique({
      where: { id: claims.sid },
      include: {
        account: { select: { id: true, username: true, role: true, extensionId: true } },
        extension: { select: { id: true, number: true, enabled: true, webLogin: true } },
      },
    });
    if (!session || session.revokedAt || session.expiresAt < new Date()) return null;
    if (session.account && claims.kind === 'account' && session.account.id === claims.sub) {
      const role = session.account.role as AccountRole;
      return {
        kind: 'account',
        id: session.account.id,
        username: session.account.username,
        role,
        sessionId: session.id,
        permissions: new Set(rolePermissions[role]),
        extensionId: session.account.extensionId,
      };
    }
    if (session.extension && claims.kind === 'extension' && session.extension.id === claims.sub) {
      if (!session.extension.enabled || !session.extension.webLogin) return null;
      return { kind: 'extension', id: session.extension.id, username: session.extension.number, role: 'EXTENSION_USER', sessionId: session.id, permissions: noPermissions };
    }
    return null;
  }

  private async checkCredentials(username: string, password: string): Promise<{ kind: 'account' | 'extension'; id: string } | null> {
    if (/^\d+$/.test(username)) {
      const ext = await this.prisma.extension.findUnique({ where: { number: username }, select: { id: true, password: true, enabled: true, webLogin: true } });
      // Compare even when absent so the answer takes the same time.
      const ok = constantTimeEqual(ext?.password ?? '\u0000never', password);
      return ext && ok && ext.enabled && ext.webLogin ? { kind: 'extension', id: ext.id } : null;
    }
    const account = await this.prisma.account.findUnique({ where: { username }, select: { id: true, passwordHash: true } });
    const ok = await verifyPassword(account?.passwordHash ?? (await decoyHash()), password);
    return account && ok ? { kind: 'account', id: account.id } : null;
  }

  private async openSession(subject: { kind: 'account' | 'extension'; id: string }, ip: string, familyId: string | null = null): Promise<TokenPair> {
    const refreshToken = randomToken();
    const refreshTokenExpiresAt = new Date(Date.now() + this.refreshTtlSeconds * 1000);
    const session = await this.prisma.session.create({
      data: {
        refreshTokenHash: sha256(refreshToken),
        accountId: subject.kind === 'account' ? subject.id : null,
        extensionId: subject.kind === 'extension' ? subject.id : null,
        ip,
        familyId,
        expiresAt: refreshTokenExpiresAt,
      },
    });
    const { token, expiresAt } = await this.signer.sign({ sub: subject.id, sid: session.id, kind: subject.kind });
    const principal = await this.authenticateAccessToken(token);
    if (!principal) throw new AuthenticationError('The login is not allowed');
    return { accessToken: token, accessTokenExpiresAt: expiresAt, refreshToken, refreshTokenExpiresAt, principal };
  }
}

export type SessionConfig = Pick<Config, 'refreshTokenTtlSeconds'>;
