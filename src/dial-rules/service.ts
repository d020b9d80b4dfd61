import { z } from 'zod';
import type { Database, Tx } from '../db/client.js';
import { decodeGlobalId } from '../destinations/refs.js';
import { findReferrers } from '../destinations/referrers.js';
import type { ConfigChanges } from '../events/changes.js';
import { ConflictError, IssueCollector, NotFoundError, ReferencedError, ValidationError } from '../errors.js';
import { readFeatureCodes } from '../feature-codes/service.js';
import { featureCodeSpec } from '../feature-codes/table.js';
import { rangeLabels } from '../numbering/ranges.js';
import { findPinSetId } from '../pin-sets/service.js';
import { findTimeRuleId } from '../time-rules/refs.js';
import { compileName } from '../pbx/lint/patterns.js';
import type { NumberingPlan } from '../settings/schemas.js';
import type { SettingsStore } from '../settings/store.js';
import { charset } from '../validation/charsets.js';
import { checkField } from '../validation/issues.js';
import { entriesOverlap, entryLanguage, isFixedLength, meetsRange, patternProblem, patternRule, prefixPattern, prefixRule, prependPattern, prependRule } from './patterns.js';
import { callerIdSources, trunkSelections, type CallerIdSource, type TrunkSelection } from './snapshot.js';
import { findTrunk } from './trunk-rows.js';

export const dialRuleFieldSchemas = {
  name: z.string().min(1, 'required').max(64, 'at most 64 characters').regex(charset.name.pattern, charset.name.rule).describe(`Dial rule name, unique. ${charset.name.rule}`),
  prefix: z.string().regex(prefixPattern, prefixRule).describe(`Only numbers starting with it match. ${prefixRule}`),
  pattern: z.string().describe(`What follows the prefix. ${patternRule}`),
  prependDigits: z.string().regex(prependPattern, prependRule).describe(`Always added in front of the number sent out. ${prependRule}`),
  callTimeLimitSeconds: z.number().int().min(60, 'at least 60').max(3600, 'at most 3600').nullable().describe('Longest call in seconds (60–3600); null for no limit'),
} as const;

export type DialRuleEntryInput = {
  prefix?: string;
  pattern: string;
  prependDigits?: string;
  /** Name or global ID of a PIN set; null or absent for none. */
  pinSet?: string | null;
  callerIdSource?: CallerIdSource;
  callTimeLimitSeconds?: number | null;
  trunkSelection?: TrunkSelection;
  /** Names or global IDs of trunks, in the order they are tried. */
  trunks?: string[];
  /** Name or global ID of a time rule outside whose working time the entry is not used; null or absent for always. */
  timeRule?: string | null;
};

export type DialRuleInput = { name?: string; entries?: DialRuleEntryInput[] };

type ResolvedEntry = {
  prefix: string;
  pattern: string;
  prependDigits: string;
  pinSetId: string | null;
  callerIdSource: CallerIdSource;
  callTimeLimitSeconds: number | null;
  trunkSelection: TrunkSelection;
  trunkIds: string[];
  timeRuleId: string | null;
};

/**
 * The distinct time rules of one dial rule's entries: the dialplan holds one
 * copy of the rule's entries per combination of them that is outside working
 * time (src/dial-rules/config.ts), so their number is kept small.
 */
export const MAX_TIME_RULES_PER_DIAL_RULE = 4;

/** The id of a dial rule named by its global ID or its name, or null. */
export async function findDialRuleId(tx: Tx, ref: string): Promise<string | null> {
  const global = decodeGlobalId(ref);
  if (global?.type === 'DialRule') return (await tx.dialRule.findUnique({ where: { id: global.id }, select: { id: true } }))?.id ?? null;
  return (await tx.dialRule.findUnique({ where: { name: ref }, select: { id: true } }))?.id ?? null;
}

/** Dial rules (F-4.3.2): named, ordered pattern entries, each with its trunks. */
export class DialRuleService {
  constructor(
    private readonly db: Database,
    private readonly settings: SettingsStore,
    private readonly changes: ConfigChanges,
  ) {}

