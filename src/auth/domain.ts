import type { DomainModule } from '../domains/types.js';

/** Accounts (F-7.10.1): an operator-panel account bound to an extension keeps it from being deleted. */
export const accountsDomain: DomainModule = {
  name: 'accounts',
  referrers: [
    {
      target: 'EXTENSION',
      async find(tx, ids, change) {
        if (change !== 'delete') return [];
        const accounts = await tx.account.findMany({ where: { extensionId: { in: ids } }, select: { id: true, username: true } });
        return accounts.map((a) => ({ kind: 'ACCOUNT', id: a.id, label: `account ${a.username} is bound to it` }));
      },
    },
  ],
};
