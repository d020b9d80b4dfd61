import type { z } from 'zod';
import type { Logger } from '../logger.js';
import type { PrismaClient, Tx } from '../db/client.js';
import { ValidationError } from '../errors.js';
import { zodIssues } from '../validation/issues.js';
import { settingGroups, type SettingGroup, type SettingsOf } from './schemas.js';

type Reader = PrismaClient | Tx;

/** Per-process defaults that come from configuration rather than the manual (e.g. capacity). */
export type SettingDefaults = Partial<{ [G in SettingGroup]: Partial<SettingsOf<G>> }>;

/**
 * Reads and writes the typed setting groups. A group's stored document is
 * merged over its defaults, so a field added later reads with its default.
 */
export class SettingsStore {
  constructor(
    private readonly defaults: SettingDefaults = {},
    private readonly log?: Logger,
  ) {}

  async get<G extends SettingGroup>(db: Reader, group: G): Promise<SettingsOf<G>> {
    const row = await db.setting.findUnique({ where: { key: group } });
    return this.parseStored(group, row?.value);
  }

  async getMany<G extends SettingGroup>(db: Reader, groups: G[]): Promise<{ [K in G]: SettingsOf<K> }> {
    const rows = await db.setting.findMany({ where: { key: { in: groups } } });
    const byKey = new Map(rows.map((r) => [r.key, r.value]));
    return Object.fromEntries(groups.map((g) => [g, this.parseStored(g, byKey.get(g))])) as { [K in G]: SettingsOf<K> };
  }

  /** Validates the whole merged document; the issue paths start with `input`. */
  merge<G extends SettingGroup>(group: G, current: SettingsOf<G>, patch: Partial<SettingsOf<G>>): SettingsOf<G> {
    const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined && v !== null));
    const schema = settingGroups[group] as unknown as z.ZodType<SettingsOf<G>>;
    const parsed = schema.safeParse({ ...current, ...defined });
    if (!parsed.success) throw new ValidationError(zodIssues(parsed.error, ['input']));
    return parsed.data;
  }

  async write<G extends SettingGroup>(tx: Tx, group: G, value: SettingsOf<G>): Promise<void> {
    const text = JSON.stringify(value);
    await tx.setting.upsert({ where: { key: group }, create: { key: group, value: text }, update: { value: text } });
  }

  private parseStored<G extends SettingGroup>(group: G, stored: string | undefined): SettingsOf<G> {
    const schema = settingGroups[group] as unknown as z.ZodType<SettingsOf<G>>;
    const raw = stored ? (JSON.parse(stored) as object) : {};
    const parsed = schema.safeParse({ ...(this.defaults[group] ?? {}), ...raw });
    if (parsed.success) return parsed.data;
    // A stored document that no longer validates (a rule tightened since): only the fields that fail
    // take their defaults, every other stored value is kept, and the loss is logged with the stored value.
    const invalid = new Set(parsed.error.issues.map((i) => String(i.path[0])));
    const kept = Object.fromEntries(Object.entries(raw).filter(([field]) => !invalid.has(field)));
    this.log?.error(
      { group, fields: Object.fromEntries(Object.entries(raw).filter(([field]) => invalid.has(field))) },
      'stored settings no longer valid: these fields read as their defaults until set again',
    );
    return schema.parse({ ...(this.defaults[group] ?? {}), ...kept });
  }
}
