import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { reloadModules, render } from '../../src/pbx/render/index.js';
import type { PbxSnapshot } from '../../src/pbx/render/snapshot.js';
import type { SnapshotQueue } from '../../src/queues/snapshot.js';
import { until } from '../support/subscriptions.js';
import { smallSnapshot } from '../pbx/fixtures/snapshots.js';
import { ERRORS, startProduct, type Product } from './support/product.js';
import { allocatePorts, disconnected, e2eBinaries, freePort, freeUdpRange, RENDERED_FILES, startAsterisk, startPhone, withPorts, type Asterisk, type PbxPorts, type Phone } from './support/index.js';
import { queueDefaults } from '../../src/queues/service.js';

/**
 * The rendered queues.conf and queue dialplan on a real Asterisk (F-4.2.2,
 * F-4.7.g): app_queue reads every option without a complaint, the queue shows
 * its strategy, music class and static members, and a dynamic agent logs in
 * with *62 + the queue number, survives `module reload app_queue`, pauses
 * with *95, resumes with *095 and logs out with *062; an extension that is
 * not a dynamic agent of the queue is refused. The call scenarios (callers
 * waiting, agents answering, failover) are the queue suite.
 */
const { ASTERISK, PJSUA } = e2eBinaries();

const base: Omit<SnapshotQueue, 'id' | 'name' | 'number'> = {
  ...queueDefaults,
  mohClassId: 'mohclassdefault',
  periodicAnnouncePromptId: null,
  staticAgents: [],
  dynamicAgents: [],
  failover: { type: 'HANGUP', number: null },
};

/** Extensions 100 and 102 register from loopback (101 trusts 192.168.1.0/24 only, 103 is disabled). */
function queueSnapshot(ports: PbxPorts): PbxSnapshot {
  const snapshot = withPorts(smallSnapshot(), ports);
  snapshot.connection = { ...snapshot.connection, soundsDir: '/var/lib/pbx/sounds' };
  snapshot.prompts = [{ id: 'prompt-hold', name: 'hold-notice', category: 'CUSTOM' }];
  snapshot.queues = [
    {
      ...base,
      id: 'qsales',
      name: 'Sales (EU)',
      number: '0300',
      strategy: 'LINEAR',
      useMemberOrder: true,
      autofill: false,
      agentRingTimeoutSeconds: 20,
      autopause: 'ALL',
      wrapupSeconds: 10,
      reportHoldTime: true,
      maxCallers: 5,
      prefixQueueNameToCallerId: true,
      maxWaitSeconds: 300,
      joinEmpty: false,
      announceHoldTime: 'ONCE',
      announcePosition: true,
      announceFrequencySeconds: 60,
      periodicAnnounceFrequencySeconds: 45,
      periodicAnnouncePromptId: 'prompt-hold',
      staticAgents: ['101', '100'],
      dynamicAgents: ['102'],
      failover: { type: 'DEPARTMENT', number: '0400' },
    },
    { ...base, id: 'qsupport', name: 'Support', number: '0301', strategy: 'FEWEST_CALLS', joinEmpty: false, leaveWhenEmpty: true, dynamicAgents: ['100'] },
  ];
  return snapshot;
}

