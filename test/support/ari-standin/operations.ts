// The one table of ARI operations this stand-in serves. It drives both the
// Swagger documents ari-client builds its API from and the REST router, so the
// two cannot disagree.

export type ResourceName = 'asterisk' | 'endpoints' | 'channels' | 'bridges' | 'recordings' | 'playbacks' | 'deviceStates' | 'events' | 'applications';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface ParamSpec {
  name: string;
  paramType: 'path' | 'query' | 'body';
  dataType: string;
  required: boolean;
  allowMultiple: boolean;
  allowedValues?: readonly string[];
}

export interface OperationSpec<Id extends string = string> {
  /** `<resource>.<nickname>`: Swagger nicknames repeat across resources (`list`, `get`). */
  id: Id;
  resource: ResourceName;
  nickname: string;
  method: HttpMethod;
  path: string;
  summary: string;
  responseClass: string;
  params: readonly ParamSpec[];
  errors: readonly (readonly [code: number, reason: string])[];
  upgrade?: 'websocket';
}

type ParamOptions = Partial<Pick<ParamSpec, 'required' | 'allowMultiple' | 'allowedValues'>>;

const pathParam = (name: string): ParamSpec => ({
  name,
  paramType: 'path',
  dataType: 'string',
  required: true,
  allowMultiple: false,
});

const query = (name: string, dataType = 'string', options: ParamOptions = {}): ParamSpec => ({
  name,
  paramType: 'query',
  dataType,
  required: options.required ?? false,
  allowMultiple: options.allowMultiple ?? false,
  ...(options.allowedValues ? { allowedValues: options.allowedValues } : {}),
});

const body = (name: string): ParamSpec => ({
  name,
  paramType: 'body',
  dataType: 'containers',
  required: false,
  allowMultiple: false,
});

function op<const Id extends `${ResourceName}.${string}`>(
  id: Id,
  method: HttpMethod,
  path: string,
  responseClass: string,
  summary: string,
  params: readonly ParamSpec[] = [],
  errors: readonly (readonly [number, string])[] = [],
  upgrade?: 'websocket',
): OperationSpec<Id> {
  const [resource, nickname] = id.split('.') as [ResourceName, string];
  return { id, resource, nickname, method, path, summary, responseClass, params, errors, ...(upgrade ? { upgrade } : {}) };
}

export const HANGUP_REASONS = [
  'normal',
  'busy',
  'congestion',
  'no_answer',
  'timeout',
  'rejected',
  'unallocated',
  'normal_unspecified',
  'number_incomplete',
  'codec_mismatch',
  'interworking',
  'failure',
  'answered_elsewhere',
] as const;

const SETTABLE_DEVICE_STATES = ['NOT_INUSE', 'INUSE', 'BUSY', 'INVALID', 'UNAVAILABLE', 'RINGING', 'RINGINUSE', 'ONHOLD'];

