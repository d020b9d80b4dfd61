/**
 * Typed errors that domain services throw. The GraphQL layer turns each into
 * a member of the mutation's result union, so a client gets a typed error it
 * can show, never an internal error.
 */

export type FieldIssue = {
  /** Path of the offending input, e.g. ["input", "codecs", "2"] or ["rows", "14", "number"]. */
  path: string[];
  message: string;
  /** Stable machine-readable code, e.g. REQUIRED, INVALID_FORMAT, OUT_OF_RANGE. */
  code: string;
};

export class ValidationError extends Error {
  override name = 'ValidationError';
  constructor(readonly issues: FieldIssue[]) {
    super(issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') || 'Invalid input');
  }
  static single(path: string[], message: string, code = 'INVALID'): ValidationError {
    return new ValidationError([{ path, message, code }]);
  }
}

export class NotFoundError extends Error {
  override name = 'NotFoundError';
  constructor(
    readonly entity: string,
    readonly reference: string,
  ) {
    super(`${entity} ${reference} does not exist`);
  }
}

export type NumberOwner = { kind: string; id: string; label: string };

/** A dialable number is taken: names the owner (D5). */
export class NumberConflictError extends Error {
  override name = 'NumberConflictError';
  constructor(
    readonly number: string,
    readonly owner: NumberOwner,
    readonly inputPath: string[] = [],
  ) {
    super(`Number ${number} is already used by ${owner.label}`);
  }
}

/** A name or other unique value is taken. */
export class ConflictError extends Error {
  override name = 'ConflictError';
  constructor(
    message: string,
    readonly inputPath: string[] = [],
  ) {
    super(message);
  }
}

export type Referrer = { kind: string; id: string; label: string };

/** Deleting something that other objects route to. */
export class ReferencedError extends Error {
  override name = 'ReferencedError';
  constructor(
    readonly target: string,
    readonly referrers: Referrer[],
    action = 'deleted',
  ) {
    super(`${target} cannot be ${action}: ${referrers.map((r) => r.label).join('; ')}`);
  }
}

export class LimitExceededError extends Error {
  override name = 'LimitExceededError';
  constructor(
    readonly limit: string,
    readonly maximum: number,
    message: string,
  ) {
    super(message);
  }
}

export class NotPermittedError extends Error {
  override name = 'NotPermittedError';
  constructor(
    message = 'Not permitted',
    readonly inputPath: string[] = [],
  ) {
    super(message);
  }
}

/**
 * A refusal for want of a credential that authenticates anyone (code UNAUTHENTICATED): none was
 * sent, or the one sent was refused, and `reason` says why. A mutation returns it as its NotPermittedError.
 */
export class NotAuthenticatedError extends NotPermittedError {
  override name = 'NotAuthenticatedError';
  constructor(reason?: string | null) {
    super(reason ? `Not authenticated: ${reason}` : 'Not authenticated');
  }
}

export class AuthenticationError extends Error {
  override name = 'AuthenticationError';
}

export class LoginLockedError extends Error {
  override name = 'LoginLockedError';
  constructor(
    readonly retryAfterSeconds: number,
    why = 'Too many failed logins',
  ) {
    super(`${why}: try again in ${retryAfterSeconds} s`);
  }
}

/** Collects issues across a whole input so the client sees every problem at once. */
export class IssueCollector {
  readonly issues: FieldIssue[] = [];
  add(path: string[], message: string, code = 'INVALID'): void {
    this.issues.push({ path, message, code });
  }
  get empty(): boolean {
    return this.issues.length === 0;
  }
  throwIfAny(): void {
    if (this.issues.length) throw new ValidationError(this.issues);
  }
}

/** Asterisk is needed for this (a call through ARI, an action through AMI) and this server is not connected to it now. */
export class AsteriskNotConnectedError extends Error {
  override name = 'AsteriskNotConnectedError';
  constructor(message = 'Asterisk is not connected (ARI): no call can be placed now; try again when it is') {
    super(message);
  }
}
