/**
 * The route-declaration framework on its own, with declared test routes and a stub authenticator:
 * body parsing and its errors, validation naming fields, the authorisation requirement, ETags.
 */
import express from 'express';
import request from 'supertest';
import { Type } from '@sinclair/typebox';
import { createLogger } from '../../logger';
import { errorHandler, notFoundHandler } from '../middleware/error-handler';
import { requestLogging } from '../middleware/request-logging';
import type { CurrentUser } from '../../modules/accounts/accounts.types';
import { defineApiRoute } from './api-route';
import { createApiRouter, type BearerAuthenticator } from './api-router';
import { buildOpenApiDocument } from './openapi';

const USERS: Record<string, CurrentUser> = {
  'admin-token': {
    id: 1,
    email: 'a@example.test',
    name: 'A',
    role: 'admin',
    organisationId: null,
    twoFactorEnabled: false,
  },
  'viewer-token': {
    id: 2,
    email: 'v@example.test',
    name: 'V',
    role: 'viewer',
    organisationId: null,
    twoFactorEnabled: false,
  },
};

const authenticator: BearerAuthenticator = {
  authenticate: async (token) => {
    const user = USERS[token];
    return user ? { kind: 'ok', user } : { kind: 'invalid' };
  },
};

const Thing = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 20 }), count: Type.Integer({ minimum: 0 }) },
  { additionalProperties: false },
);

const routes = [
  defineApiRoute({
    method: 'post',
    path: '/api/v1/things',
    operationId: 'createThing',
    summary: 'Make a thing',
    tags: ['Things'],
    auth: { action: 'register.manage' },
    body: Thing,
    responses: { 201: { description: 'Made', schema: Thing } },
    handler: async ({ body, user }) => ({
      status: 201,
      body: { ...body },
      headers: { 'X-Made-By': String(user!.id) },
    }),
  }),
  defineApiRoute({
    method: 'get',
    path: '/api/v1/things/:n',
    operationId: 'getThing',
    summary: 'A thing',
    tags: ['Things'],
    auth: 'public',
    params: Type.Object({ n: Type.Integer({ minimum: 1, maximum: 9 }) }),
    responses: { 200: { description: 'A thing', schema: Thing } },
    handler: async ({ params, user }) => ({
      body: { name: user ? `for ${user.role}` : 'for anyone', count: params.n },
    }),
  }),
];

function app() {
  const a = express();
  a.use(requestLogging(createLogger('silent')));
  a.use(createApiRouter(routes, authenticator));
  a.use(notFoundHandler);
  a.use(errorHandler);
  return a;
}

const problem = (res: request.Response) => {
  expect(res.type).toBe('application/problem+json');
  return JSON.parse(res.text) as { status: number; errors?: { field: string }[] };
};

describe('declared API routes', () => {
  it('accept a JSON body for an allowed token and answer with the declared status', async () => {
    const res = await request(app())
      .post('/api/v1/things')
      .set('Authorization', 'Bearer admin-token')
      .send({ name: 'x', count: 2 })
      .expect(201);
    expect(res.body).toEqual({ name: 'x', count: 2 });
    expect(res.headers['x-made-by']).toBe('1');
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('refuse a write without a token (401 with WWW-Authenticate) and with a weaker token (403)', async () => {
    const none = await request(app()).post('/api/v1/things').send({ name: 'x', count: 1 });
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
    problem(none);
    const viewer = await request(app())
      .post('/api/v1/things')
      .set('Authorization', 'Bearer viewer-token')
      .send({ name: 'x', count: 1 });
    expect(viewer.status).toBe(403);
    problem(viewer);
  });

  it('ignore whoever a cookie session signed in: without a token the call is anonymous', async () => {
    const a = express();
    a.use(requestLogging(createLogger('silent')));
    a.use((req, _res, next) => {
      req.user = USERS['admin-token']!; // what the session middleware would set from a cookie
      next();
    });
    a.use(createApiRouter(routes, authenticator));
    a.use(errorHandler);
    const res = await request(a).post('/api/v1/things').send({ name: 'x', count: 1 });
    expect(res.status).toBe(401);
  });

  it('refuse an unknown token with 401 even on a public route', async () => {
    const res = await request(app()).get('/api/v1/things/1').set('Authorization', 'Bearer nope');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
    const malformed = await request(app())
      .get('/api/v1/things/1')
      .set('Authorization', 'Basic abc');
    expect(malformed.status).toBe(401);
  });

  it('answer malformed JSON with 400, another content type with 415, and over 1 MB with 413', async () => {
    const auth = { Authorization: 'Bearer admin-token' };
    const bad = await request(app())
      .post('/api/v1/things')
      .set(auth)
      .set('Content-Type', 'application/json')
      .send('{"name": ');
    expect(bad.status).toBe(400);
    expect(problem(bad).errors).toEqual([
      { field: '(body)', message: 'The body is not valid JSON' },
    ]);
    const form = await request(app()).post('/api/v1/things').set(auth).type('form').send('name=x');
    expect(form.status).toBe(415);
    problem(form);
    const big = await request(app())
      .post('/api/v1/things')
      .set(auth)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ name: 'x'.repeat(1_100_000), count: 1 }));
    expect(big.status).toBe(413);
    problem(big);
  });

  it('name each bad body field and path parameter in a 400', async () => {
    const res = await request(app())
      .post('/api/v1/things')
      .set('Authorization', 'Bearer admin-token')
      .send({ name: '', count: '3', extra: true });
    expect(res.status).toBe(400);
    expect(
      problem(res)
        .errors!.map((e) => e.field)
        .sort(),
    ).toEqual(['count', 'extra', 'name']);
    const param = await request(app()).get('/api/v1/things/12');
    expect(param.status).toBe(400);
    expect(problem(param).errors![0]!.field).toBe('n');
  });

  it('send a strong ETag, answer If-None-Match with 304, and vary on Authorization', async () => {
    const first = await request(app()).get('/api/v1/things/3').expect(200);
    expect(first.headers.etag).toMatch(/^"[A-Za-z0-9_-]{43}"$/);
    expect(first.headers['cache-control']).toBe('public, no-cache');
    expect(first.headers.vary).toContain('Authorization');
    await request(app())
      .get('/api/v1/things/3')
      .set('If-None-Match', first.headers.etag!)
      .expect(304);
    const other = await request(app())
      .get('/api/v1/things/4')
      .set('If-None-Match', first.headers.etag!)
      .expect(200);
    expect(other.headers.etag).not.toBe(first.headers.etag);
    const withToken = await request(app())
      .get('/api/v1/things/3')
      .set('Authorization', 'Bearer viewer-token')
      .expect(200);
    expect(withToken.body.name).toBe('for viewer');
    expect(withToken.headers['cache-control']).toBe('private, no-cache');
  });

  it('document a write route with its body, security and problem responses', () => {
    const doc = buildOpenApiDocument(routes, { title: 't', version: '1' }) as {
      paths: Record<string, Record<string, Record<string, unknown>>>;
    };
    const op = doc.paths['/api/v1/things']!.post!;
    expect(op.security).toEqual([{ bearerAuth: [] }]);
    expect(Object.keys(op.responses as object).sort()).toEqual(
      ['201', '400', '401', '403', '413', '415', '429', '503'].sort(),
    );
    expect(JSON.stringify(op.requestBody)).toContain('"count"');
    expect(doc.paths['/api/v1/things/{n}']!.get!.parameters).toEqual([
      expect.objectContaining({ name: 'n', in: 'path', required: true }),
    ]);
  });
});
