import os from 'node:os';
import { deviceStateChanged, globalVarset, peerStatusChange } from './ari-events.js';
import { ariTimestamp } from './ari-time.js';
import { ApplicationRegistry } from './applications.js';
import type { Call, CallHandle } from './call-model.js';
import { answerCallee, answerOriginated, originateCall, placeCall, placeInboundCall, type OriginateRequest } from './call-setup.js';
import { hangupCall, rejectBusy } from './call-teardown.js';
import { holdCall } from './call-hold.js';
import { DynamicConfig, type ConfigChange } from './dynamic-config.js';
import { initialDeviceStates, isDeviceState, mailboxId, publishMailboxDeviceState } from './device-states.js';
import { answerInbound, arriveFromTrunk, endInbound, type InboundCallOptions } from './inbound-call.js';
import type { FlowContext } from './flow-context.js';
import { PbxState, type ContactRecord, type EndpointConfig } from './pbx-state.js';
import { applyField, callerName, newPjsipObject, type PjsipObject } from './pjsip-object.js';
import type { PjsipObjectType } from './pjsip-object-fields.js';
import { qualifyContact, registerContact, unregisterContact, type RegisterOptions } from './registration-flow.js';
import type { ChannelJson } from './snapshots.js';
import { answerStasis, enterStasis, hangupStasis, phoneHangsUpStasis, type StasisCall } from './stasis-flow.js';
import type { AriEvent, LiveRecordingJson, PlaybackJson } from './ari-events.js';
import { dtmfOnStasis, endRecording, playOnStasis, recordOnStasis, stopPlayback, type RecordRequest } from './stasis-media.js';
import { answerStasisOriginate, hangupRingingStasisOriginate, originateIntoStasis, rejectStasisOriginate, ringTimesOut, type StasisOriginateRequest } from './stasis-originate.js';
import { StoredRecordings } from './stored-recordings.js';

export interface ResolvedOptions {
  username: string;
  password: string;
  asteriskId: string;
  version: string;
  sipDomain: string;
  dialplanContext: string;
  /** Other contexts that dial endpoints as `dialplanContext` does. */
  dialplanContexts: readonly string[];
  /** Contexts whose extensions run one application, by context. */
  applicationContexts: Readonly<Record<string, string>>;
  /** ari.conf `channelvars`. */
  channelvars: readonly string[];
  endpoints: readonly EndpointConfig[];
  queues: Readonly<Record<string, readonly string[]>>;
  /** Mailboxes (`100@default`) whose `MWI:` device exists from the start. */
  mailboxes: readonly string[];
  /** extensions.conf [globals], set again (one ChannelVarset each) on every pbx_config reload. */
  globals: Readonly<Record<string, string>>;
  /** When set, reloading any other module answers 404 like an unloaded module. */
  loadedModules: ReadonlySet<string> | undefined;
  reloadDurationMs: number;
  /** How long each media URI of a playback lasts. */
  playbackMs: number;
  bootPhases: { notLoadedMs: number; notBootedMs: number } | undefined;
}

export interface ReloadAttempt {
  module: string;
  status: number;
}

export type ReloadFailureStatus = 404 | 409;

export type ReloadOutcome = { status: 204 } | { status: ReloadFailureStatus; message: string };

const BUILD_DATE = new Date()
  .toISOString()
  .replace('T', ' ')
  .replace(/\.\d+Z$/, ' UTC');

/**
 * The simulated Asterisk: PBX state, Stasis applications and the scenario
 * flows, shared by the control API and the REST handlers. `reset` is what a
 * restart does to it.
 */