  async create(input: DialRuleInput) {
    const missing = (['name', 'entries'] as const).filter((k) => input[k] === undefined || input[k] === null);
    if (missing.length) throw new ValidationError(missing.map((k) => ({ path: ['input', k], message: 'required', code: 'REQUIRED' })));
    const row = await this.db.prisma.$transaction(async (tx) => {
      await this.checkName(tx, input.name!, null);
      const entries = await this.resolveEntries(tx, input.entries!);
      const rule = await tx.dialRule.create({ data: { name: input.name! } });
      await this.writeEntries(tx, rule.id, entries);
      return rule;
    });
    this.changes.notify('dial rules created');
    return row;
  }

  async update(id: string, input: DialRuleInput) {
    const row = await this.db.prisma.$transaction(async (tx) => {
      const current = await tx.dialRule.findUnique({ where: { id } });
      if (!current) throw new NotFoundError('DialRule', id);
      if (input.name !== undefined) await this.checkName(tx, input.name, current.name);
      if (input.entries) {
        const entries = await this.resolveEntries(tx, input.entries);
        await tx.dialRuleEntry.deleteMany({ where: { ruleId: id } });
        await this.writeEntries(tx, id, entries);
      }
      return tx.dialRule.update({ where: { id }, data: { name: input.name ?? current.name } });
    });
    this.changes.notify('dial rules updated');
    return row;
  }

  /** A rule that a dial permission includes is not deleted: the permission would silently lose it. */
  async delete(id: string) {
    await this.db.prisma.$transaction(async (tx) => {
      const current = await tx.dialRule.findUnique({ where: { id } });
      if (!current) throw new NotFoundError('DialRule', id);
      const referrers = await findReferrers(tx, { settings: this.settings }, 'DIAL_RULE', [id], 'delete');
      if (referrers.length) throw new ReferencedError(`Dial rule ${current.name}`, referrers);
      await tx.dialRule.delete({ where: { id } });
    });
    this.changes.notify('dial rules deleted');
    return id;
  }

  private async checkName(tx: Tx, name: string, current: string | null) {
    const issues = checkField(dialRuleFieldSchemas.name, name, ['input', 'name']);
    if (issues.length) throw new ValidationError(issues);
    if (name === current) return;
    if (await tx.dialRule.findUnique({ where: { name }, select: { id: true } })) throw new ConflictError(`A dial rule named ${name} exists`, ['input', 'name']);
  }

