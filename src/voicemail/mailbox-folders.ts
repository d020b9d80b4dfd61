import { rename, rm, stat } from 'node:fs/promises';
import type { NumberChangeFollower, NumberChanges } from '../extensions/number-changes.js';
import type { Logger } from '../logger.js';
import { mailboxContext, mailboxFolder, mailboxPattern } from './folders.js';

/**
 * Keeps the mailbox folders of the spool with the extensions they belong to. A mailbox is named by
 * its extension's number, so without this a number given to another extension (renumbered, or
 * deleted and created again) brought the messages of the one before to the new one, on the phone
 * and through the API. A mailbox whose number has left is no longer Asterisk's (its realtime view
 * holds the current numbers only), so its folder is the server's to move or remove:
 * - a deleted extension's mailbox is removed with it;
 * - a renumbered extension's mailbox moves to its new number (a folder already there belongs to no
 *   extension, since the number was free: it is removed first).
 * A new extension keeps a folder it finds under its number: a spool restored beside a database
 * created again (an import of the extensions) is the extensions' own voicemail.
 * Done after the change is committed; a folder that cannot be moved or removed (the spool is
 * Asterisk's, the server may lack the right) is logged and left, never failing the change.
 */
export class MailboxFolders implements NumberChangeFollower {
  constructor(
    private readonly spoolDir: string,
    private readonly log: Logger,
    private readonly context: string = mailboxContext,
  ) {}

  async apply(changes: NumberChanges): Promise<void> {
    for (const number of changes.released ?? []) await this.remove(number, 'its extension was deleted');
    for (const { from, to } of changes.renumbered ?? []) {
      await this.remove(to, `extension ${from} took the number`);
      await this.move(from, to);
    }
  }

  private folder(mailbox: string): string | null {
    return mailboxPattern.test(mailbox) ? mailboxFolder(this.spoolDir, mailbox, this.context) : null;
  }

  private async remove(mailbox: string, why: string): Promise<void> {
    const folder = this.folder(mailbox);
    if (!folder || !(await exists(folder))) return;
    try {
      await rm(folder, { recursive: true, force: true });
      this.log.info({ mailbox }, `voicemail folder of ${mailbox} removed: ${why}`);
    } catch (err) {
      this.log.warn({ err, mailbox }, `the voicemail folder of ${mailbox} could not be removed (${why}): its messages stay there`);
    }
  }

  private async move(from: string, to: string): Promise<void> {
    const source = this.folder(from);
    const target = this.folder(to);
    if (!source || !target || !(await exists(source))) return;
    try {
      await rename(source, target);
      this.log.info({ from, to }, `voicemail folder of ${from} moved to ${to} with its extension`);
    } catch (err) {
      this.log.warn({ err, from, to }, `the voicemail folder of ${from} could not be moved to ${to}: its messages stay under ${from}`);
    }
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
