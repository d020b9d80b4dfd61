import { describe, expect, it } from 'vitest';
import { callWebhookEvent, ExtensionStateChanges, voicemailWebhookEvent } from '../../src/webhooks/bus-events.js';
import type { MailboxChange } from '../../src/voicemail/contract.js';
import { callEvent } from './fixtures.js';

describe('live events into webhook events', () => {
  it('maps call events to call.ringing / answered / transferred / ended with the call as data', () => {
    const types = (['STARTED', 'RINGING', 'ANSWERED', 'HELD', 'UNHELD', 'TRANSFERRED', 'UPDATED', 'ENDED'] as const).map(
      (kind, i) => callWebhookEvent(callEvent('1700000000.1', kind, i + 1))?.type ?? null,
    );
    expect(types).toEqual([null, 'call.ringing', 'call.answered', null, null, 'call.transferred', null, 'call.ended']);
    const ringing = callWebhookEvent(callEvent('1700000000.1', 'RINGING', 2))!;
    expect(ringing.data).toMatchObject({ id: '1700000000.1', caller: { number: '100', name: 'Alice' }, callee: { number: '101' }, version: 2 });
  });

  it('keys a call event by call, kind and version: the same change is one event, a later ringing another', () => {
    const key = (kind: 'RINGING' | 'ENDED', version: number) => callWebhookEvent(callEvent('c', kind, version))!.idempotencyKey;
    expect(key('RINGING', 2)).toBe(key('RINGING', 2));
    expect(key('RINGING', 2)).not.toBe(key('RINGING', 3));
    expect(key('RINGING', 2)).not.toBe(key('ENDED', 2));
    expect(callWebhookEvent(callEvent('c', 'RINGING', 2))!.idempotencyKey).not.toBe(callWebhookEvent(callEvent('d', 'RINGING', 2))!.idempotencyKey);
  });

  it('sends extension.status on a change of state only, with the state before', () => {
    const changes = new ExtensionStateChanges('instance-a');
    const contact = { uri: 'sip:101@127.0.0.1', ip: '127.0.0.1', port: 5060, status: 'Reachable', roundTripUsec: 900, userAgent: null };
    const first = changes.next({ number: '101', state: 'ONLINE', contacts: [contact] });
    expect(first).toMatchObject({ type: 'extension.status', data: { number: '101', state: 'ONLINE', previousState: null } });
    // A qualify's new round-trip time is no change of state.
    expect(changes.next({ number: '101', state: 'ONLINE', contacts: [{ ...contact, roundTripUsec: 1200 }] })).toBeNull();
    const ringing = changes.next({ number: '101', state: 'RINGING', contacts: [contact] });
    expect(ringing).toMatchObject({ data: { state: 'RINGING', previousState: 'ONLINE' } });
    expect(ringing!.idempotencyKey).not.toBe(first!.idempotencyKey);
    expect(changes.next({ number: '102', state: 'ONLINE', contacts: [] })).not.toBeNull();
    // Another reader (after a restart) never reuses a key.
    expect(new ExtensionStateChanges('instance-b').next({ number: '101', state: 'ONLINE', contacts: [] })!.idempotencyKey).not.toBe(first!.idempotencyKey);
  });

  it('sends voicemail.received once per arrived message and voicemail.changed otherwise', () => {
    const arrived: MailboxChange = { mailbox: '101', newMessages: 1, oldMessages: 0, reason: 'NEW_MESSAGE', messageId: 'msg0001', at: '2026-01-01T10:00:00.000Z' };
    const received = voicemailWebhookEvent(arrived);
    expect(received).toMatchObject({ type: 'voicemail.received', data: arrived, timestamp: arrived.at });
    expect(voicemailWebhookEvent({ ...arrived, at: '2026-01-01T10:00:05.000Z' }).idempotencyKey).toBe(received.idempotencyKey);
    const read = voicemailWebhookEvent({ ...arrived, reason: 'CHANGED', messageId: null, newMessages: 0, oldMessages: 1, at: '2026-01-01T10:01:00.000Z' });
    expect(read).toMatchObject({ type: 'voicemail.changed', data: { newMessages: 0, oldMessages: 1 } });
    expect(read.idempotencyKey).not.toBe(received.idempotencyKey);
  });
});
