/**
 * The OpenAPI document and the server agree on what a request body must contain. For every
 * operation with a JSON body, requests are derived from the document: an empty body must be refused
 * naming exactly the documented `required` fields as missing (so a field the server fills in with a
 * default is not documented as required, and a documented one is really required), and leaving out
 * each required field alone must give a 4xx problem+json that names it.
 */
import request from 'supertest';
import { applyLindenSeed } from '../seeds/operation-linden';
import { buildTestApp } from './app';
import { issueApiToken } from './auth';
import { createTestDatabase, type TestDatabase } from './db';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const GOOD_PARAMS: Record<string, string> = {
  slug: 'operation-linden-2021',
  ref: 'LIN-01',
  id: '1',
  extensionId: '1',
  actionId: '1',
  updateId: '1',
};
const ROLES = ['admin', 'overseer', 'org_lead'] as const;

describe('the OpenAPI document and the server agree on required fields', () => {
  let db: TestDatabase;
  let built: ReturnType<typeof buildTestApp>;
  const tokens = new Map<string, string>();

  beforeAll(async () => {
    db = await createTestDatabase();
    await applyLindenSeed(db.knex);
    built = buildTestApp(db.knex);
    const assignment = await db.knex('assignments').orderBy('id').first('id', 'organisation_id');
    GOOD_PARAMS.id = String(assignment.id);
    for (const role of ROLES)
      tokens.set(
        role,
        await issueApiToken(db.knex, { role, organisationId: assignment.organisation_id }),
      );
  });
  afterAll(async () => {
    await db?.destroy();
  });

  it('for every JSON body in the document', async () => {
    const doc: Json = (await request(built.app).get('/api/v1/openapi.json').expect(200)).body;
    const disagreements: unknown[] = [];
    let reached = 0;
    let withRequired = 0;
    for (const [template, item] of Object.entries(doc.paths as Json)) {
      for (const [method, op] of Object.entries(item as Json)) {
        const schema: Json | undefined = op.requestBody?.content?.['application/json']?.schema;
        if (!schema) continue;
        const url = template.replace(/\{(\w+)\}/g, (_, n: string) => GOOD_PARAMS[n] ?? 'x');
        const required: string[] = schema.required ?? [];
        const send = async (body: Json) => {
          // The first token whose role reaches the route (not 403, not another organisation's 404).
          for (const role of ROLES) {
            const res = await request(built.app)
              [method as 'post' | 'put'](url)
              .set('Authorization', `Bearer ${tokens.get(role)}`)
              .send(body);
            if (res.status !== 403 && res.status !== 404) return res;
          }
          return null;
        };
        const empty = await send({});
        if (!empty) continue;
        reached += 1;
        if (required.length) withRequired += 1;
        const missing = ((empty.status === 400 ? JSON.parse(empty.text).errors : []) as Json[])
          .filter((e) => e.message === `Enter ${e.field}`)
          .map((e) => e.field as string)
          .sort();
        if (JSON.stringify(missing) !== JSON.stringify([...required].sort()))
          disagreements.push({
            op: `${method} ${template}`,
            documented: required,
            server: missing,
          });
        for (const field of required) {
          const body = Object.fromEntries(required.filter((f) => f !== field).map((f) => [f, 'x']));
          const res = await send(body);
          const errors = res && res.status === 400 ? (JSON.parse(res.text).errors as Json[]) : [];
          if (
            !res ||
            res.status < 400 ||
            res.status >= 500 ||
            res.type !== 'application/problem+json' ||
            !errors.some((e) => e.field === field)
          )
            disagreements.push({
              op: `${method} ${template}`,
              omitted: field,
              status: res?.status,
            });
        }
      }
    }
    expect(disagreements).toEqual([]);
    expect(reached).toBeGreaterThan(10);
    expect(withRequired).toBeGreaterThan(5);
  }, 120_000);

  it('a report may be created without issuerShort, a recommendation without repeatsRef', async () => {
    const doc: Json = (await request(built.app).get('/api/v1/openapi.json').expect(200)).body;
    const report = doc.paths['/api/v1/reports'].post.requestBody.content['application/json'].schema;
    expect(report.required).not.toContain('issuerShort');
    expect(report.required).toContain('title');
    const res = await request(built.app)
      .post('/api/v1/reports')
      .set('Authorization', `Bearer ${tokens.get('admin')}`)
      .send({
        slug: 'required-check',
        title: 'Required check',
        issuerName: 'An inspectorate',
        legalBasis: report.properties.legalBasis.enum[0],
      });
    expect(res.status).toBe(201);
    expect(res.body.issuerShort ?? null).toBeNull();
    const rec =
      doc.paths['/api/v1/reports/{slug}/recommendations'].post.requestBody.content[
        'application/json'
      ].schema;
    expect(rec.required).not.toContain('repeatsRef');
  });
});
