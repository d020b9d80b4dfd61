import { randomUUID } from 'node:crypto';
import type { Database, Tx } from '../db/client.js';
import { resolveDestination, type DestinationInput, type StoredDestination } from '../destinations/destination.js';
import { findReferrers } from '../destinations/referrers.js';
import { deleteDestinations, saveDestination } from '../destinations/store.js';
import type { ConfigChanges } from '../events/changes.js';
import { ConflictError, IssueCollector, NotFoundError, ReferencedError, ValidationError } from '../errors.js';
import { claimNumber, releaseNumbers } from '../numbering/namespace.js';
import { checkNumberInPlan, describeRange, inRange } from '../numbering/ranges.js';
import type { SettingsStore } from '../settings/store.js';
import { checkField } from '../validation/issues.js';
import { ivrDefaults, ivrFieldSchemas } from './fields.js';
import { defaultedKeys, ivrKeys, keySpecs, type IvrKey } from './keys.js';
import { findPromptId } from '../sounds/refs.js';
import { findDialPermissionId } from './refs.js';
import { ivrKind } from './snapshot.js';

export type IvrKeyEventInput = { key: IvrKey; destination: DestinationInput };

export type IvrInput = {
  name?: string;
  /** Absent on create: the next free number of the IVR range. */
  number?: string;
  /** The prompt's name or global ID: an IVR-category prompt of the sound library (F-4.4.2). */
  prompt?: string;
  repeatCount?: number;
  allowDirectDial?: boolean;
  /** A dial permission's name or global ID; null: extension numbers only. */
  directDialPermission?: string | null;
  language?: string;
  digitTimeoutSeconds?: number;
  /** Replaces every key event when given; NO_INPUT and INVALID hang up unless listed. */
  keyEvents?: IvrKeyEventInput[];
};

type Fields = { name: string; number: string; repeatCount: number; allowDirectDial: boolean; language: string; digitTimeoutSeconds: number };

/**
 * Auto attendants (F-4.2.1): a number from the IVR range, an IVR prompt, the
 * menu's timing and direct dial, and one Destination per key event (F-4.2.1.a).
 * A key may send calls to any destination, this IVR and other IVRs included
 * (the dialplan bounds how often one call may enter menus).
 */
export class IvrService {
  constructor(
    private readonly db: Database,
    private readonly settings: SettingsStore,
    private readonly changes: ConfigChanges,
  ) {}

  async create(input: IvrInput) {
    const required = (['name', 'prompt'] as const).filter((k) => input[k] === undefined || input[k] === null);
    if (required.length) throw new ValidationError(required.map((k) => ({ path: ['input', k], message: 'required', code: 'REQUIRED' })));
    const row = await this.db.prisma.$transaction(async (tx) => {
      const number = input.number ?? (await this.nextFreeNumber(tx));
      const fields: Fields = {
        name: input.name!,
        number,
        repeatCount: input.repeatCount ?? ivrDefaults.repeatCount,
        allowDirectDial: input.allowDirectDial ?? ivrDefaults.allowDirectDial,
        language: input.language ?? ivrDefaults.language,
        digitTimeoutSeconds: input.digitTimeoutSeconds ?? ivrDefaults.digitTimeoutSeconds,
      };
      await this.validate(tx, fields, null);
      const promptId = await this.promptId(tx, input.prompt!);
      const directDialPermissionId = input.directDialPermission ? await this.permissionId(tx, input.directDialPermission) : null;
      const events = checkKeyList(input.keyEvents ?? []);
      // The number is claimed first, so a clash is reported with its owner rather than as a unique-index failure.
      const id = randomUUID();
      await claimNumber(tx, fields.number, ivrKind, id, ['input', 'number']);
      // The IVR exists before its keys are resolved, so a key may name the IVR itself ("play the menu again").
      const created = await tx.ivr.create({ data: { id, ...fields, promptId, directDialPermissionId } });
      await this.writeKeys(tx, id, events);
      return created;
    });
    this.changes.notify('ivrs created');
    return row;
  }

  async update(id: string, input: IvrInput) {
    const row = await this.db.prisma.$transaction(async (tx) => {
      const current = await tx.ivr.findUnique({ where: { id } });
      if (!current) throw new NotFoundError('Ivr', id);
      const fields: Fields = {
        name: input.name ?? current.name,
        number: input.number ?? current.number,
        repeatCount: input.repeatCount ?? current.repeatCount,
        allowDirectDial: input.allowDirectDial ?? current.allowDirectDial,
        language: input.language ?? current.language,
        digitTimeoutSeconds: input.digitTimeoutSeconds ?? current.digitTimeoutSeconds,
      };
      await this.validate(tx, fields, current);
      const promptId = input.prompt !== undefined ? await this.promptId(tx, input.prompt) : current.promptId;
      const directDialPermissionId =
        input.directDialPermission === undefined ? current.directDialPermissionId : input.directDialPermission === null ? null : await this.permissionId(tx, input.directDialPermission);
      if (fields.number !== current.number) await claimNumber(tx, fields.number, ivrKind, id, ['input', 'number']);
      const updated = await tx.ivr.update({ where: { id }, data: { ...fields, promptId, directDialPermissionId } });
      if (input.keyEvents) {
        const events = checkKeyList(input.keyEvents);
        await deleteDestinations(tx, ivrKind, [id]);
        await this.writeKeys(tx, id, events);
      }
      return updated;
    });
    this.changes.notify('ivrs updated');
    return row;
  }

