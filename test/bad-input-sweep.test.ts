/**
 * A generated sweep of malformed input: every route the app serves (read from Express's router) and
 * every operation in the OpenAPI document, each sent NUL, a lone surrogate, `Infinity`, `1e309` and
 * `-0` in its path parameters, in each common query parameter, and in its form or JSON body, as an
 * anonymous visitor, a signed-in administrator and overseer (pages) and with an administrator's and
 * an overseer's token (API). No answer may be a server error. Control characters and broken text
 * have exact answers: 404 in a path, 400 in a query or body, problem+json under /api.
 */
import request from 'supertest';
import { applyLindenSeed } from '../seeds/operation-linden';
import { sealSecret } from '../src/shared/secret-box';
import { generateTotpSecret } from '../src/modules/accounts/totp';
import type { Role } from '../src/modules/accounts/accounts.types';
import { buildTestApp } from './app';
import { createUser, issueApiToken } from './auth';
import { createTestDatabase, type TestDatabase } from './db';
import { listRoutes } from './routes';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Each bad value as it goes into a URL (already encoded) and into JSON (as JSON text). */
const BAD = [
  { name: 'NUL', url: '%00', json: '"a\\u0000b"', exact: true },
  { name: 'lone surrogate', url: '%ED%A0%80', json: '"a\\ud800b"', exact: true },
  { name: 'Infinity', url: 'Infinity', json: '"Infinity"', exact: false },
  { name: '1e309', url: '1e309', json: '1e309', exact: false },
  { name: '-0', url: '-0', json: '-0', exact: false },
] as const;

/** Query parameters the pages and the API read; each is sent alone, so no other one masks it. */
const QUERY_NAMES = [
  'q',
  'page',
  'orgPage',
  'limit',
  'cursor',
  'status',
  'from',
  'to',
  'as_of',
  // Dates typed in three boxes (the GOV.UK date input) on the board pack and the public pages.
  'from-day',
  'to-month',
  'as_of-year',
];

/** Form fields the pages take; all are sent at once with the bad value. */
const FORM_FIELDS = [
  'email',
  'password',
  'newPassword',
  'name',
  'title',
  'body',
  'text',
  'reason',
  'summary',
  'note',
  'notes',
  'stance',
  'role',
  'slug',
  'ref',
  'code',
  'message',
  'rating',
  'commentary',
  'decision',
  'dueDate',
  'targetDate',
  'requestedDate',
  'organisation',
  'report',
  // Dates typed in three boxes (the GOV.UK date input), one box of each form's dates.
  'dueOn-day',
  'committedOn-month',
  'implementBy-year',
  'fromOn-day',
  'toOn-month',
  'checkOn-year',
  'ratedOn-day',
  'targetOn-month',
  'newDueOn-year',
  'madeOn-day',
  'publishedOn-month',
  'datedOn-year',
];

/** A real value for each path parameter name, so the rest of the route is reached. */
const GOOD_PARAMS: Record<string, string> = {
  slug: 'operation-linden-2021',
  ref: 'LIN-01',
  id: '1',
  extensionId: '1',
  actionId: '1',
  updateId: '1',
  fileId: '1',
  token: 'A'.repeat(43),
  format: 'csv',
};

interface Failure {
  who: string;
  method: string;
  url: string;
  status: number;
  why: string;
}

