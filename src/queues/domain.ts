import type { Tx } from '../db/client.js';
import type { DomainModule, ReferenceChange } from '../domains/types.js';
import type { Referrer } from '../errors.js';
import { soundKinds } from '../sounds/contract.js';
import { queueKinds } from './contract.js';
import { queueContexts, queueDialplan, queueExpectations } from './dialplan.js';
import { queuesConf } from './queues-conf.js';
import { findQueueId } from './refs.js';
import { readQueueSlice } from './snapshot.js';

async function describeQueues(tx: Tx, ids: string[]): Promise<Map<string, string>> {
  const rows = await tx.queue.findMany({ where: { id: { in: ids } }, select: { id: true, number: true, name: true } });
  return new Map(rows.map((r) => [r.id, `queue ${r.number} (${r.name})`]));
}

/** The queues that use any of these music classes or prompts, named for a ReferencedError. */
async function queuesUsing(tx: Tx, change: ReferenceChange, where: { mohClassId: { in: string[] } } | { periodicAnnouncePromptId: { in: string[] } }, what: string): Promise<Referrer[]> {
  if (change !== 'delete') return [];
  const rows = await tx.queue.findMany({ where, select: { id: true, number: true, name: true }, orderBy: { number: 'asc' } });
  return rows.map((r) => ({ kind: queueKinds.queue, id: r.id, label: `queue ${r.number} (${r.name}) ${what}` }));
}

/** Call queues (F-4.2.2) and the agent feature codes (F-4.7.g). */
export const queuesDomain: DomainModule = {
  name: 'queues',
  rights: [{ name: 'allowQueues', description: 'May call queues (F-4.3.3 呼叫队列)' }],
  numberKinds: [{ kind: queueKinds.queue, noun: 'queue', range: 'queueRange', describe: describeQueues }],
  destinations: [
    {
      type: queueKinds.queue,
      description: 'Wait in a call queue for the next free agent (F-4.2.2)',
      target: { kind: 'object', objectKind: queueKinds.queue, graphqlType: 'Queue', noun: 'queue', find: findQueueId },
      dialplanTarget: (d) => `Goto(${queueContexts.queue(d.number!)},s,1)`,
    },
  ],
  destinationSlots: { failover: 'sends callers there when the queue does not connect them' },
  referrers: [
    { target: soundKinds.mohClass, find: (tx, ids, change) => queuesUsing(tx, change, { mohClassId: { in: ids } }, 'plays it to waiting callers') },
    { target: soundKinds.prompt, find: (tx, ids, change) => queuesUsing(tx, change, { periodicAnnouncePromptId: { in: ids } }, 'plays it as its periodic announcement') },
  ],
  readSnapshot: (tx) => readQueueSlice(tx),
  config: [{ file: 'queues.conf', order: 0, render: queuesConf }],
  dialplan: {
    includes: [
      { context: queueContexts.queues, right: 'allowQueues' },
      { context: queueContexts.agentCodes, right: 'allowFeatureCodes' },
    ],
    contexts: queueDialplan,
  },
  expectations: queueExpectations,
};
