import type { PrismaClient } from '../db/client.js';
import { AsteriskNotConnectedError, NotFoundError, ValidationError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Astdb } from '../pbx/ami/astdb.js';
import { forwardFamilies, forwardNumberPattern, forwardTypes, type ForwardType } from './families.js';

/** Where an extension's calls are forwarded, by kind; null where that kind is off. */
export type Forwarding = Record<ForwardType, string | null>;

/**
 * Call forwarding through the API. Like DND, the state is Asterisk's alone
 * (families.ts): reading and changing it here goes to the keys the phone's
 * codes use, so the two never disagree; without AMI (Asterisk down, or
 * another instance holds the connection) it cannot be read or changed.
 */
export class CallForwarding {
  constructor(
    private readonly deps: {
      prisma: PrismaClient;
      /** Null without Asterisk; connected only on the instance that holds the Asterisk lease. */
      astdb: Astdb | null;
      log: Logger;
    },
  ) {}

  /** Every forward by kind, by extension number; null when Asterisk cannot be asked. */
  async all(): Promise<Map<ForwardType, Map<string, string>> | null> {
    const astdb = this.deps.astdb;
    if (!astdb?.connected()) return null;
    try {
      const trees = await Promise.all(forwardTypes.map((type) => astdb.tree(forwardFamilies[type])));
      return new Map(forwardTypes.map((type, i) => [type, trees[i]!]));
    } catch (err) {
      this.deps.log.warn({ err }, 'reading call forwarding failed');
      return null;
    }
  }

  /** Forwards the extension's calls of one kind to `number`, or stops (null), as its phone's codes do. */
  async set(extensionId: string, type: ForwardType, number: string | null): Promise<void> {
    const extension = await this.deps.prisma.extension.findUnique({ where: { id: extensionId }, select: { number: true } });
    if (!extension) throw new NotFoundError('Extension', extensionId);
    if (number !== null) {
      if (!forwardNumberPattern.test(number))
        throw ValidationError.single(['number'], 'a number to forward to: digits with an optional leading +, at most 32 (an outside number with its outbound prefix)', 'INVALID_FORMAT');
      if (number === extension.number) throw ValidationError.single(['number'], 'an extension cannot forward its calls to itself', 'INVALID');
    }
    const astdb = this.deps.astdb;
    if (!astdb?.connected()) throw new AsteriskNotConnectedError('Asterisk is not connected (AMI): call forwarding was not changed; try again when it is');
    try {
      if (number === null) await astdb.remove(forwardFamilies[type], extension.number);
      else await astdb.put(forwardFamilies[type], extension.number, number);
    } catch (err) {
      throw new AsteriskNotConnectedError(`Asterisk did not change call forwarding of ${extension.number} (${(err as Error).message}): try again`);
    }
  }
}

/** The forwards of one extension number, from what all() read. */
export function forwardingOf(all: Map<ForwardType, Map<string, string>>, number: string): Forwarding {
  return { ALWAYS: all.get('ALWAYS')?.get(number) ?? null, BUSY: all.get('BUSY')?.get(number) ?? null, NO_ANSWER: all.get('NO_ANSWER')?.get(number) ?? null };
}
