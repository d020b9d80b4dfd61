import type { AriEvent } from '../../pbx/ari/types.js';
import { inboundVariables } from '../../inbound/contract.js';
import { apiHoldContext, type Call, type CallDirectory, type CallEvent, type CallEventKind } from '../contract.js';
import { liveLegs, newCallRecord, type CallRecord, type Leg } from './call-record.js';
import { ariDate, readChannel, type ChannelSnapshot } from './channel-snapshot.js';
import { callState, deriveCall, originatorOf } from './derive.js';
import { dialledNumber, endpointOf } from './endpoint.js';
import type { PbxNumbers } from './pbx-numbers.js';

/** The cause text of calls reported ended because this server lost Asterisk (calls go on there: D1). */
export const ASTERISK_GONE = 'Connection to Asterisk lost: the call may go on there, and is reported again once Asterisk is back';
/** The cause text of a channel that was gone from Asterisk's listing after a reconnect. */
export const ENDED_UNSEEN = 'Ended while this server was not connected to Asterisk';

export type CallTrackerOptions = {
  numbers: () => PbxNumbers;
  publish: (event: CallEvent) => void;
  /** How long an ended call stays readable with `get` (default 60 s). */
  lingerMs?: number;
  now?: () => Date;
};

type TransferEvent = { type: string; result?: unknown; [key: string]: unknown };

/**
 * The live calls, one per Asterisk linkedid (D6, issue 10), fed by ARI
 * channel events (and rebuilt from GET /channels on every (re)connect).
 * Every change a subscriber could see is published as a CallEvent. Channel
 * snapshots carry the linkedid in `channelvars` (ari.conf names
 * CHANNEL(linkedid)); a channel that moves to another linkedid (Asterisk
 * gives every channel of a bridge the oldest linkedid, e.g. after an attended
 * transfer or a parked call's retrieval) moves to that call, so a transfer
 * keeps one call. Without the linkedid, a dialled channel joins its caller's
 * call through the Dial event. Ended calls stay readable for `lingerMs`.
 */
export class CallTracker implements CallDirectory {
  private readonly records = new Map<string, CallRecord>();
  private readonly channelCalls = new Map<string, CallRecord>();
  /** Dialled channels without a linkedid, until their Dial event tells whose call they belong to. */
  private readonly pending = new Map<string, Leg>();
  private order = 0;

