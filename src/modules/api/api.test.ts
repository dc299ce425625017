/**
 * The API as a whole, against the seeded register: the OpenAPI document matches the routes the app
 * serves and is structurally valid 3.1; every documented GET answers with bodies that validate
 * against the documented schema (200, 400 and 404); cursor pagination, ETags and caching headers.
 */
import request from 'supertest';
import { applyLindenSeed } from '../../../seeds/operation-linden';
import { buildTestApp } from '../../../test/app';
import { issueApiToken } from '../../../test/auth';
import { createTestDatabase, type TestDatabase } from '../../../test/db';
import { createRecommendation, createReport } from '../../../test/factories';
import { listRoutes } from '../../../test/routes';
import { loadContract, type Contract, type Json } from '../../../test/openapi-contract';

const NOW = '2022-03-01T12:00:00Z';

/** Example values for each documented path parameter: one that exists, one that does not, one invalid. */
const EXAMPLES: Record<string, { ok: string; missing: string; invalid: string }> = {
  '/api/v1/reports/{slug}': {
    ok: '/api/v1/reports/operation-linden-2021',
    missing: '/api/v1/reports/no-such-report',
    invalid: '/api/v1/reports/Not_A_Slug',
  },
  '/api/v1/recommendations/{ref}': {
    ok: '/api/v1/recommendations/LIN-04',
    missing: '/api/v1/recommendations/LIN-99',
    invalid: '/api/v1/recommendations/LIN_04!',
  },
  '/api/v1/organisations/{slug}': {
    ok: '/api/v1/organisations/npcc',
    missing: '/api/v1/organisations/nobody',
    invalid: '/api/v1/organisations/Bad_Slug',
  },
};

