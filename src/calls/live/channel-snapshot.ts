import { inboundVariables } from '../../inbound/contract.js';
import { linkedidChannelVariable } from '../../pbx/live/calls.js';

/** What the tracker reads of an ARI Channel object (an event's snapshot, or an entry of GET /channels). */
export type ChannelSnapshot = {
  id: string;
  name: string;
  /** ARI channel state: Down, Ring, Ringing, Up, … */
  state: string;
  callerNumber: string;
  callerName: string;
  connectedNumber: string;
  connectedName: string;
  context: string;
  exten: string;
  createdAt: string;
  /** CHANNEL(linkedid) from `channelvars`; null when the snapshot does not carry it. */
  linkedid: string | null;
  /** Inbound routing's PBX_TRUNK and PBX_DID ('' when unset). */
  trunk: string;
  did: string;
};

type RawChannel = {
  id?: unknown;
  name?: unknown;
  state?: unknown;
  caller?: { name?: unknown; number?: unknown };
  connected?: { name?: unknown; number?: unknown };
  dialplan?: { context?: unknown; exten?: unknown };
  creationtime?: unknown;
  channelvars?: Record<string, unknown>;
};

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/** Reads an ARI Channel object; null when it has no id. */
export function readChannel(raw: unknown, fallbackTime: string): ChannelSnapshot | null {
  if (!raw || typeof raw !== 'object') return null;
  const c = raw as RawChannel;
  const id = text(c.id);
  if (!id) return null;
  const vars = c.channelvars ?? {};
  const linkedid = text(vars[linkedidChannelVariable]);
  return {
    id,
    name: text(c.name),
    state: text(c.state),
    callerNumber: text(c.caller?.number),
    callerName: text(c.caller?.name),
    connectedNumber: text(c.connected?.number),
    connectedName: text(c.connected?.name),
    context: text(c.dialplan?.context),
    exten: text(c.dialplan?.exten),
    createdAt: ariDate(text(c.creationtime), fallbackTime),
    linkedid: linkedid || null,
    trunk: text(vars[inboundVariables.trunk]),
    did: text(vars[inboundVariables.did]),
  };
}

/** An ARI date (2026-11-26T07:05:55.124+0000) as ISO 8601; `fallback` when missing or unreadable. */
export function ariDate(value: string, fallback: string): string {
  const date = value ? new Date(value.replace(/([+-]\d\d)(\d\d)$/, '$1:$2')) : new Date(NaN);
  return Number.isNaN(date.getTime()) ? fallback : date.toISOString();
}
