/** Extension status of F-3.2, from what Asterisk reports about its endpoint. */
export type ExtensionState = 'ONLINE' | 'RINGING' | 'BUSY' | 'OFFLINE' | 'UNAVAILABLE';

export type LiveContact = {
  uri: string;
  ip: string | null;
  port: number | null;
  status: string;
  roundTripUsec: number | null;
  userAgent: string | null;
};

export type LiveEndpoint = {
  number: string;
  /** ARI endpoint state: online, offline, unknown. */
  endpointState: string;
  /** Asterisk device state of PJSIP/<number>: NOT_INUSE, INUSE, BUSY, RINGING, RINGINUSE, ONHOLD, UNAVAILABLE, INVALID, UNKNOWN. */
  deviceState: string;
  contacts: LiveContact[];
  /** The extension's IAX2 peer (F-4.1.2.c), when it has one: ARI endpoint state and device state of IAX2/<number>. */
  iax2?: { endpointState: string; deviceState: string };
};

export type ExtensionStatus = { number: string; state: ExtensionState; contacts: LiveContact[] };

const reachable = new Set(['Reachable', 'NonQualified', 'Unknown']);

/**
 * UNAVAILABLE: disabled, or unknown to Asterisk (inferred from the manual's
 * screenshot). RINGING and BUSY come from the device state, ONLINE from a
 * reachable contact, OFFLINE otherwise.
 */
export function extensionState(enabled: boolean, live: LiveEndpoint | undefined): ExtensionState {
  if (!enabled || !live) return 'UNAVAILABLE';
  // A registered IAX2 peer counts like a SIP contact: it rings, talks and is online the same way.
  const deviceStates = [live.deviceState, live.iax2?.deviceState];
  if (deviceStates.some((s) => s === 'RINGING' || s === 'RINGINUSE')) return 'RINGING';
  if (deviceStates.some((s) => s === 'INUSE' || s === 'BUSY' || s === 'ONHOLD')) return 'BUSY';
  if (live.contacts.some((c) => reachable.has(c.status))) return 'ONLINE';
  return live.endpointState === 'online' || live.iax2?.endpointState === 'online' ? 'ONLINE' : 'OFFLINE';
}

/** sip:101@192.0.2.10:5072;ob → ip and port (IPv6 in brackets too). */
export function parseContactUri(uri: string): { ip: string | null; port: number | null } {
  const match = /^sips?:(?:[^@]*@)?(\[[0-9a-fA-F:.]+\]|[^:;>]+)(?::(\d+))?/.exec(uri);
  if (!match) return { ip: null, port: null };
  return { ip: match[1]!.replace(/^\[|\]$/g, ''), port: match[2] ? Number(match[2]) : null };
}

/** ast_state_chan2dev: the device state one channel in this ARI channel state stands for. */
function channelDeviceState(state: string): 'NOT_INUSE' | 'INUSE' | 'BUSY' | 'RINGING' {
  switch (state) {
    case 'Down':
      return 'NOT_INUSE';
    case 'Ringing':
    case 'Pre-ring':
      return 'RINGING';
    case 'Busy':
      return 'BUSY';
    default:
      return 'INUSE';
  }
}

/**
 * The device state of each PJSIP endpoint that has channels, from the channel
 * listing. ARI lists only the device states it controls (Stasis:…), never
 * PJSIP/<n>, so after a (re)connect a call in progress is known only from its
 * channels. Aggregated as chan_pjsip does: ringing and in use → RINGINUSE.
 */
export function deviceStatesFromChannels(endpoints: { technology: string; resource: string; channel_ids: string[] }[], channels: { id: string; state: string }[]): { name: string; state: string }[] {
  const stateOf = new Map(channels.map((c) => [c.id, channelDeviceState(c.state)]));
  const result: { name: string; state: string }[] = [];
  for (const e of endpoints) {
    if (e.technology !== 'PJSIP') continue;
    const states = new Set(e.channel_ids.map((id) => stateOf.get(id)).filter((s) => s !== undefined));
    if (!states.size) continue;
    const ringing = states.has('RINGING');
    const inUse = states.has('INUSE') || states.has('BUSY');
    const state = ringing && inUse ? 'RINGINUSE' : ringing ? 'RINGING' : states.has('INUSE') ? 'INUSE' : states.has('BUSY') ? 'BUSY' : 'NOT_INUSE';
    result.push({ name: `PJSIP/${e.resource}`, state });
  }
  return result;
}
