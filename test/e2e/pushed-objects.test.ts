import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../support/subscriptions.js';
import { callState, disconnected, e2eBinaries, incomingCall, pjsuaSupportsSrtp, type Phone } from './support/index.js';
import { ERRORS, startProduct, type Product } from './support/product.js';

/**
 * Extensions' PJSIP objects pushed one by one through ARI's dynamic
 * configuration into Asterisk's astdb (issue 12), on a real Asterisk:
 * thousands created in one batch, passwords and options changed during
 * calls, an astdb wiped under the server, an endpoint deleted while its phone
 * is registered, the server restarted while AMI is away; and what a PUT does
 * to an object that exists, which the pushed fields are built on. The tests
 * run in order, on one Asterisk and one server holding the 4,000 extensions
 * of the first. Without the binaries the file skips at once.
 */
const { ASTERISK, PJSUA } = e2eBinaries();

const BATCH = 4000;
const FIRST = 1000;
const LAST = String(FIRST + BATCH - 1);
const BATCH_PASSWORD = 'Batch-pass-1';
const REPORT = `revision outcome error changedFiles reloadedModules pushedObjects removedObjects`;

type Report = { revision: number; outcome: string; error: string | null; changedFiles: string[]; reloadedModules: string[]; pushedObjects: string[]; removedObjects: string[] };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!ASTERISK || !PJSUA)('pushed PJSIP objects on a real Asterisk', () => {
  let product: Product;
  const ids = new Map<string, string>();

  const ari = async (method: string, resource: string, body?: unknown) => {
    const { url, username, password } = product.pbx.ari;
    const response = await fetch(`${url}/ari/${resource}`, {
      method,
      headers: { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    return { status: response.status, json: () => JSON.parse(text), text };
  };
  /** An object of ARI's dynamic configuration as Asterisk reads it back (attribute → value); null when it has none. */
  const dynamicObject = async (type: string, id: string): Promise<Record<string, string> | null> => {
    const answer = await ari('GET', `asterisk/config/dynamic/res_pjsip/${type}/${encodeURIComponent(id)}`);
    if (answer.status === 404) return null;
    expect(answer.status, answer.text).toBe(200);
    return Object.fromEntries((answer.json() as { attribute: string; value: string }[]).map((f) => [f.attribute, f.value]));
  };
  const putObject = (type: string, id: string, fields: [string, string][]) =>
    ari('PUT', `asterisk/config/dynamic/res_pjsip/${type}/${encodeURIComponent(id)}`, { fields: fields.map(([attribute, value]) => ({ attribute, value })) });

  /** The apply of the latest revision, once it is done (a batch of thousands may take a while). */
  const appliedReport = async (timeoutMs = 15_000): Promise<Report> => {
    let state: any;
    await until(
      async () => {
        state = (await product.gql(`{ pbxConfiguration { revision appliedRevision lastApply { ${REPORT} } } }`)).pbxConfiguration;
        return state.appliedRevision === state.revision && state.lastApply?.revision === state.revision;
      },
      timeoutMs,
      'the apply of the latest revision',
    ).catch((error: Error) => {
      throw new Error(`${error.message}: ${JSON.stringify(state).slice(0, 600)}`);
    });
    return state.lastApply;
  };
  const idOf = async (number: string) => {
    if (!ids.has(number)) ids.set(number, (await product.gql(`query($n: String!) { extension(number: $n) { id } }`, { n: number })).extension.id);
    return ids.get(number)!;
  };
  const updateExtension = async (number: string, input: Record<string, unknown>) =>
    product.mutateApplied(
      'updateExtension',
      `mutation($id: ID!, $input: UpdateExtensionInput!) { updateExtension(id: $id, input: $input) { ${ERRORS} ... on MutationUpdateExtensionSuccess { data { id } } } }`,
      { id: await idOf(number), input },
      /^APPLIED$/,
    );
  const createExtension = async (number: string) => ids.set(number, (await product.createExtension(number)).id);
  /** A phone registered as `number`; its REGISTER is given the 32 s a SIP transaction has (Asterisk ignores new requests while its task queues are overloaded). */
  const registered = async (number: string, options: { password?: string; srtp?: boolean } = {}) => {
    const phone = await product.phone(number, options);
    expect(await phone.waitForRegistration(40_000), phone.tail()).toMatchObject({ ok: true });
    return phone;
  };
  /** `a` calls `b`, `b` answers: both CONFIRMED. */
  const connect = async (a: Phone, b: Phone) => {
    await a.call(product.uri(b.username));
    await b.waitFor(incomingCall, 10_000);
    await b.answer(200);
    await a.waitFor(callState('CONFIRMED'), 10_000);
    await b.waitFor(callState('CONFIRMED'), 10_000);
  };
  const activeCalls = async () => Number(/(\d+) active calls?/.exec(await product.pbx.cli('core show channels count'))?.[1] ?? NaN);
  /** The call between `a` and `b` is still up after `ms`: neither phone saw it end, and Asterisk still bridges it. */
  const stillUp = async (a: Phone, b: Phone, since: { a: number; b: number }, ms = 3000) => {
    await sleep(ms);
    expect(a.output().slice(since.a), a.tail()).not.toMatch(disconnected);
    expect(b.output().slice(since.b), b.tail()).not.toMatch(disconnected);
    expect(await activeCalls()).toBe(1);
    const channels = (await ari('GET', 'channels')).json() as { name: string; state: string }[];
    expect(channels.filter((c) => c.name.startsWith(`PJSIP/${a.username}-`) || c.name.startsWith(`PJSIP/${b.username}-`)).map((c) => c.state)).toEqual(['Up', 'Up']);
  };
  /** No call left in Asterisk (product.idle() would hang up the phones a test stopped, too). */
  const idle = () => until(async () => (await activeCalls()) === 0, 10_000, 'no active calls in Asterisk');
  const hangUp = async (a: Phone, b: Phone) => {
    a.hangup();
    await a.waitFor(disconnected, 10_000);
    await b.waitFor(disconnected, 10_000);
    await idle();
  };

  /** The `contact` lines of `pjsip show aor <number>`: one per registration, and one per permanent contact. */
  const contactLines = async (number: string) => (await product.pbx.cli(`pjsip show aor ${number}`)).split('\n').filter((line) => /^\s*contact\s*:/.test(line));
  /** `a` calls `b`: `b` rings once (a contact listed twice rings it twice), then the call is hung up. */
  const ringsOnce = async (a: Phone, b: Phone) => {
    const calls = () => (b.output().match(/Incoming call for account/g) ?? []).length;
    const before = calls();
    await connect(a, b);
    await sleep(1500);
    expect(calls() - before, b.tail()).toBe(1);
    await hangUp(a, b);
  };

  beforeAll(async () => {
    product = await startProduct({ asterisk: ASTERISK!, pjsua: PJSUA! });
    await until(async () => (await product.gql(`{ pbxConfiguration { pendingReloads } }`)).pbxConfiguration.pendingReloads.length === 0, 15_000, 'the reloads pending since before Asterisk started');
    await product.mutateApplied('updateNumberingPlan', `mutation { updateNumberingPlan(input: { userExtensionRange: { start: "1000", end: "8999" } }) { ${ERRORS} } }`);
  }, 120_000);

  afterAll(async () => {
    await product?.stop();
  }, 60_000);

  it(`${BATCH.toLocaleString('en')} extensions created in one batch: a phone registers to the last one within seconds; no file written, no module reloaded`, async () => {
    const mark = product.logMark();
    const sent = Date.now();
    const created = await product.gql(`mutation($input: CreateExtensionsInput!) { createExtensions(input: $input) { ${ERRORS} ... on MutationCreateExtensionsSuccess { data { count } } } }`, {
      input: { startNumber: String(FIRST), count: BATCH, password: BATCH_PASSWORD },
    });
    expect(created.createExtensions.data?.count, JSON.stringify(created)).toBe(BATCH);
    const answered = Date.now();
    // Asked of Asterisk rather than by registering again and again: every failed REGISTER counts towards a ban of the address.
    await until(async () => (await dynamicObject('endpoint', LAST)) !== null, 300_000, `endpoint ${LAST} in Asterisk`);
    const pushed = Date.now();
    const phone = await product.phone(LAST, { password: BATCH_PASSWORD });
    // pjsua sends its REGISTER again and again for 32 s while Asterisk does not answer.
    const registration = await phone.waitForRegistration(120_000).catch((error: Error) => ({ ok: false, status: null, line: error.message.split('\n')[0]! }));
    const registeredAt = Date.now();
    const report = await appliedReport(300_000);
    const applied = Date.now();
    const overload = product.pbx
      .logLines()
      .slice(mark)
      .filter((line) => /task ?processor|overload/i.test(line));
    console.info(
      [
        `batch of ${BATCH}: mutation answered after ${answered - sent} ms; endpoint ${LAST} in Asterisk ${pushed - answered} ms after the answer;`,
        `phone of ${LAST} ${registration.ok ? 'registered' : `not registered (${registration.line})`} ${registeredAt - answered} ms after the answer (${registeredAt - pushed} ms after its endpoint appeared);`,
        `apply report ${applied - answered} ms after the answer: ${report.outcome}, ${report.pushedObjects.length} objects pushed, files ${JSON.stringify(report.changedFiles)}, modules ${JSON.stringify(report.reloadedModules)}`,
        `Asterisk's task processor lines meanwhile (${overload.length}): ${overload.slice(0, 8).join(' | ')}`,
      ].join('\n'),
    );
    expect(registration.ok, phone.tail()).toBe(true);
    expect(report.outcome, JSON.stringify({ ...report, pushedObjects: report.pushedObjects.length })).toBe('APPLIED');
    expect(report.pushedObjects).toHaveLength(3 * BATCH);
    // The endpoint names its auth and aor: they are pushed before it.
    const at = (key: string) => report.pushedObjects.indexOf(key);
    expect(at(`res_pjsip/auth/${LAST}-auth`)).toBeGreaterThanOrEqual(0);
    expect(at(`res_pjsip/aor/${LAST}`)).toBeGreaterThanOrEqual(0);
    expect(at(`res_pjsip/endpoint/${LAST}`)).toBeGreaterThan(Math.max(at(`res_pjsip/auth/${LAST}-auth`), at(`res_pjsip/aor/${LAST}`)));
    expect(report.changedFiles).toEqual([]);
    expect(report.reloadedModules).toEqual([]);
    expect(await product.pbx.cli(`pjsip show endpoint ${LAST}`)).toMatch(new RegExp(`Endpoint:\\s+${LAST}/${LAST}\\s`));
    expect(registeredAt - answered, 'from the answer of the batch mutation to the phone of the last extension registered').toBeLessThanOrEqual(10_000);
  }, 600_000);

  it('a password changed during a call does not drop the call; afterwards the old password is refused and the new one registers', async () => {
    await createExtension('5001');
    await createExtension('5002');
    const [a, b] = [await registered('5001'), await registered('5002')];
    await connect(a, b);
    const since = { a: a.output().length, b: b.output().length };
    await updateExtension('5001', { password: 'Changed-5001' });
    const report = await appliedReport();
    expect(report.pushedObjects).toEqual(['res_pjsip/auth/5001-auth']);
    expect(report.changedFiles).toEqual([]);
    expect(report.reloadedModules).toEqual([]);
    await stillUp(a, b, since);
    await hangUp(a, b);
    await a.stop();

    const old = await product.phone('5001');
    const refused = await old.waitForRegistration();
    expect(refused.ok, old.tail()).toBe(false);
    expect(refused.status, old.tail()).toBe(401);
    await old.stop();
    await registered('5001', { password: 'Changed-5001' });
  }, 120_000);

  it('an aor changed while its phone is registered keeps that registration as it is: no permanent contact, one ring per call', async () => {
    await createExtension('5007');
    await createExtension('5008');
    const [a, b] = [await registered('5007'), await registered('5008')];
    expect(await contactLines('5008')).toHaveLength(1);
    // The voicemail switch changes the aor's mailboxes, the maximum its max_contacts: both update the aor while 5008 is registered.
    await updateExtension('5008', { voicemailEnabled: false });
    await updateExtension('5008', { maxContacts: 3 });
    const report = await appliedReport();
    expect(report.pushedObjects).toEqual(['res_pjsip/aor/5008']);
    const aor = await dynamicObject('aor', '5008');
    expect(aor?.max_contacts).toBe('3');
    expect(aor?.mailboxes).toBe('');
    // One contact, the registered one (ARI's copy would have made it a permanent contact as well).
    expect(await contactLines('5008'), await product.pbx.cli('pjsip show aor 5008')).toHaveLength(1);
    await ringsOnce(a, b);
  }, 120_000);

  it('the server restarted while AMI is away (ARI up) pushes every aor blind, and stores each again once AMI is back: a registration does not stay a permanent contact', async (ctx) => {
    const cut = product.pbx.sandbox.cut;
    if (!cut) return ctx.skip('Asterisk runs on the host, not in a namespace: there is no bridge to cut AMI at');
    await createExtension('5009');
    await createExtension('5010');
    const [a, b] = [await registered('5009'), await registered('5010')];
    expect(await contactLines('5010')).toHaveLength(1);
    const amiConnected = async () => {
      const response = await fetch(`${product.server.url}/metrics`, { headers: { authorization: `Bearer ${product.server.adminToken}` } });
      return /^pbx_asterisk_ami_connected(?:\{[^}]*\})? 1$/m.test(await response.text());
    };
    cut(product.pbx.amiPort, true);
    try {
      // A new process cannot read which objects Asterisk holds: it pushes every one in full, the registered 5010's aor too.
      await product.server.restart();
      await until(
        async () => {
          const last = (await product.gql(`{ pbxConfiguration { lastApply { ${REPORT} } } }`)).pbxConfiguration.lastApply as Report | null;
          return last?.outcome === 'APPLIED' && last.pushedObjects.includes('res_pjsip/aor/5010');
        },
        300_000,
        'the reconcile of the restarted server',
      );
      expect(await amiConnected()).toBe(false);
      // ARI's copy, as Asterisk stored it: the registration listed twice, once as a permanent contact.
      expect(await contactLines('5010'), await product.pbx.cli('pjsip show aor 5010')).toHaveLength(2);
    } finally {
      cut(product.pbx.amiPort, false);
    }
    await until(amiConnected, 45_000, 'the server connected to AMI again');
    await until(async () => (await contactLines('5010')).length === 1, 60_000, 'the aor stored again from its own fields');
    await ringsOnce(a, b);
  }, 600_000);

  it('an endpoint option (caller ID, codecs) changed during a call does not drop the call; the next call carries the new caller ID', async () => {
    await createExtension('5003');
    await createExtension('5004');
    const [a, b] = [await registered('5003'), await registered('5004')];
    await connect(a, b);
    const since = { a: a.output().length, b: b.output().length };
    await updateExtension('5003', { name: 'Renamed Caller', codecs: ['ULAW', 'ALAW'] });
    const report = await appliedReport();
    expect(report.pushedObjects).toEqual(['res_pjsip/endpoint/5003']);
    expect(report.changedFiles).toEqual([]);
    expect(report.reloadedModules).toEqual([]);
    const shown = await product.pbx.cli('pjsip show endpoint 5003');
    expect(shown).toMatch(/callerid\s+:\s+"Renamed Caller" <5003>/);
    // ulaw first now; the video codec (on by default) follows the audio ones.
    expect(shown).toMatch(/allow\s+:\s+\(ulaw\|alaw[|)]/);
    await stillUp(a, b, since);
    await hangUp(a, b);

    const heard = b.output().length;
    await a.call(product.uri('5004'));
    await b.waitFor(incomingCall, 10_000);
    expect(b.output().slice(heard)).toMatch(/"Renamed Caller" <sip:5003@/);
    // Hung up by the caller: a call the callee turns down goes on to its voicemail.
    a.hangup();
    await a.waitFor(disconnected, 10_000);
    await idle();
  }, 120_000);

  it('an extension switched to SRTP: its pushed endpoint asks for SDES, a phone offering plain RTP is refused, an SRTP phone is called encrypted', async (ctx) => {
    if (!pjsuaSupportsSrtp(PJSUA!)) return ctx.skip(`${PJSUA} was built without SRTP (its --help lists no --use-srtp): this call cannot be made with it`);
    await createExtension('5012');
    await createExtension('5013');
    await updateExtension('5013', { srtp: true });
    const report = await appliedReport();
    expect(report.pushedObjects).toEqual(['res_pjsip/endpoint/5013']);
    expect(report.changedFiles).toEqual([]);
    expect(report.reloadedModules).toEqual([]);
    expect(await product.pbx.cli('pjsip show endpoint 5013')).toMatch(/media_encryption\s+:\s+sdes/);

    const caller = await registered('5012');
    const plain = await registered('5013');
    await plain.call(product.uri('5012'));
    const refused = await plain.waitFor(disconnected, 10_000);
    expect(refused[2], plain.tail()).toBe('488');
    expect(caller.output()).not.toMatch(incomingCall);
    await plain.stop();

    const secure = await registered('5013', { srtp: true });
    await connect(caller, secure);
    await secure.waitFor(/SRTP started, keying=SDES/, 5000, { fromStart: true });
    await hangUp(caller, secure);
  }, 120_000);

  it('an endpoint deleted while its phone is registered can no longer call', async () => {
    await createExtension('5005');
    await createExtension('5006');
    const [gone, callee] = [await registered('5005'), await registered('5006')];
    expect(await product.pbx.cli('pjsip show contacts')).toMatch(/Contact:\s+5005\//);
    await product.mutateApplied('deleteExtensions', `mutation($ids: [ID!]!) { deleteExtensions(ids: $ids) { ${ERRORS} ... on MutationDeleteExtensionsSuccess { data { count } } } }`, {
      ids: [await idOf('5005')],
    });
    const report = await appliedReport();
    expect([...report.removedObjects].sort()).toEqual(['res_pjsip/aor/5005', 'res_pjsip/auth/5005-auth', 'res_pjsip/endpoint/5005']);
    expect(report.changedFiles).toEqual([]);
    expect(report.reloadedModules).toEqual([]);
    expect(await dynamicObject('endpoint', '5005')).toBeNull();

    const heard = callee.output().length;
    await gone.call(product.uri('5006'));
    const ended = await gone.waitFor(disconnected, 15_000);
    expect(callee.output().slice(heard)).not.toMatch(incomingCall);
    // What is left of the registration: written down, not required (a contact may linger until it expires).
    const [contacts, endpoint, aor] = await Promise.all([product.pbx.cli('pjsip show contacts'), ari('GET', 'endpoints/PJSIP/5005'), product.pbx.cli('pjsip show aor 5005')]);
    console.info(
      `deleted endpoint 5005: its call ended with ${ended[2]} (${ended[3]}); pjsip show contacts: ${contacts.match(/Contact:\s+5005\/\S+/)?.[0] ?? 'no contact of 5005'}; GET /endpoints/PJSIP/5005: ${endpoint.status} ${endpoint.text.slice(0, 200)}; pjsip show aor 5005: ${aor.trim().split('\n').at(-1)}`,
    );
    expect(Number(ended[2])).toBeGreaterThanOrEqual(400);
    await idle();
  }, 120_000);

  it('Asterisk restarted with its astdb wiped: the server pushes every object again and phones register again', async () => {
    const before = (await product.configuration()).revision;
    await product.pbx.pause();
    rmSync(path.join(product.pbx.root, 'varlib', 'astdb.sqlite3'), { force: true });
    await until(async () => !(await product.configuration()).asteriskConnected, 15_000, 'the server to see Asterisk gone');
    const started = Date.now();
    await product.pbx.resume();
    expect(await dynamicObject('endpoint', LAST)).toBeNull();
    // The reconcile of the connect: every object, the 4,000 of the batch and the ones created since.
    let report: Report | null = null;
    // Every other report seen meanwhile, for the message should the reconcile's never come.
    const seen = new Set<string>();
    await until(
      async () => {
        const last = (await product.gql(`{ pbxConfiguration { lastApply { ${REPORT} } } }`)).pbxConfiguration.lastApply as Report;
        if (last.pushedObjects.length >= 3 * BATCH) report = last;
        else seen.add(JSON.stringify({ revision: last.revision, outcome: last.outcome, pushed: last.pushedObjects.length, error: last.error }));
        return report !== null;
      },
      600_000,
      'the reconcile after the astdb wipe',
    ).catch((error: Error) => {
      throw new Error(`${error.message}; reports seen meanwhile: ${[...seen].join(', ')}`);
    });
    const reconciled = Date.now();
    expect(report!.outcome).toBe('APPLIED');
    expect(report!.revision).toBe(before);
    expect(report!.pushedObjects).toContain(`res_pjsip/endpoint/${LAST}`);
    expect(report!.pushedObjects).toContain('res_pjsip/auth/5001-auth');
    expect(report!.pushedObjects).not.toContain('res_pjsip/endpoint/5005');
    console.info(`astdb wiped: Asterisk start to the reconcile's report ${reconciled - started} ms, ${report!.pushedObjects.length} objects pushed`);

    await registered(LAST, { password: BATCH_PASSWORD });
    await registered('5001', { password: 'Changed-5001' });
    expect(await dynamicObject('endpoint', '5005')).toBeNull();
  }, 900_000);

  it('a PUT applies the given fields on top of the object: options left out keep their values, allow adds to the codecs', async () => {
    const id = 'put-probe';
    try {
      let answer = await putObject('endpoint', id, [
        ['context', 'probe-a'],
        ['disallow', 'all'],
        ['allow', 'ulaw'],
        ['callerid', '"Probe A" <9001>'],
        ['language', 'de'],
      ]);
      expect(answer.status, answer.text).toBe(200);
      answer = await putObject('endpoint', id, [['callerid', '"Probe B" <9002>']]);
      expect(answer.status, answer.text).toBe(200);
      let probe = await dynamicObject('endpoint', id);
      expect(probe).toMatchObject({ callerid: '"Probe B" <9002>', context: 'probe-a', language: 'de', allow: '(ulaw)' });
      // A codec given alone is added to the ones the object has: the pushed fields start with disallow=all.
      answer = await putObject('endpoint', id, [['allow', 'alaw']]);
      expect(answer.status, answer.text).toBe(200);
      probe = await dynamicObject('endpoint', id);
      expect(probe?.allow).toBe('(ulaw|alaw)');
      // An option set to '' is emptied, not kept: the pushed fields name every option with its value or its default.
      answer = await putObject('endpoint', id, [['language', '']]);
      expect(answer.status, answer.text).toBe(200);
      probe = await dynamicObject('endpoint', id);
      expect(probe?.language).toBe('');
      console.info(`PUT on top of an existing endpoint: ${JSON.stringify({ callerid: probe?.callerid, context: probe?.context, language: probe?.language, allow: probe?.allow })}`);
    } finally {
      await ari('DELETE', `asterisk/config/dynamic/res_pjsip/endpoint/${id}`);
    }
    expect(await dynamicObject('endpoint', id)).toBeNull();
  }, 60_000);
});
