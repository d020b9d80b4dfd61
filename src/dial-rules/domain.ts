import type { Tx } from '../db/client.js';
import type { DomainModule } from '../domains/types.js';
import type { Referrer } from '../errors.js';
import { dialRuleApplyWarnings, dialRuleDialplan } from './config.js';
import { readDialRuleSlice } from './snapshot.js';

/** The entries that use any of these PIN sets or trunks, named for a ReferencedError. */
async function entriesUsing(tx: Tx, where: { pinSetId: { in: string[] } } | { trunks: { some: { trunkId: { in: string[] } } } } | { timeRuleId: { in: string[] } }, what: string): Promise<Referrer[]> {
  const entries = await tx.dialRuleEntry.findMany({ where, include: { rule: { select: { id: true, name: true } } }, orderBy: [{ ruleId: 'asc' }, { position: 'asc' }] });
  return entries.map((e) => ({ kind: 'DIAL_RULE', id: e.rule.id, label: `dial rule ${e.rule.name} entry ${e.position + 1} (${e.prefix}|${e.pattern}) ${what}` }));
}

/** Dial rules (F-4.3.2): one context per rule; dial permissions include them. */
export const dialRulesDomain: DomainModule = {
  name: 'dial-rules',
  referrers: [
    { target: 'PIN_SET', find: (tx, ids, change) => (change === 'delete' ? entriesUsing(tx, { pinSetId: { in: ids } }, 'asks for its PINs') : Promise.resolve([])) },
    { target: 'TRUNK', find: (tx, ids, change) => (change === 'delete' ? entriesUsing(tx, { trunks: { some: { trunkId: { in: ids } } } }, 'sends calls through it') : Promise.resolve([])) },
    { target: 'TIME_RULE', find: (tx, ids, change) => (change === 'delete' ? entriesUsing(tx, { timeRuleId: { in: ids } }, 'is used only in its working time') : Promise.resolve([])) },
  ],
  readSnapshot: (tx) => readDialRuleSlice(tx),
  dialplan: { contexts: dialRuleDialplan, warnings: dialRuleApplyWarnings },
};
