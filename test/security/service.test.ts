import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SecurityFact } from '../../src/security/ami-events.js';
import type { IpBanEvent } from '../../src/security/service.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { until } from '../support/subscriptions.js';

/**
 * The ban logic on a real database: threshold, window, trusted exemption,
 * expiry. Time is moved with a fake Date (timers and the database stay real).
 */
let server: TestServer;
const security = () => server.running.services.security;
const prisma = () => server.running.services.db.prisma;
const fact = (address: string, account = '101', kind: SecurityFact['kind'] = 'WRONG_PASSWORD'): SecurityFact => ({ service: 'SIP', address, kind, account });
const setPolicy = (patch: Record<string, unknown>) => server.running.services.settings.update('intrusionProtection', patch);

/** Collects the ipBan events published from now on. */
function collectBanEvents() {
  const events: IpBanEvent[] = [];
  const subscription = server.running.services.bus.subscribe('ipBan');
  void (async () => {
    for await (const e of subscription) events.push(e);
  })();
  return { events, stop: () => void subscription.return?.() };
}

beforeAll(async () => {
  server = await startTestServer();
  await setPolicy({ sipMaxRetry: 3, sipFindTimeSeconds: 60, sipBanTimeSeconds: 120 });
});
afterAll(() => server.stop());
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('intrusion protection: counting into a ban', () => {
  it('the failure after maxRetry within the window bans the address for banTime', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
    const watch = collectBanEvents();
    for (let i = 0; i < 3; i++) expect(await security().recordFailure(fact('203.0.113.1'))).toBeNull();
    expect(await prisma().ipBan.count({ where: { address: '203.0.113.1' } })).toBe(0);
    const ban = await security().recordFailure(fact('203.0.113.1', '101'));
    expect(ban).toMatchObject({
      address: '203.0.113.1',
      service: 'SIP',
      source: 'AUTOMATIC',
      reason: '4 failed SIP authentications within 60 s (last: wrong password for 101)',
      expiresAt: '2030-01-01T00:02:00.000Z',
    });
    const row = await prisma().ipBan.findUniqueOrThrow({ where: { address: '203.0.113.1' } });
    expect(row.expiresAt?.toISOString()).toBe('2030-01-01T00:02:00.000Z');
    await until(() => watch.events.length > 0, 2000, 'the ipBan event');
    expect(watch.events[0]).toMatchObject({ change: 'BANNED', cause: 'AUTOMATIC', ban: { address: '203.0.113.1' } });
    watch.stop();
  });

  it('failures that left the window do not count', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-02T00:00:00Z'));
    for (let i = 0; i < 3; i++) expect(await security().recordFailure(fact('203.0.113.2'))).toBeNull();
    vi.setSystemTime(new Date('2030-01-02T00:01:01Z'));
    expect(await security().recordFailure(fact('203.0.113.2'))).toBeNull();
    expect(await prisma().ipBan.count({ where: { address: '203.0.113.2' } })).toBe(0);
  });

  it('another address is not affected by one being banned', async () => {
    for (let i = 0; i < 4; i++) await security().recordFailure(fact('203.0.113.3'));
    expect(await security().recordFailure(fact('203.0.113.4'))).toBeNull();
    expect(await prisma().ipBan.count({ where: { address: '203.0.113.4' } })).toBe(0);
  });

  it('an address in an enabled trusted network is never banned; a disabled one does not protect', async () => {
    const trusted = await security().createTrustedNetwork({ name: 'Office', network: '198.51.100.0/24' });
    for (let i = 0; i < 10; i++) expect(await security().recordFailure(fact('198.51.100.20'))).toBeNull();
    expect(await prisma().ipBan.count({ where: { address: '198.51.100.20' } })).toBe(0);
    await security().updateTrustedNetwork(trusted.id, { enabled: false });
    let ban = null;
    for (let i = 0; i < 4 && !ban; i++) ban = await security().recordFailure(fact('198.51.100.20'));
    expect(ban?.address).toBe('198.51.100.20');
    // Enabled again: the ban it overlaps is lifted.
    await security().updateTrustedNetwork(trusted.id, { enabled: true });
    expect(await prisma().ipBan.count({ where: { address: '198.51.100.20' } })).toBe(0);
    await security().deleteTrustedNetworks([trusted.id]);
  });

  it("this host's own address (127.0.0.1, ::1) is never banned, by failures or by hand; the rest of 127.0.0.0/8 is", async () => {
    for (const own of ['127.0.0.1', '::1']) {
      for (let i = 0; i < 10; i++) expect(await security().recordFailure(fact(own))).toBeNull();
      expect(await prisma().ipBan.count({ where: { address: own } })).toBe(0);
    }
    for (const [address, own] of [
      ['127.0.0.1', '127.0.0.1'],
      ['::1', '::1'],
      ['127.0.0.0/8', '127.0.0.1'],
      ['0:0:0:0:0:0:0:1', '::1'],
    ]) {
      await expect(security().ban({ address: address! }), address).rejects.toMatchObject({
        name: 'ConflictError',
        message: expect.stringContaining(`holds ${own}, this host's own address, which is never banned`),
      });
    }
    expect(await prisma().ipBan.count({ where: { address: { in: ['127.0.0.1', '::1', '127.0.0.0/8'] } } })).toBe(0);
    let ban = null;
    for (let i = 0; i < 4 && !ban; i++) ban = await security().recordFailure(fact('127.0.0.66'));
    expect(ban?.address).toBe('127.0.0.66');
    await security().unbanAddress('127.0.0.66');
  });

  it('nothing is banned while intrusion protection is off', async () => {
    await setPolicy({ sipEnabled: false });
    try {
      for (let i = 0; i < 10; i++) expect(await security().recordFailure(fact('203.0.113.5'))).toBeNull();
      expect(await prisma().ipBan.count({ where: { address: '203.0.113.5' } })).toBe(0);
    } finally {
      await setPolicy({ sipEnabled: true });
    }
  });

  it('a burst of concurrent failures bans once', async () => {
    const watch = collectBanEvents();
    const results = await Promise.all(Array.from({ length: 20 }, () => security().recordFailure(fact('203.0.113.6'))));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await prisma().ipBan.count({ where: { address: '203.0.113.6' } })).toBe(1);
    await new Promise((r) => setTimeout(r, 50));
    expect(watch.events.filter((e) => e.ban.address === '203.0.113.6')).toHaveLength(1);
    watch.stop();
  });

  it('an address inside a network ban in force is not banned again', async () => {
    await security().ban({ address: '192.0.2.0/24', reason: 'test network' });
    let result = null;
    for (let i = 0; i < 4; i++) result = await security().recordFailure(fact('192.0.2.77'));
    expect(result).toBeNull();
    expect(await prisma().ipBan.count({ where: { address: '192.0.2.77' } })).toBe(0);
    await security().unbanAddress('192.0.2.0/24');
  });
});

