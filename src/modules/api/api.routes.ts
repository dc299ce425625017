/**
 * Everything under /api/v1 in one list: each feature's route declarations, and the OpenAPI document
 * built from that same list. To add API routes, declare them in the feature (see
 * src/shared/api/api-route.ts) and append them to `declarations` below. Also serves the readable
 * reference page, /api/docs, rendered on the server from the document.
 */
import { Router, type Request, type Response } from 'express';
import { Type } from '@sinclair/typebox';
import type { Services } from '../../services';
import { paths, routes } from '../../shared/paths';
import { defineApiRoute, type ApiRoute } from '../../shared/api/api-route';
import { createApiRouter } from '../../shared/api/api-router';
import { buildOpenApiDocument } from '../../shared/api/openapi';
import { registerApiRoutes } from '../public-record/register.api';
import { registerAdminApiRoutes } from '../register/register-admin.api';
import { importApiRoutes } from '../register/import.api';
import { workspaceAssignmentsApiRoutes } from '../assignments/responses.api';
import { oversightApiRoutes } from '../assignments/decisions.api';
import { dashboardsApiRoutes } from '../oversight/dashboards.api';
import { boardPackApiRoutes } from '../oversight/board-pack.api';
import { apiReference } from './api-docs.view-model';

export const API_VERSION = '1.0.0';

const API_DESCRIPTION = [
  'Read (and, with a token, change) the register of recommendations, their addressees and responses.',
  'Public reads need no token. Send a token as `Authorization: Bearer rtk_...`; an administrator issues tokens at /admin/tokens. Cookies are ignored here.',
  'Errors are `application/problem+json` (RFC 9457); a 400 lists each bad field in `errors`.',
  'Lists use cursor pagination: `limit` (default 25, at most 100) and the opaque `cursor` from `links.next`, which is null on the last page.',
  'GET responses carry a strong ETag; send it back in If-None-Match to get 304 Not Modified. Public reads without a token are kept per change of the data and compressed once, so repeating one is cheap.',
].join('\n\n');

/** Every /api/v1 route, and the OpenAPI document built from exactly those routes. */
export function apiDeclarations(services: Services): {
  routes: ApiRoute[];
  document: Record<string, unknown>;
} {
  const declarations: ApiRoute[] = [
    ...registerApiRoutes(services.register, services.apiCursors),
    ...registerAdminApiRoutes(services.registerAdmin, services.register),
    ...importApiRoutes(services.imports),
    ...workspaceAssignmentsApiRoutes(
      services.workspaceAssignments,
      services.progressUpdates,
      services.apiCursors,
    ),
    ...oversightApiRoutes(services.oversight, services.apiCursors),
    ...dashboardsApiRoutes(services.dashboards, services.apiCursors),
    ...boardPackApiRoutes(services.boardPack),
  ];
  let document: Record<string, unknown> = {};
  const openapiRoute = defineApiRoute({
    method: 'get',
    path: routes.api.openapi,
    operationId: 'getOpenApiDocument',
    summary: 'This API’s OpenAPI 3.1 document',
    tags: ['Meta'],
    auth: 'public',
    responses: {
      200: {
        description: 'The OpenAPI document',
        schema: Type.Object(
          { openapi: Type.String({ pattern: '^3\\.1\\.' }) },
          { additionalProperties: true },
        ),
      },
    },
    handler: async () => ({ body: document }),
  });
  const all = [...declarations, openapiRoute];
  document = buildOpenApiDocument(all, {
    title: `${services.config.serviceName} API`,
    version: API_VERSION,
    description: API_DESCRIPTION,
  });
  return { routes: all, document };
}

export function createApiRoutes(services: Services): Router {
  const { routes: declarations, document } = apiDeclarations(services);
  const router = createApiRouter(
    declarations,
    services.apiTokens.authenticator,
    services.responseCache,
  );
  const reference = apiReference(document);
  router.get(routes.apiDocs, (_req: Request, res: Response) => {
    res.render('api/reference', {
      pageTitle: 'API reference',
      breadcrumbs: [{ text: 'Overview', href: paths.home() }],
      openapiHref: paths.api.openapi(),
      ...reference,
    });
  });
  return router;
}
