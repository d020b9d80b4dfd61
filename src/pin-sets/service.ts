import { z } from 'zod';
import type { Database, Tx } from '../db/client.js';
import { decodeGlobalId } from '../destinations/refs.js';
import { findReferrers } from '../destinations/referrers.js';
import type { ConfigChanges } from '../events/changes.js';
import { ConflictError, IssueCollector, NotFoundError, ReferencedError, ValidationError } from '../errors.js';
import type { SettingsStore } from '../settings/store.js';
import { charset } from '../validation/charsets.js';
import { checkField } from '../validation/issues.js';

export const pinSetFieldSchemas = {
  name: z.string().min(1, 'required').max(64, 'at most 64 characters').regex(charset.name.pattern, charset.name.rule).describe(`PIN set name, unique. ${charset.name.rule}`),
  pins: z.array(z.string()).max(10_000, 'at most 10,000 PINs').describe('The PINs: 3–6 digits each, unique within the set. Readable only by admins (extensions:secrets)'),
} as const;

const pinPattern = /^\d{3,6}$/;

export type PinSetInput = { name?: string; pins?: string[] };

/** The JSON column of PINs as a list. */
export function parsePins(stored: string): string[] {
  const value: unknown = JSON.parse(stored);
  return Array.isArray(value) ? value.filter((p): p is string => typeof p === 'string') : [];
}

/** The id of a PIN set named by its global ID or its name, or null. */
export async function findPinSetId(tx: Tx, ref: string): Promise<string | null> {
  const global = decodeGlobalId(ref);
  if (global?.type === 'PinSet') return (await tx.pinSet.findUnique({ where: { id: global.id }, select: { id: true } }))?.id ?? null;
  return (await tx.pinSet.findUnique({ where: { name: ref }, select: { id: true } }))?.id ?? null;
}

/** PIN sets (F-4.3.4): a named list of PINs a dial-rule entry may ask for. */
export class PinSetService {
  constructor(
    private readonly db: Database,
    private readonly settings: SettingsStore,
    private readonly changes: ConfigChanges,
  ) {}

  async create(input: PinSetInput) {
    if (input.name === undefined) throw ValidationError.single(['input', 'name'], 'required', 'REQUIRED');
    const row = await this.db.prisma.$transaction(async (tx) => {
      const fields = { name: input.name!, pins: input.pins ?? [] };
      await this.validate(tx, fields, null);
      return tx.pinSet.create({ data: { name: fields.name, pins: JSON.stringify(fields.pins) } });
    });
    this.changes.notify('pin sets created');
    return row;
  }

  async update(id: string, input: PinSetInput) {
    const row = await this.db.prisma.$transaction(async (tx) => {
      const current = await tx.pinSet.findUnique({ where: { id } });
      if (!current) throw new NotFoundError('PinSet', id);
      const fields = { name: input.name ?? current.name, pins: input.pins ?? parsePins(current.pins) };
      await this.validate(tx, fields, current);
      return tx.pinSet.update({ where: { id }, data: { name: fields.name, pins: JSON.stringify(fields.pins) } });
    });
    this.changes.notify('pin sets updated');
    return row;
  }

  async delete(id: string) {
    await this.db.prisma.$transaction(async (tx) => {
      const current = await tx.pinSet.findUnique({ where: { id } });
      if (!current) throw new NotFoundError('PinSet', id);
      const referrers = await findReferrers(tx, { settings: this.settings }, 'PIN_SET', [id], 'delete');
      if (referrers.length) throw new ReferencedError(`PIN set ${current.name}`, referrers);
      await tx.pinSet.delete({ where: { id } });
    });
    this.changes.notify('pin sets deleted');
    return id;
  }

  private async validate(tx: Tx, fields: { name: string; pins: string[] }, current: { id: string; name: string } | null) {
    const issues = new IssueCollector();
    for (const i of checkField(pinSetFieldSchemas.name, fields.name, ['input', 'name'])) issues.add(i.path, i.message, i.code);
    for (const i of checkField(pinSetFieldSchemas.pins, fields.pins, ['input', 'pins'])) issues.add(i.path, i.message, i.code);
    // Messages never repeat a PIN: they name its position.
    const seen = new Map<string, number>();
    fields.pins.forEach((pin, index) => {
      const path = ['input', 'pins', String(index)];
      if (!pinPattern.test(pin)) issues.add(path, `PIN ${index + 1} is not 3–6 digits`, 'INVALID_FORMAT');
      else if (seen.has(pin)) issues.add(path, `PIN ${index + 1} repeats PIN ${seen.get(pin)! + 1}`, 'DUPLICATE');
      else seen.set(pin, index);
    });
    issues.throwIfAny();
    if (fields.name !== current?.name) {
      const clash = await tx.pinSet.findUnique({ where: { name: fields.name }, select: { id: true } });
      if (clash) throw new ConflictError(`A PIN set named ${fields.name} exists`, ['input', 'name']);
    }
  }
}
