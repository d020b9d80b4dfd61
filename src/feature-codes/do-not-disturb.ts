import type { PrismaClient } from '../db/client.js';
import { AsteriskNotConnectedError, NotFoundError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Astdb } from '../pbx/ami/astdb.js';
import { dndFamily } from './config.js';

/**
 * Do not disturb (F-4.7.k) through the API. The state is Asterisk's alone: the
 * key DND/<number> in its astdb, which the DND codes (*74 / *074) set and
 * remove and the dialplan reads before ringing. Reading and changing it here
 * goes to the same key, so a phone and the API never disagree; without AMI
 * (Asterisk down, or another instance holds the connection) it cannot be read
 * or changed.
 */
export class DoNotDisturb {
  constructor(
    private readonly deps: {
      prisma: PrismaClient;
      /** Null without Asterisk; connected only on the instance that holds the Asterisk lease. */
      astdb: Astdb | null;
      log: Logger;
    },
  ) {}

  /** The numbers in DND now; null when Asterisk cannot be asked. */
  async numbers(): Promise<Set<string> | null> {
    const astdb = this.deps.astdb;
    if (!astdb?.connected()) return null;
    try {
      return new Set((await astdb.tree(dndFamily)).keys());
    } catch (err) {
      this.deps.log.warn({ err }, 'reading which extensions are in DND failed');
      return null;
    }
  }

  /** Turns DND of the extension on or off, as its phone's codes do. */
  async set(extensionId: string, enabled: boolean): Promise<void> {
    const extension = await this.deps.prisma.extension.findUnique({ where: { id: extensionId }, select: { number: true } });
    if (!extension) throw new NotFoundError('Extension', extensionId);
    const astdb = this.deps.astdb;
    if (!astdb?.connected()) throw new AsteriskNotConnectedError('Asterisk is not connected (AMI): DND was not changed; try again when it is');
    try {
      if (enabled) await astdb.put(dndFamily, extension.number, '1');
      else await astdb.remove(dndFamily, extension.number);
    } catch (err) {
      throw new AsteriskNotConnectedError(`Asterisk did not change DND of ${extension.number} (${(err as Error).message}): try again`);
    }
  }
}
