import { constants } from 'node:fs';
import { open, readdir, readFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { folderDirectory, mailboxContext, mailboxFolder, mailboxPattern, unheardFolders, voicemailFolders, type VoicemailFolder } from './folders.js';
import { parseMessageInfo, type MessageInfo } from './message-file.js';

/** A message as the spool holds it. */
export type SpoolMessage = MessageInfo & {
  mailbox: string;
  folder: VoicemailFolder;
  /** msgNNNN: its place in the folder now (Asterisk renumbers a folder when messages leave it) */
  fileName: string;
  /** Bytes of its WAV recording; null when the mailbox keeps no WAV of it */
  audioBytes: number | null;
};

/** A mailbox's message counts as the message-waiting indication (MWI) has them: urgent messages are new too. */
export type MailboxCounts = { newMessages: number; oldMessages: number; urgentMessages: number };

export type OpenedAudio = { handle: FileHandle; sizeBytes: number; fileName: string };

const messageFile = /^msg\d{4}\.txt$/;
// Never through a link: what the spool serves is a file app_voicemail wrote there.
const readFlags = constants.O_RDONLY | constants.O_NOFOLLOW;

/**
 * Reads app_voicemail's file storage under Asterisk's spool
 * (voicemail/<context>/<mailbox>/<folder>/msgNNNN.txt and .wav). Nothing a
 * client sends becomes part of a path: the mailbox is a checked number, the
 * folders come from a fixed table, file names from the folder's listing, and
 * a message is found by the id read from its file. It never writes: moving
 * and deleting are Asterisk's (see AsteriskMailboxes).
 */
export class VoicemailSpool {
  constructor(
    private readonly spoolDir: string,
    private readonly context: string = mailboxContext,
  ) {}

  private mailboxDir(mailbox: string): string {
    return mailboxFolder(this.spoolDir, mailbox, this.context);
  }

  /** The messages of a mailbox (of the folders given, default all), newest first. */
  async messages(mailbox: string, folders: readonly VoicemailFolder[] = voicemailFolders): Promise<SpoolMessage[]> {
    const dir = this.mailboxDir(mailbox);
    const lists = await Promise.all(folders.map((folder) => this.folderMessages(mailbox, dir, folder)));
    return lists.flat().sort(newestFirst);
  }

  /** The message with this id, wherever it is in the mailbox, or null. */
  async find(mailbox: string, msgId: string): Promise<SpoolMessage | null> {
    return (await this.messages(mailbox)).find((m) => m.msgId === msgId) ?? null;
  }

  async counts(mailbox: string): Promise<MailboxCounts> {
    const dir = this.mailboxDir(mailbox);
    const [inbox, urgent, old] = await Promise.all(['NEW', 'URGENT', 'OLD'].map((f) => this.messageFiles(join(dir, folderDirectory[f as VoicemailFolder]))));
    return { newMessages: inbox!.length + urgent!.length, oldMessages: old!.length, urgentMessages: urgent!.length };
  }

  /** The mailboxes that have a folder in the spool (Asterisk makes it with the first message). */
  async mailboxes(): Promise<string[]> {
    const entries = await readdir(join(this.spoolDir, 'voicemail', this.context), { withFileTypes: true }).catch(ignoreMissing);
    return entries
      .filter((e) => e.isDirectory() && mailboxPattern.test(e.name))
      .map((e) => e.name)
      .sort();
  }

  /** Opens the WAV recording of a message for reading, or null when the message or its WAV is not there. */
  async openAudio(mailbox: string, msgId: string): Promise<OpenedAudio | null> {
    const message = await this.find(mailbox, msgId);
    if (!message) return null;
    const path = join(this.mailboxDir(mailbox), folderDirectory[message.folder], `${message.fileName}.wav`);
    let handle: FileHandle;
    try {
      handle = await open(path, readFlags);
    } catch {
      return null;
    }
    const stats = await handle.stat().catch(() => null);
    if (!stats?.isFile()) {
      await handle.close();
      return null;
    }
    return { handle, sizeBytes: stats.size, fileName: `voicemail-${mailbox}-${msgId}.wav` };
  }

  private async messageFiles(dir: string): Promise<string[]> {
    const names = await readdir(dir).catch(ignoreMissing);
    return names.filter((n) => messageFile.test(n)).sort();
  }

  private async folderMessages(mailbox: string, mailboxDir: string, folder: VoicemailFolder): Promise<SpoolMessage[]> {
    const dir = join(mailboxDir, folderDirectory[folder]);
    const files = await this.messageFiles(dir);
    const messages = await Promise.all(
      files.map(async (file): Promise<SpoolMessage | null> => {
        // A file that went away meanwhile (Asterisk renumbers a folder after a move) is simply not listed.
        const text = await readFile(join(dir, file), { encoding: 'utf8', flag: readFlags }).catch(() => null);
        if (text === null) return null;
        const fileName = file.slice(0, -'.txt'.length);
        return { ...parseMessageInfo(text), mailbox, folder, fileName, audioBytes: await audioBytes(join(dir, `${fileName}.wav`)) };
      }),
    );
    return messages.filter((m): m is SpoolMessage => m !== null);
  }
}

async function audioBytes(path: string): Promise<number | null> {
  try {
    const handle = await open(path, readFlags);
    try {
      const stats = await handle.stat();
      return stats.isFile() ? stats.size : null;
    } finally {
      await handle.close();
    }
  } catch {
    return null;
  }
}

function ignoreMissing(error: NodeJS.ErrnoException): never[] {
  if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return [];
  throw error;
}

function newestFirst(a: SpoolMessage, b: SpoolMessage): number {
  const at = a.receivedAt?.getTime() ?? 0;
  const bt = b.receivedAt?.getTime() ?? 0;
  if (at !== bt) return bt - at;
  if (a.folder !== b.folder) return voicemailFolders.indexOf(a.folder) - voicemailFolders.indexOf(b.folder);
  return b.fileName.localeCompare(a.fileName);
}

/** Whether a message counts as new (unheard) in the mailbox's waiting indication. */
export function isUnheard(message: Pick<SpoolMessage, 'folder'>): boolean {
  return unheardFolders.includes(message.folder);
}
