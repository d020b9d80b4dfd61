/** Building blocks of extensions.conf shared by every domain's dialplan. */
import { callRecordingFileExpression } from '../../records/contract.js';

/** Dialplan contexts of the core, named here once; domains name their own. */
export const coreContexts = {
  internal: 'pbx-internal',
  /** Gosub s,1(<callee>): records the call once (MixMonitor on the calling channel), however many features ask for it. */
  recordCall: 'pbx-record-call',
  /**
   * Gosub s,1: sets what the calling extension's data says on its channel, once per call (src/pbx/render/dialplan.ts):
   * PBX_RECORDING, PBX_CID1, PBX_CID2 and PBX_WHITELIST_OUT; a channel that is not an extension's phone gets none.
   */
  caller: 'pbx-caller',
} as const;

/** Whether a recording mode (RecordingMode of extensions and trunks) records calls in this direction. */
export const records = (mode: string, direction: 'INBOUND' | 'OUTBOUND') => mode === direction || mode === 'BOTH';

/** Starts recording the call on this channel into the monitor spool, named by time, caller, `callee`, the call and the channel (src/records/contract.ts). */
export const recordingStep = (callee: string) => `MixMonitor(${callRecordingFileExpression(callee)},b)`;

export type Line = string;

/**
 * The first step of a pattern that ends in `.` or `!` and that phones dial: a SIP request's user part may carry
 * `&`, `,`, `(` and `)`, which Asterisk passes into ${EXTEN} as they are and an application such as Dial would
 * read as separators (another channel to dial, other options). Any character but a digit, `*`, `#` or `+`
 * sends the call to `target` (a label of the same extension).
 */
export const refuseUndiallable = (target: string) => `GotoIf(\${REGEX("[^0-9*#+]" \${EXTEN})}?${target})`;

/** An extension's priorities: the first numbered 1, the rest `same => n`. */
export function exten(name: string, steps: Line[]): string {
  const [first, ...rest] = steps;
  return [`exten => ${name},1,${first}`, ...rest.map((s) => (s.startsWith('(') ? ` same => n${s}` : ` same => n,${s}`))].join('\n');
}

/** A labelled step: label('busy', 'VoiceMail(...)') → `same => n(busy),VoiceMail(...)` */
export const label = (name: string, step: string) => `(${name}),${step}`;

/** A number that goes into a dialplan line: digits only. */
export function digits(n: string, what: string): string {
  if (!/^\d+$/.test(n)) throw new Error(`${what}: ${n} is not a number`);
  return n;
}

/** A context: its name, its blocks, and a blank line. */
export function context(name: string, blocks: string[]): string {
  return [`[${name}]`, ...blocks, ''].join('\n');
}
