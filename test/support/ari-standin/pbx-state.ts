import { randomUUID } from 'node:crypto';
import { ariTimestamp, unixSeconds } from './ari-time.js';
import type { BridgeJson, CallerIdJson, ChannelJson, DeviceStateJson, DialplanJson, EndpointJson } from './snapshots.js';

export const TECHNOLOGY = 'PJSIP';

export type ChannelStateName = 'Down' | 'Ring' | 'Ringing' | 'Up';

export interface ContactRecord {
  uri: string;
  ip: string;
  port: number;
  userAgent: string;
  rttUsec: number;
  /**
   * Qualify status: NonQualified from the REGISTER (or from astdb after a
   * restart) until an OPTIONS round trip answers, then Reachable.
   */
  status: 'NonQualified' | 'Reachable';
}

export interface EndpointRecord {
  resource: string;
  callerName: string;
  /** Registered contacts, oldest first; the endpoint is online while there is one. */
  contacts: ContactRecord[];
  /** The AOR's max_contacts; a REGISTER beyond it removes the oldest contact (remove_existing). */
  maxContacts: number;
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
  /** Channel variables set by the flows that model them, by name without the inheritance underscores. */
  variables: Map<string, string>;
  /** ari.conf `channelvars`: the variables every Channel object carries. */
  ariVars: readonly string[];
  /** Asterisk's linkedid: the uniqueid of the oldest channel of the call (a dialled channel inherits its caller's). */
  linkedid: string;
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
  /** Defaults to no limit. */
  maxContacts?: number;
}

export interface PbxConfig {
  endpoints: readonly EndpointConfig[];
  queues: Readonly<Record<string, readonly string[]>>;
  dialplanContext: string;
  /** ari.conf `channelvars`. */
  channelvars: readonly string[];
}

/**
 * The PBX as one Asterisk process sees it. A restart builds a new one: no
 * calls or Stasis devices; contacts (astdb) and mailboxes (spool) are carried
 * over by the runtime.
 */
export class PbxState {
  readonly endpoints = new Map<string, EndpointRecord>();
  readonly channels = new Map<string, ChannelRecord>();
  readonly bridges = new Map<string, BridgeRecord>();
  /** Last state announced per device, so only changes are published. */
  readonly publishedDeviceStates = new Map<string, string>();
  readonly stasisDevices = new Map<string, string>();
  readonly customDevices = new Map<string, string>();
  /** app_voicemail mailboxes (`100@default`) and how many messages wait in each. */
  readonly mailboxes = new Map<string, number>();
  private channelCounter = 0;

  constructor(readonly config: PbxConfig) {
    for (const endpoint of config.endpoints) this.addEndpoint(endpoint);
  }

  addEndpoint({ resource, callerName, maxContacts }: EndpointConfig): EndpointRecord {
    const existing = this.endpoints.get(resource);
    if (existing) return existing;
    const record: EndpointRecord = {
      resource,
      callerName,
      contacts: [],
      maxContacts: maxContacts ?? Number.POSITIVE_INFINITY,
      autoAnswer: false,
    };
    this.endpoints.set(resource, record);
    this.publishedDeviceStates.set(`${TECHNOLOGY}/${resource}`, 'UNAVAILABLE');
    return record;
  }

  /** The endpoint leaves the listings; its channels and device state stay as they are. */
  removeEndpoint(resource: string): EndpointRecord | undefined {
    const endpoint = this.endpoints.get(resource);
    this.endpoints.delete(resource);
    return endpoint;
  }

  requireEndpoint(resource: string): EndpointRecord {
    const endpoint = this.endpoints.get(resource);
    if (!endpoint) throw new Error(`ARI stand-in: no endpoint ${TECHNOLOGY}/${resource}`);
    return endpoint;
  }

  /** `linkedTo`: the channel that requested this one (a Dial's caller), whose linkedid it inherits. */
  newChannel(endpoint: EndpointRecord, init: { id?: string; state: ChannelStateName; linkedTo?: ChannelRecord }): ChannelRecord {
    const sequence = this.channelCounter++;
    const now = new Date();
    const id = init.id ?? `${unixSeconds(now)}.${sequence}`;
    const channel: ChannelRecord = {
      id,
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
      variables: new Map(),
      ariVars: this.config.channelvars,
      linkedid: init.linkedTo?.linkedid ?? id,
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
    return (this.endpoints.get(resource)?.contacts.length ?? 0) > 0;
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
    ...(channel.ariVars.length ? { channelvars: Object.fromEntries(channel.ariVars.map((name) => [name, channelVariableValue(channel, name)])) } : {}),
  };
}

/**
 * A `channelvars` entry's value: Asterisk evaluates an entry ending in `)` as
 * a dialplan function (only CHANNEL(linkedid) is modelled), any other as a variable.
 */
function channelVariableValue(channel: ChannelRecord, name: string): string {
  if (name === 'CHANNEL(linkedid)') return channel.linkedid;
  return channel.variables.get(name) ?? '';
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
