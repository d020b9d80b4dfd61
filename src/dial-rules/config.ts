import { pinContexts } from '../pin-sets/config.js';
import { onDemandRecordingStep } from '../records/config.js';
import { context, coreContexts, exten, label, records, refuseUndiallable } from '../pbx/render/dialplan-text.js';
import type { PbxSnapshot } from '../pbx/render/snapshot.js';
import { RenderError } from '../pbx/render/text.js';
import { timeCheckStep, timeStateVariable } from '../time-rules/config.js';
import { trunkDialTarget, trunkNamePattern, type SnapshotTrunkCore } from '../trunks/contract.js';
import { outboundWhitelistVariable, whitelistContextPrefix } from '../whitelists/config.js';
import { entriesOverlap, entryExtension, entryLanguage, patternProblem, prefixPattern, prependPattern } from './patterns.js';
import { snapshotTrunks, type SnapshotDialRule, type SnapshotDialRuleEntry } from './snapshot.js';

/** The context of a dial rule: named by its id, so renaming a rule changes no context. */
export function dialRuleContext(id: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) throw new RenderError(`dial rule id ${JSON.stringify(id)} cannot name a dialplan context`);
  return `pbx-dialrule-${id}`;
}

const outboundWhitelistCheck = `GotoIf($["\${${outboundWhitelistVariable}}" != "" & !\${DIALPLAN_EXISTS(${whitelistContextPrefix}\${${outboundWhitelistVariable}},\${EXTEN},1)}]?not-listed)`;

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
export function entryDialplan(entry: SnapshotDialRuleEntry, trunks: SnapshotTrunkCore[], offHours?: string[]): string {
  const prefix = checked(entry.prefix, prefixPattern, 'dial rule prefix');
  const problem = patternProblem(entry.pattern);
  if (problem) throw new RenderError(`dial rule pattern ${JSON.stringify(entry.pattern)}: ${problem}`);
  const name = entryExtension(prefix, entry.pattern);
  const body = entryBody(entry, trunks, prefix);
  // F-4.3.2.a: outside the time rule's working time (holidays included) the entry is not used: the call goes where `offHours` sends it.
  const steps = entry.timeRuleId && offHours ? [timeCheckStep(entry.timeRuleId), `GotoIf($["\${${timeStateVariable}}" = "WORK"]?work)`, ...offHours, label('work', body[0]!), ...body.slice(1)] : body;
  if (!/[.!]$/.test(entry.pattern)) return exten(name, steps);
  return exten(name, [refuseUndiallable('not-a-number'), ...steps, label('not-a-number', 'NoOp(Not a number that can be dialled)'), 'Congestion(5)', 'Hangup()']);
}

