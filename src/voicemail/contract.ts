/** A mailbox's counts after a change (bus topic `voicemail`; webhooks `voicemail.received` / `voicemail.changed`). */
export type MailboxChange = {
  /** The mailbox (the extension number) */
  mailbox: string;
  newMessages: number;
  oldMessages: number;
  /** NEW_MESSAGE when a message arrived; CHANGED when one was read, moved or deleted */
  reason: 'NEW_MESSAGE' | 'CHANGED';
  /** The message that arrived (NEW_MESSAGE), when known */
  messageId: string | null;
  at: string;
};
