import { z } from 'zod';
import type { Database, Tx } from '../db/client.js';
import { entryLanguage } from '../dial-rules/patterns.js';
import { findDialRuleId } from '../dial-rules/service.js';
import { findReferrers } from '../destinations/referrers.js';
import { domains } from '../domains/registry.js';
import type { ConfigChanges } from '../events/changes.js';
import { ConflictError, IssueCollector, NotFoundError, NotPermittedError, ReferencedError, ValidationError } from '../errors.js';
import { isCovered } from '../pbx/lint/coverage.js';
import type { Language } from '../pbx/lint/patterns.js';
import type { SettingsStore } from '../settings/store.js';
import { checkField } from '../validation/issues.js';
import { permissionNamePattern, permissionNameRule } from './context.js';

export const dialPermissionFieldSchemas = {
  name: z.string().regex(permissionNamePattern, permissionNameRule).describe(`Dial permission name, unique; it names a dialplan context. ${permissionNameRule}`),
} as const;

export type DialPermissionInput = {
  name?: string;
  /** Names or global IDs of dial rules, in the order they are tried; replaces the list when given. */
  dialRules?: string[];
  /** Rights by name (e.g. allowExtensions); those not given keep their value (all granted for a new permission). */
  rights?: Record<string, boolean>;
};

/** The JSON column of withheld rights as a list. */
export function parseRights(stored: string): string[] {
  const value: unknown = JSON.parse(stored);
  return Array.isArray(value) ? value.filter((r): r is string => typeof r === 'string') : [];
}

/** Dial permissions (F-4.3.3): ordered dial rules plus the internal-call rights the domains offer. */
export class DialPermissionService {
  constructor(
    private readonly db: Database,
    private readonly settings: SettingsStore,
    private readonly changes: ConfigChanges,
  ) {}

  async create(input: DialPermissionInput) {
    if (input.name === undefined) throw ValidationError.single(['input', 'name'], 'required', 'REQUIRED');
    const row = await this.db.prisma.$transaction(async (tx) => {
      await this.checkName(tx, input.name!, null);
      const withheld = this.withheld([], input.rights ?? {});
      const ruleIds = await this.ruleIds(tx, input.dialRules ?? []);
      const permission = await tx.dialPermission.create({ data: { name: input.name!, withheldRights: JSON.stringify(withheld) } });
      await this.writeRules(tx, permission.id, ruleIds);
      return permission;
    });
    this.changes.notify('dial permissions created');
    return row;
  }

  async update(id: string, input: DialPermissionInput) {
    const row = await this.db.prisma.$transaction(async (tx) => {
      const current = await tx.dialPermission.findUnique({ where: { id } });
      if (!current) throw new NotFoundError('DialPermission', id);
      if (input.name !== undefined && input.name !== current.name) {
        if (current.builtIn) throw new NotPermittedError(`${current.name} is built in: it cannot be renamed`, ['input', 'name']);
        await this.checkName(tx, input.name, current.name);
      }
      const withheld = this.withheld(parseRights(current.withheldRights), input.rights ?? {});
      if (input.dialRules) {
        const ruleIds = await this.ruleIds(tx, input.dialRules);
        await tx.dialPermissionRule.deleteMany({ where: { permissionId: id } });
        await this.writeRules(tx, id, ruleIds);
      }
      return tx.dialPermission.update({ where: { id }, data: { name: input.name ?? current.name, withheldRights: JSON.stringify(withheld) } });
    });
    this.changes.notify('dial permissions updated');
    return row;
  }

  async delete(id: string) {
    await this.db.prisma.$transaction(async (tx) => {
      const current = await tx.dialPermission.findUnique({ where: { id } });
      if (!current) throw new NotFoundError('DialPermission', id);
      if (current.builtIn) throw new NotPermittedError(`${current.name} is built in: it cannot be deleted`);
      const referrers = await findReferrers(tx, { settings: this.settings }, 'DIAL_PERMISSION', [id], 'delete');
      if (referrers.length) throw new ReferencedError(`Dial permission ${current.name}`, referrers);
      await tx.dialPermission.delete({ where: { id } });
    });
    this.changes.notify('dial permissions deleted');
    return id;
  }

  private async checkName(tx: Tx, name: string, current: string | null) {
    const issues = checkField(dialPermissionFieldSchemas.name, name, ['input', 'name']);
    if (issues.length) throw new ValidationError(issues);
    if (name === current) return;
    if (await tx.dialPermission.findUnique({ where: { name }, select: { id: true } })) throw new ConflictError(`A dial permission named ${name} exists`, ['input', 'name']);
  }

  /** The rights withheld after applying `changes`; unknown right names are refused. */
  private withheld(current: string[], changes: Record<string, boolean>): string[] {
    const known = domains.rights.map((r) => r.name);
    const issues = new IssueCollector();
    for (const name of Object.keys(changes)) if (!known.includes(name)) issues.add(['input', name], `no right ${name} exists`, 'NOT_FOUND');
    issues.throwIfAny();
    const withheld = new Set(current.filter((r) => known.includes(r)));
    for (const [name, granted] of Object.entries(changes)) {
      if (granted) withheld.delete(name);
      else withheld.add(name);
    }
    return known.filter((r) => withheld.has(r));
  }

  /**
   * The rules' ids in order. An entry whose every number an entry of a rule
   * listed before it takes would never be reached from this permission: refused.
   */
  private async ruleIds(tx: Tx, refs: string[]): Promise<string[]> {
    const issues = new IssueCollector();
    const ids: string[] = [];
    for (const [i, ref] of refs.entries()) {
      const id = await findDialRuleId(tx, ref);
      if (!id) issues.add(['input', 'dialRules', String(i)], `no dial rule ${ref} exists`, 'NOT_FOUND');
      else if (ids.includes(id)) issues.add(['input', 'dialRules', String(i)], `dial rule ${ref} is listed twice`, 'DUPLICATE');
      else ids.push(id);
    }
    issues.throwIfAny();
    const rules = await tx.dialRule.findMany({ where: { id: { in: ids } }, include: { entries: { orderBy: { position: 'asc' } } } });
    const earlier: { language: Language }[] = [];
    for (const [i, id] of ids.entries()) {
      const rule = rules.find((r) => r.id === id)!;
      const languages = rule.entries.map((e) => ({ language: entryLanguage(e.prefix, e.pattern) }));
      rule.entries.forEach((entry, index) => {
        if (
          earlier.length &&
          isCovered(
            languages[index]!.language,
            earlier.map((e) => e.language),
          )
        ) {
          issues.add(
            ['input', 'dialRules', String(i)],
            `entry ${index + 1} (${entry.prefix}|${entry.pattern}) of ${rule.name} is never reached: rules listed before it take all its numbers; list it first`,
            'SHADOWED',
          );
        }
      });
      earlier.push(...languages);
    }
    issues.throwIfAny();
    return ids;
  }

  private async writeRules(tx: Tx, permissionId: string, ruleIds: string[]) {
    if (ruleIds.length) await tx.dialPermissionRule.createMany({ data: ruleIds.map((ruleId, position) => ({ permissionId, ruleId, position })) });
  }
}
