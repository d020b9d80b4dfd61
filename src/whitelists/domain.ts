import type { DomainModule } from '../domains/types.js';
import { whitelistDialplan, whitelistWarnings } from './config.js';
import { parseNumbers, type WhitelistDirection } from './service.js';

/** Whitelists (F-4.5.10): one lookup context per list; extensions and dial rules check against them. */
export const whitelistsDomain: DomainModule = {
  name: 'whitelists',
  referrers: [
    {
      // Extensions link to a whitelist (Extension.whitelistId): a list in use cannot go.
      target: 'WHITELIST',
      async find(tx, ids, change) {
        if (change !== 'delete') return [];
        const rows = await tx.extension.findMany({ where: { whitelistId: { in: ids } }, select: { id: true, number: true, name: true }, orderBy: { number: 'asc' } });
        return rows.map((r) => ({ kind: 'EXTENSION', id: r.id, label: `extension ${r.number} (${r.name}) links to it` }));
      },
    },
  ],
  readSnapshot: async (tx) => ({
    whitelists: (await tx.whitelist.findMany({ orderBy: { name: 'asc' } })).map((r) => ({ id: r.id, name: r.name, direction: r.direction as WhitelistDirection, numbers: parseNumbers(r.numbers) })),
  }),
  dialplan: { contexts: whitelistDialplan, warnings: whitelistWarnings },
};
