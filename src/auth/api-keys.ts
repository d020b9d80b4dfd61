import type { PrismaClient, Tx } from '../db/client.js';
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
    // A key made by a key lives no longer than the key that made it (a short-lived key could otherwise mint lasting ones).
    const parent = creator.kind === 'apiKey' ? await this.prisma.apiKey.findUnique({ where: { id: creator.id }, select: { id: true, expiresAt: true } }) : null;
    const expiresAt = input.expiresAt ?? parent?.expiresAt ?? null;
    if (parent?.expiresAt && expiresAt && expiresAt > parent.expiresAt) {
      issues.add(['input', 'expiresAt'], `at most ${parent.expiresAt.toISOString()}, when the key creating it expires`, 'OUT_OF_BOUNDS');
    }
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
        createdByKeyId: parent?.id ?? null,
        expiresAt,
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
    return this.prisma.$transaction(async (tx) => {
      await revokeKeysCreatedBy(tx, { keyIds: [id] });
      return tx.apiKey.update({ where: { id }, data: { revokedAt: row.revokedAt ?? new Date() } });
    });
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

/**
 * Revokes the keys an account or keys created, and the keys those created, to the last: a key no
 * longer answers for anything once what made it is gone. Keys already revoked keep their time.
 */
export async function revokeKeysCreatedBy(tx: Tx, by: { accountId?: string; keyIds?: readonly string[] }): Promise<void> {
  const now = new Date();
  let parents = [...(by.keyIds ?? [])];
  if (by.accountId) parents.push(...(await tx.apiKey.findMany({ where: { createdById: by.accountId }, select: { id: true } })).map((k) => k.id));
  const seen = new Set<string>(parents);
  while (parents.length) {
    const children = (await tx.apiKey.findMany({ where: { createdByKeyId: { in: parents } }, select: { id: true } })).map((k) => k.id).filter((id) => !seen.has(id));
    children.forEach((id) => seen.add(id));
    parents = children;
  }
  const revoked = [...seen].filter((id) => !by.keyIds?.includes(id));
  if (revoked.length) await tx.apiKey.updateMany({ where: { id: { in: revoked }, revokedAt: null }, data: { revokedAt: now } });
}
