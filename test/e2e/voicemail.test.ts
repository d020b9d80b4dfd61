import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subscribe, until } from '../support/subscriptions.js';
import { callState, disconnected, e2eBinaries } from './support/index.js';
import { AMI_PASSWORD, ERRORS, findPrompt, startProduct, type Product } from './support/product.js';

/**
 * Voicemail on a real Asterisk (issue 10): 100 calls 101, which is offline,
 * and leaves a message by playing a WAV into the call; the message is
 * announced (subscription voicemailChanged, as 101's own user), listed with
 * its caller, downloaded as audio over its signed URL, marked read and then
 * deleted through Asterisk (AMI VoicemailMove / VoicemailRemove), and the
 * mailbox's message-waiting state follows each step: AMI MailboxCount and
 * MessageWaiting on a connection of the test's own, and the MWI NOTIFY that
 * 101's phone receives once it registers. A mailbox follows its extension:
 * renumbered, Asterisk counts its message under the new number; deleted, it
 * is gone. Without the binaries the file skips at once.
 */
const { ASTERISK, PJSUA } = e2eBinaries();

const MESSAGE = 'id mailbox folder callerNumber callerName durationSeconds receivedAt sizeBytes downloadUrl';
const BOX = 'newMessages oldMessages urgentMessages messageWaiting';
const WATCH = `subscription { voicemailChanged { mailbox newMessages oldMessages reason messageId message { id callerNumber callerName folder } } }`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The largest absolute sample of a 16-bit PCM WAV. */
function peakOfWav(buffer: Buffer): number {
  const data = buffer.indexOf('data');
  if (data < 0) return 0;
  let peak = 0;
  for (let i = data + 8; i + 1 < buffer.length; i += 2) peak = Math.max(peak, Math.abs(buffer.readInt16LE(i)));
  return peak;
}

