import type { DomainModule } from '../domains/types.js';
import { pinSetDialplan, pinSetWarnings } from './config.js';
import { parsePins } from './service.js';

/** PIN sets (F-4.3.4): the PIN check subroutine and one context of PINs per set. */
export const pinSetsDomain: DomainModule = {
  name: 'pin-sets',
  readSnapshot: async (tx) => ({
    pinSets: (await tx.pinSet.findMany({ orderBy: { name: 'asc' } })).map((r) => ({ id: r.id, name: r.name, pins: parsePins(r.pins) })),
  }),
  dialplan: { contexts: pinSetDialplan, warnings: pinSetWarnings },
};
