import type { DomainModule } from '../domains/types.js';
import { trunkIax, trunkPjsip } from './config.js';
import { readTrunkSlice } from './snapshot.js';

/** SIP and IAX trunks (F-4.3.1.b, F-4.3.1.d). */
export const trunksDomain: DomainModule = {
  name: 'trunks',
  referrers: [
    {
      // Calls from a trunk start in its dial permission's context: the permission may not go while a trunk uses it.
      target: 'DIAL_PERMISSION',
      async find(tx, ids, change) {
        if (change !== 'delete') return [];
        const rows = await tx.trunk.findMany({ where: { dialPermissionId: { in: ids } }, select: { id: true, name: true, kind: true }, orderBy: { name: 'asc' } });
        return rows.map((r) => ({ kind: 'TRUNK', id: r.id, label: `${r.kind} trunk ${r.name} uses it as its dial permission` }));
      },
    },
  ],
  readSnapshot: (tx) => readTrunkSlice(tx),
  config: [
    { file: 'pjsip.conf', order: 20, render: trunkPjsip },
    { file: 'iax.conf', order: 20, render: trunkIax },
  ],
};
