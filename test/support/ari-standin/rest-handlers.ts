import { deviceStateChanged } from './ari-events.js';
import { ariTimestamp } from './ari-time.js';
import { currentDeviceState, isDeviceState } from './device-states.js';
import { allocationFailed, ariError, noContent, ok, type AriResponse } from './http-responses.js';
import { HANGUP_REASONS, type RestOperationId } from './operations.js';
import { TECHNOLOGY, bridgeJson, channelJson } from './pbx-state.js';
import type { StandinRuntime } from './runtime.js';
import type { CallerIdJson } from './snapshots.js';

export interface RestRequest {
  pathVars: Readonly<Record<string, string>>;
  query: URLSearchParams;
  /** Parsed JSON body (an object, or an array a client sent); ARI accepts query parameters there too. */
  body: Record<string, unknown> | undefined;
}

export type RestHandler = (request: RestRequest) => AriResponse | Promise<AriResponse>;

// ARI's `reason` names for DELETE /channels/{id} and the causes they set (res/ari/resource_channels.c).
const HANGUP_REASON_CAUSES: Readonly<Record<(typeof HANGUP_REASONS)[number], number>> = {
  normal: 16,
  busy: 17,
  congestion: 34,
  no_answer: 19,
  timeout: 18,
  rejected: 21,
  unallocated: 1,
  normal_unspecified: 31,
  number_incomplete: 28,
  codec_mismatch: 58,
  interworking: 127,
  failure: 38,
  answered_elsewhere: 26,
};

const INFO_SECTIONS = ['build', 'system', 'config', 'status'] as const;

