import type { ConnectionInfo } from './applications.js';
import type { CallHandle } from './call-model.js';
import { CONFIG_CLASS, type ConfigRequest, type DynamicObjectView, type PushFailure } from './dynamic-config.js';
import { AriHttpServer, type BootPhase } from './http-server.js';
import type { InboundCallOptions } from './inbound-call.js';
import type { RegisterOptions } from './registration-flow.js';
import type { StasisCallHandle } from './stasis-flow.js';
import { StandinRuntime, type ReloadAttempt, type ReloadFailureStatus, type ResolvedOptions } from './runtime.js';

export type { BootPhase, CallHandle, ConfigRequest, ConnectionInfo, DynamicObjectView, InboundCallOptions, PushFailure, RegisterOptions, ReloadAttempt, ReloadFailureStatus, StasisCallHandle };

export interface AriStandinOptions {
  username: string;
  password: string;
  /** Entity id reported as `asterisk_id`; defaults to the recordings' `02:00:00:00:a5:01`. */
  asteriskId?: string;
  /** Answer 404, then 503, then 200 after (re)start, like a booting Asterisk. */
  bootPhases?: boolean | { notLoadedMs?: number; notBootedMs?: number };
  /** PJSIP endpoints configured at start (and after every restart), offline until registered. */
  /**
   * PJSIP endpoints configured at start, offline until registered. `maxContacts`
   * is the AOR's max_contacts (default: no limit); beyond it a REGISTER removes
   * the oldest contact.
   */
  endpoints?: readonly (string | { resource: string; callerName?: string; maxContacts?: number })[];
  /** app_queue queues and their members; each gets a `Queue:<name>_avail` device. */
  queues?: Readonly<Record<string, readonly string[]>>;
  /** Voicemail boxes (`100` or `100@default`) whose `MWI:` device exists (NOT_INUSE) from the start. */
  mailboxes?: readonly string[];
  /** extensions.conf [globals]: each pbx_config reload sends one ChannelVarset (no `channel`) per entry. */
  globals?: Readonly<Record<string, string>>;
  dialplanContext?: string;
  /** Other contexts in which POST /channels to an extension that is an endpoint dials it as in `dialplanContext` (e.g. the server's click-to-call context). */
  dialplanContexts?: readonly string[];
  /**
   * Contexts whose every extension runs one dialplan application (by context,
   * e.g. `{ 'pbx-parked-calls': 'ParkedCall' }`): POST /channels into them
   * rings the endpoint; what the application does once it answers is not modelled.
   */
  applicationContexts?: Readonly<Record<string, string>>;
  /** ari.conf `channelvars`: every Channel object carries these variables. */
  channelvars?: readonly string[];
  sipDomain?: string;
  version?: string;
  /** Modules that exist; reloading another one answers 404. Unset: every name exists. */
  loadedModules?: readonly string[];
  /** How long each module reload takes; reloads never overlap. */
  reloadDurationMs?: number;
  /** How long each media URI a Stasis application plays lasts (default 5 ms). */
  playbackMs?: number;
}

