import type { Tx, PrismaClient } from '../db/client.js';

/** What a recording shows of its call (F-5.1.1: the columns of the call record). */
export type RecordingCallFields = {
  caller: string;
  callee: string;
  finalCallee: string;
  direction: string;
  disposition: string;
  trunk: string;
  did: string;
  pinCode: string;
  callerExtension: string | null;
  calleeExtension: string | null;
};

/** The fields of a call record a recording takes. */
export type RecordForRecording = RecordingCallFields & { uniqueid: string; sequence: number; linkedid: string; startedAt: Date };

/**
 * A recording's call fields from the records of its call (one conversation
 * may have several: transfers, ring groups, a second dial): the record of
 * the recorded channel when there is one, else the call's first. The call
 * was answered when any of its records was; the final callee is who
 * answered last.
 */
export function recordingCallFields(records: RecordForRecording[], uniqueid: string): RecordingCallFields | null {
  if (!records.length) return null;
  const ordered = [...records].sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime() || a.sequence - b.sequence);
  const main = ordered.find((r) => r.uniqueid === uniqueid) ?? ordered[0]!;
  const answered = ordered.filter((r) => r.disposition === 'ANSWERED');
  return {
    caller: main.caller,
    callee: main.callee,
    finalCallee: (answered[answered.length - 1] ?? main).finalCallee,
    direction: main.direction,
    disposition: answered.length ? 'ANSWERED' : main.disposition,
    trunk: main.trunk,
    did: main.did,
    pinCode: main.pinCode,
    callerExtension: main.callerExtension,
    calleeExtension: main.calleeExtension,
  };
}

const recordFields = {
  uniqueid: true,
  sequence: true,
  linkedid: true,
  startedAt: true,
  caller: true,
  callee: true,
  finalCallee: true,
  direction: true,
  disposition: true,
  trunk: true,
  did: true,
  pinCode: true,
  callerExtension: true,
  calleeExtension: true,
} as const;

/**
 * Gives the recordings of these calls (by linkedid, or by the recorded
 * channel's uniqueid for recordings named before linkedids were) the fields
 * of their call records. Runs in the transaction that stores the records,
 * and when a recording is first indexed.
 */
export async function linkRecordings(db: Tx | PrismaClient, calls: { linkedids: string[]; uniqueids: string[] }): Promise<number> {
  if (!calls.linkedids.length && !calls.uniqueids.length) return 0;
  const recordings = await db.recording.findMany({
    where: { OR: [{ linkedid: { in: calls.linkedids } }, { linkedid: '', uniqueid: { in: calls.uniqueids } }] },
    select: { id: true, linkedid: true, uniqueid: true },
  });
  if (!recordings.length) return 0;
  const linkedids = [...new Set(recordings.map((r) => r.linkedid).filter(Boolean))];
  const uniqueids = [...new Set(recordings.filter((r) => !r.linkedid).map((r) => r.uniqueid))];
  const records = await db.callRecord.findMany({ where: { OR: [{ linkedid: { in: linkedids } }, { uniqueid: { in: uniqueids } }] }, select: recordFields });
  let linked = 0;
  for (const recording of recordings) {
    const own = recording.linkedid ? records.filter((r) => r.linkedid === recording.linkedid) : records.filter((r) => r.uniqueid === recording.uniqueid);
    const fields = recordingCallFields(own, recording.uniqueid);
    if (!fields) continue;
    await db.recording.update({ where: { id: recording.id }, data: fields });
    linked += 1;
  }
  return linked;
}
