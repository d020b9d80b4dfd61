import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import type { BatchEditInput } from '../../src/extensions/service.js';
import { ERROR_FIELDS, ok, startTestServer, type TestServer } from '../support/server.js';

const ALL_FIELDS = `id number enabled name mobileNumber dialPermission { name } password language email outboundCallerId1 outboundCallerId2
  mohClass voicemailEnabled voicemailPin remoteRegistration maxContacts videoEnabled videoCodec recording
  registrationExpirySeconds webLogin pickupGroups transport dtmfMode srtp
  qualifyFrequencySeconds nat iax2Enabled trustedAddresses qualifyTimeoutSeconds sendPai sendRpid rtpTimeoutSeconds
  inbandProgress codecs passwordStrength`;

const CREATE = `mutation($input: CreateExtensionInput!) { createExtension(input: $input) { ${ERROR_FIELDS} ... on MutationCreateExtensionSuccess { data { ${ALL_FIELDS} } } } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateExtensionInput!) { updateExtension(id: $id, input: $input) { ${ERROR_FIELDS} ... on MutationUpdateExtensionSuccess { data { ${ALL_FIELDS} } } } }`;

let server: TestServer;
const create = (input: Record<string, unknown>) => server.gql(CREATE, { input }, server.adminToken);
const issuePaths = (result: any, field: string) => result.data[field].issues.map((i: any) => i.path.join('.'));
/** Batch add through the API: the new extensions in number order (with the given fields). */
const createBatch = async (input: string, fields = 'id number') =>
  ok(
    await server.gql(`mutation { createExtensions(input: { ${input} }) { ${ERROR_FIELDS} ... on MutationCreateExtensionsSuccess { data { extensions { ${fields} } } } } }`, {}, server.adminToken),
    'createExtensions',
  ).extensions as any[];

// The tests share one server but not their rows: each makes the extensions it
// needs under numbers of its own, so any one of them passes alone.

