/**
 * Typed errors of call control: the call, the channel or the parked call the
 * request names is not (or no longer) there. The GraphQL layer turns each
 * into a member of the mutation's result union.
 */

export class CallNotFoundError extends Error {
  override name = 'CallNotFoundError';
  constructor(readonly callId: string) {
    super(`Call ${callId} is not in progress (it ended, or never existed)`);
  }
}

export class CallLegNotFoundError extends Error {
  override name = 'CallLegNotFoundError';
  constructor(
    readonly channelId: string,
    reason = 'is not a channel of a call in progress',
  ) {
    super(`Channel ${channelId} ${reason}`);
  }
}

export class ParkedCallNotFoundError extends Error {
  override name = 'ParkedCallNotFoundError';
  constructor(readonly slot: string) {
    super(`No call is parked in slot ${slot}`);
  }
}
