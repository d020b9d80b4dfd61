import type { AmiMessage } from './message.js';

export type AmiErrorCode =
  | 'invalid_message' // refused before sending (CR/LF injection, bad key, caller-supplied ActionID)
  | 'not_connected' // no logged-in session when the action was requested
  | 'disconnected' // the connection dropped while the action was pending
  | 'stopped' // stop() was called while the action was pending
  | 'timeout'
  | 'rejected' // Asterisk answered `Response: Error`; see `response`
  | 'protocol'; // Asterisk answered in a shape the client cannot use

export class AmiError extends Error {
  override readonly name = 'AmiError';

  constructor(
    readonly code: AmiErrorCode,
    message: string,
    /** The `Response: Error` message, for code `rejected`. */
    readonly response?: AmiMessage,
  ) {
    super(message);
  }
}
