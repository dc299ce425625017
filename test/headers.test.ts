import type { Express } from 'express';
import request from 'supertest';
import { createApp } from '../src/app';
import { loadConfig, type Config } from '../src/config';
import { createDataVersionReader } from '../src/db/data-version';
import { createResponseCache } from '../src/shared/response-cache/response-cache';
import { buildTestApp } from './app';
import { createUser, csrfFrom } from './auth';
import { createTestDatabase, type TestDatabase } from './db';

const ONE_YEAR_SECONDS = 365 * 24 * 60 * 60;

/** Parses a Content-Security-Policy header into directive → sources. */
function parseCsp(header: string | undefined): Map<string, string[]> {
  const directives = new Map<string, string[]>();
  for (const part of (header ?? '').split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) directives.set(name.toLowerCase(), sources);
  }
  return directives;
}

/** The security headers every response must carry, whatever its kind or status. */
function expectSecurityHeaders(res: request.Response, https: boolean): void {
  expect(res.headers['x-powered-by']).toBeUndefined();

  const header = res.headers['content-security-policy'];
  expect(header).toEqual(expect.any(String));
  const csp = parseCsp(header);
  expect(csp.get('default-src')).toEqual(["'self'"]);
  expect(csp.get('script-src')).toEqual(["'self'"]);
  expect(header).not.toContain("'unsafe-inline'");
  expect(header).not.toContain("'unsafe-eval'");
  expect(csp.get('object-src')).toEqual(["'none'"]);
  const framing = csp.get('frame-ancestors');
  if (framing) expect(framing).toEqual(["'none'"]);
  else expect(res.headers['x-frame-options']).toMatch(/^(DENY|SAMEORIGIN)$/i);

  expect(res.headers['x-content-type-options']).toBe('nosniff');
  expect(res.headers['referrer-policy']).toEqual(expect.any(String));
  expect(res.headers['referrer-policy']).not.toMatch(/unsafe-url/i);

  const hsts = res.headers['strict-transport-security'];
  if (!https) {
    expect(hsts).toBeUndefined();
    expect(csp.has('upgrade-insecure-requests')).toBe(false);
  } else {
    expect(hsts).toEqual(expect.any(String));
    const maxAge = Number(/max-age=(\d+)/i.exec(String(hsts))?.[1]);
    expect(maxAge).toBeGreaterThanOrEqual(ONE_YEAR_SECONDS);
  }
}

describe('security headers', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.destroy();
  });

  const https = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    PASSWORD_HASH_COST: 'test',
    PUBLIC_BASE_URL: 'https://tracker.example.org',
  });
  const variants: [string, boolean, Partial<Config>][] = [
    ['over plain http', false, {}],
    [
      'behind https',
      true,
      { publicBaseUrl: https.publicBaseUrl, session: https.session } as Partial<Config>,
    ],
  ];

  describe.each(variants)('%s', (_label, isHttps, config) => {
    let app: Express;
    let failingApp: Express;
    beforeAll(() => {
      const built = buildTestApp(db.knex, { config });
      app = built.app;
      // Its own response cache: the working app's kept copy of / must not answer for it.
      failingApp = createApp({
        ...built.services,
        responseCache: createResponseCache({
          versions: createDataVersionReader(db.knex),
          clock: built.clock,
          maxBytes: 0,
          isSignedOut: () => true,
          release: 'headers-test',
        }),
        register: {
          ...built.services.register,
          overview: async () => {
            throw new Error('overview failed');
          },
        },
      });
    });

    const kinds: [string, number, (a: Express, f: Express) => request.Test][] = [
      ['a page', 200, (a) => request(a).get('/')],
      ['a redirect', 303, (a) => request(a).get('/workspace')],
      ['a 404 page', 404, (a) => request(a).get('/no-such-page')],
      ['a 400 page', 400, (a) => request(a).get('/recommendations?page=x')],
      ['a 500 page', 500, (_a, f) => request(f).get('/')],
      ['an asset', 200, (a) => request(a).get('/assets/js/app.js')],
      ['the API', 200, (a) => request(a).get('/api/v1/reports')],
      ['an API 404', 404, (a) => request(a).get('/api/v1/reports/no-such-report')],
    ];

    it.each(kinds)('puts them on %s (%i)', async (_kind, status, send) => {
      const res = await send(app, failingApp);
      expect(res.status).toBe(status);
      expectSecurityHeaders(res, isHttps);
    });

    it('marks signed-in pages, public ones included, Cache-Control: no-store', async () => {
      const user = await createUser(db.knex, { role: 'viewer' });
      const name = isHttps ? '__Host-tracker-session' : 'tracker-session';
      const cookieFrom = (res: request.Response) =>
        ([] as string[])
          .concat(res.headers['set-cookie'] ?? [])
          .find((c) => c.startsWith(`${name}=`))!
          .split(';')[0]!;
      // By hand rather than with an agent: an agent over plain http would not send a Secure cookie.
      const form = await request(app).get('/sign-in').expect(200);
      const res = await request(app)
        .post('/sign-in')
        .set('Cookie', cookieFrom(form))
        .type('form')
        .send({ email: user.email, password: user.password, _csrf: csrfFrom(form.text) })
        .expect(303);
      const cookie = cookieFrom(res);
      for (const path of ['/workspace', '/', '/recommendations', '/no-such-page']) {
        const page = await request(app).get(path).set('Cookie', cookie);
        expect(page.status).toBeLessThan(500);
        expect(page.headers['cache-control']).toBe('no-store');
        expectSecurityHeaders(page, isHttps);
      }
    });
  });
});
