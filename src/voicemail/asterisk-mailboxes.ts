import { AsteriskNotConnectedError } from '../errors.js';
import type { AmiClient } from '../pbx/ami/client.js';
import { AmiError } from '../pbx/ami/errors.js';
import { header, type AmiMessage } from '../pbx/ami/message.js';
import { folderDirectory, mailboxContext, type VoicemailFolder } from './folders.js';

/** What the voicemail module needs of the AMI client. */
export type VoicemailAmi = Pick<AmiClient, 'connected' | 'action' | 'on' | 'off'>;

/** Asterisk's answer to a move or a removal: done, or refused with its words. */
export type MailboxActionOutcome = { done: true } | { done: false; reason: string };

/**
 * Changes to a mailbox go through Asterisk (app_voicemail's AMI actions,
 * Asterisk 18.20/20.5 and later), never by moving files: Asterisk locks the
 * folder, renumbers it and sends the new message-waiting state to the
 * phones itself. VoicemailMove and VoicemailRemove take Context, Mailbox,
 * Folder, ID (the msg_id) and, for a move, ToFolder; both answer Success
 * with the Message "Message move successful" or "... failed" (a message not
 * in that folder, a mailbox not in voicemail.conf), so the Message decides.
 */
export class AsteriskMailboxes {
  constructor(
    private readonly ami: VoicemailAmi | null,
    private readonly context: string = mailboxContext,
  ) {}

  connected(): boolean {
    return this.ami?.connected() ?? false;
  }

  /** Throws AsteriskNotConnectedError unless an action can be sent now. */
  requireConnected(): void {
    if (!this.connected()) throw new AsteriskNotConnectedError('Asterisk is not connected (AMI): voicemail is moved and deleted by Asterisk; nothing was changed, try again when it is');
  }

  move(mailbox: string, msgId: string, from: VoicemailFolder, to: VoicemailFolder): Promise<MailboxActionOutcome> {
    return this.mailboxAction({ Action: 'VoicemailMove', Context: this.context, Mailbox: mailbox, Folder: folderDirectory[from], ID: msgId, ToFolder: folderDirectory[to] });
  }

  remove(mailbox: string, msgId: string, folder: VoicemailFolder): Promise<MailboxActionOutcome> {
    return this.mailboxAction({ Action: 'VoicemailRemove', Context: this.context, Mailbox: mailbox, Folder: folderDirectory[folder], ID: msgId });
  }

  private async mailboxAction(action: AmiMessage & { Action: string }): Promise<MailboxActionOutcome> {
    let answer: AmiMessage;
    try {
      answer = await this.send(action);
    } catch (error) {
      if (error instanceof AmiError && error.code === 'rejected') return { done: false, reason: header(error.response ?? {}, 'Message')?.trim() || error.message };
      throw error;
    }
    const message = header(answer, 'Message')?.trim() ?? '';
    return /successful/i.test(message) ? { done: true } : { done: false, reason: message || 'no reason given' };
  }

  private async send(action: AmiMessage & { Action: string }): Promise<AmiMessage> {
    this.requireConnected();
    try {
      return await this.ami!.action(action);
    } catch (error) {
      if (error instanceof AmiError && error.code !== 'rejected') {
        throw new AsteriskNotConnectedError(`Asterisk did not carry out ${action.Action} (${error.code}); try again`);
      }
      throw error;
    }
  }
}