export class StandinRuntime {
  state!: PbxState;
  flow!: FlowContext;
  startupTime = '';
  lastReloadTime = '';
  readonly applications: ApplicationRegistry;
  readonly reloads: string[] = [];
  readonly reloadAttempts: ReloadAttempt[] = [];
  /** `<astspooldir>/recording`: files, so they survive restarts. */
  readonly storedRecordings = new StoredRecordings();
  /** Objects pushed through ARI's dynamic configuration, kept in astdb: they survive restarts. */
  readonly dynamicConfig = new DynamicConfig({
    fileObject: (type, id) => this.fileObject(type, id),
    changed: (change) => this.applyConfigChange(change),
  });
  /** Contacts of deleted pushed endpoints: they stay on their AOR (in astdb) until they expire. */
  private readonly lingeringContacts = new Map<string, ContactRecord[]>();
  private readonly configuredEndpoints: EndpointConfig[];
  private readonly calls = new Map<string, Call>();
  /** Originated calls into an application context (only their ringing is modelled). */
  private readonly applicationOriginates = new Set<string>();
  private readonly stasisCalls = new Map<string, StasisCall>();
  private readonly reloadFailures = new Map<string, ReloadFailureStatus>();
  private reloadChain: Promise<unknown> = Promise.resolve();
  private generation = 0;
  private globals: Record<string, string>;

  constructor(readonly options: ResolvedOptions) {
    this.applications = new ApplicationRegistry(options.asteriskId);
    this.configuredEndpoints = [...options.endpoints];
    this.globals = { ...options.globals };
    this.reset({ keepContacts: false });
  }

  /**
   * What a restart does: calls, bridges, Stasis devices and applications are
   * gone. With `keepContacts` (Asterisk's default: PJSIP keeps contacts in
   * astdb) registered contacts come back NonQualified, their endpoints online,
   * until `qualify`. Mailboxes keep their messages. No event is sent for any
   * of it: Asterisk publishes these states while booting, before an ARI
   * client can connect, so the listings alone carry them.
   *
   * Pushed endpoints come back from astdb (offline, or with their kept
   * contacts), except those Asterisk cannot read back. `wipeAstdb` is a
   * restart with an empty astdb: no pushed objects, no contacts, no custom
   * device states.
   */
  reset({ keepContacts, wipeAstdb = false }: { keepContacts: boolean; wipeAstdb?: boolean }): void {
    const previous = this.generation === 0 ? undefined : this.state;
    if (wipeAstdb) {
      this.dynamicConfig.wipe();
      this.lingeringContacts.clear();
    }
    const keepAstdb = keepContacts && !wipeAstdb;
    this.generation++;
    this.applications.clear();
    this.calls.clear();
    for (const call of this.stasisCalls.values()) call.dispose();
    this.stasisCalls.clear();
    this.state = new PbxState({
      endpoints: this.configuredEndpoints,
      queues: this.options.queues,
      dialplanContext: this.options.dialplanContext,
      channelvars: this.options.channelvars,
    });
    // res_pjsip loads every endpoint at start; one it cannot read is skipped.
    for (const id of this.dynamicConfig.ids('endpoint')) {
      const object = this.dynamicConfig.readable('endpoint', id);
      if (object) this.state.addEndpoint(this.dynamicEndpointConfig(id, object));
    }
    for (const mailbox of this.options.mailboxes) this.state.mailboxes.set(mailboxId(mailbox), 0);
    if (previous) {
      for (const [mailbox, waiting] of previous.mailboxes) this.state.mailboxes.set(mailbox, waiting);
      // func_devstate keeps custom device states in astdb (CustomDevstate) and restores them at load.
      if (!wipeAstdb) for (const [name, value] of previous.customDevices) this.state.customDevices.set(name, value);
      for (const [resource, before] of previous.endpoints) {
        const endpoint = this.state.endpoints.get(resource);
        if (!endpoint) continue;
        endpoint.autoAnswer = before.autoAnswer;
        if (keepAstdb) {
          endpoint.contacts = before.contacts.map((contact) => ({ ...contact, status: 'NonQualified' as const }));
        }
      }
    }
    if (!keepAstdb) this.lingeringContacts.clear();
    for (const [resource, contacts] of this.lingeringContacts) {
      this.lingeringContacts.set(
        resource,
        contacts.map((contact) => ({ ...contact, status: 'NonQualified' as const })),
      );
    }
    initialDeviceStates(this.state);
    for (const [name, value] of this.state.customDevices) this.state.publishedDeviceStates.set(name, value);
    this.flow = {
      state: this.state,
      emit: (event) => this.applications.publish(event),
      sipDomain: this.options.sipDomain,
    };
    this.startupTime = this.lastReloadTime = ariTimestamp();
  }