describe.skipIf(!ASTERISK || !PJSUA)('queues on a real Asterisk: queues.conf and the agent codes', () => {
  let pbx: Asterisk;
  let ports: PbxPorts;

  beforeAll(async () => {
    ports = await allocatePorts();
    pbx = await startAsterisk({ bin: ASTERISK!, files: render(queueSnapshot(ports)).files, ports });
  }, 60_000);
  afterAll(async () => {
    await pbx?.stop();
  }, 20_000);

  async function phone(number: string): Promise<Phone> {
    const p = startPhone({
      bin: PJSUA!,
      username: number,
      password: `Secret-${number}`,
      localPort: await freePort(),
      rtpPort: (await freeUdpRange(8)).start,
      registrar: `127.0.0.1:${ports.sipUdp}`,
      sandbox: pbx.sandbox,
    });
    onTestFinished(() => p.stop());
    expect(await p.waitForRegistration(), p.tail()).toMatchObject({ ok: true });
    return p;
  }

  /** Dials a code and waits until Asterisk has played its answer and hung up. */
  async function dial(p: Phone, code: string) {
    await p.call(`sip:${code}@127.0.0.1:${ports.sipUdp}`);
    await p.waitFor(disconnected, 15_000);
  }

  const show = (queue: string) => pbx.cli(`queue show ${queue}`);

  it('loads queues.conf without a warning and shows the strategy, the limit and the static members with their penalties in order', async () => {
    const problems = pbx.problems(RENDERED_FILES);
    expect(problems, problems.join('\n')).toEqual([]);
    const sales = await show('queue-qsales');
    expect(sales).toMatch(/^queue-qsales has 0 calls \(max 5\) in 'linear' strategy/m);
    // CLI: "101 (PJSIP/101) (ringinuse disabled) …", a penalty other than 0 as "with penalty 1".
    const members = [...sales.matchAll(/^\s+(\d+) \((PJSIP\/\d+)\)( with penalty (\d+))? \(ringinuse disabled\)/gm)].map((m) => `${m[2]}:${m[4] ?? '0'}`);
    expect(members, sales).toEqual(['PJSIP/101:0', 'PJSIP/100:1']);
    expect(await show('queue-qsupport')).toMatch(/^queue-qsupport has 0 calls \(max unlimited\) in 'fewestcalls' strategy/m);
    expect(await pbx.cli('dialplan show 0300@pbx-internal')).toContain('Goto(pbx-queue-0300,s,1)');
  });

  it('holds a caller of 0300 with its music class, the queue name before the caller ID, until the caller hangs up', async () => {
    const caller = await phone('100');
    const mark = pbx.logLines().length;
    await caller.call(`sip:0300@127.0.0.1:${ports.sipUdp}`);
    // 100 is a static agent but busy calling; 101 is unreachable: nobody to ring, the caller waits (joinempty counts only paused and unreachable agents).
    await until(async () => /^queue-qsales has 1 calls/m.test(await show('queue-qsales')), 10_000, 'a caller waiting in queue-qsales').catch(async (e) => {
      throw new Error(`${(e as Error).message}:\n${await show('queue-qsales')}\n${pbx.logLines().slice(mark).join('\n')}`);
    });
    const log = pbx.logLines().slice(mark).join('\n');
    expect(log).toMatch(/Started music on hold, class 'default', on channel 'PJSIP\/100-/);
    expect(log).toContain('Set("PJSIP/100-');
    expect(log).toMatch(/Set\("PJSIP\/100-[^"]*", "CALLERID\(name\)=Sales EU:[^"]*"\)/);
    expect(log).toMatch(/Queue\("PJSIP\/100-[^"]*", "queue-qsales,nt,,,300"\)/);
    caller.hangup(true);
    await until(async () => /^queue-qsales has 0 calls/m.test(await show('queue-qsales')), 10_000, 'the caller gone');
  }, 30_000);

  it('logs dynamic agent 102 in with *620300, keeps it over a reload of app_queue and a restart of Asterisk, pauses, resumes and logs it out', async () => {
    const agent = await phone('102');
    await dial(agent, '*620300');
    await until(async () => /\(PJSIP\/102\)[^\n]*\(dynamic\)/.test(await show('queue-qsales')), 5000, '102 a dynamic member of queue-qsales').catch(async (e) => {
      throw new Error(`${(e as Error).message}:\n${await show('queue-qsales')}\n${agent.tail()}`);
    });
    // Member order: a dynamic agent comes after the two static agents.
    expect(await show('queue-qsales')).toMatch(/PJSIP\/102[^\n]*with penalty 2/);
    // The agent was told it worked.
    expect(pbx.logLines().join('\n')).toMatch(/Playing 'agent-loginok/);

    // A changed queues.conf (as an apply writes it) and app_queue reloaded as the applier does: the new limit holds, the login stays.
    const changed = queueSnapshot(ports);
    changed.queues![0]!.maxCallers = 7;
    const mark = pbx.logLines().length;
    pbx.writeFiles(new Map([['queues.conf', render(changed).files.get('queues.conf')!]]));
    expect((await pbx.ariRequest('PUT', `asterisk/modules/${reloadModules['queues.conf']}`)).status).toBe(204);
    expect(await show('queue-qsales')).toMatch(/^queue-qsales has 0 calls \(max 7\)/m);
    expect(await show('queue-qsales')).toMatch(/PJSIP\/102[^\n]*\(dynamic\)/);
    expect(pbx.problems(RENDERED_FILES, mark)).toEqual([]);
    // persistentmembers: the login is kept in astdb and restored when Asterisk starts again.
    await pbx.restart();
    expect(await show('queue-qsales')).toMatch(/PJSIP\/102[^\n]*\(dynamic\)/);

    await dial(agent, '*95');
    await until(async () => /PJSIP\/102[^\n]*\(paused/.test(await show('queue-qsales')), 5000, '102 paused');
    await dial(agent, '*095');
    await until(async () => !/PJSIP\/102[^\n]*\(paused/.test(await show('queue-qsales')), 5000, '102 resumed');
    await dial(agent, '*0620300');
    await until(async () => !/PJSIP\/102/.test(await show('queue-qsales')), 5000, '102 logged out');
  }, 60_000);

  it('refuses *62 from an extension that is not a dynamic agent of that queue and for a number that is no queue; an empty queue sends callers to the failover at once', async () => {
    const alice = await phone('100');
    const mark = pbx.logLines().length;
    // 100 is a static agent of 0300 and a dynamic agent of 0301 only.
    await dial(alice, '*620300');
    await dial(alice, '*620399');
    const log = pbx.logLines().slice(mark).join('\n');
    expect(log).not.toMatch(/AddQueueMember/);
    expect(log.match(/Playing 'beeperr/g)?.length).toBe(2);
    expect(await show('queue-qsales')).not.toMatch(/PJSIP\/100[^\n]*\(dynamic\)/);
    // Support has no agent logged in and does not take callers then (joinEmpty off): Queue() returns at once to the failover (hang up).
    const joined = pbx.logLines().length;
    await dial(alice, '0301');
    const refusedLog = pbx.logLines().slice(joined).join('\n');
    expect(refusedLog).toMatch(/Queue\("PJSIP\/100-[^"]*", "queue-qsupport,nt"\)[\s\S]*Unable to join queue 'queue-qsupport'[\s\S]*Hangup\("PJSIP\/100-/);
    expect(refusedLog).not.toMatch(/Started music on hold/);
    // Its own queue takes it.
    await dial(alice, '*620301');
    await until(async () => /PJSIP\/100[^\n]*\(dynamic\)/.test(await show('queue-qsupport')), 5000, '100 a dynamic member of queue-qsupport');
    // A static agent cannot log out.
    const before = pbx.logLines().length;
    await dial(alice, '*0620300');
    expect(pbx.logLines().slice(before).join('\n')).toMatch(/Playing 'beeperr/);
    expect(await show('queue-qsales')).toMatch(/PJSIP\/100/);
  }, 60_000);
});

describe.skipIf(!ASTERISK || !PJSUA)('queues through the product: GraphQL → apply → app_queue', () => {
  let product: Product;

  beforeAll(async () => {
    product = await startProduct({ asterisk: ASTERISK!, pjsua: PJSUA! });
    for (const n of ['100', '101']) await product.createExtension(n);
  }, 120_000);
  afterAll(async () => {
    await product?.stop();
  }, 60_000);

  it('a created queue reaches app_queue (reloaded by the apply), 101 logs in by *62 + its number, and an update keeps the login', async () => {
    const queue = await product.mutateApplied<{ id: string; number: string }>(
      'createQueue',
      `mutation($input: CreateQueueInput!) { createQueue(input: $input) { ${ERRORS} ... on MutationCreateQueueSuccess { data { id number } } } }`,
      { input: { name: 'Sales', strategy: 'RR_MEMORY', staticAgents: ['100'], dynamicAgents: ['101'], failoverDestination: { type: 'HANGUP' } } },
    );
    expect((await product.configuration()).lastApply.reloadedModules).toContain('app_queue.so');
    const name = `queue-${Buffer.from(queue.id, 'base64').toString('utf8').split(':')[1]}`;
    const show = () => product.pbx.cli(`queue show ${name}`);
    expect(await show()).toMatch(new RegExp(`^${name} has 0 calls \\(max unlimited\\) in 'rrmemory' strategy`, 'm'));
    expect(await show()).toMatch(/\(PJSIP\/100\)/);

    const agent = await product.phone('101');
    expect((await agent.waitForRegistration()).ok, agent.tail()).toBe(true);
    await agent.call(product.uri(`*62${queue.number}`));
    await agent.waitFor(disconnected, 15_000);
    await until(async () => /\(PJSIP\/101\)[^\n]*\(dynamic\)/.test(await show()), 5000, '101 logged in');

    await product.mutateApplied('updateQueue', `mutation($id: ID!) { updateQueue(id: $id, input: { maxCallers: 3 }) { ${ERRORS} ... on MutationUpdateQueueSuccess { data { id } } } }`, {
      id: queue.id,
    });
    expect((await product.configuration()).lastApply.reloadedModules).toEqual(['app_queue.so']);
    expect(await show()).toMatch(new RegExp(`^${name} has 0 calls \\(max 3\\)`, 'm'));
    expect(await show()).toMatch(/\(PJSIP\/101\)[^\n]*\(dynamic\)/);
  }, 60_000);
});