export function createRestHandlers(runtime: StandinRuntime): Record<RestOperationId, RestHandler> {
  const pathVar = (request: RestRequest, name: string): string => request.pathVars[name] ?? '';

  return {
    'asterisk.getInfo': ({ query }) => {
      const only = query.getAll('only').flatMap((value) => value.split(','));
      const info = runtime.info();
      for (const section of only) {
        if (!(INFO_SECTIONS as readonly string[]).includes(section)) {
          return ariError(400, `Unsupported type '${section}'`);
        }
      }
      const wanted = only.length === 0 ? INFO_SECTIONS : INFO_SECTIONS.filter((s) => only.includes(s));
      return ok(Object.fromEntries(wanted.map((section) => [section, info[section]])));
    },

    'asterisk.ping': () => ok({ ping: 'pong', timestamp: ariTimestamp(), asterisk_id: runtime.options.asteriskId }),

    'asterisk.reloadModule': async (request) => {
      const outcome = await runtime.reloadModule(pathVar(request, 'moduleName'));
      return outcome.status === 204 ? noContent() : ariError(outcome.status, outcome.message);
    },

    // ast_ari_asterisk_set_global_var: 400 without a name; pbx_builtin_setvar_helper's outcome is not reported.
    'asterisk.setGlobalVar': (request) => {
      const variable = param(request, 'variable');
      if (!variable) return ariError(400, 'Variable name is required');
      const outcome = runtime.setGlobalVariable(variable, param(request, 'value') ?? '');
      return outcome === 'done' ? noContent() : ariError(501, `ARI stand-in: writing ${variable} is not modelled`, 'Not Implemented');
    },

    'asterisk.getObject': (request) => runtime.dynamicConfig.get(pathVar(request, 'configClass'), pathVar(request, 'objectType'), pathVar(request, 'id')),

    'asterisk.updateObject': (request) => runtime.dynamicConfig.update(pathVar(request, 'configClass'), pathVar(request, 'objectType'), pathVar(request, 'id'), request.body),

    'asterisk.deleteObject': (request) => runtime.dynamicConfig.delete(pathVar(request, 'configClass'), pathVar(request, 'objectType'), pathVar(request, 'id')),

    'endpoints.list': () => ok(endpointList(runtime)),

    'endpoints.listByTech': (request) => (pathVar(request, 'tech') === TECHNOLOGY ? ok(endpointList(runtime)) : ariError(404, `No Endpoints found - invalid tech ${pathVar(request, 'tech')}`)),

    'endpoints.get': (request) => {
      const resource = pathVar(request, 'resource');
      if (pathVar(request, 'tech') !== TECHNOLOGY || !runtime.state.endpoints.has(resource)) {
        return ariError(404, 'Endpoint not found');
      }
      return ok(runtime.state.endpointJson(resource));
    },

    'channels.list': () => ok(runtime.state.newestFirst(runtime.state.channels.values()).map(channelJson)),

    'channels.originate': (request) => originate(runtime, request),

    'channels.get': (request) => {
      const channel = runtime.state.channels.get(pathVar(request, 'channelId'));
      return channel ? ok(channelJson(channel)) : ariError(404, 'Channel not found');
    },

    'channels.hangup': ({ pathVars, query }) => {
      const channelId = pathVars['channelId'] ?? '';
      if (!runtime.state.channels.has(channelId)) return ariError(404, 'Channel not found');
      const cause = hangupCause(query.get('reason'), query.get('reason_code'));
      if (typeof cause !== 'number') return cause;
      return runtime.hangupChannel(channelId, cause) ? noContent() : ariError(404, 'Channel not found');
    },

    'channels.answer': (request) => {
      const status = runtime.answerChannel(pathVar(request, 'channelId'));
      if (status === 404) return ariError(404, 'Channel not found');
      if (status === 409) return ariError(409, 'Channel not in Stasis application');
      return noContent();
    },

    'channels.play': (request) => {
      const media = param(request, 'media');
      if (!media) return ariError(400, 'media: Missing required parameter');
      const playback = runtime.playOnChannel(pathVar(request, 'channelId'), media, param(request, 'playbackId'));
      if (playback === 404) return ariError(404, 'Channel not found');
      if (playback === 409) return ariError(409, 'Channel not in Stasis application');
      return { status: 201, body: playback };
    },

    'playbacks.get': (request) => {
      const playback = runtime.playback(pathVar(request, 'playbackId'));
      return playback ? ok(playback) : ariError(404, 'Playback not found');
    },

    // As Asterisk 22.10.1 answered: 204, or 404 "Playback not found" once it has ended.
    'playbacks.stop': (request) => (runtime.stopPlayback(pathVar(request, 'playbackId')) === 204 ? noContent() : ariError(404, 'Playback not found')),

    'channels.record': (request) => record(runtime, request),

    'recordings.listStored': () => (runtime.storedRecordings.folderExists ? ok(runtime.storedRecordings.list()) : allocationFailed()),

    'recordings.getStored': (request) => {
      const recording = runtime.storedRecordings.get(pathVar(request, 'recordingName'));
      return recording ? ok(recording) : ariError(404, 'Recording not found');
    },

    'recordings.deleteStored': (request) => (runtime.storedRecordings.delete(pathVar(request, 'recordingName')) ? noContent() : ariError(404, 'Recording not found')),

    'recordings.getStoredFile': (request) => {
      const file = runtime.storedRecordings.file(pathVar(request, 'recordingName'));
      return file ? { status: 200, body: file.data, headers: { 'Content-Type': file.contentType } } : ariError(404, 'Recording not found');
    },

    'bridges.list': () => ok(runtime.state.newestFirst(runtime.state.bridges.values()).map(bridgeJson)),

    'bridges.get': (request) => {
      const bridge = runtime.state.bridges.get(pathVar(request, 'bridgeId'));
      return bridge ? ok(bridgeJson(bridge)) : ariError(404, 'Bridge not found');
    },

    // Only devices ARI controls (Stasis:) are listed; others can still be read one by one.
    'deviceStates.list': () => ok(runtime.state.stasisDeviceList()),

    'deviceStates.get': (request) => {
      const name = pathVar(request, 'deviceName');
      return ok({ name, state: currentDeviceState(runtime.state, name) });
    },

    'deviceStates.update': ({ pathVars, query }) => {
      const name = pathVars['deviceName'] ?? '';
      const state = query.get('deviceState') ?? '';
      if (!name.startsWith('Stasis:')) return ariError(409, 'Uncontrolled device specified');
      if (!isDeviceState(state) || state === 'UNKNOWN') return ariError(500, 'Unknown device');
      runtime.state.stasisDevices.set(name, state);
      runtime.flow.emit(deviceStateChanged(name, state));
      return noContent();
    },

    // Recorded: deleting emits no event, and deleting a device never set is still 204.
    'deviceStates.delete': ({ pathVars }) => {
      const name = pathVars['deviceName'] ?? '';
      if (!name.startsWith('Stasis:')) return ariError(409, 'Uncontrolled device specified');
      runtime.state.stasisDevices.delete(name);
      return noContent();
    },

    'applications.list': () => ok(runtime.applications.list()),

    'applications.get': (request) => {
      const application = runtime.applications.get(pathVar(request, 'applicationName'));
      return application ? ok(application) : ariError(404, 'Application not found');
    },
  };
}

