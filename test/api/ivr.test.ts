import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findReferrers } from '../../src/destinations/referrers.js';
import type { PromptCategory } from '../../src/sounds/contract.js';
import { ERROR_FIELDS, ok, startTestServer, type TestServer } from '../support/server.js';

const IVR = `id name number prompt { name category } repeatCount allowDirectDial directDialPermission { name } language digitTimeoutSeconds
  keyEvents { key destination { type target targetId greeting ringTimeSeconds } }`;
const mutation = (name: string, args: string, params: string, fields: string) =>
  `mutation(${args}) { ${name}(${params}) { ${ERROR_FIELDS} ... on ConflictError { path } ... on NumberConflictError { path } ... on Mutation${name[0]!.toUpperCase()}${name.slice(1)}Success { data { ${fields} } } } }`;
const CREATE = mutation('createIvr', '$input: CreateIvrInput!', 'input: $input', IVR);
const UPDATE = mutation('updateIvr', '$id: ID!, $input: UpdateIvrInput!', 'id: $id, input: $input', IVR);
const DELETE = mutation('deleteIvrs', '$ids: [ID!]!', 'ids: $ids', 'count');

let server: TestServer;
const gql = (query: string, variables?: Record<string, unknown>, token = server.adminToken) => server.gql(query, variables, token);
const prisma = () => server.running.services.db.prisma;
const createIvr = (input: Record<string, unknown>) => gql(CREATE, { input });
const updateIvr = (id: string, input: Record<string, unknown>) => gql(UPDATE, { id, input });
const issues = (result: any, field: string) => {
  const value = result.data?.[field];
  if (value?.__typename !== 'ValidationError') throw new Error(`${field}: expected a ValidationError, got ${JSON.stringify(result)}`);
  return value.issues as { path: string[]; message: string; code: string }[];
};
const rendered = async () => {
  const applied = await gql(`mutation { applyPbxConfiguration { outcome error } }`);
  expect(applied.data.applyPbxConfiguration, JSON.stringify(applied)).toMatchObject({ outcome: expect.stringMatching(/^(APPLIED|NO_CHANGES|WRITTEN_NOT_RELOADED)$/) });
  return readFileSync(join(server.running.config.asterisk.configDir, 'extensions.conf'), 'utf8');
};
const contextOf = (dialplan: string, name: string) => {
  const start = dialplan.indexOf(`[${name}]\n`);
  if (start < 0) throw new Error(`no context ${name}`);
  const end = dialplan.indexOf('\n[', start + 1);
  return dialplan.slice(start, end < 0 ? undefined : end + 1);
};
const localId = (globalId: string) => Buffer.from(globalId, 'base64').toString('utf8').split(':')[1]!;

async function addPrompt(name: string, category: PromptCategory): Promise<string> {
  return (await prisma().prompt.create({ data: { name, category, durationMs: 4000, sizeBytes: 64000 } })).id;
}

let departmentId = '';

beforeAll(async () => {
  server = await startTestServer();
  ok(await gql(`mutation { createExtensions(input: { startNumber: "100", count: 3 }) { ${ERROR_FIELDS} ... on MutationCreateExtensionsSuccess { data { count } } } }`), 'createExtensions');
  await addPrompt('welcome', 'IVR');
  await addPrompt('sales-menu', 'IVR');
  await addPrompt('hold-notice', 'CUSTOM');
  const dept = await gql(`mutation($input: CreateDepartmentInput!) { createDepartment(input: $input) { ${ERROR_FIELDS} ... on MutationCreateDepartmentSuccess { data { id } } } }`, {
    input: { name: 'Sales', number: '0400', ringStrategy: 'RING_ALL', ringTimeSeconds: 20, noAnswerDestination: { type: 'HANGUP' }, members: ['100'] },
  });
  departmentId = ok(dept, 'createDepartment').id;
});
afterAll(() => server.stop());

