/** The ARI shapes this product reads (Asterisk 22 ARI 10), as plain data. */
export type AriEndpoint = { technology: string; resource: string; state: string; channel_ids: string[] };
export type AriDeviceState = { name: string; state: string };
export type AriChannel = {
  id: string;
  name: string;
  state: string;
  caller: { name: string; number: string };
  connected: { name: string; number: string };
  dialplan?: { context: string; exten: string };
  /** When it was created (ARI Date, e.g. 2026-11-26T07:05:55.124+0000). */
  creationtime?: string;
  /** The variables ari.conf's `channelvars` names, with their values on this channel ('' when unset). */
  channelvars?: Record<string, string>;
};

/** A bridge (GET /bridges lists every one, not only those of Stasis applications) with the ids of its channels. */
export type AriBridge = { id: string; technology: string; bridge_type: string; bridge_class: string; channels: string[] };

export type AriEvent =
  | { type: 'DeviceStateChanged'; device_state: AriDeviceState }
  | { type: 'ContactStatusChange'; endpoint: AriEndpoint; contact_info: { uri: string; contact_status: string; aor: string; roundtrip_usec?: string } }
  | { type: 'EndpointStateChange'; endpoint: AriEndpoint }
  | { type: string; [key: string]: unknown };