beforeAll(async () => {
  server = await startTestServer({ LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent' });
});
afterAll(() => server.stop());

describe('create and update', () => {
  it('applies the manual defaults (F-4.1.2.a–c)', async () => {
    const ext = ok(await create({ number: '101', name: 'Alice', password: 'Secret-101x' }), 'createExtension');
    expect(ext).toMatchObject({
      number: '101',
      enabled: true,
      name: 'Alice',
      mobileNumber: '',
      dialPermission: { name: 'DialPlan1' },
      language: 'DEFAULT',
      email: '',
      outboundCallerId1: '',
      outboundCallerId2: '',
      mohClass: 'default',
      voicemailEnabled: true,
      voicemailPin: '1234',
      remoteRegistration: false,
      maxContacts: 2,
      videoEnabled: true,
      videoCodec: 'H264',
      recording: 'OFF',
      registrationExpirySeconds: 1800,
      webLogin: true,
      pickupGroups: [1],
      transport: 'UDP',
      dtmfMode: 'RFC4733',
      srtp: false,
      qualifyFrequencySeconds: 300,
      nat: false,
      iax2Enabled: false,
      trustedAddresses: [],
      qualifyTimeoutSeconds: 30,
      sendPai: false,
      sendRpid: false,
      rtpTimeoutSeconds: 60,
      inbandProgress: false,
      codecs: ['ALAW', 'ULAW', 'G729'],
      password: 'Secret-101x',
      passwordStrength: 'STRONG',
    });
  });

  it('stores every field as given, codecs in order', async () => {
    const input = {
      number: '102',
      enabled: false,
      name: 'Bob Müller-Ōta',
      mobileNumber: '+86 (138) 0000-0000',
      password: 'pw1234',
      language: 'zh_CN',
      email: 'bob@example.com',
      outboundCallerId1: '+8602867293500',
      outboundCallerId2: '67293501',
      mohClass: 'jazz',
      voicemailEnabled: false,
      voicemailPin: '4321',
      remoteRegistration: true,
      maxContacts: 5,
      videoEnabled: false,
      videoCodec: 'VP8',
      recording: 'BOTH',
      registrationExpirySeconds: 600,
      webLogin: false,
      pickupGroups: [3, 64, 1],
      transport: 'TLS',
      dtmfMode: 'SIP_INFO',
      srtp: true,
      qualifyFrequencySeconds: 60,
      nat: true,
      iax2Enabled: true,
      trustedAddresses: ['192.168.1.0/24', '10.0.0.5', '2001:db8::/32'],
      qualifyTimeoutSeconds: 5,
      sendPai: true,
      sendRpid: false,
      rtpTimeoutSeconds: 0,
      inbandProgress: true,
      codecs: ['G722', 'OPUS', 'ULAW'],
    };
    // mohClass names a class of the sound library (F-4.4.1).
    ok(await server.gql(`mutation { createMohClass(input: { name: "jazz" }) { ${ERROR_FIELDS} ... on MutationCreateMohClassSuccess { data { id } } } }`, {}, server.adminToken), 'createMohClass');
    const ext = ok(await create(input), 'createExtension');
    const { password: _p, ...rest } = input;
    expect(ext).toMatchObject({ ...rest, passwordStrength: 'WEAK' });
  });

  it('changes only the named fields', async () => {
    const ext = ok(await create({ number: '103', name: 'Carol', password: 'Secret-103x', voicemailPin: '7777', codecs: ['ULAW'], pickupGroups: [5] }), 'createExtension');
    const updated = ok(await server.gql(UPDATE, { id: ext.id, input: { name: 'Carol B' } }, server.adminToken), 'updateExtension');
    expect(updated).toEqual({ ...ext, name: 'Carol B' });
    const renumbered = ok(await server.gql(UPDATE, { id: ext.id, input: { number: '113' } }, server.adminToken), 'updateExtension');
    expect(renumbered.number).toBe('113');
    // The old number is free again, the new one taken.
    const owner = await server.gql(`{ a: numberOwner(number: "103") { label } b: numberOwner(number: "113") { label } }`, {}, server.adminToken);
    expect(owner.data).toEqual({ a: null, b: { label: 'extension 113 (Carol B)' } });
  });

  it('checks the rules across fields on the merged record', async () => {
    const ext = ok(await create({ number: '104', name: 'Dan', password: 'Secret-104x', sendPai: true }), 'createExtension');
    const both = await server.gql(UPDATE, { id: ext.id, input: { sendRpid: true } }, server.adminToken);
    expect(both.data.updateExtension.__typename).toBe('ValidationError');
    expect(issuePaths(both, 'updateExtension')).toEqual(['input.sendRpid']);
    const fine = await server.gql(UPDATE, { id: ext.id, input: { webLogin: false } }, server.adminToken);
    expect(ok(fine, 'updateExtension')).toMatchObject({ webLogin: false, sendPai: true });
  });

  it('reports every bad field with its path and writes nothing', async () => {
    const bad = await create({
      number: '1a',
      name: '',
      password: 'short',
      pickupGroups: [0, 65],
      codecs: ['ULAW', 'ULAW'],
      trustedAddresses: ['10.0.0.0/33', 'host'],
      maxContacts: 0,
      registrationExpirySeconds: 10,
      voicemailPin: '12',
      email: 'not-mail',
      language: 'english',
    });
    expect(bad.data.createExtension.__typename).toBe('ValidationError');
    expect(issuePaths(bad, 'createExtension')).toEqual(
      expect.arrayContaining([
        'input.number',
        'input.password',
        'input.pickupGroups.0',
        'input.pickupGroups.1',
        'input.codecs',
        'input.trustedAddresses.0',
        'input.trustedAddresses.1',
        'input.maxContacts',
        'input.registrationExpirySeconds',
        'input.voicemailPin',
        'input.email',
        'input.language',
      ]),
    );
    const missing = await create({ number: '109', name: '', password: '' });
    expect(issuePaths(missing, 'createExtension')).toEqual(['input.name', 'input.password']);
    expect((await server.gql(`{ numberOwner(number: "109") { label } }`, {}, server.adminToken)).data.numberOwner).toBeNull();
  });

  it('rejects hostile strings with a clear error, and stores allowed ones exactly', async () => {
    const hostile = ['Eve\nexten => 1,1,Hangup', 'Eve;comment', 'Eve [section]', 'Eve, Mallory', 'Eve\u0000', 'x'.repeat(65), 'Eve"quote'];
    for (const name of hostile) {
      const r = await create({ number: '120', name, password: 'Secret-120x' });
      expect(r.data.createExtension.__typename, name).toBe('ValidationError');
      expect(issuePaths(r, 'createExtension'), name).toContain('input.name');
    }
    for (const password of ['pass word', 'pass;word', 'pass[word]', 'pass,word', 'pa\nssword', 'pass"word']) {
      const r = await create({ number: '120', name: 'Eve', password });
      expect(issuePaths(r, 'createExtension'), password).toContain('input.password');
    }
    for (const callerId of ['123\n456', '12;3', '+12+3', '1'.repeat(33)]) {
      const r = await create({ number: '120', name: 'Eve', password: 'Secret-120x', outboundCallerId1: callerId });
      expect(issuePaths(r, 'createExtension'), callerId).toContain('input.outboundCallerId1');
    }
    const exact = ok(await create({ number: '120', name: "O'Brien & Søn (Ops)/+1", password: 'P@ss#w0rd!{x}' }), 'createExtension');
    expect(exact).toMatchObject({ name: "O'Brien & Søn (Ops)/+1", password: 'P@ss#w0rd!{x}' });
  });
});

describe('numbering plan', () => {
  it('refuses a taken number naming its owner, and a number outside the range naming the range', async () => {
    ok(await create({ number: '140', name: 'Owner', password: 'Secret-140x' }), 'createExtension');
    const taken = await create({ number: '140', name: 'Again', password: 'Secret-xx1' });
    // The same error type as every other create (createDepartment too): NumberConflictError naming the owner.
    expect(taken.data.createExtension).toEqual({
      __typename: 'NumberConflictError',
      message: 'Number 140 is already used by extension 140 (Owner)',
      number: '140',
      owner: { kind: 'EXTENSION', label: 'extension 140 (Owner)' },
    });
    const outside = await create({ number: '0400', name: 'Dept', password: 'Secret-xx1' });
    expect(outside.data.createExtension.issues).toEqual([{ path: ['input', 'number'], message: '0400 is outside the user extension range 100–899', code: 'OUT_OF_RANGE' }]);
    const dept = await server.gql(
      `mutation { createDepartment(input: { name: "Sales", number: "0400", ringStrategy: RING_ALL, ringTimeSeconds: 20, noAnswerDestination: { type: HANGUP } }) { ${ERROR_FIELDS} } }`,
      {},
      server.adminToken,
    );
    expect(dept.data.createDepartment.__typename).toBe('MutationCreateDepartmentSuccess');
    const again = await server.gql(
      `mutation { createDepartment(input: { name: "Sales 2", number: "0400", ringStrategy: RING_ALL, ringTimeSeconds: 20, noAnswerDestination: { type: HANGUP } }) { ${ERROR_FIELDS} } }`,
      {},
      server.adminToken,
    );
    expect(again.data.createDepartment).toMatchObject({ __typename: 'NumberConflictError', number: '0400', owner: { kind: 'DEPARTMENT', label: 'department 0400 (Sales)' } });
  });
});

describe('batches', () => {
  it('batch add: numbers and caller IDs in sequence, a different random password each', async () => {
    const r = await server.gql(
      `mutation { createExtensions(input: { startNumber: "300", count: 10, startCallerId1: "67293500", startCallerId2: "+861000", callerIdStep2: SAME, fields: { codecs: [ULAW], maxContacts: 3 } }) {
        ${ERROR_FIELDS} ... on MutationCreateExtensionsSuccess { data { count extensions { number name outboundCallerId1 outboundCallerId2 password codecs maxContacts } } } } }`,
      {},
      server.adminToken,
    );
    const { count, extensions } = ok(r, 'createExtensions');
    expect(count).toBe(10);
    expect(extensions.map((e: any) => e.number)).toEqual(['300', '301', '302', '303', '304', '305', '306', '307', '308', '309']);
    expect(extensions.map((e: any) => e.outboundCallerId1)).toEqual(Array.from({ length: 10 }, (_, i) => String(67293500 + i)));
    expect(new Set(extensions.map((e: any) => e.outboundCallerId2))).toEqual(new Set(['+861000']));
    const passwords = extensions.map((e: any) => e.password);
    expect(new Set(passwords).size).toBe(10);
    for (const p of passwords) {
      expect(p).toHaveLength(10);
      expect(p).toMatch(/[A-Za-z]/);
      expect(p).toMatch(/\d/);
      expect(p).toMatch(/[^A-Za-z0-9]/);
    }
    expect(extensions[0]).toMatchObject({ name: '300', codecs: ['ULAW'], maxContacts: 3 });
  });

  it('batch add with one password, and a batch that clashes writes nothing', async () => {
    const same = await server.gql(
      `mutation { createExtensions(input: { startNumber: "400", count: 3, password: "Shared-pw1" }) { ${ERROR_FIELDS} ... on MutationCreateExtensionsSuccess { data { extensions { password } } } } }`,
      {},
      server.adminToken,
    );
    expect(ok(same, 'createExtensions').extensions.map((e: any) => e.password)).toEqual(['Shared-pw1', 'Shared-pw1', 'Shared-pw1']);
    const clash = await server.gql(`mutation { createExtensions(input: { startNumber: "398", count: 4 }) { ${ERROR_FIELDS} } }`, {}, server.adminToken);
    expect(clash.data.createExtensions.__typename).toBe('ValidationError');
    expect(clash.data.createExtensions.issues.map((i: any) => i.message)).toEqual(['Number 400 is already used by extension 400 (400)', 'Number 401 is already used by extension 401 (401)']);
    expect((await server.gql(`{ numberOwner(number: "398") { label } }`, {}, server.adminToken)).data.numberOwner).toBeNull();
    const noFields = await server.gql(`mutation { createExtensions(input: { startNumber: "500", count: 2, fields: { } }) { __typename } }`, {}, server.adminToken);
    expect(noFields.data.createExtensions.__typename).toBe('MutationCreateExtensionsSuccess');
    const outOfRange = await server.gql(`mutation { createExtensions(input: { startNumber: "895", count: 10 }) { ${ERROR_FIELDS} } }`, {}, server.adminToken);
    expect(outOfRange.data.createExtensions.issues.map((i: any) => i.path.join('.'))).toEqual(['900', '901', '902', '903', '904'].map((_, i) => `input.extensions.${i + 5}.number`));
  });

  it('capacity: create, batch and import stop at the model limit', async () => {
    const limited = await startTestServer({ MAX_IP_EXTENSIONS: '5' });
    try {
      const r = await limited.gql(`mutation { createExtensions(input: { startNumber: "100", count: 6 }) { ${ERROR_FIELDS} } }`, {}, limited.adminToken);
      expect(r.data.createExtensions).toMatchObject({ __typename: 'LimitExceededError', limit: 'maxIpExtensions', maximum: 5 });
      expect((await limited.gql(`{ extensions(first: 1) { totalCount } }`, {}, limited.adminToken)).data.extensions.totalCount).toBe(0);
      ok(
        await limited.gql(
          `mutation { createExtensions(input: { startNumber: "100", count: 5 }) { ${ERROR_FIELDS} ... on MutationCreateExtensionsSuccess { data { count } } } }`,
          {},
          limited.adminToken,
        ),
        'createExtensions',
      );
      const one = await limited.gql(`mutation { createExtension(input: { number: "200", name: "x", password: "Secret-200" }) { ${ERROR_FIELDS} } }`, {}, limited.adminToken);
      expect(one.data.createExtension.__typename).toBe('LimitExceededError');
      const raised = await limited.gql(
        `mutation { updateSystemSettings(input: { maxIpExtensions: 6 }) { ${ERROR_FIELDS} ... on MutationUpdateSystemSettingsSuccess { data { maxIpExtensions } } } }`,
        {},
        limited.adminToken,
      );
      expect(ok(raised, 'updateSystemSettings').maxIpExtensions).toBe(6);
      const now = await limited.gql(`mutation { createExtension(input: { number: "200", name: "x", password: "Secret-200" }) { __typename } }`, {}, limited.adminToken);
      expect(now.data.createExtension.__typename).toBe('MutationCreateExtensionSuccess');
      // The capacity cannot go below the extensions there are (6 now); down to them it can.
      const below = await limited.gql(`mutation { updateSystemSettings(input: { maxIpExtensions: 5 }) { ${ERROR_FIELDS} } }`, {}, limited.adminToken);
      expect(below.data.updateSystemSettings.issues).toEqual([{ path: ['input', 'maxIpExtensions'], message: '6 IP extensions exist: delete some first, or allow at least 6', code: 'IN_USE' }]);
      expect((await limited.gql(`{ settings { system { maxIpExtensions } } }`, {}, limited.adminToken)).data.settings.system.maxIpExtensions).toBe(6);
      const down = await limited.gql(`mutation { updateSystemSettings(input: { maxIpExtensions: 7 }) { ${ERROR_FIELDS} } }`, {}, limited.adminToken);
      expect(down.data.updateSystemSettings.__typename).toBe('MutationUpdateSystemSettingsSuccess');
      const exact = await limited.gql(`mutation { updateSystemSettings(input: { maxIpExtensions: 6 }) { ${ERROR_FIELDS} } }`, {}, limited.adminToken);
      expect(exact.data.updateSystemSettings.__typename).toBe('MutationUpdateSystemSettingsSuccess');
    } finally {
      await limited.stop();
    }
  });

  it('batch edit changes shared fields of the selected extensions only', async () => {
    const nodes = await createBatch('startNumber: "600", count: 3, password: "Shared-pw1"');
    expect(nodes.map((n: any) => n.number)).toEqual(['600', '601', '602']);
    const ids = nodes.slice(0, 2).map((n: any) => n.id);
    const r = await server.gql(
      `mutation($ids: [ID!]!) { updateExtensions(ids: $ids, input: { fields: { recording: INBOUND, pickupGroups: [7] }, startCallerId1: "5550100" }) { ${ERROR_FIELDS} ... on MutationUpdateExtensionsSuccess { data { extensions { number name recording pickupGroups outboundCallerId1 password } } } } }`,
      { ids },
      server.adminToken,
    );
    expect(ok(r, 'updateExtensions').extensions).toEqual([
      { number: '600', name: '600', recording: 'INBOUND', pickupGroups: [7], outboundCallerId1: '5550100', password: 'Shared-pw1' },
      { number: '601', name: '601', recording: 'INBOUND', pickupGroups: [7], outboundCallerId1: '5550101', password: 'Shared-pw1' },
    ]);
    const untouched = await server.gql(`{ extension(number: "602") { recording pickupGroups } }`, {}, server.adminToken);
    expect(untouched.data.extension).toEqual({ recording: 'OFF', pickupGroups: [1] });
    const bad = await server.gql(`mutation($ids: [ID!]!) { updateExtensions(ids: $ids, input: { fields: { maxContacts: 0 } }) { ${ERROR_FIELDS} } }`, { ids }, server.adminToken);
    expect(issuePaths(bad, 'updateExtensions')).toEqual(['input.extensions.0.maxContacts', 'input.extensions.1.maxContacts']);
  });

  it('batch edit and batch add refuse each per-user field (number, name, email, mobileNumber, password)', async () => {
    const SELECT = 'id number name email mobileNumber password';
    const rows = await createBatch('startNumber: "450", count: 2, password: "Shared-pw2"', SELECT);
    const gids: string[] = rows.map((r: any) => r.id);
    // The service takes database ids, not global IDs.
    const ids = (await server.running.services.db.prisma.extension.findMany({ where: { number: { in: ['450', '451'] } }, orderBy: { number: 'asc' }, select: { id: true } })).map((r) => r.id);
    expect(ids).toHaveLength(2);
    // Valid values each, so that only their being per user can be refused.
    const perUser = { number: '777', name: 'Same Name', email: 'same@example.com', mobileNumber: '+1 555 0100', password: 'Secret-same1' };
    expect(Object.keys(perUser)).toEqual(['number', 'name', 'email', 'mobileNumber', 'password']);
    const service = server.running.services.extensions;
    const refusal = (field: string) => ({ path: ['input', 'fields', field], message: 'differs per user: batch operations cannot set it', code: 'NOT_ALLOWED' });
    for (const [field, value] of Object.entries(perUser)) {
      // Through the API the refusal cannot be reached: SharedExtensionFields, the `fields` of both
      // updateExtensions and createExtensions, does not offer the field, so GraphQL refuses the
      // document before any resolver runs.
      const edit = await server.gql(
        `mutation($ids: [ID!]!) { updateExtensions(ids: $ids, input: { fields: { ${field}: ${JSON.stringify(value)} } }) { __typename } }`,
        { ids: gids },
        server.adminToken,
      );
      expect(edit.data, field).toBeUndefined();
      expect(
        edit.errors?.map((e) => e.message),
        field,
      ).toEqual([expect.stringContaining(`Field "${field}" is not defined by type "SharedExtensionFields"`)]);
      const add = await server.gql(`mutation { createExtensions(input: { startNumber: "460", count: 2, fields: { ${field}: ${JSON.stringify(value)} } }) { __typename } }`, {}, server.adminToken);
      expect(add.data, field).toBeUndefined();
      expect(
        add.errors?.map((e) => e.message),
        field,
      ).toEqual([expect.stringContaining(`Field "${field}" is not defined by type "SharedExtensionFields"`)]);

      // The service behind both mutations refuses it by itself, naming the field. (The cast goes
      // around the compile-time type, which already leaves these fields out.)
      const fields = { [field]: value } as unknown as BatchEditInput['fields'];
      const edited = await service.batchEdit(ids, { fields }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(edited, field).toBeInstanceOf(ValidationError);
      expect((edited as ValidationError).issues, field).toEqual([refusal(field)]);
      const added = await service.createBatch({ startNumber: '460', count: 2, fields }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(added, field).toBeInstanceOf(ValidationError);
      expect((added as ValidationError).issues, field).toEqual([refusal(field)]);
    }
    // All five at once: one issue each, in the order of the fields.
    const all = await service.batchEdit(ids, { fields: perUser as unknown as BatchEditInput['fields'] }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(all).toBeInstanceOf(ValidationError);
    expect((all as ValidationError).issues).toEqual(Object.keys(perUser).map(refusal));
    // Nothing was written: the two extensions are as created, the numbers are free.
    const after = await server.gql(`query($ids: [ID!]!) { nodes(ids: $ids) { ... on Extension { ${SELECT} } } }`, { ids: gids }, server.adminToken);
    expect(after.data.nodes).toEqual(rows);
    const owners = await server.gql(`{ a: numberOwner(number: "460") { label } b: numberOwner(number: "461") { label } c: numberOwner(number: "777") { label } }`, {}, server.adminToken);
    expect(owners.data).toEqual({ a: null, b: null, c: null });
  });
});

describe('lists', () => {
  it('fuzzy search, pagination with total count, sorting', async () => {
    // 820–829 are the only numbers (and names) in this file with "82" in them; "Zephyr" the only names with "zeph".
    await createBatch('startNumber: "820", count: 10');
    ok(await create({ number: '830', name: 'Quentin Zephyr', password: 'Secret-830x' }), 'createExtension');
    ok(await create({ number: '831', name: 'Zelda Zephyr', password: 'Secret-831x' }), 'createExtension');
    const page1 = await server.gql(`{ extensions(first: 4, filter: { search: "82" }) { totalCount pageInfo { hasNextPage endCursor } edges { node { number } } } }`, {}, server.adminToken);
    expect(page1.data.extensions.totalCount).toBe(10);
    expect(page1.data.extensions.edges.map((e: any) => e.node.number)).toEqual(['820', '821', '822', '823']);
    const after = page1.data.extensions.pageInfo.endCursor;
    const page2 = await server.gql(`query($after: String) { extensions(first: 4, after: $after, filter: { search: "82" }) { edges { node { number } } } }`, { after }, server.adminToken);
    expect(page2.data.extensions.edges.map((e: any) => e.node.number)).toEqual(['824', '825', '826', '827']);
    const byName = await server.gql(`{ extensions(first: 3, filter: { search: "zeph" }, orderBy: { field: NAME, direction: DESC }) { edges { node { name } } } }`, {}, server.adminToken);
    expect(byName.data.extensions.edges.map((e: any) => e.node.name)).toEqual(['Zelda Zephyr', 'Quentin Zephyr']);
    const caseless = await server.gql(`{ extensions(first: 3, filter: { search: "ZEPH" }) { totalCount } }`, {}, server.adminToken);
    expect(caseless.data.extensions.totalCount).toBe(2);
    const desc = await server.gql(`{ extensions(first: 2, filter: { search: "82" }, orderBy: { field: NUMBER, direction: DESC }) { edges { node { number } } } }`, {}, server.adminToken);
    expect(desc.data.extensions.edges.map((e: any) => e.node.number)).toEqual(['829', '828']);
  });

  it('delete selected and delete all', async () => {
    const ids = (await createBatch('startNumber: "760", count: 2')).map((e: any) => e.id);
    const del = await server.gql(
      `mutation($ids: [ID!]!) { deleteExtensions(ids: $ids) { ${ERROR_FIELDS} ... on MutationDeleteExtensionsSuccess { data { count deletedIds } } } }`,
      { ids },
      server.adminToken,
    );
    expect(ok(del, 'deleteExtensions')).toEqual({ count: 2, deletedIds: ids });
    expect((await server.gql(`{ numberOwner(number: "760") { label } }`, {}, server.adminToken)).data.numberOwner).toBeNull();
    const refuse = await server.gql(`mutation { deleteAllExtensions(confirm: false) { ${ERROR_FIELDS} } }`, {}, server.adminToken);
    expect(refuse.data.deleteAllExtensions.__typename).toBe('ValidationError');
  });
});

describe('secrets and QR', () => {
  it('the SIP password is write-only without extensions:secrets', async () => {
    ok(await create({ number: '160', name: 'Grace', password: 'Secret-160x' }), 'createExtension');
    await server.gql(`mutation { createAccount(input: { username: "billing1", password: "billing-pass", role: BILLING }) { __typename } }`, {}, server.adminToken);
    const billing = await server.login('billing1', 'billing-pass');
    const r = await server.gql(`{ extension(number: "160") { number name password voicemailPin passwordStrength } }`, {}, billing);
    expect(r.data.extension).toEqual({ number: '160', name: 'Grace', password: null, voicemailPin: null, passwordStrength: 'STRONG' });
    expect(r.errors?.map((e) => [e.path?.join('.'), e.extensions?.code])).toEqual([
      ['extension.password', 'FORBIDDEN'],
      ['extension.voicemailPin', 'FORBIDDEN'],
    ]);
    const list = await server.gql(`{ extensions(first: 1, filter: { search: "160" }) { edges { node { number passwordStrength } } } }`, {}, billing);
    expect(list.data.extensions.edges[0].node).toEqual({ number: '160', passwordStrength: 'STRONG' });
    const secret = await server.gql(`{ extensions(first: 1, filter: { search: "160" }) { edges { node { number password } } } }`, {}, billing);
    expect(secret.errors?.map((e) => [e.path?.slice(-1)[0], e.extensions?.code])).toEqual([['password', 'FORBIDDEN']]);
  });

  it('QR payload follows the softphone → proxy → WAN fallback chain', async () => {
    ok(await create({ number: '170', name: 'Hana', password: 'Secret-170x' }), 'createExtension');
    const qr = async () => (await server.gql(`{ extension(number: "170") { qrCode { server port transport payload pngDataUrl } } }`, {}, server.adminToken)).data.extension.qrCode;
    await server.gql(`mutation { updateSipSettings(input: { externalSignalingAddress: "203.0.113.7", udpPort: 5070 }) { __typename } }`, {}, server.adminToken);
    expect(await qr()).toMatchObject({ server: '203.0.113.7', port: 5070, transport: 'UDP' });
    // Behind NAT the public address goes with the public port the router forwards.
    await server.gql(`mutation { updateSipSettings(input: { externalSignalingPortUdp: 15070 }) { __typename } }`, {}, server.adminToken);
    expect(await qr()).toMatchObject({ server: '203.0.113.7', port: 15070, transport: 'UDP' });
    await server.gql(`mutation { updateProxyDomainSettings(input: { enabled: true, domain: "pbx.example.com", sipPort: 15060 }) { __typename } }`, {}, server.adminToken);
    expect(await qr()).toMatchObject({ server: 'pbx.example.com', port: 15060 });
    await server.gql(`mutation { updateSoftphoneSettings(input: { registrationHost: "sip.example.org", registrationPort: 5080 }) { __typename } }`, {}, server.adminToken);
    const code = await qr();
    expect(code).toMatchObject({ server: 'sip.example.org', port: 5080 });
    expect(JSON.parse(code.payload)).toEqual({ server: 'sip.example.org', port: 5080, transport: 'udp', extension: '170', username: '170', password: 'Secret-170x', displayName: 'Hana' });
    expect(code.pngDataUrl).toMatch(/^data:image\/png;base64,/);
    expect(Buffer.from(code.pngDataUrl.split(',')[1], 'base64').subarray(1, 4).toString()).toBe('PNG');
  });
});

describe('an extension user', () => {
  it('sees and changes only itself, and only its self-service fields', async () => {
    ok(await create({ number: '180', name: 'Ivy', password: 'Secret-180x' }), 'createExtension');
    const other = ok(await create({ number: '181', name: 'Other', password: 'Secret-181x' }), 'createExtension').id;
    // An extension logs in with the login password the admin set, not with its SIP password.
    ok(await server.gql(`mutation { setExtensionLoginPassword(extension: "180", password: "Login-180x") { ${ERROR_FIELDS} } }`, {}, server.adminToken), 'setExtensionLoginPassword');
    await expect(server.login('180', 'Secret-180x')).rejects.toThrow(/failed/);
    const me = await server.login('180', 'Login-180x');
    const own = await server.gql(`{ me { role extension { number } } extensions(first: 50) { totalCount edges { node { number password qrCode { server } } } } }`, {}, me);
    expect(own.data.me).toEqual({ role: 'EXTENSION_USER', extension: { number: '180' } });
    expect(own.data.extensions.totalCount).toBe(1);
    expect(own.data.extensions.edges[0].node).toMatchObject({ number: '180', password: 'Secret-180x' });

    const fields = ALL_FIELDS.replace(/dialPermission \{ name \}/, '')
      .split(/\s+/)
      .filter(Boolean);
    for (const field of [...fields, 'qrCode { payload }', 'departments { name }']) {
      const r = await server.gql(`query($id: ID!) { node(id: $id) { ... on Extension { ${field} } } }`, { id: other }, me);
      // Nothing of the other extension comes back: the field is null (or the node, for non-null fields).
      const value = r.data?.node ? Object.values(r.data.node)[0] : null;
      expect(value, field).toBeNull();
      expect(r.errors?.[0]?.extensions?.code, field).toBe('FORBIDDEN');
      const byNumber = await server.gql(`{ extension(number: "181") { ${field} } }`, {}, me);
      expect(byNumber.errors?.[0]?.extensions?.code, field).toBe('FORBIDDEN');
    }
    const mutations: [string, Record<string, unknown>][] = [
      [`mutation($id: ID!) { updateExtension(id: $id, input: { voicemailPin: "0000" }) { __typename } }`, { id: other }],
      [`mutation($id: ID!) { updateExtensions(ids: [$id], input: { fields: { recording: BOTH } }) { __typename } }`, { id: other }],
      [`mutation($id: ID!) { deleteExtensions(ids: [$id]) { __typename } }`, { id: other }],
      [`mutation { deleteAllExtensions(confirm: true) { __typename } }`, {}],
      [`mutation { createExtension(input: { number: "777", name: "x", password: "Secret-777" }) { __typename } }`, {}],
      [`mutation { createExtensions(input: { startNumber: "700", count: 1 }) { __typename } }`, {}],
      [`mutation { updatePbxSettings(input: { globalRingSeconds: 10 }) { __typename } }`, {}],
      [`mutation { createDepartment(input: { name: "X", number: "0401", ringStrategy: RING_ALL, ringTimeSeconds: 10, noAnswerDestination: { type: HANGUP } }) { __typename } }`, {}],
    ];
    for (const [query, variables] of mutations) {
      const r = await server.gql(query, variables, me);
      const result = Object.values(r.data ?? {})[0] as any;
      expect(result?.__typename, query).toBe('NotPermittedError');
    }
    const otherPin = await server.gql(`{ extension(number: "181") { voicemailPin } }`, {}, server.adminToken);
    expect(otherPin.data.extension.voicemailPin).toBe('1234');

    const selfId = (await server.gql(`{ me { extension { id } } }`, {}, me)).data.me.extension.id;
    const allowed = await server.gql(UPDATE, { id: selfId, input: { voicemailPin: '2468', email: 'ivy@example.com' } }, me);
    expect(ok(allowed, 'updateExtension')).toMatchObject({ voicemailPin: '2468', email: 'ivy@example.com', name: 'Ivy' });
    // Control characters would reach the voicemail view and the mail headers Asterisk writes from it.
    for (const email of ['a\u0000b@example.com', 'a\u001bb@example.com', 'a\u007fb@example.com']) {
      const refused = await server.gql(UPDATE, { id: selfId, input: { email } }, me);
      expect(refused.data.updateExtension).toMatchObject({ __typename: 'ValidationError', issues: [{ path: ['input', 'email'], message: 'an e-mail address' }] });
    }
    const notAllowed = await server.gql(UPDATE, { id: selfId, input: { maxContacts: 9 } }, me);
    expect(notAllowed.data.updateExtension).toMatchObject({ __typename: 'NotPermittedError' });
    // A new SIP password is no API credential: the session goes on and the login password stays the one to log in with.
    const changed = await server.gql(UPDATE, { id: selfId, input: { password: 'Secret-180y' } }, me);
    expect(changed.data.updateExtension.__typename).toBe('MutationUpdateExtensionSuccess');
    expect((await server.gql(`{ me { username } }`, {}, me)).data.me).toEqual({ username: '180' });
    await expect(server.login('180', 'Secret-180y')).rejects.toThrow(/failed/);
    expect(await server.login('180', 'Login-180x')).toBeTruthy();
  });

  it('cannot log in when web login is off or the extension is disabled', async () => {
    const setLogin = async (number: string, password: string) =>
      ok(
        await server.gql(`mutation($e: String!, $p: String!) { setExtensionLoginPassword(extension: $e, password: $p) { ${ERROR_FIELDS} } }`, { e: number, p: password }, server.adminToken),
        'setExtensionLoginPassword',
      );
    ok(await create({ number: '130', name: 'NoWeb', password: 'Secret-130x', webLogin: false }), 'createExtension');
    await setLogin('130', 'Login-130x');
    await expect(server.login('130', 'Login-130x')).rejects.toThrow(/failed/);
    ok(await create({ number: '131', name: 'Disabled', password: 'Secret-131x', enabled: false }), 'createExtension');
    await setLogin('131', 'Login-131x');
    await expect(server.login('131', 'Login-131x')).rejects.toThrow(/failed/);
  });
});
