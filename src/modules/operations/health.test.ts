import request from 'supertest';
import type { Express } from 'express';
import { buildTestApp } from '../../../test/app';
import { createTestDatabase, usingServerDatabase, type TestDatabase } from '../../../test/db';
import { createTcpProxy, type TcpProxy } from '../../../test/tcp-proxy';
import { openServerDatabase, type Database } from '../../db/knex';
import { migrateToLatest, rollbackLast } from '../../db/migrate';
import { createLogger } from '../../logger';
import { applyLindenSeed } from '../../../seeds/operation-linden';

const describeServer = usingServerDatabase ? describe : describe.skip;

describe('health checks', () => {
  let db: TestDatabase;
  let app: Express;
  beforeAll(async () => {
    db = await createTestDatabase();
    app = buildTestApp(db.knex).app;
  });
  afterAll(async () => {
    await db.destroy();
  });

  it('/healthz answers ok and is never cached', async () => {
    const res = await request(app).get('/healthz').expect(200);
    expect(res.body).toEqual({ status: 'ok' });
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('/readyz is ready when the database is reachable and its schema is current', async () => {
    const res = await request(app).get('/readyz').expect(200);
    expect(res.body).toEqual({ ready: true, database: 'ok', migrations: 'current' });
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('/readyz is 503 naming the pending migrations after a rollback, and ready again once migrated', async () => {
    const rolledBack = await rollbackLast(db);
    try {
      expect(rolledBack).toContain('20261128160200_create_seed_runs');
      const res = await request(app).get('/readyz').expect(503);
      expect(res.body).toEqual({
        ready: false,
        database: 'ok',
        migrations: 'pending',
        pending: expect.arrayContaining(rolledBack),
      });
      expect(res.body.pending).toHaveLength(rolledBack.length);
    } finally {
      await migrateToLatest(db);
    }
    await request(app).get('/readyz').expect(200);
  });
});

describeServer('when the database server is lost while the app runs', () => {
  let testDb: TestDatabase;
  let proxy: TcpProxy;
  let db: Database;
  let app: Express;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    await applyLindenSeed(testDb.knex);
    proxy = await createTcpProxy({ host: '127.0.0.1', port: 5432 });
    const url = new URL(testDb.url!);
    url.hostname = '127.0.0.1';
    url.port = String(proxy.port);
    db = openServerDatabase(
      {
        kind: 'server',
        url: url.toString(),
        poolMax: 3,
        connectTimeoutMs: 1000,
        statementTimeoutMs: 5000,
      },
      createLogger('silent'),
    );
    app = buildTestApp(db.knex).app;
  });
  afterAll(async () => {
    await proxy?.stop();
    await db?.close();
    await testDb?.destroy();
  });

  const pool = () => (db.knex.client as { pool: { numFree(): number; numUsed(): number } }).pool;

  it('works through the proxy to begin with', async () => {
    await request(app).get('/recommendations').expect(200);
    await request(app).get('/api/v1/recommendations').expect(200);
    await request(app).get('/readyz').expect(200);
    expect(pool().numFree()).toBeGreaterThan(0);
  });

  it('survives its idle connections being severed', async () => {
    expect(pool().numFree()).toBeGreaterThan(0);
    await proxy.stop();
    // Give the pg clients time to notice the closed sockets and emit their errors.
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Still here: an unhandled 'error' event would have crashed the test process.
    await request(app).get('/healthz').expect(200);
  });

  it('answers a page with a 503 HTML page that asks to try again, without a stack trace', async () => {
    const res = await request(app).get('/recommendations').expect(503);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['retry-after']).toBe('30');
    expect(res.text).toMatch(/try again/i);
    expect(res.text).not.toMatch(/ECONNREFUSED|node_modules|\n\s+at /);
  });

  it('answers the API with 503 application/problem+json', async () => {
    const res = await request(app).get('/api/v1/recommendations').expect(503);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(res.text)).toMatchObject({
      status: 503,
      title: 'Service unavailable',
      instance: '/api/v1/recommendations',
    });
  });

  it('reports not ready with the database unreachable', async () => {
    const res = await request(app).get('/readyz').expect(503);
    expect(res.body).toEqual({ ready: false, database: 'unreachable', migrations: 'unknown' });
  });

  it('serves the same requests again once the database is back, without a restart', async () => {
    await proxy.start();
    await request(app).get('/readyz').expect(200);
    const page = await request(app).get('/recommendations').expect(200);
    expect(page.text).toContain('LIN-12');
    const api = await request(app).get('/api/v1/recommendations?pageSize=100').expect(200);
    expect(api.body.total).toBe(12);
  });
});
