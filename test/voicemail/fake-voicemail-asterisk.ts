import { readdirSync, readFileSync, renameSync, rmSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { wireMessage, type FakeAmiServer, type FakeConnection, type FakeRequest } from '../pbx/ami/fake-ami-server.js';
import { folderPath, nextFileName, writeMessage, type TestMessage } from './spool-fixture.js';

const folders = ['INBOX', 'Old', 'Work', 'Family', 'Friends', 'Cust1', 'Cust2', 'Cust3', 'Cust4', 'Cust5', 'Deleted', 'Urgent'];

/**
 * app_voicemail of Asterisk 22 behind the fake AMI server, over a spool the
 * test owns (apps/app_voicemail.c, main/manager.c, main/manager_mwi.c):
 * VoicemailMove and VoicemailRemove find the message by msg_id in the folder
 * named, move or delete its files, renumber the folder as close_mailbox does,
 * answer Success with "Message move successful\n" / "... failed\n" (the LF is
 * Asterisk's), and send MessageWaiting with the counts after. Missing parameters get Asterisk's errors.
 */
export class FakeVoicemailAsterisk {
  /** Answer "failed" to every move and removal (the message stays). */
  refuse = false;

  constructor(
    private readonly ami: FakeAmiServer,
    private readonly spoolDir: string,
  ) {
    ami.on('VoicemailMove', (request, connection) => this.move(request, connection));
    ami.on('VoicemailRemove', (request, connection) => this.remove(request, connection));
  }

  /** Leaves a message in INBOX (or Urgent) as VoiceMail() does, then sends MessageWaiting with the caller's channel. */
  async leaveMessage(mailbox: string, message: TestMessage = {}, folder = 'INBOX'): Promise<string> {
    const { msgId } = writeMessage(this.spoolDir, mailbox, folder, message);
    await this.messageWaiting(mailbox, { Channel: 'PJSIP/100-00000002', ChannelState: '6', ChannelStateDesc: 'Up', CallerIDNum: '100', CallerIDName: 'User 100', Uniqueid: '1733130000.4' });
    return msgId!;
  }

  counts(mailbox: string): { urgent: number; inbox: number; old: number } {
    const n = (folder: string) => this.files(mailbox, folder).length;
    return { urgent: n('Urgent'), inbox: n('INBOX'), old: n('Old') };
  }

  private files(mailbox: string, folder: string): string[] {
    try {
      return readdirSync(folderPath(this.spoolDir, mailbox, folder))
        .filter((f) => /^msg\d{4}\.txt$/.test(f))
        .sort();
    } catch {
      return [];
    }
  }

  private async messageWaiting(mailbox: string, channel: Record<string, string> = {}): Promise<void> {
    const { urgent, inbox, old } = this.counts(mailbox);
    await this.ami.broadcast(
      wireMessage({
        Event: 'MessageWaiting',
        Privilege: 'call,all',
        ...channel,
        Mailbox: `${mailbox}@default`,
        Waiting: inbox + urgent > 0 ? '1' : '0',
        New: String(inbox + urgent),
        Old: String(old),
      }),
    );
  }

  /** The file (msgNNNN) holding msg_id in the folder, or null. */
  private fileOf(mailbox: string, folder: string, id: string): string | null {
    for (const file of this.files(mailbox, folder)) {
      const text = readFileSync(path.join(folderPath(this.spoolDir, mailbox, folder), file), 'utf8');
      if (new RegExp(`^msg_id=${id.replace(/[^0-9a-zA-Z-]/g, '\\$&')}$`, 'm').test(text)) return file.slice(0, -4);
    }
    return null;
  }

  /** close_mailbox: the messages left are numbered from msg0000 without gaps. */
  private renumber(mailbox: string, folder: string): void {
    const dir = folderPath(this.spoolDir, mailbox, folder);
    this.files(mailbox, folder).forEach((file, i) => {
      const to = `msg${String(i).padStart(4, '0')}`;
      const from = file.slice(0, -4);
      if (from === to) return;
      for (const ext of ['txt', 'wav']) {
        try {
          renameSync(path.join(dir, `${from}.${ext}`), path.join(dir, `${to}.${ext}`));
        } catch {
          /* no such format */
        }
      }
    });
  }

  private missing(request: FakeRequest, names: string[]): string | null {
    for (const name of names) if (!request[name]) return `${name} not specified, required`;
    return null;
  }

  private async ack(connection: FakeConnection, request: FakeRequest, message: string): Promise<void> {
    // astman_send_ack with a message that ends in LF: "Message: ...\n\r\n\r\n".
    await connection.send(`Response: Success\r\nActionID: ${request.ActionID}\r\nMessage: ${message}\n\r\n\r\n`);
  }

  private async error(connection: FakeConnection, request: FakeRequest, message: string): Promise<void> {
    await connection.send(wireMessage({ Response: 'Error', ActionID: request.ActionID ?? '', Message: message }));
  }

  private known(request: FakeRequest): boolean {
    return request.Context === 'default' && folders.includes(request.Folder!);
  }

  private async move(request: FakeRequest, connection: FakeConnection): Promise<void> {
    const missing = this.missing(request, ['Mailbox', 'Context', 'Folder', 'ID', 'ToFolder']);
    if (missing) return this.error(connection, request, missing);
    const { Mailbox: mailbox, Folder: from, ToFolder: to, ID: id } = request as Required<Record<'Mailbox' | 'Folder' | 'ToFolder' | 'ID', string>>;
    const file = this.known(request) && folders.includes(to) && !this.refuse ? this.fileOf(mailbox, from, id) : null;
    if (!file) return this.ack(connection, request, 'Message move failed');
    const target = folderPath(this.spoolDir, mailbox, to);
    mkdirSync(target, { recursive: true });
    const name = nextFileName(target);
    for (const ext of ['txt', 'wav']) {
      try {
        renameSync(path.join(folderPath(this.spoolDir, mailbox, from), `${file}.${ext}`), path.join(target, `${name}.${ext}`));
      } catch {
        /* no such format */
      }
    }
    this.renumber(mailbox, from);
    await this.ack(connection, request, 'Message move successful');
    await this.messageWaiting(mailbox);
  }

  private async remove(request: FakeRequest, connection: FakeConnection): Promise<void> {
    const missing = this.missing(request, ['Mailbox', 'Context', 'Folder', 'ID']);
    if (missing) return this.error(connection, request, missing);
    const { Mailbox: mailbox, Folder: folder, ID: id } = request as Required<Record<'Mailbox' | 'Folder' | 'ID', string>>;
    const file = this.known(request) && !this.refuse ? this.fileOf(mailbox, folder, id) : null;
    if (!file) return this.ack(connection, request, 'Message remove failed');
    for (const ext of ['txt', 'wav']) rmSync(path.join(folderPath(this.spoolDir, mailbox, folder), `${file}.${ext}`), { force: true });
    this.renumber(mailbox, folder);
    await this.ack(connection, request, 'Message remove successful');
    await this.messageWaiting(mailbox);
  }
}
