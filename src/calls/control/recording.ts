import { ConflictError } from '../../errors.js';
import { channelAction, channelVariable, setChannelVariable } from './ami.js';
import { callControlVariables as vars } from './contexts.js';
import { CallLegNotFoundError } from './errors.js';
import type { ControlAmi } from './ports.js';

/**
 * On-demand recordings (F-5.1.3): AMI MixMonitor on one channel (both
 * directions of its conversation), its id and file kept on the channel
 * itself, so stopping needs nothing this server remembers.
 */
export async function startRecording(ami: ControlAmi | null, channelId: string, file: string, callId: string): Promise<void> {
  if (await channelVariable(ami, channelId, vars.onDemandRecording)) {
    const running = await channelVariable(ami, channelId, vars.onDemandRecordingFile);
    throw new ConflictError(`Call ${callId} is being recorded on demand already${running ? ` (${running})` : ''}`, []);
  }
  await channelAction(ami, channelId, { Action: 'MixMonitor', Channel: channelId, File: file, Options: `i(${vars.onDemandRecording})` });
  await setChannelVariable(ami, channelId, vars.onDemandRecordingFile, file);
}

/** Stops the on-demand recording running on one of `channelIds`; answers its channel and file, or null when none runs. */
export async function stopRecording(ami: ControlAmi | null, channelIds: string[]): Promise<{ channelId: string; file: string } | null> {
  for (const channelId of channelIds) {
    const id = await channelVariable(ami, channelId, vars.onDemandRecording).catch((error: unknown) => {
      if (error instanceof CallLegNotFoundError) return '';
      throw error;
    });
    if (!id) continue;
    const file = await channelVariable(ami, channelId, vars.onDemandRecordingFile);
    await channelAction(ami, channelId, { Action: 'StopMixMonitor', Channel: channelId, MixMonitorID: id });
    await setChannelVariable(ami, channelId, vars.onDemandRecording, '');
    return { channelId, file };
  }
  return null;
}
