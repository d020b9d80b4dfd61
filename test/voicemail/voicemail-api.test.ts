import { existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAriStandin, type AriStandin } from '../support/ari-standin/index.js';
import { ERROR_FIELDS, ok, startTestServer, type TestServer } from '../support/server.js';
import { subscribe, until } from '../support/subscriptions.js';
import { FakeAmiServer } from '../pbx/ami/fake-ami-server.js';
import { FakeVoicemailAsterisk } from './fake-voicemail-asterisk.js';
import { folderPath, writeMessage } from './spool-fixture.js';

/**
 * Voicemail over GraphQL and HTTP: listing from the spool the test writes,
 * counts, the signed and Bearer downloads, reading and deleting through a
 * fake app_voicemail behind AMI, the subscription, who may do what, and
 * names from the client that must not reach the file system.
 */

const MESSAGE = 'id mailbox folder callerNumber callerName callerId durationSeconds receivedAt sizeBytes downloadUrl';
const BOX = 'mailbox newMessages oldMessages urgentMessages messageWaiting';
const ERRORS = `${ERROR_FIELDS} ... on NotPermittedError { path } ... on ConflictError { path }`;
const LIST = `query($mailbox: String!, $folder: VoicemailFolder) { voicemailMessages(mailbox: $mailbox, folder: $folder) { ${MESSAGE} } }`;
const BOX_QUERY = `query($mailbox: String) { voicemailBox(mailbox: $mailbox) { ${BOX} } }`;
const READ = `mutation($mailbox: String!, $ids: [ID!]!) { markVoicemailRead(mailbox: $mailbox, messageIds: $ids) { ${ERRORS} ... on MutationMarkVoicemailReadSuccess { data { messages { ${MESSAGE} } box { ${BOX} } } } } }`;
const DELETE = `mutation($mailbox: String!, $ids: [ID!]!) { deleteVoicemail(mailbox: $mailbox, messageIds: $ids) { ${ERRORS} ... on MutationDeleteVoicemailSuccess { data { deletedIds count box { ${BOX} } } } } }`;
const WATCH = `subscription($mailbox: String) { voicemailChanged(mailbox: $mailbox) { mailbox newMessages oldMessages reason messageId message { id callerNumber folder } at } }`;

let spoolDir: string;
let standin: AriStandin;
let ami: FakeAmiServer;
let asterisk: FakeVoicemailAsterisk;
let server: TestServer;
let ext101: string;
let ext102: string;
let operator: string;
let readKey: string;
let extensionsKey: string;
const ids: Record<string, string> = {};

const gql = (query: string, variables: Record<string, unknown> = {}, token = server.adminToken) => server.gql(query, variables, token);
const download = (url: string, headers: Record<string, string> = {}, method = 'GET') => fetch(`${server.url}${url}`, { method, headers });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const amiActions = (action: string) => ami.requests.filter((r) => r.Action === action);
const list = async (mailbox: string, token = server.adminToken, folder?: string) => {
  const r = await gql(LIST, { mailbox, folder }, token);
  if (r.errors) throw new Error(JSON.stringify(r.errors));
  return r.data.voicemailMessages as any[];
};