describe.skipIf(!ASTERISK || !PJSUA)('voicemail on a real Asterisk: left, listed, downloaded, read, deleted, with MWI', () => {
  let product: Product;
  let token101: string;
  let ami: import('../../src/pbx/ami/client.js').AmiClient;
  const messageWaiting: Record<string, string>[] = [];

  const gql101 = async (query: string, variables: Record<string, unknown> = {}) => {
    const r = await product.server.gql(query, variables, token101);
    if (r.errors?.length) throw new Error(JSON.stringify(r.errors));
    return r.data;
  };
  /** What Asterisk's message-waiting state says (AMI MailboxCount), on the test's own AMI connection. */
  const mailboxCount = async () => {
    const answer = await ami.action({ Action: 'MailboxCount', Mailbox: '101@default' });
    return { new: Number(answer.NewMessages), old: Number(answer.OldMessages) };
  };
  const inboxFiles = () => {
    const inbox = path.join(product.pbx.spoolDir, 'voicemail/default/101/INBOX');
    return existsSync(inbox) ? readdirSync(inbox).filter((f) => /^msg\d{4}\.(txt|wav)$/.test(f)) : [];
  };

  beforeAll(async () => {
    product = await startProduct({ asterisk: ASTERISK!, pjsua: PJSUA! });
    await until(async () => (await product.gql(`{ pbxConfiguration { pendingReloads } }`)).pbxConfiguration.pendingReloads.length === 0, 15_000, 'the reloads pending since before Asterisk started');
    await product.createExtension('100');
    await product.createExtension('101');
    await product.gql(`mutation { setExtensionLoginPassword(extension: "101", password: "Login-pass-101") { ${ERRORS} } }`);
    token101 = await product.server.login('101', 'Login-pass-101');
    const { AmiClient } = await import('../../src/pbx/ami/client.js');
    ami = new AmiClient({ host: '127.0.0.1', port: product.ports.ami, username: 'pbx', password: AMI_PASSWORD });
    ami.on('event', (e) => {
      if (e.Event === 'MessageWaiting' && e.Mailbox === '101@default') messageWaiting.push(e);
    });
    ami.start();
    await until(() => ami.connected(), 10_000, 'the test AMI connection');
    await until(() => product.server.running.services.voicemail.asterisk.connected(), 10_000, "the server's AMI connection");
  }, 120_000);

  afterAll(async () => {
    await ami?.stop();
    await product?.stop();
  }, 60_000);

  it('a message left by 100 for offline 101 is announced, listed, downloadable, marked read and deleted, and MWI follows', async () => {
    expect(findPrompt(ASTERISK!), 'no hello-world.wav to play into the voicemail').toBeDefined();
    expect(await mailboxCount()).toEqual({ new: 0, old: 0 });
    const watch = subscribe(product.server.graphqlUrl, token101, WATCH);
    try {
      await watch.waitFor((r) => r.data?.voicemailChanged?.reason === 'CURRENT');
      expect(watch.results[0].data.voicemailChanged).toMatchObject({ mailbox: '101', newMessages: 0, oldMessages: 0 });

      // 100 calls 101, which has no phone registered: its voicemail answers; 100's phone plays the prompt (looped) after the beep.
      const caller = await product.phone('100');
      expect((await caller.waitForRegistration()).ok, caller.tail()).toBe(true);
      const log = product.logMark();
      await caller.call(product.uri('101'));
      await caller.waitFor(callState('CONFIRMED'), 15_000);
      await product.waitLog(/VoiceMail\("PJSIP\/100-[0-9a-f]+", "101@default,u"\)/, log);
      await product.waitLog(/Recording the message/, log, 20_000);
      await sleep(3000);
      caller.hangup();
      await caller.waitFor(disconnected, 5000);

      // Announced to 101's own subscription, with the message.
      const arrived = await watch.waitFor((r) => r.data?.voicemailChanged?.reason === 'NEW_MESSAGE', 15_000);
      const change = arrived.data.voicemailChanged;
      expect(change).toMatchObject({ mailbox: '101', newMessages: 1, oldMessages: 0, message: { callerNumber: '100', callerName: 'User 100', folder: 'NEW' } });
      const id: string = change.messageId;
      expect(change.message.id).toBe(id);

      // Listed with its caller, duration and time.
      const [message, ...others] = (await gql101(`{ voicemailMessages(mailbox: "101") { ${MESSAGE} } }`)).voicemailMessages;
      expect(others).toEqual([]);
      expect(message).toMatchObject({ id, mailbox: '101', folder: 'NEW', callerNumber: '100', callerName: 'User 100' });
      expect(message.durationSeconds).toBeGreaterThanOrEqual(2);
      expect(Math.abs(Date.parse(message.receivedAt) - Date.now())).toBeLessThan(60_000);
      expect(await mailboxCount()).toEqual({ new: 1, old: 0 });
      expect((await gql101(`{ voicemailBox { ${BOX} } }`)).voicemailBox).toEqual({ newMessages: 1, oldMessages: 0, urgentMessages: 0, messageWaiting: true });

      // Downloaded as audio over the signed URL: a WAV, 16-bit 8 kHz, at least two seconds, not silence.
      const response = await fetch(`${product.server.url}${message.downloadUrl}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('audio/wav');
      const audio = Buffer.from(await response.arrayBuffer());
      expect(audio.subarray(0, 4).toString()).toBe('RIFF');
      expect(audio.subarray(8, 12).toString()).toBe('WAVE');
      expect(audio.length).toBe(message.sizeBytes);
      expect(audio.length).toBeGreaterThan(32_000);
      expect(peakOfWav(audio), 'the recorded message is silent').toBeGreaterThan(2000);

      // 101's phone registers: Asterisk tells it a message is waiting.
      const phone101 = await product.phone('101');
      expect((await phone101.waitForRegistration()).ok, phone101.tail()).toBe(true);
      // The NOTIFY may come before the answer to the REGISTER is logged: searched from the phone's start.
      await phone101.waitFor(/Messages-Waiting: yes/, 10_000, { fromStart: true });

      // Marked read through Asterisk: the message moves to Old, the counts and the lamp follow.
      const mwiBefore = messageWaiting.length;
      const read = await gql101(
        `mutation($ids: [ID!]!) { markVoicemailRead(mailbox: "101", messageIds: $ids) { ${ERRORS} ... on MutationMarkVoicemailReadSuccess { data { messages { id folder } box { ${BOX} } } } } }`,
        {
          ids: [id],
        },
      );
      expect(read.markVoicemailRead.data).toEqual({ messages: [{ id, folder: 'OLD' }], box: { newMessages: 0, oldMessages: 1, urgentMessages: 0, messageWaiting: false } });
      expect(await mailboxCount()).toEqual({ new: 0, old: 1 });
      await until(() => messageWaiting.length > mwiBefore, 5000, 'MessageWaiting after the move');
      expect(messageWaiting.at(-1)).toMatchObject({ New: '0', Old: '1' });
      expect((await watch.waitFor((r) => r.data?.voicemailChanged?.reason === 'CHANGED')).data.voicemailChanged).toMatchObject({ newMessages: 0, oldMessages: 1 });
      await phone101.waitFor(/Messages-Waiting: no/, 10_000);
      expect(inboxFiles()).toEqual([]);
      // Its link still works from Old.
      const [moved] = (await gql101(`{ voicemailMessages(mailbox: "101", folder: OLD) { ${MESSAGE} } }`)).voicemailMessages;
      expect(moved.id).toBe(id);
      expect((await fetch(`${product.server.url}${moved.downloadUrl}`)).status).toBe(200);

      // Deleted through Asterisk.
      const changes = watch.results.length;
      const deleted = await gql101(
        `mutation($ids: [ID!]!) { deleteVoicemail(mailbox: "101", messageIds: $ids) { ${ERRORS} ... on MutationDeleteVoicemailSuccess { data { deletedIds box { ${BOX} } } } } }`,
        { ids: [id] },
      );
      expect(deleted.deleteVoicemail.data).toEqual({ deletedIds: [id], box: { newMessages: 0, oldMessages: 0, urgentMessages: 0, messageWaiting: false } });
      expect((await gql101(`{ voicemailMessages(mailbox: "101") { id } }`)).voicemailMessages).toEqual([]);
      expect(await mailboxCount()).toEqual({ new: 0, old: 0 });
      await until(() => watch.results.length > changes, 5000, 'the change after the deletion');
      expect(watch.results.at(-1).data.voicemailChanged).toMatchObject({ reason: 'CHANGED', newMessages: 0, oldMessages: 0 });
      expect((await fetch(`${product.server.url}${moved.downloadUrl}`)).status).toBe(404);
    } finally {
      await watch.close();
    }
  }, 120_000);

  it('renumbered, offline 102 takes its message to 150, where Asterisk counts it; deleted, the message goes with it', async () => {
    const countOf = async (mailbox: string) => {
      const answer = await ami.action({ Action: 'MailboxCount', Mailbox: `${mailbox}@default` });
      return { new: Number(answer.NewMessages), old: Number(answer.OldMessages) };
    };
    await product.createExtension('102');
    const caller = await product.phone('100');
    expect((await caller.waitForRegistration()).ok, caller.tail()).toBe(true);
    const log = product.logMark();
    await caller.call(product.uri('102'));
    await caller.waitFor(callState('CONFIRMED'), 15_000);
    await product.waitLog(/Recording the message/, log, 20_000);
    await sleep(3000);
    caller.hangup();
    await caller.waitFor(disconnected, 5000);
    await until(async () => (await countOf('102')).new === 1, 15_000, 'the message in 102');

    const id102 = (await product.gql(`{ extension(number: "102") { id } }`)).extension.id;
    await product.mutateApplied('updateExtension', `mutation($id: ID!) { updateExtension(id: $id, input: { number: "150" }) { ${ERRORS} ... on MutationUpdateExtensionSuccess { data { id } } } }`, {
      id: id102,
    });
    expect(await countOf('150')).toEqual({ new: 1, old: 0 });
    expect(await countOf('102')).toEqual({ new: 0, old: 0 });
    const [moved] = (await product.gql(`{ voicemailMessages(mailbox: "150") { id callerNumber folder } }`)).voicemailMessages;
    expect(moved).toMatchObject({ callerNumber: '100', folder: 'NEW' });

    await product.mutateApplied('deleteExtensions', `mutation($ids: [ID!]!) { deleteExtensions(ids: $ids) { ${ERRORS} ... on MutationDeleteExtensionsSuccess { data { count } } } }`, { ids: [id102] });
    expect(existsSync(path.join(product.pbx.spoolDir, 'voicemail/default/150'))).toBe(false);
    await product.createExtension('150');
    expect(await countOf('150')).toEqual({ new: 0, old: 0 });
    expect((await product.gql(`{ voicemailMessages(mailbox: "150") { id } }`)).voicemailMessages).toEqual([]);
  }, 120_000);
});
