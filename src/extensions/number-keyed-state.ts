import type { NumberKeyedFamily } from '../domains/types.js';
import type { Logger } from '../logger.js';
import type { Astdb } from '../pbx/ami/astdb.js';
import type { NumberChanges } from './number-changes.js';

/**
 * Keeps the astdb keys the dialplan names by extension number (DND/<number>
 * set by the DND code, the last outside caller for the blacklist code: the
 * domains' `numberKeyedFamilies`) with the extensions. Without it a number
 * given to another extension (deleted and created again, or renumbered) came
 * with the state of the one before: the new holder of a number was in DND.
 * - A renumbered extension takes its keys to its new number; a key already
 *   under the new number belonged to no extension (the number was free) and goes.
 * - Every key of a number no extension holds is removed.
 *
 * It runs where AMI is connected (the instance that holds the Asterisk lease),
 * told of changes made on any instance through the bus, and sweeps at every
 * connect. Changes made while AMI was away cannot be followed one by one: the
 * sweep then removes the keys of numbers no extension holds, so a renumbered
 * extension's keys are lost rather than moved, and a number deleted and
 * created again meanwhile keeps its keys.
 */
export class NumberKeyedState {
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: {
      astdb: Astdb;
      families: () => readonly NumberKeyedFamily[];
      /** The numbers extensions hold now. */
      currentNumbers: () => Promise<Set<string>>;
      log: Logger;
    },
  ) {}

  /** Follows a committed change, then removes what belongs to no extension. Runs one at a time, in order. */
  follow(changes: NumberChanges): Promise<void> {
    const run = this.queue.then(() => this.run(changes));
    this.queue = run.catch(() => {});
    return run;
  }

  /** Removes the keys of numbers no extension holds (after a connect). */
  sweep(): Promise<void> {
    return this.follow({});
  }

  private async run(changes: NumberChanges): Promise<void> {
    const { astdb, log } = this.deps;
    if (!astdb.connected()) return;
    const families = this.deps.families();
    if (!families.length) return;
    const numbers = await this.deps.currentNumbers();
    for (const { family, holds } of families) {
      const keys = await astdb.tree(family);
      for (const { from, to } of changes.renumbered ?? []) {
        const value = keys.get(from);
        if (value !== undefined) {
          await astdb.put(family, to, value);
          await astdb.remove(family, from);
          keys.delete(from);
          keys.set(to, value);
          log.info({ family, from, to }, `${holds} of extension ${from} moved to ${to} with its extension`);
        } else if (keys.has(to)) {
          await astdb.remove(family, to);
          keys.delete(to);
          log.info({ family, number: to }, `${holds} left under ${to} removed: extension ${from} took the number`);
        }
      }
      for (const key of keys.keys()) {
        if (numbers.has(key)) continue;
        await astdb.remove(family, key);
        log.info({ family, number: key }, `${holds} of ${key} removed: no extension has the number`);
      }
    }
  }
}
