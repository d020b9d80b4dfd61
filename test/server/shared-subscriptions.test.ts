import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { subscribe, until } from '../support/subscriptions.js';

const STATUS = `subscription($numbers: [String!]) { extensionStatusChanged(numbers: $numbers) { number state extension { name } } }`;

let server: TestServer;
let userToken: string;
beforeAll(async () => {
  server = await startTestServer();
  const created = await server.gql(`mutation { createExtensions(input: { startNumber: "100", count: 2 }) { __typename } }`, {}, server.adminToken);
  expect(created.data.createExtensions.__typename).toBe('MutationCreateExtensionsSuccess');
  await server.gql(`mutation { setExtensionLoginPassword(extension: "100", password: "Login-100-pass") { __typename } }`, {}, server.adminToken);
  userToken = await server.login('100', 'Login-100-pass');
});
afterAll(() => server.stop());

/**
 * Publishes the status of a number no subscriber has looked up yet (each subscription's DataLoader would
 * look it up once) and waits until every subscription has it; answers the SQL statements run meanwhile.
 */
async function publishAndCount(subs: ReturnType<typeof subscribe>[], number: string): Promise<number> {
  const db = server.running.services.db;
  const before = db.queryCount();
  server.running.services.bus.publish('extensionStatus', { number, state: 'BUSY', contacts: [] });
  await Promise.all(subs.map((s) => s.waitFor((r) => r.data?.extensionStatusChanged?.number === number)));
  return db.queryCount() - before;
}

describe('one execution per event for subscribers of the same document, variables and rights', () => {
  it('twenty admin subscribers of the same document: the event is executed once (one extension lookup, not twenty)', async () => {
    const subs = Array.from({ length: 20 }, () => subscribe(server.graphqlUrl, server.adminToken, STATUS, {}));
    try {
      await Promise.all(subs.map((s) => s.waitFor((r) => r.data?.extensionStatusChanged?.number === '100')));
      // One lookup for all twenty (without sharing: one per subscriber, 20). The server's background work
      // (lease renewal, the record import's poll) may run a statement or two in the same moment.
      expect(await publishAndCount(subs, '900')).toBeLessThan(5);
      for (const s of subs) expect(s.results.at(-1).data.extensionStatusChanged).toEqual({ number: '900', state: 'BUSY', extension: null });
    } finally {
      await Promise.all(subs.map((s) => s.close()));
    }
  });

  it('other variables or other rights are executed apart', async () => {
    const admins = Array.from({ length: 5 }, () => subscribe(server.graphqlUrl, server.adminToken, STATUS, {}));
    const adminsOther = Array.from({ length: 5 }, () => subscribe(server.graphqlUrl, server.adminToken, STATUS, { numbers: null }));
    const users = Array.from({ length: 5 }, () => subscribe(server.graphqlUrl, userToken, STATUS, {}));
    const all = [...admins, ...adminsOther];
    try {
      await Promise.all([...all, ...users].map((s) => s.waitFor((r) => r.data?.extensionStatusChanged?.number === '100')));
      // Two groups (two sets of variables, watching the same); the extension user does not watch 901.
      // (without sharing: one lookup per subscriber, 10; background work may add a statement or two)
      const lookups = await publishAndCount(all, '901');
      expect(lookups).toBeGreaterThanOrEqual(2);
      expect(lookups).toBeLessThan(5);
      server.running.services.bus.publish('extensionStatus', { number: '100', state: 'RINGING', contacts: [] });
      await Promise.all([...all, ...users].map((s) => s.waitFor((r) => r.data?.extensionStatusChanged?.state === 'RINGING')));
      for (const s of users) expect(s.results.every((r) => r.data.extensionStatusChanged.number === '100')).toBe(true);
    } finally {
      await Promise.all([...all, ...users].map((s) => s.close()));
    }
  });

  it('each subscriber still gets its own current state first and its own filter', async () => {
    const one = subscribe(server.graphqlUrl, server.adminToken, STATUS, { numbers: ['101'] });
    try {
      await one.waitFor((r) => r.data?.extensionStatusChanged?.number === '101');
      server.running.services.bus.publish('extensionStatus', { number: '100', state: 'BUSY', contacts: [] });
      server.running.services.bus.publish('extensionStatus', { number: '101', state: 'BUSY', contacts: [] });
      await one.waitFor((r) => r.data?.extensionStatusChanged?.state === 'BUSY');
      await until(() => one.results.length >= 2, 2000, 'two results');
      expect(one.results.every((r) => r.data.extensionStatusChanged.number === '101')).toBe(true);
    } finally {
      await one.close();
    }
  });
});

