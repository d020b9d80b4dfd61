import { channelAction, channelVariable, setChannelVariable } from './ami.js';
import { callControlContexts as contexts, callControlVariables as vars } from './contexts.js';
import type { ControlAmi } from './ports.js';

type Channel = { channelId: string; channelName: string };

/**
 * Puts `held` on hold for `holder` (AMI Redirect of both out of their
 * bridge, in one action): `held` to music (`music`, the holder's class),
 * the holder to silence. Each channel is first told the other's name, so
 * either one hanging up while held hangs up the other.
 */
export async function hold(ami: ControlAmi | null, input: { holder: Channel; held: Channel; music: string }): Promise<void> {
  const { holder, held } = input;
  await setChannelVariable(ami, held.channelId, vars.holdPeer, holder.channelName);
  await setChannelVariable(ami, held.channelId, vars.holdMusic, input.music);
  await setChannelVariable(ami, holder.channelId, vars.holdPeer, held.channelName);
  await channelAction(ami, held.channelId, {
    Action: 'Redirect',
    Channel: held.channelId,
    Context: contexts.held,
    Exten: 's',
    Priority: '1',
    ExtraChannel: holder.channelId,
    ExtraContext: contexts.holding,
    ExtraExten: 's',
    ExtraPriority: '1',
  });
}

/** The name of the channel a holding channel holds ('' when none). */
export function heldBy(ami: ControlAmi | null, holder: Channel): Promise<string> {
  return channelVariable(ami, holder.channelId, vars.holdPeer);
}

/** Bridges a holding extension and the party it holds again (AMI Bridge). */
export async function unhold(ami: ControlAmi | null, input: { holder: Channel; held: Channel }): Promise<void> {
  const { holder, held } = input;
  // Untied first: bridging takes each channel over from its hold context (a masquerade), and what is left
  // behind there runs the context's hang-up step, which must not hang up the party being brought back.
  await setChannelVariable(ami, holder.channelId, vars.holdPeer, '');
  await setChannelVariable(ami, held.channelId, vars.holdPeer, '');
  try {
    await channelAction(ami, holder.channelId, { Action: 'Bridge', Channel1: holder.channelId, Channel2: held.channelId, Tone: 'no' });
  } catch (error) {
    // Still apart: tied again, so either hanging up still ends the other.
    await setChannelVariable(ami, holder.channelId, vars.holdPeer, held.channelName).catch(() => undefined);
    await setChannelVariable(ami, held.channelId, vars.holdPeer, holder.channelName).catch(() => undefined);
    throw error;
  }
}
