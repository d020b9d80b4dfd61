import { apiHoldContext } from '../contract.js';

/**
 * The dialplan contexts of call control and the channel variables they read,
 * named once: the renderer writes them, the service sends calls into them.
 */
export const callControlContexts = {
  /** Click-to-call: the extension's phone answered; the number is dialled as the phone itself would dial it. */
  clickToCall: 'pbx-click-to-call',
  /** The other party of a call put on hold: music until taken off hold. */
  held: 'pbx-call-held',
  /** The extension that put the call on hold: silence until it takes the call back. */
  holding: apiHoldContext,
  /** The parking slots (F-4.7.c): dialled, or rung for pickUpParkedCall, they take the parked call back. */
  parkedCalls: 'pbx-parked-calls',
} as const;

export const callControlVariables = {
  /** The dial-permission context the clicked number is dialled in. */
  clickToCallContext: 'PBX_C2C_CONTEXT',
  /** On each channel of a held pair: the name of the other one (hung up with it). */
  holdPeer: 'PBX_HOLD_PEER',
  /** The music class the held party hears: that of the extension holding. */
  holdMusic: 'PBX_HOLD_MOH',
  /** The MixMonitor id of the recording started on demand on this channel (F-5.1.3), empty when none runs. */
  onDemandRecording: 'PBX_ONDEMAND_REC',
  /** Its file, relative to the monitor spool. */
  onDemandRecordingFile: 'PBX_ONDEMAND_REC_FILE',
} as const;

/** The res_parking lot this PBX parks calls in. */
export const parkingLot = 'default';

/** The longest a holding extension waits in silence: then the held call ends. */
export const holdLimitSeconds = 4 * 3600;