  addEndpoint(resource: string, callerName = ''): void {
    // The same id in the file and in astdb crashed Asterisk: an id lives in one wizard only.
    if (this.dynamicConfig.has('endpoint', resource)) throw new Error(`ARI stand-in: endpoint ${resource} was pushed through ARI; it cannot also be in the configuration file`);
    if (!this.configuredEndpoints.some((endpoint) => endpoint.resource === resource)) {
      this.configuredEndpoints.push({ resource, callerName });
    }
    this.state.addEndpoint({ resource, callerName });
  }

  register(resource: string, options: RegisterOptions): void {
    if (this.dynamicConfig.has('endpoint', resource) && !this.dynamicConfig.readable('endpoint', resource)) {
      throw new Error(`ARI stand-in: endpoint ${resource} was pushed without codecs (allow); Asterisk cannot read it back, so its REGISTER is refused`);
    }
    registerContact(this.flow, resource, options);
  }

  unregister(resource: string, uri?: string): void {
    unregisterContact(this.flow, resource, uri);
  }

  /** The next qualify round: NonQualified contacts (of `resource`, or all) answer and become Reachable. */
  qualify(resource?: string): void {
    const resources = resource === undefined ? [...this.state.endpoints.keys()] : [resource];
    for (const name of resources) {
      for (const contact of this.state.requireEndpoint(name).contacts) qualifyContact(this.flow, name, contact);
    }
  }

  /** A configured endpoint as GET /asterisk/config/dynamic shows it: the stand-in knows only its caller name, the rest shows defaults. */
  private fileObject(type: PjsipObjectType, id: string): PjsipObject | undefined {
    const configured = type === 'endpoint' ? this.configuredEndpoints.find((endpoint) => endpoint.resource === id) : undefined;
    if (!configured) return undefined;
    const object = newPjsipObject('endpoint');
    if (configured.callerName) applyField(object, 'callerid', configured.callerName);
    return object;
  }

  private dynamicEndpointConfig(id: string, object: PjsipObject): EndpointConfig {
    const aor = this.dynamicConfig.readable('aor', id);
    const maxContacts = Number(aor?.values.get('max_contacts') ?? '0');
    return { resource: id, callerName: callerName(object), maxContacts: maxContacts > 0 ? maxContacts : undefined };
  }

  /**
   * A pushed endpoint is an endpoint of the PBX (offline until a phone
   * registers; no event announces it); deleted, it leaves the listings without
   * an event, even while registered: its contact stays on the AOR until it
   * expires, and comes back with the endpoint if it is pushed again (two
   * PeerStatusChange Reachable, as seen on Asterisk 22.10.1). A pushed AOR
   * gives the endpoint of the same id its max_contacts.
   */
  private applyConfigChange(change: ConfigChange): void {
    if (change.type === 'aor') {
      const endpoint = this.dynamicConfig.has('endpoint', change.id) ? this.state.endpoints.get(change.id) : undefined;
      const aor = change.kind === 'saved' ? Number(change.object.values.get('max_contacts') ?? '0') : 0;
      if (endpoint) endpoint.maxContacts = aor > 0 ? aor : Number.POSITIVE_INFINITY;
      return;
    }
    if (change.type !== 'endpoint') return;
    if (change.kind === 'deleted') {
      const removed = this.state.removeEndpoint(change.id);
      if (removed && removed.contacts.length > 0) this.lingeringContacts.set(change.id, removed.contacts);
      return;
    }
    const existing = this.state.endpoints.get(change.id);
    if (existing) {
      existing.callerName = callerName(change.object);
      return;
    }
    const endpoint = this.state.addEndpoint(this.dynamicEndpointConfig(change.id, change.object));
    const contacts = this.lingeringContacts.get(change.id);
    if (!contacts) return;
    this.lingeringContacts.delete(change.id);
    endpoint.contacts = contacts;
    for (let i = 0; i < 2; i++) this.flow.emit(peerStatusChange(this.state.endpointJson(change.id), 'Reachable'));
  }

