import type { PrismaClient } from '../db/client.js';
import { IssueCollector, NotFoundError, NotPermittedError } from '../errors.js';
import { constantTimeEqual, randomToken, sha256 } from './passwords.js';
import { permissions, type Permission, type Principal } from './permissions.js';

const keyFormat = /^pbx_([A-Za-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

/** API keys for integrations: `pbx_<prefix>_<secret>`, shown once, stored as a hash, scoped. */
export class ApiKeyService {
  constructor(private readonly prisma: PrismaClient) {}

  async create(creator: Principal, input: { name: string; scopes: string[]; expiresAt?: Date | null }) {
    const issues = new IssueCollector();
    const name = input.name.trim();
    if (!name || name.length > 64 || /[\u0000-\u001f]/.test(name)) issues.add(['input', 'name'], '1–64 characters, no control characters', 'INVALID');
    if (!input.scopes.length) issues.add(['input', 'scopes'], 'at least one scope', 'REQUIRED');
    input.scopes.forEach((scope, i) => {
      if (!(permissions as readonly string[]).includes(scope)) issues.add(['input', 'scopes', String(i)], `unknown scope ${scope}`, 'INVALID');
      else if (!creator.permissions.has(scope as Permission)) issues.add(['input', 'scopes', String(i)], `you do not hold ${scope} yourself`, 'NOT_PERMITTED');
    });
    if (input.expiresAt && input.expiresAt < new Date()) issues.add(['input', 'expiresAt'], 'must be in the future', 'INVALID');
    issues.throwIfAny();
    const prefix = randomToken(12)
      .replace(/[^A-Za-z0-9]/g, '')
      .slice(0, 12)
      .padEnd(12, '0');
    const secret = randomToken(32);
    const row = await this.prisma.apiKey.create({
      data: {
        name,
        prefix,
        secretHash: sha256(secret),
        scopes: JSON.stringify([...new Set(input.scopes)]),
        createdById: creator.kind === 'account' ? creator.id : null,
        expiresAt: input.expiresAt ?? null,
      },
    });
    return { apiKey: row, secret: `pbx_${prefix}_${secret}` };
  }

  /** Revokes a key; only a caller that holds every scope of the key may (a weaker key could otherwise take away a stronger one). */
  async revoke(actor: Principal, id: string) {
    const row = await this.prisma.apiKey.findUnique({ where: { id } });
    if (!row) throw new NotFoundError('API key', id);
    const missing = (JSON.parse(row.scopes) as Permission[]).filter((scope) => !actor.permissions.has(scope));
    if (missing.length) throw new NotPermittedError(`Not permitted: the key has ${missing.join(', ')}, which you do not hold yourself`);
    return this.prisma.apiKey.update({ where: { id }, data: { revokedAt: row.revokedAt ?? new Date() } });
  }

  isApiKey(token: string): boolean {
    return token.startsWith('pbx_');
  }

  async authenticate(token: string): Promise<Principal | null> {
    const match = keyFormat.exec(token);
    if (!match) return null;
    const row = await this.prisma.apiKey.findUnique({ where: { prefix: match[1]! } });
    if (!row || row.revokedAt || (row.expiresAt && row.expiresAt < new Date())) return null;
    if (!constantTimeEqual(row.secretHash, sha256(match[2]!))) return null;
    void this.prisma.apiKey.update({ where: { id: row.id }, data: { lastUsedAt: new Date() } }).catch(() => undefined);
    return { kind: 'apiKey', id: row.id, username: `apikey:${row.name}`, role: 'API_KEY', permissions: new Set(scopesOf(row.scopes)) };
  }
}

export function scopesOf(stored: string): Permission[] {
  return (JSON.parse(stored) as string[]).filter((s): s is Permission => (permissions as readonly string[]).includes(s));
}
