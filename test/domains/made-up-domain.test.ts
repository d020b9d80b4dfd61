import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveDestination } from '../../src/destinations/destination.js';
import { findReferrers } from '../../src/destinations/referrers.js';
import { saveDestination } from '../../src/destinations/store.js';
import { domains } from '../../src/domains/index.js';
import type { DomainModule } from '../../src/domains/types.js';
import { NumberConflictError } from '../../src/errors.js';
import { claimNumber, releaseNumbers } from '../../src/numbering/namespace.js';
import { lintRendered } from '../../src/pbx/lint-rendered.js';
import { render } from '../../src/pbx/render/index.js';
import { context, coreContexts, exten } from '../../src/pbx/render/dialplan-text.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { smallSnapshot } from '../pbx/fixtures/snapshots.js';

/**
 * A new domain is one folder plus one registration line: this made-up one
 * (gadgets, numbered in the queue range, callable as a Destination, pointing
 * at extensions) is registered here and needs no edit anywhere else.
 */
const gadgets = new Map([['g1', { number: '0301', name: 'Coffee machine', owner: 'ext-100' }]]);

const gadgetDomain: DomainModule = {
  name: 'gadgets',
  numberKinds: [
    {
      kind: 'GADGET',
      noun: 'gadget',
      range: 'queueRange',
      describe: async (_tx, ids) => new Map(ids.filter((id) => gadgets.has(id)).map((id) => [id, `gadget ${gadgets.get(id)!.number} (${gadgets.get(id)!.name})`])),
    },
  ],
  destinations: [
    {
      type: 'GADGET',
      description: 'A made-up gadget',
      target: { kind: 'object', objectKind: 'GADGET', graphqlType: 'Gadget', noun: 'gadget', find: async (_tx, ref) => [...gadgets].find(([, g]) => g.number === ref)?.[0] ?? null },
      dialplanTarget: (d) => `Goto(pbx-gadgets,${d.number},1)`,
    },
  ],
  referrers: [
    {
      target: 'EXTENSION',
      find: async (_tx, ids, change) =>
        change === 'delete' ? [...gadgets].filter(([, g]) => ids.includes(g.owner)).map(([id, g]) => ({ kind: 'GADGET', id, label: `gadget ${g.number} belongs to it` })) : [],
    },
  ],
  readSnapshot: async () => ({}),
  rights: [{ name: 'allowGadgets', description: 'May call gadgets' }],
  dialplan: {
    includes: [{ context: 'pbx-gadgets', right: 'allowGadgets' }],
    contexts: () => [
      context(
        'pbx-gadgets',
        [...gadgets.values()].map((g) => exten(g.number, ['Answer()', 'Playback(beep)', 'Hangup()'])),
      ),
    ],
  },
  expectations: () => [...gadgets.values()].map((g) => ({ number: g.number, context: coreContexts.internal, reaches: { app: 'Answer' }, owner: `gadget ${g.number}` })),
};

let server: TestServer;
beforeAll(async () => {
  domains.register(gadgetDomain);
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
  domains.unregister('gadgets');
});

describe('a made-up domain registered with one line', () => {
  const prisma = () => server.running.services.db.prisma;

  it('owns numbers in the one namespace, and a clash names it', async () => {
    await prisma().$transaction((tx) => claimNumber(tx, '0301', 'GADGET', 'g1', ['input', 'number']));
    try {
      const clash = await prisma()
        .$transaction((tx) => claimNumber(tx, '0301', 'DEPARTMENT', 'd9', ['input', 'number']))
        .catch((e: unknown) => e);
      expect(clash).toBeInstanceOf(NumberConflictError);
      expect((clash as NumberConflictError).message).toBe('Number 0301 is already used by gadget 0301 (Coffee machine)');
      const owner = await server.gql(`{ numberOwner(number: "0301") { kind label } }`, {}, server.adminToken);
      expect(owner.data.numberOwner).toEqual({ kind: 'GADGET', label: 'gadget 0301 (Coffee machine)' });
    } finally {
      await prisma().$transaction((tx) => releaseNumbers(tx, 'GADGET', ['g1']));
    }
  });

  it('is a Destination kind: its targets are found, stored uniformly, and block the delete of what they point at', async () => {
    const stored = await prisma().$transaction((tx) => resolveDestination(tx, { type: 'GADGET', target: '0301' }, ['input', 'to']));
    expect(stored).toEqual({ type: 'GADGET', target: 'g1', parameters: {} });
    const missing = await prisma()
      .$transaction((tx) => resolveDestination(tx, { type: 'GADGET', target: '0399' }, ['input', 'to']))
      .catch((e: { issues: unknown }) => e.issues);
    expect(missing).toEqual([{ path: ['input', 'to', 'target'], message: 'no gadget 0399 exists', code: 'NOT_FOUND' }]);
    await prisma().$transaction((tx) => saveDestination(tx, { kind: 'DEPARTMENT', id: 'dept-x', slot: 'noAnswer' }, stored));
    const referrers = await prisma().$transaction((tx) => findReferrers(tx, { settings: server.running.services.settings.store }, 'GADGET', ['g1'], 'delete'));
    expect(referrers.map((r) => r.label)).toEqual(['department dept-x sends unanswered calls there']);
  });

  it('its referrers keep an extension from being deleted', async () => {
    const created = await server.gql(
      `mutation { createExtension(input: { number: "150", name: "Gadget owner", password: "Secret-150x" }) { ... on MutationCreateExtensionSuccess { data { id } } } }`,
      {},
      server.adminToken,
    );
    const id = created.data.createExtension.data.id;
    gadgets.get('g1')!.owner = Buffer.from(id, 'base64').toString().split(':')[1]!;
    const refused = await server.gql(
      `mutation($ids: [ID!]!) { deleteExtensions(ids: $ids) { __typename ... on ReferencedError { message referrers { kind label } } } }`,
      { ids: [id] },
      server.adminToken,
    );
    expect(refused.data.deleteExtensions).toMatchObject({ __typename: 'ReferencedError', referrers: [{ kind: 'GADGET', label: 'gadget 0301 belongs to it' }] });
  });

  it('renders its dialplan, is included in the internal context, routes as a destination and passes the dialplan check', () => {
    const snapshot = smallSnapshot();
    snapshot.departments[0] = { ...snapshot.departments[0]!, noAnswer: { type: 'GADGET', number: '0301' } };
    const result = render(snapshot);
    const dialplan = result.files.get('extensions.conf')!;
    expect(dialplan).toContain('include => pbx-gadgets');
    expect(dialplan).toContain('[pbx-gadgets]\nexten => 0301,1,Answer()');
    expect(dialplan).toContain('Goto(pbx-gadgets,0301,1)');
    expect(result.expectations).toContainEqual({ number: '0301', context: 'pbx-internal', reaches: { app: 'Answer' }, owner: 'gadget 0301' });
    expect(lintRendered(result)).toEqual([]);
  });
});