beforeAll(async () => {
  spoolDir = mkdtempSync(path.join(tmpdir(), 'pbx-vm-api-'));
  // 101: an old message from Bob, then (newer) one from User 100; 102: one new message; Work holds one without a WAV.
  ids.old = writeMessage(spoolDir, '101', 'Old', { origtime: 1_700_000_000, callerId: '"Bob" <200>', durationSeconds: 12 }).msgId!;
  ids.new = writeMessage(spoolDir, '101', 'INBOX', { origtime: 1_700_000_500, callerId: '"User 100" <100>', durationSeconds: 5, audioBytes: 40_000 }).msgId!;
  ids.work = writeMessage(spoolDir, '101', 'Work', { origtime: 1_699_000_000, callerId: 'Unknown', noAudio: true }).msgId!;
  ids.of102 = writeMessage(spoolDir, '102', 'INBOX', { origtime: 1_700_000_100 }).msgId!;
  standin = await startAriStandin({ username: 'pbx', password: 'ari-test-pass' });
  ami = await FakeAmiServer.start({ username: 'pbx', secret: 'ami-test-pass' });
  asterisk = new FakeVoicemailAsterisk(ami, spoolDir);
  server = await startTestServer({
    ARI_URL: standin.url,
    ARI_PASSWORD: 'ari-test-pass',
    AMI_PORT: String(ami.port),
    AMI_PASSWORD: 'ami-test-pass',
    ASTERISK_SPOOL_DIR: spoolDir,
    APPLY_DEBOUNCE_MS: '20',
  });
  ok(await gql(`mutation { createExtensions(input: { startNumber: "100", count: 4 }) { ${ERROR_FIELDS} ... on MutationCreateExtensionsSuccess { data { count } } } }`), 'createExtensions');
  const e103 = (await gql(`{ extension(number: "103") { id } }`)).data.extension.id;
  ok(
    await gql(`mutation($id: ID!) { updateExtension(id: $id, input: { voicemailEnabled: false }) { ${ERROR_FIELDS} ... on MutationUpdateExtensionSuccess { data { id } } } }`, { id: e103 }),
    'updateExtension',
  );
  for (const n of ['101', '102'])
    ok(await gql(`mutation { setExtensionLoginPassword(extension: "${n}", password: "Login-pass-${n}") { __typename ... on Error { message } } }`), 'setExtensionLoginPassword');
  ext101 = await server.login('101', 'Login-pass-101');
  ext102 = await server.login('102', 'Login-pass-102');
  await gql(`mutation { createAccount(input: { username: "op1", password: "Operator-pw1", role: OPERATOR }) { __typename } }`);
  operator = await server.login('op1', 'Operator-pw1');
  const key = async (scopes: string) =>
    ok(await gql(`mutation { createApiKey(name: "k-${scopes}", scopes: [${scopes}]) { ${ERROR_FIELDS} ... on MutationCreateApiKeySuccess { data { secret } } } }`), 'createApiKey').secret as string;
  readKey = await key('VOICEMAIL_READ');
  extensionsKey = await key('EXTENSIONS_READ');
  await until(() => server.running.services.voicemail.asterisk.connected(), 10_000, 'AMI connected');
});
afterAll(async () => {
  await server?.stop();
  await standin?.stop();
  await ami?.close();
  rmSync(spoolDir, { recursive: true, force: true });
});

describe('listing and counts', () => {
  it('lists a mailbox newest first with caller number and name, duration, time, id and folder', async () => {
    const messages = await list('101');
    expect(messages.map((m) => [m.id, m.folder])).toEqual([
      [ids.new, 'NEW'],
      [ids.old, 'OLD'],
      [ids.work, 'WORK'],
    ]);
    expect(messages[0]).toMatchObject({
      mailbox: '101',
      callerNumber: '100',
      callerName: 'User 100',
      callerId: '"User 100" <100>',
      durationSeconds: 5,
      receivedAt: new Date(1_700_000_500_000).toISOString(),
      sizeBytes: 40_044,
    });
    expect(messages[1]).toMatchObject({ callerNumber: '200', callerName: 'Bob', durationSeconds: 12 });
    expect(messages[2]).toMatchObject({ callerNumber: null, callerName: null, callerId: 'Unknown', sizeBytes: null, downloadUrl: null });
    expect(messages[0].downloadUrl).toMatch(new RegExp(`^/voicemail/101/${ids.new}\\.wav\\?token=[\\w-]+\\.[\\w-]+\\.[\\w-]+$`));
  });

  it('lists one folder when asked', async () => {
    expect((await list('101', server.adminToken, 'OLD')).map((m) => m.id)).toEqual([ids.old]);
    expect(await list('101', server.adminToken, 'FRIENDS')).toEqual([]);
  });

  it('voicemailBox gives the counts the waiting indication shows', async () => {
    const r = await gql(BOX_QUERY, { mailbox: '101' });
    expect(r.data.voicemailBox).toEqual({ mailbox: '101', newMessages: 1, oldMessages: 1, urgentMessages: 0, messageWaiting: true });
    expect((await gql(BOX_QUERY, { mailbox: '100' })).data.voicemailBox).toEqual({ mailbox: '100', newMessages: 0, oldMessages: 0, urgentMessages: 0, messageWaiting: false });
  });

  it('a mailbox that is no extension, or no number at all, is refused without touching the file system', async () => {
    for (const mailbox of ['999', '../101', '101/../102', '']) {
      const r = await gql(LIST, { mailbox });
      expect(r.data).toBeNull();
      expect(r.errors?.[0]?.message, mailbox).toMatch(/mailbox: no extension/);
    }
  });
});

