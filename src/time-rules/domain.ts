import type { Tx } from '../db/client.js';
import type { DomainModule } from '../domains/types.js';
import type { Referrer } from '../errors.js';
import { timeRuleContext, timeRuleDialplan, timeRuleExpectations } from './config.js';
import { findTimeRuleId } from './refs.js';
import { readTimeRuleSlice } from './snapshot.js';

async function describeTimeRules(tx: Tx, ids: string[]): Promise<Map<string, string>> {
  const rows = await tx.timeRule.findMany({ where: { id: { in: ids } }, select: { id: true, name: true } });
  return new Map(rows.map((r) => [r.id, `time rule ${r.name}`]));
}

/** The time rules that use any of these work schedules or holiday lists, named for a ReferencedError. */
async function rulesUsing(tx: Tx, where: { workScheduleId: { in: string[] } } | { holidayId: { in: string[] } }, what: string): Promise<Referrer[]> {
  const rows = await tx.timeRule.findMany({ where, select: { id: true, name: true }, orderBy: { name: 'asc' } });
  return rows.map((r) => ({ kind: 'TIME_RULE', id: r.id, label: `time rule ${r.name} ${what}` }));
}

/** Time conditions (F-4.2.3): work schedules, holiday lists and time rules; a time rule is a Destination. */
export const timeRulesDomain: DomainModule = {
  name: 'time-rules',
  // A time rule has no number (range null, it never claims one): the kind is registered so that its
  // stored destinations are named `time rule <name>` when they refuse a change to their target.
  numberKinds: [{ kind: 'TIME_RULE', noun: 'time rule', range: null, describe: describeTimeRules }],
  destinations: [
    {
      type: 'TIME_RULE',
      description: 'A time rule: on to its work, off-hours or holiday destination by the time of the call (F-4.2.3)',
      target: { kind: 'object', objectKind: 'TIME_RULE', graphqlType: 'TimeRule', noun: 'time rule', find: findTimeRuleId },
      dialplanTarget: (d) => {
        if (!d.targetId) throw new Error('a TIME_RULE destination without its time rule');
        return `Goto(${timeRuleContext(d.targetId)},s,1)`;
      },
    },
  ],
  destinationSlots: {
    work: 'sends calls there in working hours',
    offHours: 'sends calls there outside working hours',
    holiday: 'sends calls there on holidays',
  },
  referrers: [
    { target: 'WORK_SCHEDULE', find: (tx, ids, change) => (change === 'delete' ? rulesUsing(tx, { workScheduleId: { in: ids } }, 'uses it as its work schedule') : Promise.resolve([])) },
    { target: 'HOLIDAY', find: (tx, ids, change) => (change === 'delete' ? rulesUsing(tx, { holidayId: { in: ids } }, 'uses its holidays') : Promise.resolve([])) },
  ],
  readSnapshot: (tx) => readTimeRuleSlice(tx),
  dialplan: { contexts: timeRuleDialplan },
  expectations: timeRuleExpectations,
};
