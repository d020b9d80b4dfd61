import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Call } from '../../src/calls/contract.js';
import { liveChannelVariables } from '../../src/pbx/live/calls.js';
import { startAriStandin, type AriStandin } from '../support/ari-standin/index.js';
import { until } from '../support/subscriptions.js';
import { HAVE_RECORDINGS, recordedEvents, withChannelVars } from './support/recorded.js';
import { trackerHarness } from './support/tracker.js';

/**
 * The ARI stand-in emits what the call tracker consumes for a simulated call
 * as the real Asterisk did: the calls of the recordings, simulated, give the
 * tracker the same sequence of events and the same call; with ari.conf's
 * channelvars every snapshot carries CHANNEL(linkedid) (the caller's uniqueid,
 * inherited by the dialled channel), in events and in GET /channels.
 */
const USER = 'ari';
const PASSWORD = 'ari';

let standin: AriStandin | null = null;
afterEach(async () => {
  await standin?.stop();
  standin = null;
});

async function start(channelvars: readonly string[] = liveChannelVariables) {
  standin = await startAriStandin({
    username: USER,
    password: PASSWORD,
    endpoints: [{ resource: '100', callerName: 'Alice' }, { resource: '101', callerName: 'Bob' }, 'provider'],
    channelvars,
  });
  standin.register('100', { ip: '127.0.0.1', port: 5070 });
  standin.register('101', { ip: '127.0.0.1', port: 5072 });
  const events: Record<string, unknown>[] = [];
  const ws = new WebSocket(`${standin.url.replace('http', 'ws')}/ari/events?app=calls&subscribeAll=true&api_key=${USER}:${PASSWORD}`);
  ws.on('message', (data) => events.push(JSON.parse(data.toString()) as Record<string, unknown>));
  await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
  /** Everything emitted so far has arrived: a Stasis device set now arrives after it. */
  const settle = async (marker: string) => {
    await fetch(`${standin!.url}/ari/deviceStates/Stasis:${marker}?deviceState=INUSE`, { method: 'PUT', headers: { authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}` } });
    await until(() => events.some((e) => (e.device_state as { name?: string } | undefined)?.name === `Stasis:${marker}`), 3000, marker);
    return events.splice(0).filter((e) => (e.device_state as { name?: string } | undefined)?.name !== `Stasis:${marker}`);
  };
  return { standin, events, settle, close: () => ws.close() };
}

/** A call without what differs from run to run: ids, channel names' sequences, times. */
function shape(call: Call) {
  return {
    ...call,
    id: 'call',
    startedAt: 'time',
    answeredAt: call.answeredAt && 'time',
    endedAt: call.endedAt && 'time',
    legs: call.legs.map((l) => ({
      ...l,
      channelId: 'channel',
      channelName: l.channelName.replace(/-[0-9a-f]+$/, ''),
      startedAt: 'time',
      answeredAt: l.answeredAt && 'time',
      endedAt: l.endedAt && 'time',
    })),
  };
}

function replay(events: Record<string, unknown>[]) {
  const h = trackerHarness();
  h.apply(events);
  return { kinds: h.kinds(), final: shape(h.published.at(-1)!.call) };
}

describe.skipIf(!HAVE_RECORDINGS)('the ARI stand-in, as the call tracker reads it', () => {
  it('a simulated 100 → 101 call, answered and hung up by 100, reads like the recorded one', async () => {
    const s = await start();
    const call = s.standin.ring('100', '101');
    s.standin.answer(call);
    s.standin.hangup(call);
    const simulated = await s.settle('answered');
    s.close();
    const recorded = recordedEvents('events-call-100-to-101.jsonl');
    const linkedid = String((recorded[0]!.channel as { id: string }).id);
    expect(replay(simulated)).toEqual(replay(withChannelVars(recorded, () => linkedid)));
  });

  it('a simulated busy call and one to an unregistered phone read like the recorded ones', async () => {
    const s = await start();
    s.standin.busy('100', '101');
    const busy = await s.settle('busy');
    s.standin.unregister('101');
    await s.settle('unregistered');
    s.standin.ring('100', '101');
    const unavailable = await s.settle('unavailable');
    s.close();
    for (const [simulated, file] of [
      [busy, 'events-call-100-to-101-busy.jsonl'],
      [unavailable, 'events-call-100-to-101-unavailable.jsonl'],
    ] as const) {
      const recorded = recordedEvents(file);
      const linkedid = String((recorded[0]!.channel as { id: string }).id);
      expect(replay(simulated), file).toEqual(replay(withChannelVars(recorded, () => linkedid)));
    }
  });

  it('evaluates CHANNEL(linkedid) in channelvars: the dialled channel carries its caller’s uniqueid, in events and in GET /channels', async () => {
    const s = await start();
    const call = s.standin.ring('100', '101');
    const events = await s.settle('ringing');
    const snapshots = events.flatMap((e) => ['channel', 'caller', 'peer'].map((f) => e[f] as { id: string; channelvars?: Record<string, string> } | undefined)).filter((c) => !!c);
    expect(new Set(snapshots.map((c) => c.id))).toEqual(new Set([call.callerChannelId, call.calleeChannelId]));
    for (const c of snapshots) expect(c.channelvars).toEqual({ PBX_TRUNK: '', PBX_DID: '', 'CHANNEL(linkedid)': call.callerChannelId });
    const listing = (await (await fetch(`${s.standin.url}/ari/channels`, { headers: { authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}` } })).json()) as {
      channelvars: Record<string, string>;
    }[];
    expect(listing.map((c) => c.channelvars['CHANNEL(linkedid)'])).toEqual([call.callerChannelId, call.callerChannelId]);
    s.close();
  });

  it('hold from a phone, as a real Asterisk 22 reported pjsua’s: ChannelHold on the holder’s channel, the other party’s device ONHOLD', async () => {
    const s = await start();
    const call = s.standin.ring('100', '101');
    s.standin.answer(call);
    const before = await s.settle('answered');
    s.standin.hold(call);
    const held = await s.settle('held');
    expect(held.map((e) => [e.type, (e.channel as { id: string } | undefined)?.id ?? e.device_state, e.musicclass])).toEqual([
      ['DeviceStateChanged', { name: 'PJSIP/101', state: 'ONHOLD' }, undefined],
      ['ChannelHold', call.callerChannelId, 'default'],
    ]);
    s.standin.unhold(call);
    const after = await s.settle('unheld');
    expect(after.map((e) => [e.type, (e.channel as { id: string } | undefined)?.id ?? e.device_state])).toEqual([
      ['ChannelUnhold', call.callerChannelId],
      ['DeviceStateChanged', { name: 'PJSIP/101', state: 'INUSE' }],
    ]);
    const h = trackerHarness();
    h.apply([...before, ...held, ...after]);
    expect(h.kinds().slice(-2)).toEqual(['HELD', 'UNHELD']);
    s.close();
  });

  it('a provider’s call rung at an extension: the trunk leg sets PBX_TRUNK and PBX_DID, the extension’s leg inherits them and the linkedid', async () => {
    const s = await start();
    s.standin.register('101', { ip: '127.0.0.1', port: 5072 });
    const call = s.standin.ringInbound({ trunk: 'provider', did: '4930123456', callerNumber: '+4917012345', callerName: 'Erika', to: '101' });
    const events = await s.settle('inbound');
    const created = events.filter((e) => e.type === 'ChannelCreated').map((e) => e.channel as { name: string; channelvars: Record<string, string> });
    expect(created.map((c) => c.name.replace(/-[0-9a-f]+$/, ''))).toEqual(['PJSIP/provider', 'PJSIP/101']);
    expect(created[1]!.channelvars).toEqual({ PBX_TRUNK: 'provider', PBX_DID: '4930123456', 'CHANNEL(linkedid)': call.callerChannelId });
    const { kinds } = replay(events);
    expect(kinds.filter((k) => k !== 'UPDATED')).toEqual(['STARTED', 'RINGING']);
    s.close();
  });
});
