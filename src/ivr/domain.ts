import type { Tx } from '../db/client.js';
import type { DomainModule, ReferenceChange } from '../domains/types.js';
import type { Referrer } from '../errors.js';
import { soundKinds } from '../sounds/contract.js';
import { ivrContexts, ivrDialplan, ivrExpectations } from './config.js';
import { ivrDestinationSlots } from './keys.js';
import { findIvrId } from './refs.js';
import { ivrKind, readIvrSlice } from './snapshot.js';

async function describeIvrs(tx: Tx, ids: string[]): Promise<Map<string, string>> {
  const rows = await tx.ivr.findMany({ where: { id: { in: ids } }, select: { id: true, number: true, name: true } });
  return new Map(rows.map((r) => [r.id, `IVR ${r.number} (${r.name})`]));
}

const label = (r: { number: string; name: string }) => `IVR ${r.number} (${r.name})`;

/** IVRs that play these prompts: a prompt cannot be deleted while one does, nor leave the IVR category (F-4.4.2). */
async function ivrsPlaying(tx: Tx, promptIds: string[], change: ReferenceChange): Promise<Referrer[]> {
  if (change === 'renumber') return [];
  const where = change === 'update' ? { promptId: { in: promptIds }, prompt: { category: { not: 'IVR' } } } : { promptId: { in: promptIds } };
  const rows = await tx.ivr.findMany({ where, select: { id: true, number: true, name: true }, orderBy: { number: 'asc' } });
  const what = change === 'update' ? 'plays it as its menu, and plays IVR prompts only' : 'plays it as its menu';
  return rows.map((r) => ({ kind: ivrKind, id: r.id, label: `${label(r)} ${what}` }));
}

async function ivrsDialingThrough(tx: Tx, permissionIds: string[], change: ReferenceChange): Promise<Referrer[]> {
  if (change !== 'delete') return [];
  const rows = await tx.ivr.findMany({ where: { directDialPermissionId: { in: permissionIds } }, select: { id: true, number: true, name: true }, orderBy: { number: 'asc' } });
  return rows.map((r) => ({ kind: ivrKind, id: r.id, label: `${label(r)} lets callers dial directly with it` }));
}

/** Auto attendants (F-4.2.1): an IVR number and a Destination kind; each key event is a Destination slot. */
export const ivrDomain: DomainModule = {
  name: 'ivr',
  rights: [{ name: 'allowIvr', description: 'May call auto attendants (F-4.3.3 自动话务员)' }],
  numberKinds: [{ kind: ivrKind, noun: 'IVR', range: 'ivrRange', describe: describeIvrs }],
  destinations: [
    {
      type: ivrKind,
      description: 'An auto attendant (IVR, F-4.2.1): plays its menu and routes the call by the key pressed',
      target: { kind: 'object', objectKind: ivrKind, graphqlType: 'Ivr', noun: 'IVR', find: findIvrId },
      dialplanTarget: (d) => {
        if (!d.targetId) throw new Error('an IVR destination without its IVR');
        return `Goto(${ivrContexts.menu(d.targetId)},s,1)`;
      },
    },
  ],
  destinationSlots: ivrDestinationSlots,
  referrers: [
    { target: soundKinds.prompt, find: (tx, ids, change) => ivrsPlaying(tx, ids, change) },
    { target: 'DIAL_PERMISSION', find: (tx, ids, change) => ivrsDialingThrough(tx, ids, change) },
  ],
  readSnapshot: (tx) => readIvrSlice(tx),
  dialplan: { includes: [{ context: ivrContexts.numbers, right: 'allowIvr' }], contexts: ivrDialplan },
  expectations: ivrExpectations,
};
