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
  switch (live.deviceState) {
    case 'RINGING':
    case 'RINGINUSE':
      return 'RINGING';
    case 'INUSE':
    case 'BUSY':
    case 'ONHOLD':
      return 'BUSY';
  }
  if (live.contacts.some((c) => reachable.has(c.status))) return 'ONLINE';
  return live.endpointState === 'online' ? 'ONLINE' : 'OFFLINE';
}

/** sip:101@192.0.2.10:5072;ob → ip and port (IPv6 in brackets too). */
export function parseContactUri(uri: string): { ip: string | null; port: number | null } {
  const match = /^sips?:(?:[^@]*@)?(\[[0-9a-fA-F:.]+\]|[^:;>]+)(?::(\d+))?/.exec(uri);
  if (!match) return { ip: null, port: null };
  return { ip: match[1]!.replace(/^\[|\]$/g, ''), port: match[2] ? Number(match[2]) : null };
}
