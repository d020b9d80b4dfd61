import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEventBus, type EventBus } from '../../src/events/bus.js';
import { createLogger } from '../../src/logger.js';
import { AmiClient } from '../../src/pbx/ami/client.js';
import { QueueLiveService } from '../../src/queues/live/service.js';
import type { QueueConfig, QueueLiveState } from '../../src/queues/live/state.js';
import { until } from '../support/subscriptions.js';
import { FakeAmiServer } from '../pbx/ami/fake-ami-server.js';
import { RECORDED_QUEUES } from './ami-fixtures.js';
import { FakeQueueAsterisk } from './fake-queue-asterisk.js';

/** The live queue service against a fake AMI serving the recorded Asterisk 22 traffic. */

let ami: FakeAmiServer;
let asterisk: FakeQueueAsterisk;
let client: AmiClient;
let bus: EventBus;
let service: QueueLiveService;
let configs: QueueConfig[];
let published: QueueLiveState[];
let stopCollecting: () => void;
const warnings: string[] = [];

const q1 = () => service.get('q1')!;
const agent = (s: QueueLiveState, n: string) => s.agents.find((a) => a.extensionNumber === n)!;
const listings = () => ami.requests.filter((r) => r.Action === 'QueueStatus').length;

beforeEach(async () => {
  ami = await FakeAmiServer.start({ username: 'pbx', secret: 'pw' });
  asterisk = new FakeQueueAsterisk(ami);
  asterisk.load('logged-in');
  client = new AmiClient({ host: '127.0.0.1', port: ami.port, username: 'pbx', password: 'pw', reconnect: { minMs: 20, maxMs: 50 }, timeoutMs: 2000 });
  bus = createEventBus();
  published = [];
  const subscription = bus.subscribe('queueState');
  let open = true;
  void (async () => {
    for await (const s of subscription) published.push(s);
  })();
  stopCollecting = () => {
    if (open) void subscription.return?.();
    open = false;
  };
  configs = structuredClone(RECORDED_QUEUES);
  const log = createLogger('silent');
  log.warn = ((o: object, m: string) => void warnings.push(`${m} ${JSON.stringify(o)}`)) as typeof log.warn;
  warnings.length = 0;
  service = new QueueLiveService({ readQueues: async () => configs, bus, log, ami: client, resyncDelayMs: 30, pollMs: 60_000 });
});

afterEach(async () => {
  stopCollecting();
  service.stop();
  await client.stop();
  await ami.close();
  await bus.close();
});

async function startConnected(): Promise<void> {
  await service.start();
  client.start();
  await until(() => q1().inAsterisk && q1().counts.loggedIn === 2, 3000, 'state read from the QueueStatus listing');
}