function endpointList(runtime: StandinRuntime): unknown[] {
  return runtime.state.newestFirst(runtime.state.endpoints.keys()).map((resource) => runtime.state.endpointJson(resource));
}

function hangupCause(reason: string | null, reasonCode: string | null): number | AriResponse {
  if (reason && reasonCode) return ariError(400, "The reason and reason_code can't both be specified");
  if (reasonCode) {
    const code = Number.parseInt(reasonCode, 10);
    return Number.isNaN(code) ? ariError(400, 'Invalid reason for hangup reason code provided', 'Invalid Reason Code') : code;
  }
  if (reason) {
    return (HANGUP_REASON_CAUSES as Record<string, number>)[reason] ?? ariError(400, 'Invalid reason for hangup reason provided', 'Invalid Reason');
  }
  return 16;
}

/** Query parameters first, then the JSON body, as ARI merges them. */
function param(request: RestRequest, name: string): string | undefined {
  const fromQuery = request.query.get(name);
  if (fromQuery !== null && fromQuery !== '') return fromQuery;
  const fromBody = request.body?.[name];
  return typeof fromBody === 'string' || typeof fromBody === 'number' ? String(fromBody) : undefined;
}

/**
 * POST /channels with the validations of ari_channels_handle_originate_with_id,
 * in its order. Only dialplan originates to an extension that is an endpoint
 * are modelled.
 */
function originate(runtime: StandinRuntime, request: RestRequest): AriResponse {
  const endpoint = param(request, 'endpoint');
  if (!endpoint) return ariError(400, 'Endpoint must be specified');
  const slash = endpoint.indexOf('/');
  const tech = slash < 0 ? '' : endpoint.slice(0, slash);
  const resource = slash < 0 ? '' : endpoint.slice(slash + 1);
  if (!tech || !resource) return ariError(400, 'Invalid endpoint specified');
  const app = param(request, 'app');
  const extension = param(request, 'extension');
  if (!app && !extension) return ariError(400, 'Application or extension must be specified');
  if (app) return originateIntoStasis(runtime, request, tech, resource, app);
  const context = param(request, 'context') ?? 'default';
  const dialsEndpoints = context === runtime.options.dialplanContext || runtime.options.dialplanContexts.includes(context);
  const application = runtime.options.applicationContexts[context];
  if (!extension || (!application && !(dialsEndpoints && runtime.state.endpoints.has(extension)))) {
    return ariError(501, `ARI stand-in: only extensions that are endpoints in context '${runtime.options.dialplanContext}' are modelled`, 'Not Implemented');
  }
  // chan_pjsip cannot create a channel for an unknown technology, endpoint or one without contact.
  if (tech !== TECHNOLOGY || !runtime.state.isOnline(resource)) return allocationFailed();
  const channelId = param(request, 'channelId');
  if (channelId && runtime.state.channels.has(channelId)) {
    return ariError(409, 'Channel with given unique ID already exists');
  }
  const callerIdText = param(request, 'callerId');
  return ok(
    runtime.originate({
      endpoint: resource,
      extension,
      context,
      application,
      callerId: callerIdText === undefined ? undefined : parseCallerId(callerIdText),
      channelId,
    }),
  );
}

