import { z } from 'zod';
import { listedNumberPattern, listedNumberRule } from '../blacklist/service.js';
import type { Database, Tx } from '../db/client.js';
import { decodeGlobalId } from '../destinations/refs.js';
import { findReferrers } from '../destinations/referrers.js';
import type { ConfigChanges } from '../events/changes.js';
import { ConflictError, IssueCollector, NotFoundError, ReferencedError } from '../errors.js';
import type { SettingsStore } from '../settings/store.js';
import { charset } from '../validation/charsets.js';
import { checkField } from '../validation/issues.js';

export const whitelistDirections = ['INBOUND', 'OUTBOUND'] as const;
export type WhitelistDirection = (typeof whitelistDirections)[number];
export const MAX_WHITELIST_NUMBERS = 5000;

export const whitelistFieldSchemas = {
  name: z.string().min(1, 'required').max(64, 'at most 64 characters').regex(charset.name.pattern, charset.name.rule).describe(`Whitelist name, unique. ${charset.name.rule}; 1–64 characters`),
  direction: z
    .enum(whitelistDirections)
    .describe(
      'INBOUND: only callers whose caller ID is listed reach the linked extensions; this holds for every caller, internal extensions too. ' +
        'OUTBOUND: the linked extensions may dial out (through dial rules) only listed numbers, compared with the number as dialled, prefix included',
    ),
  numbers: z.array(z.string()).max(MAX_WHITELIST_NUMBERS, `at most ${MAX_WHITELIST_NUMBERS} numbers`).describe(`The numbers. ${listedNumberRule}; each once`),
} as const;

export type WhitelistFields = { name: string; direction: WhitelistDirection; numbers: string[] };
export type WhitelistInput = Partial<WhitelistFields>;

/** The JSON column of numbers as a list. */
export function parseNumbers(stored: string): string[] {
  const value: unknown = JSON.parse(stored);
  return Array.isArray(value) ? value.filter((n): n is string => typeof n === 'string') : [];
}

/** The id of a whitelist named by its global ID or its name, or null. */
export async function findWhitelistId(tx: Tx, ref: string): Promise<string | null> {
  const global = decodeGlobalId(ref);
  if (global?.type === 'Whitelist') return (await tx.whitelist.findUnique({ where: { id: global.id }, select: { id: true } }))?.id ?? null;
  return (await tx.whitelist.findUnique({ where: { name: ref }, select: { id: true } }))?.id ?? null;
}

/** Whitelists (F-4.5.10): named number lists an extension links to. */
export class WhitelistService {
  constructor(
    private readonly db: Database,
    private readonly settings: SettingsStore,
    private readonly changes: ConfigChanges,
  ) {}

  async create(input: WhitelistInput) {
    const issues = new IssueCollector();
    if (input.name === undefined) issues.add(['input', 'name'], 'required', 'REQUIRED');
    if (input.direction === undefined) issues.add(['input', 'direction'], 'required', 'REQUIRED');
    issues.throwIfAny();
    const row = await this.db.prisma.$transaction(async (tx) => {
      const fields = { name: input.name!, direction: input.direction!, numbers: input.numbers ?? [] };
      await this.validate(tx, fields, null);
      return tx.whitelist.create({ data: { name: fields.name, direction: fields.direction, numbers: JSON.stringify(fields.numbers) } });
    });
    this.changes.notify('whitelists created');
    return row;
  }

  async update(id: string, input: WhitelistInput) {
    const row = await this.db.prisma.$transaction(async (tx) => {
      const current = await tx.whitelist.findUnique({ where: { id } });
      if (!current) throw new NotFoundError('Whitelist', id);
      const fields = { name: input.name ?? current.name, direction: input.direction ?? (current.direction as WhitelistDirection), numbers: input.numbers ?? parseNumbers(current.numbers) };
      await this.validate(tx, fields, current);
      return tx.whitelist.update({ where: { id }, data: { name: fields.name, direction: fields.direction, numbers: JSON.stringify(fields.numbers) } });
    });
    this.changes.notify('whitelists updated');
    return row;
  }

  /** Refused (ReferencedError) while an extension links to it. */
  async delete(id: string) {
    await this.db.prisma.$transaction(async (tx) => {
      const current = await tx.whitelist.findUnique({ where: { id } });
      if (!current) throw new NotFoundError('Whitelist', id);
      const referrers = await findReferrers(tx, { settings: this.settings }, 'WHITELIST', [id], 'delete');
      if (referrers.length) throw new ReferencedError(`Whitelist ${current.name}`, referrers);
      await tx.whitelist.delete({ where: { id } });
    });
    this.changes.notify('whitelists deleted');
    return id;
  }

  private async validate(tx: Tx, fields: WhitelistFields, current: { id: string; name: string } | null) {
    const issues = new IssueCollector();
    for (const [key, schema] of Object.entries(whitelistFieldSchemas)) {
      for (const i of checkField(schema, fields[key as keyof WhitelistFields], ['input', key])) issues.add(i.path, i.message, i.code);
    }
    const seen = new Map<string, number>();
    fields.numbers.forEach((number, index) => {
      const path = ['input', 'numbers', String(index)];
      if (typeof number !== 'string' || !listedNumberPattern.test(number)) issues.add(path, `number ${index + 1}: ${listedNumberRule}`, 'INVALID_FORMAT');
      else if (seen.has(number)) issues.add(path, `number ${index + 1} repeats number ${seen.get(number)! + 1} (${number})`, 'DUPLICATE');
      else seen.set(number, index);
    });
    issues.throwIfAny();
    if (fields.name !== current?.name) {
      const clash = await tx.whitelist.findUnique({ where: { name: fields.name }, select: { id: true } });
      if (clash) throw new ConflictError(`A whitelist named ${fields.name} exists`, ['input', 'name']);
    }
  }
}
