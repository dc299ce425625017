/**
 * The one place errors become responses. Known errors (AppError) keep their status and message;
 * a lost database is a 503; anything else is logged in full and shown as a plain 500 with the
 * request id, never a stack trace. API paths get application/problem+json, pages get a page.
 */
import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import {
  AppError,
  ConflictError,
  NotFoundError,
  UnavailableError,
  ValidationError,
  type FieldError,
} from '../errors';
import { isDatabaseUnavailable } from '../../db/errors';
import { UnprocessableError } from '../api/api-errors';

interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  requestId?: string;
  errors?: FieldError[];
}

function wantsProblemJson(req: Request): boolean {
  return req.path.startsWith('/api/') || req.path === '/readyz' || req.path === '/healthz';
}

function send(req: Request, res: Response, problem: Problem): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.status(problem.status).set('Cache-Control', 'no-store');
  // Validators set before the failure (the response cache's) describe a page that was not sent.
  res.removeHeader('ETag');
  res.removeHeader('Last-Modified');
  if (problem.status === 503) res.set('Retry-After', '30');
  if (wantsProblemJson(req)) {
    res.type('application/problem+json').send(JSON.stringify(problem));
    return;
  }
  const view = problem.status === 404 ? 'errors/404' : 'errors/error';
  res.render(view, { pageTitle: problem.title, problem }, (err, html) => {
    // A failed error page must not fail again: fall back to plain text.
    if (err) res.type('text/plain').send(`${problem.title}. ${problem.detail}`);
    else res.send(html);
  });
}

export const notFoundHandler: RequestHandler = (_req, _res, next) => {
  next(
    new NotFoundError(
      'We could not find the page you asked for. Check the address, or go to the overview.',
    ),
  );
};

export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  const requestId = String(req.id ?? '');
  const base = { instance: req.originalUrl, requestId };
  let known: AppError | null = err instanceof AppError ? err : null;
  if (!known && isDatabaseUnavailable(err)) known = new UnavailableError();
  // Body parsers and the like throw errors with a status; keep client errors as they are.
  const status =
    typeof err?.status === 'number' && err.status >= 400 && err.status < 500
      ? err.status
      : undefined;

  if (known) {
    const log = known.status >= 500 ? req.log.error.bind(req.log) : req.log.info.bind(req.log);
    log({ err: known.status >= 500 ? err : undefined, status: known.status }, known.message);
    send(req, res, {
      type: 'about:blank',
      title: known.title,
      status: known.status,
      detail: known.message,
      ...base,
      ...(known instanceof ValidationError ||
      ((known instanceof ConflictError || known instanceof UnprocessableError) &&
        known.errors.length > 0)
        ? { errors: known.errors }
        : {}),
    });
    return;
  }
  if (status) {
    req.log.info({ status, err }, 'client error');
    send(req, res, {
      type: 'about:blank',
      title: status === 413 ? 'Too large' : 'Bad request',
      status,
      detail:
        status === 413
          ? 'What you sent is too large for this form. Shorten it and try again.'
          : 'The request could not be understood.',
      ...base,
    });
    return;
  }
  req.log.error({ err }, 'unhandled error');
  send(req, res, {
    type: 'about:blank',
    title: 'Sorry, there is a problem with the service',
    status: 500,
    detail: `Something went wrong on our side. Please try again later. If you contact us, quote reference ${requestId}.`,
    ...base,
  });
};