describe('live queue state from AMI', () => {
  it('before Asterisk is reached: every stored queue, its agents logged out', async () => {
    await service.start();
    expect(service.list().map((s) => [s.queueId, s.asteriskConnected, s.inAsterisk, s.agents.map((a) => `${a.extensionNumber}:${a.status}`).join(' ')])).toEqual([
      ['q1', false, false, '201:LOGGED_OUT 202:LOGGED_OUT'],
      ['q2', false, false, '202:LOGGED_OUT'],
    ]);
    expect(published.map((s) => s.queueId)).toEqual(['q1', 'q2']);
  });

  it('rebuilds from QueueStatus on connect, then follows the events, publishing each change once', async () => {
    await startConnected();
    expect(service.list(['q2']).map((s) => s.queueId)).toEqual(['q2']);
    expect(agent(q1(), '202')).toMatchObject({ status: 'AVAILABLE', kind: 'DYNAMIC' });
    published.length = 0;
    await asterisk.play('call-answered');
    await until(() => q1().counts.ringing === 2, 3000, 'both agents ringing');
    expect(q1().callers).toMatchObject([{ position: 1, callerNumber: '203', callerName: 'User 203' }]);
    await until(() => published.filter((s) => s.queueId === 'q1').at(-1) === q1(), 3000, 'the last change delivered');
    // The bus conflates per queue for a subscriber that lags; what it delivers is never a repeat.
    const forQ1 = published.filter((s) => s.queueId === 'q1');
    for (let i = 1; i < forQ1.length; i++) expect(JSON.stringify({ ...forQ1[i], changedAt: '' })).not.toBe(JSON.stringify({ ...forQ1[i - 1], changedAt: '' }));
    published.length = 0;
    await service.rebuild(); // the listing says the same: nothing new to publish
    expect(published).toEqual([]);
  });

  it('on a dropped AMI connection: not connected, then rebuilt from the listing of the Asterisk it finds', async () => {
    await startConnected();
    const before = listings();
    // While away, two callers started waiting and both agents were paused.
    asterisk.load('waiting');
    ami.dropAll();
    await until(() => !q1().asteriskConnected, 3000, 'disconnect seen');
    expect(q1()).toMatchObject({ inAsterisk: false, callers: [], counts: { loggedIn: 0, waiting: 0 } });
    await until(() => q1().asteriskConnected && q1().counts.waiting === 2, 3000, 'rebuilt after reconnect');
    expect(listings()).toBeGreaterThan(before);
    expect(q1().callers.map((c) => c.callerNumber)).toEqual(['203', '204']);
    expect(agent(q1(), '201')).toMatchObject({ status: 'PAUSED', pausedReason: 'break' });
    expect(q1().counts).toMatchObject({ completed: 2, abandoned: 0, paused: 2 });
  });

  it('contains AMI failures: a refused listing and unreadable events change nothing and throw nothing', async () => {
    await startConnected();
    const state = q1();
    asterisk.queueStatusFails = true;
    await service.rebuild();
    expect(q1()).toBe(state);
    expect(warnings.some((w) => w.includes('QueueStatus failed'))).toBe(true);
    await ami.broadcast('Event: QueueCallerJoin\r\nQueue: queue-q1\r\n\r\nEvent: AgentConnect\r\nQueue: queue-q1\r\nInterface: PJSIP/201\r\n\r\n');
    await ami.broadcast('Event: QueueMemberStatus\r\nQueue: queue-q1\r\nInterface: PJSIP/201\r\nStatus: banana\r\n\r\n');
    await until(() => agent(q1(), '201').deviceState === 'UNKNOWN', 3000, 'the odd status read as UNKNOWN');
    expect(q1().callers).toEqual([]);
    asterisk.queueStatusFails = false;
    await service.rebuild();
    expect(agent(q1(), '201').deviceState).toBe('NOT_INUSE');
  });

  it('reads the listing again after a reload, and the stored queues again when they change', async () => {
    await startConnected();
    const before = listings();
    bus.publish('pbxApplied', { revision: 2, outcome: 'APPLIED', changedFiles: ['queues.conf'], reloadedModules: ['app_queue.so'], warnings: [], error: null, startedAt: '', finishedAt: '' } as never);
    await until(() => listings() > before, 3000, 'listing after the reload');

    published.length = 0;
    configs = [configs[0]!];
    await service.refresh();
    expect(service.list().map((s) => s.queueId)).toEqual(['q1']);
    // The deleted queue is reported once more, empty.
    expect(published).toEqual([expect.objectContaining({ queueId: 'q2', agents: [], callers: [], inAsterisk: false })]);
  });
});

describe('reading the stored queues', () => {
  it('many refreshes at once read the queues once more, not once each, and see the last change', async () => {
    let reads = 0;
    const stored = structuredClone(RECORDED_QUEUES);
    const counting = new QueueLiveService({
      readQueues: async () => {
        reads++;
        await new Promise((r) => setTimeout(r, 5));
        return stored;
      },
      bus,
      log: createLogger('silent'),
      ami: null,
    });
    await counting.start();
    reads = 0;
    stored.pop();
    await Promise.all(Array.from({ length: 50 }, () => counting.refresh()));
    expect(reads).toBeLessThanOrEqual(2);
    expect(counting.list().map((s) => s.queueId)).toEqual(stored.map((q) => q.id));
    counting.stop();
  });
});
