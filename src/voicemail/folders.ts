import { join } from 'node:path';

/**
 * The folders of a mailbox as the API names them and as app_voicemail keeps
 * them on disk (apps/app_voicemail.c `mailbox_folders`): the spool's
 * voicemail/<context>/<mailbox>/<folder>/msgNNNN.txt (+ .wav).
 */
export const voicemailFolders = ['NEW', 'OLD', 'URGENT', 'WORK', 'FAMILY', 'FRIENDS', 'CUST1', 'CUST2', 'CUST3', 'CUST4', 'CUST5', 'DELETED'] as const;
export type VoicemailFolder = (typeof voicemailFolders)[number];

/** The folder's directory name, which is also its name in AMI actions (VoicemailMove, VoicemailRemove). */
export const folderDirectory: Record<VoicemailFolder, string> = {
  NEW: 'INBOX',
  OLD: 'Old',
  URGENT: 'Urgent',
  WORK: 'Work',
  FAMILY: 'Family',
  FRIENDS: 'Friends',
  CUST1: 'Cust1',
  CUST2: 'Cust2',
  CUST3: 'Cust3',
  CUST4: 'Cust4',
  CUST5: 'Cust5',
  DELETED: 'Deleted',
};

/** Folders whose messages count as new in the mailbox's message-waiting state (MWI): Asterisk adds Urgent to INBOX. */
export const unheardFolders: readonly VoicemailFolder[] = ['NEW', 'URGENT'];

/**
 * The voicemail.conf context of every mailbox this server renders
 * (src/extensions/voicemail-config.ts: `<number>@default`); a mailbox is named by its
 * extension's number.
 */
export const mailboxContext = 'default';

/** What a mailbox name may be: an extension number (digits), so it is always one safe path segment. */
export const mailboxPattern = /^[0-9]{1,20}$/;

/** voicemail/<context>/<mailbox> under Asterisk's spool, of a valid mailbox name (anything else throws). */
export function mailboxFolder(spoolDir: string, mailbox: string, context: string = mailboxContext): string {
  if (!mailboxPattern.test(mailbox)) throw new Error(`not a mailbox name: ${JSON.stringify(mailbox)}`);
  return join(spoolDir, 'voicemail', context, mailbox);
}