  private async resolveEntries(tx: Tx, inputs: DialRuleEntryInput[]): Promise<ResolvedEntry[]> {
    const issues = new IssueCollector();
    if (!inputs.length) issues.add(['input', 'entries'], 'a dial rule needs at least one entry', 'REQUIRED');
    if (inputs.length > 100) issues.add(['input', 'entries'], 'at most 100 entries', 'OUT_OF_BOUNDS');
    const plan = await this.settings.get(tx, 'numberingPlan');
    const codes = await readFeatureCodes(tx);
    const resolved: ResolvedEntry[] = [];
    const keys = new Map<string, number>();
    for (const [index, input] of inputs.entries()) {
      const path = ['input', 'entries', String(index)];
      const entry: ResolvedEntry = {
        prefix: input.prefix ?? '',
        pattern: input.pattern,
        prependDigits: input.prependDigits ?? '',
        pinSetId: null,
        callerIdSource: input.callerIdSource ?? 'EXT_CALLER_ID_1',
        callTimeLimitSeconds: input.callTimeLimitSeconds ?? null,
        trunkSelection: input.trunkSelection ?? 'SEQUENTIAL',
        trunkIds: [],
        timeRuleId: null,
      };
      const before = issues.issues.length;
      for (const key of ['prefix', 'prependDigits', 'callTimeLimitSeconds'] as const) {
        for (const i of checkField(dialRuleFieldSchemas[key], entry[key], [...path, key])) issues.add(i.path, i.message, i.code);
      }
      if (!callerIdSources.includes(entry.callerIdSource)) issues.add([...path, 'callerIdSource'], `one of ${callerIdSources.join(', ')}`, 'INVALID_VALUE');
      if (!trunkSelections.includes(entry.trunkSelection)) issues.add([...path, 'trunkSelection'], `one of ${trunkSelections.join(', ')}`, 'INVALID_VALUE');
      const problem = patternProblem(entry.pattern);
      if (problem) issues.add([...path, 'pattern'], problem, problem === 'required' ? 'REQUIRED' : 'INVALID_FORMAT');
      if (issues.issues.length === before) {
        const name = compileName(`_${entry.prefix}${entry.pattern}`);
        const twin = keys.get(name.key);
        if (twin !== undefined) issues.add([...path, 'pattern'], `matches exactly the numbers of entry ${twin + 1}`, 'DUPLICATE');
        else keys.set(name.key, index);
        const clash = internalClash(entry.prefix, entry.pattern, plan, codes);
        if (clash) issues.add([...path, 'pattern'], clash, 'SHADOWS_NUMBERS');
      }
      if (input.pinSet) {
        entry.pinSetId = await findPinSetId(tx, input.pinSet);
        if (!entry.pinSetId) issues.add([...path, 'pinSet'], `no PIN set ${input.pinSet} exists`, 'NOT_FOUND');
      }
      if (input.timeRule) {
        entry.timeRuleId = await findTimeRuleId(tx, input.timeRule);
        if (!entry.timeRuleId) issues.add([...path, 'timeRule'], `no time rule ${input.timeRule} exists`, 'NOT_FOUND');
        else if (new Set([...resolved.map((r) => r.timeRuleId), entry.timeRuleId].filter(Boolean)).size > MAX_TIME_RULES_PER_DIAL_RULE) {
          issues.add([...path, 'timeRule'], `the entries of a dial rule may use at most ${MAX_TIME_RULES_PER_DIAL_RULE} different time rules`, 'OUT_OF_BOUNDS');
        }
      }
      for (const [t, ref] of (input.trunks ?? []).entries()) {
        const trunk = await findTrunk(tx, ref);
        if (!trunk) issues.add([...path, 'trunks', String(t)], `no trunk ${ref} exists`, 'NOT_FOUND');
        else if (entry.trunkIds.includes(trunk.id)) issues.add([...path, 'trunks', String(t)], `trunk ${trunk.name} is listed twice`, 'DUPLICATE');
        else entry.trunkIds.push(trunk.id);
      }
      resolved.push(entry);
    }
    issues.throwIfAny();
    return resolved;
  }

  private async writeEntries(tx: Tx, ruleId: string, entries: ResolvedEntry[]) {
    for (const [position, { trunkIds, ...fields }] of entries.entries()) {
      const entry = await tx.dialRuleEntry.create({ data: { ruleId, position, ...fields } });
      if (trunkIds.length) await tx.dialRuleTrunk.createMany({ data: trunkIds.map((trunkId, i) => ({ entryId: entry.id, trunkId, position: i })) });
    }
  }
}

/**
 * Internal numbers are searched before dial rules in every permission, so an
 * entry of fixed length whose numbers fall in a numbering-plan range or on
 * an idle feature code would send the free numbers of that range out (and
 * lose the rest): refused. An open entry (`.` or `!`) overlaps them by
 * design (a catch-all): internal numbers win there, which the dialplan
 * check proves for every permission.
 */
export function internalClash(prefix: string, pattern: string, plan: NumberingPlan, codes: Record<string, string>): string | null {
  const language = entryLanguage(prefix, pattern);
  if (!isFixedLength(language)) return null;
  for (const [field, range] of Object.entries(plan) as [keyof NumberingPlan, NumberingPlan[keyof NumberingPlan]][]) {
    if (meetsRange(language, range.start, range.end)) {
      return `${prefix}${pattern} matches numbers of the ${rangeLabels[field]} ${range.start}–${range.end}, which are searched first: give the rule a prefix, or change the range`;
    }
  }
  for (const [key, code] of Object.entries(codes)) {
    const spec = featureCodeSpec.get(key);
    if (!spec || spec.phase !== 'IDLE' || !code) continue;
    if (entriesOverlap(language, compileName(spec.argument ? `_${code}X.` : `_${code}`).language)) {
      return `${prefix}${pattern} matches the feature code ${code} (${key}), which is searched first`;
    }
  }
  return null;
}
