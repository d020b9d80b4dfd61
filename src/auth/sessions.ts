import type { Config } from '../config.js';
import type { PrismaClient } from '../db/client.js';
import { AuthenticationError, NotFoundError, NotPermittedError, ValidationError } from '../errors.js';
import { assertLoginPasswordRule } from './accounts.js';
import { constantTimeEqual, decoyHash, hashPassword, randomToken, sha256, verifyPassword } from './passwords.js';
import { rolePermissions, type AccountRole, type Permission, type Principal } from './permissions.js';
import type { LoginThrottle } from './throttle.js';
import type { AccessClaims, TokenSigner } from './tokens.js';

export type TokenPair = {
  accessToken: string;
  accessTokenExpiresAt: Date;
  refreshToken: string;
  refreshTokenExpiresAt: Date;
  principal: Principal;
};

const noPermissions: ReadonlySet<Permission> = new Set();

/** Why an access token authenticates no one, as its holder is told. */
export const accessTokenRefusals = {
  expired: 'the access token has expired: renew it with refreshTokens, or log in again',
  invalid: 'the access token is not valid: it is not one of this server, or its session has ended',
} as const;
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
   * their API login password when web login is on (F-4.1.2.b), never with the
   * SIP password. Account names always start with a letter, so the two never collide.
   */
  async login(username: string, password: string, ip: string): Promise<TokenPair> {
    const attempt = await this.throttle.begin(this.throttle.keys(username, ip));
    const subject = await this.checkCredentials(username, password);
    if (!subject) {
      const delay = await this.throttle.failed(attempt);
      if (delay) await sleep(delay);
      throw new AuthenticationError('Wrong user name or password');
    }
    await this.throttle.succeeded(attempt);
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

  /**
   * Self-service password change of the caller: an account's password, or an
   * extension user's API login password. The current one is checked like a
   * login and its failures count in the same throttle (the account name or
   * number, and the IP); every other session of the caller ends, the one in
   * use stays. The new password follows createAccount's rule.
   */
  async changeOwnPassword(principal: Principal, currentPassword: string, newPassword: string, ip: string): Promise<void> {
    if (principal.kind === 'apiKey') throw new NotPermittedError('An API key has no password: revoke it and create another');
    if (currentPassword.length > 256) throw ValidationError.single(['currentPassword'], 'too long', 'OUT_OF_BOUNDS');
    assertLoginPasswordRule(newPassword, ['newPassword']);
    const attempt = await this.throttle.begin(this.throttle.keys(principal.username, ip));
    const stored =
      principal.kind === 'account'
        ? (await this.prisma.account.findUnique({ where: { id: principal.id }, select: { passwordHash: true } }))?.passwordHash
        : (await this.prisma.extension.findUnique({ where: { id: principal.id }, select: { loginPasswordHash: true } }))?.loginPasswordHash;
    if (!(await verifyPassword(stored ?? (await decoyHash()), currentPassword)) || !stored) {
      const delay = await this.throttle.failed(attempt);
      if (delay) await sleep(delay);
      throw new AuthenticationError('The current password is wrong');
    }
    await this.throttle.succeeded(attempt);
    if (principal.kind === 'extension') await this.assertNotSipSecret(principal.id, newPassword, ['newPassword']);
    const hashed = await hashPassword(newPassword);
    const owner = principal.kind === 'account' ? { accountId: principal.id } : { extensionId: principal.id };
    await this.prisma.$transaction(async (tx) => {
      if (principal.kind === 'account') await tx.account.update({ where: { id: principal.id }, data: { passwordHash: hashed } });
      else await tx.extension.update({ where: { id: principal.id }, data: { loginPasswordHash: hashed } });
      await tx.session.updateMany({ where: { ...owner, revokedAt: null, id: { not: principal.sessionId } }, data: { revokedAt: new Date() } });
    });
  }

  /**
   * Sets an extension's API login password (an administrator's act: the
   * first one, or a reset). It may not be the SIP password; every session of
   * the extension ends.
   */
  async setExtensionLoginPassword(extensionId: string, password: string): Promise<void> {
    assertLoginPasswordRule(password, ['password']);
    await this.assertNotSipSecret(extensionId, password, ['password']);
    const hashed = await hashPassword(password);
    await this.prisma.$transaction(async (tx) => {
      await tx.extension.update({ where: { id: extensionId }, data: { loginPasswordHash: hashed } });
      await tx.session.updateMany({ where: { extensionId, revokedAt: null }, data: { revokedAt: new Date() } });
    });
  }

  /** The SIP secret sits on phones and in provisioning files: it is never an API password. */
  private async assertNotSipSecret(extensionId: string, password: string, path: string[]): Promise<void> {
    const ext = await this.prisma.extension.findUnique({ where: { id: extensionId }, select: { password: true } });
    if (!ext) throw new NotFoundError('Extension', extensionId);
    if (constantTimeEqual(ext.password, password)) throw ValidationError.single(path, 'must differ from the SIP password', 'SAME_AS_SIP_PASSWORD');
  }

  /** Ends every session of an account or extension (after a password change or deletion). */
  async revokeAll(subject: { accountId?: string; extensionId?: string }): Promise<void> {
    await this.prisma.session.updateMany({ where: { ...subject, revokedAt: null }, data: { revokedAt: new Date() } });
  }

  async authenticateAccessToken(token: string): Promise<Principal | null> {
    const checked = await this.checkAccessToken(token);
    return 'principal' in checked ? checked.principal : null;
  }

  /** Who an access token authenticates, or why it does not (a reason fit for the caller to read). */
  async checkAccessToken(token: string): Promise<{ principal: Principal } | { refusal: string }> {
    const claims = await this.signer.check(token);
    if (claims === 'expired') return { refusal: accessTokenRefusals.expired };
    const principal = claims && (await this.principalOf(claims));
    return principal ? { principal } : { refusal: accessTokenRefusals.invalid };
  }

  private async principalOf(claims: AccessClaims): Promise<Principal | null> {
    const session = await this.prisma.session.findUnique({
      where: { id: claims.sid },
      include: {
        account: { select: { id: true, username: true, role: true, extensionId: true } },
        extension: { select: { id: true, number: true, enabled: true, webLogin: true, loginPasswordHash: true, numberSince: true } },
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
      // No login password: no API access (sessions opened with the SIP password before it existed end here too).
      if (!session.extension.enabled || !session.extension.webLogin || session.extension.loginPasswordHash === null) return null;
      return {
        kind: 'extension',
        id: session.extension.id,
        username: session.extension.number,
        role: 'EXTENSION_USER',
        sessionId: session.id,
        permissions: noPermissions,
        since: session.extension.numberSince,
      };
    }
    return null;
  }

  private async checkCredentials(username: string, password: string): Promise<{ kind: 'account' | 'extension'; id: string } | null> {
    if (/^\d+$/.test(username)) {
      const ext = await this.prisma.extension.findUnique({ where: { number: username }, select: { id: true, password: true, loginPasswordHash: true, enabled: true, webLogin: true } });
      // The login password only, never the SIP secret; verify even without one so the answer takes the same time.
      const ok = await verifyPassword(ext?.loginPasswordHash ?? (await decoyHash()), password);
      const sipSecret = !!ext && constantTimeEqual(ext.password, password);
      return ext && ext.loginPasswordHash && ok && !sipSecret && ext.enabled && ext.webLogin ? { kind: 'extension', id: ext.id } : null;
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
