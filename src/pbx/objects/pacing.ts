import type { AmiClient } from '../ami/client.js';

/**
 * How many tasks wait in Asterisk's sorcery queues (the observers of created,
 * updated and deleted objects), null when it cannot be told now. Pushes run
 * faster than Asterisk's observers: once any of its queues passes 500 tasks,
 * Asterisk's PJSIP stops taking new REGISTERs and calls until it drains.
 */
export type SorceryBacklog = () => Promise<number | null>;

/** The deepest sorcery queue, from `core show taskprocessors like sorcery/` over AMI. */
export function amiSorceryBacklog(ami: AmiClient): SorceryBacklog {
  return async () => {
    if (!ami.connected()) return null;
    try {
      const response = await ami.action({ Action: 'Command', Command: 'core show taskprocessors like sorcery/' }, 5_000);
      return deepestQueue(response.Output ?? '');
    } catch {
      return null;
    }
  };
}

/** The largest "In Queue" of the listing's rows (name, processed, in queue, max depth, …); null when it has none. */
export function deepestQueue(listing: string): number | null {
  let deepest: number | null = null;
  for (const line of listing.split('\n')) {
    const columns = line.trim().split(/\s+/);
    if (columns.length < 8 || !columns[0]!.startsWith('sorcery/')) continue;
    const inQueue = Number(columns[2]);
    if (Number.isInteger(inQueue)) deepest = Math.max(deepest ?? 0, inQueue);
  }
  return deepest;
}