/** POST /channels with `app`: the endpoint rings; answered, it enters the application with `appArgs` (comma-separated). */
function originateIntoStasis(runtime: StandinRuntime, request: RestRequest, tech: string, resource: string, app: string): AriResponse {
  // chan_pjsip cannot create a channel for an unknown technology, endpoint or one without contact (seen for an unregistered endpoint too).
  if (tech !== TECHNOLOGY || !runtime.state.endpoints.has(resource) || !runtime.state.isOnline(resource)) return allocationFailed();
  const channelId = param(request, 'channelId');
  if (channelId && runtime.state.channels.has(channelId)) return ariError(409, 'Channel with given unique ID already exists');
  const callerIdText = param(request, 'callerId');
  const timeout = Number.parseInt(param(request, 'timeout') ?? '', 10);
  const appArgs = param(request, 'appArgs');
  return ok(
    runtime.originateIntoStasis({
      endpoint: resource,
      app,
      args: appArgs ? appArgs.split(',') : [],
      callerId: callerIdText === undefined ? undefined : parseCallerId(callerIdText),
      channelId,
      timeoutSeconds: timeout > 0 || timeout === -1 ? timeout : 30,
    }),
  );
}

const RECORDING_FORMATS = ['wav'];
const TERMINATE_ON = ['none', 'any', '*', '#'];
const IF_EXISTS = ['fail', 'overwrite', 'append'] as const;

/** ast_ari_channels_record's checks, in its order; only the wav format is modelled. */
function record(runtime: StandinRuntime, request: RestRequest): AriResponse {
  const name = param(request, 'name');
  const format = param(request, 'format');
  if (!name) return ariError(400, 'name: Missing required parameter');
  if (!format) return ariError(400, 'format: Missing required parameter');
  const maxDurationSeconds = Number.parseInt(param(request, 'maxDurationSeconds') ?? '0', 10) || 0;
  const maxSilenceSeconds = Number.parseInt(param(request, 'maxSilenceSeconds') ?? '0', 10) || 0;
  if (maxDurationSeconds < 0) return ariError(400, 'max_duration_seconds cannot be negative', 'Bad Request');
  if (maxSilenceSeconds < 0) return ariError(400, 'max_silence_seconds cannot be negative', 'Bad Request');
  const channelId = request.pathVars['channelId'] ?? '';
  if (!runtime.state.channels.has(channelId)) return ariError(404, 'Channel not found');
  const terminateOn = (param(request, 'terminateOn') ?? 'none').toLowerCase();
  if (!TERMINATE_ON.includes(terminateOn)) return ariError(400, 'terminateOn invalid', 'Bad Request');
  const ifExists = (param(request, 'ifExists') ?? 'fail').toLowerCase();
  if (!(IF_EXISTS as readonly string[]).includes(ifExists)) return ariError(400, 'ifExists invalid', 'Bad Request');
  if (!RECORDING_FORMATS.includes(format)) return ariError(422, 'specified format is unknown on this system', 'Unprocessable Entity');
  // ast_safe_mkdir() refuses a base folder that does not exist: errno ENOENT, reported as an unrecognized error.
  if (!runtime.storedRecordings.folderExists) return ariError(500, 'Internal Server Error');
  const outcome = runtime.recordOnChannel(channelId, { name, format, maxDurationSeconds, maxSilenceSeconds, terminateOn, ifExists: ifExists as (typeof IF_EXISTS)[number] });
  if (outcome === 404) return ariError(404, 'Channel not found');
  if (outcome === 409) return ariError(409, 'Channel not in Stasis application');
  if (outcome === 'exists') return ariError(409, `Recording '${name}' already exists and can not be overwritten`, 'Conflict');
  return { status: 201, body: outcome };
}

/** ast_callerid_parse for the common forms: `Name <number>`, `number`, `Name`. */
export function parseCallerId(text: string): CallerIdJson {
  const bracketed = /^\s*"?([^"<]*?)"?\s*<([^>]*)>\s*$/.exec(text);
  if (bracketed) return { name: bracketed[1] ?? '', number: bracketed[2] ?? '' };
  const trimmed = text.trim();
  return /^[0-9+*#]+$/.test(trimmed) ? { name: '', number: trimmed } : { name: trimmed, number: '' };
}
