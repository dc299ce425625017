/**
 * Builds the OpenAPI 3.1 document from the route declarations. TypeBox schemas are JSON Schema, and
 * OpenAPI 3.1 uses JSON Schema 2020-12, so they go in as they are, once TypeBox's symbol keys are
 * dropped (a JSON round trip does that). Problem responses and the problem schema are shared
 * components.
 */
import type { TObject, TSchema } from '@sinclair/typebox';
import { problemStatuses, type ApiRoute, type ProblemStatus } from './api-route';
import { DEFAULT_LIMIT, MAX_LIMIT } from './pagination';

export const OPENAPI_VERSION = '3.1.0';

type Json = Record<string, unknown>;

const plain = (schema: TSchema): Json => JSON.parse(JSON.stringify(schema)) as Json;

/**
 * A request schema as the server applies it: validation fills in every property that has a
 * `default` (useDefaults), so a client may leave such a property out and it is not `required` in
 * the document (TypeBox lists every non-Optional property as required). Nested objects too.
 */
export function requestSchema(schema: TSchema): Json {
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (!node || typeof node !== 'object') return node;
    const out: Json = Object.fromEntries(
      Object.entries(node as Json).map(([k, v]) => [k, walk(v)]),
    );
    if (Array.isArray(out.required) && out.properties && typeof out.properties === 'object') {
      const props = out.properties as Record<string, Json>;
      out.required = (out.required as string[]).filter(
        (name) => props[name]?.default === undefined,
      );
      if ((out.required as string[]).length === 0) delete out.required;
    }
    return out;
  };
  return walk(plain(schema)) as Json;
}

/** '/api/v1/reports/:slug' → '/api/v1/reports/{slug}' */
export const openApiPath = (expressPath: string) => expressPath.replace(/:(\w+)/g, '{$1}');

const PROBLEM_RESPONSES: Record<ProblemStatus | 503, { name: string; description: string }> = {
  400: {
    name: 'BadRequest',
    description: 'A parameter or the body is not valid; `errors` names each field.',
  },
  401: {
    name: 'Unauthorised',
    description:
      'No token where one is needed, or the token is unknown, expired or revoked, or its account is disabled. Sent with WWW-Authenticate: Bearer.',
  },
  403: { name: 'Forbidden', description: 'The token’s role may not do this.' },
  404: { name: 'NotFound', description: 'There is no such item.' },
  409: { name: 'Conflict', description: 'The change conflicts with the current state.' },
  413: {
    name: 'PayloadTooLarge',
    description: 'The body is too large: 1 MB for JSON; uploads say their own limits.',
  },
  415: {
    name: 'UnsupportedMediaType',
    description: 'The body is not application/json (multipart/form-data for uploads).',
  },
  422: {
    name: 'Unprocessable',
    description: 'The body is well formed but breaks a rule of the register.',
  },
  429: {
    name: 'TooManyRequests',
    description: 'Too many requests with bad tokens from this address; see Retry-After (seconds).',
  },
  503: {
    name: 'ServiceUnavailable',
    description: 'The database cannot be reached just now; try again after Retry-After seconds.',
  },
};

const PROBLEM_SCHEMA = {
  type: 'object',
  description: 'An RFC 9457 problem details object.',
  required: ['type', 'title', 'status', 'detail', 'instance'],
  properties: {
    type: { type: 'string', description: 'Always about:blank: the status says what went wrong.' },
    title: { type: 'string' },
    status: { type: 'integer', minimum: 400, maximum: 599 },
    detail: { type: 'string', description: 'What went wrong, in words a person can act on.' },
    instance: { type: 'string', description: 'The path that was asked for.' },
    requestId: { type: 'string', description: 'Quote this when reporting a problem.' },
    errors: {
      type: 'array',
      description:
        'For 400, 409 and 422: one entry per bad field (or row and column of an imported file).',
      items: {
        type: 'object',
        required: ['field', 'message'],
        properties: { field: { type: 'string' }, message: { type: 'string' } },
        additionalProperties: false,
      },
    },
  },
  additionalProperties: false,
};

