import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reloadModules } from '../../src/pbx/render/index.js';
import type { AmiClient } from '../../src/pbx/ami/client.js';
import { testDatabase } from '../support/server.js';
import { until } from '../support/subscriptions.js';
import { callState, disconnected, e2eBinaries } from './support/index.js';
import { AMI_PASSWORD, ERRORS, startProduct, type Product } from './support/product.js';

/**
 * Flat voicemail on a real Asterisk (issue 12): app_voicemail finds its
 * mailboxes in the realtime view pbx_voicemail_box of our own database, so a
 * box created, changed or removed through the API is in effect as soon as the
 * mutation answers, voicemail.conf (global options only) is not rewritten and
 * app_voicemail is not reloaded; a PIN changed from the phone in
 * VoiceMailMain's options is written back to the extension. Without the
 * binaries the file skips at once.
 */
const { ASTERISK, PJSUA } = e2eBinaries();

const EXTENSION = `id number name voicemailEnabled voicemailPin`;

/**
 * The realtime driver Asterisk reads our database with: the suite's database decides (TEST_DATABASE). On
 * PostgreSQL, Asterisk must reach the database server's address: run with PBX_E2E_NETNS=0 (the harness's
 * network namespace has a loopback of its own).
 */
const driver =
  testDatabase === 'postgres' ? { engine: 'pgsql', module: 'res_config_pgsql.so', file: 'res_pgsql.conf' } : { engine: 'sqlite3', module: 'res_config_sqlite3.so', file: 'res_config_sqlite3.conf' };