describe('intrusion protection: expiry', () => {
  it('a ban whose time ran out is lifted by the sweep, with an UNBANNED event', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-02-01T00:00:00Z'));
    for (let i = 0; i < 4; i++) await security().recordFailure(fact('203.0.113.20'));
    expect(await prisma().ipBan.count({ where: { address: '203.0.113.20' } })).toBe(1);
    const watch = collectBanEvents();
    vi.setSystemTime(new Date('2030-02-01T00:01:59Z'));
    await security().sweep();
    expect(await prisma().ipBan.count({ where: { address: '203.0.113.20' } })).toBe(1);
    vi.setSystemTime(new Date('2030-02-01T00:02:00Z'));
    await security().sweep();
    expect(await prisma().ipBan.count({ where: { address: '203.0.113.20' } })).toBe(0);
    await until(() => watch.events.some((e) => e.ban.address === '203.0.113.20'), 2000, 'the unban event');
    expect(watch.events.find((e) => e.ban.address === '203.0.113.20')).toMatchObject({ change: 'UNBANNED', cause: 'EXPIRED' });
    watch.stop();
  });

  it('expired rows are removed when the server starts', async () => {
    await prisma().ipBan.create({ data: { address: '203.0.113.21', service: 'SIP', source: 'AUTOMATIC', reason: 'old', expiresAt: new Date(Date.now() - 1000) } });
    await prisma().ipBan.create({ data: { address: '203.0.113.22', service: 'SIP', source: 'MANUAL', reason: 'for ever', expiresAt: null } });
    await server.restart();
    await until(async () => (await prisma().ipBan.count({ where: { address: '203.0.113.21' } })) === 0, 5000, 'the expired ban to go');
    expect(await prisma().ipBan.count({ where: { address: '203.0.113.22' } })).toBe(1);
  });
});

describe('intrusion protection: robustness', () => {
  it('malformed AMI events are ignored and a failing database is logged, not thrown', async () => {
    const log = vi.spyOn(server.running.services.log, 'error');
    for (const junk of [{}, { Event: 'ChallengeResponseFailed' }, { Event: 'InvalidAccountID', Service: 'PJSIP', RemoteAddress: 'IPV4/UDP/x/1' }, null, 42, 'text']) {
      expect(() => security().onAmiEvent(junk as never)).not.toThrow();
    }
    vi.spyOn(server.running.services.settings.store, 'get').mockRejectedValue(new Error('database is locked'));
    security().onAmiEvent({ Event: 'InvalidAccountID', Service: 'PJSIP', AccountID: '5', RemoteAddress: 'IPV4/UDP/203.0.113.30/5060' });
    await until(() => log.mock.calls.length > 0, 2000, 'the error to be logged');
    expect(log.mock.calls[0]![1]).toContain('counting a failure failed');
  });
});
