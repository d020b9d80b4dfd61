import { randomUUID } from 'node:crypto';
import { ariTimestamp, unixSeconds } from './ari-time.js';
import type {
  BridgeJson,
  CallerIdJson,
  ChannelJson,
  DeviceStateJson,
  DialplanJson,
  EndpointJson,
} from './snapshots.js';

export const TECHNOLOGY = 'PJSIP';

export type ChannelStateName = 'Down' | 'Ring' | 'Ringing' | 'Up';

export interface ContactRecord {
  uri: string;
  ip: string;
  port: number;
  userAgent: string;
  rttUsec: number;
}

export interface EndpointRecord {
  resource: string;
  callerName: string;
  contact: ContactRecord | undefined;
  /** Answers calls originated to it at once, like the pjsua used for 100 in the recordings. */
  autoAnswer: boolean;
}

export interface ChannelRecord {
  id: string;
  name: string;
  endpoint: string;
  state: ChannelStateName;
  protocolId: string;
  caller: CallerIdJson;
  connected: CallerIdJson;
  dialplan: DialplanJson;
  /** What `dialplan.app_*` shows once the channel has left the dialplan. */
  idleApp: { app_name: string; app_data: string };
  creationtime: string;
  createdAtMs: number;
}

export interface BridgeRecord {
  id: string;
  technology: 'simple_bridge' | 'native_rtp';
  channels: string[];
  creationtime: string;
}

export interface EndpointConfig {
  resource: string;
  callerName: string;
}

export interface PbxConfig {
  endpoints: readonly EndpointConfig[];
  queues: Readonly<Record<string, readonly string[]>>;
  dialplanContext: string;
}

/** Everything a restart wipes: endpoints back to offline, no calls, no Stasis devices. */
export class PbxState {
  readonly endpoints = new Map<string, EndpointRecord>();
  readonly channels = new Map<string, ChannelRecord>();
  readonly bridges = new Map<string, BridgeRecord>();
  /** Last state announced per device, so only changes are published. */
  readonly publishedDeviceStates = new Map<string, string>();
  readonly stasisDevices = new Map<string, string>();
  readonly customDevices = new Map<string, string>();
  private channelCounter = 0;

  constructor(readonly config: PbxConfig) {
    for (const endpoint of config.endpoints) this.addEndpoint(endpoint);
  }

  addEndpoint({ resource, callerName }: EndpointConfig): EndpointRecord {
    const existing = this.endpoints.get(resource);
    if (existing) return existing;
    const record: EndpointRecord = { resource, callerName, contact: undefined, autoAnswer: false };
    this.endpoints.set(resource, record);
    this.publishedDeviceStates.set(`${TECHNOLOGY}/${resource}`, 'UNAVAILABLE');
    return record;
  }

  requireEndpoint(resource: string): EndpointRecord {
    const endpoint = this.endpoints.get(resource);
    if (!endpoint) throw new Error(`ARI stand-in: no endpoint ${TECHNOLOGY}/${resource}`);
    return endpoint;
  }

  newChannel(endpoint: EndpointRecord, init: { id?: string; state: ChannelStateName }): ChannelRecord {
    const sequence = this.channelCounter++;
    const now = new Date();
    const channel: ChannelRecord = {
      id: init.id ?? `${unixSeconds(now)}.${sequence}`,
      name: `${TECHNOLOGY}/${endpoint.resource}-${sequence.toString(16).padStart(8, '0')}`,
      endpoint: endpoint.resource,
      state: init.state,
      protocolId: '',
      caller: { name: endpoint.callerName, number: endpoint.resource },
      connected: { name: '', number: '' },
      dialplan: { context: this.config.dialplanContext, exten: 's', priority: 1, app_name: '', app_data: '' },
      idleApp: { app_name: '', app_data: '' },
      creationtime: ariTimestamp(now),
      createdAtMs: now.getTime(),
    };
    this.channels.set(channel.id, channel);
    return channel;
  }

  newBridge(): BridgeRecord {
    const bridge: BridgeRecord = {
      id: randomUUID(),
      technology: 'simple_bridge',
      channels: [],
      creationtime: ariTimestamp(),
    };
    this.bridges.set(bridge.id, bridge);
    return bridge;
  }

  isOnline(resource: string): boolean {
    return this.endpoints.get(resource)?.contact !== undefined;
  }

  channelIdsOf(resource: string): string[] {
    return [...this.channels.values()].filter((c) => c.endpoint === resource).map((c) => c.id);
  }

  /** Asterisk lists from hash containers; the recordings show the newest entry first. */
  newestFirst<T>(items: Iterable<T>): T[] {
    return [...items].reverse();
  }

  endpointJson(resource: string): EndpointJson {
    return {
      technology: TECHNOLOGY,
      resource,
      state: this.isOnline(resource) ? 'online' : 'offline',
      channel_ids: this.channelIdsOf(resource),
    };
  }

  stasisDeviceList(): DeviceStateJson[] {
    return [...this.stasisDevices].map(([name, state]) => ({ name, state }));
  }
}

export function channelJson(channel: ChannelRecord): ChannelJson {
  return {
    id: channel.id,
    name: channel.name,
    state: channel.state,
    protocol_id: channel.protocolId,
    caller: { ...channel.caller },
    connected: { ...channel.connected },
    accountcode: '',
    dialplan: { ...channel.dialplan },
    creationtime: channel.creationtime,
    language: 'en',
  };
}

export function bridgeJson(bridge: BridgeRecord): BridgeJson {
  return {
    id: bridge.id,
    technology: bridge.technology,
    bridge_type: 'mixing',
    bridge_class: 'basic',
    creator: '',
    name: '',
    channels: [...bridge.channels],
    creationtime: bridge.creationtime,
    video_mode: 'none',
  };
}
