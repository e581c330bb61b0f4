/**
 * Errors that feature code throws. Each names its HTTP status once, here; the global filter turns them
 * into the contract's error body. Messages are for the client: never put secrets or internals in them.
 */
export abstract class DomainError extends Error {
  abstract readonly status: number;
  /** Extra fields merged into the error body (e.g. the list of failed password rules). */
  readonly details?: Record<string, unknown>;

  constructor(message: string | string[], details?: Record<string, unknown>) {
    super(Array.isArray(message) ? message.join('; ') : message);
    this.messages = Array.isArray(message) ? message : undefined;
    this.details = details;
    this.name = new.target.name;
  }

  readonly messages?: string[];
}

export class BadInput extends DomainError {
  readonly status = 400;
}

export class NotAuthenticated extends DomainError {
  readonly status = 401;
  constructor(message = 'Authentication required') {
    super(message);
  }
}

export class Forbidden extends DomainError {
  readonly status = 403;
  constructor(message = 'You are not allowed to do this') {
    super(message);
  }
}

/** Absent, or in another tenant: the two are reported alike so that a tenant boundary does not leak. */
export class NotFound extends DomainError {
  readonly status = 404;
  constructor(what: string) {
    super(`${what} not found`);
  }
}

export class Conflict extends DomainError {
  readonly status = 409;
}

export class BusinessRuleViolation extends DomainError {
  readonly status = 422;
}

export class TooManyRequests extends DomainError {
  readonly status = 429;
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

export class ServiceUnavailable extends DomainError {
  readonly status = 503;
}
