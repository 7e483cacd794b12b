/**
 * Typed domain errors. Core code throws these; the API maps each kind to one transport code in
 * one place. `message` is safe to show to the caller; `cause` is for logs only.
 */
export abstract class DomainError extends Error {
  abstract readonly kind: 'not_found' | 'conflict' | 'invalid' | 'forbidden' | 'upstream' | 'unavailable';
}

export class NotFoundError extends DomainError {
  readonly kind = 'not_found';
  override name = 'NotFoundError';
}

export class ConflictError extends DomainError {
  readonly kind = 'conflict';
  override name = 'ConflictError';
}

/** Bad input that passed schema validation but fails a domain rule; names the field. */
export class InvalidInputError extends DomainError {
  readonly kind = 'invalid';
  override name = 'InvalidInputError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

export class ForbiddenError extends DomainError {
  readonly kind = 'forbidden';
  override name = 'ForbiddenError';
}

/** A remote service failed or answered with an error. The message names the service. */
export class UpstreamError extends DomainError {
  readonly kind = 'upstream';
  override name = 'UpstreamError';
  constructor(
    readonly service: string,
    message: string,
    readonly options: { timeout?: boolean; status?: number; cause?: unknown } = {},
  ) {
    super(`${service}: ${message}`, { cause: options.cause });
  }
  get timedOut(): boolean {
    return this.options.timeout === true;
  }
}

/** A dependency this instance needs is not configured or not running. */
export class UnavailableError extends DomainError {
  readonly kind = 'unavailable';
  override name = 'UnavailableError';
}
