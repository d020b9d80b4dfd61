import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_FIELDS, ok, startTestServer, type TestServer } from '../support/server.js';

const QUEUE = `id name number strategy mohClass { name } useMemberOrder staticAgents { number } dynamicAgents { number }
  failoverDestination { type target targetId greeting } autofill agentRingTimeoutSeconds autopause wrapupSeconds reportHoldTime
  maxCallers prefixQueueNameToCallerId maxWaitSeconds joinEmpty leaveWhenEmpty announceHoldTime announcePosition
  announceFrequencySeconds periodicAnnounceFrequencySeconds periodicAnnouncePrompt { name category }`;
const CREATE = `mutation($input: CreateQueueInput!) { createQueue(input: $input) { ${ERROR_FIELDS} ... on ConflictError { path } ... on MutationCreateQueueSuccess { data { ${QUEUE} } } } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateQueueInput!) { updateQueue(id: $id, input: $input) { ${ERROR_FIELDS} ... on ConflictError { path } ... on MutationUpdateQueueSuccess { data { ${QUEUE} } } } }`;
const DELETE = `mutation($ids: [ID!]!) { deleteQueues(ids: $ids) { ${ERROR_FIELDS} ... on MutationDeleteQueuesSuccess { data { count } } } }`;

let server: TestServer;
const gql = (query: string, variables?: Record<string, unknown>, token = server.adminToken) => server.gql(query, variables, token);
const prisma = () => server.running.services.db.prisma;
const createQueue = (input: Record<string, unknown>) => gql(CREATE, { input });
const updateQueue = (id: string, input: Record<string, unknown>) => gql(UPDATE, { id, input });
const issues = (result: any, field: string) => {
  const value = result.data?.[field];
  if (value?.__typename !== 'ValidationError') throw new Error(`${field}: expected a ValidationError, got ${JSON.stringify(result)}`);
  return value.issues as { path: string[]; message: string; code: string }[];
};
const rendered = async (file: string) => {
  const applied = await gql(`mutation { applyPbxConfiguration { outcome error } }`);
  expect(applied.data.applyPbxConfiguration, JSON.stringify(applied)).toMatchObject({ outcome: expect.stringMatching(/^(APPLIED|NO_CHANGES|WRITTEN_NOT_RELOADED)$/) });
  return readFileSync(join(server.running.config.asterisk.configDir, file), 'utf8');
};
const block = (text: string, name: string) => {
  const start = text.indexOf(`[${name}]\n`);
  if (start < 0) throw new Error(`no [${name}] in:\n${text}`);
  const end = text.indexOf('\n[', start + 1);
  return text.slice(start, end < 0 ? undefined : end + 1);
};
const localId = (globalId: string) => Buffer.from(globalId, 'base64').toString('utf8').split(':')[1]!;
const hangup = { type: 'HANGUP' };

const everyField = {
  name: 'Sales',
  number: '0310',
  strategy: 'RR_ORDERED',
  mohClass: 'jazz',
  useMemberOrder: true,
  staticAgents: ['101', '100'],
  dynamicAgents: ['102'],
  failoverDestination: { type: 'VOICEMAIL', target: '100', greeting: 'BUSY' },
  autofill: false,
  agentRingTimeoutSeconds: 25,
  autopause: 'YES',
  wrapupSeconds: 30,
  reportHoldTime: true,
  maxCallers: 12,
  prefixQueueNameToCallerId: true,
  maxWaitSeconds: 600,
  joinEmpty: false,
  leaveWhenEmpty: true,
  announceHoldTime: 'ONCE',
  announcePosition: true,
  announceFrequencySeconds: 45,
  periodicAnnounceFrequencySeconds: 90,
  periodicAnnouncePrompt: 'hold-notice',
};