  /** Replaces extensions.conf's [globals]; takes effect (and is announced) at the next pbx_config reload. */
  setGlobals(globals: Readonly<Record<string, string>>): void {
    this.globals = { ...globals };
  }

  /** A message is left in `box` (`100` or `100@default`): its MWI device goes INUSE. */
  leaveVoicemail(box: string): void {
    const mailbox = mailboxId(box);
    this.state.mailboxes.set(mailbox, (this.state.mailboxes.get(mailbox) ?? 0) + 1);
    publishMailboxDeviceState(this.state, this.flow.emit, mailbox);
  }

  /** The messages in `box` are heard or deleted: its MWI device goes NOT_INUSE. */
  clearVoicemail(box: string): void {
    const mailbox = mailboxId(box);
    this.state.mailboxes.set(mailbox, 0);
    publishMailboxDeviceState(this.state, this.flow.emit, mailbox);
  }

  ring(from: string, to: string): CallHandle {
    return this.track(placeCall(this.flow, from, to));
  }

  busy(from: string, to: string): CallHandle {
    const call = this.track(placeCall(this.flow, from, to, { callerInUseBeforeRingTime: true }));
    if (call.phase === 'ringing') rejectBusy(this.flow, call);
    return call;
  }

  answer(handle: CallHandle): void {
    const call = this.requireCall(handle);
    if (this.applicationOriginates.has(call.id)) throw new Error(`ARI stand-in: answering a call into a dialplan application (${call.to}) is not modelled`);
    if (call.phase === 'originating') answerOriginated(this.flow, call);
    else if (call.phase === 'ringing') answerCallee(this.flow, call);
    else throw new Error(`ARI stand-in: call ${call.id} is ${call.phase}, nothing to answer`);
  }

  hangup(handle: CallHandle, by: 'caller' | 'callee'): void {
    hangupCall(this.flow, this.requireCall(handle), { leg: by, via: 'phone' });
  }

  /** A phone of an answered call puts it on hold (`held`) or takes it back. */
  hold(handle: CallHandle, by: 'caller' | 'callee', held: boolean): void {
    holdCall(this.flow, this.requireCall(handle), by, held);
  }

  callByChannel(channelId: string): CallHandle | undefined {
    return this.findLiveCall(channelId)?.call;
  }

  /** Emits `count` DeviceStateChanged events back to back, for `<prefix><i>` devices (default `Custom:burst-`). */
  burstDeviceStates(count: number, devicePrefix = 'Custom:burst-'): void {
    for (let index = 0; index < count; index++) {
      const name = `${devicePrefix}${index}`;
      const state = index % 2 === 0 ? 'INUSE' : 'NOT_INUSE';
      this.state.customDevices.set(name, state);
      this.flow.emit(deviceStateChanged(name, state));
    }
  }

  /**
   * DEVICE_STATE(Custom:<name>) written (by the dialplan's Set(), e.g. a phone
   * dialling *81, or POST /asterisk/variable): func_devstate stores it in
   * astdb; a name without `Custom:` is refused (a warning only), an unknown
   * value reads as UNKNOWN. Announced when the state changes.
   */
  writeCustomDeviceState(name: string, value: string): void {
    if (!name.startsWith('Custom:')) return;
    const state = isDeviceState(value) ? value : 'UNKNOWN';
    this.state.customDevices.set(name, state);
    if (this.state.publishedDeviceStates.get(name) === state) return;
    this.state.publishedDeviceStates.set(name, state);
    this.flow.emit(deviceStateChanged(name, state));
  }

