import type { PrismaClient } from '../db/client.js';
import { ConflictError, ValidationError, type FieldIssue } from '../errors.js';
import { AsteriskMailboxes, type MailboxActionOutcome } from './asterisk-mailboxes.js';
import { mailboxPattern, type VoicemailFolder } from './folders.js';
import type { MailboxMonitor } from './monitor.js';
import { isUnheard, type MailboxCounts, type OpenedAudio, type SpoolMessage, type VoicemailSpool } from './spool.js';

/** A message the API offers: one with Asterisk's message id, which is how it is named and acted on. */
export type VoicemailMessage = SpoolMessage & { msgId: string };

/** At most this many message ids in one request. */
export const maxMessageIds = 500;

/**
 * Voicemail of the extensions' mailboxes (a mailbox is named by its
 * extension's number): listing and counts from the spool, reading and
 * deleting through Asterisk, each change announced by the monitor.
 */
export class VoicemailService {
  constructor(
    private readonly deps: {
      prisma: PrismaClient;
      spool: VoicemailSpool;
      asterisk: AsteriskMailboxes;
      monitor: MailboxMonitor;
    },
  ) {}

  /** The messages of a mailbox, newest first; of one folder when given. */
  async messages(mailbox: string, folder?: VoicemailFolder | null): Promise<VoicemailMessage[]> {
    await this.extensionOf(mailbox);
    return withIds(await this.deps.spool.messages(mailbox, folder ? [folder] : undefined));
  }

  async counts(mailbox: string): Promise<MailboxCounts> {
    await this.extensionOf(mailbox);
    return this.deps.spool.counts(mailbox);
  }

  /** The message with this id, or null (for fields that resolve a message named by an event). */
  async message(mailbox: string, msgId: string): Promise<VoicemailMessage | null> {
    const message = await this.deps.spool.find(mailbox, msgId);
    return message?.msgId ? (message as VoicemailMessage) : null;
  }

  /**
   * Moves the new (and urgent) messages among them to Old, as listening on
   * the phone does; messages already heard stay where they are. Answers with
   * the messages as they are afterwards.
   */
  async markRead(mailbox: string, messageIds: readonly string[]): Promise<VoicemailMessage[]> {
    const targets = await this.targets(mailbox, messageIds);
    try {
      for (const { message, index } of targets) {
        if (!isUnheard(message)) continue;
        const outcome = await this.deps.asterisk.move(mailbox, message.msgId, message.folder, 'OLD');
        // Listened to on the phone meanwhile, or deleted: nothing left to do.
        if (!outcome.done && (await this.stillIn(message))) throw refused(outcome, `move message ${message.msgId} to Old`, index);
      }
    } finally {
      await this.deps.monitor.check(mailbox);
    }
    const after = new Map((await this.deps.spool.messages(mailbox)).map((m) => [m.msgId, m]));
    return withIds(targets.flatMap(({ message }) => after.get(message.msgId) ?? []));
  }

  /** Deletes the messages (a message deleted meanwhile counts as deleted); answers with their ids. */
  async delete(mailbox: string, messageIds: readonly string[]): Promise<string[]> {
    const targets = await this.targets(mailbox, messageIds);
    try {
      for (const { message, index } of targets) {
        let current: SpoolMessage | null = message;
        // Asterisk names the folder; a message moved meanwhile (heard on the phone) is looked for again once.
        for (let attempt = 0; current && attempt < 2; attempt++) {
          const outcome = await this.deps.asterisk.remove(mailbox, message.msgId, current.folder);
          if (outcome.done) break;
          const before: SpoolMessage = current;
          current = await this.deps.spool.find(mailbox, message.msgId);
          if (current && (current.folder === before.folder || attempt === 1)) throw refused(outcome, `delete message ${message.msgId}`, index);
        }
      }
    } finally {
      await this.deps.monitor.check(mailbox);
    }
    return targets.map(({ message }) => message.msgId);
  }

  /** The WAV recording of a message, opened for reading; null when there is none. */
  openAudio(mailbox: string, msgId: string): Promise<OpenedAudio | null> {
    if (!mailboxPattern.test(mailbox)) return Promise.resolve(null);
    return this.deps.spool.openAudio(mailbox, msgId);
  }

  /** The extension a mailbox belongs to; ValidationError at `mailbox` when there is none. */
  async extensionOf(mailbox: string): Promise<{ id: string; number: string; voicemailEnabled: boolean }> {
    const extension = mailboxPattern.test(mailbox) ? await this.deps.prisma.extension.findUnique({ where: { number: mailbox }, select: { id: true, number: true, voicemailEnabled: true } }) : null;
    if (!extension) throw ValidationError.single(['mailbox'], `no extension ${mailbox} exists (a mailbox is named by its extension's number)`, 'NOT_FOUND');
    return extension;
  }

  /**
   * The messages named, each once, in the order given: every unknown id is a
   * NOT_FOUND issue at its place in `messageIds`. Checked before anything is
   * sent to Asterisk, which must be connected.
   */
  private async targets(mailbox: string, messageIds: readonly string[]): Promise<{ message: VoicemailMessage; index: number }[]> {
    if (!messageIds.length) throw ValidationError.single(['messageIds'], 'name at least one message', 'REQUIRED');
    if (messageIds.length > maxMessageIds) throw ValidationError.single(['messageIds'], `at most ${maxMessageIds} messages at once`, 'TOO_MANY');
    const extension = await this.extensionOf(mailbox);
    const byId = new Map(withIds(await this.deps.spool.messages(mailbox)).map((m) => [m.msgId, m]));
    const issues: FieldIssue[] = [];
    const targets: { message: VoicemailMessage; index: number }[] = [];
    const seen = new Set<string>();
    messageIds.forEach((id, index) => {
      const message = byId.get(id);
      if (!message) issues.push({ path: ['messageIds', String(index)], message: `mailbox ${mailbox} has no message ${id}`, code: 'NOT_FOUND' });
      else if (!seen.has(id)) {
        seen.add(id);
        targets.push({ message, index });
      }
    });
    if (issues.length) throw new ValidationError(issues);
    this.deps.asterisk.requireConnected();
    if (!extension.voicemailEnabled) throw new ConflictError(`Extension ${mailbox} has voicemail off, so Asterisk has no mailbox ${mailbox}: its messages cannot be changed`, ['mailbox']);
    return targets;
  }

  private async stillIn(message: VoicemailMessage): Promise<boolean> {
    return (await this.deps.spool.find(message.mailbox, message.msgId))?.folder === message.folder;
  }
}

function withIds(messages: SpoolMessage[]): VoicemailMessage[] {
  return messages.filter((m): m is VoicemailMessage => m.msgId !== null);
}

function refused(outcome: MailboxActionOutcome, what: string, index: number): ConflictError {
  const reason = outcome.done ? '' : outcome.reason;
  return new ConflictError(`Asterisk did not ${what}: ${reason}`, ['messageIds', String(index)]);
}
