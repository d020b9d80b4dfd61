import { extensionContexts } from '../../extensions/dialplan.js';
import { realtimeFamilies } from '../../pbx/render/realtime.js';
import { AsteriskNotConnectedError, ConflictError } from '../../errors.js';
import { AmiError } from '../../pbx/ami/errors.js';
import { header, type AmiMessage } from '../../pbx/ami/message.js';
import { CallLegNotFoundError } from './errors.js';
import type { ControlAmi } from './ports.js';

export function requireAmi(ami: ControlAmi | null): ControlAmi {
  if (!ami?.connected()) throw new AsteriskNotConnectedError('Asterisk is not connected (AMI): nothing was done; try again when it is');
  return ami;
}

/**
 * Sends one AMI action about a channel. Asterisk's refusal becomes a typed
 * error: the channel is gone (CallLegNotFoundError), or a ConflictError with
 * Asterisk's reason; a lost connection or a timeout AsteriskNotConnectedError.
 */
export async function channelAction(ami: ControlAmi | null, channelId: string, action: AmiMessage & { Action: string }): Promise<AmiMessage> {
  const client = requireAmi(ami);
  try {
    return await client.action(action);
  } catch (error) {
    if (!(error instanceof AmiError)) throw error;
    if (error.code !== 'rejected') throw new AsteriskNotConnectedError(`Asterisk did not carry out ${action.Action} (${error.code}); try again`);
    const reason = header(error.response ?? {}, 'Message')?.trim() || error.message;
    if (/no such channel|does not exist|channel not found/i.test(reason)) throw new CallLegNotFoundError(channelId, 'is gone');
    throw new ConflictError(`Asterisk refused ${action.Action}: ${reason}`, []);
  }
}

/** A channel variable (AMI Getvar); '' when unset. */
export async function channelVariable(ami: ControlAmi | null, channelId: string, variable: string): Promise<string> {
  const answer = await channelAction(ami, channelId, { Action: 'Getvar', Channel: channelId, Variable: variable });
  return header(answer, 'Value') ?? '';
}

export async function setChannelVariable(ami: ControlAmi | null, channelId: string, variable: string, value: string): Promise<void> {
  await channelAction(ami, channelId, { Action: 'Setvar', Channel: channelId, Variable: variable, Value: value });
}

/** Whether `number` can be dialled in `context` (DIALPLAN_EXISTS, includes and patterns followed), read through AMI Getvar. */
export async function dialplanHas(ami: ControlAmi | null, context: string, number: string): Promise<boolean> {
  const client = requireAmi(ami);
  try {
    const answer = await client.action({ Action: 'Getvar', Variable: `DIALPLAN_EXISTS(${context},${number},1)` });
    if (header(answer, 'Value') !== '1') return false;
    // The extension range is one pattern (the dialplan looks the extension up at call time): a number in it exists only with its extension.
    const inRange = await client.action({ Action: 'Getvar', Variable: `DIALPLAN_EXISTS(${extensionContexts.extensions},${number},1)` });
    if (header(inRange, 'Value') !== '1') return true;
    const row = await client.action({ Action: 'Getvar', Variable: `REALTIME_FIELD(${realtimeFamilies.extension.family},number,${number},number)` });
    return header(row, 'Value') === number;
  } catch (error) {
    if (error instanceof AmiError) throw new AsteriskNotConnectedError(`Asterisk did not answer whether ${number} can be dialled (${error.code}); try again`);
    throw error;
  }
}
