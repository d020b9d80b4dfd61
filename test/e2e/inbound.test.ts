import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../support/subscriptions.js';
import { callState, e2eBinaries, incomingCall, type Phone } from './support/index.js';
import { ERRORS, startProduct, type Product } from './support/product.js';
import { startProvider, type Provider } from './support/provider.js';

/**
 * Inbound calls on a real Asterisk (the inbound issue): the provider Asterisk
 * of the trunks suite calls in through a registered client-mode trunk, and
 * our PBX routes each call by blacklist, office pause, DID route, time rule
 * and the trunk's route, as configured through GraphQL. The scenarios run in
 * order. Without the binaries the file skips at once.
 */
const { ASTERISK, PJSUA } = e2eBinaries();

const ACCOUNT = { username: 'pbxuser', password: 'Provider-secret-1' };
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] as const;

describe.skipIf(!ASTERISK || !PJSUA)('inbound calls on a real Asterisk', () => {
  let product: Product;
  let provider: Provider;
  let trunkId: string;
  const phones = new Map<string, Phone>();
  const phone = (n: string) => phones.get(n)!;

  async function mutate<T = any>(field: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
    return product.mutateApplied<T>(field, query, variables);
  }
  /** A call from the provider to `did` (from `callerId`); resolves with the phone of `rings` once it rings, or checks that none of `silent` rings. */
  async function callIn(did: string, options: { callerId?: string } = {}) {
    for (const p of phones.values()) await p.waitFor(/$/, 100);
    const mark = { log: provider.logMark(), output: new Map([...phones].map(([n, p]) => [n, p.output().length])) };
    await provider.callFrom('sip', ACCOUNT.username, did, { callerId: options.callerId ?? '5550100', seconds: 10 });
    return mark;
  }
  async function expectRings(number: string, timeoutMs = 10_000) {
    const m = await phone(number).waitFor(incomingCall, timeoutMs);
    return m;
  }
  /** The provider's call ended (refused at once, or after an announcement) and no phone rang. */
  async function expectRefused(mark: { log: number; output: Map<string, number> }) {
    await until(() => provider.dialStatuses(mark.log).length > 0, 15_000, 'the provider saw the call end');
    for (const [n, p] of phones) expect(p.output().slice(mark.output.get(n)), `phone ${n} rang`).not.toMatch(incomingCall);
  }
  /** No call left on either side. */
  async function idle() {
    await provider.hangupAll();
    await product.idle();
  }
  const today = () => new Date().toISOString().slice(0, 10);

  beforeAll(async () => {
    product = await startProduct({ asterisk: ASTERISK!, pjsua: PJSUA! });
    provider = await startProvider(product.pbx, { bin: ASTERISK!, pbxSipPort: product.ports.sipUdp, pbxIaxPort: 4569, accounts: [ACCOUNT] });
    await product.gql(`mutation($input: CreateTrustedNetworkInput!) { createTrustedNetwork(input: $input) { __typename } }`, { input: { name: 'provider', network: provider.address } });
    for (const n of ['100', '101', '102']) await product.createExtension(n);
    for (const n of ['100', '101', '102']) phones.set(n, await product.phone(n));
    for (const p of phones.values()) expect((await p.waitForRegistration()).ok, p.tail()).toBe(true);
    const trunk = await mutate<{ id: string }>(
      'createSipTrunk',
      `mutation($input: CreateSipTrunkInput!) { createSipTrunk(input: $input) { ${ERRORS} ... on MutationCreateSipTrunkSuccess { data { id } } } }`,
      { input: { name: 'provider', serverHost: provider.address, serverPort: provider.sipPort, username: ACCOUNT.username, password: ACCOUNT.password, fromUser: ACCOUNT.username } },
    );
    trunkId = trunk.id;
    await until(async () => /Registered/.test(await product.pbx.cli('pjsip show registrations')), 20_000, 'the trunk registered');
    // The trunk's own route: extension 102.
    await mutate(
      'setInboundRoute',
      `mutation($trunk: ID!, $input: InboundRouteInput!) { setInboundRoute(trunk: $trunk, input: $input) { ${ERRORS} ... on MutationSetInboundRouteSuccess { data { id } } } }`,
      { trunk: trunkId, input: { destination: { type: 'EXTENSION', target: '102' } } },
    );
  }, 120_000);

  afterAll(async () => {
    await provider?.stop();
    await product?.stop();
  }, 60_000);

  it("1. a DID routed to 101 rings 101 with the route's Alert-Info; an unknown DID follows the trunk route", async () => {
    await mutate('createDidRoute', `mutation($input: CreateDidRouteInput!) { createDidRoute(input: $input) { ${ERRORS} ... on MutationCreateDidRouteSuccess { data { id } } } }`, {
      input: { did: '85337096', destination: { type: 'EXTENSION', target: '101' }, alertInfo: 'ring2' },
    });
    await callIn('85337096');
    await expectRings('101');
    expect(phone('101').output()).toMatch(/Alert-Info:\s*[^\n]*ring2/i);
    await idle();
    await callIn('85330000');
    await expectRings('102');
    await idle();
  });

  it('2. a time rule sends the call to its work, holiday or off-hours destination by the time and the date', async () => {
    const now = new Date();
    const weekday = WEEKDAYS[now.getUTCDay()]!;
    await mutate('updatePbxSettings', `mutation { updatePbxSettings(input: { timezone: "UTC" }) { ${ERRORS} ... on MutationUpdatePbxSettingsSuccess { data { timezone } } } }`);
    await mutate('createWorkSchedule', `mutation($input: CreateWorkScheduleInput!) { createWorkSchedule(input: $input) { ${ERRORS} ... on MutationCreateWorkScheduleSuccess { data { id } } } }`, {
      input: { name: 'always-today', ranges: [{ weekday, start: '00:00', end: '24:00' }] },
    });
    const other = WEEKDAYS[(now.getUTCDay() + 3) % 7]!;
    await mutate('createWorkSchedule', `mutation($input: CreateWorkScheduleInput!) { createWorkSchedule(input: $input) { ${ERRORS} ... on MutationCreateWorkScheduleSuccess { data { id } } } }`, {
      input: { name: 'never-today', ranges: [{ weekday: other, start: '09:00', end: '10:00' }] },
    });
    await mutate('createHoliday', `mutation($input: CreateHolidayInput!) { createHoliday(input: $input) { ${ERRORS} ... on MutationCreateHolidaySuccess { data { id } } } }`, {
      input: { name: 'today', ranges: [{ start: today(), end: today() }] },
    });
    const rule = (name: string, schedule: string, holiday: string | null) =>
      mutate('createTimeRule', `mutation($input: CreateTimeRuleInput!) { createTimeRule(input: $input) { ${ERRORS} ... on MutationCreateTimeRuleSuccess { data { id } } } }`, {
        input: {
          name,
          workSchedule: schedule,
          holiday,
          workDestination: { type: 'EXTENSION', target: '100' },
          offHoursDestination: { type: 'EXTENSION', target: '101' },
          ...(holiday ? { holidayDestination: { type: 'EXTENSION', target: '102' } } : {}),
        },
      });
    await rule('work-now', 'always-today', null);
    await rule('holiday-now', 'always-today', 'today');
    await rule('off-now', 'never-today', null);
    const route = async (did: string, timeRule: string) =>
      mutate('createDidRoute', `mutation($input: CreateDidRouteInput!) { createDidRoute(input: $input) { ${ERRORS} ... on MutationCreateDidRouteSuccess { data { id } } } }`, {
        input: { did, destination: { type: 'TIME_RULE', target: timeRule } },
      });
    await route('1001', 'work-now');
    await route('1002', 'holiday-now');
    await route('1003', 'off-now');
    for (const [did, rings] of [
      ['1001', '100'],
      ['1002', '102'],
      ['1003', '101'],
    ] as const) {
      await callIn(did);
      await expectRings(rings).catch((e) => {
        throw new Error(`DID ${did}: ${(e as Error).message}`);
      });
      await idle();
    }
  });

  it('3. *81 from a phone turns office pause on: the next call, DID or not, goes to its destination; *081 restores', async () => {
    await mutate('setOfficePauseDestination', `mutation { setOfficePauseDestination(destination: { type: EXTENSION, target: "100" }) { __typename } }`);
    await phone('101').waitFor(/$/, 100);
    await phone('101').call(product.uri('*81'));
    await until(async () => (await product.gql(`{ officePause { active } }`)).officePause.active === true, 10_000, 'office pause on');
    await idle();
    await callIn('85337096');
    await expectRings('100');
    await idle();
    await phone('101').call(product.uri('*081'));
    await until(async () => (await product.gql(`{ officePause { active } }`)).officePause.active === false, 10_000, 'office pause off');
    await idle();
    await callIn('85337096');
    await expectRings('101');
    await idle();
  });

  it('4. a blacklisted caller is refused: added by a mutation, and by *75 from a phone', async () => {
    await product.gql(`mutation { addBlacklistEntry(number: "5550666") { __typename } }`);
    await until(async () => (await product.configuration()).appliedRevision === (await product.configuration()).revision, 10_000, 'applied');
    let mark = await callIn('85337096', { callerId: '5550666' });
    await expectRefused(mark);
    await idle();

    await phone('100').waitFor(/$/, 100);
    await phone('100').call(product.uri('*75'));
    await phone('100').waitFor(callState('CONFIRMED'), 10_000);
    await new Promise((r) => setTimeout(r, 1500));
    await phone('100').sendDtmf('5550777#');
    await until(async () => JSON.stringify((await product.gql(`{ blacklist(first: 20) { edges { node { number createdBy } } } }`)).blacklist).includes('5550777'), 15_000, 'the entry from *75');
    await idle();
    await until(async () => (await product.configuration()).appliedRevision === (await product.configuration()).revision, 10_000, 'applied');
    mark = await callIn('85337096', { callerId: '5550777' });
    await expectRefused(mark);
    await idle();
  });

  it('5. an anonymous caller is refused while anonymous callers are blocked', async () => {
    await mutate('updatePbxSettings', `mutation { updatePbxSettings(input: { blockAnonymous: true }) { __typename } }`);
    const mark = await callIn('85337096', { callerId: 'anonymous' });
    await expectRefused(mark);
    await idle();
    await mutate('updatePbxSettings', `mutation { updatePbxSettings(input: { blockAnonymous: false }) { __typename } }`);
  });

  it('6. an inbound whitelist lets only listed numbers through to its extension', async () => {
    const list = await mutate<{ id: string }>(
      'createWhitelist',
      `mutation($input: CreateWhitelistInput!) { createWhitelist(input: $input) { ${ERRORS} ... on MutationCreateWhitelistSuccess { data { id } } } }`,
      { input: { name: 'vip', direction: 'INBOUND', numbers: ['5550001'] } },
    );
    expect(list.id).toBeTruthy();
    const ext = (await product.gql(`{ extension(number: "101") { id } }`)).extension.id;
    await mutate(
      'updateExtension',
      `mutation($id: ID!, $input: UpdateExtensionInput!) { updateExtension(id: $id, input: $input) { ${ERRORS} ... on MutationUpdateExtensionSuccess { data { id } } } }`,
      { id: ext, input: { whitelist: 'vip' } },
    );
    await callIn('85337096', { callerId: '5550001' });
    await expectRings('101');
    await idle();
    const mark = await callIn('85337096', { callerId: '5550002' });
    await expectRefused(mark);
    await idle();
  });
});