export const OPERATIONS = [
  op('asterisk.getInfo', 'GET', '/asterisk/info', 'AsteriskInfo', 'Gets Asterisk system information.', [
    query('only', 'string', { allowMultiple: true, allowedValues: ['build', 'system', 'config', 'status'] }),
  ]),
  op('asterisk.ping', 'GET', '/asterisk/ping', 'AsteriskPing', 'Response pong message.'),
  op(
    'asterisk.reloadModule',
    'PUT',
    '/asterisk/modules/{moduleName}',
    'void',
    'Reload an Asterisk module.',
    [pathParam('moduleName')],
    [
      [404, 'Module not found in running modules.'],
      [409, 'Module could not be reloaded.'],
    ],
  ),
  op(
    'asterisk.setGlobalVar',
    'POST',
    '/asterisk/variable',
    'void',
    'Set the value of a global variable.',
    [query('variable', 'string', { required: true }), query('value')],
    [[400, 'Missing variable parameter.']],
  ),
  op(
    'asterisk.getObject',
    'GET',
    '/asterisk/config/dynamic/{configClass}/{objectType}/{id}',
    'List[ConfigTuple]',
    'Retrieve a dynamic configuration object.',
    [pathParam('configClass'), pathParam('objectType'), pathParam('id')],
    [[404, '{configClass|objectType|id} not found']],
  ),
  op(
    'asterisk.updateObject',
    'PUT',
    '/asterisk/config/dynamic/{configClass}/{objectType}/{id}',
    'List[ConfigTuple]',
    'Create or update a dynamic configuration object.',
    [pathParam('configClass'), pathParam('objectType'), pathParam('id'), body('fields')],
    [
      [400, 'Bad request body'],
      [403, 'Could not create or update object'],
      [404, '{configClass|objectType} not found'],
    ],
  ),
  op(
    'asterisk.deleteObject',
    'DELETE',
    '/asterisk/config/dynamic/{configClass}/{objectType}/{id}',
    'void',
    'Delete a dynamic configuration object.',
    [pathParam('configClass'), pathParam('objectType'), pathParam('id')],
    [
      [403, 'Could not delete object'],
      [404, '{configClass|objectType|id} not found'],
    ],
  ),
  op('endpoints.list', 'GET', '/endpoints', 'List[Endpoint]', 'List all endpoints.'),
  op('endpoints.listByTech', 'GET', '/endpoints/{tech}', 'List[Endpoint]', 'List available endoints for a given endpoint technology.', [pathParam('tech')], [[404, 'Endpoints not found']]),
  op(
    'endpoints.get',
    'GET',
    '/endpoints/{tech}/{resource}',
    'Endpoint',
    'Details for an endpoint.',
    [pathParam('tech'), pathParam('resource')],
    [
      [400, 'Invalid parameters for sending a message.'],
      [404, 'Endpoints not found'],
    ],
  ),
  op('channels.list', 'GET', '/channels', 'List[Channel]', 'List all active channels in Asterisk.'),
  op(
    'channels.originate',
    'POST',
    '/channels',
    'Channel',
    'Create a new channel (originate).',
    [
      query('endpoint', 'string', { required: true }),
      query('extension'),
      query('context'),
      query('priority', 'long'),
      query('label'),
      query('app'),
      query('appArgs'),
      query('callerId'),
      query('timeout', 'int'),
      body('variables'),
      query('channelId'),
      query('otherChannelId'),
      query('originator'),
      query('formats'),
    ],
    [
      [400, 'Invalid parameters for originating a channel.'],
      [409, 'Channel with given unique ID already exists.'],
    ],
  ),
  op('channels.get', 'GET', '/channels/{channelId}', 'Channel', 'Channel details.', [pathParam('channelId')], [[404, 'Channel not found']]),
  op(
    'channels.hangup',
    'DELETE',
    '/channels/{channelId}',
    'void',
    'Delete (i.e. hangup) a channel.',
    [pathParam('channelId'), query('reason_code'), query('reason', 'string', { allowedValues: HANGUP_REASONS })],
    [
      [400, 'Invalid reason for hangup provided'],
      [404, 'Channel not found'],
    ],
  ),
  op(
    'channels.answer',
    'POST',
    '/channels/{channelId}/answer',
    'void',
    'Answer a channel.',
    [pathParam('channelId')],
    [
      [404, 'Channel not found'],
      [409, 'Channel not in a Stasis application'],
      [412, 'Channel in invalid state'],
    ],
  ),
  op(
    'channels.play',
    'POST',
    '/channels/{channelId}/play',
    'Playback',
    'Start playback of media.',
    [pathParam('channelId'), query('media', 'string', { required: true, allowMultiple: true }), query('lang'), query('offsetms', 'int'), query('skipms', 'int'), query('playbackId')],
    [
      [404, 'Channel not found'],
      [409, 'Channel not in a Stasis application'],
      [412, 'Channel in invalid state'],
    ],
  ),
  op(
    'channels.record',
    'POST',
    '/channels/{channelId}/record',
    'LiveRecording',
    'Start a recording.',
    [
      pathParam('channelId'),
      query('name', 'string', { required: true }),
      query('format', 'string', { required: true }),
      query('maxDurationSeconds', 'int'),
      query('maxSilenceSeconds', 'int'),
      query('ifExists', 'string', { allowedValues: ['fail', 'overwrite', 'append'] }),
      query('beep', 'boolean'),
      query('terminateOn', 'string', { allowedValues: ['none', 'any', '*', '#'] }),
    ],
    [
      [400, 'Invalid parameters'],
      [404, 'Channel not found'],
      [
        409,
        'Channel is not in a Stasis application; the channel is currently bridged with other channels; A recording with the same name already exists on the system and can not be overwritten because it is in progress or ifExists=fail',
      ],
      [422, 'The format specified is unknown on this system'],
    ],
  ),
  op('bridges.list', 'GET', '/bridges', 'List[Bridge]', 'List all active bridges in Asterisk.'),
  op('bridges.get', 'GET', '/bridges/{bridgeId}', 'Bridge', 'Get bridge details.', [pathParam('bridgeId')], [[404, 'Bridge not found']]),
  op('recordings.listStored', 'GET', '/recordings/stored', 'List[StoredRecording]', 'List recordings that are complete.'),
  op('recordings.getStored', 'GET', '/recordings/stored/{recordingName}', 'StoredRecording', "Get a stored recording's details.", [pathParam('recordingName')], [[404, 'Recording not found']]),
  op('recordings.deleteStored', 'DELETE', '/recordings/stored/{recordingName}', 'void', 'Delete a stored recording.', [pathParam('recordingName')], [[404, 'Recording not found']]),
  op(
    'recordings.getStoredFile',
    'GET',
    '/recordings/stored/{recordingName}/file',
    'binary',
    'Get the file associated with the stored recording.',
    [pathParam('recordingName')],
    [
      [403, 'The recording file could not be opened'],
      [404, 'Recording not found'],
    ],
  ),
  op('playbacks.get', 'GET', '/playbacks/{playbackId}', 'Playback', "Get a playback's details.", [pathParam('playbackId')], [[404, 'The playback cannot be found']]),
  op('playbacks.stop', 'DELETE', '/playbacks/{playbackId}', 'void', 'Stop a playback.', [pathParam('playbackId')], [[404, 'The playback cannot be found']]),
  op('deviceStates.list', 'GET', '/deviceStates', 'List[DeviceState]', 'List all ARI controlled device states.'),
  op('deviceStates.get', 'GET', '/deviceStates/{deviceName}', 'DeviceState', 'Retrieve the current state of a device.', [pathParam('deviceName')]),
  op(
    'deviceStates.update',
    'PUT',
    '/deviceStates/{deviceName}',
    'void',
    'Change the state of a device controlled by ARI. (Note - implicitly creates the device state).',
    [pathParam('deviceName'), query('deviceState', 'string', { required: true, allowedValues: SETTABLE_DEVICE_STATES })],
    [
      [404, 'Device name is missing'],
      [409, 'Uncontrolled device specified'],
    ],
  ),
  op(
    'deviceStates.delete',
    'DELETE',
    '/deviceStates/{deviceName}',
    'void',
    'Destroy a device-state controlled by ARI.',
    [pathParam('deviceName')],
    [
      [404, 'Device name is missing'],
      [409, 'Uncontrolled device specified'],
    ],
  ),
  op('applications.list', 'GET', '/applications', 'List[Application]', 'List all applications.'),
  op('applications.get', 'GET', '/applications/{applicationName}', 'Application', 'Get details of an application.', [pathParam('applicationName')], [[404, 'Application does not exist.']]),
  op(
    'events.eventWebsocket',
    'GET',
    '/events',
    'Message',
    'WebSocket connection for events.',
    [query('app', 'string', { required: true, allowMultiple: true }), query('subscribeAll', 'boolean')],
    [],
    'websocket',
  ),
] as const;

export type OperationId = (typeof OPERATIONS)[number]['id'];
export type RestOperationId = Exclude<OperationId, 'events.eventWebsocket'>;

/** resources.json lists resources in this order, with Asterisk's descriptions. */
export const RESOURCE_DESCRIPTIONS: Readonly<Record<ResourceName, string>> = {
  asterisk: 'Asterisk resources',
  endpoints: 'Endpoint resources',
  channels: 'Channel resources',
  bridges: 'Bridge resources',
  recordings: 'Recording resources',
  playbacks: 'Playback control resources',
  deviceStates: 'Device state resources',
  events: 'WebSocket resource',
  applications: 'Stasis application resources',
};
