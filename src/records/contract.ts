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

/** Characters a part of a recording's file name keeps (FILTER in the dialplan): never `-` (it separates the parts) nor `/`. */
const dialplanIdChars = '0-9A-Za-z.';
const dialplanNumberChars = '0-9A-Za-z+.';

/**
 * The dialplan expression of an automatic recording's file (F-5.1.1),
 * relative to the monitor spool: `call-<UTC time>-<caller>-<callee>-<linkedid>-<uniqueid>.wav`.
 * The recordings index reads the call back from it; each part is filtered
 * so that a caller ID from outside can neither add a part nor leave the folder.
 */
export function callRecordingFileExpression(callee: string): string {
  return (
    [
      'call',
      '${STRFTIME(${EPOCH},UTC,%Y%m%dT%H%M%S)}',
      `\${FILTER(${dialplanNumberChars},\${CALLERID(num)})}`,
      `\${FILTER(${dialplanNumberChars},${callee})}`,
      `\${FILTER(${dialplanIdChars},\${CHANNEL(linkedid)})}`,
      `\${FILTER(${dialplanIdChars},\${UNIQUEID})}`,
    ].join('-') + '.wav'
  );
}

/**
 * TOUCH_MIXMONITOR for one-touch recording (F-5.1.3, features.conf automixmon):
 * Asterisk names the file `<TOUCH_MIXMONITOR_PREFIX>-<Unix time>-<TOUCH_MIXMONITOR>.wav`,
 * which with these values is `ondemand-<time>-<linkedid>-<uniqueid>.wav`, the
 * form of onDemandRecordingFile.
 */
export const touchRecordingVariables = {
  prefix: 'ondemand',
  name: `\${FILTER(${dialplanIdChars},\${CHANNEL(linkedid)})}-\${FILTER(${dialplanIdChars},\${UNIQUEID})}`,
} as const;
