import { pinContexts } from '../pin-sets/config.js';
import { context, exten, label } from '../pbx/render/dialplan-text.js';
import type { PbxSnapshot } from '../pbx/render/snapshot.js';
import { RenderError } from '../pbx/render/text.js';
import { trunkDialTarget, trunkNamePattern, type SnapshotTrunkCore } from '../trunks/contract.js';
import { entriesOverlap, entryExtension, entryLanguage, patternProblem, prefixPattern, prependPattern } from './patterns.js';
import { snapshotTrunks, type SnapshotDialRule, type SnapshotDialRuleEntry } from './snapshot.js';

/** The context of a dial rule: named by its id, so renaming a rule changes no context. */
export function dialRuleContext(id: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) throw new RenderError(`dial rule id ${JSON.stringify(id)} cannot name a dialplan context`);
  return `pbx-dialrule-${id}`;
}

/** The GROUP() category that counts a trunk's outbound calls (maxConcurrentCalls). */
export const trunkCallGroup = 'pbx-trunk-calls';

/** The trunks an entry can use, in order: those that exist and are enabled. */
export function usableTrunks<T extends Pick<SnapshotTrunkCore, 'id' | 'enabled'>>(entry: SnapshotDialRuleEntry, trunks: T[]): T[] {
  return entry.trunks.map((id) => trunks.find((t) => t.id === id)).filter((t): t is T => !!t && t.enabled);
}

function checked(value: string, pattern: RegExp, what: string): string {
  if (!pattern.test(value)) throw new RenderError(`${what}: ${JSON.stringify(value)} is not allowed`);
  return value;
}

/**
 * The caller ID a trunk sends (F-4.3.1 callerIdPreference, F-4.3.2.a
 * callerIdSource): PBX_CID is the calling extension's chosen caller ID (empty
 * for calls that do not come from an extension), PBX_ORIGCID the caller ID
 * the call arrived with. The preferred one wins when it is set, the other
 * one otherwise, and the call's own caller ID when neither is.
 */
function callerIdStep(trunk: SnapshotTrunkCore): string {
  const own = trunk.outboundCallerId ? checked(trunk.outboundCallerId, /^\+?[0-9]{1,32}$/, `trunk ${trunk.name} outbound caller ID`) : '';
  const extensionFirst = `\${IF($["\${PBX_CID}" != ""]?\${PBX_CID}:${own || '${PBX_ORIGCID}'})}`;
  if (trunk.callerIdPreference === 'TRUNK' && own) return `Set(CALLERID(num)=${own})`;
  return `Set(CALLERID(num)=${extensionFirst})`;
}

/**
 * One entry (F-4.3.2.a): ask for a PIN when the entry has a PIN set, take
 * the prefix off and put prependDigits on, then try the trunks in order.
 * A trunk at its maxConcurrentCalls (its GROUP_COUNT) is skipped. The next
 * trunk is tried only when this one could not carry the call (CHANUNAVAIL:
 * down, unregistered or unreachable; CONGESTION: no capacity, or the
 * carrier refused it): BUSY and NOANSWER come from the called party, so
 * another trunk would ring the same person again. A busy callee is passed
 * on as busy; when no trunk takes the call, the caller hears congestion.
 */
