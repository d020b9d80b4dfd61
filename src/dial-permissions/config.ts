import { dialRuleContext } from '../dial-rules/config.js';
import { entryLanguage, sampleNumber } from '../dial-rules/patterns.js';
import type { DomainRegistry } from '../domains/registry.js';
import type { NumberExpectation } from '../pbx/lint/types.js';
import { context, coreContexts, exten } from '../pbx/render/dialplan-text.js';
import type { PbxSnapshot } from '../pbx/render/snapshot.js';
import type { Language } from '../pbx/lint/patterns.js';
import { DEFAULT_DIAL_PERMISSION, permissionContext } from './context.js';

/** A dial permission (F-4.3.3) as the renderer sees it. */
export type SnapshotDialPermission = {
  id: string;
  name: string;
  builtIn: boolean;
  /** Rights it does not grant (every right a domain offers is granted unless listed). */
  withheldRights: string[];
  /** Ids of its dial rules, in the order they are tried. */
  dialRules: string[];
};

declare module '../pbx/render/snapshot.js' {
  interface PbxSnapshot {
    /** Every dial permission by name, used or not. */
    dialPermissions: SnapshotDialPermission[];
  }
}

export const outboundContexts = {
  /** Where EXTERNAL_NUMBER destinations go (src/destinations/builtin.ts). */
  outbound: 'pbx-outbound',
  /** The dial rules of the default permission, which external-number destinations go out through. */
  rules: 'pbx-outbound-rules',
} as const;

/** The rights a permission grants, of those the registry offers. */
export function grantedRights(permission: SnapshotDialPermission, registry: DomainRegistry): Set<string> {
  return new Set(registry.rights.map((r) => r.name).filter((name) => !permission.withheldRights.includes(name)));
}

/**
 * One context per dial permission (F-4.3.3), used or not: the internal
 * contexts of the rights it grants first (so an internal number always wins
 * over a dial rule), then its dial rules' contexts in order.
 */
export function permissionContexts(snapshot: PbxSnapshot, registry: DomainRegistry): string[] {
  const includes = registry.domains.flatMap((d) => d.dialplan?.includes ?? []);
  const rules = new Set(snapshot.dialRules.map((r) => r.id));
  return snapshot.dialPermissions.map((permission) => {
    const granted = grantedRights(permission, registry);
    const lines = [
      ...includes.filter((i) => granted.has(i.right)).map((i) => `include => ${i.context}`),
      ...permission.dialRules.filter((id) => rules.has(id)).map((id) => `include => ${dialRuleContext(id)}`),
    ];
    return context(permissionContext(permission.name), lines);
  });
}

/**
 * External-number destinations go out through the dial rules of the default
 * permission DialPlan1, as dialled; a number no rule matches gets congestion.
 * The rules are looked up (DIALPLAN_EXISTS) rather than included, so the
 * fallback never competes with a catch-all rule.
 */
export function outboundDialplan(snapshot: PbxSnapshot): string[] {
  const main = snapshot.dialPermissions.find((p) => p.name === DEFAULT_DIAL_PERMISSION);
  const rules = new Set(snapshot.dialRules.map((r) => r.id));
  const ruleIds = (main?.dialRules ?? []).filter((id) => rules.has(id));
  const lookup = `GotoIf(\${DIALPLAN_EXISTS(${outboundContexts.rules},\${EXTEN},1)}?${outboundContexts.rules},\${EXTEN},1)`;
  const outbound = context(outboundContexts.outbound, [exten('_[+0-9*#].', [...(ruleIds.length ? [lookup] : []), 'NoOp(No dial rule reaches ${EXTEN})', 'Congestion(5)', 'Hangup()'])]);
  if (!ruleIds.length) return [outbound];
  return [
    outbound,
    context(
      outboundContexts.rules,
      ruleIds.map((id) => `include => ${dialRuleContext(id)}`),
    ),
  ];
}

/**
 * What the dialplan check must prove for each permission: the numbers of
 * every domain whose rights it grants reach their feature from its context
 * as they do from pbx-internal (no dial rule takes them), and each entry of
 * its rules is reached by a sample number (no internal number nor an
 * earlier rule takes all of it). The default permission's rules also from
 * pbx-outbound-rules.
 */
export function permissionExpectations(snapshot: PbxSnapshot, registry: DomainRegistry): NumberExpectation[] {
  const expectations: NumberExpectation[] = [];
  const rulesById = new Map(snapshot.dialRules.map((r) => [r.id, r]));
  const internal = registry.domains
    .filter((d) => d.dialplan?.includes?.length && d.expectations)
    .map((d) => ({ rights: d.dialplan!.includes!.map((i) => i.right), expectations: d.expectations!(snapshot, registry).filter((e) => e.context === coreContexts.internal) }));
  const ruleSamples = (context: string, where: string, ruleIds: string[]) => {
    const earlier: Language[] = [];
    for (const id of ruleIds) {
      const rule = rulesById.get(id);
      if (!rule) continue;
      const languages = rule.entries.map((e) => entryLanguage(e.prefix, e.pattern));
      rule.entries.forEach((entry, index) => {
        expectations.push({
          number: sampleNumber(languages[index]!, earlier),
          context,
          reaches: { context: dialRuleContext(rule.id) },
          owner: `dial rule ${rule.name} entry ${index + 1} (${entry.prefix}|${entry.pattern}) ${where}`,
        });
      });
      earlier.push(...languages);
    }
  };
  for (const permission of snapshot.dialPermissions) {
    const granted = grantedRights(permission, registry);
    const own = permissionContext(permission.name);
    for (const domain of internal) {
      if (!domain.rights.every((r) => granted.has(r))) continue;
      for (const e of domain.expectations) expectations.push({ ...e, context: own, owner: `${e.owner}, in dial permission ${permission.name}` });
    }
    ruleSamples(own, `in dial permission ${permission.name}`, permission.dialRules);
  }
  const main = snapshot.dialPermissions.find((p) => p.name === DEFAULT_DIAL_PERMISSION);
  if (main) ruleSamples(outboundContexts.rules, 'for external-number destinations', main.dialRules);
  return expectations;
}
