import type { Tx } from '../db/client.js';
import type { DomainModule } from '../domains/types.js';
import { inboundContexts, inboundOwners } from './contract.js';
import { anonymousContext, didRoutesContext, didStepLines, inboundTrunks, inboundWarnings, reachesOf, trunkInboundContext } from './order.js';
import { readInboundSlice } from './snapshot.js';

async function describeTrunkRoutes(tx: Tx, ids: string[]): Promise<Map<string, string>> {
  const rows = await tx.trunk.findMany({ where: { id: { in: ids } }, select: { id: true, name: true } });
  return new Map(rows.map((r) => [r.id, `the inbound route of trunk ${r.name}`]));
}

async function describeDidRoutes(tx: Tx, ids: string[]): Promise<Map<string, string>> {
  const rows = await tx.didRoute.findMany({ where: { id: { in: ids } }, select: { id: true, did: true } });
  return new Map(rows.map((r) => [r.id, `DID route ${r.did}`]));
}

/**
 * Inbound routing (F-4.2.4, F-4.2.5): the inbound context of each client-mode
 * trunk (in the order of src/inbound/order.ts), DID routes and the
 * anonymous-callers step. Routes are no dialable numbers: their "number
 * kinds" have no range and claim nothing; they only name the routes where a
 * destination's target is refused a change.
 */
export const inboundDomain: DomainModule = {
  name: 'inbound',
  numberKinds: [
    { kind: inboundOwners.trunkRoute, noun: 'inbound route', range: null, describe: describeTrunkRoutes },
    { kind: inboundOwners.didRoute, noun: 'DID route', range: null, describe: describeDidRoutes },
  ],
  destinationSlots: { [inboundOwners.slot]: 'sends its calls there' },
  readSnapshot: (tx) => readInboundSlice(tx),
  inboundSteps: [
    {
      order: 20,
      context: inboundContexts.anonymous,
      description: 'Callers without a caller ID (empty or "anonymous") hear a refusal and are hung up, while the PBX setting blockAnonymous is on',
      lines: (snapshot) => (snapshot.settings.pbx.blockAnonymous ? [`Gosub(${inboundContexts.anonymous},s,1)`] : []),
    },
    {
      order: 40,
      context: inboundContexts.didRoutes,
      description: 'A called number with a DID route goes to its destination, bypassing time rules and the trunk route',
      lines: didStepLines,
    },
  ],
  dialplan: {
    contexts: (snapshot, registry) => [...inboundTrunks(snapshot).map((t) => trunkInboundContext(snapshot, registry, t)), anonymousContext(), didRoutesContext(snapshot)],
    warnings: inboundWarnings,
  },
  expectations: (snapshot) => snapshot.didRoutes.map((d) => ({ number: d.did, context: inboundContexts.didRoutes, reaches: reachesOf(d.destination), owner: `DID route ${d.did}` })),
};
