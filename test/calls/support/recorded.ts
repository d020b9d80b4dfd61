import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readRecordedEvents } from '../../support/ari-standin/recording-compare.js';

/** Traffic recorded from a real Asterisk 22.10.1 (read only). */
export const RECORDED_DIR = path.resolve(fileURLToPath(new URL('../../..', import.meta.url)), '../shared/asterisk/recorded');
export const HAVE_RECORDINGS = existsSync(RECORDED_DIR);

export function recordedEvents(file: string): Record<string, unknown>[] {
  return readRecordedEvents(RECORDED_DIR, file);
}

const SNAPSHOT_FIELDS = ['channel', 'caller', 'peer', 'forwarded', 'transferee', 'transfer_target'];

/**
 * The events as our ari.conf (channelvars=PBX_TRUNK,PBX_DID,CHANNEL(linkedid))
 * makes Asterisk send them: every channel snapshot carries the variables, the
 * linkedid being `linkedidOf(channel id)`. The recordings were made without channelvars.
 */
export function withChannelVars(events: Record<string, unknown>[], linkedidOf: (channelId: string) => string): Record<string, unknown>[] {
  return events.map((event) => {
    const copy: Record<string, unknown> = { ...event };
    for (const field of SNAPSHOT_FIELDS) {
      const channel = copy[field] as { id?: string } | undefined;
      if (channel && typeof channel === 'object' && channel.id) {
        copy[field] = { ...channel, channelvars: { PBX_TRUNK: '', PBX_DID: '', 'CHANNEL(linkedid)': linkedidOf(channel.id) } };
      }
    }
    return copy;
  });
}
