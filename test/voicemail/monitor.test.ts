import { EventEmitter } from 'node:events';
import { mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEventBus, type EventBus } from '../../src/events/bus.js';
import { createLogger } from '../../src/logger.js';
import type { MailboxChange } from '../../src/voicemail/contract.js';
import { MailboxMonitor } from '../../src/voicemail/monitor.js';
import { VoicemailSpool } from '../../src/voicemail/spool.js';
import { folderPath, writeMessage } from './spool-fixture.js';
import { until } from '../support/subscriptions.js';

/** What the monitor makes of Asterisk's MessageWaiting events, its own checks and AMI reconnects. */

class FakeAmi extends EventEmitter {
  up = false;
  connected(): boolean {
    return this.up;
  }
  async action(): Promise<Record<string, string>> {
    throw new Error('the monitor sends no actions');
  }
  connect(): void {
    this.up = true;
    this.emit('connected');
  }
  drop(): void {
    this.up = false;
    this.emit('disconnected');
  }
  messageWaiting(mailbox: string, context = 'default'): void {
    this.emit('event', { Event: 'MessageWaiting', Privilege: 'call,all', Mailbox: `${mailbox}@${context}`, Waiting: '1', New: '1', Old: '0' });
  }
}

let spoolDir: string;
let bus: EventBus;
let ami: FakeAmi;
let monitor: MailboxMonitor;
let published: MailboxChange[];
let stopListening: () => void;

beforeEach(async () => {
  spoolDir = mkdtempSync(path.join(tmpdir(), 'pbx-vm-monitor-'));
  bus = createEventBus();
  ami = new FakeAmi();
  published = [];
  const events = bus.subscribe('voicemail', { lossless: true });
  stopListening = () => void events.return?.();
  void (async () => {
    for await (const change of events) published.push(change);
  })();
  monitor = new MailboxMonitor({ spool: new VoicemailSpool(spoolDir), bus, log: createLogger('silent'), ami: ami as never, now: () => new Date('2026-01-01T00:00:00Z') });
});
afterEach(async () => {
  monitor.stop();
  stopListening();
  await bus.close();
  rmSync(spoolDir, { recursive: true, force: true });
});

const settle = () => new Promise((r) => setTimeout(r, 50));

describe('MailboxMonitor', () => {
  it('announces nothing for what the spool held at start', async () => {
    writeMessage(spoolDir, '101', 'INBOX');
    await monitor.start();
    ami.messageWaiting('101');
    await settle();
    expect(published).toEqual([]);
  });

  it('a message arriving (MessageWaiting) is NEW_MESSAGE with its id and the counts after it', async () => {
    await monitor.start();
    ami.up = true;
    const m = writeMessage(spoolDir, '101', 'INBOX');
    ami.messageWaiting('101');
    await until(() => published.length === 1, 2000, 'an announcement');
    expect(published[0]).toEqual({ mailbox: '101', newMessages: 1, oldMessages: 0, reason: 'NEW_MESSAGE', messageId: m.msgId, at: '2026-01-01T00:00:00.000Z' });
  });

  it('a message heard (moved to Old) or deleted is CHANGED, never NEW_MESSAGE', async () => {
    writeMessage(spoolDir, '101', 'INBOX');
    writeMessage(spoolDir, '101', 'INBOX');
    await monitor.start();
    // As app_voicemail moves msg0000 to Old and renumbers INBOX.
    const [inbox, old] = [folderPath(spoolDir, '101', 'INBOX'), folderPath(spoolDir, '101', 'Old')];
    mkdirSync(old, { recursive: true });
    for (const ext of ['txt', 'wav']) renameSync(path.join(inbox, `msg0000.${ext}`), path.join(old, `msg0000.${ext}`));
    for (const ext of ['txt', 'wav']) renameSync(path.join(inbox, `msg0001.${ext}`), path.join(inbox, `msg0000.${ext}`));
    await monitor.check('101');
    expect(published).toEqual([{ mailbox: '101', newMessages: 1, oldMessages: 1, reason: 'CHANGED', messageId: null, at: '2026-01-01T00:00:00.000Z' }]);
    rmSync(path.join(old, 'msg0000.txt'));
    await monitor.check('101');
    expect(published.at(-1)).toMatchObject({ reason: 'CHANGED', newMessages: 1, oldMessages: 0 });
    // Nothing changed: nothing announced.
    await monitor.check('101');
    expect(published).toHaveLength(2);
  });

  it('ignores MessageWaiting of other contexts and of names that are not mailboxes', async () => {
    await monitor.start();
    ami.up = true;
    writeMessage(spoolDir, '101', 'INBOX');
    ami.messageWaiting('101', 'other');
    ami.emit('event', { Event: 'MessageWaiting', Mailbox: '../101@default', New: '1', Old: '0' });
    await settle();
    expect(published).toEqual([]);
  });

  it('on every AMI (re)connect, announces the messages left while it was away, each one', async () => {
    writeMessage(spoolDir, '101', 'INBOX', { origtime: 100 });
    await monitor.start();
    ami.connect();
    await settle();
    expect(published).toEqual([]);
    ami.drop();
    const first = writeMessage(spoolDir, '101', 'INBOX', { origtime: 200 });
    const second = writeMessage(spoolDir, '101', 'INBOX', { origtime: 300 });
    const other = writeMessage(spoolDir, '102', 'INBOX', { origtime: 250 });
    ami.connect();
    await until(() => published.length === 3, 2000, 'three announcements');
    const of101 = published.filter((c) => c.mailbox === '101');
    expect(of101.map((c) => [c.reason, c.messageId, c.newMessages])).toEqual([
      ['NEW_MESSAGE', first.msgId, 3],
      ['NEW_MESSAGE', second.msgId, 3],
    ]);
    expect(published.find((c) => c.mailbox === '102')).toMatchObject({ reason: 'NEW_MESSAGE', messageId: other.msgId, newMessages: 1 });
  });

  it('while another instance holds Asterisk, follows its announcements quietly and announces only later changes after taking over', async () => {
    await monitor.start();
    const m = writeMessage(spoolDir, '101', 'INBOX');
    // The instance holding Asterisk announced it (on the shared bus).
    bus.publish('voicemail', { mailbox: '101', newMessages: 1, oldMessages: 0, reason: 'NEW_MESSAGE', messageId: m.msgId, at: '2026-01-01T00:00:00.000Z' });
    await settle();
    const later = writeMessage(spoolDir, '101', 'INBOX');
    ami.connect();
    await until(() => published.length === 2, 2000, 'the announcement after taking over');
    await settle();
    expect(published.slice(1).map((c) => c.messageId)).toEqual([later.msgId]);
  });
});
