/**
 * Declaring an /api/v1 route. One declaration gives both the runtime checks (Ajv on path params,
 * query and JSON body; the authorisation requirement) and the route's entry in the OpenAPI document
 * (src/shared/api/openapi.ts), so the two cannot drift apart.
 *
 * To add a route, declare it in the feature's `*.api.ts` and list it in
 * src/modules/api/api.routes.ts. A write route, for example:
 *
 *   defineApiRoute({
 *     method: 'post',
 *     path: routes.api.recommendations,            // Express pattern, ':name' params
 *     operationId: 'createRecommendation',          // unique across the API
 *     summary: 'Add a recommendation to a report',
 *     tags: ['Recommendations'],
 *     auth: { action: 'register.manage' },          // or 'public' (anyone; a token is optional)
 *     body: CreateRecommendationBody,               // a TypeBox Type.Object; JSON, not coerced
 *     responses: { 201: { description: 'Created', schema: RecommendationSchema } },
 *     errors: [409, 422],                           // extra problem responses this route can give
 *     handler: async ({ body, user, context }) => {
 *       const created = await service.create(user!, body, context);   // body is typed
 *       return { status: 201, body: present(created), headers: { Location: paths.api.x(...) } };
 *     },
 *   });
 *
 * What the framework does for every declared route, in this order:
 * - `Authorization: Bearer <token>` is read before any route (see api-authentication.ts): a good
 *   token sets `user` to the token's effective user; a bad one is a 401. Cookies are ignored.
 * - `auth: { action }`: no token → 401 (with WWW-Authenticate: Bearer); a token whose role may not
 *   do the action → 403. Per-object checks (an org_lead's own organisation) stay in the service,
 *   through `authorise(user, action, object)`, as for the HTML pages; a write route should also
 *   declare `authorise` so that check comes before the body is validated.
 * - params and query are checked with the text Ajv (so '2' reads as 2); the body with the JSON Ajv
 *   (types as sent). A bad value is a 400 problem+json whose `errors` name each field.
 * - A route with a body accepts only `application/json` (else 415), at most 1 MB (else 413);
 *   malformed JSON is a 400.
 * - GET responses get a strong ETag, answer If-None-Match with 304, vary on Authorization, and are
 *   `public, no-cache` for anonymous callers and `private, no-cache` for token callers (see
 *   docs/api.md for why). Other methods are `no-store`. A public GET without a token is answered
 *   from the response cache (its ETag derives from the data version, see api-router.ts), so its
 *   handler must not depend on anything but the URL, the data and the day; with a token the
 *   handler runs every time and the ETag is a SHA-256 of the body.
 * - Handlers return `{ status?, body, headers? }`; thrown AppErrors become problem+json.
 */
import type { Request, Response } from 'express';
import type { Static, TObject, TSchema } from '@sinclair/typebox';
import type { Action } from '../../modules/accounts/policy';
import type { CurrentUser, RequestContext } from '../../modules/accounts/accounts.types';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** Who may call: 'public' (anyone, with or without a token) or holders of a token allowed `action`. */
export type ApiAuth = 'public' | { action: Action };

/** Problem statuses a route may add to its document beyond those the framework adds itself. */
export type ProblemStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429;

export interface ApiResponseSpec {
  description: string;
  /** JSON body schema; omit for a response without a body (204, say). */
  schema?: TSchema;
  /** A file rather than JSON (the handler streams it and returns `{ sent: true }`). */
  binary?: boolean;
}

/**
 * A multipart/form-data body (a file upload), which the handler reads itself as a stream from
 * `req` (src/shared/multipart.ts). `schema` only documents the parts; the handler checks them.
 */
export interface ApiMultipartSpec {
  schema: TObject;
  /** The most bytes the whole body may have, stated in the 413 description. */
  description: string;
}

export interface ApiResult {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** The handler has written the whole response itself (a streamed file). */
  sent?: boolean;
}

type StaticOf<T, Fallback> = T extends TSchema ? Static<T> : Fallback;

export interface ApiContext<P, Q, B> {
  params: StaticOf<P, Record<string, never>>;
  query: StaticOf<Q, Record<string, never>>;
  body: StaticOf<B, undefined>;
  /** The token's effective user, or null for an anonymous call. */
  user: CurrentUser | null;
  context: RequestContext;
  req: Request;
  res: Response;
}

export interface ApiRouteSpec<
  P extends TObject | undefined,
  Q extends TObject | undefined,
  B extends TSchema | undefined,
> {
  method: HttpMethod;
  /** An Express pattern under /api/v1, built in src/shared/paths.ts `routes.api`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  auth: ApiAuth;
  params?: P;
  query?: Q;
  body?: B;
  /**
   * The per-object check, run after the params are checked and BEFORE the body is looked at, so a
   * caller who may not act on the object is told so (404 or 403) whatever they sent.
   */
  authorise?: (ctx: { params: Record<string, unknown>; user: CurrentUser | null }) => Promise<void>;
  /** Instead of a JSON `body`: a multipart upload the handler streams from `req`. */
  multipart?: ApiMultipartSpec;
  /** Successful responses by status. Problem responses are added from `errors` and the rest. */
  responses: Record<number, ApiResponseSpec>;
  errors?: ProblemStatus[];
  /** A list with cursor pagination: documents `limit` and `cursor` and their meaning. */
  paginated?: boolean;
  handler: (ctx: ApiContext<P, Q, B>) => Promise<ApiResult>;
}

/** A declared route with its types erased, as the router and the document builder see it. */
export type ApiRoute = ApiRouteSpec<TObject | undefined, TObject | undefined, TSchema | undefined>;

export function defineApiRoute<
  P extends TObject | undefined = undefined,
  Q extends TObject | undefined = undefined,
  B extends TSchema | undefined = undefined,
>(spec: ApiRouteSpec<P, Q, B>): ApiRoute {
  return spec as unknown as ApiRoute;
}

/** The problem statuses a route can answer with, worked out from its declaration. */
export function problemStatuses(route: ApiRoute): ProblemStatus[] {
  const out = new Set<ProblemStatus>(route.errors ?? []);
  // Any request may carry a token, and a bad one is refused whatever the route.
  out.add(401);
  out.add(429);
  // Unknown query parameters are refused even where none are declared.
  out.add(400);
  if (route.params) out.add(404);
  if (route.auth !== 'public') out.add(403);
  if (route.body || route.multipart) {
    out.add(413);
    out.add(415);
  }
  return [...out].sort((a, b) => a - b);
}
