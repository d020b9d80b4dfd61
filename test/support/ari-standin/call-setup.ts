import { randomUUID } from 'node:crypto';
import {
  bridgeCreated,
  channelCallerId,
  channelConnectedLine,
  channelCreated,
  channelDestroyed,
  channelDialplan,
  channelEnteredBridge,
  channelHangupRequest,
  channelStateChange,
  channelVarset,
  dial,
} from './ari-events.js';
import { Call, elapsedVariables, releaseChannel, setVariables } from './call-model.js';
import { publishEndpointDeviceState } from './device-states.js';
import type { FlowContext } from './flow-context.js';
import { TECHNOLOGY, channelJson, type ChannelRecord } from './pbx-state.js';
import type { CallerIdJson, ChannelJson } from './snapshots.js';

const DIAL_VARIABLES = [
  'DIALSTATUS',
  'DIALEDPEERNUMBER',
  'DIALEDPEERNAME',
  'ANSWEREDTIME',
  'ANSWEREDTIME_MS',
  'DIALEDTIME',
  'DIALEDTIME_MS',
  'RINGTIME',
  'RINGTIME_MS',
  'PROGRESSTIME',
  'PROGRESSTIME_MS',
] as const;

const OUTGOING_LINE = '(Outgoing Line)';

export interface RingOptions {
  /**
   * Asterisk publishes device states from another thread, so their place
   * among channel events varies: events-call-100-to-101.jsonl has the caller's
   * INUSE after RINGTIME, events-call-100-to-101-busy.jsonl before it.
   */
  callerInUseBeforeRingTime?: boolean;
}

/**
 * A phone dials another extension: events-call-100-to-101.jsonl up to
 * `Dial RINGING`, or events-call-100-to-101-unavailable.jsonl when the
 * callee is not registered (the returned call is then already ended).
 */
export function placeCall(ctx: FlowContext, from: string, to: string, options: RingOptions = {}): Call {
  const callerEndpoint = ctx.state.requireEndpoint(from);
  ctx.state.requireEndpoint(to);
  const caller = ctx.state.newChannel(callerEndpoint, { state: 'Ring' });
  caller.dialplan.exten = to;
  const call = new Call(caller, from, to, false);
  ctx.emit(channelCreated(caller));
  caller.protocolId = randomUUID();
  ctx.emit(channelVarset(caller, 'SIPDOMAIN', ctx.sipDomain));
  runDialplanUntilDial(ctx, call);
  dialCallee(ctx, call, options);
  return call;
}

/**
 * Not recorded: a provider's call (already arrived, see inbound-call.ts) that
 * inbound routing sends to an extension: the trunk's channel dials `to` the way
 * a phone's call does, and the callee inherits PBX_TRUNK and PBX_DID.
 */
export function placeInboundCall(ctx: FlowContext, trunkChannel: ChannelRecord, trunk: string, to: string): Call {
  ctx.state.requireEndpoint(to);
  const call = new Call(trunkChannel, trunk, to, false);
  runDialplanUntilDial(ctx, call);
  dialCallee(ctx, call, {});
  return call;
}

export interface OriginateRequest {
  endpoint: string;
  extension: string;
  /** The context to run `extension` in once the endpoint answers (the channel shows it from the start, as Asterisk's did). */
  context?: string;
  /** Set when `extension` runs this application rather than dialling an endpoint (see AriStandinOptions.applicationContexts). */
  application?: string;
  callerId: CallerIdJson | undefined;
  channelId: string | undefined;
}

/**
 * POST /channels into the dialplan, as in events-originate-dialplan.jsonl:
 * Asterisk first calls the endpoint (AppDial2); once it answers, the channel
 * runs the extension, which dials the callee. Returns before the endpoint
 * answers; `answerOriginated` continues.
 */
export function originateCall(ctx: FlowContext, request: OriginateRequest): { call: Call; response: ChannelJson } {
  const endpoint = ctx.state.requireEndpoint(request.endpoint);
  const channel = ctx.state.newChannel(endpoint, { state: 'Down', id: request.channelId });
  channel.idleApp = { app_name: 'AppDial2', app_data: OUTGOING_LINE };
  if (request.context) channel.dialplan.context = request.context;
  const call = new Call(channel, request.endpoint, request.extension, true);
  ctx.emit(channelCreated(channel));
  channel.protocolId = randomUUID();
  channel.dialplan = { ...channel.dialplan, ...channel.idleApp };
  ctx.emit(channelDialplan(channel));
  if (request.callerId) {
    channel.caller = { ...request.callerId };
    ctx.emit(channelCallerId(channel));
    channel.connected = { ...request.callerId };
    ctx.emit(channelConnectedLine(channel));
  }
  ctx.emit(dial({ caller: undefined, peer: channel, dialstatus: '', dialstring: request.endpoint }));
  const response = channelJson(channel);
  if (!endpoint.autoAnswer) {
    channel.state = 'Ringing';
    ctx.emit(channelStateChange(channel));
    publishEndpointDeviceState(ctx.state, ctx.emit, endpoint.resource);
    ctx.emit(dial({ caller: undefined, peer: channel, dialstatus: 'RINGING', dialstring: request.endpoint }));
  }
  return { call, response };
}

/** The originated endpoint answers; its channel then runs `<extension>` and dials the callee. */
export function answerOriginated(ctx: FlowContext, call: Call): void {
  const channel = call.caller;
  channel.state = 'Up';
  ctx.emit(channelStateChange(channel));
  ctx.emit(dial({ caller: undefined, peer: channel, dialstatus: 'ANSWER', dialstring: call.from }));
  channel.dialplan.exten = call.to;
  call.phase = 'ringing';
  runDialplanUntilDial(ctx, call);
  publishEndpointDeviceState(ctx.state, ctx.emit, call.from);
  dialCallee(ctx, call, {});
}