describe('the /api/v1 contract', () => {
  let db: TestDatabase;
  let built: ReturnType<typeof buildTestApp>;
  let doc: Json;
  let ajv: Contract['ajv'];
  let conforms: Contract['conforms'];

  beforeAll(async () => {
    db = await createTestDatabase();
    await applyLindenSeed(db.knex);
    built = buildTestApp(db.knex, { now: NOW });
    ({ doc, ajv, conforms } = await loadContract(built.app));
  });
  afterAll(async () => {
    await db.destroy();
  });

  describe('the OpenAPI document', () => {
    it('is OpenAPI 3.1 with info, paths, unique operation ids and resolvable $refs', () => {
      expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
      expect(doc.info).toEqual(
        expect.objectContaining({ title: expect.any(String), version: '1.0.0' }),
      );
      expect(Object.keys(doc.paths).length).toBeGreaterThan(0);
      const ids: string[] = [];
      const refs: string[] = [];
      const walk = (node: unknown) => {
        if (Array.isArray(node)) node.forEach(walk);
        else if (node && typeof node === 'object') {
          for (const [key, value] of Object.entries(node)) {
            if (key === '$ref') refs.push(String(value));
            walk(value);
          }
        }
      };
      for (const item of Object.values<Json>(doc.paths))
        for (const op of Object.values<Json>(item)) {
          ids.push(op.operationId);
          expect(op.responses).toBeDefined();
          for (const p of op.parameters ?? []) expect(['path', 'query']).toContain(p.in);
        }
      expect(new Set(ids).size).toBe(ids.length);
      walk(doc);
      expect(refs.length).toBeGreaterThan(0);
      for (const ref of refs) {
        expect(ref.startsWith('#/')).toBe(true);
        const target = ref
          .slice(2)
          .split('/')
          .reduce<unknown>((at, part) => (at as Json | undefined)?.[part], doc);
        expect({ ref, found: target !== undefined }).toEqual({ ref, found: true });
      }
      expect(doc.components.securitySchemes.bearerAuth).toMatchObject({
        type: 'http',
        scheme: 'bearer',
      });
      // Every schema in the document compiles as JSON Schema 2020-12.
      for (const item of Object.values<Json>(doc.paths))
        for (const op of Object.values<Json>(item))
          for (const r of Object.values<Json>(op.responses))
            if (r.content) ajv.compile(r.content['application/json'].schema);
      // No TypeBox internals leak into the document.
      expect(JSON.stringify(doc)).not.toMatch(/TypeBox|"\[Kind\]"/);
    });

    it('lists every /api/v1 route the app serves, and only those', () => {
      const served = listRoutes(built.app)
        .filter((r) => r.includes(' /api/v1/'))
        .map((r) => {
          const [method, path] = r.split(' ');
          return `${method} ${path!.replace(/:(\w+)/g, '{$1}')}`;
        })
        .sort();
      const documented = Object.entries<Json>(doc.paths)
        .flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`))
        .sort();
      expect(documented).toEqual(served);
    });

    it('is shown as a readable reference page at /api/docs', async () => {
      const res = await request(built.app).get('/api/docs').expect(200);
      expect(res.type).toBe('text/html');
      for (const item of Object.values<Json>(doc.paths))
        for (const op of Object.values<Json>(item))
          expect(res.text).toContain(`id="${op.operationId}"`);
      expect(res.text).toContain('href="/api/v1/openapi.json"');
      expect(res.text).not.toMatch(/<script(?![^>]*src="\/assets\/)/);
    });
  });

  describe('every documented GET answers as documented', () => {
    it('with 200 for each route (seeded data), and 400 and 404 where it takes parameters', async () => {
      for (const [path, item] of Object.entries<Json>(doc.paths)) {
        if (!item.get) continue;
        const example = EXAMPLES[path];
        if (path.includes('{')) {
          expect({ path, example: Boolean(example) }).toEqual({ path, example: true });
          conforms(path, 'get', await request(built.app).get(example!.ok));
          const missing = await request(built.app).get(example!.missing);
          expect(missing.status).toBe(404);
          conforms(path, 'get', missing);
          const invalid = await request(built.app).get(example!.invalid);
          expect(invalid.status).toBe(400);
          conforms(path, 'get', invalid);
        } else {
          // A GET that needs a token (the oversight dashboards) is asked with a viewer's.
          const needsToken = !item.get.security.some((r: Json) => Object.keys(r).length === 0);
          const auth = needsToken
            ? { Authorization: `Bearer ${await issueApiToken(db.knex, { role: 'viewer' })}` }
            : {};
          conforms(path, 'get', await request(built.app).get(path).set(auth).expect(200));
          const bad = await request(built.app).get(`${path}?unexpected=1`).set(auth);
          expect(bad.status).toBe(400);
          conforms(path, 'get', bad);
        }
      }
    });

    it('with pages, filters, the older page parameters and a bad token as documented', async () => {
      const list = '/api/v1/recommendations';
      for (const url of [
        `${list}?limit=3`,
        `${list}?report=operation-linden-2021&status=in_progress&limit=2`,
        `${list}?page=2&pageSize=5`,
        `${list}?limit=0`,
        `${list}?cursor=nonsense.value`,
        '/api/v1/organisations?limit=2',
      ])
        conforms(
          url.startsWith(list) ? list : '/api/v1/organisations',
          'get',
          await request(built.app).get(url),
        );
      const unauthorised = await request(built.app)
        .get('/api/v1/reports')
        .set('Authorization', 'Bearer rtk_notarealtokennotarealtokennotarealtoken12');
      expect(unauthorised.status).toBe(401);
      conforms('/api/v1/reports', 'get', unauthorised);
    });
  });

  describe('cursor pagination', () => {
    const walk = async (first: string) => {
      const seen: string[] = [];
      let next: string | null = first;
      let pages = 0;
      while (next) {
        const res: request.Response = await request(built.app).get(next).expect(200);
        seen.push(...res.body.items.map((i: Json) => i.ref ?? i.slug));
        next = res.body.links.next;
        expect(res.body.links.prev).toBeNull();
        pages += 1;
        expect(pages).toBeLessThan(50);
      }
      return { seen, pages };
    };

    it('walks every recommendation once, in the documented order, ending with next null', async () => {
      const all = await request(built.app).get('/api/v1/recommendations?limit=100').expect(200);
      expect(all.body.links.next).toBeNull();
      const { seen, pages } = await walk('/api/v1/recommendations?limit=5');
      expect(seen).toEqual(all.body.items.map((i: Json) => i.ref));
      expect(new Set(seen).size).toBe(all.body.total);
      expect(pages).toBe(Math.ceil(all.body.total / 5));
      const filtered = await walk('/api/v1/recommendations?report=operation-linden-2021&limit=4');
      expect(filtered.seen.length).toBe(12);
    });

    it('is a keyset, not an offset: a recommendation added before the cursor does not shift the next page', async () => {
      const first = await request(built.app)
        .get('/api/v1/recommendations?report=operation-linden-2021&limit=4')
        .expect(200);
      const nextUrl: string = first.body.links.next;
      const before = await request(built.app).get(nextUrl).expect(200);
      const report = await db.knex('reports').where({ slug: 'operation-linden-2021' }).first();
      const extra = await createRecommendation(db.knex, report, { position: -1 });
      try {
        const after = await request(built.app).get(nextUrl).expect(200);
        expect(after.body.items.map((i: Json) => i.ref)).toEqual(
          before.body.items.map((i: Json) => i.ref),
        );
      } finally {
        await db.knex('recommendations').where({ id: extra.id }).delete();
      }
    });

    it('pages reports and organisations the same way', async () => {
      const orgs = await request(built.app).get('/api/v1/organisations?limit=100').expect(200);
      const walked = await walk('/api/v1/organisations?limit=2');
      expect(walked.seen).toEqual(orgs.body.items.map((o: Json) => o.slug));
      const extraReport = await createReport(db.knex, { published_on: null });
      try {
        const reports = await walk('/api/v1/reports?limit=1');
        expect(reports.seen[reports.seen.length - 1]).toBe(extraReport.slug);
        expect(reports.seen).toContain('operation-linden-2021');
      } finally {
        await db.knex('reports').where({ id: extraReport.id }).delete();
      }
    });

    it('refuses a tampered cursor, or one from another list, with 400 naming cursor', async () => {
      const first = await request(built.app).get('/api/v1/recommendations?limit=2').expect(200);
      const cursor = new URL(first.body.links.next, 'http://x').searchParams.get('cursor')!;
      const [payload, mac] = cursor.split('.');
      const edited = Buffer.from(
        Buffer.from(payload!, 'base64url')
          .toString()
          .replace(/"LIN-\d+"/, '"LIN-09"'),
      ).toString('base64url');
      for (const url of [
        `/api/v1/recommendations?cursor=${edited}.${mac}`,
        `/api/v1/recommendations?cursor=${payload}.AAAA`,
        `/api/v1/organisations?cursor=${cursor}`,
      ]) {
        const res = await request(built.app).get(url);
        expect(res.status).toBe(400);
        expect(JSON.parse(res.text).errors[0].field).toBe('cursor');
      }
      const mixed = await request(built.app).get(`/api/v1/recommendations?page=2&cursor=${cursor}`);
      expect(mixed.status).toBe(400);
    });
  });

  describe('caching', () => {
    it('gives a strong ETag, 304 on If-None-Match, public for anonymous and private for tokens', async () => {
      const res = await request(built.app).get('/api/v1/reports').expect(200);
      expect(res.headers.etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
      expect(res.headers['cache-control']).toBe('public, no-cache');
      expect(res.headers.vary).toMatch(/Authorization/);
      const again = await request(built.app)
        .get('/api/v1/reports')
        .set('If-None-Match', res.headers.etag!);
      expect(again.status).toBe(304);
      const token = await issueApiToken(db.knex, { role: 'viewer' });
      const mine = await request(built.app)
        .get('/api/v1/reports')
        .set('Authorization', `Bearer ${token}`)
        .expect(200);
      expect(mine.headers['cache-control']).toBe('private, no-cache');
      const changed = await request(built.app).get('/api/v1/reports?limit=1').expect(200);
      expect(changed.headers.etag).not.toBe(res.headers.etag);
    });
  });
});