  /** POST /asterisk/variable: pbx_builtin_setvar_helper(NULL, …): a name ending in `)` writes a function. */
  setGlobalVariable(variable: string, value: string): 'done' | 'not-modelled' {
    if (!variable.endsWith(')')) {
      this.flow.emit(globalVarset(variable, value));
      return 'done';
    }
    const device = /^DEVICE_STATE\((.*)\)$/.exec(variable)?.[1];
    if (device === undefined) return 'not-modelled';
    this.writeCustomDeviceState(device, value);
    return 'done';
  }

  /** A call from a provider arrives on the trunk's endpoint; returns its channel id. */
  inboundCall(options: InboundCallOptions): string {
    return arriveFromTrunk(this.flow, options).id;
  }

  /** A provider's call arrives on the trunk and rings extension `to`. */
  ringInbound(options: InboundCallOptions & { to: string }): CallHandle {
    return this.track(placeInboundCall(this.flow, arriveFromTrunk(this.flow, options), options.trunk, options.to));
  }

  answerInbound(channelId: string): void {
    answerInbound(this.flow, this.requireChannel(channelId));
  }

  hangupInbound(channelId: string): void {
    endInbound(this.flow, this.requireChannel(channelId));
  }

  private requireChannel(channelId: string) {
    const channel = this.state.channels.get(channelId);
    if (!channel) throw new Error(`ARI stand-in: no channel ${channelId}`);
    return channel;
  }

  originate(request: OriginateRequest): ChannelJson {
    const { call, response } = originateCall(this.flow, request);
    this.track(call);
    if (request.application) {
      this.applicationOriginates.add(call.id);
      return response;
    }
    if (this.state.requireEndpoint(request.endpoint).autoAnswer) {
      // The phone answers after Asterisk has replied to the POST, as in the recording.
      const generation = this.generation;
      setTimeout(() => {
        if (generation === this.generation && call.phase === 'originating') answerOriginated(this.flow, call);
      }, 5);
    }
    return response;
  }

  /** `from` dials `exten`, whose dialplan answers and runs Stasis(app, args...). */
  enterStasis(from: string, exten: string, app: string, args: readonly string[]): StasisCall {
    const call = enterStasis(this.flow, this.publishTo, from, exten, app, args);
    this.stasisCalls.set(call.channelId, call);
    return call;
  }

  /** The live channel `channelId` if it is in a Stasis application (undefined: no such channel; null: not in Stasis). */
  private stasisCall(channelId: string): StasisCall | null | undefined {
    if (!this.state.channels.has(channelId)) return undefined;
    const call = this.stasisCalls.get(channelId);
    return call && call.status === 'in-stasis' ? call : null;
  }

  /** POST /channels/{id}/answer: 404 without the channel, 409 when it is not in Stasis. */
  answerChannel(channelId: string): 204 | 404 | 409 {
    const call = this.stasisCall(channelId);
    if (call === undefined) return 404;
    if (call === null) return 409;
    answerStasis(this.flow, call);
    return 204;
  }

  /** POST /channels/{id}/play: 404 without the channel, 409 when it is not in Stasis. */
  playOnChannel(channelId: string, media: string, playbackId: string | undefined): PlaybackJson | 404 | 409 {
    const call = this.stasisCall(channelId);
    if (call === undefined) return 404;
    if (call === null) return 409;
    return playOnStasis(this.flow, call, media, playbackId, { playbackMs: this.options.playbackMs }, this.storedRecordings);
  }

  /** DELETE /playbacks/{id}: 404 when no playback of that id is queued or playing. */
  stopPlayback(playbackId: string): 204 | 404 {
    for (const call of this.stasisCalls.values()) {
      if (call.playbacks.has(playbackId)) return stopPlayback(this.flow, call, playbackId) ? 204 : 404;
    }
    return 404;
  }

