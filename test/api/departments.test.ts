import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_FIELDS, ok, startTestServer, type TestServer } from '../support/server.js';

const DEPT = `id name number ringStrategy ringTimeSeconds distinctiveRing members { number } noAnswerDestination { type target targetId greeting }`;
const CREATE = `mutation($input: CreateDepartmentInput!) { createDepartment(input: $input) { ${ERROR_FIELDS} ... on MutationCreateDepartmentSuccess { data { ${DEPT} } } } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateDepartmentInput!) { updateDepartment(id: $id, input: $input) { ${ERROR_FIELDS} ... on MutationUpdateDepartmentSuccess { data { ${DEPT} } } } }`;
const DELETE = `mutation($ids: [ID!]!) { deleteDepartments(ids: $ids) { ${ERROR_FIELDS} ... on MutationDeleteDepartmentsSuccess { data { count } } } }`;

let server: TestServer;
const create = (input: Record<string, unknown>) => server.gql(CREATE, { input }, server.adminToken);
/** Extensions `start`, `start`+1 … (batch add): the tests share the server, each makes its own rows under numbers of its own. */
const createExtensions = async (start: string, count: number) =>
  ok(
    await server.gql(
      `mutation { createExtensions(input: { startNumber: "${start}", count: ${count} }) { ${ERROR_FIELDS} ... on MutationCreateExtensionsSuccess { data { count } } } }`,
      {},
      server.adminToken,
    ),
    'createExtensions',
  );
const departmentCount = async () => (await server.gql(`{ departments(first: 10) { totalCount } }`, {}, server.adminToken)).data.departments.totalCount as number;
const extensionCount = async () => (await server.gql(`{ extensions(first: 1) { totalCount } }`, {}, server.adminToken)).data.extensions.totalCount as number;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

