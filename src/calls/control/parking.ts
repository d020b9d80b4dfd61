import { ConflictError } from '../../errors.js';
import { header, type AmiMessage } from '../../pbx/ami/message.js';
import { channelAction, requireAmi } from './ami.js';
import { parkingLot } from './contexts.js';
import type { ControlAmi } from './ports.js';

/** A call waiting in a parking slot (res_parking, AMI ParkedCall). */
export type ParkedCall = {
  slot: string;
  /** The parked call (its linkedid) and the parked channel */
  callId: string;
  channelId: string;
  channelName: string;
  callerNumber: string;
  callerName: string;
  /** Who it rings again when nobody takes it back in time (the parker's dial string) */
  parkerDialString: string;
  /** Seconds it has waited, and seconds left before it goes back to the parker, when it was read */
  durationSeconds: number;
  timeoutSeconds: number;
};

const value = (message: AmiMessage, name: string) => header(message, name) ?? '';
const seconds = (text: string) => (Number.isFinite(Number(text)) ? Math.max(0, Math.round(Number(text))) : 0);

/** A ParkedCall event (res_parking's listing and its live event carry the same fields). */
export function parkedCallOf(message: AmiMessage): ParkedCall {
  return {
    slot: value(message, 'ParkingSpace'),
    callId: value(message, 'ParkeeLinkedid') || value(message, 'ParkeeUniqueid'),
    channelId: value(message, 'ParkeeUniqueid'),
    channelName: value(message, 'ParkeeChannel'),
    callerNumber: value(message, 'ParkeeCallerIDNum'),
    callerName: value(message, 'ParkeeCallerIDName'),
    parkerDialString: value(message, 'ParkerDialString'),
    durationSeconds: seconds(value(message, 'ParkingDuration')),
    timeoutSeconds: seconds(value(message, 'ParkingTimeout')),
  };
}

/** The calls parked in this PBX's lot, in slot order (AMI ParkedCalls). */
export async function listParkedCalls(ami: ControlAmi | null): Promise<ParkedCall[]> {
  const client = requireAmi(ami);
  let events: AmiMessage[];
  try {
    events = await client.list({ Action: 'ParkedCalls', ParkingLot: parkingLot });
  } catch (error) {
    // Without the lot (res_parking not loaded, or the configuration not applied yet) nothing is parked.
    if (/could not be found|invalid\/unknown command/i.test(String((error as Error).message))) return [];
    throw error;
  }
  return events
    .filter((e) => value(e, 'Event') === 'ParkedCall')
    .map(parkedCallOf)
    .sort((a, b) => Number(a.slot) - Number(b.slot));
}

/**
 * Parks `channelId` (the party the parker talks to) with AMI Park: the parker
 * (`parkerName`, the channel bridged with it) hears the slot and is hung up,
 * as with the park code; after the park time the call rings the parker again.
 * Resolves with the parked call once Asterisk reports it (its ParkedCall event,
 * or the listing when the event does not come).
 */
export async function park(ami: ControlAmi | null, input: { channelId: string; parkerName: string }, waitMs: number): Promise<ParkedCall> {
  const client = requireAmi(ami);
  let onEvent: (message: AmiMessage) => void = () => undefined;
  const reported = new Promise<ParkedCall | null>((resolve) => {
    const timer = setTimeout(() => resolve(null), waitMs);
    onEvent = (message) => {
      if (value(message, 'Event') === 'ParkedCall' && value(message, 'ParkeeUniqueid') === input.channelId) {
        clearTimeout(timer);
        resolve(parkedCallOf(message));
      }
    };
    client.on('event', onEvent);
  });
  try {
    await channelAction(client, input.channelId, { Action: 'Park', Channel: input.channelId, TimeoutChannel: input.parkerName, Parkinglot: parkingLot });
    const parked = (await reported) ?? (await listParkedCalls(client)).find((p) => p.channelId === input.channelId);
    if (!parked) throw new ConflictError('Asterisk accepted the park but reported no parked call: the park range may be full or not applied yet', []);
    return parked;
  } finally {
    client.off('event', onEvent);
  }
}
