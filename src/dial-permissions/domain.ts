import type { Tx } from '../db/client.js';
import type { DomainModule } from '../domains/types.js';
import type { Referrer } from '../errors.js';
import { outboundDialplan, permissionContexts, permissionExpectations } from './config.js';
import { parseRights } from './service.js';

/** How many referrers of one kind a refusal names; the rest are counted. */
const SHOWN = 20;

async function extensionsUsing(tx: Tx, ids: string[]): Promise<Referrer[]> {
  const where = { dialPermissionId: { in: ids } };
  const [rows, total] = await Promise.all([tx.extension.findMany({ where, select: { id: true, number: true, name: true }, orderBy: { number: 'asc' }, take: SHOWN }), tx.extension.count({ where })]);
  const named: Referrer[] = rows.map((r) => ({ kind: 'EXTENSION', id: r.id, label: `extension ${r.number} (${r.name}) uses it` }));
  return total > SHOWN ? [...named, { kind: 'EXTENSION', id: '', label: `and ${total - SHOWN} more extensions use it` }] : named;
}

async function permissionsUsing(tx: Tx, ids: string[]): Promise<Referrer[]> {
  const rows = await tx.dialPermissionRule.findMany({ where: { ruleId: { in: ids } }, include: { permission: { select: { id: true, name: true } } }, orderBy: { permissionId: 'asc' } });
  return rows.map((r) => ({ kind: 'DIAL_PERMISSION', id: r.permission.id, label: `dial permission ${r.permission.name} uses it` }));
}

/** Dial permissions (F-4.3.3): one context per permission, and where external-number destinations go out. */
export const dialPermissionsDomain: DomainModule = {
  name: 'dial-permissions',
  referrers: [
    { target: 'DIAL_PERMISSION', find: (tx, ids, change) => (change === 'delete' ? extensionsUsing(tx, ids) : Promise.resolve([])) },
    { target: 'DIAL_RULE', find: (tx, ids, change) => (change === 'delete' ? permissionsUsing(tx, ids) : Promise.resolve([])) },
  ],
  readSnapshot: async (tx) => ({
    dialPermissions: (await tx.dialPermission.findMany({ orderBy: { name: 'asc' }, include: { dialRules: { orderBy: { position: 'asc' }, select: { ruleId: true } } } })).map((p) => ({
      id: p.id,
      name: p.name,
      builtIn: p.builtIn,
      withheldRights: parseRights(p.withheldRights),
      dialRules: p.dialRules.map((r) => r.ruleId),
    })),
  }),
  dialplan: { contexts: (snapshot, registry) => [...permissionContexts(snapshot, registry), ...outboundDialplan(snapshot)] },
  expectations: permissionExpectations,
};
