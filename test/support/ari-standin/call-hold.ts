import { channelHold, channelUnhold, deviceStateChanged } from './ari-events.js';
import type { Call } from './call-model.js';
import { publishEndpointDeviceState } from './device-states.js';
import type { FlowContext } from './flow-context.js';
import { TECHNOLOGY } from './pbx-state.js';

/**
 * A phone of an answered call puts it on hold (re-INVITE sendonly) and takes
 * it back, as a real Asterisk 22.10.1 reported it for pjsua's hold: the
 * holder's channel gets ChannelHold (with the music class) and the other
 * party's device goes ONHOLD (it hears the music); ChannelUnhold, and the
 * other party is INUSE again.
 */
export function holdCall(ctx: FlowContext, call: Call, by: 'caller' | 'callee', held: boolean): void {
  if (call.phase !== 'up') throw new Error(`ARI stand-in: call ${call.id} is ${call.phase}, not answered`);
  const holder = by === 'caller' ? call.caller : call.requireCallee();
  const other = by === 'caller' ? call.to : call.from;
  if (held) {
    const device = `${TECHNOLOGY}/${other}`;
    ctx.state.publishedDeviceStates.set(device, 'ONHOLD');
    ctx.emit(deviceStateChanged(device, 'ONHOLD'));
    ctx.emit(channelHold(holder, 'default'));
  } else {
    ctx.emit(channelUnhold(holder));
    publishEndpointDeviceState(ctx.state, ctx.emit, other);
  }
}
