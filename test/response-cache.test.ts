/**
 * The response cache through the real app on a real database, with a second app instance (its own
 * services and cache; on the server database its own connection pool) on the same database:
 * - freshness: after each kind of write (register edit, import, new addressee, extension granted,
 *   response, publication, withdrawal, status change) the next signed-out request on either
 *   instance shows the change under a new ETag, while an unchanged page is answered from the cache;
 * - what is sent: brotli, gzip or identity by Accept-Encoding, the same bytes underneath;
 * - isolation: a signed-in page never enters the cache nor comes out of it, and a form that needs
 *   a CSRF token is never kept.
 */
import { once } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import zlib from 'node:zlib';
import request from 'supertest';
import type { Express } from 'express';
import { applyLindenSeed } from '../seeds/operation-linden';
import { buildTestApp } from './app';
import { createUser, csrfFrom, issueApiToken } from './auth';
import { createTestDatabase, usingServerDatabase, type TestDatabase } from './db';
import { openServerDatabase, type Database } from '../src/db/knex';
import { createLogger } from '../src/logger';
import { PROJECT_ROOT } from '../src/shared/project-root';
import type { CurrentUser } from '../src/modules/accounts/accounts.types';

const NOW = '2026-11-28T12:00:00Z';
const REF = 'CACHE-01';
const PAGE = `/recommendations/${REF}`;
const EXAMPLE = path.join(PROJECT_ROOT, 'examples/import/illustrative-inspection.json');
const CONTEXT = { ip: '127.0.0.1', userAgent: null, requestId: null };

/** A GET over plain node:http, so the bytes come back exactly as sent (supertest decodes them). */
async function raw(
  app: Express,
  url: string,
  acceptEncoding: string,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  try {
    return await new Promise((resolve, reject) => {
      http
        .get(
          { host: '127.0.0.1', port, path: url, headers: { 'accept-encoding': acceptEncoding } },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () =>
              resolve({
                status: res.statusCode ?? 0,
                headers: res.headers,
                body: Buffer.concat(chunks),
              }),
            );
          },
        )
        .on('error', reject);
    });
  } finally {
    server.close();
  }
}

