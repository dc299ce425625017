/**
 * The JSON API's public reads from the response cache (ADR 0012), through the real app on a real
 * database, with a second app instance (on the server database its own pool) on the same database:
 * - freshness: after a register edit, a new addressee and a response, the next anonymous read on
 *   either instance has the new body under a new ETag; an unchanged read is answered from the cache;
 * - 304 from the version alone, on either instance; the day turning changes the ETag;
 * - isolation: a call with a token is never kept nor answered from the cache (its answer stays
 *   private with a hash of its own body), token-only routes are never kept, and an error is never
 *   kept;
 * - one build for many concurrent callers, and brotli or gzip from the kept copy.
 */
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import request from 'supertest';
import type { Express } from 'express';
import { applyLindenSeed } from '../seeds/operation-linden';
import { buildTestApp } from './app';
import { createSignedInUser, issueApiToken } from './auth';
import { createTestDatabase, usingServerDatabase, type TestDatabase } from './db';
import { openServerDatabase, type Database } from '../src/db/knex';
import { createLogger } from '../src/logger';

const NOW = '2026-11-28T12:00:00Z';
const REF = 'APICACHE-01';
const ITEM = `/api/v1/recommendations/${REF}`;
const LIST = '/api/v1/recommendations?report=api-cache-report';

/** A GET over plain node:http, so the bytes come back exactly as sent (supertest decodes them). */
async function raw(
  app: Express,
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  try {
    return await new Promise((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: url, headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks),
            }),
          );
        })
        .on('error', reject);
    });
  } finally {
    server.close();
  }
}

