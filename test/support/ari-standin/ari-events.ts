import { ariTimestamp } from './ari-time.js';
import { bridgeJson, channelJson, type BridgeRecord, type ChannelRecord } from './pbx-state.js';
import type { ContactInfoJson, EndpointJson } from './snapshots.js';

/**
 * One event as Asterisk queues it; `render` produces the message a given
 * application receives. Snapshots are taken when the event is built, so later
 * state changes never leak into events already queued.
 */
export interface AriEvent {
  readonly type: string;
  render(application: string, asteriskId: string): Record<string, unknown>;
}

/**
 * Most events serialize as `{...leading, type, timestamp, ...body, asterisk_id,
 * application}`: Asterisk adds `type` and `timestamp` to the blob it was given
 * and the ARI layer appends the two last fields.
 */
function standardEvent(type: string, body: Record<string, unknown>, leading: Record<string, unknown> = {}): AriEvent {
  const timestamp = ariTimestamp();
  return {
    type,
    render: (application, asteriskId) => ({
      ...leading,
      type,
      timestamp,
      ...body,
      asterisk_id: asteriskId,
      application,
    }),
  };
}

export const channelCreated = (channel: ChannelRecord): AriEvent => standardEvent('ChannelCreated', { channel: channelJson(channel) });

export const channelStateChange = (channel: ChannelRecord): AriEvent => standardEvent('ChannelStateChange', { channel: channelJson(channel) });

export const channelConnectedLine = (channel: ChannelRecord): AriEvent => standardEvent('ChannelConnectedLine', { channel: channelJson(channel) });

export const channelCallerId = (channel: ChannelRecord): AriEvent =>
  standardEvent('ChannelCallerId', {
    caller_presentation: 0,
    caller_presentation_txt: 'Presentation Allowed, Not Screened',
    channel: channelJson(channel),
  });

/** A phone put its call on hold: `musicclass` leads the body (events.json's order), as a real Asterisk sent it. */
export const channelHold = (channel: ChannelRecord, musicclass: string): AriEvent => standardEvent('ChannelHold', { musicclass, channel: channelJson(channel) });

export const channelUnhold = (channel: ChannelRecord): AriEvent => standardEvent('ChannelUnhold', { channel: channelJson(channel) });

export const channelVarset = (channel: ChannelRecord, variable: string, value: string): AriEvent => standardEvent('ChannelVarset', { channel: channelJson(channel) }, { variable, value });

/**
 * A global variable set (pbx_builtin_setvar_helper with no channel), as each
 * pbx_config reload does for [globals]: ChannelVarset without `channel`
 * (optional in events.json). Built like the channel one, blob first.
 */
export const globalVarset = (variable: string, value: string): AriEvent => standardEvent('ChannelVarset', {}, { variable, value });

export const channelDialplan = (channel: ChannelRecord): AriEvent =>
  standardEvent('ChannelDialplan', {
    dialplan_app: channel.dialplan.app_name,
    dialplan_app_data: channel.dialplan.app_data,
    channel: channelJson(channel),
  });

export interface HangupRequest {
  /** Absent when a phone's BYE ends a channel in Stasis (seen on Asterisk 22.10.1). */
  cause?: number;
  techCause?: number;
  soft?: boolean;
}

export const channelHangupRequest = (channel: ChannelRecord, request: HangupRequest): AriEvent =>
  standardEvent(
    'ChannelHangupRequest',
    { channel: channelJson(channel) },
    {
      ...(request.cause === undefined ? {} : { cause: request.cause }),
      ...(request.techCause === undefined ? {} : { tech_cause: request.techCause }),
      ...(request.soft ? { soft: true } : {}),
    },
  );

export interface HangupCause {
  cause: number;
  techCause?: number;
}

export const channelDestroyed = (channel: ChannelRecord, { cause, techCause }: HangupCause): AriEvent =>
  standardEvent('ChannelDestroyed', {
    cause,
    cause_txt: causeText(cause),
    ...(techCause === undefined ? {} : { tech_cause: techCause }),
    channel: channelJson(channel),
  });

export const dial = (init: { caller: ChannelRecord | undefined; peer: ChannelRecord; dialstatus: string; dialstring: string }): AriEvent =>
  standardEvent('Dial', {
    dialstatus: init.dialstatus,
    forward: '',
    dialstring: init.dialstring,
    ...(init.caller ? { caller: channelJson(init.caller) } : {}),
    peer: channelJson(init.peer),
  });

export const bridgeCreated = (bridge: BridgeRecord): AriEvent => standardEvent('BridgeCreated', { bridge: bridgeJson(bridge) });

export const bridgeDestroyed = (bridge: BridgeRecord): AriEvent => standardEvent('BridgeDestroyed', { bridge: bridgeJson(bridge) });

export const channelEnteredBridge = (bridge: BridgeRecord, channel: ChannelRecord): AriEvent => standardEvent('ChannelEnteredBridge', { bridge: bridgeJson(bridge), channel: channelJson(channel) });

export const channelLeftBridge = (bridge: BridgeRecord, channel: ChannelRecord): AriEvent => standardEvent('ChannelLeftBridge', { bridge: bridgeJson(bridge), channel: channelJson(channel) });

