import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { subscribe, until } from '../support/subscriptions.js';
import { startAmiRecorder, type AmiRecorder } from './support/ami-recorder.js';
import { callState, disconnected, e2eBinaries, freePort, freeUdpRange, incomingCall, startPhone, type Phone } from './support/index.js';
import { AMI_PASSWORD, ERRORS, startProduct, type Product } from './support/product.js';
import { startProvider, type Provider } from './support/provider.js';

/**
 * Trunks and outbound calling on a real Asterisk (the trunks issue): our PBX
 * and a second Asterisk as the provider and as the far PBX, in one sandbox.
 * Configured through GraphQL only; what the provider received is read from
 * its log (support/provider.ts). The scenarios run in order and build on each
 * other. Without the binaries the file skips at once.
 */
const { ASTERISK, PJSUA } = e2eBinaries();

const PBX_IAX_PORT = 4569;
const ACCOUNT = { username: 'pbxuser', password: 'Provider-secret-1' };
const SECOND = { username: 'pbxuser2', password: 'Provider-secret-2' };
const FAILING = { username: 'pbxdown', password: 'Provider-secret-3', behaviour: 'fail' as const };
const LINK = { name: 'otherpbx', password: 'Link-secret-1' };
const IAX = { username: 'pbxiax', password: 'Iax-secret-1' };
const IAX_LINK = { name: 'otheriax', password: 'IaxLink-secret-1' };
const BY_ADDRESS = 'ipcarrier';

type TrunkStatus = { name: string; status: string; latencyMs: number | null; lastFailureReason: string | null; peerContact: string | null };
const STATUS = `subscription { trunkStatusChanged { name status latencyMs lastFailureReason peerContact } }`;

