import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_FIELDS, ok, startTestServer, type TestServer } from '../support/server.js';

/**
 * One bad reference must never block every later apply: what routes to an
 * object is checked when it is written and again whenever the object
 * changes, and settings that name an extension keep it from going away.
 */
let server: TestServer;
const gql = (query: string, variables?: Record<string, unknown>) => server.gql(query, variables, server.adminToken);
const createExtension = async (number: string, fields = '') =>
  ok(
    await gql(
      `mutation { createExtension(input: { number: "${number}", name: "User ${number}", password: "Secret-${number}x" ${fields} }) { ${ERROR_FIELDS} ... on MutationCreateExtensionSuccess { data { id } } } }`,
    ),
    'createExtension',
  ).id as string;
const updateExtension = (id: string, input: string) => gql(`mutation($id: ID!) { updateExtension(id: $id, input: { ${input} }) { ${ERROR_FIELDS} } }`, { id });
const createDepartment = (number: string, destination: string) =>
  gql(`mutation { createDepartment(input: { name: "Dept ${number}", number: "${number}", ringStrategy: RING_ALL, ringTimeSeconds: 20, noAnswerDestination: ${destination} }) { ${ERROR_FIELDS} } }`);

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

describe('destinations are checked on write and when their target changes', () => {
  it('a no-answer target of a mailbox that is off is refused at the mutation, naming the field', async () => {
    await createExtension('201', ', voicemailEnabled: false');
    const refused = await createDepartment('0410', '{ type: VOICEMAIL, target: "201" }');
    expect(refused.data.createDepartment).toMatchObject({
      __typename: 'ValidationError',
      issues: [{ path: ['input', 'noAnswerDestination', 'target'], code: 'UNUSABLE', message: 'extension (voicemail) 201 cannot take these calls: its voicemail is off' }],
    });
  });

  it('turning voicemail off, or disabling, an extension that a department sends calls to is refused with the referrer', async () => {
    const id = await createExtension('202');
    expect((await createDepartment('0411', '{ type: VOICEMAIL, target: "202", greeting: BUSY }')).data.createDepartment.__typename).toBe('MutationCreateDepartmentSuccess');
    const off = await updateExtension(id, 'voicemailEnabled: false');
    expect(off.data.updateExtension).toMatchObject({
      __typename: 'ReferencedError',
      referrers: [{ kind: 'DEPARTMENT', label: 'department 0411 (Dept 0411) sends unanswered calls there (VOICEMAIL), but its voicemail is off' }],
    });
    const id2 = await createExtension('203');
    expect((await createDepartment('0412', '{ type: EXTENSION, target: "203" }')).data.createDepartment.__typename).toBe('MutationCreateDepartmentSuccess');
    const disabled = await updateExtension(id2, 'enabled: false');
    expect(disabled.data.updateExtension).toMatchObject({
      __typename: 'ReferencedError',
      referrers: [{ kind: 'DEPARTMENT', label: 'department 0412 (Dept 0412) sends unanswered calls there, but it is disabled' }],
    });
    // Nothing was written, and the configuration still applies.
    const still = await gql(`{ extension(number: "202") { voicemailEnabled } }`);
    expect(still.data.extension.voicemailEnabled).toBe(true);
    const applied = await gql(`mutation { applyPbxConfiguration { outcome error } }`);
    expect(applied.data.applyPbxConfiguration.outcome).not.toBe('REFUSED');
  });
});

describe('destination parameters', () => {
  it('an EXTENSION target takes a ring time, checked and read back; other kinds refuse it', async () => {
    await createExtension('205');
    const made = await gql(
      `mutation { createDepartment(input: { name: "Ring 205", number: "0415", ringStrategy: RING_ALL, ringTimeSeconds: 20, noAnswerDestination: { type: EXTENSION, target: "205", ringTimeSeconds: 15 } }) { ${ERROR_FIELDS} ... on MutationCreateDepartmentSuccess { data { noAnswerDestination { type target ringTimeSeconds greeting } } } } }`,
    );
    expect(ok(made, 'createDepartment').noAnswerDestination).toEqual({ type: 'EXTENSION', target: '205', ringTimeSeconds: 15, greeting: null });
    const short = await createDepartment('0416', '{ type: EXTENSION, target: "205", ringTimeSeconds: 2 }');
    expect(short.data.createDepartment.issues).toEqual([{ path: ['input', 'noAnswerDestination', 'ringTimeSeconds'], message: 'at least 5', code: 'OUT_OF_BOUNDS' }]);
    const wrongKind = await createDepartment('0416', '{ type: HANGUP, ringTimeSeconds: 15 }');
    expect(wrongKind.data.createDepartment.issues[0]).toMatchObject({ path: ['input', 'noAnswerDestination', 'ringTimeSeconds'], code: 'NOT_ALLOWED' });
  });
});

describe('the operator extension (F-4.6.1)', () => {
  it('on a fresh install other PBX settings change although extension 100 does not exist', async () => {
    const fresh = await startTestServer();
    try {
      const r = await fresh.gql(
        `mutation { updatePbxSettings(input: { globalRingSeconds: 45 }) { ${ERROR_FIELDS} ... on MutationUpdatePbxSettingsSuccess { data { globalRingSeconds operatorExtension } } } }`,
        {},
        fresh.adminToken,
      );
      expect(ok(r, 'updatePbxSettings')).toEqual({ globalRingSeconds: 45, operatorExtension: '100' });
    } finally {
      await fresh.stop();
    }
  });

  it('may not be renumbered, disabled or deleted while it is the operator; later settings updates keep working', async () => {
    const id = await createExtension('210');
    ok(await gql(`mutation { updatePbxSettings(input: { operatorExtension: "210" }) { ${ERROR_FIELDS} } }`), 'updatePbxSettings');
    const renumbered = await updateExtension(id, 'number: "211"');
    expect(renumbered.data.updateExtension).toMatchObject({
      __typename: 'ReferencedError',
      message: 'Extension 210 cannot be renumbered: the PBX settings name 210 the operator extension (operatorExtension)',
    });
    const disabled = await updateExtension(id, 'enabled: false');
    expect(disabled.data.updateExtension.__typename).toBe('ReferencedError');
    const deleted = await gql(`mutation($ids: [ID!]!) { deleteExtensions(ids: $ids) { ${ERROR_FIELDS} } }`, { ids: [id] });
    expect(deleted.data.deleteExtensions.__typename).toBe('ReferencedError');
    const later = await gql(`mutation { updatePbxSettings(input: { globalRingSeconds: 50 }) { ${ERROR_FIELDS} ... on MutationUpdatePbxSettingsSuccess { data { globalRingSeconds } } } }`);
    expect(ok(later, 'updatePbxSettings').globalRingSeconds).toBe(50);
    // Another name change is fine.
    expect((await updateExtension(id, 'name: "Reception"')).data.updateExtension.__typename).toBe('MutationUpdateExtensionSuccess');
  });
});

describe('stored settings are never lost silently', () => {
  it('a stored group with one invalid field keeps every other stored value', async () => {
    const prisma = server.running.services.db.prisma;
    await prisma.setting.upsert({
      where: { key: 'sip' },
      create: { key: 'sip', value: JSON.stringify({ udpPort: 5070, userAgent: 'bad;agent' }) },
      update: { value: JSON.stringify({ udpPort: 5070, userAgent: 'bad;agent' }) },
    });
    const read = await gql(`{ settings { sip { udpPort userAgent } } }`);
    expect(read.data.settings.sip).toEqual({ udpPort: 5070, userAgent: 'PBX' });
  });
});
