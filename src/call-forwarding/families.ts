/**
 * Call forwarding (F-4.5.1) as Asterisk keeps it: one astdb family per kind,
 * a key per extension number holding the number calls go to. The codes
 * (F-4.7.j *71/*72/*73 and *071/*072/*073) write them, the API writes the
 * same keys, and the extension's dial subroutine reads them at call time.
 */
export const forwardTypes = ['ALWAYS', 'BUSY', 'NO_ANSWER'] as const;
export type ForwardType = (typeof forwardTypes)[number];

/** The families of the manual's realisation (F-4.7.j): CF always, CFB when busy, CFU when unanswered. */
export const forwardFamilies: Readonly<Record<ForwardType, string>> = { ALWAYS: 'CF', BUSY: 'CFB', NO_ANSWER: 'CFU' };

/** A number calls are forwarded to: an internal number or an outside one as the phone would dial it (with its outbound prefix). */
export const forwardNumberPattern = /^\+?[0-9]{1,32}$/;

/** A call forwarded more often than this (A to B to A …) rings the extension it reached instead of going on. */
export const maxForwardHops = 5;
