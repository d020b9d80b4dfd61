import type { Database, Tx } from '../db/client.js';
import { ValidationError } from '../errors.js';
import type { ConfigChanges } from '../events/changes.js';
import type { Logger } from '../logger.js';
import { validatePlanShape } from '../numbering/ranges.js';
import type { NumberRange } from '../settings/schemas.js';
import type { SettingsStore } from '../settings/store.js';
import { defaultFeatureCodes, featureCodeSpec, featureCodeTable, type FeatureCodes, type FeatureCodeSpec } from './table.js';
import { validateFeatureCodes } from './validate.js';

const KEY = 'featureCodes';

export type FeatureCode = FeatureCodeSpec & { defaultCode: string };

/** Reads the codes: the stored ones over the defaults; a stored code that no longer validates is logged and reads as its default. */
export async function readFeatureCodes(tx: Tx, log?: Logger): Promise<FeatureCodes> {
  const row = await tx.setting.findUnique({ where: { key: KEY } });
  const stored = row ? (JSON.parse(row.value) as Record<string, unknown>) : {};
  const codes: FeatureCodes = { ...defaultFeatureCodes };
  for (const [key, code] of Object.entries(stored)) if (featureCodeSpec.has(key) && typeof code === 'string') codes[key] = code;
  const issues = validateFeatureCodes(codes, []);
  if (!issues.length) return codes;
  log?.error({ issues }, 'stored feature codes no longer valid: the codes named read as their defaults until set again');
  for (const issue of issues) codes[issue.path[0]!] = defaultFeatureCodes[issue.path[0]!]!;
  return codes;
}

/** Feature codes (F-4.7): the whole table, readable and changeable; the park range follows the park codes (F-4.6.1.a). */
export class FeatureCodeService {
  constructor(
    private readonly db: Database,
    private readonly settings: SettingsStore,
    private readonly changes: ConfigChanges,
    private readonly log?: Logger,
  ) {}

  async list(): Promise<FeatureCode[]> {
    const codes = await readFeatureCodes(this.db.prisma, this.log);
    return featureCodeTable.map((spec) => ({ ...spec, code: codes[spec.key]!, defaultCode: spec.code }));
  }

  async parkRetrievalRange(): Promise<NumberRange> {
    return (await this.settings.get(this.db.prisma, 'numberingPlan')).parkRetrievalRange;
  }

  /** Changes the codes named (and the park range when given); all or nothing. */
  async update(input: { codes?: { key: string; code: string }[] | null; parkRetrievalRange?: NumberRange | null }): Promise<FeatureCode[]> {
    await this.db.prisma.$transaction(async (tx) => {
      const codes = await readFeatureCodes(tx, this.log);
      const unknown = (input.codes ?? []).flatMap((c, i) =>
        featureCodeSpec.has(c.key) ? [] : [{ path: ['input', 'codes', String(i), 'key'], message: `no feature code ${c.key}`, code: 'NOT_FOUND' }],
      );
      if (unknown.length) throw new ValidationError(unknown);
      for (const c of input.codes ?? []) codes[c.key] = c.code.trim();
      const issues = validateFeatureCodes(codes, ['input', 'codes']);
      if (input.parkRetrievalRange) {
        const plan = await this.settings.get(tx, 'numberingPlan');
        const next = { ...plan, parkRetrievalRange: input.parkRetrievalRange };
        const planIssues = validatePlanShape(next).map((i) => ({ ...i, path: ['input', ...i.path.slice(1)] }));
        const taken = await tx.dialableNumber.findFirst({ where: { number: { gte: input.parkRetrievalRange.start, lte: input.parkRetrievalRange.end } } });
        if (taken && taken.number.length === input.parkRetrievalRange.start.length)
          planIssues.push({ path: ['input', 'parkRetrievalRange'], message: `${taken.number} is already used`, code: 'IN_USE' });
        issues.push(...planIssues);
        if (!issues.length) await this.settings.write(tx, 'numberingPlan', next);
      }
      if (issues.length) throw new ValidationError(issues);
      const overrides = Object.fromEntries(Object.entries(codes).filter(([key, code]) => defaultFeatureCodes[key] !== code));
      const text = JSON.stringify(overrides);
      await tx.setting.upsert({ where: { key: KEY }, create: { key: KEY, value: text }, update: { value: text } });
    });
    this.changes.notify('feature codes');
    return this.list();
  }
}
