/**
 * ARI events for call scenarios the recordings do not have (trunks,
 * departments, hold, transfers), in the shapes of events.json and of the
 * recorded events: each channel snapshot as Asterisk 22 writes it, with the
 * channelvars our ari.conf names. Times grow by 1 ms per event.
 */
type ChannelJson = {
  id: string;
  name: string;
  state: string;
  protocol_id: string;
  caller: { name: string; number: string };
  connected: { name: string; number: string };
  accountcode: string;
  dialplan: { context: string; exten: string; priority: number; app_name: string; app_data: string };
  creationtime: string;
  language: string;
  channelvars: Record<string, string>;
};

export type ChannelOptions = {
  state?: string;
  callerNumber?: string;
  callerName?: string;
  context?: string;
  exten?: string;
  /** The linkedid (default: the channel's own id); `null`: the snapshot carries no channelvars */
  linkedid?: string | null;
  vars?: Record<string, string>;
};

export class ChannelScript {
  readonly events: Record<string, unknown>[] = [];
  private readonly channels = new Map<string, ChannelJson>();
  private readonly noVars = new Set<string>();
  private ms: number;

  constructor(start = '2026-11-26T08:00:00.000Z') {
    this.ms = Date.parse(start);
  }

  /** The next event's time, as ARI writes it. */
  private stamp(): string {
    this.ms += 1;
    return new Date(this.ms).toISOString().replace('Z', '+0000');
  }

  /** The time of the last event, as the tracker reports it. */
  lastTime(): string {
    return new Date(this.ms).toISOString();
  }

  snapshot(id: string): Record<string, unknown> {
    const c = this.channels.get(id);
    if (!c) throw new Error(`no channel ${id}`);
    const copy = structuredClone(c) as Partial<ChannelJson>;
    if (this.noVars.has(id)) delete copy.channelvars;
    return copy;
  }

  private push(type: string, body: Record<string, unknown>, leading: Record<string, unknown> = {}): this {
    this.events.push({ ...leading, type, timestamp: this.stamp(), ...body, asterisk_id: '02:00:00:00:a5:01', application: 'pbx' });
    return this;
  }

  create(id: string, name: string, options: ChannelOptions = {}): this {
    const [tech, rest] = name.split('/');
    const resource = (rest ?? '').replace(/-[0-9a-f]+(;\d)?$/, '');
    this.channels.set(id, {
      id,
      name,
      state: options.state ?? 'Ring',
      protocol_id: '',
      caller: { name: options.callerName ?? '', number: options.callerNumber ?? (tech === 'PJSIP' ? resource : '') },
      connected: { name: '', number: '' },
      accountcode: '',
      dialplan: { context: options.context ?? 'pbx-dp-default', exten: options.exten ?? 's', priority: 1, app_name: '', app_data: '' },
      creationtime: new Date(this.ms + 1).toISOString().replace('Z', '+0000'),
      language: 'en',
      channelvars: { PBX_TRUNK: '', PBX_DID: '', 'CHANNEL(linkedid)': options.linkedid ?? id, ...options.vars },
    });
    if (options.linkedid === null) this.noVars.add(id);
    return this.push('ChannelCreated', { channel: this.snapshot(id) });
  }

  private change(id: string, mutate: (c: ChannelJson) => void): ChannelJson {
    const c = this.channels.get(id);
    if (!c) throw new Error(`no channel ${id}`);
    mutate(c);
    return c;
  }

  state(id: string, state: string): this {
    this.change(id, (c) => (c.state = state));
    return this.push('ChannelStateChange', { channel: this.snapshot(id) });
  }

  dialplan(id: string, context: string, exten: string, app = 'NoOp', data = ''): this {
    this.change(id, (c) => (c.dialplan = { ...c.dialplan, context, exten, app_name: app, app_data: data }));
    return this.push('ChannelDialplan', { dialplan_app: app, dialplan_app_data: data, channel: this.snapshot(id) });
  }

  /** Set(name=value) as the dialplan writes it (inheritable variables keep their underscores in the event). */
  varset(id: string, variable: string, value: string): this {
    const plain = variable.replace(/^__?/, '');
    this.change(id, (c) => {
      if (plain in c.channelvars) c.channelvars[plain] = value;
    });
    return this.push('ChannelVarset', { channel: this.snapshot(id) }, { variable, value });
  }

  connected(id: string, number: string, name: string): this {
    this.change(id, (c) => (c.connected = { number, name }));
    return this.push('ChannelConnectedLine', { channel: this.snapshot(id) });
  }

  callerId(id: string, number: string, name: string): this {
    this.change(id, (c) => (c.caller = { number, name }));
    return this.push('ChannelCallerId', { caller_presentation: 0, caller_presentation_txt: 'Presentation Allowed, Not Screened', channel: this.snapshot(id) });
  }

  dial(callerId: string | null, peerId: string, dialstatus: string, dialstring = ''): this {
    return this.push('Dial', { dialstatus, forward: '', dialstring, ...(callerId ? { caller: this.snapshot(callerId) } : {}), peer: this.snapshot(peerId) });
  }

  hold(id: string): this {
    return this.push('ChannelHold', { channel: this.snapshot(id) });
  }

  unhold(id: string): this {
    return this.push('ChannelUnhold', { channel: this.snapshot(id) });
  }

  /** Asterisk gives the channel another linkedid (as bridging does); the next snapshots carry it. */
  relink(id: string, linkedid: string): this {
    this.change(id, (c) => (c.channelvars['CHANNEL(linkedid)'] = linkedid));
    return this;
  }

  enteredBridge(id: string, bridgeId: string): this {
    return this.push('ChannelEnteredBridge', {
      bridge: { id: bridgeId, technology: 'simple_bridge', bridge_type: 'mixing', bridge_class: 'basic', creator: '', name: '', channels: [id], creationtime: this.stamp(), video_mode: 'none' },
      channel: this.snapshot(id),
    });
  }

  destroy(id: string, cause: number, causeText: string): this {
    this.push('ChannelDestroyed', { cause, cause_txt: causeText, channel: this.snapshot(id) });
    this.channels.delete(id);
    return this;
  }

  blindTransfer(transfererId: string, transfereeId: string, exten: string, result = 'Success'): this {
    return this.push('BridgeBlindTransfer', { channel: this.snapshot(transfererId), transferee: this.snapshot(transfereeId), exten, context: 'pbx-dp-default', result, is_external: true });
  }

  attendedTransfer(legs: { first: string; second: string; transferee: string; target: string }, result = 'Success'): this {
    return this.push('BridgeAttendedTransfer', {
      transferer_first_leg: this.snapshot(legs.first),
      transferer_second_leg: this.snapshot(legs.second),
      transferee: this.snapshot(legs.transferee),
      transfer_target: this.snapshot(legs.target),
      destination_type: 'bridge',
      destination_bridge: 'bridge-1',
      result,
      is_external: true,
    });
  }

  /** GET /channels now. */
  listing(): Record<string, unknown>[] {
    return [...this.channels.keys()].map((id) => this.snapshot(id));
  }

  /** The events since `from`, for applying in steps. */
  since(from: number): Record<string, unknown>[] {
    return this.events.slice(from);
  }
}
