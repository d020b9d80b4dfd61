import type { Database, Tx } from '../db/client.js';
import { IssueCollector, ValidationError, type FieldIssue } from '../errors.js';
import { domains } from '../domains/registry.js';
import { rangeLabels, validatePlanShape, inRange } from '../numbering/ranges.js';
import type { ConfigChanges } from '../events/changes.js';
import type { NumberingPlan } from './schemas.js';
import type { SettingGroup, SettingsOf } from './schemas.js';
import type { SettingsStore } from './store.js';
import { existingMohClassNames } from '../sounds/refs.js';

/** `sent`: the fields the request gave; an issue between two fields names one of those. */
type GroupRule<G extends SettingGroup> = (tx: Tx, next: SettingsOf<G>, current: SettingsOf<G>, sent: ReadonlySet<string>) => Promise<FieldIssue[]>;

/** Of fields that clash, the first one the request gave (the last of them when it gave none). */
const clashing = (sent: ReadonlySet<string>, fields: readonly string[]) => fields.find((f) => sent.has(f)) ?? fields[fields.length - 1]!;

/** Rules across fields or tables that a group's schema alone cannot express. */
const groupRules: { [G in SettingGroup]?: GroupRule<G> } = {
  numberingPlan: checkNumberingPlan,
  pbx: async (tx, next, current) => {
    const issues: FieldIssue[] = [];
    // Only a new operator extension is checked: the default (100) need not exist until someone sets it.
    if (next.operatorExtension && next.operatorExtension !== current.operatorExtension) {
      const found = await tx.extension.findUnique({ where: { number: next.operatorExtension }, select: { id: true } });
      if (!found) issues.push({ path: ['input', 'operatorExtension'], message: `no extension ${next.operatorExtension} exists`, code: 'NOT_FOUND' });
    }
    // The class Dial's m() option plays must exist in musiconhold.conf (deleting one in use is refused: src/settings/domain.ts).
    if (next.ringbackMusicClass !== current.ringbackMusicClass && !(await existingMohClassNames(tx, [next.ringbackMusicClass])).has(next.ringbackMusicClass)) {
      issues.push({ path: ['input', 'ringbackMusicClass'], message: `no music-on-hold class ${next.ringbackMusicClass} exists`, code: 'NOT_FOUND' });
    }
    return issues;
  },
  // The capacity holds the extensions there are: lowering it below their number would leave a PBX over its own limit.
  system: async (tx, next, current) => {
    if (next.maxIpExtensions >= current.maxIpExtensions) return [];
    const existing = await tx.extension.count();
    return existing > next.maxIpExtensions
      ? [{ path: ['input', 'maxIpExtensions'], message: `${existing} IP extensions exist: delete some first, or allow at least ${existing}`, code: 'IN_USE' }]
      : [];
  },
  sip: async (_tx, next, _current, sent) => {
    const issues = new IssueCollector();
    if (next.rtpPortStart >= next.rtpPortEnd) {
      const field = clashing(sent, ['rtpPortEnd', 'rtpPortStart']);
      issues.add(['input', field], field === 'rtpPortEnd' ? `must be above rtpPortStart (${next.rtpPortStart})` : `must be below rtpPortEnd (${next.rtpPortEnd})`, 'INVALID');
    }
    const ports = [
      ['udpPort', next.udpPort],
      ['tcpPort', next.tcpPort],
      ['tlsPort', next.tlsPort],
    ] as const;
    const shared = ports.filter(([, port]) => ports.filter(([, other]) => other === port).length > 1);
    if (shared.length) {
      const names = shared.map(([name]) => name);
      const field = clashing(sent, names);
      issues.add(['input', field], `the UDP, TCP and TLS ports must differ (${shared.map(([name, port]) => `${name} ${port}`).join(', ')})`, 'INVALID');
    }
    return issues.issues;
  },
};

/** Groups the Asterisk configuration is rendered from: a change to one of them is applied. */
const renderedGroups = new Set<SettingGroup>(['pbx', 'sip', 'numberingPlan']);

/** Updates a setting group: merge, validate (schema, then group rules), write, in one transaction. */
export class SettingsService {
  constructor(
    private readonly db: Database,
    readonly store: SettingsStore,
    private readonly changes: ConfigChanges,
  ) {}

  get<G extends SettingGroup>(group: G): Promise<SettingsOf<G>> {
    return this.store.get(this.db.prisma, group);
  }

  async update<G extends SettingGroup>(group: G, patch: Partial<SettingsOf<G>>): Promise<SettingsOf<G>> {
    return this.db.prisma
      .$transaction(async (tx) => {
        const current = await this.store.get(tx, group);
        const next = this.store.merge(group, current, patch);
        const rule = groupRules[group];
        const issues = rule ? await rule(tx, next, current, new Set(Object.keys(patch).filter((key) => patch[key as keyof typeof patch] !== undefined))) : [];
        if (issues.length) throw new ValidationError(issues);
        await this.store.write(tx, group, next);
        return next;
      })
      .then((next) => {
        if (renderedGroups.has(group)) this.changes.notify(`settings ${group}`);
        return next;
      });
  }
}

/** Ranges well-formed and apart; the park range unchanged here; every existing number still inside its range. */
async function checkNumberingPlan(tx: Tx, next: NumberingPlan, current: NumberingPlan): Promise<FieldIssue[]> {
  const issues = validatePlanShape(next);
  if (next.parkRetrievalRange.start !== current.parkRetrievalRange.start || next.parkRetrievalRange.end !== current.parkRetrievalRange.end) {
    issues.push({ path: ['input', 'parkRetrievalRange'], message: 'the park retrieval range is changed through the park feature codes', code: 'READ_ONLY' });
  }
  if (issues.length) return issues;
  const owned = await tx.dialableNumber.findMany();
  const outside = new Map<string, string[]>();
  for (const row of owned) {
    const range = domains.numberKind(row.ownerKind)?.range;
    if (!range || inRange(row.number, next[range])) continue;
    const list = outside.get(range) ?? [];
    list.push(row.number);
    outside.set(range, list);
  }
  for (const [field, numbers] of outside) {
    const sample = numbers.sort().slice(0, 5).join(', ') + (numbers.length > 5 ? ` and ${numbers.length - 5} more` : '');
    issues.push({ path: ['input', field], message: `${numbers.length} existing number(s) would fall outside the ${rangeLabels[field as keyof NumberingPlan]}: ${sample}`, code: 'IN_USE' });
  }
  return issues;
}