export interface AriStandin {
  /** `http://127.0.0.1:<port>`, the base URL ari-client connects to. */
  readonly url: string;
  readonly port: number;
  addEndpoint(resource: string, options?: { callerName?: string }): void;
  /** REGISTER: a new contact URI adds a contact (the first brings the endpoint online); the same URI refreshes it. */
  register(resource: string, options: RegisterOptions): void;
  /** REGISTER with Expires: 0 for the contact `uri`, or for every contact of the endpoint. */
  unregister(resource: string, options?: { uri?: string }): void;
  /** The next qualify: NonQualified contacts (of `resource`, or everyone's) answer OPTIONS and become Reachable. */
  qualify(resource?: string): void;
  /** Replaces [globals]; announced at the next pbx_config reload. */
  setGlobals(globals: Readonly<Record<string, string>>): void;
  /** A voicemail is left in `box`: DeviceStateChanged `MWI:<box>@default` INUSE (if it was not already). */
  leaveVoicemail(box: string): void;
  /** The mailbox is emptied: DeviceStateChanged `MWI:<box>@default` NOT_INUSE (if it was not already). */
  clearVoicemail(box: string): void;
  /** `from` dials `to` through the dialplan and `to` rings (or the call fails at once if `to` is offline). */
  ring(from: string, to: string): CallHandle;
  /** The ringing party answers: the callee, or for a POST /channels call first the originated endpoint. */
  answer(call: CallHandle): void;
  /** A phone hangs up: `caller` (default) sends BYE or CANCEL, `callee` BYE or 486. */
  hangup(call: CallHandle, options?: { by?: 'caller' | 'callee' }): void;
  /** A phone of an answered call (`caller`, default, or `callee`) puts it on hold: ChannelHold; the other party's device ONHOLD. */
  hold(call: CallHandle, options?: { by?: 'caller' | 'callee' }): void;
  /** That phone takes it off hold: ChannelUnhold. */
  unhold(call: CallHandle, options?: { by?: 'caller' | 'callee' }): void;
  /** `from` dials `to`, which rings and rejects the call with 486 Busy Here. */
  busy(from: string, to: string): CallHandle;
  /**
   * `from` dials `exten`, whose dialplan runs Answer() then Stasis(app, args...):
   * the application gets StasisStart, or STASISSTATUS=FAILED when no socket holds it.
   */
  enterStasis(from: string, exten: string, app: string, args: readonly string[]): StasisCallHandle;
  /** The call a channel (e.g. one from POST /channels) belongs to. */
  callByChannel(channelId: string): CallHandle | undefined;
  /** Calls in, or on their way into, a Stasis application since the last restart (POST /channels with `app`, enterStasis), oldest first. */
  readonly stasisCalls: readonly StasisCallHandle[];
  /** The phone of a ringing POST /channels call into Stasis answers: the call enters the application. */
  answerStasisCall(call: StasisCallHandle): void;
  /** The phone of a ringing POST /channels call into Stasis rejects it with 486 Busy Here. */
  rejectStasisCall(call: StasisCallHandle): void;
  /** The phone hangs up (BYE) a call in Stasis. */
  hangupStasisCall(call: StasisCallHandle): void;
  /** The phone sends DTMF keys (RFC 4733) into a call in Stasis. */
  sendDtmf(call: StasisCallHandle, digits: string): void;
  /** Names of the stored recordings (`<astspooldir>/recording`), which survive restarts. */
  readonly storedRecordings: readonly string[];
  /** Removes or creates `<astspooldir>/recording` (it exists at start, as `make install` leaves it): without it Asterisk records nothing. */
  setRecordingFolder(exists: boolean): void;
  /** Emits `count` DeviceStateChanged events (`Custom:burst-<i>`, or `<devicePrefix><i>`) back to back. */
  burstDeviceStates(count: number, devicePrefix?: string): void;
  /** The dialplan writes DEVICE_STATE(<name>) (e.g. a phone dials *81): only `Custom:` devices; kept over restarts (astdb). */
  setCustomDeviceState(name: string, state: string): void;
  /** A provider's call arrives on the trunk endpoint `trunk` and its inbound context sets __PBX_TRUNK and __PBX_DID; returns the channel id. */
  inboundCall(options: InboundCallOptions): string;
  /** A provider's call arrives on `trunk` (as `inboundCall`) and inbound routing rings extension `to`; answer and hang up like `ring`'s calls. */
  ringInbound(options: InboundCallOptions & { to: string }): CallHandle;
  /** The trunk's channel is answered. */
  answerInbound(channelId: string): void;
  /** The provider hangs up the trunk's channel. */
  hangupInbound(channelId: string): void;
  /** Modules reloaded successfully, in order. */
  readonly reloads: readonly string[];
  readonly reloadAttempts: readonly ReloadAttempt[];
  /** Makes every reload of `module` fail with Asterisk's 404 or 409 answer; `null` heals it. */
  failReload(module: string, status: ReloadFailureStatus | null): void;
  /**
   * Objects pushed through /asterisk/config/dynamic (res_pjsip endpoint, auth,
   * aor, kept in astdb: they survive restarts), as Asterisk would read them back.
   */
  readonly dynamicObjects: readonly DynamicObjectView[];
  /** One pushed object (`dynamicObject('res_pjsip', 'auth', '200')?.fields.password`); undefined when absent or file-defined. */
  dynamicObject(configClass: string, type: string, id: string): DynamicObjectView | undefined;
  /** Every GET, PUT and DELETE on /asterisk/config/dynamic since start, with the status answered. */
  readonly configRequests: readonly ConfigRequest[];
  /**
   * The next `count` (default 1) PUT/DELETE on /asterisk/config/dynamic that
   * match `method`/`type`/`id` fail with `status` and change nothing; 400, 403,
   * 404 and 500 answer with Asterisk's own body for that request.
   */
  failPushes(failure: PushFailure): void;
  /** Ends every failure failPushes() set up. */
  stopFailingPushes(): void;
  /** Open /ari/events WebSockets. */
  readonly connections: readonly ConnectionInfo[];
  readonly bootPhase: BootPhase;
  whenBooted(): Promise<void>;
  /** Dies abruptly: every socket is destroyed. */
  stop(): Promise<void>;
  /**
   * Comes back on the same port with no calls or applications. Like Asterisk,
   * registered contacts survive (astdb): their endpoints are online, the
   * contacts NonQualified until `qualify()`; no event announces them.
   * `keepContacts: false` brings every endpoint back offline instead.
   * Pushed objects come back from astdb; `wipeAstdb: true` is a restart with
   * an empty astdb: no pushed objects, contacts or custom device states.
   */
  restart(options?: { keepContacts?: boolean; wipeAstdb?: boolean }): Promise<void>;
}

const DEFAULT_BOOT_PHASE_MS = 100;