/** The callee answers: events-call-100-to-101.jsonl from the callee's `Up` to the bridge variables. */
export function answerCallee(ctx: FlowContext, call: Call): void {
  const caller = call.caller;
  const callee = call.requireCallee();
  callee.state = 'Up';
  ctx.emit(channelStateChange(callee));
  setVariables(ctx, caller, [
    ['DIALSTATUS', 'ANSWER'],
    ['DIALEDPEERNAME', callee.name],
    ['DIALEDPEERNUMBER', call.to],
  ]);
  // The callee leaves the extension when it is bridged; the Dial snapshot already shows it.
  callee.dialplan.exten = '';
  ctx.emit(dial({ caller, peer: callee, dialstatus: 'ANSWER', dialstring: '' }));
  if (caller.state !== 'Up') {
    caller.state = 'Up';
    ctx.emit(channelStateChange(caller));
  }
  publishEndpointDeviceState(ctx.state, ctx.emit, call.to);

  const bridge = ctx.state.newBridge();
  call.bridge = bridge;
  ctx.emit(bridgeCreated(bridge));
  ctx.emit(channelDialplan(callee));
  bridge.channels.push(callee.id);
  ctx.emit(channelEnteredBridge(bridge, callee));
  bridge.channels.unshift(caller.id);
  ctx.emit(channelEnteredBridge(bridge, caller));
  // The basic bridge starts as simple_bridge and moves to native RTP; each
  // re-evaluation sets the bridge variables again. Real Asterisk did that four
  // times in events-call-100-to-101.jsonl and three in events-originate-dialplan.jsonl;
  // each kind of call repeats its recording.
  bridge.technology = 'native_rtp';
  const rounds = call.originated ? 3 : 4;
  for (let round = 0; round < rounds; round++) {
    setVariables(ctx, caller, [
      ['BRIDGEPEER', callee.name],
      ['BRIDGEPVTCALLID', callee.protocolId],
    ]);
    setVariables(ctx, callee, [
      ['BRIDGEPEER', caller.name],
      ['BRIDGEPVTCALLID', caller.protocolId],
    ]);
  }
  call.answeredAtMs = Date.now();
  call.phase = 'up';
}

function runDialplanUntilDial(ctx: FlowContext, call: Call): void {
  const caller = call.caller;
  caller.dialplan = { ...caller.dialplan, priority: 1, app_name: 'NoOp', app_data: `Call to ${call.to}` };
  ctx.emit(channelDialplan(caller));
  caller.dialplan = { ...caller.dialplan, priority: 2, app_name: 'Dial', app_data: `${TECHNOLOGY}/${call.to},30` };
  ctx.emit(channelDialplan(caller));
  call.dialStartedAtMs = Date.now();
  setVariables(
    ctx,
    caller,
    DIAL_VARIABLES.map((name) => [name, '']),
  );
}

function dialCallee(ctx: FlowContext, call: Call, options: RingOptions): void {
  const caller = call.caller;
  if (!ctx.state.isOnline(call.to)) {
    failUnavailable(ctx, call);
    return;
  }
  const callee = ctx.state.newChannel(ctx.state.requireEndpoint(call.to), { state: 'Down', linkedTo: caller });
  callee.idleApp = { app_name: 'AppDial', app_data: OUTGOING_LINE };
  call.callee = callee;
  // The variables the flows model are all set inheritable (`__`): a dialled channel starts with them.
  for (const [name, value] of caller.variables) callee.variables.set(name, value);
  ctx.emit(channelCreated(callee));
  callee.protocolId = randomUUID();
  ctx.emit(channelVarset(callee, 'DIALEDPEERNUMBER', call.to));
  callee.connected = { ...caller.caller };
  callee.dialplan = { ...callee.dialplan, exten: call.to, ...callee.idleApp };
  ctx.emit(channelDialplan(callee));
  ctx.emit(channelConnectedLine(callee));
  ctx.emit(dial({ caller, peer: callee, dialstatus: '', dialstring: call.to }));
  caller.connected = { ...callee.caller };
  ctx.emit(channelConnectedLine(caller));

  callee.state = 'Ringing';
  ctx.emit(channelStateChange(callee));
  publishEndpointDeviceState(ctx.state, ctx.emit, call.to);
  if (options.callerInUseBeforeRingTime) publishEndpointDeviceState(ctx.state, ctx.emit, call.from);
  setVariables(ctx, caller, elapsedVariables('RINGTIME', call.dialStartedAtMs));
  publishEndpointDeviceState(ctx.state, ctx.emit, call.from);
  ctx.emit(dial({ caller, peer: callee, dialstatus: 'RINGING', dialstring: '' }));
  call.phase = 'ringing';
}

/** Dial to an unregistered endpoint fails at once: no callee channel, no Dial event. */
function failUnavailable(ctx: FlowContext, call: Call): void {
  const caller = call.caller;
  ctx.emit(channelVarset(caller, 'DIALSTATUS', 'CHANUNAVAIL'));
  continueToHangupPriority(ctx, caller);
  releaseChannel(ctx, caller);
  ctx.emit(channelDestroyed(caller, { cause: 3, techCause: 404 }));
  publishEndpointDeviceState(ctx.state, ctx.emit, call.from);
  call.phase = 'ended';
}

/** After Dial returns on a live caller the dialplan goes on to `Hangup()` at priority 3. */
export function continueToHangupPriority(ctx: FlowContext, caller: ChannelRecord): void {
  caller.dialplan = { ...caller.dialplan, priority: 3, app_name: 'Hangup', app_data: '' };
  ctx.emit(channelDialplan(caller));
  ctx.emit(channelHangupRequest(caller, { cause: 16, soft: true }));
}