describe('shared status streams: one reader and one execution for many subscribers', () => {
  const UPDATES = (fields: string) => `subscription { extensionStatusUpdates { snapshot statuses { number ${fields} } } }`;

  /** Twenty subscribers of `query` until each has its snapshot; answers the SQL statements run meanwhile. */
  async function subscribeTwenty(query: string) {
    const db = server.running.services.db;
    const before = db.queryCount();
    const subs = Array.from({ length: 20 }, () => subscribe(server.graphqlUrl, server.adminToken, query));
    await Promise.all(subs.map((s) => s.waitFor((r) => r.data?.extensionStatusUpdates?.snapshot === true)));
    return { subs, statements: db.queryCount() - before };
  }

  it('twenty subscribers starting together share one execution of the snapshot of every extension', async () => {
    // Each subscriber costs its own statements (authentication); looking up the extensions of the snapshot
    // (one statement per execution) adds one for all of them, not one each.
    const plain = await subscribeTwenty(UPDATES('state'));
    const looked = await subscribeTwenty(UPDATES('state extension { name }'));
    try {
      expect(looked.statements - plain.statements).toBeLessThan(5);
      for (const s of looked.subs) {
        expect(s.results[0].data.extensionStatusUpdates.statuses).toEqual([
          { number: '100', state: 'UNAVAILABLE', extension: { name: expect.any(String) } },
          { number: '101', state: 'UNAVAILABLE', extension: { name: expect.any(String) } },
        ]);
      }
      // A change reaches all of them in one batch, executed once.
      const db = server.running.services.db;
      const before = db.queryCount();
      server.running.services.bus.publish('extensionStatus', { number: '902', state: 'RINGING', contacts: [] });
      await Promise.all(looked.subs.map((s) => s.waitFor((r) => r.data?.extensionStatusUpdates?.statuses?.[0]?.number === '902')));
      expect(db.queryCount() - before).toBeLessThan(5);
    } finally {
      await Promise.all([...plain.subs, ...looked.subs].map((s) => s.close()));
    }
  });

  it('a subscriber of every extension starts with the configured ones in order, then sees one created after it subscribed', async () => {
    const sub = subscribe(server.graphqlUrl, server.adminToken, `subscription { extensionStatusChanged { number state } }`);
    try {
      await until(() => sub.results.length >= 2, 5000, 'the current states');
      expect(sub.results.slice(0, 2).map((r) => r.data.extensionStatusChanged.number)).toEqual(['100', '101']);
      await server.gql(`mutation { createExtensions(input: { startNumber: "105", count: 1 }) { __typename } }`, {}, server.adminToken);
      await sub.waitFor((r) => r.data?.extensionStatusChanged?.number === '105');
      const late = subscribe(server.graphqlUrl, server.adminToken, `subscription { extensionStatusUpdates { statuses { number } } }`);
      try {
        const first = await late.waitFor((r) => !!r.data);
        expect(first.data.extensionStatusUpdates.statuses.map((s: { number: string }) => s.number)).toEqual(['100', '101', '105']);
      } finally {
        await late.close();
      }
    } finally {
      await sub.close();
    }
  });
});
