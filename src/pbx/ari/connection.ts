import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import ari from 'ari-client';
import type { Logger } from '../../logger.js';
import type { ObjectRef } from '../objects/types.js';
import { ConfigRequests, type ConfigResponse } from './config-requests.js';
import type { ModuleReloader } from '../apply/applier.js';
import type { AriBridge, AriChannel, AriDeviceState, AriEndpoint, AriEvent } from './types.js';

type Client = Awaited<ReturnType<typeof ari.connect>>;

// swagger-client, inside ari-client, prints through an implicit global `log` and keeps every
// message it ever printed; our logs are JSON lines, and a long-lived process must not grow.
if (typeof (globalThis as { log?: unknown }).log === 'function') (globalThis as { log?: unknown }).log = () => undefined;

containSwaggerFailures();

export type AriOptions = {
  url: string;
  username: string;
  password: string;
  app: string;
  log: Logger;
  backoff?: { minMs: number; maxMs: number };
  /** How long one connection attempt (REST description and WebSocket) may take before it is given up and retried. */
  attemptTimeoutMs?: number;
};

/**
 * The one ARI connection (D6), and the only module that knows ari-client.
 * Connects with backoff, subscribes to all events of the application, and
 * starts over from the REST description when the WebSocket cannot be
 * restored (Asterisk restarted). Emits 'connected', 'disconnected' and
 * 'event' (a plain ARI event).
 */
const CONFIG_REQUEST_TIMEOUT_MS = 10_000;

export class AriConnection extends EventEmitter implements ModuleReloader {
  private client: Client | null = null;
  private up = false;
  private stopped = false;
  private attempt = 0;
  private timer: NodeJS.Timeout | null = null;
  private connecting = false;

  private readonly configRequests: ConfigRequests;

  constructor(private readonly options: AriOptions) {
    super();
    this.configRequests = new ConfigRequests(options.url, options.username, options.password);
  }

  /** Starts connecting; calling it again while running does nothing. */
  start(): void {
    if (!this.stopped && (this.client || this.timer || this.connecting)) return;
    this.stopped = false;
    void this.connect();
  }

  connected(): boolean {
    return this.up;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.dropClient();
    this.configRequests.close();
    this.markDown();
  }

  async reloadModule(module: string): Promise<void> {
    const client = this.requireClient();
    await client.asterisk.reloadModule({ moduleName: module });
  }

  /**
   * Creates or updates an object of ARI's dynamic configuration; the fields are
   * applied on top of the existing object. Plain HTTP, with a time limit of
   * its own: a push must not wait on ari-client's reconnect logic.
   */
  async putObject(object: ObjectRef, fields: [string, string][]): Promise<void> {
    const body = JSON.stringify({ fields: fields.map(([attribute, value]) => ({ attribute, value })) });
    await this.configRequest('PUT', object, body);
  }

  /** Deletes an object of ARI's dynamic configuration; one that is not there is no error. */
  async deleteObject(object: ObjectRef): Promise<void> {
    await this.configRequest('DELETE', object, undefined, [404]);
  }

  private async configRequest(method: 'PUT' | 'DELETE', object: ObjectRef, body: string | undefined, tolerated: number[] = []): Promise<void> {
    if (!this.up) throw new AriRequestFailed('ARI is not connected');
    const path = ['ari/asterisk/config/dynamic', object.configClass, object.type, object.id].map((part, i) => (i ? encodeURIComponent(part) : part)).join('/');
    let response: ConfigResponse;
    try {
      response = await this.configRequests.send(method, path, body, CONFIG_REQUEST_TIMEOUT_MS);
    } catch (error) {
      throw new AriRequestFailed(`${method} ${object.type} ${object.id}: ${(error as Error).message}`);
    }
    if ((response.status >= 200 && response.status < 300) || tolerated.includes(response.status)) return;
    throw new AriRequestFailed(`${method} ${object.type} ${object.id}: ${response.status} ${asteriskMessage(new Error(response.text))}`);
  }