describe.skipIf(!ASTERISK || !PJSUA)('flat voicemail on a real Asterisk: the mailboxes are rows of our database', () => {
  let product: Product;
  let ami: AmiClient;

  /** What app_voicemail knows of a mailbox (VM_INFO looks the box up the way VoiceMail() does). */
  const vmInfo = async (mailbox: string, attribute: 'exists' | 'fullname' | 'email' | 'password') => {
    const answer = await ami.action({ Action: 'Getvar', Variable: `VM_INFO(${mailbox}@default,${attribute})` });
    return answer.Value ?? '';
  };
  const voicemailConf = () => readFileSync(path.join(product.pbx.etcDir, 'voicemail.conf'), 'utf8');
  const updateExtension = async (id: string, input: Record<string, unknown>) =>
    (
      await product.gql(`mutation($id: ID!, $input: UpdateExtensionInput!) { updateExtension(id: $id, input: $input) { ${ERRORS} ... on MutationUpdateExtensionSuccess { data { ${EXTENSION} } } } }`, {
        id,
        input,
      })
    ).updateExtension;
  /** The apply of the latest revision, once it is done. */
  const appliedReport = async () => {
    let last: any;
    await until(
      async () => {
        last = await product.configuration();
        return last.appliedRevision === last.revision && last.lastApply?.revision === last.revision;
      },
      15_000,
      'the apply of the latest revision',
    );
    return last.lastApply as { outcome: string; changedFiles: string[]; reloadedModules: string[] };
  };
  /** WARNING/ERROR lines of the realtime driver in use, app_voicemail or the configuration core since a log mark. */
  const realtimeProblems = (mark: number) =>
    product.pbx
      .logLines()
      .slice(mark)
      .filter((l) => new RegExp(`\\b(WARNING|ERROR)\\[\\d+\\](?:\\[[^\\]]*\\])* (${driver.module.replace('.so', '')}|app_voicemail|config)\\.c:`).test(l));

  beforeAll(async () => {
    product = await startProduct({ asterisk: ASTERISK!, pjsua: PJSUA! });
    await until(async () => (await product.gql(`{ pbxConfiguration { pendingReloads } }`)).pbxConfiguration.pendingReloads.length === 0, 15_000, 'the reloads pending since before Asterisk started');
    const { AmiClient } = await import('../../src/pbx/ami/client.js');
    ami = new AmiClient({ host: '127.0.0.1', port: product.ports.ami, username: 'pbx', password: AMI_PASSWORD });
    ami.start();
    await until(() => ami.connected(), 10_000, 'the test AMI connection');
  }, 120_000);

  afterAll(async () => {
    await ami?.stop();
    await product?.stop();
  }, 60_000);

  it('Asterisk maps the voicemail family to the view, and the realtime files reload through ARI under the names the applier uses', async () => {
    const mappings = await product.pbx.cli('core show config mappings');
    // "Config Engine: <driver>" then one "===> family (db=…, table=…)" line per family it serves.
    const served = new RegExp(`Config Engine: ${driver.engine}\\n((?:===>.*\\n)*)`).exec(mappings)?.[1] ?? '';
    expect(served, mappings).toContain('===> voicemail (db=pbx, table=pbx_voicemail_box)');
    expect(served).toContain('===> pbx_extension (db=pbx, table=pbx_extension_lookup)');
    expect(await product.pbx.cli(`module show like ${driver.module}`)).toMatch(new RegExp(`${driver.module}\\s.*Running`));
    const mark = product.logMark();
    for (const file of ['extconfig.conf', driver.file, 'voicemail.conf']) {
      const answer = await product.pbx.ariRequest('PUT', `asterisk/modules/${reloadModules[file]}`);
      expect(answer.status, `${file} → PUT /asterisk/modules/${reloadModules[file]}: ${answer.body}`).toBe(204);
    }
    expect(await vmInfo('nobody', 'exists')).toBe('0');
    expect(realtimeProblems(0)).toEqual([]);
    expect(realtimeProblems(mark)).toEqual([]);
  });

  it('a box created, renamed, switched off and on through the API is in effect when the mutation answers; voicemail.conf stays as it was and app_voicemail is not reloaded', async () => {
    const conf = voicemailConf();
    expect(conf).not.toMatch(/^\d+ =>/m);
    const mark = product.logMark();

    const { id } = await product.createExtension('201', { email: 'u201@example.com' });
    expect(await vmInfo('201', 'exists')).toBe('1');
    expect(await vmInfo('201', 'fullname')).toBe('User 201');
    expect(await vmInfo('201', 'email')).toBe('u201@example.com');
    expect(await vmInfo('201', 'password')).toBe('1234');
    let report = await appliedReport();
    expect(report.changedFiles).not.toContain('voicemail.conf');
    expect(report.reloadedModules).not.toContain('app_voicemail.so');

    // No waiting for an apply: the next lookup reads the committed row.
    expect((await updateExtension(id, { name: 'Renamed 201', voicemailPin: '5678' })).__typename).toBe('MutationUpdateExtensionSuccess');
    expect(await vmInfo('201', 'fullname')).toBe('Renamed 201');
    expect(await vmInfo('201', 'password')).toBe('5678');

    expect((await updateExtension(id, { voicemailEnabled: false })).__typename).toBe('MutationUpdateExtensionSuccess');
    expect(await vmInfo('201', 'exists')).toBe('0');
    expect(await product.pbx.cli('voicemail show users for default')).not.toMatch(/\b201\b/);
    report = await appliedReport();
    expect(report.changedFiles).not.toContain('voicemail.conf');
    expect(report.reloadedModules).not.toContain('app_voicemail.so');

    expect((await updateExtension(id, { voicemailEnabled: true })).__typename).toBe('MutationUpdateExtensionSuccess');
    expect(await vmInfo('201', 'exists')).toBe('1');
    expect(await product.pbx.cli('voicemail show users for default')).toMatch(/\b201\b/);
    report = await appliedReport();
    expect(report.changedFiles).not.toContain('voicemail.conf');
    expect(report.reloadedModules).not.toContain('app_voicemail.so');

    expect(voicemailConf()).toBe(conf);
    expect(product.pbx.logLines().slice(mark).join('\n')).not.toMatch(/Reloading module 'app_voicemail\.so'/);
    expect(realtimeProblems(mark)).toEqual([]);
  }, 60_000);

  it("a caller reaches the box of a new extension, and a PIN changed from the phone (VoiceMailMain, 0 then 5) is the extension's voicemailPin", async () => {
    const { id } = await product.createExtension('202');
    await product.createExtension('203');
    const mark = product.logMark();

    // 203 calls 202, which has no phone: app_voicemail finds 202's box and records.
    const caller = await product.phone('203');
    expect((await caller.waitForRegistration()).ok, caller.tail()).toBe(true);
    await caller.call(product.uri('202'));
    await caller.waitFor(callState('CONFIRMED'), 15_000);
    await product.waitLog(/VoiceMail\("PJSIP\/203-[0-9a-f]+", "202@default,u"\)/, mark);
    await product.waitLog(/Recording the message/, mark, 20_000);
    caller.hangup();
    await caller.waitFor(disconnected, 5000);
    await product.idle();

    // 202's own phone: *61 (its own mailbox), PIN 1234, 0 for the mailbox options, 5 to change the PIN.
    const owner = await product.phone('202');
    expect((await owner.waitForRegistration()).ok, owner.tail()).toBe(true);
    const prompt = async (name: string, since: number) => product.waitLog(new RegExp(`Playing '${name}\\.`), since, 20_000);
    let since = product.logMark();
    await owner.call(product.uri('*61'));
    await owner.waitFor(callState('CONFIRMED'), 15_000);
    await prompt('vm-password', since);
    since = product.logMark();
    await owner.sendDtmf('1234#');
    await prompt('vm-youhave', since);
    since = product.logMark();
    await owner.sendDtmf('0');
    await prompt('vm-options', since);
    since = product.logMark();
    await owner.sendDtmf('5');
    await prompt('vm-newpassword', since);
    since = product.logMark();
    await owner.sendDtmf('8642#');
    await prompt('vm-reenterpassword', since);
    since = product.logMark();
    await owner.sendDtmf('8642#');
    await prompt('vm-passchanged', since);
    owner.hangup();
    await owner.waitFor(disconnected, 5000);

    const stored = await product.gql(`query($id: ID!) { node(id: $id) { ... on Extension { voicemailPin } } }`, { id });
    expect(stored.node.voicemailPin).toBe('8642');
    expect(await vmInfo('202', 'password')).toBe('8642');
    // app_voicemail wrote no file of its own: the box is not in voicemail.conf, and there is no users.conf.
    expect(voicemailConf()).not.toMatch(/^\d+ =>/m);
    expect(existsSync(path.join(product.pbx.etcDir, 'users.conf'))).toBe(false);

    // The old PIN no longer opens the box; the new one does.
    since = product.logMark();
    await owner.call(product.uri('*61'));
    await owner.waitFor(callState('CONFIRMED'), 15_000);
    await prompt('vm-password', since);
    since = product.logMark();
    await owner.sendDtmf('1234#');
    await prompt('vm-incorrect', since);
    // vm-incorrect cannot be interrupted: the PIN is asked again after it.
    await prompt('vm-password', since);
    since = product.logMark();
    await owner.sendDtmf('8642#');
    await prompt('vm-youhave', since);
    owner.hangup();
    await owner.waitFor(disconnected, 5000);
    expect(realtimeProblems(mark)).toEqual([]);
  }, 120_000);

  it('a message left before Asterisk restarts still lights the lamp: app_voicemail reads the count of each box a phone watches', async () => {
    await product.createExtension('204');
    await product.createExtension('205');
    const mailboxCount = async () => {
      const answer = await ami.action({ Action: 'MailboxCount', Mailbox: '204@default' });
      return Number(answer.NewMessages);
    };
    const mark = product.logMark();
    const caller = await product.phone('205');
    expect((await caller.waitForRegistration()).ok, caller.tail()).toBe(true);
    await caller.call(product.uri('204'));
    await caller.waitFor(callState('CONFIRMED'), 15_000);
    await product.waitLog(/Recording the message/, mark, 20_000);
    // The caller's phone plays its prompt into the message for a few seconds.
    await new Promise((r) => setTimeout(r, 3000));
    caller.hangup();
    await caller.waitFor(disconnected, 5000);
    await until(async () => (await mailboxCount()) === 1, 10_000, 'the message in 204’s INBOX');
    await product.idle();

    // A box of the view is not read when app_voicemail loads (a box of voicemail.conf was, and announced its
    // count then): the count reaches the phone because Asterisk asks app_voicemail for it when the phone's
    // MWI subscription first asks for the box.
    await ami.stop();
    await product.pbx.restart();
    await until(async () => (await product.configuration()).asteriskConnected, 30_000, 'our server connected to Asterisk again');
    ami.start();
    await until(() => ami.connected(), 10_000, 'the test AMI connection again');
    const phone = await product.phone('204');
    expect((await phone.waitForRegistration()).ok, phone.tail()).toBe(true);
    // The NOTIFY may come before the answer to the REGISTER is logged: searched from the phone's start.
    await phone.waitFor(/Messages-Waiting: yes/, 15_000, { fromStart: true });
  }, 120_000);
});
