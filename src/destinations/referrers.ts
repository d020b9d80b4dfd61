import type { Tx } from '../db/client.js';
import type { Referrer } from '../errors.js';
import type { SettingsStore } from '../settings/store.js';
import { destinationKindsTargeting } from './destination.js';

/**
 * Everything that refers to the given objects, so a delete can be refused
 * with the referrer's name. Each feature that stores a reference adds its
 * lookup here; there is one place to look.
 */
export async function findReferrers(tx: Tx, settings: SettingsStore, kind: 'EXTENSION' | 'DEPARTMENT', ids: string[]): Promise<Referrer[]> {
  if (!ids.length) return [];
  const referrers: Referrer[] = [];
  const departments = await tx.department.findMany({
    where: { noAnswerType: { in: destinationKindsTargeting[kind] }, noAnswerTarget: { in: ids } },
    select: { id: true, name: true, number: true },
  });
  for (const d of departments) referrers.push({ kind: 'DEPARTMENT', id: d.id, label: `department ${d.number} (${d.name}) sends unanswered calls there` });

  if (kind === 'EXTENSION') {
    const accounts = await tx.account.findMany({ where: { extensionId: { in: ids } }, select: { id: true, username: true } });
    for (const a of accounts) referrers.push({ kind: 'ACCOUNT', id: a.id, label: `account ${a.username} is bound to it` });
    const pbx = await settings.get(tx, 'pbx');
    if (pbx.operatorExtension) {
      const operator = await tx.extension.findFirst({ where: { number: pbx.operatorExtension, id: { in: ids } }, select: { id: true } });
      if (operator) referrers.push({ kind: 'SETTINGS', id: 'pbx', label: 'the PBX settings name it the operator extension' });
    }
  }
  return referrers;
}