beforeAll(async () => {
  server = await startTestServer();
  ok(await gql(`mutation { createExtensions(input: { startNumber: "100", count: 4 }) { ${ERROR_FIELDS} ... on MutationCreateExtensionsSuccess { data { count } } } }`), 'createExtensions');
  ok(await gql(`mutation { createMohClass(input: { name: "jazz" }) { ${ERROR_FIELDS} ... on MutationCreateMohClassSuccess { data { id } } } }`), 'createMohClass');
  // Prompts as the sound library stores them (uploading is the library's own test).
  await prisma().prompt.create({ data: { name: 'hold-notice', category: 'CUSTOM', durationMs: 4000, sizeBytes: 64000 } });
  await prisma().prompt.create({ data: { name: 'welcome', category: 'IVR', durationMs: 4000, sizeBytes: 64000 } });
});
afterAll(() => server.stop());

describe('queues (F-4.2.2, F-4.2.2.a, F-4.2.2.b)', () => {
  let sales: any;

  it('creates a queue with every field of the three tabs, reads each back, and renders them', async () => {
    sales = ok(await createQueue(everyField), 'createQueue');
    expect(sales).toMatchObject({
      ...everyField,
      mohClass: { name: 'jazz' },
      staticAgents: [{ number: '101' }, { number: '100' }],
      dynamicAgents: [{ number: '102' }],
      failoverDestination: { type: 'VOICEMAIL', target: '100', greeting: 'BUSY' },
      periodicAnnouncePrompt: { name: 'hold-notice', category: 'CUSTOM' },
    });
    const read = await gql(`query($id: ID!) { queue(id: $id) { ${QUEUE} } node(id: $id) { ... on Queue { number } } }`, { id: sales.id });
    expect(read.data.queue).toEqual(sales);
    expect(read.data.node).toEqual({ number: '0310' });

    const conf = block(await rendered('queues.conf'), `queue-${localId(sales.id)}`);
    for (const line of [
      'strategy=rrordered',
      'musicclass=jazz',
      'timeout=25',
      'autofill=no',
      'autopause=yes',
      'wrapuptime=30',
      'reportholdtime=yes',
      'maxlen=12',
      'leavewhenempty=paused,penalty,unavailable,invalid',
      'joinempty=paused,penalty,unavailable,invalid',
      'announce-holdtime=once',
      'announce-position=yes',
      'announce-frequency=45',
      'periodic-announce-frequency=90',
      'member=PJSIP/101,0,101',
      'member=PJSIP/100,1,100',
    ]) {
      expect(conf).toContain(`${line}\n`);
    }
    expect(conf).toMatch(/^periodic-announce=\/.*\/prompts\/hold-notice$/m);
    const dialplan = await rendered('extensions.conf');
    const body = block(dialplan, 'pbx-queue-0310');
    expect(body).toContain(`Queue(queue-${localId(sales.id)},nt,,,600)`);
    expect(body).toContain('Set(CALLERID(name)=Sales:${CALLERID(name)})');
    expect(body).toMatch(/VoiceMail|pbx-voicemail/);
    expect(block(dialplan, 'pbx-queue-agent-codes')).toContain(`exten => *620310,1,Gosub(pbx-queue-agent-login,s,1(queue-${localId(sales.id)},0310,2))`);
    expect(block(dialplan, 'pbx-queue-dynamic-agents')).toContain('exten => 0310*102,1,NoOp()');
  });

  it('takes the next free number of the queue range, the defaults, and the default music class', async () => {
    const plain = ok(await createQueue({ name: 'Plain', failoverDestination: hangup }), 'createQueue');
    expect(plain).toMatchObject({
      number: '0300',
      strategy: 'RING_ALL',
      mohClass: { name: 'default' },
      useMemberOrder: false,
      staticAgents: [],
      dynamicAgents: [],
      failoverDestination: { type: 'HANGUP', target: null },
      autofill: true,
      agentRingTimeoutSeconds: 15,
      autopause: 'NO',
      wrapupSeconds: 0,
      reportHoldTime: false,
      maxCallers: 0,
      prefixQueueNameToCallerId: false,
      maxWaitSeconds: 0,
      joinEmpty: true,
      leaveWhenEmpty: false,
      announceHoldTime: 'NO',
      announcePosition: false,
      announceFrequencySeconds: 0,
      periodicAnnounceFrequencySeconds: 0,
      periodicAnnouncePrompt: null,
    });
    const next = ok(await createQueue({ name: 'Plain 2', failoverDestination: hangup }), 'createQueue');
    expect(next.number).toBe('0301');
    const list = (await gql(`{ queues(first: 10) { totalCount edges { node { number name } } } }`)).data.queues;
    expect(list.edges.map((e: any) => e.node.number)).toEqual(['0300', '0301', '0310']);
    const found = (await gql(`{ queues(first: 10, search: "plain 2") { totalCount edges { node { number } } } }`)).data.queues;
    expect(found).toEqual({ totalCount: 1, edges: [{ node: { number: '0301' } }] });
    ok(await gql(DELETE, { ids: [plain.id, next.id] }), 'deleteQueues');
  });

  it('changes only the fields an update names, removes the prompt with null, and replaces an agent list', async () => {
    const updated = ok(await updateQueue(sales.id, { strategy: 'LINEAR', dynamicAgents: ['103', '102'], periodicAnnouncePrompt: null, mohClass: 'default' }), 'updateQueue');
    expect(updated).toMatchObject({
      ...everyField,
      strategy: 'LINEAR',
      mohClass: { name: 'default' },
      staticAgents: [{ number: '101' }, { number: '100' }],
      dynamicAgents: [{ number: '103' }, { number: '102' }],
      periodicAnnouncePrompt: null,
      failoverDestination: { type: 'VOICEMAIL', target: '100' },
    });
    // Both lists read from one relation: different selections of each stay apart.
    const lists = await gql(`query($id: ID!) { queue(id: $id) { staticAgents { number name } dynamicAgents { id } } }`, { id: sales.id });
    expect(lists.data.queue).toEqual({
      staticAgents: [
        { number: '101', name: '101' },
        { number: '100', name: '100' },
      ],
      dynamicAgents: [{ id: expect.any(String) }, { id: expect.any(String) }],
    });
    const conf = block(await rendered('queues.conf'), `queue-${localId(sales.id)}`);
    expect(conf).not.toContain('periodic-announce=');
    expect(conf).toContain('strategy=linear\n');
    // A global ID names a prompt or a class as well as its name.
    const promptId = Buffer.from(`Prompt:${(await prisma().prompt.findUnique({ where: { name: 'hold-notice' } }))!.id}`).toString('base64');
    const classId = Buffer.from(`MohClass:${(await prisma().mohClass.findUnique({ where: { name: 'jazz' } }))!.id}`).toString('base64');
    const byId = ok(await updateQueue(sales.id, { periodicAnnouncePrompt: promptId, mohClass: classId }), 'updateQueue');
    expect(byId).toMatchObject({ periodicAnnouncePrompt: { name: 'hold-notice' }, mohClass: { name: 'jazz' } });
  });

  it('refuses values out of bounds, naming each field', async () => {
    const bad = await createQueue({
      name: 'Bad;name',
      failoverDestination: hangup,
      agentRingTimeoutSeconds: 2,
      wrapupSeconds: -1,
      maxCallers: 1001,
      maxWaitSeconds: 86401,
      announceFrequencySeconds: 5,
      periodicAnnounceFrequencySeconds: 3601,
    });
    expect(
      issues(bad, 'createQueue')
        .map((i) => i.path.join('.'))
        .sort(),
    ).toEqual([
      'input.agentRingTimeoutSeconds',
      'input.announceFrequencySeconds',
      'input.maxCallers',
      'input.maxWaitSeconds',
      'input.name',
      'input.periodicAnnounceFrequencySeconds',
      'input.wrapupSeconds',
    ]);
    expect(issues(bad, 'createQueue').find((i) => i.path[1] === 'announceFrequencySeconds')!.message).toBe('0 (off) or at least 15');
    const missing = await gql(`mutation { createQueue(input: { name: "No failover" }) { ${ERROR_FIELDS} } }`);
    expect(missing.errors?.[0]?.message ?? '').toMatch(/failoverDestination/);
    expect(await prisma().queue.count({ where: { name: 'Bad;name' } })).toBe(0);
  });

  it('refuses joinEmpty together with leaveWhenEmpty, naming leaveWhenEmpty, also when one comes from the stored queue', async () => {
    const both = await createQueue({ name: 'Both', failoverDestination: hangup, joinEmpty: true, leaveWhenEmpty: true });
    expect(issues(both, 'createQueue')).toEqual([{ path: ['input', 'leaveWhenEmpty'], message: 'cannot be on while joinEmpty is on: set joinEmpty to false as well', code: 'CONFLICT' }]);
    // joinEmpty is on by default.
    const byDefault = await createQueue({ name: 'Both', failoverDestination: hangup, leaveWhenEmpty: true });
    expect(issues(byDefault, 'createQueue')[0]!.path).toEqual(['input', 'leaveWhenEmpty']);
    const onUpdate = await updateQueue(sales.id, { joinEmpty: true });
    expect(issues(onUpdate, 'updateQueue')[0]!.path).toEqual(['input', 'leaveWhenEmpty']);
  });

  it('refuses member order with RING_ALL', async () => {
    const result = await updateQueue(sales.id, { strategy: 'RING_ALL' });
    expect(issues(result, 'updateQueue')).toEqual([{ path: ['input', 'useMemberOrder'], message: expect.stringContaining('one-at-a-time strategy'), code: 'CONFLICT' }]);
    expect(ok(await updateQueue(sales.id, { strategy: 'RING_ALL', useMemberOrder: false }), 'updateQueue')).toMatchObject({ strategy: 'RING_ALL', useMemberOrder: false });
    ok(await updateQueue(sales.id, { strategy: 'LINEAR', useMemberOrder: true }), 'updateQueue');
  });

  it('refuses an unknown music class, an unknown prompt and a prompt that is not a CUSTOM one', async () => {
    const result = await updateQueue(sales.id, { mohClass: 'nosuchclass', periodicAnnouncePrompt: 'nosuchprompt' });
    expect(issues(result, 'updateQueue')).toEqual([
      { path: ['input', 'mohClass'], message: 'no music-on-hold class nosuchclass exists', code: 'NOT_FOUND' },
      { path: ['input', 'periodicAnnouncePrompt'], message: 'no prompt nosuchprompt exists', code: 'NOT_FOUND' },
    ]);
    const ivrPrompt = await createQueue({ name: 'Announcing', failoverDestination: hangup, periodicAnnouncePrompt: 'welcome' });
    expect(issues(ivrPrompt, 'createQueue')).toEqual([{ path: ['input', 'periodicAnnouncePrompt'], message: expect.stringContaining('CUSTOM prompt (F-4.4.3)'), code: 'WRONG_CATEGORY' }]);
  });

  it('refuses an extension that is both a static and a dynamic agent, one listed twice, and one that does not exist', async () => {
    const clash = await createQueue({ name: 'Clash', failoverDestination: hangup, staticAgents: ['100', '101'], dynamicAgents: ['102', '101'] });
    expect(issues(clash, 'createQueue')).toEqual([
      { path: ['input', 'dynamicAgents', '1'], message: 'extension 101 is a static agent of this queue: an agent is either static or dynamic', code: 'CONFLICT' },
    ]);
    // Against the stored list: sales has static 101, 100.
    const stored = await updateQueue(sales.id, { dynamicAgents: ['100'] });
    expect(issues(stored, 'updateQueue')).toEqual([{ path: ['input', 'dynamicAgents', '0'], message: expect.stringContaining('extension 100 is a static agent'), code: 'CONFLICT' }]);
    const staticClash = await updateQueue(sales.id, { staticAgents: ['102'] });
    expect(issues(staticClash, 'updateQueue')).toEqual([{ path: ['input', 'staticAgents', '0'], message: expect.stringContaining('extension 102 is a dynamic agent'), code: 'CONFLICT' }]);
    const wrong = await createQueue({ name: 'Wrong', failoverDestination: hangup, staticAgents: ['100', '100', '999'] });
    expect(issues(wrong, 'createQueue')).toEqual([
      { path: ['input', 'staticAgents', '1'], message: 'extension 100 is listed twice', code: 'DUPLICATE' },
      { path: ['input', 'staticAgents', '2'], message: 'no extension 999 exists', code: 'NOT_FOUND' },
    ]);
    // Moving an agent from one list to the other in one update is fine.
    const moved = ok(await updateQueue(sales.id, { staticAgents: ['101'], dynamicAgents: ['100', '102'] }), 'updateQueue');
    expect(moved).toMatchObject({ staticAgents: [{ number: '101' }], dynamicAgents: [{ number: '100' }, { number: '102' }] });
  });

  it('refuses a number outside the queue range, one that is taken (naming its owner), and a second queue of the same name', async () => {
    const outside = await createQueue({ name: 'Outside', number: '0400', failoverDestination: hangup });
    expect(issues(outside, 'createQueue')).toEqual([{ path: ['input', 'number'], message: '0400 is outside the queue range 0300–0335', code: 'OUT_OF_RANGE' }]);
    const taken = await createQueue({ name: 'Taken', number: '0310', failoverDestination: hangup });
    expect(taken.data.createQueue).toMatchObject({ __typename: 'NumberConflictError', number: '0310', owner: { kind: 'QUEUE', label: 'queue 0310 (Sales)' } });
    const named = await createQueue({ name: 'Sales', failoverDestination: hangup });
    expect(named.data.createQueue).toMatchObject({ __typename: 'ConflictError', path: ['input', 'name'] });
    const renumbered = ok(await updateQueue(sales.id, { number: '0311' }), 'updateQueue');
    expect(renumbered.number).toBe('0311');
    ok(await updateQueue(sales.id, { number: '0310' }), 'updateQueue');
  });

  it('is a destination: a DID route and a time rule send calls to it, and the queue cannot be deleted while they do', async () => {
    const route = ok(
      await gql(
        `mutation($input: CreateDidRouteInput!) { createDidRoute(input: $input) { ${ERROR_FIELDS} ... on MutationCreateDidRouteSuccess { data { id destination { type target targetId } } } } }`,
        {
          input: { did: '4930999', destination: { type: 'QUEUE', target: '0310' } },
        },
      ),
      'createDidRoute',
    );
    expect(route.destination).toEqual({ type: 'QUEUE', target: '0310', targetId: sales.id });
    ok(
      await gql(
        `mutation { createWorkSchedule(input: { name: "Office", ranges: [{ weekday: MON, start: "09:00", end: "17:00" }] }) { ${ERROR_FIELDS} ... on MutationCreateWorkScheduleSuccess { data { id } } } }`,
      ),
      'createWorkSchedule',
    );
    const rule = ok(
      await gql(`mutation($input: CreateTimeRuleInput!) { createTimeRule(input: $input) { ${ERROR_FIELDS} ... on MutationCreateTimeRuleSuccess { data { id workDestination { type target } } } } }`, {
        input: { name: 'Sales hours', workSchedule: 'Office', workDestination: { type: 'QUEUE', target: 'Sales' }, offHoursDestination: hangup },
      }),
      'createTimeRule',
    );
    expect(rule.workDestination).toEqual({ type: 'QUEUE', target: '0310' });
    const dialplan = await rendered('extensions.conf');
    expect(block(dialplan, `pbx-timerule-${localId(rule.id)}`)).toContain('Goto(pbx-queue-0310,s,1)');

    const refused = await gql(DELETE, { ids: [sales.id] });
    expect(refused.data.deleteQueues.__typename).toBe('ReferencedError');
    expect(refused.data.deleteQueues.referrers.map((r: any) => r.label)).toEqual(['DID route 4930999 sends its calls there', 'time rule Sales hours sends calls there in working hours']);

    // Another queue failing over to this one: deleting both together is fine, and a loop is refused.
    const overflow = ok(await createQueue({ name: 'Overflow', failoverDestination: { type: 'QUEUE', target: '0310' } }), 'createQueue');
    const loop = await updateQueue(sales.id, { failoverDestination: { type: 'QUEUE', target: overflow.number } });
    expect(issues(loop, 'updateQueue')).toEqual([{ path: ['input', 'failoverDestination', 'target'], message: expect.stringContaining('leads back to this queue'), code: 'CYCLE' }]);
    const self = await updateQueue(sales.id, { failoverDestination: { type: 'QUEUE', target: '0310' } });
    expect(issues(self, 'updateQueue')[0]!.code).toBe('CYCLE');

    await gql(`mutation($ids: [ID!]!) { deleteDidRoutes(ids: $ids) { __typename } }`, { ids: [route.id] });
    await gql(`mutation($ids: [ID!]!) { deleteTimeRules(ids: $ids) { __typename } }`, { ids: [rule.id] });
    const alone = await gql(DELETE, { ids: [sales.id] });
    expect(alone.data.deleteQueues.referrers.map((r: any) => r.label)).toEqual(['queue 0300 (Overflow) sends callers there when the queue does not connect them']);
  });

  it('keeps a music class and a prompt in use from being deleted, naming the queue', async () => {
    const q = ok(await createQueue({ name: 'Jazz queue', mohClass: 'jazz', periodicAnnouncePrompt: 'hold-notice', failoverDestination: hangup }), 'createQueue');
    const classId = Buffer.from(`MohClass:${(await prisma().mohClass.findUnique({ where: { name: 'jazz' } }))!.id}`).toString('base64');
    const promptId = Buffer.from(`Prompt:${(await prisma().prompt.findUnique({ where: { name: 'hold-notice' } }))!.id}`).toString('base64');
    const classRefused = await gql(`mutation($ids: [ID!]!) { deleteMohClasses(ids: $ids) { ${ERROR_FIELDS} } }`, { ids: [classId] });
    expect(JSON.stringify(classRefused.data.deleteMohClasses)).toContain(`queue ${q.number} (Jazz queue) plays it to waiting callers`);
    const promptRefused = await gql(`mutation($ids: [ID!]!) { deletePrompts(ids: $ids) { ${ERROR_FIELDS} } }`, { ids: [promptId] });
    expect(JSON.stringify(promptRefused.data.deletePrompts)).toContain(`queue ${q.number} (Jazz queue) plays it as its periodic announcement`);
    ok(await gql(DELETE, { ids: [q.id] }), 'deleteQueues');
  });

  it('deletes queues together, frees their numbers, and takes their contexts out of the dialplan', async () => {
    const overflow = (await gql(`{ queues(first: 10, search: "Overflow") { edges { node { id number } } } }`)).data.queues.edges[0].node;
    expect(ok(await gql(DELETE, { ids: [sales.id, overflow.id] }), 'deleteQueues').count).toBe(2);
    expect(await prisma().dialableNumber.count({ where: { ownerKind: 'QUEUE' } })).toBe(0);
    expect(await prisma().queueMember.count()).toBe(0);
    expect(await prisma().destination.count({ where: { ownerKind: 'QUEUE' } })).toBe(0);
    const dialplan = await rendered('extensions.conf');
    expect(dialplan).not.toContain('[pbx-queue-0310]');
    expect(await rendered('queues.conf')).not.toContain('[queue-');
    expect((await gql(DELETE, { ids: [sales.id] })).data.deleteQueues.__typename).toBe('NotFoundError');
  });

  it('is read with departments:read and changed only with departments:write', async () => {
    await gql(`mutation { createAccount(input: { username: "queueop", password: "Operator-pw7", role: OPERATOR }) { __typename } }`);
    const operator = await server.login('queueop', 'Operator-pw7');
    const refused = await gql(CREATE, { input: { name: 'X', failoverDestination: hangup } }, operator);
    expect(refused.data.createQueue.__typename).toBe('NotPermittedError');
    const listed = await gql(`{ queues(first: 5) { totalCount } }`, undefined, operator);
    expect(listed.data.queues.totalCount).toBe(0);
  });
});
