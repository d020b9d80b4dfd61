import type { EMITTED_EVENT_TYPES } from './ari-events.js';
import type { ResourceName } from './operations.js';

/** Property type as Swagger 1.1 spells it; a trailing `?` marks it optional. */
type PropertyType = string;

export interface ModelSpec {
  description: string;
  properties: Readonly<Record<string, PropertyType>>;
  subTypes?: readonly string[];
  discriminator?: string;
}

type EventModelName = (typeof EMITTED_EVENT_TYPES)[number];

// Typed as a complete record so that every event the stand-in emits has a
// model: ari-client looks each incoming event up in events.json and throws on
// an unknown type.
const EVENT_MODELS: Readonly<Record<EventModelName, ModelSpec>> = {
  ApplicationReplaced: { description: 'Notification that another WebSocket has taken over for an application.', properties: {} },
  BridgeCreated: { description: 'Notification that a bridge has been created.', properties: { bridge: 'Bridge' } },
  BridgeDestroyed: { description: 'Notification that a bridge has been destroyed.', properties: { bridge: 'Bridge' } },
  ChannelCallerId: {
    description: 'Channel changed Caller ID.',
    properties: { caller_presentation: 'int', caller_presentation_txt: 'string', channel: 'Channel' },
  },
  ChannelConnectedLine: { description: 'Channel changed Connected Line.', properties: { channel: 'Channel' } },
  ChannelCreated: { description: 'Notification that a channel has been created.', properties: { channel: 'Channel' } },
  ChannelDestroyed: {
    description: 'Notification that a channel has been destroyed.',
    properties: { cause: 'int', cause_txt: 'string', tech_cause: 'int?', channel: 'Channel' },
  },
  ChannelDialplan: {
    description: 'Channel changed location in the dialplan.',
    properties: { channel: 'Channel', dialplan_app: 'string', dialplan_app_data: 'string' },
  },
  ChannelDtmfReceived: {
    description: 'DTMF received on a channel.\n\nThis event is sent when the DTMF ends. There is no notification about the start of DTMF',
    properties: { digit: 'string', duration_ms: 'int', channel: 'Channel' },
  },
  ChannelEnteredBridge: { description: 'Notification that a channel has entered a bridge.', properties: { bridge: 'Bridge', channel: 'Channel?' } },
  ChannelHangupRequest: {
    description: 'A hangup was requested on the channel.',
    properties: { cause: 'int?', tech_cause: 'int?', soft: 'boolean?', channel: 'Channel' },
  },
  ChannelHold: { description: 'A channel initiated a media hold.', properties: { channel: 'Channel', musicclass: 'string?' } },
  ChannelLeftBridge: { description: 'Notification that a channel has left a bridge.', properties: { bridge: 'Bridge', channel: 'Channel' } },
  ChannelStateChange: { description: "Notification of a channel's state change.", properties: { channel: 'Channel' } },
  ChannelUnhold: { description: 'A channel initiated a media unhold.', properties: { channel: 'Channel' } },
  ChannelVarset: {
    description: 'Channel variable changed.',
    properties: { variable: 'string', value: 'string', channel: 'Channel?' },
  },
  ContactStatusChange: {
    description: 'The state of a contact on an endpoint has changed.',
    properties: { endpoint: 'Endpoint', contact_info: 'ContactInfo' },
  },
  DeviceStateChanged: { description: 'Notification that a device state has changed.', properties: { device_state: 'DeviceState' } },
  Dial: {
    description: 'Dialing state has changed.',
    properties: {
      caller: 'Channel?',
      peer: 'Channel',
      forward: 'string?',
      forwarded: 'Channel?',
      dialstring: 'string?',
      dialstatus: 'string',
    },
  },
  PeerStatusChange: { description: 'The state of a peer associated with an endpoint has changed.', properties: { endpoint: 'Endpoint', peer: 'Peer' } },
  PlaybackContinuing: { description: 'Event showing the continuation of a media playback operation from one media URI to the next in the list.', properties: { playback: 'Playback' } },
  PlaybackFinished: { description: 'Event showing the completion of a media playback operation.', properties: { playback: 'Playback' } },
  PlaybackStarted: { description: 'Event showing the start of a media playback operation.', properties: { playback: 'Playback' } },
  RecordingFailed: { description: 'Event showing failure of a recording operation.', properties: { recording: 'LiveRecording' } },
  RecordingFinished: { description: 'Event showing the completion of a recording operation.', properties: { recording: 'LiveRecording' } },
  RecordingStarted: { description: 'Event showing the start of a recording operation.', properties: { recording: 'LiveRecording' } },
  StasisEnd: { description: 'Notification that a channel has left a Stasis application.', properties: { channel: 'Channel' } },
  StasisStart: { description: 'Notification that a channel has entered a Stasis application.', properties: { args: 'List[string]', channel: 'Channel', replace_channel: 'Channel?' } },
};

