import type { PrismaClient } from '../db/client.js';
import { ConflictError, IssueCollector, NotFoundError, NotPermittedError, ValidationError } from '../errors.js';
import { revokeKeysCreatedBy } from './api-keys.js';
import { hashPassword } from './passwords.js';
import { accountRoles, rolePermissions, type AccountRole, type Principal } from './permissions.js';

export const usernameRule = 'Starts with a letter; letters A–Z, digits, _ . - ; 3–32 characters';
const usernamePattern = /^[A-Za-z][A-Za-z0-9_.-]{2,31}$/;
export const accountPasswordRule = '8–128 characters';

/** The rule of every login password (accounts and the API login of extensions): createAccount's. */
export function assertLoginPasswordRule(password: string, path: string[]): void {
  if (password.length < 8 || password.length > 128) throw ValidationError.single(path, accountPasswordRule, 'INVALID_LENGTH');
}

export type AccountInput = { username?: string; password?: string; role?: AccountRole; extensionId?: string | null };

/**
 * A caller manages only accounts that can do no more than it can itself: it may not create or set a role
 * with a permission it lacks, nor change or delete an account that has one (an API key with
 * accounts:write alone would otherwise make itself an admin, or take the admin's password).
 */
function assertHoldsRole(actor: Principal, role: AccountRole, path: string[] | undefined, what: string): void {
  const missing = rolePermissions[role].filter((p) => !actor.permissions.has(p));
  if (missing.length) throw new NotPermittedError(`${what}: the ${role} role has ${missing.join(', ')}, which you do not hold yourself`, path);
}

/** Web/API accounts (F-7.10.1). The built-in admin cannot be deleted or demoted. */
export class AccountService {
  constructor(private readonly prisma: PrismaClient) {}

  async create(actor: Principal, input: Required<Pick<AccountInput, 'username' | 'password' | 'role'>> & AccountInput) {
    await this.validate(input, null);
    assertHoldsRole(actor, input.role, ['input', 'role'], 'Not permitted');
    if (await this.prisma.account.findUnique({ where: { username: input.username } })) {
      throw new ConflictError(`An account named ${input.username} exists`, ['input', 'username']);
    }
    return this.prisma.account.create({
      data: {
        username: input.username,
        passwordHash: await hashPassword(input.password),
        role: input.role,
        extensionId: input.role === 'OPERATOR_PANEL' ? (input.extensionId ?? null) : null,
      },
    });
  }

  async update(actor: Principal, id: string, input: AccountInput) {
    const current = await this.prisma.account.findUnique({ where: { id } });
    if (!current) throw new NotFoundError('Account', id);
    assertHoldsRole(actor, current.role as AccountRole, undefined, `Not permitted to change ${current.username}`);
    if (input.role) assertHoldsRole(actor, input.role, ['input', 'role'], 'Not permitted');
    if (current.builtIn && input.role && input.role !== 'ADMIN') throw new NotPermittedError('The built-in admin keeps the ADMIN role', ['input', 'role']);
    if (current.builtIn && input.username && input.username !== current.username) throw new NotPermittedError('The built-in admin cannot be renamed', ['input', 'username']);
    const merged = {
      username: input.username ?? current.username,
      role: (input.role ?? current.role) as AccountRole,
      extensionId: input.extensionId === undefined ? current.extensionId : input.extensionId,
      password: input.password,
    };
    await this.validate(merged, id);
    if (merged.username !== current.username && (await this.prisma.account.findUnique({ where: { username: merged.username } }))) {
      throw new ConflictError(`An account named ${merged.username} exists`, ['input', 'username']);
    }
    return this.prisma.$transaction(async (tx) => {
      const updated = await tx.account.update({
        where: { id },
        data: {
          username: merged.username,
          role: merged.role,
          extensionId: merged.role === 'OPERATOR_PANEL' ? merged.extensionId : null,
          ...(input.password ? { passwordHash: await hashPassword(input.password) } : {}),
        },
      });
      // A new password or role ends the account's other sessions.
      if (input.password || merged.role !== current.role) await tx.session.updateMany({ where: { accountId: id, revokedAt: null }, data: { revokedAt: new Date() } });
      return updated;
    });
  }

  async delete(actor: Principal, id: string) {
    const current = await this.prisma.account.findUnique({ where: { id } });
    if (!current) throw new NotFoundError('Account', id);
    assertHoldsRole(actor, current.role as AccountRole, undefined, `Not permitted to delete ${current.username}`);
    if (current.builtIn) throw new NotPermittedError('The built-in admin account cannot be deleted');
    await this.prisma.$transaction(async (tx) => {
      await revokeKeysCreatedBy(tx, { accountId: id });
      await tx.account.delete({ where: { id } });
    });
    return current;
  }

  private async validate(input: AccountInput, id: string | null): Promise<void> {
    const issues = new IssueCollector();
    if (input.username !== undefined && !usernamePattern.test(input.username)) issues.add(['input', 'username'], usernameRule, 'INVALID_FORMAT');
    if (input.password !== undefined && (input.password.length < 8 || input.password.length > 128)) issues.add(['input', 'password'], accountPasswordRule, 'INVALID_LENGTH');
    if (input.role !== undefined && !accountRoles.includes(input.role)) issues.add(['input', 'role'], 'unknown role', 'INVALID');
    if (input.role === 'OPERATOR_PANEL') {
      if (!input.extensionId) issues.add(['input', 'extensionId'], 'an operator-panel account is bound to an extension', 'REQUIRED');
      else if (!(await this.prisma.extension.findUnique({ where: { id: input.extensionId } }))) issues.add(['input', 'extensionId'], 'no such extension', 'NOT_FOUND');
    }
    void id;
    issues.throwIfAny();
  }
}
