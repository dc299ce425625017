import express from 'express';
import request from 'supertest';
import { buildTestApp } from '../../../test/app';
import { createTestDatabase, type TestDatabase } from '../../../test/db';
import { createApp } from '../../app';
import type { Services } from '../../services';

describe('when something unexpected fails', () => {
  let db: TestDatabase;
  let services: Services;
  beforeAll(async () => {
    db = await createTestDatabase();
    services = buildTestApp(db.knex).services;
  });
  afterAll(async () => {
    await db.destroy();
  });

  const failing = (): Services => ({
    ...services,
    register: {
      ...services.register,
      overview: async () => {
        throw new Error('secret internals: column xyz');
      },
      listRecommendations: async () => {
        throw new Error('secret internals: column xyz');
      },
      listRecommendationsAfter: async () => {
        throw new Error('secret internals: column xyz');
      },
    },
  });

  it('shows people a plain 500 page with a reference, never the error or a stack trace', async () => {
    const app: express.Express = createApp(failing());
    const res = await request(app).get('/').expect(500);
    expect(res.text).toContain('Sorry, there is a problem with the service');
    expect(res.text).toContain(String(res.headers['x-request-id']));
    expect(res.text).not.toContain('secret internals');
    expect(res.text).not.toMatch(/at .*\.ts:\d+/);
  });

  it('answers API clients with problem+json and no internals', async () => {
    const res = await request(createApp(failing())).get('/api/v1/recommendations').expect(500);
    expect(res.type).toBe('application/problem+json');
    const body = JSON.parse(res.text);
    expect(body).toMatchObject({ status: 500, requestId: res.headers['x-request-id'] });
    expect(res.text).not.toContain('secret internals');
  });
});