export const MODELS: Readonly<Record<ResourceName, Readonly<Record<string, ModelSpec>>>> = {
  asterisk: {
    AsteriskInfo: {
      description: 'Asterisk system information',
      properties: { build: 'BuildInfo?', system: 'SystemInfo?', config: 'ConfigInfo?', status: 'StatusInfo?' },
    },
    BuildInfo: {
      description: 'Info about how Asterisk was built',
      properties: { os: 'string', kernel: 'string', options: 'string', machine: 'string', date: 'string', user: 'string' },
    },
    SystemInfo: { description: 'Info about Asterisk', properties: { version: 'string', entity_id: 'string' } },
    SetId: { description: 'Effective user/group id', properties: { user: 'string', group: 'string' } },
    ConfigInfo: {
      description: 'Info about Asterisk configuration',
      properties: {
        name: 'string',
        default_language: 'string',
        max_channels: 'int?',
        max_open_files: 'int?',
        max_load: 'double?',
        setid: 'SetId',
      },
    },
    StatusInfo: { description: 'Info about Asterisk status', properties: { startup_time: 'Date', last_reload_time: 'Date' } },
    ConfigTuple: {
      description: 'A key/value pair that makes up part of a configuration object.',
      properties: { attribute: 'string', value: 'string' },
    },
    AsteriskPing: {
      description: 'Asterisk ping information',
      properties: { asterisk_id: 'string', ping: 'string', timestamp: 'string' },
    },
  },
  endpoints: {
    Endpoint: {
      description: 'An external device that may offer/accept calls to/from Asterisk.',
      properties: { technology: 'string', resource: 'string', state: 'string?', channel_ids: 'List[string]' },
    },
  },
  channels: {
    CallerID: { description: 'Caller identification', properties: { name: 'string', number: 'string' } },
    DialplanCEP: {
      description: 'Dialplan location (context/extension/priority)',
      properties: { context: 'string', exten: 'string', priority: 'long', app_name: 'string', app_data: 'string' },
    },
    Channel: {
      description: 'A specific communication connection between Asterisk and an Endpoint.',
      properties: {
        id: 'string',
        protocol_id: 'string',
        name: 'string',
        state: 'string',
        caller: 'CallerID',
        connected: 'CallerID',
        accountcode: 'string',
        dialplan: 'DialplanCEP',
        creationtime: 'Date',
        language: 'string',
        channelvars: 'object?',
      },
    },
  },
  bridges: {
    Bridge: {
      description: 'The merging of media from one or more channels.',
      properties: {
        id: 'string',
        technology: 'string',
        bridge_type: 'string',
        bridge_class: 'string',
        creator: 'string',
        name: 'string',
        channels: 'List[string]',
        video_mode: 'string?',
        video_source_id: 'string?',
        creationtime: 'Date',
      },
    },
  },
  recordings: {
    StoredRecording: { description: 'A past recording that may be played back.', properties: { name: 'string', format: 'string' } },
    LiveRecording: {
      description: 'A recording that is in progress',
      properties: {
        name: 'string',
        format: 'string',
        target_uri: 'string',
        state: 'string',
        duration: 'int?',
        talking_duration: 'int?',
        silence_duration: 'int?',
        cause: 'string?',
      },
    },
  },
  playbacks: {
    Playback: {
      description: 'Object representing the playback of media to a channel',
      properties: { id: 'string', media_uri: 'string', next_media_uri: 'string?', target_uri: 'string', language: 'string?', state: 'string' },
    },
  },
  deviceStates: {
    DeviceState: { description: 'Represents the state of a device.', properties: { name: 'string', state: 'string' } },
  },
  applications: {
    Application: {
      description: 'Details of a Stasis application',
      properties: {
        name: 'string',
        channel_ids: 'List[string]',
        bridge_ids: 'List[string]',
        endpoint_ids: 'List[string]',
        device_names: 'List[string]',
        events_allowed: 'List[object]',
        events_disallowed: 'List[object]',
      },
    },
  },
  events: {
    Message: {
      description: 'Base type for errors and events',
      properties: { type: 'string', asterisk_id: 'string?' },
      subTypes: ['Event'],
      discriminator: 'type',
    },
    Event: {
      description: 'Base type for asynchronous events from Asterisk.',
      properties: { application: 'string', timestamp: 'Date' },
      subTypes: Object.keys(EVENT_MODELS),
    },
    ContactInfo: {
      description: 'Detailed information about a contact on an endpoint.',
      properties: { uri: 'string', contact_status: 'string', aor: 'string', roundtrip_usec: 'string?' },
    },
    Peer: {
      description: 'Detailed information about a remote peer that communicates with Asterisk.',
      properties: { peer_status: 'string', cause: 'string?', address: 'string?', port: 'string?', time: 'string?' },
    },
    ...EVENT_MODELS,
  },
};