  async listEndpoints(): Promise<AriEndpoint[]> {
    const list = await this.requireClient().endpoints.list();
    return list.map((e) => ({ technology: e.technology, resource: e.resource, state: e.state ?? 'unknown', channel_ids: [...(e.channel_ids ?? [])] }));
  }

  async listDeviceStates(): Promise<AriDeviceState[]> {
    const list = await this.requireClient().deviceStates.list();
    return list.map((d) => ({ name: d.name, state: d.state }));
  }

  /** The state of any device (GET /deviceStates/{name}), e.g. `Custom:officepause`; UNKNOWN when never set. */
  async getDeviceState(name: string): Promise<string> {
    const device = await this.requireClient().deviceStates.get({ deviceName: name });
    return device.state;
  }

  /**
   * Sets a custom device state (`Custom:…`). ARI's PUT /deviceStates controls only `Stasis:` devices
   * (409 Uncontrolled device), so this writes the DEVICE_STATE() function through POST /asterisk/variable
   * (pbx_builtin_setvar_helper writes a name ending in `)` as a function), as the dialplan's Set() does;
   * Asterisk then announces it with DeviceStateChanged and keeps it in its astdb.
   */
  async setCustomDeviceState(name: string, state: string): Promise<void> {
    if (!/^Custom:[A-Za-z0-9_-]+$/.test(name) || !/^[A-Z_]+$/.test(state)) throw new Error(`not a custom device state: ${name}=${state}`);
    await this.requireClient().asterisk.setGlobalVar({ variable: `DEVICE_STATE(${name})`, value: state });
  }

  async listChannels(): Promise<AriChannel[]> {
    const list = await this.requireClient().channels.list();
    return list.map((c) => ({
      id: c.id,
      name: c.name,
      state: c.state,
      caller: { name: c.caller?.name ?? '', number: c.caller?.number ?? '' },
      connected: { name: c.connected?.name ?? '', number: c.connected?.number ?? '' },
      dialplan: c.dialplan ? { context: c.dialplan.context, exten: c.dialplan.exten } : undefined,
      creationtime: c.creationtime,
      channelvars: c.channelvars ? Object.fromEntries(Object.entries(c.channelvars).map(([k, v]) => [k, String(v ?? '')])) : undefined,
    }));
  }

  // Channels that the dialplan hands to this application with Stasis() (feature codes such as the blacklist's, F-4.7.e):
  // 'stasisStart' is emitted with each StasisStart event (also emitted as 'event').

  /** POST /channels/{id}/answer. */
  async answerChannel(channelId: string): Promise<void> {
    await this.requireClient().channels.answer({ channelId });
  }

