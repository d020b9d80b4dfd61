import type { Logger } from '../logger.js';
import type { AriConnection } from '../pbx/ari/connection.js';
import { stasisActions } from './config.js';
import type { BlacklistService } from './service.js';

/** What a StasisStart event carries that the blacklist codes read (ARI StasisStart: args, channel). */
export type StasisStart = { type: 'StasisStart'; args?: string[]; channel?: { id?: string } };

type Ari = Pick<AriConnection, 'answerChannel' | 'playOnChannel' | 'hangupChannel' | 'on'>;

/** What the caller hears: a beep when the list changed as asked, Asterisk's "an error has occurred" otherwise. */
export const confirmations = { done: 'sound:beep', failed: 'sound:beeperr' } as const;

/**
 * The phone's side of the blacklist codes (F-4.7.e): the dialplan hands the
 * call to this server's ARI application with
 * `Stasis(<app>,blacklist-add|blacklist-remove,<number>,<extension>)`; the
 * number is stored (createdBy `extension <number>`) or removed, the caller
 * hears a beep or the error prompt, and the call is hung up. Calls with
 * other arguments are not the blacklist's and are left alone.
 */
export function listenForBlacklistCodes(ari: Ari, blacklist: BlacklistService, log: Logger): void {
  ari.on('stasisStart', (event: StasisStart) => void handleBlacklistCode(ari, blacklist, log, event));
}

export async function handleBlacklistCode(ari: Ari, blacklist: BlacklistService, log: Logger, event: StasisStart): Promise<void> {
  const [action, number = '', extension = ''] = event.args ?? [];
  const channelId = event.channel?.id;
  if (!channelId || (action !== stasisActions.add && action !== stasisActions.remove)) return;
  let done = false;
  try {
    if (/^\d{1,11}$/.test(extension)) done = action === stasisActions.add ? await blacklist.addFromPhone(number, extension) : await blacklist.removeFromPhone(number);
  } catch (error) {
    log.error({ err: error, action, extension }, 'blacklist feature code failed');
  }
  log.info({ action, number, extension, done }, 'blacklist feature code');
  try {
    await ari.answerChannel(channelId);
    await ari.playOnChannel(channelId, done ? confirmations.done : confirmations.failed);
  } catch (error) {
    // The caller may have hung up already.
    log.debug({ err: error, channelId }, 'blacklist feature code: could not play the confirmation');
  }
  try {
    await ari.hangupChannel(channelId);
  } catch (error) {
    log.debug({ err: error, channelId }, 'blacklist feature code: could not hang up');
  }
}