  /**
   * POST /channels/{id}/record on a channel in Stasis: 404 without the
   * channel, 409 when it is not in Stasis or the recording exists (in
   * progress anywhere, or stored with ifExists=fail).
   */
  recordOnChannel(channelId: string, request: RecordRequest): LiveRecordingJson | 404 | 409 | 'exists' {
    const call = this.stasisCall(channelId);
    if (call === undefined) return 404;
    if (call === null) return 409;
    const inProgress = [...this.stasisCalls.values()].some((c) => c.recording?.json.name === request.name);
    if (inProgress || (request.ifExists === 'fail' && this.storedRecordings.has(request.name))) return 'exists';
    return recordOnStasis(this.flow, call, request, this.storedRecordings);
  }

  /** POST /channels into a Stasis application; the response is the channel as created. */
  originateIntoStasis(request: StasisOriginateRequest): ChannelJson {
    const { call, response } = originateIntoStasis(this.flow, request, (ringing) => {
      if (ringing.status === 'ringing' && this.stasisCalls.get(ringing.channelId) === ringing) ringTimesOut(this.flow, ringing);
    });
    this.stasisCalls.set(call.channelId, call);
    if (this.state.requireEndpoint(request.endpoint).autoAnswer) {
      // The phone answers after Asterisk has replied to the POST.
      setTimeout(() => {
        if (call.status === 'ringing' && this.stasisCalls.get(call.channelId) === call) this.answerStasisOriginate(call);
      }, 5);
    }
    return response;
  }

  /** The phone of a POST /channels call into Stasis answers. */
  answerStasisOriginate(call: StasisCall): void {
    if (call.status !== 'ringing') throw new Error(`ARI stand-in: ${call.channelId} is ${call.status}, not ringing`);
    answerStasisOriginate(this.flow, this.publishTo, call);
  }

  /** The phone of a POST /channels call into Stasis rejects it (486). */
  rejectStasisOriginate(call: StasisCall): void {
    if (call.status !== 'ringing') throw new Error(`ARI stand-in: ${call.channelId} is ${call.status}, not ringing`);
    rejectStasisOriginate(this.flow, call);
  }

  /** The phone hangs up a call in Stasis. */
  hangupStasisByPhone(call: StasisCall): void {
    if (call.status !== 'in-stasis') throw new Error(`ARI stand-in: ${call.channelId} is ${call.status}, not in Stasis`);
    phoneHangsUpStasis(this.flow, this.publishTo, call, (c) => endRecording(this.flow, c, this.storedRecordings));
  }

  /** The phone sends DTMF into a call in Stasis. */
  sendDtmf(call: StasisCall, digits: string): void {
    if (call.status !== 'in-stasis') throw new Error(`ARI stand-in: ${call.channelId} is ${call.status}, not in Stasis`);
    dtmfOnStasis(this.flow, call, digits, this.storedRecordings);
  }

  /** The live StasisCall behind a handle a test holds (not one from before a restart). */
  requireStasisCall(handle: { channelId: string }): StasisCall {
    const call = this.stasisCalls.get(handle.channelId);
    if (!call || call !== handle) throw new Error(`ARI stand-in: unknown Stasis call ${handle.channelId} (placed before a restart?)`);
    return call;
  }

  /** Every Stasis call since the last restart, oldest first. */
  stasisCallList(): StasisCall[] {
    return [...this.stasisCalls.values()];
  }

  private readonly publishTo = (name: string, event: AriEvent) => this.applications.publishTo(name, event);

  /** GET /playbacks/{id}: a playback still queued or playing. */
  playback(playbackId: string): PlaybackJson | undefined {
    for (const call of this.stasisCalls.values()) {
      const playback = call.playbacks.get(playbackId);
      if (playback) return { ...playback.json };
    }
    return undefined;
  }

