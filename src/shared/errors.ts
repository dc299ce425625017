/**
 * The app's error family. Services throw these; the one error handler (middleware/error-handler.ts)
 * turns them into a page or application/problem+json. Anything else is a 500 and is never shown.
 */
export interface FieldError {
  field: string;
  message: string;
  /**
   * For a field typed in several boxes (a date's day, month and year): the box at fault that the
   * error summary links to, as the suffix of the field's id ('month' is `#<field>-month`). Absent:
   * the field's first box, whose id is the field's own.
   */
  box?: string;
}

export abstract class AppError extends Error {
  abstract readonly status: number;
  abstract readonly title: string;
}

export class NotFoundError extends AppError {
  readonly status = 404;
  readonly title = 'Not found';
  constructor(message = 'The page or item you asked for does not exist.') {
    super(message);
  }
}

export class ForbiddenError extends AppError {
  readonly status = 403;
  readonly title = 'Forbidden';
  constructor(message = 'You do not have permission to do that.') {
    super(message);
  }
}

/** The change clashes with what is stored (a duplicate, or a rule such as "only if unused"). */
export class ConflictError extends AppError {
  readonly status = 409;
  readonly title = 'Conflict';
  /** `errors`, when given, name the form fields at fault, so a form can show them beside the field. */
  constructor(
    message: string,
    readonly errors: FieldError[] = [],
  ) {
    super(message);
  }
}

export class ValidationError extends AppError {
  readonly status = 400;
  readonly title = 'Invalid request';
  constructor(readonly errors: FieldError[]) {
    super(errors.map((e) => e.message).join('; ') || 'The request is not valid.');
  }
}

/** The database could not be reached; the request may succeed if tried again later. */
export class UnavailableError extends AppError {
  readonly status = 503;
  readonly title = 'Service unavailable';
  constructor(
    message = 'The service cannot reach its database just now. Please try again in a few minutes.',
  ) {
    super(message);
  }
}
