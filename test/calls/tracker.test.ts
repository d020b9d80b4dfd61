import { apiHoldContext } from '../../src/calls/contract.js';
import { describe, expect, it } from 'vitest';
import { ASTERISK_GONE, ENDED_UNSEEN } from '../../src/calls/live/tracker.js';
import { pbxNumbers } from '../../src/calls/live/pbx-numbers.js';
import { ChannelScript } from './support/channel-script.js';
import { NUMBERS, trackerHarness } from './support/tracker.js';

/** `from` dials `to` through the dialplan and `to` rings (channel ids a, b; b inherits a's linkedid). */
function ring(s: ChannelScript, a: string, b: string, from = '100', to = '101', names: Record<string, string> = { '100': 'Alice', '101': 'Bob', '102': 'Carol' }) {
  return s
    .create(a, `PJSIP/${from}-0000000${a.slice(-1)}`, { callerName: names[from], exten: to })
    .dialplan(a, 'pbx-dp-default', to, 'Dial', `PJSIP/${to}`)
    .create(b, `PJSIP/${to}-0000000${b.slice(-1)}`, { state: 'Down', linkedid: (s.snapshot(a).channelvars as Record<string, string>)['CHANNEL(linkedid)'], callerName: names[to], exten: to })
    .dial(a, b, '', to)
    .connected(a, to, names[to] ?? '')
    .state(b, 'Ringing')
    .dial(a, b, 'RINGING');
}

function answer(s: ChannelScript, a: string, b: string) {
  return s.state(b, 'Up').dial(a, b, 'ANSWER').state(a, 'Up');
}