describe('who may see and change which mailbox', () => {
  it('an extension user reads its own mailbox (and voicemailBox defaults to it), not another one', async () => {
    expect((await list('101', ext101)).map((m) => m.id)).toEqual([ids.new, ids.old, ids.work]);
    expect((await gql(BOX_QUERY, {}, ext101)).data.voicemailBox).toMatchObject({ mailbox: '101', newMessages: 1 });
    const other = await gql(LIST, { mailbox: '102' }, ext101);
    expect(other.errors?.[0]).toMatchObject({ message: 'An extension user may use only its own mailbox', extensions: { code: 'FORBIDDEN' } });
    expect((await gql(BOX_QUERY, { mailbox: '102' }, ext101)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('an extension user cannot mark read or delete in another mailbox', async () => {
    for (const [query, field] of [
      [READ, 'markVoicemailRead'],
      [DELETE, 'deleteVoicemail'],
    ] as const) {
      const r = await gql(query, { mailbox: '102', ids: [ids.of102] }, ext101);
      expect(r.data[field]).toMatchObject({ __typename: 'NotPermittedError', path: ['mailbox'] });
    }
    expect(amiActions('VoicemailMove')).toHaveLength(0);
    expect(amiActions('VoicemailRemove')).toHaveLength(0);
  });

  it('accounts and API keys need voicemail:read to read and voicemail:write to change', async () => {
    expect((await list('102', operator)).map((m) => m.id)).toEqual([ids.of102]);
    expect((await list('102', readKey)).map((m) => m.id)).toEqual([ids.of102]);
    expect((await gql(LIST, { mailbox: '102' }, extensionsKey)).errors?.[0]).toMatchObject({ message: 'Not permitted: voicemail:read' });
    expect((await gql(LIST, { mailbox: '102' }, '')).errors?.[0]).toMatchObject({ message: 'Not authenticated' });
    expect((await gql(BOX_QUERY, {}, server.adminToken)).errors?.[0]?.message).toBe('mailbox: required (only an extension user has a mailbox of its own)');
    for (const token of [operator, readKey]) {
      const r = await gql(READ, { mailbox: '102', ids: [ids.of102] }, token);
      expect(r.data.markVoicemailRead).toMatchObject({ __typename: 'NotPermittedError', message: 'Not permitted: voicemail:write' });
    }
    expect(amiActions('VoicemailMove')).toHaveLength(0);
  });
});

describe('downloads', () => {
  it('the signed URL serves the WAV, audio/wav with its length, without any other credential', async () => {
    const [message] = await list('101');
    const response = await download(message.downloadUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('audio/wav');
    expect(response.headers.get('content-length')).toBe('40044');
    expect(response.headers.get('cache-control')).toBe('private, no-store');
    const body = Buffer.from(await response.arrayBuffer());
    expect(body.length).toBe(40_044);
    expect(body.subarray(0, 4).toString()).toBe('RIFF');
    expect(body.subarray(8, 12).toString()).toBe('WAVE');
    const head = await download(message.downloadUrl, {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('40044');
  });

  it('a URL signed for one message opens no other, and a bad or missing token opens none', async () => {
    const [newer, older] = await list('101');
    const token = new URL(newer.downloadUrl, server.url).searchParams.get('token');
    expect((await download(`/voicemail/101/${older.id}.wav?token=${token}`)).status).toBe(403);
    expect((await download(`/voicemail/102/${newer.id}.wav?token=${token}`)).status).toBe(403);
    expect((await download(`/voicemail/101/${newer.id}.wav?token=not.a.token`)).status).toBe(401);
    expect((await download(`/voicemail/101/${newer.id}.wav`)).status).toBe(401);
    // An access token is not a download token.
    expect((await download(`/voicemail/101/${newer.id}.wav?token=${server.adminToken}`)).status).toBe(401);
    expect((await download(newer.downloadUrl, {}, 'DELETE')).status).toBe(405);
  });

  it('a Bearer token with the right works without the token parameter', async () => {
    const path101 = `/voicemail/101/${ids.new}.wav`;
    expect((await download(path101, bearer(server.adminToken))).status).toBe(200);
    expect((await download(path101, bearer(readKey))).status).toBe(200);
    expect((await download(path101, bearer(ext101))).status).toBe(200);
    expect((await download(path101, bearer(ext102))).status).toBe(403);
    expect((await download(path101, bearer(extensionsKey))).status).toBe(403);
    expect((await download(path101, bearer('nonsense'))).status).toBe(401);
    expect((await download(`/voicemail/102/${ids.of102}.wav`, bearer(ext102))).status).toBe(200);
  });

  it('paths that try to leave the mailbox, or name files instead of messages, find nothing', async () => {
    writeFileSync(path.join(spoolDir, 'outside.wav'), 'secret');
    const attempts = [
      `/voicemail/101/..%2F..%2F..%2Foutside.wav`,
      `/voicemail/..%2F101/${ids.new}.wav`,
      `/voicemail/101/../../outside.wav`,
      `/voicemail/101/msg0000.wav`,
      `/voicemail/101/INBOX%2Fmsg0000.wav`,
      `/voicemail/101/${ids.work}.wav`,
      `/voicemail/999/${ids.new}.wav`,
    ];
    for (const attempt of attempts) {
      const response = await download(attempt, bearer(server.adminToken));
      expect(response.status, attempt).toBe(404);
      expect(await response.text()).not.toMatch(/secret/);
    }
  });

  it('a WAV that is a link out of the spool is not served', async () => {
    const outside = mkdtempSync(path.join(tmpdir(), 'pbx-vm-outside-'));
    try {
      writeFileSync(path.join(outside, 'secret.wav'), 'secret');
      const planted = writeMessage(spoolDir, '100', 'Old', { noAudio: true });
      symlinkSync(path.join(outside, 'secret.wav'), path.join(folderPath(spoolDir, '100', 'Old'), `${planted.fileName}.wav`));
      const [message] = await list('100');
      expect(message).toMatchObject({ id: planted.msgId, sizeBytes: null, downloadUrl: null });
      expect((await download(`/voicemail/100/${planted.msgId}.wav`, bearer(server.adminToken))).status).toBe(404);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });
});

describe('reading and deleting through Asterisk', () => {
  it('unknown message ids are NOT_FOUND issues at their place in messageIds, and nothing is sent to Asterisk', async () => {
    const r = await gql(READ, { mailbox: '101', ids: [ids.new, '../../../etc/passwd', 'msg0000', ids.of102] });
    expect(r.data.markVoicemailRead.__typename).toBe('ValidationError');
    expect(r.data.markVoicemailRead.issues).toEqual([
      { path: ['messageIds', '1'], message: 'mailbox 101 has no message ../../../etc/passwd', code: 'NOT_FOUND' },
      { path: ['messageIds', '2'], message: 'mailbox 101 has no message msg0000', code: 'NOT_FOUND' },
      { path: ['messageIds', '3'], message: `mailbox 101 has no message ${ids.of102}`, code: 'NOT_FOUND' },
    ]);
    const d = await gql(DELETE, { mailbox: '101', ids: [] });
    expect(d.data.deleteVoicemail.issues).toEqual([{ path: ['messageIds'], message: 'name at least one message', code: 'REQUIRED' }]);
    expect(amiActions('VoicemailMove')).toHaveLength(0);
    expect(amiActions('VoicemailRemove')).toHaveLength(0);
  });

  it('markVoicemailRead moves a new message to Old through VoicemailMove; counts and the subscription follow', async () => {
    const watch = subscribe(server.graphqlUrl, ext101, WATCH);
    try {
      const current = await watch.waitFor((r) => r.data?.voicemailChanged?.reason === 'CURRENT');
      expect(current.data.voicemailChanged).toMatchObject({ mailbox: '101', newMessages: 1, oldMessages: 1, messageId: null, message: null });
      const r = await gql(READ, { mailbox: '101', ids: [ids.new, ids.old] }, ext101);
      const data = ok(r, 'markVoicemailRead');
      expect(data.messages.map((m: any) => [m.id, m.folder])).toEqual([
        [ids.new, 'OLD'],
        [ids.old, 'OLD'],
      ]);
      expect(data.box).toEqual({ mailbox: '101', newMessages: 0, oldMessages: 2, urgentMessages: 0, messageWaiting: false });
      // The message already heard stays where it is: one move, with Asterisk's parameters.
      expect(amiActions('VoicemailMove').map(({ ActionID: _id, ...rest }) => rest)).toEqual([
        { Action: 'VoicemailMove', Context: 'default', Mailbox: '101', Folder: 'INBOX', ID: ids.new, ToFolder: 'Old' },
      ]);
      expect(asterisk.counts('101')).toEqual({ urgent: 0, inbox: 0, old: 2 });
      const changed = await watch.waitFor((r) => r.data?.voicemailChanged?.reason === 'CHANGED');
      expect(changed.data.voicemailChanged).toMatchObject({ mailbox: '101', newMessages: 0, oldMessages: 2, messageId: null });
      // The message keeps its id in its new folder, and its link still works.
      const moved = (await list('101')).find((m) => m.id === ids.new);
      expect(moved.folder).toBe('OLD');
      expect((await download(moved.downloadUrl)).status).toBe(200);
    } finally {
      await watch.close();
    }
  });

  it('the change is in the audit log with the caller and its outcome', async () => {
    const r = await gql(`{ auditLog(filter: { operation: "markVoicemailRead" }) { edges { node { username outcome input } } } }`);
    const entries = r.data.auditLog.edges.map((e: any) => e.node);
    expect(entries.some((e: any) => e.username === '101' && e.outcome === 'OK' && e.input.includes(ids.new))).toBe(true);
    expect(entries.some((e: any) => e.username === '101' && e.outcome === 'NotPermittedError')).toBe(true);
  });

  it('a message arriving is announced as NEW_MESSAGE with the message, to the mailbox and to watchers of every mailbox', async () => {
    const own = subscribe(server.graphqlUrl, ext102, WATCH);
    const all = subscribe(server.graphqlUrl, server.adminToken, WATCH);
    try {
      await own.waitFor((r) => r.data?.voicemailChanged?.reason === 'CURRENT');
      // Every mailbox with voicemail on: 100, 101, 102 (103 has it off).
      await all.waitFor(() => all.results.filter((x) => x.data?.voicemailChanged?.reason === 'CURRENT').length === 3);
      expect(all.results.map((r) => r.data.voicemailChanged.mailbox)).toEqual(['100', '101', '102']);
      const id = await asterisk.leaveMessage('102', { callerId: '"Carol" <300>', durationSeconds: 8 });
      const arrived = await own.waitFor((r) => r.data?.voicemailChanged?.reason === 'NEW_MESSAGE');
      expect(arrived.data.voicemailChanged).toMatchObject({ mailbox: '102', newMessages: 2, oldMessages: 0, messageId: id, message: { id, callerNumber: '300', folder: 'NEW' } });
      await all.waitFor((r) => r.data?.voicemailChanged?.messageId === id);
      expect((await gql(BOX_QUERY, { mailbox: '102' })).data.voicemailBox.newMessages).toBe(2);
    } finally {
      await own.close();
      await all.close();
    }
  });

  it('an extension user cannot watch another mailbox', async () => {
    const watch = subscribe(server.graphqlUrl, ext101, WATCH, { mailbox: '102' });
    try {
      await until(() => watch.results.length + watch.errors.length > 0, 5000, 'an answer');
      expect(JSON.stringify([...watch.results, ...watch.errors])).toMatch(/only its own mailbox/);
    } finally {
      await watch.close();
    }
  });

  it('deleteVoicemail removes messages through VoicemailRemove from the folder each is in', async () => {
    const before = await list('102');
    const r = await gql(DELETE, { mailbox: '102', ids: before.map((m) => m.id) }, ext102);
    const data = ok(r, 'deleteVoicemail');
    expect(data).toEqual({ deletedIds: before.map((m) => m.id), count: 2, box: { mailbox: '102', newMessages: 0, oldMessages: 0, urgentMessages: 0, messageWaiting: false } });
    expect(amiActions('VoicemailRemove').map((a) => [a.Mailbox, a.Folder, a.ID, a.Context])).toEqual(before.map((m) => ['102', 'INBOX', m.id, 'default']));
    expect(await list('102')).toEqual([]);
    expect(existsSync(path.join(folderPath(spoolDir, '102', 'INBOX'), 'msg0000.txt'))).toBe(false);
  });

  it('Asterisk refusing (a message it cannot move) is a ConflictError naming the message', async () => {
    const id = writeMessage(spoolDir, '100', 'INBOX').msgId!;
    asterisk.refuse = true;
    try {
      const r = await gql(READ, { mailbox: '100', ids: [id] });
      expect(r.data.markVoicemailRead).toMatchObject({ __typename: 'ConflictError', path: ['messageIds', '0'] });
      expect(r.data.markVoicemailRead.message).toMatch(/Asterisk did not move message .*: Message move failed$/);
      const d = await gql(DELETE, { mailbox: '100', ids: [id] });
      expect(d.data.deleteVoicemail).toMatchObject({ __typename: 'ConflictError', path: ['messageIds', '0'] });
    } finally {
      asterisk.refuse = false;
    }
    expect((await list('100', server.adminToken, 'NEW')).map((m) => m.id)).toEqual([id]);
  });

  it('a message heard on the phone meanwhile counts as read, and one deleted meanwhile as deleted', async () => {
    const heard = writeMessage(spoolDir, '100', 'INBOX').msgId!;
    const gone = writeMessage(spoolDir, '100', 'INBOX').msgId!;
    // Asterisk answers "failed" because the phone moved (or deleted) the message just before our action.
    const vm = server.running.services.voicemail.asterisk;
    const [move, remove] = [vm.move.bind(vm), vm.remove.bind(vm)];
    const phoneFirst = async <T>(action: () => Promise<T>): Promise<T> => {
      asterisk.refuse = true;
      const outcome = await action();
      asterisk.refuse = false;
      await action();
      return outcome;
    };
    vm.move = (mailbox, msgId, from, to) => phoneFirst(() => move(mailbox, msgId, from, to));
    vm.remove = (mailbox, msgId, folder) => phoneFirst(() => remove(mailbox, msgId, folder));
    try {
      const r = ok(await gql(READ, { mailbox: '100', ids: [heard] }), 'markVoicemailRead');
      expect(r.messages.map((m: any) => [m.id, m.folder])).toEqual([[heard, 'OLD']]);
      const d = ok(await gql(DELETE, { mailbox: '100', ids: [gone] }), 'deleteVoicemail');
      expect(d.deletedIds).toEqual([gone]);
      expect((await list('100')).map((m) => m.id)).not.toContain(gone);
    } finally {
      asterisk.refuse = false;
      vm.move = move;
      vm.remove = remove;
    }
  });

  it('a mailbox with voicemail off is refused before Asterisk is asked', async () => {
    const id = writeMessage(spoolDir, '103', 'INBOX').msgId!;
    expect((await list('103')).map((m) => m.id)).toEqual([id]);
    const sent = amiActions('VoicemailRemove').length;
    const r = await gql(DELETE, { mailbox: '103', ids: [id] });
    expect(r.data.deleteVoicemail).toMatchObject({ __typename: 'ConflictError', path: ['mailbox'] });
    expect(amiActions('VoicemailRemove')).toHaveLength(sent);
  });

  it('without Asterisk connected, nothing is moved under its feet: AsteriskNotConnectedError', async () => {
    await ami.close();
    await until(() => !server.running.services.voicemail.asterisk.connected(), 5000, 'AMI gone');
    const [message] = await list('101');
    for (const [query, field] of [
      [READ, 'markVoicemailRead'],
      [DELETE, 'deleteVoicemail'],
    ] as const) {
      const r = await gql(query, { mailbox: '101', ids: [message.id] });
      expect(r.data[field]).toMatchObject({ __typename: 'AsteriskNotConnectedError' });
    }
    expect((await list('101')).find((m) => m.id === message.id)?.folder).toBe(message.folder);
  });
});

describe('a mailbox follows its extension', () => {
  const mailboxFolder = (mailbox: string) => path.join(spoolDir, 'voicemail', 'default', mailbox);
  const idOf = async (number: string) => (await gql(`{ extension(number: "${number}") { id } }`)).data.extension.id as string;
  const updateNumber = async (id: string, number: string) =>
    ok(
      await gql(`mutation($id: ID!, $n: String!) { updateExtension(id: $id, input: { number: $n }) { ${ERROR_FIELDS} ... on MutationUpdateExtensionSuccess { data { id } } } }`, { id, n: number }),
      'updateExtension',
    );

  it('renumbered, it takes its messages to its new number; the number it left has none for the next extension', async () => {
    const kept = writeMessage(spoolDir, '102', 'INBOX', { origtime: 1_700_000_900, callerId: '"Private doctor" <5550>' }).msgId!;
    await updateNumber(await idOf('102'), '150');
    expect(existsSync(mailboxFolder('102'))).toBe(false);
    expect((await list('150')).map((m) => m.id)).toContain(kept);
    ok(
      await gql(`mutation { createExtension(input: { number: "102", name: "Next", password: "Secret-102-next" }) { ${ERROR_FIELDS} ... on MutationCreateExtensionSuccess { data { id } } } }`),
      'createExtension',
    );
    expect(await list('102')).toEqual([]);
  });

  it('deleted, its mailbox goes with it, and a new extension of that number starts empty', async () => {
    writeMessage(spoolDir, '150', 'Old', { origtime: 1_700_001_000 });
    const id150 = await idOf('150');
    ok(await gql(`mutation($ids: [ID!]!) { deleteExtensions(ids: $ids) { ${ERROR_FIELDS} ... on MutationDeleteExtensionsSuccess { data { count } } } }`, { ids: [id150] }), 'deleteExtensions');
    expect(existsSync(mailboxFolder('150'))).toBe(false);
    ok(
      await gql(`mutation { createExtension(input: { number: "150", name: "Newcomer", password: "Secret-150-new" }) { ${ERROR_FIELDS} ... on MutationCreateExtensionSuccess { data { id } } } }`),
      'createExtension',
    );
    expect(await list('150')).toEqual([]);
  });

  it('renumbered onto a number whose folder no extension owns, it finds only its own messages there', async () => {
    // A folder of a number no extension holds (left by a server before mailboxes followed their extensions).
    writeMessage(spoolDir, '170', 'INBOX', { origtime: 1_700_001_100, callerId: '"Former holder" <777>' });
    const own = writeMessage(spoolDir, '150', 'INBOX', { origtime: 1_700_001_200, callerId: '"Mine" <778>' }).msgId!;
    await updateNumber(await idOf('150'), '170');
    expect((await list('170')).map((m) => m.id)).toEqual([own]);
  });
});