export function entryDialplan(entry: SnapshotDialRuleEntry, trunks: SnapshotTrunkCore[]): string {
  const prefix = checked(entry.prefix, prefixPattern, 'dial rule prefix');
  const problem = patternProblem(entry.pattern);
  if (problem) throw new RenderError(`dial rule pattern ${JSON.stringify(entry.pattern)}: ${problem}`);
  const name = entryExtension(prefix, entry.pattern);
  const usable = usableTrunks(entry, trunks);
  if (!usable.length) return exten(name, ['NoOp(No trunk carries this dial rule entry)', 'Congestion(5)', 'Hangup()']);
  const prepend = checked(entry.prependDigits, prependPattern, 'dial rule prepend digits');
  const limit = entry.callTimeLimitSeconds;
  if (limit !== null && (!Number.isInteger(limit) || limit < 60 || limit > 3600)) throw new RenderError(`dial rule call time limit ${limit} is not 60–3600`);
  const options = `T${limit !== null ? `L(${limit * 1000})` : ''}`;
  const steps = [
    `Set(PBX_DIALNUM=${prepend}\${EXTEN:${prefix.length}})`,
    `Set(PBX_CID=\${PBX_CID${entry.callerIdSource === 'EXT_CALLER_ID_2' ? 2 : 1}})`,
    'Set(PBX_ORIGCID=${CALLERID(num)})',
    ...(entry.pinSetId ? [`Gosub(${pinContexts.check},s,1(${pinContexts.set(entry.pinSetId)}))`] : []),
  ];
  usable.forEach((trunk, index) => {
    checked(trunk.name, trunkNamePattern, 'trunk name');
    const next = index + 1 < usable.length ? `trunk${index + 2}` : 'failed';
    const first = (step: string) => (index > 0 ? label(`trunk${index + 1}`, step) : step);
    const max = trunk.maxConcurrentCalls;
    if (max !== null) {
      if (!Number.isInteger(max) || max < 1) throw new RenderError(`trunk ${trunk.name}: maxConcurrentCalls ${max} is not a positive whole number`);
      steps.push(first(`GotoIf($[\${GROUP_COUNT(${trunk.name}@${trunkCallGroup})} >= ${max}]?${next})`), `Set(GROUP(${trunkCallGroup})=${trunk.name})`);
    } else {
      steps.push(first(callerIdStep(trunk)));
    }
    if (max !== null) steps.push(callerIdStep(trunk));
    steps.push(`Dial(${trunkDialTarget(trunk, '${PBX_DIALNUM}')},,${options})`, `GotoIf($["\${DIALSTATUS}" != "CHANUNAVAIL" & "\${DIALSTATUS}" != "CONGESTION"]?done)`);
  });
  steps.push(label('failed', 'Congestion(5)'), 'Hangup()', label('done', 'GotoIf($["${DIALSTATUS}" = "BUSY"]?busy)'), 'Hangup()', label('busy', 'Busy(5)'), 'Hangup()');
  return exten(name, steps);
}

/** One context per dial rule, its entries in order (Asterisk still tries the more specific pattern first). */
export function dialRuleDialplan(snapshot: PbxSnapshot): string[] {
  const trunks = snapshotTrunks(snapshot);
  return snapshot.dialRules.map((rule) =>
    context(
      dialRuleContext(rule.id),
      rule.entries.map((e) => entryDialplan(e, trunks)),
    ),
  );
}

const describeEntry = (rule: SnapshotDialRule, index: number) => `dial rule ${rule.name} entry ${index + 1} (${rule.entries[index]!.prefix}|${rule.entries[index]!.pattern})`;

/** Problems worth telling, by rule id: entries without a usable trunk, and entries of rules that can match the same number. */
export function dialRuleWarnings(rules: SnapshotDialRule[], trunks: Pick<SnapshotTrunkCore, 'id' | 'name' | 'enabled'>[]): { ruleId: string; message: string }[] {
  const warnings: { ruleId: string; message: string }[] = [];
  for (const rule of rules) {
    rule.entries.forEach((entry, index) => {
      const missing = entry.trunks.filter((id) => !trunks.some((t) => t.id === id)).length;
      const disabled = entry.trunks.map((id) => trunks.find((t) => t.id === id)).filter((t) => t && !t.enabled) as typeof trunks;
      if (!usableTrunks(entry, trunks).length) warnings.push({ ruleId: rule.id, message: `${describeEntry(rule, index)} has no enabled trunk: its calls get congestion` });
      else if (disabled.length || missing)
        warnings.push({
          ruleId: rule.id,
          message: `${describeEntry(rule, index)} skips ${disabled
            .map((t) => `disabled trunk ${t.name}`)
            .concat(missing ? [`${missing} missing trunk(s)`] : [])
            .join(', ')}`,
        });
    });
  }
  const all = rules.flatMap((rule) => rule.entries.map((entry, index) => ({ rule, index, language: entryLanguage(entry.prefix, entry.pattern) })));
  for (let i = 0; i < all.length; i++) {
    for (let j = i + 1; j < all.length; j++) {
      const a = all[i]!;
      const b = all[j]!;
      if (a.rule.id === b.rule.id || !entriesOverlap(a.language, b.language)) continue;
      const message = `${describeEntry(a.rule, a.index)} and ${describeEntry(b.rule, b.index)} can match the same numbers: in a dial permission with both, the rule listed first takes them`;
      warnings.push({ ruleId: a.rule.id, message }, { ruleId: b.rule.id, message });
    }
  }
  return warnings;
}

export function dialRuleApplyWarnings(snapshot: PbxSnapshot): string[] {
  return [...new Set(dialRuleWarnings(snapshot.dialRules, snapshotTrunks(snapshot)).map((w) => w.message))];
}
