/**
 * What other domains (dial rules, live status, inbound routes) may rely on
 * about a trunk: its kind, its Asterisk id and how a call is sent through it.
 * The trunk domain fills the snapshot slice; nothing else reads Trunk rows.
 */

export const trunkKinds = ['SIP', 'IAX'] as const;
export type TrunkKind = (typeof trunkKinds)[number];
export type TrunkMode = 'CLIENT' | 'SERVER';
export type CallerIdPreference = 'TRUNK' | 'EXTENSION';

/**
 * A trunk's name is its Asterisk id (endpoint, IAX2 peer) and, in server
 * mode, the user name its peer authenticates with. It starts with a letter,
 * so it never collides with an extension's id (digits only), and it is none
 * of the names the core renders itself.
 */
export const trunkNamePattern = /^[A-Za-z][A-Za-z0-9_-]{0,39}$/;
export const reservedTrunkNames = /^(transport-.*|global|system|general|anonymous|default|pbx-.*|.*-auth(-.*)?|.*-registration|.*-identify)$/i;

/**
 * Whether a trunk registers to its far end: in CLIENT mode, with a user name
 * to register as. A SIP provider that needs no credentials (authentication off,
 * no user name) takes calls by address instead (IP authentication): no
 * REGISTER; its calls are known by the address they come from.
 */
export function registersToFarEnd(t: { kind: TrunkKind; mode: TrunkMode; username: string }): boolean {
  return t.mode === 'CLIENT' && (t.kind === 'IAX' || t.username !== '');
}

/** The part of a trunk that dial rules and live status need (the trunk domain adds the rest of its fields). */
export type SnapshotTrunkCore = {
  id: string;
  name: string;
  kind: TrunkKind;
  enabled: boolean;
  mode: TrunkMode;
  /** Name of the dial permission calls from its peer start in. */
  dialPermission: string;
  /** Simultaneous outbound calls allowed; null: no limit. */
  maxConcurrentCalls: number | null;
  callerIdPreference: CallerIdPreference;
  /** The trunk's own outbound caller ID; empty: none. */
  outboundCallerId: string;
  /** Which calls through the trunk are recorded: INBOUND in its inbound context, OUTBOUND by the dial rules that send calls out through it. */
  recording: 'OFF' | 'INBOUND' | 'OUTBOUND' | 'BOTH';
};

/** The Dial() target that sends `number` (a dialplan expression such as `${NUMBER}`) out through a trunk. */
export function trunkDialTarget(trunk: Pick<SnapshotTrunkCore, 'kind' | 'name'>, number: string): string {
  return trunk.kind === 'SIP' ? `PJSIP/${number}@${trunk.name}` : `IAX2/${trunk.name}/${number}`;
}
