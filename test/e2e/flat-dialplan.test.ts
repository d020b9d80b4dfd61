import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AmiClient } from '../../src/pbx/ami/client.js';
import { subscribe } from '../support/subscriptions.js';
import { callState, disconnected, e2eBinaries, incomingCall, type Phone } from './support/index.js';
import { AMI_PASSWORD, ERRORS, startProduct, type Product } from './support/product.js';

/**
 * Issue 12 on a real Asterisk: extensions.conf holds patterns over the user
 * extension range and looks each extension up at call time (the realtime
 * view of the server's own database). An extension created, changed or
 * deleted through the API while Asterisk runs is called, shown and refused
 * as it should be, and neither extensions.conf nor pbx_config is touched:
 * the file keeps its text and its inode, no apply names it or reloads its
 * module, and Asterisk logs no dialplan reload. Its hint is a pattern hint,
 * made for the number when something asks (AMI, a phone's BLF).
 */
const { ASTERISK, PJSUA } = e2eBinaries();

const STATUS = `subscription { extensionStatusChanged { number state } }`;

describe.skipIf(!ASTERISK || !PJSUA)('the flat dialplan on a real Asterisk (issue 12)', () => {
  let product: Product;
  let ami: AmiClient;
  let caller: Phone;
  const ids = new Map<string, string>();
  let dialplanPath: string;
  let dialplanBefore: { text: string; ino: number; mtimeMs: number };
  let logMark: number;

  const applies: { changedFiles: string[]; reloadedModules: string[] }[] = [];
  const applied = async () => applies.push((await product.configuration()).lastApply);

  async function createExtension(number: string, extra: Record<string, unknown> = {}) {
    const data = await product.createExtension(number, extra);
    ids.set(number, data.id);
    await applied();
  }
  async function updateExtension(number: string, input: Record<string, unknown>) {
    await product.mutateApplied(
      'updateExtension',
      `mutation($id: ID!, $input: UpdateExtensionInput!) { updateExtension(id: $id, input: $input) { ${ERRORS} ... on MutationUpdateExtensionSuccess { data { id } } } }`,
      { id: ids.get(number), input },
    );
    await applied();
  }
  async function deleteExtension(number: string) {
    await product.mutateApplied('deleteExtensions', `mutation($ids: [ID!]!) { deleteExtensions(ids: $ids) { ${ERRORS} ... on MutationDeleteExtensionsSuccess { data { count } } } }`, {
      ids: [ids.get(number)],
    });
    await applied();
  }

  /** Calls `number` from the caller and resolves with how the call ended (or was answered). */
  async function callAndEnd(number: string): Promise<string> {
    await caller.call(product.uri(number));
    const end = await caller.waitFor(disconnected, 15_000);
    return `${end[2]} ${end[3]}`;
  }

  beforeAll(async () => {
    product = await startProduct({ asterisk: ASTERISK!, pjsua: PJSUA! });
    ami = new AmiClient({ host: '127.0.0.1', port: product.ports.ami, username: 'pbx', password: AMI_PASSWORD });
    const connected = once(ami, 'connected');
    ami.start();
    await connected;
    await createExtension('100', { voicemailEnabled: false });
    caller = await product.phone('100');
    expect((await caller.waitForRegistration()).ok, caller.tail()).toBe(true);
    dialplanPath = path.join(product.pbx.etcDir, 'extensions.conf');
    const stat = statSync(dialplanPath);
    dialplanBefore = { text: readFileSync(dialplanPath, 'utf8'), ino: stat.ino, mtimeMs: stat.mtimeMs };
    logMark = product.logMark();
    applies.length = 0;
  }, 120_000);

  afterAll(async () => {
    await ami?.stop();
    await product?.stop();
  });

  it('the dialplan is patterns over the range with a pattern hint; no number of its own', async () => {
    expect(dialplanBefore.text).toContain('exten => _[1-8]XX,hint,PJSIP/${EXTEN}');
    expect(dialplanBefore.text).not.toMatch(/^exten => 100,/m);
    expect(await product.pbx.cli('dialplan show 101@pbx-extensions')).toMatch(/'_\[1-8\]XX' =>\s+hint: PJSIP\/\$\{EXTEN\}/);
  });

  it('an extension created while Asterisk runs is called at once, and its status is seen', async () => {
    const feed = subscribe(product.server.graphqlUrl, product.server.adminToken, STATUS);
    try {
      await createExtension('101', { voicemailEnabled: false });
      const callee = await product.phone('101');
      expect((await callee.waitForRegistration()).ok, callee.tail()).toBe(true);
      await feed.waitFor((r) => r.data?.extensionStatusChanged?.number === '101' && r.data.extensionStatusChanged.state === 'ONLINE', 10_000);

      await caller.call(product.uri('101'));
      await callee.waitFor(incomingCall, 10_000);
      await feed.waitFor((r) => r.data?.extensionStatusChanged?.number === '101' && r.data.extensionStatusChanged.state === 'RINGING', 10_000);
      await callee.answer(200);
      await caller.waitFor(callState('CONFIRMED'), 10_000);
      await feed.waitFor((r) => r.data?.extensionStatusChanged?.number === '101' && r.data.extensionStatusChanged.state === 'BUSY', 10_000);
      caller.hangup();
      await caller.waitFor(disconnected, 10_000);
      await product.idle();
    } finally {
      await feed.close();
    }
  }, 60_000);

  it("the number's hint is made from the pattern when asked: AMI ExtensionState and ExtensionStateList, core show hints", async () => {
    const hintsBefore = await product.pbx.cli('core show hints');
    expect(hintsBefore).toMatch(/_\[1-8\]XX@pbx-extensions\s*: PJSIP\/\$\{EXTEN\}/);
    const state = await ami.action({ Action: 'ExtensionState', Exten: '101', Context: 'pbx-extensions' });
    expect(state).toMatchObject({ Response: 'Success', Exten: '101', Hint: 'PJSIP/101', StatusText: 'Idle' });
    expect(await product.pbx.cli('core show hints')).toMatch(/101@pbx-extensions\s*: PJSIP\/101\s+State:Idle/);
    const list = await ami.list({ Action: 'ExtensionStateList' });
    expect(list.find((e) => e.Event === 'ExtensionStatus' && e.Exten === '101')).toMatchObject({ Context: 'pbx-extensions', Hint: 'PJSIP/101', StatusText: 'Idle' });
  });

  it("a phone's BLF (presence subscription) of a new extension follows its state", async () => {
    await createExtension('102', { voicemailEnabled: false });
    await createExtension('103', { voicemailEnabled: false });
    const watcher = await product.phone('103', { extraArgs: [`--add-buddy=sip:102@127.0.0.1:${product.ports.sipUdp}`] });
    expect((await watcher.waitForRegistration()).ok, watcher.tail()).toBe(true);
    const callee = await product.phone('102');
    expect((await callee.waitForRegistration()).ok, callee.tail()).toBe(true);
    // pjsua's "s": SUBSCRIBE (Event: presence) to buddy 1.
    watcher.send('s');
    await watcher.waitFor(/Subscribe presence of: ?/, 5000);
    watcher.send('1');
    // Asterisk accepts it from the pattern hint and NOTIFYs the state (PIDF notes): idle, ringing, in a call, idle.
    await watcher.waitFor(/Response msg 200\/SUBSCRIBE/, 10_000);
    await watcher.waitFor(/sip:102@\S+ status is Ready, subscription state is ACTIVE/, 10_000);
    await caller.call(product.uri('102'));
    await callee.waitFor(incomingCall, 10_000);
    await watcher.waitFor(/sip:102@\S+ status is Ringing/, 10_000);
    await callee.answer(200);
    await watcher.waitFor(/sip:102@\S+ status is On the phone/, 10_000);
    caller.hangup();
    await caller.waitFor(disconnected, 10_000);
    await watcher.waitFor(/sip:102@\S+ status is Ready/, 10_000);
    await product.idle();
  }, 60_000);

  it('an extension disabled, then deleted, is refused at once: congestion, then no such extension', async () => {
    await updateExtension('101', { enabled: false });
    expect(await callAndEnd('101')).toMatch(/^503 /);
    await deleteExtension('101');
    expect(await callAndEnd('101')).toMatch(/^404 /);
    // A number of the range that never was an extension is refused the same way.
    expect(await callAndEnd('555')).toMatch(/^404 /);
    await product.idle();
  }, 60_000);

  it('none of this rewrote extensions.conf or reloaded pbx_config', async () => {
    const stat = statSync(dialplanPath);
    expect({ text: readFileSync(dialplanPath, 'utf8'), ino: stat.ino, mtimeMs: stat.mtimeMs }).toEqual(dialplanBefore);
    // 101, 102 and 103 created, 101 disabled, 101 deleted.
    expect(applies).toHaveLength(5);
    for (const apply of applies) {
      expect(apply.changedFiles ?? [], JSON.stringify(apply)).not.toContain('extensions.conf');
      expect(apply.reloadedModules ?? [], JSON.stringify(apply)).not.toContain('pbx_config.so');
    }
    const log = product.pbx.logLines().slice(logMark).join('\n');
    expect(log).not.toMatch(/pbx_config|Reloading module 'pbx_config/);
  });
});