describe('malformed input never causes a server error', () => {
  let db: TestDatabase;
  let built: ReturnType<typeof buildTestApp>;
  const userIds = new Map<Role, number>();
  const tokens = new Map<string, string>();

  beforeAll(async () => {
    db = await createTestDatabase();
    await applyLindenSeed(db.knex);
    built = buildTestApp(db.knex);
    for (const role of ['admin', 'overseer'] as const) {
      const user = await createUser(db.knex, {
        role,
        totpSecretEnc: sealSecret(generateTotpSecret(), built.services.config.secretKey!),
      });
      userIds.set(role, user.id);
      tokens.set(role, await issueApiToken(db.knex, { role }));
    }
  });
  afterAll(async () => {
    await db?.destroy();
  });

  /** A fresh session (anonymous, or signed in as the role) straight in the database. */
  async function session(role: Role | null): Promise<{ cookie: string; csrf: string }> {
    const userId = role ? userIds.get(role)! : null;
    const { token, session: s } = await built.services.sessions.start(db.knex, {
      userId,
      state: userId === null ? 'anonymous' : 'active',
      context: { ip: '127.0.0.1', userAgent: 'sweep', requestId: null },
    });
    return { cookie: `tracker-session=${token}`, csrf: s.csrfToken };
  }

  /** Checks one answer; `expected` is the exact status a control character or broken text must get. */
  function judge(
    failures: Failure[],
    who: string,
    method: string,
    url: string,
    res: request.Response,
    expected?: number | '4xx',
  ) {
    if (res.status >= 500) {
      failures.push({ who, method, url, status: res.status, why: 'server error' });
    } else if (
      expected !== undefined &&
      (expected === '4xx' ? res.status < 400 : res.status !== expected)
    ) {
      failures.push({ who, method, url, status: res.status, why: `expected ${expected}` });
    } else if (
      expected !== undefined &&
      url.startsWith('/api/') &&
      res.type !== 'application/problem+json'
    ) {
      failures.push({ who, method, url, status: res.status, why: `type ${res.type}` });
    }
  }

  it('on every page route: path parameters, query parameters and form bodies', async () => {
    const routes = listRoutes(built.app).filter((r) => !r.includes(' /api/'));
    expect(routes.length).toBeGreaterThan(50);
    const failures: Failure[] = [];
    let sent = 0;
    for (const route of routes) {
      const [method, pattern] = route.split(' ') as [string, string];
      const verb = method.toLowerCase() as 'get' | 'post' | 'put' | 'delete';
      // Who reaches the route's handler: an overseer the workspace, an administrator the admin
      // pages and the account, a visitor (and, for forms, an administrator) the public pages.
      const who: (Role | null)[] = pattern.startsWith('/workspace')
        ? ['overseer']
        : /^\/(admin|account)/.test(pattern)
          ? ['admin']
          : method === 'GET'
            ? [null]
            : [null, 'admin'];
      const good = pattern.replace(/:(\w+)/g, (_, n: string) => GOOD_PARAMS[n] ?? 'x');
      for (const role of who) {
        const label = role ?? 'anonymous';
        const { cookie, csrf } = await session(role);
        const send = (url: string) => {
          sent += 1;
          const req = request(built.app)[verb](url).set('Cookie', cookie);
          return method === 'GET' ? req : req.type('form').send({ _csrf: csrf });
        };
        for (const bad of BAD) {
          if (pattern.includes(':')) {
            const url = pattern.replace(/:(\w+)/g, () => `a${bad.url}`);
            judge(failures, label, method, url, await send(url), bad.exact ? 404 : undefined);
          }
          if (method === 'GET') {
            // Broken text is refused before any route, so two names show it; numbers reach handlers.
            for (const name of bad.exact ? ['q', 'page'] : QUERY_NAMES) {
              const url = `${good}?${name}=${bad.url}`;
              judge(failures, label, method, url, await send(url), bad.exact ? 400 : undefined);
            }
          } else {
            // A form body as the browser would encode it (raw, so a lone surrogate stays broken).
            const fields = FORM_FIELDS.map((f) => `${f}=${bad.url}`).join('&');
            sent += 1;
            const res = await request(built.app)
              [verb](good)
              .set('Cookie', cookie)
              .type('form')
              .send(`_csrf=${encodeURIComponent(csrf)}&${fields}`);
            judge(failures, label, method, `${good} (form)`, res, bad.exact ? 400 : undefined);
          }
        }
      }
    }
    expect(failures).toEqual([]);
    expect(sent).toBeGreaterThan(1000);
  }, 240_000);

  it('on every OpenAPI operation: path and query parameters, and JSON bodies', async () => {
    const doc: Json = (await request(built.app).get('/api/v1/openapi.json').expect(200)).body;
    const failures: Failure[] = [];
    let operations = 0;
    for (const [template, item] of Object.entries(doc.paths as Json)) {
      for (const [method, op] of Object.entries(item as Json)) {
        operations += 1;
        const verb = method as 'get' | 'post' | 'put' | 'delete';
        const params = (op.parameters ?? []) as { name: string; in: string }[];
        const path = (value: (name: string) => string) =>
          `/api/v1${template.replace(/^\/api\/v1/, '')}`.replace(/\{(\w+)\}/g, (_, n: string) =>
            value(n),
          );
        const good = path((n) => GOOD_PARAMS[n] ?? 'x');
        const bodySchema: Json | undefined = op.requestBody?.content?.['application/json']?.schema;
        for (const role of ['admin', 'overseer']) {
          const auth = `Bearer ${tokens.get(role)}`;
          for (const bad of BAD) {
            const send = (url: string) => request(built.app)[verb](url).set('Authorization', auth);
            if (params.some((p) => p.in === 'path')) {
              const url = path(() => `a${bad.url}`);
              judge(failures, role, method, url, await send(url), bad.exact ? 404 : undefined);
            }
            for (const p of params.filter((p) => p.in === 'query')) {
              const url = `${good}?${p.name}=${bad.url}`;
              judge(failures, role, method, url, await send(url), bad.exact ? 400 : undefined);
            }
            if (bodySchema) {
              const names = Object.keys(bodySchema.properties ?? {});
              const text = `{${names.map((n) => `${JSON.stringify(n)}:${bad.json}`).join(',')}}`;
              const res = await send(good).set('Content-Type', 'application/json').send(text);
              // A route that refuses the caller (403) or reads its body itself (an import) may answer
              // another 4xx first; never a success or a server error.
              judge(failures, role, method, `${good} (json)`, res, bad.exact ? '4xx' : undefined);
              // Nested: each property an object holding the bad value.
              const nested = `{${names.map((n) => `${JSON.stringify(n)}:{"x":${bad.json}}`).join(',')}}`;
              const res2 = await send(good).set('Content-Type', 'application/json').send(nested);
              judge(failures, role, method, `${good} (nested json)`, res2);
            }
          }
        }
      }
    }
    expect(operations).toBeGreaterThan(30);
    expect(failures).toEqual([]);
  }, 300_000);
});
