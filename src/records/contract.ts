/**
 * Call records (F-5.2) and recordings (F-5.1.1, F-5.1.3) as other modules see
 * them: the bus payload of a record written (webhooks: `callRecord.created`)
 * and the file names call control uses for one-touch recordings, so the
 * recordings index links them to their call.
 */

export const dispositions = ['ANSWERED', 'NO_ANSWER', 'BUSY', 'FAILED'] as const;
export type Disposition = (typeof dispositions)[number];

/** A call record as JSON (bus topic `callRecord`). */
export type CallRecordJson = {
  id: string;
  linkedid: string;
  uniqueid: string;
  startedAt: string;
  answeredAt: string | null;
  endedAt: string;
  durationSeconds: number;
  talkSeconds: number;
  caller: string;
  callerName: string;
  callee: string;
  finalCallee: string;
  direction: 'INBOUND' | 'OUTBOUND' | 'INTERNAL';
  disposition: Disposition;
  trunk: string;
  did: string;
  pinCode: string;
  callerExtension: string | null;
  calleeExtension: string | null;
};

export const recordingKinds = ['CALL', 'ON_DEMAND'] as const;
export type RecordingKind = (typeof recordingKinds)[number];

/**
 * The file (relative to Asterisk's monitor spool) of a recording started on
 * demand (F-5.1.3) by the API for a channel of a call: the recordings index
 * reads the kind, the call and the channel back from the name.
 */
export function onDemandRecordingFile(linkedid: string, channelId: string, at: Date): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
  return `ondemand-${stamp}-${safeName(linkedid)}-${safeName(channelId)}.wav`;
}

/** Asterisk ids are digits and dots (or an id given to originate); anything else becomes '_' so a name is always one path segment. */
function safeName(id: string): string {
  return id.replace(/[^A-Za-z0-9.]/g, '_');
}