function parameters(where: 'path' | 'query', schema: TObject | undefined): Json[] {
  if (!schema) return [];
  const required = new Set((requestSchema(schema).required as string[] | undefined) ?? []);
  return Object.entries(schema.properties).map(([name, property]) => {
    const { description, ...rest } = plain(property);
    return {
      name,
      in: where,
      required: where === 'path' || required.has(name),
      ...(description ? { description: `Must be ${String(description)}.` } : {}),
      schema: rest,
    };
  });
}

function operation(route: ApiRoute): Json {
  const responses: Json = {};
  for (const [status, spec] of Object.entries(route.responses)) {
    responses[status] = {
      description: spec.description,
      ...(route.method === 'get' && status === '200'
        ? {
            headers: {
              ETag: {
                description: 'Strong validator: send it back in If-None-Match to get a 304.',
                schema: { type: 'string' },
              },
              'Cache-Control': {
                description: '`public, no-cache` without a token, `private, no-cache` with one.',
                schema: { type: 'string' },
              },
            },
          }
        : {}),
      ...(spec.schema ? { content: { 'application/json': { schema: plain(spec.schema) } } } : {}),
      ...(spec.binary
        ? {
            content: {
              // Sent with the type stored for the file, so any type.
              '*/*': { schema: { type: 'string', contentMediaType: 'application/octet-stream' } },
            },
          }
        : {}),
    };
  }
  if (route.method === 'get')
    responses['304'] = { description: 'Not modified: the If-None-Match ETag still matches.' };
  for (const status of [...problemStatuses(route), 503 as const])
    responses[String(status)] = {
      $ref: `#/components/responses/${PROBLEM_RESPONSES[status].name}`,
    };

  const description = [
    route.description,
    route.paginated
      ? `Cursor pagination: up to \`limit\` items (default ${DEFAULT_LIMIT}, at most ${MAX_LIMIT}); follow \`links.next\` (null on the last page). The cursor is opaque and tamper-evident: an edited one is refused with 400.`
      : undefined,
  ]
    .filter(Boolean)
    .join('\n\n');

  return {
    operationId: route.operationId,
    summary: route.summary,
    ...(description ? { description } : {}),
    tags: route.tags,
    // Public routes take a token too (it may show more, and a bad one is refused).
    security: route.auth === 'public' ? [{}, { bearerAuth: [] }] : [{ bearerAuth: [] }],
    ...(route.auth !== 'public' ? { 'x-required-action': route.auth.action } : {}),
    parameters: [...parameters('path', route.params), ...parameters('query', route.query)],
    ...(route.body
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: requestSchema(route.body) } },
          },
        }
      : {}),
    ...(route.multipart
      ? {
          requestBody: {
            required: true,
            description: route.multipart.description,
            content: { 'multipart/form-data': { schema: requestSchema(route.multipart.schema) } },
          },
        }
      : {}),
    responses,
  };
}

export interface OpenApiInfo {
  title: string;
  version: string;
  description?: string;
}

export function buildOpenApiDocument(routes: ApiRoute[], info: OpenApiInfo): Json {
  const paths: Record<string, Json> = {};
  for (const route of routes) {
    const path = openApiPath(route.path);
    paths[path] = { ...(paths[path] ?? {}), [route.method]: operation(route) };
  }
  const responses: Json = {};
  for (const { name, description } of Object.values(PROBLEM_RESPONSES))
    responses[name] = {
      description,
      content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
    };
  const tags = [...new Set(routes.flatMap((r) => r.tags))].map((name) => ({ name }));
  return {
    openapi: OPENAPI_VERSION,
    jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
    info,
    servers: [{ url: '/' }],
    tags,
    paths,
    components: {
      schemas: { Problem: PROBLEM_SCHEMA },
      responses,
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'rtk_ followed by 43 base64url characters',
          description:
            'An API token issued by an administrator at /admin/tokens. It acts with the role it was issued with.',
        },
      },
    },
  };
}