describe('rendered responses kept per data version', () => {
  let db: TestDatabase;
  let second: Database | null = null;
  let a: ReturnType<typeof buildTestApp>;
  let b: ReturnType<typeof buildTestApp>;
  const token: Record<string, string> = {};
  let overseer: CurrentUser;
  let overseerCookie: string;
  let assignmentId = 0;

  beforeAll(async () => {
    db = await createTestDatabase();
    await applyLindenSeed(db.knex);
    a = buildTestApp(db.knex, { now: NOW });
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
    b = buildTestApp(second ? second.knex : db.knex, { now: NOW });
    token.admin = await issueApiToken(db.knex, { role: 'admin' });
    token.overseer = await issueApiToken(db.knex, { role: 'overseer' });
    const user = await createUser(db.knex, { role: 'overseer' });
    overseer = {
      id: user.id,
      email: user.email,
      name: 'Test overseer',
      role: 'overseer',
      organisationId: null,
      twoFactorEnabled: true,
    };
    const session = await a.services.sessions.start(db.knex, {
      userId: user.id,
      state: 'active',
      context: CONTEXT,
    });
    overseerCookie = `tracker-session=${session.token}`;

    const api = (method: 'post' | 'put', url: string, body: object) =>
      request(a.app)[method](url).set('Authorization', `Bearer ${token.admin}`).send(body);
    await api('post', '/api/v1/reports', {
      slug: 'cache-report',
      title: 'A report for the cache tests',
      issuerName: 'An oversight office',
      issuerShort: null,
      publishedOn: '2026-11-20',
      datedOn: null,
      legalBasis: 'iopc_para_28a',
      sourceUrl: null,
      summary: null,
      publishResponses: true,
    }).expect(201);
    await api('post', '/api/v1/reports/cache-report/recommendations', {
      ref: REF,
      sourceNumber: '1',
      title: 'Keep the first title',
      text: 'The text of the recommendation.',
      textStatus: 'summary',
      themes: [],
      madeOn: '2026-11-20',
      madeOnConfirmed: true,
      sourceUrl: null,
      repeatsRef: null,
      position: null,
    }).expect(201);
  });
  afterAll(async () => {
    await second?.close();
    await db.destroy();
  });

  const anonymous = (app: Express, url: string) => request(app).get(url);

  /** Asks both instances twice (so the second answer of each comes from its cache). */
  async function seenByBoth(url: string) {
    const out: { etag: string; text: string }[] = [];
    for (const instance of [a, b]) {
      const hitsBefore = instance.services.responseCache.stats().hits;
      const first = await anonymous(instance.app, url).expect(200);
      const again = await anonymous(instance.app, url).expect(200);
      expect(again.text).toBe(first.text);
      expect(again.headers.etag).toBe(first.headers.etag);
      expect(instance.services.responseCache.stats().hits).toBeGreaterThan(hitsBefore);
      out.push({ etag: String(first.headers.etag), text: first.text });
    }
    // Both instances of one release agree on the validator.
    expect(out[0]!.etag).toBe(out[1]!.etag);
    return out[0]!;
  }

  /** Runs a write and checks that both instances show `expected` at `url` under a new ETag. */
  async function freshAfter(url: string, write: () => Promise<unknown>, expected: string) {
    const before = await seenByBoth(url);
    expect(before.text).not.toContain(expected);
    await write();
    for (const instance of [a, b]) {
      const res = await anonymous(instance.app, url).set('If-None-Match', before.etag).expect(200);
      expect(res.headers.etag).not.toBe(before.etag);
      expect(res.text).toContain(expected);
    }
    await seenByBoth(url);
  }

  it('shows a register edit at once on both instances', async () => {
    await freshAfter(
      PAGE,
      () =>
        request(b.app)
          .put(`/api/v1/recommendations/${REF}`)
          .set('Authorization', `Bearer ${token.admin}`)
          .send({
            ref: REF,
            sourceNumber: '1',
            title: 'A title edited by the administrator',
            text: 'The text of the recommendation.',
            textStatus: 'summary',
            themes: [],
            madeOn: '2026-11-20',
            madeOnConfirmed: true,
            sourceUrl: null,
            repeatsRef: null,
            position: null,
          })
          .expect(200),
      'A title edited by the administrator',
    );
  });

  it('shows an import at once on both instances', async () => {
    const document = JSON.parse(fs.readFileSync(EXAMPLE, 'utf8'));
    await freshAfter(
      '/reports',
      () =>
        request(a.app)
          .post('/api/v1/imports')
          .set('Authorization', `Bearer ${token.admin}`)
          .send(document)
          .expect(200),
      'Inspection of how forces respond to child sexual exploitation',
    );
  });

  it('shows a new addressee, then an extension granted, then a response', async () => {
    await freshAfter(
      PAGE,
      () =>
        request(a.app)
          .post(`/api/v1/recommendations/${REF}/addressees`)
          .set('Authorization', `Bearer ${token.admin}`)
          .send({ organisations: ['south-yorkshire-police'] })
          .expect((res) => expect(res.status).toBeLessThan(300)),
      'South Yorkshire Police',
    );
    const assignment = await db
      .knex('assignments as x')
      .join('recommendations as r', 'r.id', 'x.recommendation_id')
      .where('r.ref', REF)
      .first('x.id', 'x.organisation_id', 'x.response_due_on');
    assignmentId = assignment.id;
    expect(assignment.response_due_on).toBe('2027-01-14');
    const lead = await issueApiToken(db.knex, {
      role: 'org_lead',
      organisationId: assignment.organisation_id,
    });
    const asked = await request(a.app)
      .post(`/api/v1/assignments/${assignmentId}/extensions`)
      .set('Authorization', `Bearer ${lead}`)
      .send({ newDueOn: '2027-02-15', reason: 'Our board meets in February.' })
      .expect(201);
    await freshAfter(
      PAGE,
      () =>
        request(b.app)
          .post(
            `/api/v1/assignments/${assignmentId}/extensions/${asked.body.extensions[0].id}/decision`,
          )
          .set('Authorization', `Bearer ${token.overseer}`)
          .send({ decision: 'grant', reason: 'Reasonable.' })
          .expect(200),
      '15 February 2027',
    );
    await freshAfter(
      PAGE,
      () =>
        request(a.app)
          .post(`/api/v1/assignments/${assignmentId}/response`)
          .set('Authorization', `Bearer ${lead}`)
          .send({ text: 'We accept this and have begun the work.', stance: 'accepted' })
          .expect((res) => expect(res.status).toBeLessThan(300)),
      'We accept this and have begun the work.',
    );
  });

  it('shows a publication and its withdrawal, then a status change, on both instances', async () => {
    expect(assignmentId).toBeGreaterThan(0);
    const [update] = await db
      .knex('progress_updates')
      .insert({
        assignment_id: assignmentId,
        author_label: 'Force lead',
        self_assessment: 'on_track',
        narrative: 'PRIVATE NARRATIVE never shown to the public',
        created_at: new Date('2026-11-27T10:00:00Z'),
      })
      .returning(['id']);
    await freshAfter(
      PAGE,
      () =>
        a.services.publication.publishSummary(overseer, CONTEXT, update.id, {
          summary: 'Training has started in every district.',
        }),
      'Training has started in every district.',
    );
    await freshAfter(
      PAGE,
      () =>
        b.services.publication.withdrawSummary(overseer, CONTEXT, update.id, {
          reason: 'It overstated the progress',
        }),
      'It overstated the progress',
    );
    const page = await anonymous(a.app, PAGE).expect(200);
    expect(page.text).not.toContain('Training has started in every district.');
    expect(page.text).not.toContain('PRIVATE NARRATIVE');
    await freshAfter(
      PAGE,
      () =>
        request(a.app)
          .post(`/api/v1/assignments/${assignmentId}/closure`)
          .set('Authorization', `Bearer ${token.overseer}`)
          .send({ reason: 'superseded', note: 'Replaced by a national programme.' })
          .expect(200),
      'Closed',
    );
  });

  it('keeps open data and feeds per version too', async () => {
    await seenByBoth('/data/assignments.csv');
    await seenByBoth('/data/feed.atom');
    await seenByBoth('/recommendations?q=title&page=1');
    await seenByBoth(`${PAGE}?as_of=2026-11-21`);
  });

  it('builds an open-data file once for concurrent first requests, streaming it to the first', async () => {
    // A write, so the file is not yet kept for the new version.
    await db.knex('organisations').insert({
      slug: 'cache-concurrency',
      name: 'Cache concurrency council',
      kind: 'other',
    });
    const server = a.app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const before = a.services.responseCache.stats();
      const answers = await Promise.all(
        Array.from({ length: 6 }, () => request(server).get('/data/assignments.csv').expect(200)),
      );
      expect(new Set(answers.map((r) => r.text)).size).toBe(1);
      expect(new Set(answers.map((r) => r.headers.etag)).size).toBe(1);
      const after = a.services.responseCache.stats();
      expect(after.misses).toBe(before.misses + 1);
      expect(after.stored).toBe(before.stored + 1);
      expect(after.hits).toBe(before.hits + 5);
      // At least one arrived while the first was being built, and waited for it.
      expect(after.waited).toBeGreaterThan(before.waited);
      // The first answer was streamed as it was built (no Content-Length known in advance); the
      // kept copy goes out whole.
      const first = answers.find((r) => r.headers['content-length'] === undefined);
      expect(first).toBeDefined();
      const kept = await raw(a.app, '/data/assignments.csv', 'identity');
      expect(Number(kept.headers['content-length'])).toBe(kept.body.length);
      expect(kept.body.toString()).toBe(answers[0]!.text);
    } finally {
      server.close();
    }
  });

  it('sends the kept copy compressed as the client accepts: brotli, gzip or identity', async () => {
    await anonymous(a.app, '/recommendations').expect(200);
    const identity = await raw(a.app, '/recommendations', 'identity');
    expect(identity.status).toBe(200);
    expect(identity.headers['content-encoding']).toBeUndefined();
    // Compression of the kept copy runs in the background: wait for it to land (until then the
    // compression middleware compresses the identity copy on the fly, with no Content-Length).
    let br = await raw(a.app, '/recommendations', 'br');
    for (let i = 0; br.headers['content-length'] === undefined && i < 100; i++) {
      await new Promise((r) => setTimeout(r, 20));
      br = await raw(a.app, '/recommendations', 'br');
    }
    expect(br.headers['content-encoding']).toBe('br');
    expect(zlib.brotliDecompressSync(br.body).equals(identity.body)).toBe(true);
    const gz = await raw(a.app, '/recommendations', 'gzip, deflate');
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(zlib.gunzipSync(gz.body).equals(identity.body)).toBe(true);
    expect(String(gz.headers.vary)).toMatch(/Accept-Encoding/);
    expect(Number(gz.headers['content-length'])).toBe(gz.body.length);
    expect(gz.body.length).toBeLessThan(identity.body.length / 3);
  });

  it('never serves a signed-in page to a signed-out visitor, nor a kept page to a signed-in one', async () => {
    const signedIn = await request(a.app).get('/').set('Cookie', overseerCookie).expect(200);
    expect(signedIn.text).toContain('Sign out');
    expect(signedIn.headers['cache-control']).toBe('no-store');
    const signedOut = await anonymous(a.app, '/').expect(200);
    expect(signedOut.text).not.toContain('Sign out');
    expect(signedOut.text).not.toMatch(/name="_csrf"/);
    // And the other way round: with the kept page there, a signed-in visitor still gets their own.
    const again = await request(a.app).get('/').set('Cookie', overseerCookie).expect(200);
    expect(again.text).toContain('Sign out');
    const stored = a.services.responseCache.stats().stored;
    await request(a.app).get('/recommendations?q=signed-in-only').set('Cookie', overseerCookie);
    expect(a.services.responseCache.stats().stored).toBe(stored);
  });

  it('never keeps a form that carries a CSRF token', async () => {
    const stored = a.services.responseCache.stats().stored;
    const one = await anonymous(a.app, `${PAGE}/feedback`).expect(200);
    const two = await anonymous(a.app, `${PAGE}/feedback`).expect(200);
    expect(csrfFrom(one.text)).not.toBe(csrfFrom(two.text));
    expect(a.services.responseCache.stats().stored).toBe(stored);
  });
});