export const contactStatusChange = (endpoint: EndpointJson, contactInfo: ContactInfoJson): AriEvent => standardEvent('ContactStatusChange', { endpoint, contact_info: contactInfo });

export const peerStatusChange = (endpoint: EndpointJson, peerStatus: 'Reachable' | 'Unreachable'): AriEvent => standardEvent('PeerStatusChange', { endpoint, peer: { peer_status: peerStatus } });

/** Device state events are built by a different Asterisk path: `application` comes second. */
export function deviceStateChanged(name: string, state: string): AriEvent {
  const timestamp = ariTimestamp();
  return {
    type: 'DeviceStateChanged',
    render: (application, asteriskId) => ({
      type: 'DeviceStateChanged',
      application,
      timestamp,
      device_state: { name, state },
      asterisk_id: asteriskId,
    }),
  };
}

export function applicationReplaced(): AriEvent {
  const timestamp = ariTimestamp();
  return {
    type: 'ApplicationReplaced',
    render: (application, asteriskId) => ({
      type: 'ApplicationReplaced',
      timestamp,
      application,
      asterisk_id: asteriskId,
    }),
  };
}

/** A channel enters a Stasis application: sent to that application only (events-stasis-playback-dtmf.jsonl). */
export const stasisStart = (channel: ChannelRecord, args: readonly string[]): AriEvent => standardEvent('StasisStart', { args: [...args], channel: channelJson(channel) });

export const stasisEnd = (channel: ChannelRecord): AriEvent => standardEvent('StasisEnd', { channel: channelJson(channel) });

export interface PlaybackJson {
  id: string;
  media_uri: string;
  /** The next URI of a playback of several (POST /channels/{id}/play with a list). */
  next_media_uri?: string;
  target_uri: string;
  language: string;
  state: 'queued' | 'playing' | 'continuing' | 'done' | 'failed';
}

export const playbackStarted = (playback: PlaybackJson): AriEvent => standardEvent('PlaybackStarted', { playback: { ...playback } });

export const playbackFinished = (playback: PlaybackJson): AriEvent => standardEvent('PlaybackFinished', { playback: { ...playback } });

/** One URI of a playback of several ended and the next one starts. */
export const playbackContinuing = (playback: PlaybackJson): AriEvent => standardEvent('PlaybackContinuing', { playback: { ...playback } });

/** A key pressed on the phone, sent once it is released (events-stasis-playback-dtmf.jsonl). */
export const channelDtmfReceived = (channel: ChannelRecord, digit: string, durationMs: number): AriEvent =>
  standardEvent('ChannelDtmfReceived', { digit, duration_ms: durationMs, channel: channelJson(channel) });

/** A LiveRecording (recordings.json) as res_stasis_recording reports it. */
export interface LiveRecordingJson {
  name: string;
  format: string;
  state: 'queued' | 'recording' | 'done' | 'failed' | 'canceled';
  target_uri: string;
  duration?: number;
  talking_duration?: number;
  silence_duration?: number;
  cause?: string;
}

export const recordingStarted = (recording: LiveRecordingJson): AriEvent => standardEvent('RecordingStarted', { recording: { ...recording } });

export const recordingFinished = (recording: LiveRecordingJson): AriEvent => standardEvent('RecordingFinished', { recording: { ...recording } });

export const recordingFailed = (recording: LiveRecordingJson): AriEvent => standardEvent('RecordingFailed', { recording: { ...recording } });

/** The event types this stand-in can emit; events.json must describe every one. */
export const EMITTED_EVENT_TYPES = [
  'ApplicationReplaced',
  'BridgeCreated',
  'BridgeDestroyed',
  'ChannelCallerId',
  'ChannelConnectedLine',
  'ChannelCreated',
  'ChannelDestroyed',
  'ChannelDialplan',
  'ChannelDtmfReceived',
  'ChannelEnteredBridge',
  'ChannelHangupRequest',
  'ChannelHold',
  'ChannelLeftBridge',
  'ChannelStateChange',
  'ChannelUnhold',
  'ChannelVarset',
  'ContactStatusChange',
  'DeviceStateChanged',
  'Dial',
  'PeerStatusChange',
  'PlaybackContinuing',
  'PlaybackFinished',
  'PlaybackStarted',
  'RecordingFailed',
  'RecordingFinished',
  'RecordingStarted',
  'StasisEnd',
  'StasisStart',
] as const;

// Texts of main/channel.c's causes table for the causes this stand-in produces.
const CAUSE_TEXTS: Readonly<Record<number, string>> = {
  0: 'Unknown',
  1: 'Unallocated (unassigned) number',
  3: 'No route to destination',
  16: 'Normal Clearing',
  17: 'User busy',
  18: 'No user responding',
  19: 'User alerting, no answer',
  21: 'Call Rejected',
  26: 'Answered elsewhere',
  28: 'Invalid number format',
  31: 'Normal, unspecified',
  34: 'Circuit/channel congestion',
  38: 'Network out of order',
  58: 'Bearer capability not available',
  127: 'Interworking, unspecified',
};

export function causeText(cause: number): string {
  return CAUSE_TEXTS[cause] ?? 'Unknown';
}