  /** DELETE /channels/{id}; false when no such channel is up. */
  hangupChannel(channelId: string, cause: number): boolean {
    const stasis = this.stasisCalls.get(channelId);
    if (stasis?.status === 'ringing' && this.state.channels.has(channelId)) {
      hangupRingingStasisOriginate(this.flow, stasis, cause);
      return true;
    }
    if (stasis && stasis.status !== 'ended' && this.state.channels.has(channelId)) {
      hangupStasis(this.flow, this.publishTo, stasis, cause, (c) => endRecording(this.flow, c, this.storedRecordings));
      return true;
    }
    const found = this.findLiveCall(channelId);
    if (!found) return false;
    hangupCall(this.flow, found.call, { leg: found.leg, via: 'ari', cause });
    return true;
  }

  failReload(module: string, status: ReloadFailureStatus | null): void {
    if (status === null) this.reloadFailures.delete(moduleKey(module));
    else this.reloadFailures.set(moduleKey(module), status);
  }

  /** Reloads run one at a time: a second PUT waits for the first, as in Asterisk. */
  reloadModule(module: string): Promise<ReloadOutcome> {
    const outcome = this.reloadChain.then(() => this.performReload(module));
    this.reloadChain = outcome.catch(() => undefined);
    return outcome;
  }

  info(): Record<'build' | 'system' | 'config' | 'status', object> {
    return {
      build: {
        os: os.type(),
        kernel: os.release(),
        machine: os.machine(),
        options: 'OPTIONAL_API',
        date: BUILD_DATE,
        user: 'root',
      },
      system: { version: this.options.version, entity_id: this.options.asteriskId },
      config: { name: '', default_language: 'en', setid: { user: '', group: '' } },
      status: { startup_time: this.startupTime, last_reload_time: this.lastReloadTime },
    };
  }

  private async performReload(module: string): Promise<ReloadOutcome> {
    const key = moduleKey(module);
    let outcome: ReloadOutcome;
    if (this.options.loadedModules && !this.options.loadedModules.has(key)) {
      outcome = { status: 404, message: 'Module not found in running modules' };
    } else {
      if (this.options.reloadDurationMs > 0) {
        await new Promise((resolve) => setTimeout(resolve, this.options.reloadDurationMs));
      }
      const failure = this.reloadFailures.get(key);
      if (failure === 404) outcome = { status: 404, message: 'Module not found in running modules' };
      else if (failure === 409) outcome = { status: 409, message: 'An unknown error occurred while reloading the module' };
      else outcome = { status: 204 };
    }
    this.reloadAttempts.push({ module, status: outcome.status });
    if (outcome.status === 204) {
      if (key === 'pbx_config') {
        // pbx_config re-reads [globals]: pbx_builtin_setvar_helper(NULL, ...) for each, in file order.
        for (const [variable, value] of Object.entries(this.globals)) this.flow.emit(globalVarset(variable, value));
      }
      this.reloads.push(module);
      this.lastReloadTime = ariTimestamp();
    }
    return outcome;
  }

  private track(call: Call): Call {
    this.calls.set(call.id, call);
    return call;
  }

  private requireCall(handle: CallHandle): Call {
    const call = this.calls.get(handle.id);
    if (!call || call !== handle) throw new Error(`ARI stand-in: unknown call ${handle.id} (placed before a restart?)`);
    return call;
  }

  private findLiveCall(channelId: string): { call: Call; leg: 'caller' | 'callee' } | undefined {
    if (!this.state.channels.has(channelId)) return undefined;
    for (const call of this.calls.values()) {
      if (call.phase === 'ended') continue;
      if (call.caller.id === channelId) return { call, leg: 'caller' };
      if (call.callee?.id === channelId) return { call, leg: 'callee' };
    }
    return undefined;
  }
}

/** Asterisk matches module names with or without the `.so` suffix. */
function moduleKey(module: string): string {
  return module.replace(/\.so$/, '');
}
