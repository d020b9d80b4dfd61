// JSON shapes Asterisk 22 puts in REST answers and event payloads. Builders copy
// fields in the order Asterisk writes them, so serialized output matches byte
// for byte apart from ids and times.

export interface CallerIdJson {
  name: string;
  number: string;
}

export interface DialplanJson {
  context: string;
  exten: string;
  priority: number;
  app_name: string;
  app_data: string;
}

export interface ChannelJson {
  id: string;
  name: string;
  state: string;
  protocol_id: string;
  caller: CallerIdJson;
  connected: CallerIdJson;
  accountcode: string;
  dialplan: DialplanJson;
  creationtime: string;
  language: string;
  /** Present when ari.conf names `channelvars`: each of them, '' when unset. */
  channelvars?: Record<string, string>;
}

export interface EndpointJson {
  technology: string;
  resource: string;
  state: 'online' | 'offline';
  channel_ids: string[];
}

export interface BridgeJson {
  id: string;
  technology: string;
  bridge_type: string;
  bridge_class: string;
  creator: string;
  name: string;
  channels: string[];
  creationtime: string;
  video_mode: string;
}

export interface DeviceStateJson {
  name: string;
  state: string;
}

export interface ContactInfoJson {
  uri: string;
  contact_status: 'NonQualified' | 'Reachable' | 'Unreachable' | 'Removed';
  aor: string;
  roundtrip_usec: string;
}

export interface ApplicationJson {
  name: string;
  channel_ids: string[];
  bridge_ids: string[];
  endpoint_ids: string[];
  device_names: string[];
  events_allowed: unknown[];
  events_disallowed: unknown[];
}