  /** IVRs deleted together may send calls to one another (or to themselves); anything else that sends calls to one refuses. */
  async delete(ids: string[]) {
    const deleted = await this.db.prisma.$transaction(async (tx) => {
      const rows = await tx.ivr.findMany({ where: { id: { in: ids } }, select: { id: true, number: true, name: true } });
      const missing = ids.find((id) => !rows.some((r) => r.id === id));
      if (missing) throw new NotFoundError('Ivr', missing);
      const referrers = (await findReferrers(tx, { settings: this.settings }, ivrKind, ids, 'delete')).filter((r) => !(r.kind === ivrKind && ids.includes(r.id)));
      if (referrers.length) throw new ReferencedError(rows.length === 1 ? `IVR ${rows[0]!.number} (${rows[0]!.name})` : 'These IVRs', referrers);
      await deleteDestinations(tx, ivrKind, ids);
      await releaseNumbers(tx, ivrKind, ids);
      await tx.ivr.deleteMany({ where: { id: { in: ids } } });
      return ids;
    });
    this.changes.notify('ivrs deleted');
    return deleted;
  }

  private async validate(tx: Tx, fields: Fields, current: { name: string; number: string } | null) {
    const issues = new IssueCollector();
    for (const [key, schema] of Object.entries(ivrFieldSchemas)) {
      for (const i of checkField(schema, fields[key as keyof Fields], ['input', key])) issues.add(i.path, i.message, i.code);
    }
    if (issues.empty && fields.number !== current?.number) {
      const plan = await this.settings.get(tx, 'numberingPlan');
      const rangeIssue = checkNumberInPlan(plan, ivrKind, fields.number, ['input', 'number']);
      if (rangeIssue) issues.add(rangeIssue.path, rangeIssue.message, rangeIssue.code);
    }
    issues.throwIfAny();
    if (fields.name !== current?.name && (await tx.ivr.findUnique({ where: { name: fields.name }, select: { id: true } }))) {
      throw new ConflictError(`An IVR named ${fields.name} exists`, ['input', 'name']);
    }
  }

  /** The lowest number of the IVR range that nothing holds. */
  private async nextFreeNumber(tx: Tx): Promise<string> {
    const range = (await this.settings.get(tx, 'numberingPlan')).ivrRange;
    const taken = new Set(
      (await tx.dialableNumber.findMany({ where: { number: { gte: range.start, lte: range.end } }, select: { number: true } })).map((r) => r.number).filter((n) => inRange(n, range)),
    );
    const width = range.start.length;
    for (let n = BigInt(range.start); n <= BigInt(range.end); n++) {
      const number = n.toString().padStart(width, '0');
      if (!taken.has(number)) return number;
    }
    throw ValidationError.single(['input', 'number'], `every number of ${describeRange('ivrRange', range)} is taken`, 'RANGE_FULL');
  }

  private async promptId(tx: Tx, ref: string): Promise<string> {
    const id = await findPromptId(tx, ref);
    const prompt = id ? await tx.prompt.findUnique({ where: { id }, select: { id: true, name: true, category: true } }) : null;
    if (!prompt) throw ValidationError.single(['input', 'prompt'], `no prompt ${ref} exists`, 'NOT_FOUND');
    if (prompt.category !== 'IVR') {
      throw ValidationError.single(['input', 'prompt'], `prompt ${prompt.name} is a ${prompt.category} prompt; an IVR plays IVR prompts (F-4.4.2)`, 'WRONG_CATEGORY');
    }
    return prompt.id;
  }

  private async permissionId(tx: Tx, ref: string): Promise<string> {
    const id = await findDialPermissionId(tx, ref);
    if (!id) throw ValidationError.single(['input', 'directDialPermission'], `no dial permission ${ref} exists`, 'NOT_FOUND');
    return id;
  }

  /** Resolves and stores the key events, NO_INPUT and INVALID defaulting to hang up. */
  private async writeKeys(tx: Tx, id: string, events: (IvrKeyEventInput & { index: number })[]) {
    const stored: { key: IvrKey; destination: StoredDestination }[] = [];
    for (const event of events) {
      stored.push({ key: event.key, destination: await resolveDestination(tx, event.destination, ['input', 'keyEvents', String(event.index), 'destination']) });
    }
    for (const key of defaultedKeys) {
      if (!stored.some((s) => s.key === key)) stored.push({ key, destination: { type: 'HANGUP', target: null, parameters: {} } });
    }
    for (const { key, destination } of stored) await saveDestination(tx, { kind: ivrKind, id, slot: keySpecs[key].slot }, destination);
  }
}

/** Each key at most once (F-4.2.1.a); the list keeps the input's indexes for error paths. */
function checkKeyList(events: IvrKeyEventInput[]): (IvrKeyEventInput & { index: number })[] {
  const issues = new IssueCollector();
  const seen = new Map<IvrKey, number>();
  events.forEach((event, index) => {
    const path = ['input', 'keyEvents', String(index), 'key'];
    if (!ivrKeys.includes(event.key)) return issues.add(path, `no key ${String(event.key)} exists`, 'NOT_FOUND');
    const first = seen.get(event.key);
    if (first !== undefined) issues.add(path, `${keySpecs[event.key].label} is given twice (first at index ${first})`, 'DUPLICATE');
    else seen.set(event.key, index);
  });
  issues.throwIfAny();
  return events.map((event, index) => ({ ...event, index }));
}
