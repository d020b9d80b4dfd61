import type { CallDirection } from '../calls/contract.js';
import type { CallRecordJson, Disposition } from './contract.js';

/** The stored row's fields the JSON form needs. */
export type CallRecordRow = {
  id: string;
  linkedid: string;
  uniqueid: string;
  startedAt: Date;
  answeredAt: Date | null;
  endedAt: Date;
  durationSeconds: number;
  talkSeconds: number;
  caller: string;
  callerName: string;
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

/** A call record as it travels on the bus (topic `callRecord`) and in webhooks (`callRecord.created`). */
export function callRecordJson(row: CallRecordRow): CallRecordJson {
  return {
    id: row.id,
    linkedid: row.linkedid,
    uniqueid: row.uniqueid,
    startedAt: row.startedAt.toISOString(),
    answeredAt: row.answeredAt?.toISOString() ?? null,
    endedAt: row.endedAt.toISOString(),
    durationSeconds: row.durationSeconds,
    talkSeconds: row.talkSeconds,
    caller: row.caller,
    callerName: row.callerName,
    callee: row.callee,
    finalCallee: row.finalCallee,
    direction: row.direction as CallDirection,
    disposition: row.disposition as Disposition,
    trunk: row.trunk,
    did: row.did,
    pinCode: row.pinCode,
    callerExtension: row.callerExtension,
    calleeExtension: row.calleeExtension,
  };
}
