import type { Tx } from '../db/client.js';
import type { RenderDestination } from '../domains/types.js';
import { renderDestinations } from '../destinations/render.js';
import { inboundOwners } from './contract.js';

/** A trunk's inbound route (F-4.2.4); a trunk without one sends its calls to the operator extension. */
export type SnapshotInboundRoute = { trunkId: string; destination: RenderDestination; alertInfo: string };
/** A DID route (F-4.2.5). */
export type SnapshotDidRoute = { id: string; did: string; destination: RenderDestination; alertInfo: string };

declare module '../pbx/render/snapshot.js' {
  interface PbxSnapshot {
    /** The inbound routes of the trunks that have one. */
    inboundRoutes: SnapshotInboundRoute[];
    /** Every DID route in DID order. */
    didRoutes: SnapshotDidRoute[];
  }
}

const hangUp: RenderDestination = { type: 'HANGUP', number: null };

export async function readInboundSlice(tx: Tx): Promise<{ inboundRoutes: SnapshotInboundRoute[]; didRoutes: SnapshotDidRoute[] }> {
  const routes = await tx.inboundRoute.findMany({ orderBy: { trunkId: 'asc' } });
  const dids = await tx.didRoute.findMany({ orderBy: { did: 'asc' } });
  const routeDestinations = await renderDestinations(tx, inboundOwners.trunkRoute);
  const didDestinations = await renderDestinations(tx, inboundOwners.didRoute);
  return {
    inboundRoutes: routes.map((r) => ({ trunkId: r.trunkId, alertInfo: r.alertInfo, destination: routeDestinations.get(r.trunkId)?.get(inboundOwners.slot) ?? hangUp })),
    didRoutes: dids.map((d) => ({ id: d.id, did: d.did, alertInfo: d.alertInfo, destination: didDestinations.get(d.id)?.get(inboundOwners.slot) ?? hangUp })),
  };
}
