import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseCallerId, parseMessageInfo } from '../../src/voicemail/message-file.js';
import { VoicemailSpool } from '../../src/voicemail/spool.js';
import { folderPath, messageText, writeMessage } from './spool-fixture.js';

/** The spool reader over a spool folder the test writes in app_voicemail's file format. */

describe('the message information file', () => {
  it('reads the fields app_voicemail writes', () => {
    const info = parseMessageInfo(messageText('101', { msgId: '1733130000-0000000a', origtime: 1733130000, durationSeconds: 7, callerId: '"User 100" <100>' }));
    expect(info).toEqual({
      msgId: '1733130000-0000000a',
      callerId: '"User 100" <100>',
      callerNumber: '100',
      callerName: 'User 100',
      durationSeconds: 7,
      receivedAt: new Date(1733130000 * 1000),
      flag: '',
    });
  });

  it('takes only the [message] section, the first value of a key, `=>` and escaped semicolons as Asterisk does', () => {
    const info = parseMessageInfo(
      ['[other]', 'msg_id=wrong', '[message]', 'msg_id => 1-00000001 ; a comment', 'msg_id=2-00000002', 'callerid="Smith\\; John" <200>', 'flag=Urgent', 'duration=x'].join('\n'),
    );
    expect(info.msgId).toBe('1-00000001');
    expect(info.callerName).toBe('Smith; John');
    expect(info.callerNumber).toBe('200');
    expect(info.flag).toBe('Urgent');
    expect(info.durationSeconds).toBe(0);
    expect(info.receivedAt).toBeNull();
  });

  it('a file without msg_id (written before Asterisk 12) has no id', () => {
    expect(parseMessageInfo(messageText('101', { msgId: null, origtime: 1 })).msgId).toBeNull();
  });

  it('splits caller IDs like ast_callerid_parse', () => {
    expect(parseCallerId('"User 100" <100>')).toEqual({ number: '100', name: 'User 100' });
    expect(parseCallerId('Alice <+4930123>')).toEqual({ number: '+4930123', name: 'Alice' });
    expect(parseCallerId('<100>')).toEqual({ number: '100', name: null });
    expect(parseCallerId('030 123-45')).toEqual({ number: '03012345', name: null });
    expect(parseCallerId('Reception')).toEqual({ number: null, name: 'Reception' });
    expect(parseCallerId('Unknown')).toEqual({ number: null, name: null });
    expect(parseCallerId('')).toEqual({ number: null, name: null });
  });
});