function resolveOptions(options: AriStandinOptions): ResolvedOptions {
  const boot = options.bootPhases;
  return {
    username: options.username,
    password: options.password,
    asteriskId: options.asteriskId ?? '02:00:00:00:a5:01',
    version: options.version ?? '22.10.1',
    sipDomain: options.sipDomain ?? '127.0.0.1',
    dialplanContext: options.dialplanContext ?? 'internal',
    dialplanContexts: options.dialplanContexts ?? [],
    applicationContexts: options.applicationContexts ?? {},
    channelvars: options.channelvars ?? [],
    endpoints: (options.endpoints ?? []).map((endpoint) =>
      typeof endpoint === 'string' ? { resource: endpoint, callerName: '' } : { resource: endpoint.resource, callerName: endpoint.callerName ?? '', maxContacts: endpoint.maxContacts },
    ),
    queues: options.queues ?? {},
    mailboxes: options.mailboxes ?? [],
    globals: options.globals ?? {},
    loadedModules: options.loadedModules && new Set(options.loadedModules.map((name) => name.replace(/\.so$/, ''))),
    reloadDurationMs: options.reloadDurationMs ?? 0,
    playbackMs: options.playbackMs ?? 5,
    bootPhases: boot
      ? {
          notLoadedMs: (typeof boot === 'object' ? boot.notLoadedMs : undefined) ?? DEFAULT_BOOT_PHASE_MS,
          notBootedMs: (typeof boot === 'object' ? boot.notBootedMs : undefined) ?? DEFAULT_BOOT_PHASE_MS,
        }
      : undefined,
  };
}

/** Starts an HTTP + WebSocket server on 127.0.0.1 that answers like Asterisk 22's ARI. */
export async function startAriStandin(options: AriStandinOptions): Promise<AriStandin> {
  const runtime = new StandinRuntime(resolveOptions(options));
  const server = new AriHttpServer(runtime);
  const port = await server.listen(0);

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    addEndpoint: (resource, endpointOptions) => runtime.addEndpoint(resource, endpointOptions?.callerName),
    register: (resource, registerOptions) => runtime.register(resource, registerOptions),
    unregister: (resource, unregisterOptions) => runtime.unregister(resource, unregisterOptions?.uri),
    qualify: (resource) => runtime.qualify(resource),
    setGlobals: (globals) => runtime.setGlobals(globals),
    leaveVoicemail: (box) => runtime.leaveVoicemail(box),
    clearVoicemail: (box) => runtime.clearVoicemail(box),
    ring: (from, to) => runtime.ring(from, to),
    answer: (call) => runtime.answer(call),
    hangup: (call, hangupOptions) => runtime.hangup(call, hangupOptions?.by ?? 'caller'),
    hold: (call, holdOptions) => runtime.hold(call, holdOptions?.by ?? 'caller', true),
    unhold: (call, holdOptions) => runtime.hold(call, holdOptions?.by ?? 'caller', false),
    busy: (from, to) => runtime.busy(from, to),
    callByChannel: (channelId) => runtime.callByChannel(channelId),
    get stasisCalls() {
      return runtime.stasisCallList();
    },
    answerStasisCall: (call) => runtime.answerStasisOriginate(runtime.requireStasisCall(call)),
    rejectStasisCall: (call) => runtime.rejectStasisOriginate(runtime.requireStasisCall(call)),
    hangupStasisCall: (call) => runtime.hangupStasisByPhone(runtime.requireStasisCall(call)),
    sendDtmf: (call, digits) => runtime.sendDtmf(runtime.requireStasisCall(call), digits),
    get storedRecordings() {
      return runtime.storedRecordings.list().map((r) => r.name);
    },
    setRecordingFolder: (exists) => {
      runtime.storedRecordings.folderExists = exists;
    },
    enterStasis: (from, exten, app, args) => runtime.enterStasis(from, exten, app, args),
    burstDeviceStates: (count, devicePrefix) => runtime.burstDeviceStates(count, devicePrefix),
    setCustomDeviceState: (name, state) => runtime.writeCustomDeviceState(name, state),
    inboundCall: (inboundOptions) => runtime.inboundCall(inboundOptions),
    ringInbound: (inboundOptions) => runtime.ringInbound(inboundOptions),
    answerInbound: (channelId) => runtime.answerInbound(channelId),
    hangupInbound: (channelId) => runtime.hangupInbound(channelId),
    get reloads() {
      return runtime.reloads;
    },
    get reloadAttempts() {
      return runtime.reloadAttempts;
    },
    failReload: (module, status) => runtime.failReload(module, status),
    get dynamicObjects() {
      return runtime.dynamicConfig.views();
    },
    dynamicObject: (configClass, type, id) => (configClass === CONFIG_CLASS ? runtime.dynamicConfig.view(type, id) : undefined),
    get configRequests() {
      return runtime.dynamicConfig.requests;
    },
    failPushes: (failure) => runtime.dynamicConfig.failPushes(failure),
    stopFailingPushes: () => runtime.dynamicConfig.stopFailingPushes(),
    get connections() {
      return runtime.applications.connections();
    },
    get bootPhase() {
      return server.bootPhase;
    },
    whenBooted: () => server.whenBooted(),
    stop: () => server.stopAbruptly(),
    restart: async (restartOptions) => {
      await server.stopAbruptly();
      runtime.reset({ keepContacts: restartOptions?.keepContacts ?? true, wipeAstdb: restartOptions?.wipeAstdb ?? false });
      await server.listen(port);
    },
  };
}
