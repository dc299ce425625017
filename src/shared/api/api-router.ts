/**
 * Turns route declarations (api-route.ts) into an Express router for /api/v1: bearer
 * authentication, JSON body parsing, validation, the authorisation requirement, and sending the
 * result with an ETag. Cookies are never honoured here: whatever session the browser has, an API
 * call is anonymous unless it carries a good token, so the API needs no CSRF protection.
 */
import { createHash } from 'node:crypto';
import express, {
  Router,
  type ErrorRequestHandler,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';
import type { ValidateFunction } from 'ajv';
import { ForbiddenError, ValidationError } from '../errors';
import { ajv, check, compileText } from '../validation';
import { can } from '../../modules/accounts/policy';
import { requestContext } from '../../modules/accounts/accounts.controller';
import type { CurrentUser, RequestContext } from '../../modules/accounts/accounts.types';
import type { ApiResult, ApiRoute } from './api-route';
import { isMultipart } from '../multipart';
import type { ResponseCache } from '../response-cache/response-cache';
import { guardBody } from '../middleware/input-guard';
import {
  PayloadTooLargeError,
  TooManyRequestsError,
  UnauthenticatedError,
  UnsupportedMediaTypeError,
} from './api-errors';

export const API_PREFIX = '/api/v1';
export const API_BODY_LIMIT = '1mb';

export type BearerOutcome =
  | { kind: 'ok'; user: CurrentUser }
  | { kind: 'invalid' }
  | { kind: 'throttled'; retryAfterSeconds: number };

/** Checks a bearer token; implemented by the api-tokens module. */
export interface BearerAuthenticator {
  authenticate(token: string, context: RequestContext): Promise<BearerOutcome>;
}

const REALM = 'Bearer realm="api"';
// RFC 6750 token68 characters; our tokens use a subset.
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

function refuseToken(res: Response): UnauthenticatedError {
  res.set('WWW-Authenticate', `${REALM}, error="invalid_token"`);
  return new UnauthenticatedError();
}

function authentication(authenticator: BearerAuthenticator): RequestHandler {
  return async (req, res, next) => {
    res.vary('Authorization');
    // Whatever the session middleware found, cookies give no rights on the API.
    req.user = null;
    req.trackerSession = null;
    req.pendingUser = null;
    const header = req.get('authorization');
    if (header === undefined) return next();
    const match = BEARER.exec(header);
    if (!match || match[1]!.length > 200) return next(refuseToken(res));
    const outcome = await authenticator.authenticate(match[1]!, requestContext(req));
    if (outcome.kind === 'throttled') {
      res.set('Retry-After', String(outcome.retryAfterSeconds));
      return next(
        new TooManyRequestsError(
          'Too many requests with unknown or expired tokens came from this address. Wait and try again with a valid token.',
        ),
      );
    }
    if (outcome.kind === 'invalid') return next(refuseToken(res));
    req.user = outcome.user;
    next();
  };
}

/** JSON bodies only, at most API_BODY_LIMIT; parser failures become clear problem responses. */
const jsonBody = express.json({ limit: API_BODY_LIMIT, type: ['application/json', '+json'] });
const bodyErrors: ErrorRequestHandler = (err, _req, _res, next) => {
  const type = (err as { type?: string }).type;
  if (type === 'entity.too.large')
    return next(new PayloadTooLargeError(`The request body must be at most ${API_BODY_LIMIT}.`));
  if (type === 'entity.parse.failed')
    return next(new ValidationError([{ field: '(body)', message: 'The body is not valid JSON' }]));
  if (type === 'charset.unsupported' || type === 'encoding.unsupported')
    return next(new UnsupportedMediaTypeError('Send the request body as UTF-8 JSON.'));
  next(err);
};

/** Strong validator for a JSON body: a hash of exactly the bytes sent. */
export function strongEtag(json: string | Buffer): string {
  return `"${createHash('sha256').update(json).digest('base64url')}"`;
}

function send(req: Request, res: Response, method: string, result: ApiResult): void {
  const status = result.status ?? 200;
  for (const [name, value] of Object.entries(result.headers ?? {})) res.set(name, value);
  if (method !== 'get') res.set('Cache-Control', 'no-store');
  if (result.body === undefined) {
    res.status(status).end();
    return;
  }
  // Encoded once: the validator hashes the very bytes that are sent.
  const json = Buffer.from(JSON.stringify(result.body));
  res.status(status);
  if (method === 'get' && status === 200) {
    // Anyone may keep a public answer but must revalidate (a cheap 304); an answer for a token is
    // for that caller only, and revalidating checks the token again each time.
    res.set('Cache-Control', req.user ? 'private, no-cache' : 'public, no-cache');
    res.set('ETag', strongEtag(json));
    if (req.fresh) {
      res.status(304).end();
      return;
    }
  }
  res.type('application/json').send(json);
}

/** A route that declares no query parameters refuses any, as one that declares some refuses others. */
function noQuery(req: Request): Record<string, never> {
  const names = Object.keys(req.query as object);
  if (names.length)
    throw new ValidationError(
      names.map((field) => ({ field, message: `${field} is not a recognised parameter` })),
    );
  return {};
}

/**
 * Public reads without a token are the same for every caller, so they are answered from the
 * response cache, kept per data version and compressed once (ADR 0012). A call with a token goes
 * the long way (its answer is `private`, and checking the token is part of every use).
 */
export interface ApiReadCache {
  wholeResponse: ResponseCache['wholeResponse'];
}

function compileRoute(route: ApiRoute, cache: ApiReadCache | null): RequestHandler {
  const readCache =
    route.method === 'get' &&
    route.auth === 'public' &&
    !Object.values(route.responses).some((r) => r.binary)
      ? cache
      : null;
  const params = route.params ? compileText<Record<string, unknown>>(route.params) : null;
  const query = route.query ? compileText<Record<string, unknown>>(route.query) : null;
  const body: ValidateFunction | null = route.body ? ajv.compile(route.body) : null;
  const run = async (req: Request, res: Response): Promise<ApiResult> => {
    if (route.auth !== 'public') {
      if (!req.user) {
        res.set('WWW-Authenticate', REALM);
        throw new UnauthenticatedError(
          'This needs an API token, sent as "Authorization: Bearer <token>".',
        );
      }
      if (!can(req.user, route.auth.action))
        throw new ForbiddenError('This API token’s role may not do that.');
    }
    const ctx = {
      params: params ? check(params, { ...req.params }) : {},
      query: query ? check(query, { ...(req.query as Record<string, unknown>) }) : noQuery(req),
      body: undefined as unknown,
      user: req.user,
      context: requestContext(req),
      req,
      res,
    };
    if (route.authorise) await route.authorise({ params: ctx.params, user: req.user });
    if (body) {
      if (!req.is(['application/json', '+json'])) throw new UnsupportedMediaTypeError();
      ctx.body = check(body, req.body);
    }
    if (route.multipart && !isMultipart(req))
      throw new UnsupportedMediaTypeError('Send the request body as multipart/form-data.');
    return route.handler(ctx as Parameters<ApiRoute['handler']>[0]);
  };
  return async (req, res) => {
    if (readCache && !req.user && req.get('authorization') === undefined) {
      await readCache.wholeResponse(
        req,
        res,
        { dated: true, strong: true, vary: 'Authorization, Accept-Encoding' },
        async () => {
          const result = await run(req, res);
          return {
            status: result.status ?? 200,
            type: 'application/json; charset=utf-8',
            body: result.body === undefined ? '' : JSON.stringify(result.body),
            headers: result.headers,
          };
        },
      );
      return;
    }
    const result = await run(req, res);
    if (result.sent) return;
    send(req, res, route.method, result);
  };
}

export function createApiRouter(
  routes: ApiRoute[],
  authenticator: BearerAuthenticator,
  cache: ApiReadCache | null = null,
): Router {
  const router = Router();
  router.use(API_PREFIX, authentication(authenticator), jsonBody, bodyErrors, guardBody);
  for (const route of routes) router[route.method](route.path, compileRoute(route, cache));
  return router;
}