  /**
   * POST /channels/{id}/play of `media` (e.g. `sound:beep`); resolves when
   * its PlaybackFinished arrives, or after `timeoutMs` (a channel that hangs
   * up sends none).
   */
  async playOnChannel(channelId: string, media: string, timeoutMs = 15_000): Promise<void> {
    const client = this.requireClient();
    const playbackId = `pbx-${channelId}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
    let onEvent: (event: AriEvent) => void = () => undefined;
    const finished = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      onEvent = (event) => {
        if (event.type === 'PlaybackFinished' && (event as { playback?: { id?: string } }).playback?.id === playbackId) {
          clearTimeout(timer);
          resolve();
        }
      };
      this.on('event', onEvent);
    });
    try {
      await client.channels.play({ channelId, media, playbackId });
      await finished;
    } finally {
      this.off('event', onEvent);
    }
  }

  /** DELETE /channels/{id}; a channel that is gone already is no error. */
  async hangupChannel(channelId: string, reason: 'normal' | 'rejected' = 'normal'): Promise<void> {
    try {
      await this.requireClient().channels.hangup({ channelId, reason });
    } catch (error) {
      if (!/not found/i.test(String((error as Error).message ?? error))) throw error;
    }
  }

  /**
   * POST /channels into the dialplan (no Stasis application): Asterisk rings
   * `endpoint` and, once it answers, runs `extension`@`context`. `callerId`
   * is what the ringing phone shows; `variables` are set on the channel when
   * it is created. Resolves once Asterisk has created the channel (it rings
   * then); rejects with AriRequestFailed when Asterisk refuses.
   */
  async originateToDialplan(input: {
    endpoint: string;
    context: string;
    extension: string;
    callerId: string;
    timeoutSeconds: number;
    channelId: string;
    variables?: Record<string, string>;
  }): Promise<{ id: string; name: string }> {
    const client = this.requireClient();
    // channelId is a parameter of POST /channels (ARI 10) that the typings of ari-client lack.
    const params = {
      endpoint: input.endpoint,
      context: input.context,
      extension: input.extension,
      priority: 1,
      callerId: input.callerId,
      timeout: input.timeoutSeconds,
      channelId: input.channelId,
      ...(input.variables ? { variables: input.variables } : {}),
    } as Parameters<Client['channels']['originate']>[0];
    try {
      const channel = await client.channels.originate(params);
      return { id: channel.id, name: channel.name };
    } catch (error) {
      throw new AriRequestFailed(asteriskMessage(error));
    }
  }

  /** GET /bridges: every bridge Asterisk has (those Dial() makes too), with the ids of its channels. */
  async listBridges(): Promise<AriBridge[]> {
    const list = await this.requireClient().bridges.list();
    return list.map((b) => ({ id: b.id, technology: b.technology, bridge_type: b.bridge_type, bridge_class: b.bridge_class, channels: [...(b.channels ?? [])] }));
  }

  private requireClient(): Client {
    if (!this.client || !this.up) throw new Error('Asterisk (ARI) is not connected');
    return this.client;
  }

  private async connect(): Promise<void> {
    this.timer = null;
    if (this.stopped) return;
    const { url, username, password, app, log } = this.options;
    this.connecting = true;
    // ari-client never settles when the server accepts and drops the connection without an answer
    // (a port forwarder in front of a booting Asterisk, a reset): an attempt that takes too long is given up.
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        timedOut = true;
        reject(new Error(`ARI connection attempt timed out after ${this.options.attemptTimeoutMs ?? 8000} ms`));
      }, this.options.attemptTimeoutMs ?? 8000);
    });
    timeout.catch(() => undefined);
    try {
      const connecting = ari.connect(url, username, password);
      // A client that arrives after the attempt was given up is dropped.
      connecting.then((late) => timedOut && stopClient(late)).catch(() => undefined);
      const client = await Promise.race([connecting, timeout]);
      if (this.stopped) {
        stopClient(client);
        return;
      }
      this.client = client;
      // ari-client emits every event under '*' too; its typings do not list it.
      (client as unknown as EventEmitter).on('*', (event: AriEvent) => {
        const data = plain(event);
        this.emit('event', data);
        if (data.type === 'StasisStart') this.emit('stasisStart', data);
      });
      client.on('WebSocketConnected', () => this.markUp());
      client.on('WebSocketReconnecting', () => this.markDown());
      client.on('WebSocketMaxRetries', () => {
        this.markDown();
        this.dropClient();
        this.scheduleReconnect();
      });
      await Promise.race([client.start(app, true), timeout]);
      this.markUp();
    } catch (error) {
      log.warn({ err: error instanceof Error ? error : String(error), url, attempt: this.attempt + 1 }, 'ARI connection attempt failed; retrying');
      this.dropClient();
      this.markDown();
      this.scheduleReconnect();
    } finally {
      clearTimeout(timer);
      this.connecting = false;
    }
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    const { minMs, maxMs } = this.options.backoff ?? { minMs: 500, maxMs: 15_000 };
    const delay = Math.min(maxMs, minMs * 2 ** Math.min(this.attempt, 10));
    this.attempt += 1;
    this.timer = setTimeout(() => void this.connect(), delay);
  }

  private markUp(): void {
    this.attempt = 0;
    if (this.up) return;
    this.up = true;
    this.options.log.info({ url: this.options.url }, 'ARI connected');
    this.emit('connected');
  }

  private markDown(): void {
    if (!this.up) return;
    this.up = false;
    this.options.log.warn({ url: this.options.url }, 'ARI disconnected');
    this.emit('disconnected');
  }

  private dropClient(): void {
    const client = this.client;
    this.client = null;
    if (client) stopClient(client);
  }
}

/** Asterisk refused an ARI request; the message is Asterisk's own (e.g. "Allocation failed" for an endpoint that cannot be called). */
export class AriRequestFailed extends Error {
  override name = 'AriRequestFailed';
}

/** ari-client rejects with the response body as the message: Asterisk's `{"message": …}` (or `{"error": …}`). */
function asteriskMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  try {
    const body = JSON.parse(text) as { message?: unknown; error?: unknown };
    return String(body.message ?? body.error ?? text);
  } catch {
    return text;
  }
}

function stopClient(client: Client): void {
  (client as unknown as EventEmitter).removeAllListeners();
  try {
    (client as unknown as { stop(): void }).stop();
  } catch {
    // already closed
  }
}

type SwaggerRequest = { on?: Record<string, ((...args: unknown[]) => unknown) | undefined> };
type SwaggerModule = { SwaggerApi: { prototype: { fail(message: unknown): void; failure?: (message: unknown) => void } }; SwaggerHttp: { prototype: { execute(obj: SwaggerRequest): unknown } } };

/**
 * swagger-client 2, inside ari-client, throws from its HTTP callbacks when
 * Asterisk answers with an error (a booting Asterisk answers 503) or with a
 * body that is not JSON: an uncaught exception that would end the process.
 * Its failures are turned into the error callbacks it already has, which
 * reject ari-client's promise, so a failed attempt is retried like any other.
 */
function containSwaggerFailures(): void {
  const require = createRequire(createRequire(import.meta.url).resolve('ari-client'));
  const swagger = require('swagger-client') as SwaggerModule;
  const http = swagger.SwaggerHttp.prototype as SwaggerModule['SwaggerHttp']['prototype'] & { contained?: boolean };
  if (http.contained) return;
  http.contained = true;
  swagger.SwaggerApi.prototype.fail = function fail(message: unknown) {
    this.failure?.(message);
  };
  const execute = http.execute;
  http.execute = function executeContained(obj: SwaggerRequest) {
    const original = obj?.on;
    if (!original) return execute.call(this, obj);
    const reportFailure = (error: unknown) => {
      try {
        original.error?.({ status: 0, statusText: String(error), data: String(error), obj: { message: String(error) } });
      } catch {
        // the error callback failed too: the attempt times out and is retried
      }
    };
    // The HTTP client replaces `on` with handlers that parse the answer before calling ours: guard those as well.
    let current = guard(original, reportFailure);
    Object.defineProperty(obj, 'on', { configurable: true, enumerable: true, get: () => current, set: (handlers: SwaggerRequest['on']) => (current = guard(handlers ?? {}, reportFailure)) });
    try {
      return execute.call(this, obj);
    } catch (error) {
      reportFailure(error);
      return undefined;
    }
  };
}

function guard(handlers: NonNullable<SwaggerRequest['on']>, onFailure: (error: unknown) => void): NonNullable<SwaggerRequest['on']> {
  const guarded: NonNullable<SwaggerRequest['on']> = {};
  for (const [name, handler] of Object.entries(handlers)) {
    guarded[name] =
      typeof handler === 'function'
        ? (...args: unknown[]) => {
            try {
              return handler(...args);
            } catch (error) {
              if (name !== 'error') onFailure(error);
              return undefined;
            }
          }
        : handler;
  }
  return guarded;
}

/** ari-client attaches methods to resources in events; keep the data only. */
function plain(event: AriEvent): AriEvent {
  return JSON.parse(JSON.stringify(event, (key, value) => (key.startsWith('_') ? undefined : value))) as AriEvent;
}