describe('departments (F-4.1.1)', () => {
  it('creates a department with members in ring order; an extension may be in several', async () => {
    await createExtensions('100', 3);
    const sales = ok(
      await create({
        name: 'Sales',
        number: '0400',
        ringStrategy: 'SEQUENTIAL',
        ringTimeSeconds: 15,
        noAnswerDestination: { type: 'VOICEMAIL', target: '100' },
        members: ['102', '100', '101'],
        distinctiveRing: 'ring2',
      }),
      'createDepartment',
    );
    expect(sales).toMatchObject({
      name: 'Sales',
      number: '0400',
      ringStrategy: 'SEQUENTIAL',
      ringTimeSeconds: 15,
      distinctiveRing: 'ring2',
      members: [{ number: '102' }, { number: '100' }, { number: '101' }],
      noAnswerDestination: { type: 'VOICEMAIL', target: '100', targetId: expect.any(String), greeting: 'UNAVAILABLE' },
    });
    const support = ok(
      await create({ name: 'Support', number: '0401', ringStrategy: 'RING_ALL', ringTimeSeconds: 30, noAnswerDestination: { type: 'DEPARTMENT', target: '0400' }, members: ['100'] }),
      'createDepartment',
    );
    expect(support.noAnswerDestination).toMatchObject({ type: 'DEPARTMENT', target: '0400', targetId: sales.id, greeting: null });
    const ext = await server.gql(`{ extension(number: "100") { departments { name } } }`, {}, server.adminToken);
    expect(ext.data.extension.departments.map((d: any) => d.name).sort()).toEqual(['Sales', 'Support']);
    const byDept = await server.gql(`{ extensions(first: 10, filter: { department: "0400" }) { totalCount } }`, {}, server.adminToken);
    expect(byDept.data.extensions.totalCount).toBe(3);
  });

  it('validates fields, destination targets and members with their paths', async () => {
    await createExtensions('110', 1);
    ok(await create({ name: 'Billing', number: '0405', ringStrategy: 'RING_ALL', ringTimeSeconds: 20, noAnswerDestination: { type: 'HANGUP' } }), 'createDepartment');
    const before = await departmentCount();
    const bad = await create({ name: 'Bad[1]', number: '0500', ringStrategy: 'RING_ALL', ringTimeSeconds: 2, noAnswerDestination: { type: 'HANGUP' } });
    expect(bad.data.createDepartment.__typename).toBe('ValidationError');
    expect(bad.data.createDepartment.issues.map((i: any) => i.path.join('.'))).toEqual(['input.name', 'input.ringTimeSeconds']);
    const range = await create({ name: 'Ops', number: '0500', ringStrategy: 'RING_ALL', ringTimeSeconds: 20, noAnswerDestination: { type: 'HANGUP' } });
    expect(range.data.createDepartment.issues[0]).toMatchObject({ path: ['input', 'number'], code: 'OUT_OF_RANGE', message: '0500 is outside the department range 0400–0435' });
    const missing = await create({ name: 'Ops', number: '0402', ringStrategy: 'RING_ALL', ringTimeSeconds: 20, noAnswerDestination: { type: 'EXTENSION', target: '899' } });
    expect(missing.data.createDepartment.issues[0]).toMatchObject({ path: ['input', 'noAnswerDestination', 'target'], code: 'NOT_FOUND', message: 'no extension 899 exists' });
    // Kinds whose feature does not exist are not offered at all.
    const queue = await create({ name: 'Ops', number: '0402', ringStrategy: 'RING_ALL', ringTimeSeconds: 20, noAnswerDestination: { type: 'CONFERENCE', target: '0700' } });
    expect(queue.errors?.[0]?.message).toMatch(/CONFERENCE/);
    const wrongParameter = await create({ name: 'Ops', number: '0402', ringStrategy: 'RING_ALL', ringTimeSeconds: 20, noAnswerDestination: { type: 'HANGUP', greeting: 'BUSY' } });
    expect(wrongParameter.data.createDepartment.issues[0]).toMatchObject({ path: ['input', 'noAnswerDestination', 'greeting'], code: 'NOT_ALLOWED' });
    const external = await create({ name: 'Ops', number: '0402', ringStrategy: 'RING_ALL', ringTimeSeconds: 20, noAnswerDestination: { type: 'EXTERNAL_NUMBER', target: '0086;1' } });
    expect(external.data.createDepartment.issues[0].path).toEqual(['input', 'noAnswerDestination', 'target']);
    const members = await create({ name: 'Ops', number: '0402', ringStrategy: 'RING_ALL', ringTimeSeconds: 20, noAnswerDestination: { type: 'HANGUP' }, members: ['110', '999', '110'] });
    expect(members.data.createDepartment.issues.map((i: any) => `${i.path.join('.')}:${i.code}`)).toEqual(['input.members.1:NOT_FOUND', 'input.members.2:DUPLICATE']);
    const name = await create({ name: 'Billing', number: '0402', ringStrategy: 'RING_ALL', ringTimeSeconds: 20, noAnswerDestination: { type: 'HANGUP' } });
    expect(name.data.createDepartment).toMatchObject({ __typename: 'ConflictError' });
    // None of the refused ones was written.
    expect(await departmentCount()).toBe(before);
  });

  it('updates only the named fields', async () => {
    await createExtensions('120', 4);
    ok(
      await create({ name: 'Marketing', number: '0403', ringStrategy: 'SEQUENTIAL', ringTimeSeconds: 15, noAnswerDestination: { type: 'VOICEMAIL', target: '120' }, members: ['122', '120', '121'] }),
      'createDepartment',
    );
    const list = await server.gql(`{ departments(first: 10, search: "marketing") { edges { node { id } } } }`, {}, server.adminToken);
    const id = list.data.departments.edges[0].node.id;
    const r = ok(await server.gql(UPDATE, { id, input: { ringTimeSeconds: 25 } }, server.adminToken), 'updateDepartment');
    expect(r).toMatchObject({
      name: 'Marketing',
      ringTimeSeconds: 25,
      ringStrategy: 'SEQUENTIAL',
      members: [{ number: '122' }, { number: '120' }, { number: '121' }],
      noAnswerDestination: { type: 'VOICEMAIL' },
    });
    const external = ok(
      await server.gql(UPDATE, { id, input: { noAnswerDestination: { type: 'EXTERNAL_NUMBER', target: '+8613800000000' }, members: ['123'] } }, server.adminToken),
      'updateDepartment',
    );
    expect(external).toMatchObject({ noAnswerDestination: { type: 'EXTERNAL_NUMBER', target: '+8613800000000' }, members: [{ number: '123' }] });
    const self = await server.gql(UPDATE, { id, input: { noAnswerDestination: { type: 'DEPARTMENT', target: id } } }, server.adminToken);
    expect(self.data.updateDepartment.issues[0].code).toBe('CYCLE');
  });

  it('deleting an extension removes it from departments; deleting a referenced one is refused', async () => {
    await createExtensions('130', 2);
    const front = ok(await create({ name: 'Front', number: '0406', ringStrategy: 'RING_ALL', ringTimeSeconds: 20, noAnswerDestination: { type: 'HANGUP' }, members: ['130'] }), 'createDepartment').id;
    const back = ok(
      await create({ name: 'Back', number: '0407', ringStrategy: 'RING_ALL', ringTimeSeconds: 30, noAnswerDestination: { type: 'DEPARTMENT', target: '0406' }, members: ['130'] }),
      'createDepartment',
    );
    const e131 = (await server.gql(`{ extension(number: "131") { id } }`, {}, server.adminToken)).data.extension.id;
    ok(await server.gql(UPDATE, { id: back.id, input: { members: ['130', '131'] } }, server.adminToken), 'updateDepartment');
    const del = await server.gql(`mutation($ids: [ID!]!) { deleteExtensions(ids: $ids) { ${ERROR_FIELDS} } }`, { ids: [e131] }, server.adminToken);
    expect(del.data.deleteExtensions.__typename).toBe('MutationDeleteExtensionsSuccess');
    const after = await server.gql(`query($id: ID!) { node(id: $id) { ... on Department { members { number } } } }`, { id: back.id }, server.adminToken);
    expect(after.data.node.members).toEqual([{ number: '130' }]);

    const refused = await server.gql(DELETE, { ids: [front] }, server.adminToken);
    expect(refused.data.deleteDepartments).toMatchObject({
      __typename: 'ReferencedError',
      referrers: [{ kind: 'DEPARTMENT', label: 'department 0407 (Back) sends unanswered calls there' }],
    });
    expect(refused.data.deleteDepartments.message).toContain('Department 0406 (Front) cannot be deleted');
    // Both at once is fine: nothing outside the selection refers to them.
    const both = await server.gql(DELETE, { ids: [front, back.id] }, server.adminToken);
    expect(ok(both, 'deleteDepartments').count).toBe(2);
    expect((await server.gql(`{ numberOwner(number: "0406") { label } }`, {}, server.adminToken)).data.numberOwner).toBeNull();
  });

  it('an extension that a department sends calls to cannot be deleted', async () => {
    await createExtensions('140', 1);
    ok(await create({ name: 'Night', number: '0410', ringStrategy: 'RING_ALL', ringTimeSeconds: 20, noAnswerDestination: { type: 'EXTENSION', target: '140' } }), 'createDepartment');
    const e140 = (await server.gql(`{ extension(number: "140") { id } }`, {}, server.adminToken)).data.extension.id;
    const r = await server.gql(`mutation($ids: [ID!]!) { deleteExtensions(ids: $ids) { ${ERROR_FIELDS} } }`, { ids: [e140] }, server.adminToken);
    expect(r.data.deleteExtensions).toMatchObject({ __typename: 'ReferencedError', referrers: [{ label: 'department 0410 (Night) sends unanswered calls there' }] });
    const before = await extensionCount();
    const all = await server.gql(`mutation { deleteAllExtensions(confirm: true) { ${ERROR_FIELDS} } }`, {}, server.adminToken);
    expect(all.data.deleteAllExtensions.__typename).toBe('ReferencedError');
    // Refused as a whole: not one extension was deleted.
    expect(await extensionCount()).toBe(before);
  });
});