describe('public API reads kept per data version', () => {
  let db: TestDatabase;
  let second: Database | null = null;
  let a: ReturnType<typeof buildTestApp>;
  let b: ReturnType<typeof buildTestApp>;
  let admin = '';
  let viewer = '';

  const recommendation = (title: string) => ({
    ref: REF,
    sourceNumber: '1',
    title,
    text: 'The text of the recommendation.',
    textStatus: 'summary',
    themes: [],
    madeOn: '2026-11-20',
    madeOnConfirmed: true,
    sourceUrl: null,
    repeatsRef: null,
    position: null,
  });

  beforeAll(async () => {
    db = await createTestDatabase();
    await applyLindenSeed(db.knex);
    // Instances of one deployment share SECRET_KEY (the start refuses another, ADR 0018), so
    // their cursors, and so their bodies, agree.
    const secretKey = randomBytes(32);
    a = buildTestApp(db.knex, { now: NOW, config: { secretKey } });
    if (usingServerDatabase) {
      second = openServerDatabase(
        {
          kind: 'server',
          url: db.url!,
          poolMax: 3,
          connectTimeoutMs: 5000,
          statementTimeoutMs: 30000,
        },
        createLogger('silent'),
      );
    }
    // The embedded database can be opened by one process only: the second instance shares it.
    b = buildTestApp(second ? second.knex : db.knex, { now: NOW, config: { secretKey } });
    admin = await issueApiToken(db.knex, { role: 'admin' });
    viewer = await issueApiToken(db.knex, { role: 'viewer' });
    const api = (method: 'post' | 'put', url: string, body: object) =>
      request(a.app)[method](url).set('Authorization', `Bearer ${admin}`).send(body);
    await api('post', '/api/v1/reports', {
      slug: 'api-cache-report',
      title: 'A report for the API cache tests',
      issuerName: 'An oversight office',
      issuerShort: null,
      publishedOn: '2026-11-20',
      datedOn: null,
      legalBasis: 'iopc_para_28a',
      sourceUrl: null,
      summary: null,
      publishResponses: true,
    }).expect(201);
    await api(
      'post',
      '/api/v1/reports/api-cache-report/recommendations',
      recommendation('The first title'),
    ).expect(201);
  });
  afterAll(async () => {
    await second?.close();
    await db.destroy();
  });

  const anonymous = (app: Express, url: string) => request(app).get(url);

  /** Asks both instances twice; the second answer of each must come from its cache. */
  async function seenByBoth(url: string) {
    const out: { etag: string; text: string }[] = [];
    for (const instance of [a, b]) {
      const before = instance.services.responseCache.stats();
      const first = await anonymous(instance.app, url).expect(200);
      const again = await anonymous(instance.app, url).expect(200);
      expect(again.text).toBe(first.text);
      expect(again.headers.etag).toBe(first.headers.etag);
      expect(again.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(instance.services.responseCache.stats().hits).toBeGreaterThan(before.hits);
      out.push({ etag: String(first.headers.etag), text: first.text });
    }
    // Both instances of one release agree on the validator and on the bytes.
    expect(out[0]!.etag).toBe(out[1]!.etag);
    expect(out[0]!.text).toBe(out[1]!.text);
    return out[0]!;
  }

  /** Runs a write and checks that both instances show, at each url, what is expected there. */
  async function freshAfter(expected: Record<string, string>, write: () => Promise<unknown>) {
    const before = new Map<string, string>();
    for (const [url, text] of Object.entries(expected)) {
      const seen = await seenByBoth(url);
      expect(seen.text).not.toContain(text);
      before.set(url, seen.etag);
    }
    await write();
    for (const [url, text] of Object.entries(expected))
      for (const instance of [a, b]) {
        const res = await anonymous(instance.app, url)
          .set('If-None-Match', before.get(url)!)
          .expect(200);
        expect(res.headers.etag).not.toBe(before.get(url));
        expect(res.text).toContain(text);
      }
    for (const url of Object.keys(expected)) await seenByBoth(url);
  }

  it('shows a register edit, a new addressee and a response at once on both instances', async () => {
    const edited = 'A title edited by the administrator';
    await freshAfter({ [ITEM]: edited, [LIST]: edited }, () =>
      request(b.app)
        .put(ITEM)
        .set('Authorization', `Bearer ${admin}`)
        .send(recommendation(edited))
        .expect(200),
    );
    await freshAfter(
      { [ITEM]: 'south-yorkshire-police', '/api/v1/organisations/south-yorkshire-police': REF },
      () =>
        request(a.app)
          .post(`${ITEM}/addressees`)
          .set('Authorization', `Bearer ${admin}`)
          .send({ organisations: ['south-yorkshire-police'] })
          .expect((res) => expect(res.status).toBeLessThan(300)),
    );
    const assignment = await db
      .knex('assignments as x')
      .join('recommendations as r', 'r.id', 'x.recommendation_id')
      .where('r.ref', REF)
      .first('x.id', 'x.organisation_id');
    const lead = await issueApiToken(db.knex, {
      role: 'org_lead',
      organisationId: assignment.organisation_id,
    });
    await freshAfter({ [ITEM]: 'We accept this recommendation in full.' }, () =>
      request(b.app)
        .post(`/api/v1/assignments/${assignment.id}/response`)
        .set('Authorization', `Bearer ${lead}`)
        .send({ text: 'We accept this recommendation in full.', stance: 'accepted' })
        .expect((res) => expect(res.status).toBeLessThan(300)),
    );
  });

  it('answers 304 from the version on either instance', async () => {
    const first = await anonymous(a.app, '/api/v1/reports').expect(200);
    const etag = String(first.headers.etag);
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{43}"$/);
    expect(first.headers['cache-control']).toBe('public, no-cache');
    expect(String(first.headers.vary)).toMatch(/Authorization/);
    expect(String(first.headers.vary)).toMatch(/Accept-Encoding/);
    for (const instance of [a, b]) {
      const before = instance.services.responseCache.stats();
      const again = await anonymous(instance.app, '/api/v1/reports').set('If-None-Match', etag);
      expect(again.status).toBe(304);
      expect(again.text).toBe('');
      expect(instance.services.responseCache.stats().notModified).toBe(before.notModified + 1);
    }
    // Another URL is another representation.
    const other = await anonymous(a.app, '/api/v1/reports?limit=1').set('If-None-Match', etag);
    expect(other.status).toBe(200);
    expect(other.headers.etag).not.toBe(etag);
  });

  it('never keeps nor serves from the cache a call with a token, whose answer stays private', async () => {
    const url = '/api/v1/organisations?limit=3';
    const before = a.services.responseCache.stats();
    const mine = await request(a.app).get(url).set('Authorization', `Bearer ${viewer}`).expect(200);
    expect(mine.headers['cache-control']).toBe('private, no-cache');
    let after = a.services.responseCache.stats();
    expect(after.stored).toBe(before.stored);
    expect(after.hits).toBe(before.hits);
    // The anonymous caller that follows builds its own public answer...
    const theirs = await anonymous(a.app, url).expect(200);
    expect(theirs.headers['cache-control']).toBe('public, no-cache');
    after = a.services.responseCache.stats();
    expect(after.misses).toBe(before.misses + 1);
    expect(after.stored).toBe(before.stored + 1);
    // ...and the token caller that follows it is not answered from that kept copy.
    const mineAgain = await request(a.app)
      .get(url)
      .set('Authorization', `Bearer ${viewer}`)
      .expect(200);
    expect(mineAgain.headers['cache-control']).toBe('private, no-cache');
    expect(a.services.responseCache.stats().hits).toBe(after.hits);
    // With a token the ETag is the hash of its own body; without, it derives from the version.
    expect(mineAgain.headers.etag).not.toBe(theirs.headers.etag);
    expect(JSON.parse(mineAgain.text)).toEqual(JSON.parse(theirs.text));
    // A bad token is refused, never answered from the kept copy.
    const bad = await request(a.app).get(url).set('Authorization', 'Bearer rtk_not-a-token');
    expect(bad.status).toBe(401);
  });

  it('never keeps a token-only read, and a signed-in cookie gives no rights here', async () => {
    const before = a.services.responseCache.stats();
    const signedIn = await createSignedInUser(a.services, db.knex, 'overseer');
    const byCookie = await request(a.app)
      .get('/api/v1/dashboards/summary')
      .set('Cookie', signedIn.cookie);
    expect(byCookie.status).toBe(401);
    const byToken = await request(a.app)
      .get('/api/v1/dashboards/summary')
      .set('Authorization', `Bearer ${viewer}`);
    expect(byToken.status).toBe(200);
    expect(byToken.headers['cache-control']).toBe('private, no-cache');
    const after = a.services.responseCache.stats();
    expect(after.stored).toBe(before.stored);
    expect(after.hits).toBe(before.hits);
    expect(after.misses).toBe(before.misses);
  });

  it('never keeps an error, nor gives it the validator of a kept answer', async () => {
    const before = a.services.responseCache.stats();
    for (const url of [
      '/api/v1/recommendations/NO-SUCH-REF',
      '/api/v1/recommendations?limit=1000',
      '/api/v1/reports?colour=blue',
    ]) {
      for (let i = 0; i < 2; i++) {
        const res = await anonymous(a.app, url);
        expect({ url, status: res.status }).toEqual({
          url,
          status: url.includes('NO-SUCH') ? 404 : 400,
        });
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        // Not the kept answers' validator (Express may tag the problem body itself).
        expect(String(res.headers.etag)).not.toMatch(/^"[A-Za-z0-9_-]{43}"$/);
      }
    }
    const after = a.services.responseCache.stats();
    expect(after.stored).toBe(before.stored);
    expect(after.hits).toBe(before.hits);
  });

  it('builds a cold read once for many concurrent callers', async () => {
    const url = '/api/v1/organisations?limit=7';
    const server = a.app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const before = a.services.responseCache.stats();
      const answers = await Promise.all(
        Array.from({ length: 8 }, () => request(server).get(url).expect(200)),
      );
      expect(new Set(answers.map((r) => r.text)).size).toBe(1);
      expect(new Set(answers.map((r) => r.headers.etag)).size).toBe(1);
      const after = a.services.responseCache.stats();
      expect(after.misses).toBe(before.misses + 1);
      expect(after.hits).toBe(before.hits + 7);
    } finally {
      server.close();
    }
  });

  it('sends the kept copy compressed as the client accepts', async () => {
    const url = '/api/v1/organisations?limit=50';
    const identity = await raw(a.app, url, { 'accept-encoding': 'identity' });
    expect(identity.status).toBe(200);
    expect(identity.headers['content-encoding']).toBeUndefined();
    // Compression of the kept copy runs in the background: wait for it to land.
    let br = await raw(a.app, url, { 'accept-encoding': 'br' });
    for (let i = 0; br.headers['content-length'] === undefined && i < 100; i++) {
      await new Promise((r) => setTimeout(r, 20));
      br = await raw(a.app, url, { 'accept-encoding': 'br' });
    }
    expect(br.headers['content-encoding']).toBe('br');
    expect(zlib.brotliDecompressSync(br.body).equals(identity.body)).toBe(true);
    const gz = await raw(a.app, url, { 'accept-encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(zlib.gunzipSync(gz.body).equals(identity.body)).toBe(true);
    expect(identity.body.length).toBeGreaterThan(1024);
  });

  // Last: the instance's cache then holds the later day.
  it('gives a new ETag and body when the London day turns, without any write', async () => {
    await request(b.app)
      .post(`${ITEM}/addressees`)
      .set('Authorization', `Bearer ${admin}`)
      .send({ organisations: ['npcc'] })
      .expect((res) => expect(res.status).toBeLessThan(300));
    const today = await anonymous(b.app, ITEM).expect(200);
    b.clock.set('2026-11-29T00:30:00Z');
    const tomorrow = await anonymous(b.app, ITEM).set('If-None-Match', String(today.headers.etag));
    expect(tomorrow.status).toBe(200);
    expect(tomorrow.headers.etag).not.toBe(today.headers.etag);
    // Days remaining to respond went down by one.
    const left = (text: string): number =>
      (
        JSON.parse(text).assignments as {
          organisation: { slug: string };
          responseDue: { daysRemaining: number };
        }[]
      ).find((x) => x.organisation.slug === 'npcc')!.responseDue.daysRemaining;
    expect(left(today.text)).toBeGreaterThan(0);
    expect(left(tomorrow.text)).toBe(left(today.text) - 1);
  });
});