describe('VoicemailSpool', () => {
  let spoolDir: string;
  let spool: VoicemailSpool;
  beforeEach(() => {
    spoolDir = mkdtempSync(path.join(tmpdir(), 'pbx-vm-spool-'));
    spool = new VoicemailSpool(spoolDir);
  });
  afterEach(() => rmSync(spoolDir, { recursive: true, force: true }));

  it('lists the messages of every folder, newest first, with caller, duration, time, id and folder', async () => {
    const a = writeMessage(spoolDir, '101', 'INBOX', { origtime: 1_700_000_100, callerId: '"Alice" <200>', durationSeconds: 4 });
    const b = writeMessage(spoolDir, '101', 'Old', { origtime: 1_700_000_000, callerId: '<300>', durationSeconds: 9 });
    const c = writeMessage(spoolDir, '101', 'Urgent', { origtime: 1_700_000_200, flag: 'Urgent' });
    const d = writeMessage(spoolDir, '101', 'Work', { origtime: 1_700_000_050, noAudio: true });
    writeMessage(spoolDir, '102', 'INBOX', { origtime: 1_700_000_300 });
    const messages = await spool.messages('101');
    expect(messages.map((m) => [m.msgId, m.folder])).toEqual([
      [c.msgId, 'URGENT'],
      [a.msgId, 'NEW'],
      [d.msgId, 'WORK'],
      [b.msgId, 'OLD'],
    ]);
    expect(messages[1]).toMatchObject({
      mailbox: '101',
      callerNumber: '200',
      callerName: 'Alice',
      durationSeconds: 4,
      receivedAt: new Date(1_700_000_100_000),
      fileName: 'msg0000',
      audioBytes: 16_044,
    });
    expect(messages[3]).toMatchObject({ callerNumber: '300', callerName: null, durationSeconds: 9 });
    expect(messages[2]!.audioBytes).toBeNull();
    expect((await spool.messages('101', ['OLD'])).map((m) => m.msgId)).toEqual([b.msgId]);
  });

  it('counts as the waiting indication does: urgent messages are new too', async () => {
    writeMessage(spoolDir, '101', 'INBOX');
    writeMessage(spoolDir, '101', 'INBOX');
    writeMessage(spoolDir, '101', 'Urgent');
    writeMessage(spoolDir, '101', 'Old');
    writeMessage(spoolDir, '101', 'Work');
    expect(await spool.counts('101')).toEqual({ newMessages: 3, oldMessages: 1, urgentMessages: 1 });
  });

  it('a mailbox without a spool folder is empty, and the spool without voicemail has no mailboxes', async () => {
    expect(await spool.messages('105')).toEqual([]);
    expect(await spool.counts('105')).toEqual({ newMessages: 0, oldMessages: 0, urgentMessages: 0 });
    expect(await spool.mailboxes()).toEqual([]);
    writeMessage(spoolDir, '102', 'INBOX');
    writeMessage(spoolDir, '101', 'Old');
    mkdirSync(path.join(spoolDir, 'voicemail/default/not-a-box'), { recursive: true });
    expect(await spool.mailboxes()).toEqual(['101', '102']);
  });

  it('finds a message by its id in any folder and opens its WAV', async () => {
    const m = writeMessage(spoolDir, '101', 'Old', { audioBytes: 3200 });
    expect((await spool.find('101', m.msgId!))?.folder).toBe('OLD');
    expect(await spool.find('101', 'nope')).toBeNull();
    const audio = await spool.openAudio('101', m.msgId!);
    expect(audio?.sizeBytes).toBe(3244);
    expect(audio?.fileName).toBe(`voicemail-101-${m.msgId}.wav`);
    const head = Buffer.alloc(4);
    await audio!.handle.read(head, 0, 4, 0);
    await audio!.handle.close();
    expect(head.toString()).toBe('RIFF');
  });

  it('never takes a name from outside: mailbox names are numbers, file names come from the listing, links are not followed', async () => {
    await expect(spool.messages('../101')).rejects.toThrow(/not a mailbox name/);
    await expect(spool.counts('101/../../etc')).rejects.toThrow(/not a mailbox name/);
    expect(await spool.openAudio('101', '../../../etc/passwd')).toBeNull();
    // A message file reached through a link, files not named msgNNNN, and a WAV that is a link are ignored.
    const outside = mkdtempSync(path.join(tmpdir(), 'pbx-vm-outside-'));
    try {
      writeFileSync(path.join(outside, 'secret.txt'), messageText('101', { msgId: '9-00000009', origtime: 9 }));
      writeFileSync(path.join(outside, 'secret.wav'), 'not for you');
      const inbox = folderPath(spoolDir, '101', 'INBOX');
      mkdirSync(inbox, { recursive: true });
      symlinkSync(path.join(outside, 'secret.txt'), path.join(inbox, 'msg0000.txt'));
      writeFileSync(path.join(inbox, 'notes.txt'), messageText('101', { msgId: '8-00000008', origtime: 8 }));
      writeFileSync(path.join(inbox, 'msg12.txt'), messageText('101', { msgId: '7-00000007', origtime: 7 }));
      const real = writeMessage(spoolDir, '101', 'Old');
      rmSync(path.join(folderPath(spoolDir, '101', 'Old'), `${real.fileName}.wav`));
      symlinkSync(path.join(outside, 'secret.wav'), path.join(folderPath(spoolDir, '101', 'Old'), `${real.fileName}.wav`));
      const listed = await spool.messages('101');
      expect(listed.map((m) => m.msgId)).toEqual([real.msgId]);
      expect(listed[0]!.audioBytes).toBeNull();
      expect(await spool.openAudio('101', real.msgId!)).toBeNull();
      expect(await spool.openAudio('101', '9-00000009')).toBeNull();
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });
});
