/**
 * Errors only the JSON API raises. They are AppErrors, so the one error handler turns them into
 * application/problem+json with their status; headers a status needs (WWW-Authenticate for 401,
 * Retry-After for 429) are set on the response by whoever throws, before throwing.
 */
import { type FieldError, AppError } from '../errors';

export class UnauthenticatedError extends AppError {
  readonly status = 401;
  readonly title = 'Unauthorised';
  constructor(
    message = 'This needs a valid API token, sent as "Authorization: Bearer <token>". The token given is unknown, expired or revoked, or its account is disabled.',
  ) {
    super(message);
  }
}

export class PayloadTooLargeError extends AppError {
  readonly status = 413;
  readonly title = 'Payload too large';
}

export class UnsupportedMediaTypeError extends AppError {
  readonly status = 415;
  readonly title = 'Unsupported media type';
  constructor(message = 'Send the request body as JSON, with "Content-Type: application/json".') {
    super(message);
  }
}

export class UnprocessableError extends AppError {
  readonly status = 422;
  readonly title = 'Unprocessable content';
  /** `errors`, when given, name each place at fault (a field, or a row and column of a file). */
  constructor(
    message: string,
    readonly errors: FieldError[] = [],
  ) {
    super(message);
  }
}

export class TooManyRequestsError extends AppError {
  readonly status = 429;
  readonly title = 'Too many requests';
}