describe('the call tracker', () => {
  it('an inbound call: direction, trunk and DID from inbound routing, the caller from the provider, RINGING at the extension', () => {
    const h = trackerHarness();
    const s = new ChannelScript();
    s.create('9.1', 'PJSIP/provider-00000009', { callerNumber: '+4917012345', callerName: 'Caller', context: 'pbx-inbound-provider', exten: '4930123456' })
      .varset('9.1', '__PBX_TRUNK', 'provider')
      .varset('9.1', '__PBX_DID', '4930123456')
      .dialplan('9.1', 'pbx-extensions', '101', 'Gosub', 'pbx-dial-extension,s,1(101,1,OFF,0)')
      .create('9.2', 'PJSIP/101-0000000a', { state: 'Down', linkedid: '9.1', callerName: 'Bob', exten: '101', vars: { PBX_TRUNK: 'provider', PBX_DID: '4930123456' } })
      .dial('9.1', '9.2', '', '101/sip:101@127.0.0.1:5072')
      .state('9.2', 'Ringing');
    h.apply(s.events);
    const ringing = h.published.find((e) => e.kind === 'RINGING')!;
    expect(ringing.call).toMatchObject({
      id: '9.1',
      direction: 'INBOUND',
      state: 'RINGING',
      trunk: 'provider',
      did: '4930123456',
      caller: { number: '+4917012345', name: 'Caller', extension: null },
      callee: { number: '4930123456', extension: null },
      extensions: ['101'],
    });
    expect(ringing.call.legs.map((l) => [l.endpoint.kind, l.state])).toEqual([
      ['TRUNK', 'DIALING'],
      ['EXTENSION', 'RINGING'],
    ]);
    h.apply(answer(s, '9.1', '9.2').events.slice(s.events.length - 3));
    expect(h.tracker.get('9.1')).toMatchObject({ state: 'ANSWERED', callee: { number: '101', name: 'Bob', extension: '101' }, did: '4930123456' });
  });

  it('a trunk is known by PBX_TRUNK even before the configuration names it', () => {
    const h = trackerHarness(pbxNumbers({}));
    const s = new ChannelScript();
    s.create('8.1', 'IAX2/far-pbx-1234', { callerNumber: '200', context: 'pbx-inbound-far-pbx', exten: '101' }).varset('8.1', '__PBX_TRUNK', 'far-pbx');
    h.apply(s.events);
    expect(h.tracker.get('8.1')).toMatchObject({ direction: 'INBOUND', trunk: 'far-pbx' });
  });

  it('an outbound call becomes OUTBOUND when the trunk leg is dialled, with the trunk and the number dialled on it', () => {
    const h = trackerHarness();
    const s = new ChannelScript();
    s.create('7.1', 'PJSIP/100-00000001', { callerName: 'Alice', exten: '900493012345' }).dialplan('7.1', 'pbx-dp-default', '900493012345', 'Set', 'PBX_DIALNUM=00493012345');
    h.apply(s.events);
    expect(h.tracker.get('7.1')).toMatchObject({ direction: 'INTERNAL', callee: { number: '900493012345', extension: null } });
    const from = s.events.length;
    s.create('7.2', 'PJSIP/provider-00000002', { state: 'Down', linkedid: '7.1', callerNumber: '', exten: '900493012345' }).dial('7.1', '7.2', '', '00493012345@provider').state('7.2', 'Ringing');
    h.apply(s.since(from));
    expect(h.tracker.get('7.1')).toMatchObject({ direction: 'OUTBOUND', trunk: 'provider', did: null, callee: { number: '00493012345', extension: null }, extensions: ['100'] });
  });

  it('a department call: the department, every member that rings (one RINGING each), then who answered', () => {
    const h = trackerHarness();
    const s = new ChannelScript();
    s.create('6.1', 'PJSIP/100-00000001', { callerName: 'Alice', exten: '0400' })
      .dialplan('6.1', 'pbx-dp-default', '0400', 'Goto', 'pbx-department-0400,s,1')
      .dialplan('6.1', 'pbx-department-0400', 's', 'Dial', 'Local/101@pbx-department-member/n&Local/102@pbx-department-member/n');
    for (const [n, id] of [
      ['101', '6.2'],
      ['102', '6.4'],
    ] as const) {
      const local = `${id}l`;
      s.create(local, `Local/${n}@pbx-department-member-0000000${id.slice(-1)};2`, { state: 'Ring', linkedid: '6.1', callerNumber: '100', exten: n, context: 'pbx-department-member' })
        .create(id, `PJSIP/${n}-0000000${id.slice(-1)}`, { state: 'Down', linkedid: '6.1', callerName: n === '101' ? 'Bob' : 'Carol', exten: n })
        .dial(local, id, '', n)
        .state(id, 'Ringing');
    }
    h.apply(s.events);
    expect(h.kinds().filter((k) => k === 'RINGING')).toHaveLength(2);
    expect(h.tracker.get('6.1')).toMatchObject({ state: 'RINGING', departments: ['0400'], queues: [], extensions: ['100', '101', '102'], callee: { number: '0400', name: 'Sales', extension: null } });
    const from = s.events.length;
    s.state('6.4', 'Up').state('6.4l', 'Up').state('6.1', 'Up').destroy('6.2', 26, 'Answered elsewhere');
    h.apply(s.since(from));
    expect(h.tracker.get('6.1')).toMatchObject({ state: 'ANSWERED', callee: { number: '102', name: 'Carol', extension: '102' } });
    expect(h.published.filter((e) => e.kind === 'ANSWERED')).toHaveLength(1);
  });

  it('a queue call names the queue by number and by its context', () => {
    const h = trackerHarness();
    const s = new ChannelScript();
    s.create('5.1', 'PJSIP/100-00000001', { exten: '0300' }).dialplan('5.1', 'pbx-queue-0300', 's', 'Queue', 'queue-q1,nt');
    h.apply(s.events);
    expect(h.tracker.get('5.1')).toMatchObject({ queues: ['0300'], callee: { number: '0300', name: 'Support' } });
  });

  it('hold and unhold: HELD and ON_HOLD, then UNHELD and ANSWERED', () => {
    const h = trackerHarness();
    const s = new ChannelScript();
    answer(ring(s, '4.1', '4.2'), '4.1', '4.2');
    h.apply(s.events);
    const from = s.events.length;
    s.hold('4.2');
    h.apply(s.since(from));
    expect(h.published.at(-1)).toMatchObject({ kind: 'HELD', call: { state: 'ON_HOLD' } });
    expect(h.published.at(-1)!.call.legs.map((l) => l.state)).toEqual(['ANSWERED', 'ON_HOLD']);
    s.unhold('4.2');
    h.apply(s.since(from + 1));
    expect(h.published.at(-1)).toMatchObject({ kind: 'UNHELD', call: { state: 'ANSWERED' } });
  });

  it('a call held through the API (holdCall): ON_HOLD while the extension waits in the hold context, ANSWERED once bridged again', () => {
    const h = trackerHarness();
    const s = new ChannelScript();
    answer(ring(s, '6.1', '6.2'), '6.1', '6.2');
    h.apply(s.events);
    let from = s.events.length;
    // holdCall redirects the extension (6.1) into the holding context and the other party into the music context.
    s.dialplan('6.1', apiHoldContext, 's', 'Wait', '14400').dialplan('6.2', 'pbx-call-held', 's', 'MusicOnHold', 'default');
    h.apply(s.since(from));
    expect(h.published.at(-1)!.call.state).toBe('ON_HOLD');
    expect(h.published.some((e) => e.kind === 'HELD')).toBe(true);
    expect(h.tracker.get('6.1')!.legs.map((l) => l.state)).toEqual(['ON_HOLD', 'ANSWERED']);
    from = s.events.length;
    // unholdCall bridges the two again.
    s.enteredBridge('6.1', 'b-6').enteredBridge('6.2', 'b-6');
    h.apply(s.since(from));
    expect(h.published.at(-1)).toMatchObject({ kind: 'UNHELD', call: { state: 'ANSWERED' } });
    expect(h.tracker.get('6.1')!.legs.map((l) => l.state)).toEqual(['ANSWERED', 'ANSWERED']);
  });

  it('a blind transfer keeps one call: TRANSFERRED until the target answers, then the target is the callee', () => {
    const h = trackerHarness();
    const s = new ChannelScript();
    answer(ring(s, '3.1', '3.2'), '3.1', '3.2');
    // 101 sends 100 to 102: 101 leaves, 100's channel dials 102 (which inherits 100's linkedid).
    s.blindTransfer('3.2', '3.1', '102')
      .destroy('3.2', 16, 'Normal Clearing')
      .dialplan('3.1', 'pbx-dp-default', '102', 'Dial', 'PJSIP/102')
      .create('3.3', 'PJSIP/102-00000003', { state: 'Down', linkedid: '3.1', callerName: 'Carol', exten: '102' })
      .dial('3.1', '3.3', '', '102')
      .state('3.3', 'Ringing');
    h.apply(s.events);
    expect(h.published.find((e) => e.kind === 'TRANSFERRED')!.call).toMatchObject({ id: '3.1', state: 'TRANSFERRED', transferred: true });
    expect(h.tracker.get('3.1')).toMatchObject({ state: 'TRANSFERRED' });
    const from = s.events.length;
    s.state('3.3', 'Up');
    h.apply(s.since(from));
    expect(h.tracker.get('3.1')).toMatchObject({ state: 'ANSWERED', transferred: true, callee: { number: '102', name: 'Carol', extension: '102' }, extensions: ['100', '101', '102'] });
    expect(new Set(h.published.map((e) => e.call.id))).toEqual(new Set(['3.1']));
  });

  it('an attended transfer keeps the older call: the target joins it, the consultation call ends with its last leg', () => {
    const h = trackerHarness();
    const s = new ChannelScript();
    answer(ring(s, '2.1', '2.2'), '2.1', '2.2');
    s.hold('2.1');
    // 101 consults 102 on a call of its own (linkedid 2.3).
    answer(ring(s, '2.3', '2.4', '101', '102'), '2.3', '2.4');
    h.apply(s.events);
    expect(h.tracker.list().map((c) => [c.id, c.state])).toEqual([
      ['2.1', 'ON_HOLD'],
      ['2.3', 'ANSWERED'],
    ]);
    const from = s.events.length;
    s.attendedTransfer({ first: '2.2', second: '2.3', transferee: '2.1', target: '2.4' })
      // A snapshot taken before Asterisk re-linked the target still names the consultation call.
      .enteredBridge('2.4', 'bridge-1')
      .relink('2.4', '2.1')
      .unhold('2.1')
      .destroy('2.2', 16, 'Normal Clearing')
      .destroy('2.3', 16, 'Normal Clearing')
      .state('2.4', 'Up');
    h.apply(s.since(from));
    const transferred = h.published.find((e) => e.kind === 'TRANSFERRED')!;
    expect(transferred.call.id).toBe('2.1');
    expect(transferred.call.legs.map((l) => l.channelId)).toEqual(['2.1', '2.2', '2.4']);
    expect(h.tracker.get('2.1')).toMatchObject({ state: 'ANSWERED', transferred: true, callee: { number: '102', name: 'Carol' }, extensions: ['100', '101', '102'] });
    expect(h.tracker.get('2.3')).toMatchObject({ state: 'ENDED', hangupCause: 16 });
    expect(h.tracker.list().map((c) => c.id)).toEqual(['2.1']);
    expect(h.tracker.callOfChannel('2.4')?.id).toBe('2.1');
    // The moved leg never flapped back to the consultation call.
    expect(h.published.filter((e) => e.call.id === '2.3' && e.call.legs.some((l) => l.channelId === '2.4') && e.at > transferred.at)).toEqual([]);
  });

  it('a channel Asterisk re-links to an older call (a parked call retrieved) moves there; a call left without live legs ends saying so', () => {
    const h = trackerHarness();
    const s = new ChannelScript();
    s.create('1.1', 'PJSIP/100-00000001', { exten: '701', state: 'Up' }).create('1.5', 'PJSIP/102-00000005', { exten: '*8701', state: 'Up' });
    h.apply(s.events);
    const from = s.events.length;
    s.relink('1.5', '1.1').enteredBridge('1.5', 'bridge-2');
    h.apply(s.since(from));
    expect(h.tracker.get('1.1')!.legs.map((l) => l.channelId)).toEqual(['1.1', '1.5']);
    expect(h.tracker.get('1.5')).toMatchObject({ state: 'ENDED', hangupCauseText: 'Continued as call 1.1 (transferred)', endedAt: s.lastTime() });
  });

  it('an originated call (click-to-call): the ringing extension is the caller, not the caller ID the originate gave it', () => {
    const h = trackerHarness();
    const s = new ChannelScript();
    s.create('0.1', 'PJSIP/100-00000001', { state: 'Down', linkedid: null, callerNumber: '100' }).callerId('0.1', '101', 'Bob').dial(null, '0.1', '', '100').state('0.1', 'Ringing');
    h.apply(s.events);
    expect(h.tracker.get('0.1')).toMatchObject({ state: 'RINGING', caller: { number: '100', name: 'Alice', extension: '100' } });
  });

  it('a dialled channel without a linkedid that ends before its Dial event is no call', () => {
    const h = trackerHarness();
    const s = new ChannelScript();
    s.create('0.7', 'PJSIP/101-00000007', { state: 'Down', linkedid: null }).destroy('0.7', 16, 'Normal Clearing');
    h.apply(s.events);
    expect(h.published).toEqual([]);
    expect(h.tracker.size()).toBe(0);
  });

  it('rebuilt from the channel listing; ended when Asterisk goes away; reported again with what was known when it is back', () => {
    const h = trackerHarness();
    const s = new ChannelScript();
    answer(ring(s, '1.1', '1.2'), '1.1', '1.2');
    // This server starts during the call: the listing alone brings it.
    h.tracker.rebuild(s.listing());
    expect(h.kinds()).toEqual(['STARTED']);
    const rebuilt = h.published[0]!.call;
    expect(rebuilt).toMatchObject({ id: '1.1', state: 'ANSWERED', caller: { number: '100', name: 'Alice' }, callee: { number: '101', name: 'Bob' }, answeredAt: h.now().toISOString() });

    h.tracker.asteriskGone();
    expect(h.published.at(-1)).toMatchObject({ kind: 'ENDED', call: { state: 'ENDED', hangupCause: null, hangupCauseText: ASTERISK_GONE } });
    expect(h.tracker.list()).toEqual([]);

    h.setNow(new Date(h.now().getTime() + 5000));
    h.tracker.rebuild(s.listing());
    const again = h.published.at(-1)!;
    expect(again.kind).toBe('STARTED');
    expect(again.call).toMatchObject({ state: 'ANSWERED', answeredAt: rebuilt.answeredAt, startedAt: rebuilt.startedAt, endedAt: null, hangupCauseText: null });
    expect(again.call.version).toBeGreaterThan(rebuilt.version);

    // Events that follow apply on top; a channel gone from a later listing ended unseen.
    h.tracker.rebuild([]);
    expect(h.published.at(-1)).toMatchObject({ kind: 'ENDED', call: { hangupCauseText: ENDED_UNSEEN } });
  });

  it('an ended call stays readable for the linger time, then is forgotten', () => {
    const h = trackerHarness(NUMBERS, 60_000);
    const s = new ChannelScript();
    ring(s, '1.1', '1.2').destroy('1.2', 17, 'User busy').destroy('1.1', 17, 'User busy');
    h.apply(s.events);
    expect(h.tracker.get('1.1')?.state).toBe('ENDED');
    const start = h.now().getTime();
    h.setNow(new Date(start + 59_000));
    expect(h.tracker.prune()).toBe(1000);
    expect(h.tracker.get('1.1')?.state).toBe('ENDED');
    h.setNow(new Date(start + 60_000));
    expect(h.tracker.prune()).toBeNull();
    expect(h.tracker.get('1.1')).toBeNull();
    expect(h.tracker.callOfChannel('1.2')).toBeNull();
    expect(h.tracker.size()).toBe(0);
  });

  it('publishes nothing for events that change nothing a subscriber sees', () => {
    const h = trackerHarness();
    const s = new ChannelScript();
    ring(s, '1.1', '1.2');
    h.apply(s.events);
    const count = h.published.length;
    const from = s.events.length;
    s.varset('1.1', 'RINGTIME', '0').varset('1.1', 'RINGTIME_MS', '4');
    h.apply(s.since(from));
    expect(h.published).toHaveLength(count);
  });
});
