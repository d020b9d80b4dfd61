import { describe, expect, it } from 'vitest';
import type { Call } from '../../src/calls/contract.js';
import { HAVE_RECORDINGS, RECORDED_DIR, recordedEvents, withChannelVars } from './support/recorded.js';
import { trackerHarness } from './support/tracker.js';

/**
 * The call tracker replaying what a real Asterisk 22.10.1 sent for three calls
 * from 100 (Alice) to 101 (Bob): answered then hung up by 100, rejected with
 * 486, and to an unregistered 101. Each file is replayed twice: as recorded
 * (no channelvars: the callee joins its caller's call through the Dial event)
 * and as our ari.conf makes Asterisk send it (every snapshot with
 * CHANNEL(linkedid)); both must give the same call.
 */
const replays = (file: string) => {
  const raw = recordedEvents(file);
  const linkedid = String((raw[0]!.channel as { id: string }).id);
  return [
    { how: 'as recorded', events: raw },
    { how: 'with the linkedid in channelvars', events: withChannelVars(raw, () => linkedid) },
  ];
};

const withoutVersion = ({ version: _version, ...call }: Call) => call;

describe.skipIf(!HAVE_RECORDINGS)(`the call tracker on recorded calls (${RECORDED_DIR})`, () => {
  it('100 → 101, answered, 100 hangs up: one INTERNAL call, RINGING with the caller, ANSWERED, ENDED with Normal Clearing', () => {
    const finals: Omit<Call, 'version'>[] = [];
    for (const { how, events } of replays('events-call-100-to-101.jsonl')) {
      const h = trackerHarness();
      h.apply(events);
      const ids = new Set(h.published.map((e) => e.call.id));
      expect([...ids], how).toEqual(['1795676755.0']);
      const kinds = h.kinds();
      expect(kinds[0], how).toBe('STARTED');
      expect(
        kinds.filter((k) => k !== 'UPDATED'),
        how,
      ).toEqual(['STARTED', 'RINGING', 'ANSWERED', 'ENDED']);
      // Versions grow by one with every event.
      expect(
        h.published.map((e) => e.call.version),
        how,
      ).toEqual(h.published.map((_, i) => i + 1));

      const ringing = h.published.find((e) => e.kind === 'RINGING')!;
      expect(ringing.call).toMatchObject({
        state: 'RINGING',
        direction: 'INTERNAL',
        caller: { number: '100', name: 'Alice', extension: '100' },
        callee: { number: '101', name: 'Bob', extension: '101' },
        extensions: ['100', '101'],
        did: null,
        trunk: null,
      });
      expect(ringing.call.legs.map((l) => [l.channelName, l.endpoint, l.state])).toEqual([
        ['PJSIP/100-00000000', { kind: 'EXTENSION', name: '100' }, 'DIALING'],
        ['PJSIP/101-00000001', { kind: 'EXTENSION', name: '101' }, 'RINGING'],
      ]);
      // The time of Asterisk's event (101's ChannelStateChange to Ringing), not of the replay.
      expect(ringing.at).toBe('2026-11-26T07:05:55.131Z');

      const answered = h.published.find((e) => e.kind === 'ANSWERED')!;
      expect(answered.call.answeredAt).toBe('2026-11-26T07:05:56.930Z');

      const ended = h.published.at(-1)!;
      expect(ended.kind).toBe('ENDED');
      expect(ended.call).toMatchObject({
        state: 'ENDED',
        startedAt: '2026-11-26T07:05:55.124Z',
        answeredAt: '2026-11-26T07:05:56.930Z',
        endedAt: '2026-11-26T07:05:59.339Z',
        hangupCause: 16,
        hangupCauseText: 'Normal Clearing',
        transferred: false,
      });
      expect(ended.call.legs.map((l) => [l.channelId, l.state, l.hangupCause, l.answeredAt !== null])).toEqual([
        ['1795676755.0', 'ENDED', 16, true],
        ['1795676755.1', 'ENDED', 16, true],
      ]);
      // Ended, it is no longer in progress, and still readable.
      expect(h.tracker.list(), how).toEqual([]);
      expect(h.tracker.get('1795676755.0')?.state).toBe('ENDED');
      expect(h.tracker.callOfChannel('1795676755.1')?.id).toBe('1795676755.0');
      finals.push(withoutVersion(ended.call));
    }
    expect(finals[1]).toEqual(finals[0]);
  });

  it('100 → 101, rejected with 486: RINGING, never ANSWERED, ENDED with User busy', () => {
    const finals: Omit<Call, 'version'>[] = [];
    for (const { how, events } of replays('events-call-100-to-101-busy.jsonl')) {
      const h = trackerHarness();
      h.apply(events);
      expect(
        h.kinds().filter((k) => k !== 'UPDATED'),
        how,
      ).toEqual(['STARTED', 'RINGING', 'ENDED']);
      const ended = h.published.at(-1)!.call;
      expect(ended).toMatchObject({ id: '1795676762.2', state: 'ENDED', answeredAt: null, hangupCause: 17, hangupCauseText: 'User busy', callee: { number: '101', name: 'Bob' } });
      expect(ended.legs.map((l) => [l.channelName, l.hangupCause, l.answeredAt])).toEqual([
        ['PJSIP/100-00000002', 17, null],
        ['PJSIP/101-00000003', 17, null],
      ]);
      finals.push(withoutVersion(ended));
    }
    expect(finals[1]).toEqual(finals[0]);
  });

  it('100 → 101 while 101 is not registered: no callee channel, ENDED with No route to destination, 101 still named', () => {
    for (const { how, events } of replays('events-call-100-to-101-unavailable.jsonl')) {
      const h = trackerHarness();
      h.apply(events);
      expect(h.kinds(), how).toEqual(['STARTED', 'ENDED']);
      const ended = h.published.at(-1)!.call;
      expect(ended).toMatchObject({ state: 'ENDED', hangupCause: 3, hangupCauseText: 'No route to destination', callee: { number: '101', name: 'Bob', extension: '101' } });
      expect(ended.legs).toHaveLength(1);
      // 101 was dialled (the dialplan extension of the caller): it took part, so its user sees the failed call.
      expect(ended.extensions).toEqual(['100', '101']);
    }
  });

  it('a call originated through ARI into the dialplan (POST /channels): 100 is the caller, not the caller ID the originate set', () => {
    for (const { how, events } of replays('events-originate-dialplan.jsonl')) {
      const h = trackerHarness();
      h.apply(events);
      expect(new Set(h.published.map((e) => e.call.id)), how).toEqual(new Set(['1795676767.4']));
      const ringing = h.published.find((e) => e.kind === 'RINGING' && e.call.legs.some((l) => l.channelName.startsWith('PJSIP/101')))!;
      expect(ringing.call).toMatchObject({ caller: { number: '100', name: 'Alice', extension: '100' }, callee: { number: '101', name: 'Bob', extension: '101' } });
      // 100's phone answered at once (it never rang): the call is ANSWERED (100 runs the dialplan), then RINGING at 101, then ANSWERED.
      expect(
        h.kinds().filter((k) => k !== 'UPDATED'),
        how,
      ).toEqual(['STARTED', 'ANSWERED', 'RINGING', 'ANSWERED', 'ENDED']);
      expect(h.published.at(-1)!.call).toMatchObject({ state: 'ENDED', hangupCause: 16, extensions: ['100', '101'] });
    }
  });

  it('ignores what concerns no call: device states, bridges, global variables', () => {
    const h = trackerHarness();
    h.apply(recordedEvents('events-register-100.jsonl'));
    h.apply([{ type: 'ChannelVarset', variable: 'PBX_RINGTIME', value: '30', timestamp: '2026-11-26T07:05:55.124+0000' }]);
    expect(h.published).toEqual([]);
    expect(h.tracker.size()).toBe(0);
  });
});