function entryBody(entry: SnapshotDialRuleEntry, trunks: SnapshotTrunkCore[], prefix: string): string[] {
  const usable = usableTrunks(entry, trunks);
  if (!usable.length) return ['NoOp(No trunk carries this dial rule entry)', 'Congestion(5)', 'Hangup()'];
  const prepend = checked(entry.prependDigits, prependPattern, 'dial rule prepend digits');
  const limit = entry.callTimeLimitSeconds;
  if (limit !== null && (!Number.isInteger(limit) || limit < 60 || limit > 3600)) throw new RenderError(`dial rule call time limit ${limit} is not 60–3600`);
  const options = `T${limit !== null ? `L(${limit * 1000})` : ''}`;
  const steps = [
    // The calling extension's recording mode, caller IDs and OUTBOUND whitelist.
    `Gosub(${coreContexts.caller},s,1)`,
    // An extension linked to an OUTBOUND whitelist dials only listed numbers, as dialled (F-4.5.10).
    outboundWhitelistCheck,
    `Set(PBX_DIALNUM=${prepend}\${EXTEN:${prefix.length}})`,
    `Set(PBX_CID=\${PBX_CID${entry.callerIdSource === 'EXT_CALLER_ID_2' ? 2 : 1}})`,
    'Set(PBX_ORIGCID=${CALLERID(num)})',
    ...(entry.pinSetId ? [`Gosub(${pinContexts.check},s,1(${pinContexts.set(entry.pinSetId)}))`] : []),
    // An extension that records the calls it makes (PBX_RECORDING) records its outside calls too.
    `GosubIf($["\${PBX_RECORDING}" = "OUTBOUND" | "\${PBX_RECORDING}" = "BOTH"]?${coreContexts.recordCall},s,1(\${PBX_DIALNUM}))`,
    // The caller may start one-touch recording (F-5.1.3).
    onDemandRecordingStep,
  ];
  usable.forEach((trunk, index) => {
    checked(trunk.name, trunkNamePattern, 'trunk name');
    const next = index + 1 < usable.length ? `trunk${index + 2}` : 'failed';
    const first = (step: string) => (index > 0 ? label(`trunk${index + 1}`, step) : step);
    const max = trunk.maxConcurrentCalls;
    if (max !== null && (!Number.isInteger(max) || max < 1)) throw new RenderError(`trunk ${trunk.name}: maxConcurrentCalls ${max} is not a positive whole number`);
    // A call counts against the limit of the trunk it goes out on: one that fails over leaves the count of the trunk before.
    const earlierLimited = usable.slice(0, index).some((t) => t.maxConcurrentCalls !== null);
    const trunkSteps = [
      ...(max !== null
        ? [`GotoIf($[\${GROUP_COUNT(${trunk.name}@${trunkCallGroup})} >= ${max}]?${next})`, `Set(GROUP(${trunkCallGroup})=${trunk.name})`]
        : earlierLimited
          ? [`Set(GROUP(${trunkCallGroup})=)`]
          : []),
      callerIdStep(trunk),
      // A trunk that records its outbound calls (the recording then goes on if the call fails over to the next trunk).
      ...(records(trunk.recording, 'OUTBOUND') ? [`Gosub(${coreContexts.recordCall},s,1(\${PBX_DIALNUM}))`] : []),
    ];
    steps.push(first(trunkSteps[0]!), ...trunkSteps.slice(1));
    steps.push(`Dial(${trunkDialTarget(trunk, '${PBX_DIALNUM}')},,${options})`, `GotoIf($["\${DIALSTATUS}" != "CHANUNAVAIL" & "\${DIALSTATUS}" != "CONGESTION"]?done)`);
  });
  steps.push(label('failed', 'Congestion(5)'), 'Hangup()', label('done', 'GotoIf($["${DIALSTATUS}" = "BUSY"]?busy)'), 'Hangup()', label('busy', 'Busy(5)'), 'Hangup()');
  steps.push(label('not-listed', 'NoOp(Number not on the whitelist)'), 'Busy(2)', 'Hangup(21)');
  return steps;
}

/**
 * The contexts of one dial rule: its entries in order (Asterisk still tries
 * the more specific pattern first). An entry with a time rule (F-4.3.2.a)
 * first asks the rule whether it is working time; outside it the number is
 * dialled again in a copy of the rule's context without the entries of that
 * time rule (`<context>-off<mask>`, one bit per time rule known to be outside
 * working time), so the next entry that matches takes the call, or the caller
 * hears congestion when none does. The copies are only those a call can
 * reach, at most 2^n - 1 for n time rules (the service allows 4).
 */
function ruleContexts(rule: SnapshotDialRule, trunks: SnapshotTrunkCore[]): string[] {
  const timeRules = [...new Set(rule.entries.map((e) => e.timeRuleId).filter((id): id is string => !!id))];
  const bit = (id: string) => 1 << timeRules.indexOf(id);
  const contextOf = (mask: number) => (mask ? `${dialRuleContext(rule.id)}-off${mask}` : dialRuleContext(rule.id));
  const entriesOf = (mask: number) => rule.entries.filter((e) => !e.timeRuleId || !(mask & bit(e.timeRuleId)));
  const contexts: string[] = [];
  const queued = new Set([0]);
  for (const queue = [0]; queue.length;) {
    const mask = queue.shift()!;
    const blocks = entriesOf(mask).map((entry) => {
      if (!entry.timeRuleId) return entryDialplan(entry, trunks);
      const next = mask | bit(entry.timeRuleId);
      const others = entriesOf(next);
      if (others.length && !queued.has(next)) {
        queued.add(next);
        queue.push(next);
      }
      const goOn = others.length ? [`GotoIf(\${DIALPLAN_EXISTS(${contextOf(next)},\${EXTEN},1)}?${contextOf(next)},\${EXTEN},1)`] : [];
      return entryDialplan(entry, trunks, [...goOn, 'Congestion(5)', 'Hangup()']);
    });
    contexts.push(context(contextOf(mask), blocks));
  }
  return contexts;
}

export function dialRuleDialplan(snapshot: PbxSnapshot): string[] {
  const trunks = snapshotTrunks(snapshot);
  return snapshot.dialRules.flatMap((rule) => ruleContexts(rule, trunks));
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