  constructor(private readonly options: CallTrackerOptions) {}

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  list(): Call[] {
    return [...this.records.values()]
      .map((r) => r.published)
      .filter((c): c is Call => !!c && c.state !== 'ENDED')
      .sort((a, b) => (a.startedAt < b.startedAt ? -1 : a.startedAt > b.startedAt ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  get(id: string): Call | null {
    return this.records.get(id)?.published ?? null;
  }

  callOfChannel(channelId: string): Call | null {
    return this.channelCalls.get(channelId)?.published ?? null;
  }

  /** Applies one ARI event; events that concern no channel are ignored. */
  apply(event: AriEvent): void {
    const e = event as Record<string, unknown>;
    const at = ariDate(typeof e.timestamp === 'string' ? e.timestamp : '', this.now().toISOString());
    const touched = new Set<CallRecord>();
    switch (event.type) {
      case 'Dial':
        this.applyDial(e, at, touched);
        break;
      case 'ChannelDestroyed':
        this.applyDestroyed(e, at, touched);
        break;
      case 'ChannelHold':
      case 'ChannelUnhold': {
        const leg = this.update(e.channel, at, touched);
        if (leg) leg.held = event.type === 'ChannelHold';
        break;
      }
      case 'ChannelVarset':
        this.applyVarset(e, at, touched);
        break;
      case 'ChannelDialplan':
      case 'ChannelEnteredBridge': {
        const leg = this.update(e.channel, at, touched);
        if (leg) this.noteApiHold(leg, event.type === 'ChannelDialplan' && leg.context === apiHoldContext);
        break;
      }
      case 'BridgeBlindTransfer':
        this.applyBlindTransfer(e as TransferEvent, at, touched);
        break;
      case 'BridgeAttendedTransfer':
        this.applyAttendedTransfer(e as TransferEvent, at, touched);
        break;
      default:
        if (e.channel) this.update(e.channel, at, touched);
    }
    this.publish(touched, at);
  }

  /**
   * Replaces what is known with GET /channels: channels not listed have
   * ended; listed ones join (or come back to) their calls. A call that was
   * reported ended when Asterisk went away is reported again (STARTED) with
   * what was known of it; an answer time that was not known is the time of
   * the rebuild.
   */
  rebuild(channels: readonly unknown[]): void {
    const at = this.now().toISOString();
    // Oldest first (Asterisk lists newest first): legs and extensions keep the order in which they came.
    const snapshots = channels
      .map((c) => readChannel(c, at))
      .filter((s): s is ChannelSnapshot => s !== null)
      .sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : sequenceOf(a.id) - sequenceOf(b.id)));
    const listed = new Set(snapshots.map((s) => s.id));
    const touched = new Set<CallRecord>();
    this.pending.clear();
    for (const record of this.records.values()) {
      for (const leg of liveLegs(record)) {
        if (listed.has(leg.channelId)) continue;
        this.endLeg(leg, null, ENDED_UNSEEN, at);
        touched.add(record);
      }
    }
    for (const snapshot of snapshots) {
      const known = this.channelCalls.get(snapshot.id);
      const leg = known?.legs.get(snapshot.id);
      if (leg?.ended) Object.assign(leg, { ended: false, endedAt: null, hangupCause: null, hangupCauseText: null, held: false, heldByApi: false });
      const record = this.recordFor(snapshot.linkedid ?? known?.id ?? snapshot.id, touched);
      const current = leg ?? this.newLeg(snapshot);
      if (known && known !== record) this.moveLeg(current, known, record, at, touched);
      else if (!record.legs.has(current.channelId)) this.attach(current, record);
      this.refresh(current, record, snapshot, at, touched);
    }
    this.publish(touched, at);
  }

  /** Asterisk is gone (or this instance let go of it): every call in progress is reported ended, saying so. */
  asteriskGone(): void {
    const at = this.now().toISOString();
    const touched = new Set<CallRecord>();
    this.pending.clear();
    for (const record of this.records.values()) {
      for (const leg of liveLegs(record)) {
        this.endLeg(leg, null, ASTERISK_GONE, at);
        touched.add(record);
      }
    }
    this.publish(touched, at);
  }

  /** The configuration's numbers changed: live legs are classified again (a trunk created meanwhile). */
  reclassify(): void {
    const at = this.now().toISOString();
    const touched = new Set<CallRecord>();
    const numbers = this.options.numbers();
    for (const record of this.records.values()) {
      for (const leg of liveLegs(record)) {
        const endpoint = endpointOf(leg.channelName, numbers, leg.trunkVariable);
        if (endpoint.kind === leg.endpoint.kind && endpoint.name === leg.endpoint.name) continue;
        leg.endpoint = endpoint;
        this.notePlaces(record, leg);
        touched.add(record);
      }
    }
    this.publish(touched, at);
  }

  /** Forgets calls that ended `lingerMs` ago or more; returns the milliseconds until the next one is due (null: none ended). */
  prune(): number | null {
    const now = this.now().getTime();
    const linger = this.options.lingerMs ?? 60_000;
    let next: number | null = null;
    for (const [id, record] of this.records) {
      if (record.endedAtMs === null) continue;
      const due = record.endedAtMs + linger - now;
      if (due > 0) {
        next = next === null ? due : Math.min(next, due);
        continue;
      }
      this.records.delete(id);
      for (const channelId of record.legs.keys()) if (this.channelCalls.get(channelId) === record) this.channelCalls.delete(channelId);
    }
    return next;
  }

  /** Calls known, ended ones included (for tests and metrics). */
  size(): number {
    return this.records.size;
  }

  // ------------------------------------------------------------------ events

  private applyDial(e: Record<string, unknown>, at: string, touched: Set<CallRecord>): void {
    const caller = e.caller ? this.update(e.caller, at, touched) : null;
    const peerSnapshot = readChannel(e.peer, at);
    if (!peerSnapshot) return;
    const waiting = this.pending.get(peerSnapshot.id);
    if (waiting) {
      this.pending.delete(peerSnapshot.id);
      const record = caller ? this.channelCalls.get(caller.channelId)! : this.recordFor(peerSnapshot.linkedid ?? peerSnapshot.id, touched);
      this.attach(waiting, record);
    }
    const peer = this.update(e.peer, at, touched);
    if (!peer) return;
    const dialstring = typeof e.dialstring === 'string' ? e.dialstring : '';
    if (dialstring && peer.dialledNumber === null) peer.dialledNumber = dialledNumber(dialstring);
    if (!e.caller && !peer.originated) peer.originated = true;
    if (e.forwarded) this.update(e.forwarded, at, touched);
  }

  private applyDestroyed(e: Record<string, unknown>, at: string, touched: Set<CallRecord>): void {
    const snapshot = readChannel(e.channel, at);
    if (!snapshot) return;
    // A dialled channel that ends before its Dial event never rang anyone: nothing to report.
    if (this.pending.delete(snapshot.id)) return;
    const leg = this.update(e.channel, at, touched);
    if (!leg || leg.ended) return;
    const cause = typeof e.cause === 'number' ? e.cause : null;
    this.endLeg(leg, cause, typeof e.cause_txt === 'string' ? e.cause_txt : null, at);
    touched.add(this.channelCalls.get(leg.channelId)!);
  }

  private applyVarset(e: Record<string, unknown>, at: string, touched: Set<CallRecord>): void {
    if (!e.channel) return;
    const leg = this.update(e.channel, at, touched);
    if (!leg) return;
    // Set(__PBX_TRUNK=…) is reported with its inheritance underscores.
    const name = String(e.variable ?? '').replace(/^__?/, '');
    const value = String(e.value ?? '');
    if (name === inboundVariables.trunk && value && value !== leg.trunkVariable) leg.trunkVariable = value;
    else if (name === inboundVariables.did && value && value !== leg.didVariable) leg.didVariable = value;
    else return;
    const record = this.channelCalls.get(leg.channelId);
    if (record) {
      leg.endpoint = endpointOf(leg.channelName, this.options.numbers(), leg.trunkVariable);
      touched.add(record);
    }
  }

  private applyBlindTransfer(e: TransferEvent, at: string, touched: Set<CallRecord>): void {
    const transferer = e.channel ? this.update(e.channel, at, touched) : null;
    const transferee = e.transferee ? this.update(e.transferee, at, touched) : null;
    if (e.result !== 'Success') return;
    const record = this.channelCalls.get((transferee ?? transferer)?.channelId ?? '');
    if (!record) return;
    record.transferred = true;
    record.transferPending = true;
    record.pendingKinds.add('TRANSFERRED');
    touched.add(record);
  }

  /**
   * The transferee and the target end up together: both continue in the
   * older of their calls (the one whose linkedid Asterisk gives the bridge),
   * which is reported TRANSFERRED; the consultation call ends with its last leg.
   */
  private applyAttendedTransfer(e: TransferEvent, at: string, touched: Set<CallRecord>): void {
    const legs = [e.transferer_first_leg, e.transferer_second_leg, e.transferee, e.transfer_target].map((c) => (c ? this.update(c, at, touched) : null));
    if (e.result !== 'Success') return;
    const [first, , transferee, target] = legs;
    const calls = [transferee, target, first].map((leg) => (leg ? this.channelCalls.get(leg.channelId) : undefined)).filter((r): r is CallRecord => !!r);
    const survivor = calls.reduce<CallRecord | null>((oldest, record) => (!oldest || olderThan(record, oldest) ? record : oldest), null);
    if (!survivor) return;
    for (const leg of [transferee, target]) {
      const from = leg ? this.channelCalls.get(leg.channelId) : undefined;
      if (!leg || !from || from === survivor || leg.ended) continue;
      this.moveLeg(leg, from, survivor, at, touched);
      leg.staleLinkedid = from.id;
    }
    survivor.transferred = true;
    survivor.transferPending = !!target && !target.ended && target.channelState !== 'Up';
    survivor.pendingKinds.add('TRANSFERRED');
    touched.add(survivor);
  }

  // ------------------------------------------------------------------ legs

  /** Applies a channel snapshot: the leg is created, updated, or moved to the call of its linkedid. Null for a pending or ended leg. */
  private update(raw: unknown, at: string, touched: Set<CallRecord>): Leg | null {
    const snapshot = readChannel(raw, at);
    if (!snapshot) return null;
    const waiting = this.pending.get(snapshot.id);
    if (waiting) {
      // Out of Down without a Dial event telling whose it is: a call of its own.
      if (snapshot.state === 'Down' && !snapshot.linkedid) {
        this.copySnapshot(waiting, snapshot);
        return null;
      }
      this.pending.delete(snapshot.id);
      const record = this.recordFor(snapshot.linkedid ?? snapshot.id, touched);
      this.attach(waiting, record);
      this.refresh(waiting, record, snapshot, at, touched);
      return waiting;
    }
    const record = this.channelCalls.get(snapshot.id);
    const leg = record?.legs.get(snapshot.id);
    if (record && leg) {
      if (leg.ended) return leg;
      if (snapshot.linkedid && snapshot.linkedid !== record.id && snapshot.linkedid !== leg.staleLinkedid) {
        const target = this.recordFor(snapshot.linkedid, touched);
        this.moveLeg(leg, record, target, at, touched);
        this.refresh(leg, target, snapshot, at, touched);
      } else {
        this.refresh(leg, record, snapshot, at, touched);
      }
      return leg;
    }
    const fresh = this.newLeg(snapshot);
    if (!snapshot.linkedid && snapshot.state === 'Down') {
      this.pending.set(snapshot.id, fresh);
      return null;
    }
    const target = this.recordFor(snapshot.linkedid ?? snapshot.id, touched);
    this.attach(fresh, target);
    this.refresh(fresh, target, snapshot, at, touched);
    return fresh;
  }

  private newLeg(snapshot: ChannelSnapshot): Leg {
    const leg: Leg = {
      channelId: snapshot.id,
      channelName: snapshot.name,
      endpoint: { kind: 'OTHER', name: '' },
      // Set by the first refresh, which then sees the answer of a channel that is up already.
      channelState: '',
      held: false,
      heldByApi: false,
      ended: false,
      callerNumber: '',
      callerName: '',
      connectedNumber: '',
      connectedName: '',
      context: '',
      exten: '',
      startedAt: snapshot.createdAt,
      answeredAt: null,
      endedAt: null,
      hangupCause: null,
      hangupCauseText: null,
      dialledNumber: null,
      originated: false,
      trunkVariable: '',
      didVariable: '',
      linkedid: null,
      order: ++this.order,
      endOrder: 0,
      staleLinkedid: null,
    };
    this.copySnapshot(leg, snapshot);
    return leg;
  }

  private copySnapshot(leg: Leg, s: ChannelSnapshot): void {
    leg.channelName = s.name || leg.channelName;
    leg.callerNumber = s.callerNumber;
    leg.callerName = s.callerName;
    leg.connectedNumber = s.connectedNumber;
    leg.connectedName = s.connectedName;
    leg.context = s.context;
    leg.exten = s.exten;
    leg.linkedid = s.linkedid ?? leg.linkedid;
    // A snapshot may predate a Set(): a value once set is kept over an empty one.
    if (s.trunk) leg.trunkVariable = s.trunk;
    if (s.did) leg.didVariable = s.did;
  }

  /** Takes the snapshot's facts into the leg and notes what the call passed through. */
  private refresh(leg: Leg, record: CallRecord, snapshot: ChannelSnapshot, at: string, touched: Set<CallRecord>): void {
    const wasUp = leg.channelState === 'Up';
    this.copySnapshot(leg, snapshot);
    if (snapshot.state) leg.channelState = snapshot.state;
    if (leg.channelState === 'Up' && !wasUp) {
      leg.answeredAt ??= at;
      // The target of a transfer answered: the call is a conversation again.
      record.transferPending = false;
    }
    leg.endpoint = endpointOf(leg.channelName, this.options.numbers(), leg.trunkVariable);
    this.notePlaces(record, leg);
    touched.add(record);
  }

  /** Extensions, departments and queues the call passed through, and the number it was dialled to. */
  private notePlaces(record: CallRecord, leg: Leg): void {
    const numbers = this.options.numbers();
    if (leg.endpoint.kind === 'EXTENSION') addOnce(record.extensions, leg.endpoint.name);
    if (leg.exten && numbers.extensions.has(leg.exten)) addOnce(record.extensions, leg.exten);
    const department = numbers.departments.has(leg.exten) ? leg.exten : numbers.departmentContexts.get(leg.context);
    if (department) addOnce(record.departments, department);
    const queue = numbers.queues.has(leg.exten) ? leg.exten : numbers.queueContexts.get(leg.context);
    if (queue) addOnce(record.queues, queue);
    if (!record.dialled && leg.exten && leg.exten !== 's' && originatorOf(record) === leg) record.dialled = leg.exten;
  }

  /** holdCall moved the extension's channel into the hold context: held until it enters a bridge again (unholdCall). */
  private noteApiHold(leg: Leg, inHoldContext: boolean): void {
    if (inHoldContext) {
      leg.held = true;
      leg.heldByApi = true;
    } else if (leg.heldByApi) {
      leg.held = false;
      leg.heldByApi = false;
    }
  }

  private endLeg(leg: Leg, cause: number | null, text: string | null, at: string): void {
    leg.ended = true;
    leg.held = false;
    leg.heldByApi = false;
    leg.endedAt = at;
    leg.hangupCause = cause;
    leg.hangupCauseText = text;
    leg.endOrder = ++this.order;
  }

  private attach(leg: Leg, record: CallRecord): void {
    record.legs.set(leg.channelId, leg);
    if (!record.startedAt || leg.startedAt < record.startedAt) record.startedAt = leg.startedAt;
    record.mergedInto = null;
    this.channelCalls.set(leg.channelId, record);
  }

  private moveLeg(leg: Leg, from: CallRecord, to: CallRecord, at: string, touched: Set<CallRecord>): void {
    from.legs.delete(leg.channelId);
    this.attach(leg, to);
    this.notePlaces(to, leg);
    // A call whose last live leg moved on continues in the other one.
    if (!liveLegs(from).length) from.mergedInto = { id: to.id, at };
    touched.add(from);
    touched.add(to);
  }

  private recordFor(id: string, touched: Set<CallRecord>): CallRecord {
    let record = this.records.get(id);
    if (!record) {
      record = newCallRecord(id);
      this.records.set(id, record);
    }
    touched.add(record);
    return record;
  }

  // ------------------------------------------------------------------ publishing

  private publish(touched: Set<CallRecord>, at: string): void {
    const numbers = this.options.numbers();
    for (const record of touched) {
      if (!record.legs.size && !record.published) {
        // Never published and nothing in it (a pending leg's call): not a call.
        this.records.delete(record.id);
        continue;
      }
      const state = callState(record);
      if (state === 'ENDED') record.transferPending = false;
      if ((state === 'ANSWERED' || state === 'ON_HOLD') && !record.answeredAt) record.answeredAt = latestAnswer(record);
      const derived = deriveCall(record, numbers);
      const key = JSON.stringify(derived);
      if (key === record.publishedKey && !record.pendingKinds.size) continue;
      const kinds = kindsOf(record.published, derived, record.pendingKinds);
      record.pendingKinds.clear();
      record.publishedKey = key;
      record.endedAtMs = derived.state === 'ENDED' ? this.now().getTime() : null;
      for (const kind of kinds) {
        record.version += 1;
        const call: Call = { ...derived, version: record.version };
        record.published = call;
        this.options.publish({ kind, call, at });
      }
    }
  }
}

/** The sequence in a uniqueid (`<epoch>.<sequence>`); 0 for an id given to an originate. */
function sequenceOf(id: string): number {
  const n = Number(id.slice(id.lastIndexOf('.') + 1));
  return Number.isFinite(n) ? n : 0;
}

function addOnce(list: string[], value: string): void {
  if (!list.includes(value)) list.push(value);
}

/** Asterisk keeps the linkedid of the channel created first. */
function olderThan(a: CallRecord, b: CallRecord): boolean {
  const x = originatorOf(a);
  const y = originatorOf(b);
  if (!x || !y) return !!x;
  return x.startedAt < y.startedAt || (x.startedAt === y.startedAt && x.order < y.order);
}

function latestAnswer(record: CallRecord): string | null {
  let latest: string | null = null;
  for (const leg of liveLegs(record)) if (leg.answeredAt && (!latest || leg.answeredAt > latest)) latest = leg.answeredAt;
  return latest;
}

/** What a change is, for those who act on kinds (webhooks, screen-pops): the state it reached and what happened to the legs. */
function kindsOf(before: Call | null, after: Omit<Call, 'version'>, pending: ReadonlySet<'TRANSFERRED'>): CallEventKind[] {
  const kinds: CallEventKind[] = [];
  if (!before || before.state === 'ENDED') kinds.push('STARTED');
  if (after.state === 'ENDED') return [...kinds, 'ENDED'];
  if (pending.has('TRANSFERRED')) kinds.push('TRANSFERRED');
  const was = new Map((before?.legs ?? []).map((leg) => [leg.channelId, leg.state]));
  if (after.legs.some((leg) => leg.state === 'RINGING' && was.get(leg.channelId) !== 'RINGING')) kinds.push('RINGING');
  if (after.state === 'ANSWERED' && before && before.state !== 'ANSWERED' && before.state !== 'ON_HOLD' && before.state !== 'ENDED') kinds.push('ANSWERED');
  if (after.legs.some((leg) => leg.state === 'ON_HOLD' && was.get(leg.channelId) !== 'ON_HOLD')) kinds.push('HELD');
  if (after.legs.some((leg) => leg.state === 'ANSWERED' && was.get(leg.channelId) === 'ON_HOLD')) kinds.push('UNHELD');
  if (!kinds.length) kinds.push('UPDATED');
  return kinds;
}
