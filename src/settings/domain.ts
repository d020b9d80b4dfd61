import type { DomainModule } from '../domains/types.js';
import { soundKinds } from '../sounds/contract.js';

/**
 * The PBX settings (F-4.6.1) name the operator extension by its number: it
 * may not be deleted, renumbered or disabled while it is the operator.
 * Delete and renumber are checked before the write, update after it. They
 * name the ringback music class too, which may not be deleted meanwhile.
 */
export const pbxSettingsDomain: DomainModule = {
  name: 'pbx-settings',
  referrers: [
    {
      target: 'EXTENSION',
      async find(tx, ids, change, { settings }) {
        const { operatorExtension } = await settings.get(tx, 'pbx');
        if (!operatorExtension) return [];
        const operator = await tx.extension.findFirst({ where: { number: operatorExtension, id: { in: ids } }, select: { enabled: true } });
        if (!operator) return [];
        const label = `the PBX settings name ${operatorExtension} the operator extension (operatorExtension)`;
        if (change === 'update') return operator.enabled ? [] : [{ kind: 'SETTINGS', id: 'pbx', label: `${label}, which must stay enabled` }];
        return [{ kind: 'SETTINGS', id: 'pbx', label }];
      },
    },
    {
      target: soundKinds.mohClass,
      async find(tx, ids, change, { settings }) {
        if (change !== 'delete') return [];
        const { ringbackMusicClass } = await settings.get(tx, 'pbx');
        const used = await tx.mohClass.findFirst({ where: { id: { in: ids }, name: ringbackMusicClass }, select: { id: true } });
        return used ? [{ kind: 'SETTINGS', id: 'pbx', label: 'the PBX settings play it as ringback music (ringbackMusicClass)' }] : [];
      },
    },
  ],
};