describe('IVRs (F-4.2.1)', () => {
  let sales: any;
  let main: any;

  it('creates a menu with the defaults: the next free number of the IVR range, three plays, direct dial of extensions, no key and an invalid key hang up', async () => {
    sales = ok(await createIvr({ name: 'Sales menu', prompt: 'sales-menu' }), 'createIvr');
    expect(sales).toMatchObject({
      name: 'Sales menu',
      number: '0600',
      prompt: { name: 'sales-menu', category: 'IVR' },
      repeatCount: 3,
      allowDirectDial: true,
      directDialPermission: null,
      language: 'DEFAULT',
      digitTimeoutSeconds: 3,
      keyEvents: [
        { key: 'NO_INPUT', destination: { type: 'HANGUP', target: null } },
        { key: 'INVALID', destination: { type: 'HANGUP', target: null } },
      ],
    });
    const next = ok(await createIvr({ name: 'Spare', prompt: 'welcome' }), 'createIvr');
    expect(next.number).toBe('0601');
  });

  it('every field and key events to a department, an extension, a mailbox, an outside number, another IVR, itself and hang-up; rendered into the dialplan', async () => {
    const globalPrompt = Buffer.from(`Prompt:${(await prisma().prompt.findUnique({ where: { name: 'welcome' } }))!.id}`).toString('base64');
    main = ok(
      await createIvr({
        name: 'Main menu',
        number: '0610',
        prompt: globalPrompt,
        repeatCount: 2,
        allowDirectDial: true,
        directDialPermission: 'DialPlan1',
        language: 'zh_CN',
        digitTimeoutSeconds: 4,
        keyEvents: [
          { key: 'KEY_1', destination: { type: 'DEPARTMENT', target: '0400' } },
          { key: 'KEY_2', destination: { type: 'EXTENSION', target: '101', ringTimeSeconds: 20 } },
          { key: 'KEY_3', destination: { type: 'VOICEMAIL', target: '100', greeting: 'BUSY' } },
          { key: 'KEY_0', destination: { type: 'EXTERNAL_NUMBER', target: '+4930123456' } },
          { key: 'KEY_9', destination: { type: 'IVR', target: 'Sales menu' } },
          { key: 'KEY_STAR', destination: { type: 'IVR', target: '0610' } },
          { key: 'KEY_HASH', destination: { type: 'HANGUP' } },
          { key: 'INVALID', destination: { type: 'IVR', target: '0610' } },
          { key: 'NO_INPUT', destination: { type: 'DEPARTMENT', target: '0400' } },
        ],
      }),
      'createIvr',
    );
    expect(main).toMatchObject({
      number: '0610',
      prompt: { name: 'welcome', category: 'IVR' },
      repeatCount: 2,
      directDialPermission: { name: 'DialPlan1' },
      language: 'zh_CN',
      digitTimeoutSeconds: 4,
    });
    expect(main.keyEvents.map((e: any) => [e.key, e.destination.type, e.destination.target])).toEqual([
      ['KEY_0', 'EXTERNAL_NUMBER', '+4930123456'],
      ['KEY_1', 'DEPARTMENT', '0400'],
      ['KEY_2', 'EXTENSION', '101'],
      ['KEY_3', 'VOICEMAIL', '100'],
      ['KEY_9', 'IVR', '0600'],
      ['KEY_STAR', 'IVR', '0610'],
      ['KEY_HASH', 'HANGUP', null],
      ['NO_INPUT', 'DEPARTMENT', '0400'],
      ['INVALID', 'IVR', '0610'],
    ]);
    expect(main.keyEvents[2].destination.ringTimeSeconds).toBe(20);
    expect(main.keyEvents[3].destination.greeting).toBe('BUSY');
    expect(main.keyEvents[4].destination.targetId).toBe(sales.id);
    expect(main.keyEvents[5].destination.targetId).toBe(main.id);

    const id = localId(main.id);
    const dialplan = await rendered();
    expect(contextOf(dialplan, 'pbx-ivrs')).toContain(`exten => 0610,1,Goto(pbx-ivr-${id},s,1)`);
    const menu = contextOf(dialplan, `pbx-ivr-${id}`);
    const soundsDir = server.running.config.soundsDir;
    for (const line of [
      ' same => n,Set(CHANNEL(language)=zh_CN)',
      ' same => n,Set(TIMEOUT(digit)=4)',
      ` same => n,Background(${soundsDir}/prompts/welcome)`,
      ` same => n,WaitExten(5)\n same => n,GotoIf($[\${PBX_IVR_PLAYS} < 2]?play)\n same => n,Goto(t,1)\n`,
      'exten => 0,1,Goto(pbx-outbound,+4930123456,1)',
      'exten => 1,1,Goto(pbx-departments,0400,1)',
      'exten => 2,1,Gosub(pbx-extension-ring-time,s,1(101,20))',
      'exten => 3,1,Goto(pbx-voicemail,100,busy)',
      `exten => 9,1,Goto(pbx-ivr-${localId(sales.id)},s,1)`,
      `exten => *,1,Goto(pbx-ivr-${id},s,1)`,
      'exten => #,1,Hangup()',
      `exten => i,1,Goto(pbx-ivr-${id},s,1)`,
      'exten => t,1,Goto(pbx-departments,0400,1)',
      'include => pbx-permission-DialPlan1',
    ]) {
      expect(menu).toContain(line);
    }
    expect(contextOf(dialplan, `pbx-ivr-${localId(sales.id)}`)).toContain('include => pbx-extensions\n');

    const one = await gql(`query($id: ID!) { ivr(id: $id) { name number } node(id: $id) { ... on Ivr { prompt { name } } } }`, { id: main.id });
    expect(one.data).toEqual({ ivr: { name: 'Main menu', number: '0610' }, node: { prompt: { name: 'welcome' } } });
    const list = await gql(`{ all: ivrs(first: 10) { totalCount edges { node { number } } } found: ivrs(first: 10, search: "main") { totalCount edges { node { name } } } }`);
    expect(list.data.all).toEqual({ totalCount: 3, edges: [{ node: { number: '0600' } }, { node: { number: '0601' } }, { node: { number: '0610' } }] });
    expect(list.data.found).toEqual({ totalCount: 1, edges: [{ node: { name: 'Main menu' } }] });
  });

  it('an update changes only the fields it names; keyEvents replaces the list; null direct-dial permission means extensions only; a renumbered menu keeps its context', async () => {
    const updated = ok(await updateIvr(sales.id, { number: '0602', repeatCount: 1, language: 'en', keyEvents: [{ key: 'KEY_0', destination: { type: 'IVR', target: 'Main menu' } }] }), 'updateIvr');
    expect(updated).toMatchObject({
      name: 'Sales menu',
      number: '0602',
      prompt: { name: 'sales-menu', category: 'IVR' },
      repeatCount: 1,
      language: 'en',
      digitTimeoutSeconds: 3,
      allowDirectDial: true,
    });
    expect(updated.keyEvents.map((e: any) => [e.key, e.destination.type, e.destination.target])).toEqual([
      ['KEY_0', 'IVR', '0610'],
      ['NO_INPUT', 'HANGUP', null],
      ['INVALID', 'HANGUP', null],
    ]);
    const untouched = ok(await updateIvr(main.id, { name: 'Main' }), 'updateIvr');
    expect(untouched.keyEvents).toHaveLength(9);
    expect(untouched.directDialPermission).toEqual({ name: 'DialPlan1' });
    const extensionsOnly = ok(await updateIvr(main.id, { directDialPermission: null, allowDirectDial: false }), 'updateIvr');
    expect(extensionsOnly).toMatchObject({ directDialPermission: null, allowDirectDial: false });

    const dialplan = await rendered();
    const salesMenu = contextOf(dialplan, `pbx-ivr-${localId(sales.id)}`);
    expect(salesMenu).toContain(' same => n,Set(CHANNEL(language)=en)');
    expect(salesMenu).not.toContain('PBX_IVR_PLAYS');
    expect(contextOf(dialplan, 'pbx-ivrs')).toContain(`exten => 0602,1,Goto(pbx-ivr-${localId(sales.id)},s,1)`);
    expect(contextOf(dialplan, `pbx-ivr-${localId(main.id)}`)).not.toContain('include');
    ok(await updateIvr(main.id, { allowDirectDial: true }), 'updateIvr');
    expect(contextOf(await rendered(), `pbx-ivr-${localId(main.id)}`)).toContain('include => pbx-extensions\n');
  });

  it('refuses a key given twice, a number outside the IVR range or taken, a missing or CUSTOM prompt, and values out of bounds, naming the field', async () => {
    const twice = await createIvr({
      name: 'Twice',
      prompt: 'welcome',
      keyEvents: [
        { key: 'KEY_1', destination: { type: 'HANGUP' } },
        { key: 'NO_INPUT', destination: { type: 'HANGUP' } },
        { key: 'KEY_1', destination: { type: 'DEPARTMENT', target: '0400' } },
      ],
    });
    expect(issues(twice, 'createIvr')).toEqual([{ path: ['input', 'keyEvents', '2', 'key'], message: 'key 1 is given twice (first at index 0)', code: 'DUPLICATE' }]);
    const outside = await createIvr({ name: 'Outside', number: '0700', prompt: 'welcome' });
    expect(issues(outside, 'createIvr')).toEqual([{ path: ['input', 'number'], message: '0700 is outside the IVR range 0600–0635', code: 'OUT_OF_RANGE' }]);
    const taken = await createIvr({ name: 'Taken', number: '0610', prompt: 'welcome' });
    expect(taken.data.createIvr).toMatchObject({ __typename: 'NumberConflictError', number: '0610', owner: { kind: 'IVR', label: 'IVR 0610 (Main)' }, path: ['input', 'number'] });
    const missing = await createIvr({ name: 'Missing', prompt: 'nope' });
    expect(issues(missing, 'createIvr')).toEqual([{ path: ['input', 'prompt'], message: 'no prompt nope exists', code: 'NOT_FOUND' }]);
    const custom = await createIvr({ name: 'Custom', prompt: 'hold-notice' });
    expect(issues(custom, 'createIvr')).toEqual([{ path: ['input', 'prompt'], message: 'prompt hold-notice is a CUSTOM prompt; an IVR plays IVR prompts (F-4.4.2)', code: 'WRONG_CATEGORY' }]);
    const bounds = await createIvr({ name: 'Bad[1]', prompt: 'welcome', repeatCount: 0, digitTimeoutSeconds: 31, language: 'english' });
    expect(issues(bounds, 'createIvr')).toEqual([
      { path: ['input', 'name'], message: expect.any(String), code: 'INVALID_FORMAT' },
      { path: ['input', 'repeatCount'], message: 'at least 1', code: 'OUT_OF_BOUNDS' },
      { path: ['input', 'language'], message: 'DEFAULT or a language code such as en or zh_CN', code: 'INVALID_FORMAT' },
      { path: ['input', 'digitTimeoutSeconds'], message: 'at most 30', code: 'OUT_OF_BOUNDS' },
    ]);
    expect(issues(await updateIvr(main.id, { repeatCount: 11 }), 'updateIvr')).toEqual([{ path: ['input', 'repeatCount'], message: 'at most 10', code: 'OUT_OF_BOUNDS' }]);
    const permission = await updateIvr(main.id, { directDialPermission: 'Nope' });
    expect(issues(permission, 'updateIvr')).toEqual([{ path: ['input', 'directDialPermission'], message: 'no dial permission Nope exists', code: 'NOT_FOUND' }]);
    const target = await createIvr({ name: 'Target', prompt: 'welcome', keyEvents: [{ key: 'KEY_5', destination: { type: 'EXTENSION', target: '899' } }] });
    expect(issues(target, 'createIvr')).toEqual([{ path: ['input', 'keyEvents', '0', 'destination', 'target'], message: 'no extension 899 exists', code: 'NOT_FOUND' }]);
    const clash = await createIvr({ name: 'Main', prompt: 'welcome' });
    expect(clash.data.createIvr).toMatchObject({ __typename: 'ConflictError', path: ['input', 'name'] });
    const required = await gql(CREATE, { input: { name: 'No prompt' } });
    expect(required.errors?.[0]?.message).toMatch(/prompt/);
    // Nothing of the refused inputs was stored.
    expect((await gql(`{ ivrs(first: 20) { totalCount } }`)).data.ivrs.totalCount).toBe(3);
  });

  it('a department sends unanswered calls to an IVR; an IVR in use cannot be deleted; menus that send to each other go together', async () => {
    const dept = await gql(
      `mutation($id: ID!) { updateDepartment(id: $id, input: { noAnswerDestination: { type: IVR, target: "0610" } }) { ${ERROR_FIELDS} ... on MutationUpdateDepartmentSuccess { data { noAnswerDestination { type targetId } } } } }`,
      { id: departmentId },
    );
    expect(ok(dept, 'updateDepartment').noAnswerDestination).toEqual({ type: 'IVR', targetId: main.id });
    expect(contextOf(await rendered(), 'pbx-department-0400')).toContain(`Goto(pbx-ivr-${localId(main.id)},s,1)`);

    const used = await gql(DELETE, { ids: [main.id] });
    expect(used.data.deleteIvrs.__typename).toBe('ReferencedError');
    expect(used.data.deleteIvrs.message).toMatch(/^IVR 0610 \(Main\) cannot be deleted/);
    expect(used.data.deleteIvrs.referrers).toEqual([
      { kind: 'DEPARTMENT', label: 'department 0400 (Sales) sends unanswered calls there' },
      { kind: 'IVR', label: 'IVR 0602 (Sales menu) sends key 0 there' },
    ]);
    const nested = await gql(DELETE, { ids: [sales.id] });
    expect(nested.data.deleteIvrs).toMatchObject({ __typename: 'ReferencedError', referrers: [{ kind: 'IVR', label: 'IVR 0610 (Main) sends key 9 there' }] });

    // An extension a key sends calls to cannot be deleted either.
    const ext101 = (await gql(`{ extension(number: "101") { id } }`)).data.extension.id;
    const extension = await gql(`mutation($ids: [ID!]!) { deleteExtensions(ids: $ids) { ${ERROR_FIELDS} } }`, { ids: [ext101] });
    expect(extension.data.deleteExtensions.referrers).toContainEqual({ kind: 'IVR', label: 'IVR 0610 (Main) sends key 2 there' });

    ok(
      await gql(`mutation($id: ID!) { updateDepartment(id: $id, input: { noAnswerDestination: { type: HANGUP } }) { ${ERROR_FIELDS} ... on MutationUpdateDepartmentSuccess { data { id } } } }`, {
        id: departmentId,
      }),
      'updateDepartment',
    );
    expect(ok(await gql(DELETE, { ids: [main.id, sales.id] }), 'deleteIvrs')).toEqual({ count: 2 });
    const left = await gql(`{ ivrs(first: 10) { edges { node { number } } } }`);
    expect(left.data.ivrs.edges).toEqual([{ node: { number: '0601' } }]);
    expect(await prisma().destination.count({ where: { ownerKind: 'IVR', ownerId: { in: [localId(main.id), localId(sales.id)] } } })).toBe(0);
    // The numbers are free again: the next IVR takes 0600.
    expect(ok(await createIvr({ name: 'Again', prompt: 'welcome' }), 'createIvr').number).toBe('0600');
  });

  it('a dial permission used for direct dial, and a prompt a menu plays, name the menu when they would break', async () => {
    const perm = await gql(`mutation { createDialPermission(input: { name: "Lobby" }) { ${ERROR_FIELDS} ... on MutationCreateDialPermissionSuccess { data { id allowIvr } } } }`);
    const lobby = ok(perm, 'createDialPermission');
    expect(lobby.allowIvr).toBe(true);
    const spare = (await gql(`{ ivrs(first: 10, search: "Spare") { edges { node { id } } } }`)).data.ivrs.edges[0].node;
    ok(await updateIvr(spare.id, { directDialPermission: lobby.id }), 'updateIvr');
    const refused = await gql(`mutation($id: ID!) { deleteDialPermission(id: $id) { ${ERROR_FIELDS} } }`, { id: lobby.id });
    expect(refused.data.deleteDialPermission).toMatchObject({ __typename: 'ReferencedError', referrers: [{ kind: 'IVR', label: 'IVR 0601 (Spare) lets callers dial directly with it' }] });

    const welcome = (await prisma().prompt.findUnique({ where: { name: 'welcome' } }))!;
    const context = { settings: server.running.services.settings.store };
    const promptId = Buffer.from(`Prompt:${welcome.id}`).toString('base64');
    const deletePrompt = await gql(`mutation($ids: [ID!]!) { deletePrompts(ids: $ids) { ${ERROR_FIELDS} } }`, { ids: [promptId] });
    expect(deletePrompt.data.deletePrompts).toMatchObject({
      __typename: 'ReferencedError',
      referrers: [
        { kind: 'IVR', label: 'IVR 0600 (Again) plays it as its menu' },
        { kind: 'IVR', label: 'IVR 0601 (Spare) plays it as its menu' },
      ],
    });
    // Should the library let a prompt leave the IVR category, the menus that play it would refuse that change.
    expect(await findReferrers(prisma(), context, 'PROMPT', [welcome.id], 'update')).toEqual([]);
    await prisma().prompt.update({ where: { id: welcome.id }, data: { category: 'CUSTOM' } });
    const onUpdate = await findReferrers(prisma(), context, 'PROMPT', [welcome.id], 'update');
    expect(onUpdate.map((r) => r.label)).toEqual(['IVR 0600 (Again) plays it as its menu, and plays IVR prompts only', 'IVR 0601 (Spare) plays it as its menu, and plays IVR prompts only']);
    await prisma().prompt.update({ where: { id: welcome.id }, data: { category: 'IVR' } });
  });

  it('needs the settings permissions', async () => {
    const anonymous = await server.gql(`{ ivrs(first: 1) { totalCount } }`, {}, undefined);
    expect(anonymous.errors?.length).toBeGreaterThan(0);
    const write = await server.gql(CREATE, { input: { name: 'X', prompt: 'welcome' } }, undefined);
    expect(write.data.createIvr.__typename).toBe('NotPermittedError');
  });
});
