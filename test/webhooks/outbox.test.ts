import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fanOutPending, planFanOut } from '../../src/webhooks/fanout.js';
import { SqlWebhookOutbox } from '../../src/webhooks/outbox.js';
import { pruneSettledEvents } from '../../src/webhooks/retention.js';
import { callRecord } from './fixtures.js';
import { openTestDatabase } from './database.js';

let database: Awaited<ReturnType<typeof openTestDatabase>>;
const prisma = () => database.prisma;
let wakeUps = 0;
const outbox = new SqlWebhookOutbox(() => (wakeUps += 1));

beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(() => database.close());
beforeEach(async () => {
  await prisma().webhookAttempt.deleteMany();
  await prisma().webhookMessage.deleteMany();
  await prisma().webhookEvent.deleteMany();
  await prisma().webhookEndpoint.deleteMany();
  wakeUps = 0;
});

const endpoint = (eventTypes: string, enabled = true) =>
  prisma().webhookEndpoint.create({ data: { url: 'https://hooks.example.com/', eventTypes, enabled, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' } });

describe('the outbox (idempotent, in the caller’s transaction)', () => {
  it('writes the body {type, timestamp, data} once per idempotency key, however often it is enqueued', async () => {
    const record = callRecord('r1');
    await prisma().$transaction(async (tx) => {
      await outbox.enqueue(tx, { type: 'callRecord.created', data: record, idempotencyKey: 'callRecord:r1', timestamp: '2026-01-01T10:00:00Z' });
      await outbox.enqueue(tx, { type: 'callRecord.created', data: record, idempotencyKey: 'callRecord:r1' });
    });
    await prisma().$transaction((tx) => outbox.enqueue(tx, { type: 'callRecord.created', data: { other: true }, idempotencyKey: 'callRecord:r1' }));
    const events = await prisma().webhookEvent.findMany();
    expect(events).toHaveLength(1);
    expect(events[0]!.id).toMatch(/^msg_[A-Za-z0-9_-]{22}$/);
    expect(JSON.parse(events[0]!.payload)).toEqual({ type: 'callRecord.created', timestamp: '2026-01-01T10:00:00.000Z', data: record });
    expect(wakeUps).toBe(1);
  });

  it('writes nothing when the caller’s transaction rolls back', async () => {
    await expect(
      prisma().$transaction(async (tx) => {
        await outbox.enqueue(tx, { type: 'callRecord.created', data: callRecord('r2'), idempotencyKey: 'callRecord:r2' });
        throw new Error('the record insert failed');
      }),
    ).rejects.toThrow('the record insert failed');
    expect(await prisma().webhookEvent.count()).toBe(0);
  });

  it('lets concurrent writers of the same cause all commit, with one event', async () => {
    const writers = Array.from({ length: 6 }, (_, i) =>
      prisma().$transaction(async (tx) => {
        await tx.webhookEndpoint.count(); // some work of the writer's own
        await outbox.enqueue(tx, { type: 'callRecord.created', data: { writer: i }, idempotencyKey: 'callRecord:r3' });
      }),
    );
    await expect(Promise.all(writers)).resolves.toHaveLength(6);
    expect(await prisma().webhookEvent.count({ where: { idempotencyKey: 'callRecord:r3' } })).toBe(1);
  });

  it('stands in the time of writing for a timestamp that is no date, rather than failing the writer', async () => {
    await prisma().$transaction((tx) => outbox.enqueue(tx, { type: 'call.ended', data: {}, idempotencyKey: 'bad-time', timestamp: 'not a date' }));
    const event = await prisma().webhookEvent.findFirstOrThrow({ where: { idempotencyKey: 'bad-time' } });
    expect(Math.abs(Date.parse(JSON.parse(event.payload).timestamp) - Date.now())).toBeLessThan(60_000);
  });

  it('refuses an event type endpoints cannot subscribe to, and a missing key', async () => {
    await expect(prisma().$transaction((tx) => outbox.enqueue(tx, { type: 'call.rung' as never, data: {}, idempotencyKey: 'k' }))).rejects.toThrow(/unknown event type/);
    await expect(prisma().$transaction((tx) => outbox.enqueue(tx, { type: 'call.ended', data: {}, idempotencyKey: '' }))).rejects.toThrow(/idempotency key/);
  });
});

describe('fan-out', () => {
  it('plans one message per event and subscribed endpoint', () => {
    const plan = planFanOut(
      [
        { id: 'e1', type: 'call.ringing' },
        { id: 'e2', type: 'call.ended' },
      ],
      [
        { id: 'a', eventTypes: 'call.ringing,call.ended' },
        { id: 'b', eventTypes: 'call.ended' },
        { id: 'c', eventTypes: 'extension.status' },
      ],
    );
    expect(plan).toEqual([
      { eventId: 'e1', endpointId: 'a' },
      { eventId: 'e2', endpointId: 'a' },
      { eventId: 'e2', endpointId: 'b' },
    ]);
  });

  it('creates the messages for enabled subscribed endpoints and marks every event, once', async () => {
    const ringingOnly = await endpoint('call.ringing');
    const records = await endpoint('callRecord.created,call.ended');
    await endpoint('call.ringing,call.ended,callRecord.created', false);
    await prisma().$transaction(async (tx) => {
      await outbox.enqueue(tx, { type: 'call.ringing', data: {}, idempotencyKey: 'k1' });
      await outbox.enqueue(tx, { type: 'callRecord.created', data: {}, idempotencyKey: 'k2' });
      await outbox.enqueue(tx, { type: 'voicemail.changed', data: {}, idempotencyKey: 'k3' });
    });
    expect(await fanOutPending(prisma())).toEqual({ events: 3, messages: 2 });
    const messages = await prisma().webhookMessage.findMany({ include: { event: true } });
    expect(messages.map((m) => [m.endpointId, m.event.type, m.status, m.attempts]).sort()).toEqual(
      [
        [ringingOnly.id, 'call.ringing', 'PENDING', 0],
        [records.id, 'callRecord.created', 'PENDING', 0],
      ].sort(),
    );
    expect(await prisma().webhookEvent.count({ where: { fannedOut: false } })).toBe(0);
    expect(await fanOutPending(prisma())).toEqual({ events: 0, messages: 0 });
    expect(await prisma().webhookMessage.count()).toBe(2);
  });

  it('refuses to fan out an event twice (unique per endpoint and event), leaving it as it was', async () => {
    const a = await endpoint('call.ended');
    await prisma().$transaction((tx) => outbox.enqueue(tx, { type: 'call.ended', data: {}, idempotencyKey: 'k4' }));
    const event = await prisma().webhookEvent.findFirstOrThrow();
    // A message for it exists already (another fan-out got there first), yet the event is not marked.
    await prisma().webhookMessage.create({ data: { endpointId: a.id, eventId: event.id } });
    await expect(fanOutPending(prisma())).rejects.toThrow();
    expect(await prisma().webhookMessage.count()).toBe(1);
  });
});

describe('pruning', () => {
  it('deletes settled events past the retention with their messages and log, and keeps pending and recent ones', async () => {
    const a = await endpoint('call.ended');
    const day = 86_400_000;
    const now = new Date();
    const make = async (key: string, ageDays: number, status: string) => {
      await prisma().$transaction((tx) => outbox.enqueue(tx, { type: 'call.ended', data: {}, idempotencyKey: key }));
      const event = await prisma().webhookEvent.update({ where: { idempotencyKey: key }, data: { createdAt: new Date(now.getTime() - ageDays * day), fannedOut: true } });
      const message = await prisma().webhookMessage.create({ data: { endpointId: a.id, eventId: event.id, status } });
      await prisma().webhookAttempt.create({ data: { messageId: message.id, durationMs: 5, httpStatus: status === 'DELIVERED' ? 200 : 500 } });
      return event.id;
    };
    await make('old-delivered', 8, 'DELIVERED');
    await make('old-failed', 8, 'FAILED');
    const oldPending = await make('old-pending', 8, 'PENDING');
    const recent = await make('recent-delivered', 1, 'DELIVERED');
    expect(await pruneSettledEvents(prisma(), 7 * day, now)).toBe(2);
    expect((await prisma().webhookEvent.findMany({ select: { id: true } })).map((e) => e.id).sort()).toEqual([oldPending, recent].sort());
    expect(await prisma().webhookMessage.count()).toBe(2);
    expect(await prisma().webhookAttempt.count()).toBe(2);
  });
});