describe.skipIf(!ASTERISK || !PJSUA)('trunks and outbound calling on a real Asterisk', () => {
  let product: Product;
  let provider: Provider;
  let feed: ReturnType<typeof subscribe>;
  const trunkIds = new Map<string, string>();
  /** PBX_E2E_RECORD_AMI=<dir>: every AMI event and the trunk listings at a few moments, for test/pbx/fixtures/ami-trunks. */
  let recorder: AmiRecorder | null = null;
  const LISTINGS = [{ Action: 'PJSIPShowRegistrationsOutbound' }, { Action: 'IAXregistry' }, { Action: 'IAXpeerlist' }];
  const record = (label: string, endpoints: string[] = []) => recorder?.snapshot(label, [...LISTINGS, ...endpoints.map((e) => ({ Action: 'PJSIPShowEndpoint', Endpoint: e }))]);
  let phone100: Phone;
  let phone101: Phone;

  /** A CLI command's output for failure messages. */
  const cli = async (a: Provider['asterisk'], command: string) => `${command}:\n${await a.cli(command).catch((x: Error) => x.message)}`;
  const statusOf = (r: any): TrunkStatus | undefined => r?.data?.trunkStatusChanged;
  function waitTrunk(name: string, test: (s: TrunkStatus) => boolean, from: number, timeoutMs = 20_000): Promise<TrunkStatus> {
    return feed.waitFor((r) => feed.results.indexOf(r) >= from && statusOf(r)?.name === name && test(statusOf(r)!), timeoutMs).then(statusOf) as Promise<TrunkStatus>;
  }
  const history = (name: string, from = 0) =>
    feed.results
      .slice(from)
      .map(statusOf)
      .filter((s) => s?.name === name)
      .map((s) => `${s!.status}${s!.lastFailureReason ? ` (${s!.lastFailureReason})` : ''}`)
      .join(' → ');

  async function createSipTrunk(input: Record<string, unknown>) {
    const data = await product.mutateApplied<{ id: string }>(
      'createSipTrunk',
      `mutation($input: CreateSipTrunkInput!) { createSipTrunk(input: $input) { ${ERRORS} ... on MutationCreateSipTrunkSuccess { data { id } } } }`,
      { input },
    );
    trunkIds.set(input.name as string, data.id);
    return data;
  }
  async function updateSipTrunk(name: string, input: Record<string, unknown>) {
    return product.mutateApplied(
      'updateSipTrunk',
      `mutation($id: ID!, $input: UpdateSipTrunkInput!) { updateSipTrunk(id: $id, input: $input) { ${ERRORS} ... on MutationUpdateSipTrunkSuccess { data { id } } } }`,
      { id: trunkIds.get(name), input },
    );
  }
  async function createIaxTrunk(input: Record<string, unknown>) {
    const data = await product.mutateApplied<{ id: string }>(
      'createIaxTrunk',
      `mutation($input: CreateIaxTrunkInput!) { createIaxTrunk(input: $input) { ${ERRORS} ... on MutationCreateIaxTrunkSuccess { data { id } } } }`,
      { input },
    );
    trunkIds.set(input.name as string, data.id);
  }
  async function dialRuleId(name: string): Promise<string> {
    const rules = (await product.gql(`{ dialRules { id name } }`)).dialRules as { id: string; name: string }[];
    const rule = rules.find((r) => r.name === name);
    if (!rule) throw new Error(`no dial rule ${name}`);
    return rule.id;
  }
  async function setEntries(rule: string, entries: Record<string, unknown>[]) {
    return product.mutateApplied(
      'updateDialRule',
      `mutation($id: ID!, $input: UpdateDialRuleInput!) { updateDialRule(id: $id, input: $input) { ${ERRORS} ... on MutationUpdateDialRuleSuccess { data { id } } } }`,
      { id: await dialRuleId(rule), input: { entries } },
    );
  }

  /** Calls `number` from `phone`; resolves with how the call ended (the SIP code) once it did. */
  async function callOut(phone: Phone, number: string, options: { dtmf?: string; holdMs?: number } = {}): Promise<{ code: number; reason: string }> {
    await phone.waitFor(/$/, 100);
    await phone.call(product.uri(number));
    if (options.dtmf) {
      await phone.waitFor(callState('CONFIRMED'), 10_000);
      // The PIN prompt has begun; the digits go out one after another.
      await new Promise((r) => setTimeout(r, 1500));
      await phone.sendDtmf(options.dtmf);
      // Answered by the PBX for the PIN: what happens next is the provider's (or a hang-up).
      return { code: 200, reason: 'answered for the PIN' };
    }
    const ended = await Promise.race([
      phone.waitFor(disconnected, options.holdMs ?? 15_000).then((m) => ({ code: Number(m[2]), reason: m[3]! })),
      phone.waitFor(callState('CONFIRMED'), options.holdMs ?? 15_000).then(() => null),
    ]);
    if (ended) return ended;
    return { code: 200, reason: 'connected' };
  }

  beforeAll(async () => {
    product = await startProduct({ asterisk: ASTERISK!, pjsua: PJSUA! });
    provider = await startProvider(product.pbx, {
      bin: ASTERISK!,
      pbxSipPort: product.ports.sipUdp,
      pbxIaxPort: PBX_IAX_PORT,
      accounts: [ACCOUNT, SECOND, FAILING],
      registrations: [{ name: LINK.name, username: LINK.name, password: LINK.password }],
      iaxAccounts: [IAX],
      iaxPeers: [{ name: IAX_LINK.name, username: IAX_LINK.name, password: IAX_LINK.password }],
      addressPeers: [BY_ADDRESS],
    });
    expect(provider.asterisk.problems(['pjsip.conf', 'iax.conf', 'extensions.conf'])).toEqual([]);
    // Like any provider or linked PBX: trusted, so that its retries while a trunk is not yet set up never ban it (F-7.7.4).
    const trusted = await product.gql(`mutation($input: CreateTrustedNetworkInput!) { createTrustedNetwork(input: $input) { ${ERRORS} ... on MutationCreateTrustedNetworkSuccess { data { id } } } }`, {
      input: { name: 'provider', network: provider.address },
    });
    expect(trusted.createTrustedNetwork.__typename).toBe('MutationCreateTrustedNetworkSuccess');
    await product.createExtension('100', { outboundCallerId1: '5550100', outboundCallerId2: '5550199' });
    await product.createExtension('101');
    phone100 = await product.phone('100');
    phone101 = await product.phone('101');
    for (const p of [phone100, phone101]) expect((await p.waitForRegistration()).ok, p.tail()).toBe(true);
    feed = subscribe(product.server.graphqlUrl, product.server.adminToken, STATUS);
    const dir = process.env.PBX_E2E_RECORD_AMI;
    if (dir) recorder = await startAmiRecorder({ dir, port: product.ports.ami, username: 'pbx', secret: AMI_PASSWORD });
  }, 120_000);

  beforeEach((ctx) => {
    recorder?.mark(ctx.task.name);
  });

  afterAll(async () => {
    await recorder?.stop();
    await feed?.close().catch(() => undefined);
    await provider?.stop();
    await product?.stop();
  }, 60_000);

  it('1. a client-mode SIP trunk registers with the provider: REGISTERED with its latency', async () => {
    const from = feed.results.length;
    await createSipTrunk({
      name: 'provider',
      serverHost: provider.address,
      serverPort: provider.sipPort,
      username: ACCOUNT.username,
      password: ACCOUNT.password,
      fromUser: ACCOUNT.username,
      sendPai: true,
      keepAliveSeconds: 5,
      retryIntervalSeconds: 10,
      callerIdPreference: 'EXTENSION',
      outboundCallerId: '5550000',
    });
    const registered = await waitTrunk('provider', (s) => s.status === 'REGISTERED', from).catch((e) => {
      throw new Error(`${(e as Error).message}\ndelivered: ${history('provider', from)}\n${product.pbx.logLines().slice(-20).join('\n')}`);
    });
    expect(registered.status).toBe('REGISTERED');
    const withLatency = await waitTrunk('provider', (s) => s.status === 'REGISTERED' && (s.latencyMs ?? 0) > 0, from, 15_000);
    expect(withLatency.latencyMs).toBeLessThan(1000);
    const statuses = (await product.gql(`{ trunkStatuses { name status } }`)).trunkStatuses;
    expect(statuses).toContainEqual({ name: 'provider', status: 'REGISTERED' });
    await record('registered', ['provider']);
  });

  it('2. a wrong password shows REJECTED; the right one registers again', async () => {
    const from = feed.results.length;
    await updateSipTrunk('provider', { password: 'not-the-password' });
    const rejected = await waitTrunk('provider', (s) => s.status === 'REJECTED', from).catch((e) => {
      throw new Error(`${(e as Error).message}\ndelivered: ${history('provider', from)}`);
    });
    expect(rejected.lastFailureReason ?? '').not.toBe('');
    await record('rejected', ['provider']);
    const again = feed.results.length;
    await updateSipTrunk('provider', { password: ACCOUNT.password });
    await waitTrunk('provider', (s) => s.status === 'REGISTERED', again);
  });

  it('3. the provider stopped: UNREACHABLE, then REGISTERED again by itself once it is back', async () => {
    const from = feed.results.length;
    await provider.asterisk.pause();
    await waitTrunk('provider', (s) => s.status === 'UNREACHABLE', from, 40_000).catch((e) => {
      throw new Error(`${(e as Error).message}\ndelivered: ${history('provider', from)}`);
    });
    await record('unreachable', ['provider']);
    const back = feed.results.length;
    await provider.asterisk.resume();
    await waitTrunk('provider', (s) => s.status === 'REGISTERED', back, 40_000).catch((e) => {
      throw new Error(`${(e as Error).message}\ndelivered: ${history('provider', from)}`);
    });
  }, 90_000);

  it('4. 9 + number goes out through the provider: prefix stripped, digits prepended, the caller ID of the entry', async () => {
    await setEntries('DialOut', [{ prefix: '9', pattern: 'X.', prependDigits: '00', callerIdSource: 'EXT_CALLER_ID_2', trunks: ['provider'] }]);
    const mark = provider.logMark();
    const ended = await callOut(phone100, '95551234');
    expect(ended, phone100.tail()).toMatchObject({ code: 200 });
    await until(() => provider.received(mark).length > 0, 10_000, 'the provider received the call');
    expect(provider.received(mark)[0]).toMatchObject({ account: ACCOUNT.username, number: '005551234', cid: '5550199' });
    await product.idle();
  });

  it('4b. a trunk that records its outbound calls: the call through it is recorded into the monitor spool', async () => {
    await updateSipTrunk('provider', { recording: 'OUTBOUND' });
    const monitor = path.join(product.pbx.spoolDir, 'monitor');
    const before = existsSync(monitor) ? readdirSync(monitor) : [];
    expect(await callOut(phone100, '95551235')).toMatchObject({ code: 200 });
    await new Promise((r) => setTimeout(r, 1000));
    await product.idle();
    // Named by time, caller, the number sent out and the call's unique id; one file although the entry asks once per trunk.
    await until(() => existsSync(monitor) && readdirSync(monitor).some((f) => !before.includes(f) && /-5550199-005551235-.*\.wav$/.test(f)), 5000, 'a recording of the call out');
    expect(readdirSync(monitor).filter((f) => !before.includes(f))).toHaveLength(1);
    await updateSipTrunk('provider', { recording: 'OFF' });
  });

  it('4c. a number with characters Dial reads as separators is refused: 9…&PJSIP/101&PJSIP/7 rings neither 101 nor the provider', async () => {
    await setEntries('DialOut', [{ prefix: '9', pattern: 'X.', trunks: ['provider'] }]);
    const mark = provider.logMark();
    await phone101.waitFor(/$/, 100);
    // A SIP user part may carry & and / as they are: Dial(PJSIP/${PBX_DIALNUM}@provider) became
    // Dial(PJSIP/5551236&PJSIP/101&PJSIP/7@provider), which rang 101 directly beside the provider.
    const ended = await callOut(phone100, '95551236&PJSIP/101&PJSIP/7');
    expect(ended.code, phone100.tail()).not.toBe(200);
    await expect(phone101.waitFor(incomingCall, 3000)).rejects.toThrow(/no .* within/);
    expect(provider.received(mark)).toEqual([]);
    await product.idle();
  });

  it('4d. an extension forwarding every call to an outside number: a call to it goes out through the provider, through its own dial rule and with its own caller ID', async () => {
    await setEntries('DialOut', [{ prefix: '9', pattern: 'X.', prependDigits: '00', callerIdSource: 'EXT_CALLER_ID_2', trunks: ['provider'] }]);
    const SET = `mutation($id: ID!, $number: String) { setExtensionCallForwarding(id: $id, type: ALWAYS, number: $number) { ${ERRORS} ... on MutationSetExtensionCallForwardingSuccess { data { callForwarding { always } } } } }`;
    const id = (await product.gql(`{ extension(number: "100") { id } }`)).extension.id;
    expect((await product.gql(SET, { id, number: '95551237' })).setExtensionCallForwarding).toMatchObject({ data: { callForwarding: { always: '95551237' } } });
    try {
      const mark = provider.logMark();
      // 101 has no outbound caller ID: the one sent is 100's, the extension that forwards.
      expect(await callOut(phone101, '100'), phone101.tail()).toMatchObject({ code: 200 });
      await until(() => provider.received(mark).length > 0, 10_000, 'the provider received the forwarded call');
      expect(provider.received(mark)[0]).toMatchObject({ account: ACCOUNT.username, number: '005551237', cid: '5550199' });
    } finally {
      await product.gql(SET, { id, number: null });
      await product.idle();
    }
  });

  it('5. an entry with a PIN set asks for a PIN: a right one goes out (the PIN is the account code), a wrong one does not', async () => {
    await product.mutateApplied('createPinSet', `mutation($input: CreatePinSetInput!) { createPinSet(input: $input) { ${ERRORS} ... on MutationCreatePinSetSuccess { data { id } } } }`, {
      input: { name: 'staff', pins: ['4711', '1234'] },
    });
    await setEntries('DialOut', [{ prefix: '9', pattern: 'X.', pinSet: 'staff', trunks: ['provider'] }]);
    let mark = provider.logMark();
    expect(await callOut(phone100, '95550001', { dtmf: '4711#' })).toMatchObject({ code: 200 });
    await until(() => provider.received(mark).length > 0, 15_000, 'the provider received the call after the PIN');
    expect(provider.received(mark)[0]).toMatchObject({ number: '5550001' });
    // The PIN is the call's account code (the call record takes it).
    expect((await product.pbx.cli('core show channels concise')).split('\n').find((l) => l.startsWith('PJSIP/100-'))).toContain('!4711!');
    await product.idle();

    mark = provider.logMark();
    const refused = await callOut(phone100, '95550002', { dtmf: '9999#', holdMs: 30_000 });
    // Asked again up to three times, then hung up: nothing reached the provider.
    if (refused.code === 200) await phone100.waitFor(disconnected, 30_000);
    expect(provider.received(mark)).toEqual([]);
    await product.idle();
  }, 90_000);

  it('6. the first trunk failing sends the call out on the second', async () => {
    await createSipTrunk({ name: 'down', serverHost: provider.address, serverPort: provider.sipPort, username: FAILING.username, password: FAILING.password, fromUser: FAILING.username });
    await createSipTrunk({ name: 'second', serverHost: provider.address, serverPort: provider.sipPort, username: SECOND.username, password: SECOND.password, fromUser: SECOND.username });
    await setEntries('DialOut', [{ prefix: '9', pattern: 'X.', trunks: ['down', 'second'] }]);
    const mark = provider.logMark();
    expect(await callOut(phone100, '95550003')).toMatchObject({ code: 200 });
    await until(() => provider.received(mark).length >= 2, 10_000, 'both trunks tried');
    expect(provider.received(mark).map((r) => r.account)).toEqual([FAILING.username, SECOND.username]);
    await product.idle();
  });

  it('7. max concurrent calls: the trunk refuses the next call while one is up', async () => {
    await updateSipTrunk('provider', { maxConcurrentCalls: 1 });
    await setEntries('DialOut', [{ prefix: '9', pattern: 'X.', trunks: ['provider'] }]);
    const mark = provider.logMark();
    expect(await callOut(phone100, '95550004')).toMatchObject({ code: 200 });
    const second = await callOut(phone101, '95550005');
    expect(second.code, phone101.tail()).not.toBe(200);
    expect(provider.received(mark).map((r) => r.number)).toEqual(['5550004']);
    await product.idle();
    await updateSipTrunk('provider', { maxConcurrentCalls: null });
  });

  it('8. an extension whose dial permission lacks the rule cannot dial out', async () => {
    await product.mutateApplied(
      'createDialPermission',
      `mutation($input: CreateDialPermissionInput!) { createDialPermission(input: $input) { ${ERRORS} ... on MutationCreateDialPermissionSuccess { data { id } } } }`,
      { input: { name: 'InternalOnly', dialRules: [] } },
    );
    await product.mutateApplied(
      'updateExtension',
      `mutation($id: ID!, $input: UpdateExtensionInput!) { updateExtension(id: $id, input: $input) { ${ERRORS} ... on MutationUpdateExtensionSuccess { data { id } } } }`,
      { id: (await product.gql(`{ extension(number: "101") { id } }`)).extension.id, input: { dialPermission: 'InternalOnly' } },
    );
    const mark = provider.logMark();
    const ended = await callOut(phone101, '95550006');
    expect(ended.code).not.toBe(200);
    expect(provider.received(mark)).toEqual([]);
    // Internal calls still work with that permission.
    await phone100.waitFor(/$/, 100);
    await phone101.call(product.uri('100'));
    await phone100.waitFor(incomingCall, 5000);
    await product.idle();
  });

  it('9. a call time limit hangs the call up', async () => {
    await setEntries('DialOut', [{ prefix: '9', pattern: 'X.', trunks: ['provider'], callTimeLimitSeconds: 60 }]);
    const started = Date.now();
    expect(await callOut(phone100, '95550007')).toMatchObject({ code: 200 });
    await phone100.waitFor(disconnected, 75_000);
    const seconds = (Date.now() - started) / 1000;
    expect(seconds).toBeGreaterThan(55);
    expect(seconds).toBeLessThan(72);
  }, 100_000);

  it('10. a server-mode trunk links the two PBXs: the far PBX registers and calls both ways work', async () => {
    const from = feed.results.length;
    await createSipTrunk({ name: LINK.name, mode: 'SERVER', password: LINK.password, fromUser: LINK.name });
    await waitTrunk(LINK.name, (s) => s.status === 'REGISTERED', from, 30_000).catch(async (e) => {
      throw new Error(
        `${(e as Error).message}\ndelivered: ${history(LINK.name, from)}\nPBX ${await cli(product.pbx, 'pjsip show contacts')}\nprovider ${await cli(provider.asterisk, 'pjsip show registrations')}\n${provider.asterisk.logLines().slice(-15).join('\n')}`,
      );
    });
    // Out: 8 + number through the link.
    await product.mutateApplied('createDialRule', `mutation($input: CreateDialRuleInput!) { createDialRule(input: $input) { ${ERRORS} ... on MutationCreateDialRuleSuccess { data { id } } } }`, {
      input: { name: 'ToOtherPbx', entries: [{ prefix: '8', pattern: 'XXX', trunks: [LINK.name] }] },
    });
    await product.mutateApplied(
      'updateDialPermission',
      `mutation($id: ID!, $input: UpdateDialPermissionInput!) { updateDialPermission(id: $id, input: $input) { ${ERRORS} ... on MutationUpdateDialPermissionSuccess { data { id } } } }`,
      { id: (await product.gql(`{ dialPermissions { id name } }`)).dialPermissions.find((p: any) => p.name === 'DialPlan1').id, input: { dialRules: ['DialOut', 'ToOtherPbx'] } },
    );
    const mark = provider.logMark();
    expect(await callOut(phone100, '8200')).toMatchObject({ code: 200 });
    await until(() => provider.received(mark).length > 0, 10_000, 'the far PBX received the call');
    expect(provider.received(mark)[0]).toMatchObject({ account: LINK.name, number: '200' });
    await product.idle();
    // In: the far PBX calls extension 100 through the link.
    await phone100.waitFor(/$/, 100);
    await provider.callFrom('sip', LINK.name, '100');
    await phone100.waitFor(incomingCall, 10_000);
    await product.idle();
    await record('link-registered', [LINK.name]);
  }, 90_000);

  it('11. an IAX trunk between the two Asterisks: registers and calls both ways', async () => {
    const from = feed.results.length;
    await createIaxTrunk({ name: 'iaxprovider', serverHost: provider.address, serverPort: provider.iaxPort, username: IAX.username, password: IAX.password });
    await waitTrunk('iaxprovider', (s) => s.status === 'REGISTERED', from, 30_000).catch(async (e) => {
      throw new Error(
        `${(e as Error).message}\ndelivered: ${history('iaxprovider', from)}\nPBX ${await cli(product.pbx, 'iax2 show registry')}\n${await cli(product.pbx, 'iax2 show peers')}\nprovider ${await cli(provider.asterisk, 'iax2 show peers')}`,
      );
    });
    await setEntries('DialOut', [{ prefix: '9', pattern: 'X.', trunks: ['iaxprovider'] }]);
    const mark = provider.logMark();
    expect(await callOut(phone100, '95550008')).toMatchObject({ code: 200 });
    await until(() => provider.received(mark).length > 0, 10_000, 'the provider received the IAX call');
    expect(provider.received(mark)[0]).toMatchObject({ account: IAX.username, number: '5550008' });
    await product.idle();
    // In: the provider calls in over IAX2 through the registered peer; the trunk's inbound route rings 100.
    await product.mutateApplied(
      'setInboundRoute',
      `mutation($trunk: ID!, $input: InboundRouteInput!) { setInboundRoute(trunk: $trunk, input: $input) { ${ERRORS} ... on MutationSetInboundRouteSuccess { data { id } } } }`,
      { trunk: trunkIds.get('iaxprovider'), input: { destination: { type: 'EXTENSION', target: '100' } } },
    );
    await phone100.waitFor(/$/, 100);
    await provider.callFrom('iax', IAX.username, '100');
    await phone100.waitFor(incomingCall, 10_000);
    await product.idle();
    await record('iax-registered');
  }, 90_000);

  it('12. IAX: a wrong secret shows REJECTED with its cause, the right one registers again; a server-mode IAX trunk sees its peer register', async () => {
    const from = feed.results.length;
    await product.mutateApplied(
      'updateIaxTrunk',
      `mutation($id: ID!, $input: UpdateIaxTrunkInput!) { updateIaxTrunk(id: $id, input: $input) { ${ERRORS} ... on MutationUpdateIaxTrunkSuccess { data { id } } } }`,
      { id: trunkIds.get('iaxprovider'), input: { password: 'not-the-secret' } },
    );
    const rejected = await waitTrunk('iaxprovider', (s) => s.status === 'REJECTED', from, 30_000).catch(async (e) => {
      throw new Error(`${(e as Error).message}\ndelivered: ${history('iaxprovider', from)}\nPBX ${await cli(product.pbx, 'iax2 show registry')}`);
    });
    expect(rejected.lastFailureReason ?? '').not.toBe('');
    await record('iax-rejected');
    const again = feed.results.length;
    await product.mutateApplied(
      'updateIaxTrunk',
      `mutation($id: ID!, $input: UpdateIaxTrunkInput!) { updateIaxTrunk(id: $id, input: $input) { ${ERRORS} ... on MutationUpdateIaxTrunkSuccess { data { id } } } }`,
      { id: trunkIds.get('iaxprovider'), input: { password: IAX.password } },
    );
    await waitTrunk('iaxprovider', (s) => s.status === 'REGISTERED', again, 30_000);

    // The provider registers to us as IAX_LINK (refused so far: no such peer); once the trunk exists, its next attempt succeeds.
    const link = feed.results.length;
    await createIaxTrunk({ name: IAX_LINK.name, mode: 'SERVER', password: IAX_LINK.password });
    await provider.asterisk.cli('iax2 reload');
    const registered = await waitTrunk(IAX_LINK.name, (s) => s.status === 'REGISTERED', link, 30_000).catch(async (e) => {
      throw new Error(
        `${(e as Error).message}\ndelivered: ${history(IAX_LINK.name, link)}\nPBX ${await cli(product.pbx, 'iax2 show peers')}\nprovider ${await cli(provider.asterisk, 'iax2 show registry')}`,
      );
    });
    expect(registered.peerContact?.replace(/:\d+$/, '')).toBe(provider.address);
    await record('iax-link-registered');
  }, 90_000);

  it('13. intrusion protection: 30 wrong REGISTERs ban the address; its right password is refused, another address registers; unban restores', async () => {
    const port = async () => ({ localPort: await freePort(), rtpPort: (await freeUdpRange(8)).start });
    const attacker = startPhone({
      bin: PJSUA!,
      username: '101',
      password: 'wrong-guess',
      registrar: `127.0.0.1:${product.ports.sipUdp}`,
      sandbox: product.pbx.sandbox,
      address: '127.0.0.66',
      ...(await port()),
    });
    try {
      expect((await attacker.waitForRegistration()).ok).toBe(false);
      // Guessing: 29 more REGISTERs with wrong passwords (pjsua's re-register command).
      for (let i = 0; i < 29; i++) {
        attacker.send('rr');
        await attacker.waitFor(/registration error|Registration failed|status=403/, 5000).catch(() => undefined);
      }
      await until(
        async () => (await product.gql(`{ ipBans(first: 10) { edges { node { address } } } }`)).ipBans.edges.some((e: any) => e.node.address === '127.0.0.66'),
        20_000,
        'the attacker banned',
      ).catch((e) => {
        throw new Error(`${(e as Error).message}\n${attacker.tail(30)}`);
      });
    } finally {
      await attacker.stop();
    }
    await until(async () => (await product.configuration()).appliedRevision === (await product.configuration()).revision, 10_000, 'the ban applied');
    /** Whether 101's right password registers from `address`. */
    const registersFrom = async (address: string) => {
      const p = startPhone({ bin: PJSUA!, username: '101', password: 'Secret-101', registrar: `127.0.0.1:${product.ports.sipUdp}`, sandbox: product.pbx.sandbox, address, ...(await port()) });
      try {
        const registration = await p.waitForRegistration(10_000);
        return { ok: registration.ok, tail: p.tail() };
      } finally {
        await p.stop();
      }
    };
    const banned = await registersFrom('127.0.0.66');
    expect(banned.ok, banned.tail).toBe(false);
    const other = await registersFrom('127.0.0.67');
    expect(other.ok, other.tail).toBe(true);
    await product.mutateApplied('unbanIp', `mutation { unbanIp(address: "127.0.0.66") { ${ERRORS} ... on MutationUnbanIpSuccess { data { count } } } }`);
    const again = await registersFrom('127.0.0.66');
    expect(again.ok, again.tail).toBe(true);
  }, 120_000);

  // Last: while it exists, every request from the provider's address is this trunk's (identify by address comes first).
  it('14. a provider that needs no credentials (authEnabled off, no username): no REGISTER; calls go to its address and its calls come in by address', async () => {
    const from = feed.results.length;
    await createSipTrunk({ name: BY_ADDRESS, serverHost: provider.address, serverPort: provider.sipPort, authEnabled: false, fromUser: BY_ADDRESS, keepAliveSeconds: 5 });
    expect(await product.pbx.cli('pjsip show registrations')).not.toContain(BY_ADDRESS);
    expect(await product.pbx.cli(`pjsip show identify ${BY_ADDRESS}-identify`)).toContain(provider.address);
    // Up while its server answers the qualify.
    await waitTrunk(BY_ADDRESS, (s) => s.status === 'REGISTERED', from).catch((e) => {
      throw new Error(`${(e as Error).message}\ndelivered: ${history(BY_ADDRESS, from)}`);
    });

    await setEntries('DialOut', [{ prefix: '9', pattern: 'X.', trunks: [BY_ADDRESS] }]);
    const mark = provider.logMark();
    const ended = await callOut(phone100, '95557788');
    expect(ended, phone100.tail()).toMatchObject({ code: 200 });
    await until(() => provider.received(mark).length > 0, 10_000, 'the provider received the call');
    expect(provider.received(mark)[0]).toMatchObject({ account: BY_ADDRESS, number: '5557788' });
    await provider.hangupAll();
    await product.idle();

    await product.mutateApplied(
      'setInboundRoute',
      `mutation($trunk: ID!, $input: InboundRouteInput!) { setInboundRoute(trunk: $trunk, input: $input) { ${ERRORS} ... on MutationSetInboundRouteSuccess { data { id } } } }`,
      { trunk: trunkIds.get(BY_ADDRESS), input: { destination: { type: 'EXTENSION', target: '101' } } },
    );
    await phone101.waitFor(/$/, 100);
    await provider.callFrom('sip', BY_ADDRESS, '5550123', { callerId: '5550777', seconds: 5 });
    await phone101.waitFor(incomingCall, 10_000).catch(async (e) => {
      throw new Error(`${(e as Error).message}\n${product.pbx.logLines().slice(-20).join('\n')}`);
    });
    await provider.hangupAll();
    await product.idle();
  }, 90_000);
});
