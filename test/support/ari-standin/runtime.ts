import os from 'node:os';
import { deviceStateChanged } from './ari-events.js';
import { ariTimestamp } from './ari-time.js';
import { ApplicationRegistry } from './applications.js';
import type { Call, CallHandle } from './call-model.js';
import { answerCallee, answerOriginated, originateCall, placeCall, type OriginateRequest } from './call-setup.js';
import { hangupCall, rejectBusy } from './call-teardown.js';
import { initialQueueStates } from './device-states.js';
import type { FlowContext } from './flow-context.js';
import { PbxState, type EndpointConfig } from './pbx-state.js';
import { registerContact, unregisterContact, type RegisterOptions } from './registration-flow.js';
import type { ChannelJson } from './snapshots.js';

export interface ResolvedOptions {
  username: string;
  password: string;
  asteriskId: string;
  version: string;
  sipDomain: string;
  dialplanContext: string;
  endpoints: readonly EndpointConfig[];
  queues: Readonly<Record<string, readonly string[]>>;
  /** When set, reloading any other module answers 404 like an unloaded module. */
  loadedModules: ReadonlySet<string> | undefined;
  reloadDurationMs: number;
  bootPhases: { notLoadedMs: number; notBootedMs: number } | undefined;
}

export interface ReloadAttempt {
  module: string;
  status: number;
}

export type ReloadFailureStatus = 404 | 409;

export type ReloadOutcome = { status: 204 } | { status: ReloadFailureStatus; message: string };

const BUILD_DATE = new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');

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
  private readonly configuredEndpoints: EndpointConfig[];
  private readonly calls = new Map<string, Call>();
  private readonly reloadFailures = new Map<string, ReloadFailureStatus>();
  private reloadChain: Promise<unknown> = Promise.resolve();
  private generation = 0;

  constructor(readonly options: ResolvedOptions) {
    this.applications = new ApplicationRegistry(options.asteriskId);
    this.configuredEndpoints = [...options.endpoints];
    this.reset();
  }

  reset(): void {
    this.generation++;
    this.applications.clear();
    this.calls.clear();
    this.state = new PbxState({
      endpoints: this.configuredEndpoints,
      queues: this.options.queues,
      dialplanContext: this.options.dialplanContext,
    });
    initialQueueStates(this.state);
    this.flow = {
      state: this.state,
      emit: (event) => this.applications.publish(event),
      sipDomain: this.options.sipDomain,
    };
    this.startupTime = this.lastReloadTime = ariTimestamp();
  }

  addEndpoint(resource: string, callerName = ''): void {
    if (!this.configuredEndpoints.some((endpoint) => endpoint.resource === resource)) {
      this.configuredEndpoints.push({ resource, callerName });
    }
    this.state.addEndpoint({ resource, callerName });
  }

  register(resource: string, options: RegisterOptions): void {
    registerContact(this.flow, resource, options);
  }

  unregister(resource: string): void {
    unregisterContact(this.flow, resource);
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
    if (call.phase === 'originating') answerOriginated(this.flow, call);
    else if (call.phase === 'ringing') answerCallee(this.flow, call);
    else throw new Error(`ARI stand-in: call ${call.id} is ${call.phase}, nothing to answer`);
  }

  hangup(handle: CallHandle, by: 'caller' | 'callee'): void {
    hangupCall(this.flow, this.requireCall(handle), { leg: by, via: 'phone' });
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

  originate(request: OriginateRequest): ChannelJson {
    const { call, response } = originateCall(this.flow, request);
    this.track(call);
    if (this.state.requireEndpoint(request.endpoint).autoAnswer) {
      // The phone answers after Asterisk has replied to the POST, as in the recording.
      const generation = this.generation;
      setTimeout(() => {
        if (generation === this.generation && call.phase === 'originating') answerOriginated(this.flow, call);
      }, 5);
    }
    return response;
  }

  /** DELETE /channels/{id}; false when no such channel is up. */
  hangupChannel(channelId: string, cause: number): boolean {
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
