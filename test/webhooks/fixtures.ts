import type { Call, CallEvent, CallEventKind } from '../../src/calls/contract.js';
import type { CallRecordJson } from '../../src/records/contract.js';

/** A call 100 → 101 as the call tracker would publish it (the contract's shape). */
export function call(id: string, version: number, state: Call['state'] = 'RINGING'): Call {
  const now = new Date().toISOString();
  return {
    id,
    direction: 'INTERNAL',
    state,
    caller: { number: '100', name: 'Alice', extension: '100' },
    callee: { number: '101', name: 'Bob', extension: '101' },
    did: null,
    trunk: null,
    extensions: ['100', '101'],
    departments: [],
    queues: [],
    legs: [],
    transferred: false,
    startedAt: now,
    answeredAt: state === 'ANSWERED' || state === 'ENDED' ? now : null,
    endedAt: state === 'ENDED' ? now : null,
    hangupCause: state === 'ENDED' ? 16 : null,
    hangupCauseText: state === 'ENDED' ? 'Normal Clearing' : null,
    version,
  };
}

const stateOf: Record<CallEventKind, Call['state']> = {
  STARTED: 'DIALING',
  RINGING: 'RINGING',
  ANSWERED: 'ANSWERED',
  HELD: 'ON_HOLD',
  UNHELD: 'ANSWERED',
  TRANSFERRED: 'TRANSFERRED',
  UPDATED: 'ANSWERED',
  ENDED: 'ENDED',
};

export function callEvent(id: string, kind: CallEventKind, version: number): CallEvent {
  return { kind, call: call(id, version, stateOf[kind]), at: new Date().toISOString() };
}

export function callRecord(id: string): CallRecordJson {
  const now = new Date().toISOString();
  return {
    id,
    linkedid: `linked-${id}`,
    uniqueid: `unique-${id}`,
    startedAt: now,
    answeredAt: now,
    endedAt: now,
    durationSeconds: 12,
    talkSeconds: 10,
    caller: '100',
    callerName: 'Alice',
    callee: '101',
    finalCallee: '101',
    direction: 'INTERNAL',
    disposition: 'ANSWERED',
    trunk: '',
    did: '',
    pinCode: '',
    callerExtension: '100',
    calleeExtension: '101',
  };
}
