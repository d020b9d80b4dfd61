import { EventEmitter } from 'node:events';
import { inboundVariables } from '../../inbound/contract.js';
import type { AriChannel, AriEvent } from '../ari/types.js';

/** A call from a trunk as the live state shows it (JSON: it travels on the bus). */
export type InboundCall = {
  /** The ARI channel id (Asterisk's uniqueid) of the trunk's leg. */
  channelId: string;
  channelName: string;
  callerNumber: string;
  callerName: string;
  /** The trunk the call came in on (inbound routing's PBX_TRUNK). */
  trunk: string;
  /** The number the caller dialled (inbound routing's PBX_DID); '' until routing has set it. */
  did: string;
  /** ARI channel state of the trunk's leg: Ring (arriving), Up (answered), … */
  channelState: string;
  startedAt: string;
  /** Set in the last report of a call: it ended (or Asterisk went away). */
  endedAt: string | null;
};

type ChannelFacts = { id: string; name: string; state: string; callerNumber: string; callerName: string; startedAt: string; variables: Map<string, string> };

/** The variables inbound routing sets, by the name ARI reports in ChannelVarset (without the inheritance underscores). */
const watched = new Set<string>([inboundVariables.trunk, inboundVariables.did]);
/**
 * Asterisk's linkedid (the id of a whole call), which ARI's Channel lacks: named in
 * `channelvars`, Asterisk evaluates the function for every channel snapshot.
 */
export const linkedidChannelVariable = 'CHANNEL(linkedid)';
/** What ari.conf's `channelvars` must name, so channel listings and events carry them. */
export const liveChannelVariables = [inboundVariables.trunk, inboundVariables.did, linkedidChannelVariable] as const;

/**
 * Channels Asterisk has now, with the inbound-routing variables, and the
 * inbound calls among them. Fed by ARI channel events and rebuilt from the
 * channel listing on every (re)connect. Inbound routing sets PBX_TRUNK (the
 * trunk's name, which is its PJSIP endpoint or IAX2 peer) with `__`, so every
 * leg it dials inherits it: the inbound call is the trunk's own leg, the
 * channel named `PJSIP/<trunk>-…` or `IAX2/<trunk>-…`. Emits 'changed' with
 * each inbound call that started, changed or ended.
 */
export class CallStore extends EventEmitter {
  private channels = new Map<string, ChannelFacts>();

  inboundCalls(): InboundCall[] {
    return [...this.channels.values()]
      .map((c) => inboundCall(c))
      .filter((c): c is InboundCall => c !== null)
      .sort((a, b) => (a.startedAt < b.startedAt ? -1 : a.startedAt > b.startedAt ? 1 : a.channelId < b.channelId ? -1 : 1));
  }

  /** Replaces everything from GET /channels (its `channelvars` carry the variables). */
  rebuild(channels: AriChannel[]): void {
    const before = new Map(this.inboundCalls().map((c) => [c.channelId, c]));
    this.channels = new Map(channels.map((c) => [c.id, factsOf(c)]));
    const now = this.inboundCalls();
    const ids = new Set(now.map((c) => c.channelId));
    for (const call of now) if (!sameCall(before.get(call.channelId), call)) this.emit('changed', call);
    for (const [id, call] of before) if (!ids.has(id)) this.emit('changed', { ...call, endedAt: new Date().toISOString() });
  }

  apply(event: AriEvent): void {
    const channel = (event as { channel?: unknown }).channel as AriChannelEvent | undefined;
    if (!channel?.id) return;
    const before = this.channels.get(channel.id);
    const previous = before ? inboundCall(before) : null;
    if (event.type === 'ChannelDestroyed') {
      this.channels.delete(channel.id);
      if (previous) this.emit('changed', { ...previous, channelState: channel.state ?? previous.channelState, endedAt: new Date().toISOString() });
      return;
    }
    const facts = before ?? factsOf(plainChannel(channel));
    facts.name = channel.name ?? facts.name;
    facts.state = channel.state ?? facts.state;
    facts.callerNumber = channel.caller?.number ?? facts.callerNumber;
    facts.callerName = channel.caller?.name ?? facts.callerName;
    mergeVariables(facts, channel.channelvars);
    if (event.type === 'ChannelVarset') {
      const name = String((event as { variable?: unknown }).variable ?? '').replace(/^__?/, '');
      if (watched.has(name)) facts.variables.set(name, String((event as { value?: unknown }).value ?? ''));
    }
    this.channels.set(channel.id, facts);
    const next = inboundCall(facts);
    if (next && !sameCall(previous ?? undefined, next)) this.emit('changed', next);
  }

  /** Asterisk went away: nothing is known; every inbound call is reported ended. */
  clear(): void {
    const calls = this.inboundCalls();
    this.channels.clear();
    const now = new Date().toISOString();
    for (const call of calls) this.emit('changed', { ...call, endedAt: now });
  }
}

type AriChannelEvent = Partial<Omit<AriChannel, 'channelvars'>> & { id: string; channelvars?: Record<string, unknown> };

function plainChannel(c: AriChannelEvent): AriChannel {
  return {
    id: c.id,
    name: c.name ?? '',
    state: c.state ?? '',
    caller: { name: c.caller?.name ?? '', number: c.caller?.number ?? '' },
    connected: { name: c.connected?.name ?? '', number: c.connected?.number ?? '' },
    creationtime: c.creationtime,
  };
}

function factsOf(c: AriChannel): ChannelFacts {
  const facts: ChannelFacts = { id: c.id, name: c.name, state: c.state, callerNumber: c.caller.number, callerName: c.caller.name, startedAt: ariDate(c.creationtime), variables: new Map() };
  mergeVariables(facts, c.channelvars);
  return facts;
}

/** `channelvars` of a snapshot: a value set wins over '' (an event's snapshot may predate the Set). */
function mergeVariables(facts: ChannelFacts, vars: Record<string, unknown> | undefined): void {
  for (const [name, value] of Object.entries(vars ?? {})) {
    if (watched.has(name) && typeof value === 'string' && value !== '') facts.variables.set(name, value);
  }
}

function inboundCall(c: ChannelFacts): InboundCall | null {
  const trunk = c.variables.get(inboundVariables.trunk) ?? '';
  if (!trunk || !(c.name.startsWith(`PJSIP/${trunk}-`) || c.name.startsWith(`IAX2/${trunk}-`))) return null;
  return {
    channelId: c.id,
    channelName: c.name,
    callerNumber: c.callerNumber,
    callerName: c.callerName,
    trunk,
    did: c.variables.get(inboundVariables.did) ?? '',
    channelState: c.state,
    startedAt: c.startedAt,
    endedAt: null,
  };
}

function sameCall(a: InboundCall | undefined, b: InboundCall): boolean {
  return !!a && a.channelState === b.channelState && a.did === b.did && a.callerNumber === b.callerNumber && a.callerName === b.callerName && a.channelName === b.channelName;
}

/** ARI dates (2026-11-26T07:05:55.124+0000) as ISO 8601; now when missing or unreadable. */
function ariDate(text: string | undefined): string {
  const date = text ? new Date(text.replace(/([+-]\d\d)(\d\d)$/, '$1:$2')) : new Date(NaN);
  return Number.isNaN(date.getTime()) ? new Date().toISOString() : date.toISOString();
}
