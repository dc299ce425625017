import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import pg from 'pg';
import { type Database, openEmbeddedDatabase, openServerDatabase } from '../src/db/knex';
import { migrateToLatest } from '../src/db/migrate';
import { createLogger } from '../src/logger';
import { statutoryDueDate } from '../src/modules/assignments/deadlines';
import type { LegalBasis } from '../src/modules/assignments/deadlines.rules';
import { type DemoSummary, seedDemo } from './demo';

const SERVER = 'postgres://postgres@127.0.0.1:5432/';
const TODAY = '2026-11-28';
const logger = createLogger('silent');

// Each server test database is created here and dropped in afterAll, even when a test fails.
const created: { name: string; db: Database }[] = [];

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: `${SERVER}postgres` });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function freshServerDatabase(): Promise<Knex> {
  const name = `demo_test_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`create database ${name}`));
  const db = openServerDatabase(
    {
      kind: 'server',
      url: `${SERVER}${name}`,
      poolMax: 4,
      connectTimeoutMs: 5000,
      statementTimeoutMs: 60000,
    },
    logger,
  );
  created.push({ name, db });
  await migrateToLatest(db);
  return db.knex;
}

afterAll(async () => {
  for (const { name, db } of created) {
    await db.close();
    await admin((c) => c.query(`drop database if exists ${name}`));
  }
});

async function count(knex: Knex, table: string): Promise<number> {
  const row = await knex(table).count<{ count: number }>({ count: '*' }).first();
  return Number(row?.count);
}

async function tableCounts(knex: Knex): Promise<DemoSummary> {
  return {
    organisations: await count(knex, 'organisations'),
    reports: await count(knex, 'reports'),
    recommendations: await count(knex, 'recommendations'),
    assignments: await count(knex, 'assignments'),
    themes: await count(knex, 'themes'),
  };
}

/** Every seeded row except the timestamps the database fills in, in a stable order. */
async function digest(knex: Knex): Promise<string> {
  const hash = createHash('sha256');
  const ordered: [string, string][] = [
    ['organisations', 'id'],
    ['reports', 'id'],
    ['themes', 'id'],
    ['recommendations', 'id'],
    ['recommendation_themes', 'recommendation_id, theme_id'],
    ['assignments', 'id'],
  ];
  for (const [table, order] of ordered) {
    const { rows } = await knex.raw(`select * from ${table} order by ${order}`);
    for (const row of rows as Record<string, unknown>[]) {
      delete row.created_at;
      delete row.updated_at;
      hash.update(`${table}:${JSON.stringify(row)}\n`);
    }
  }
  return hash.digest('hex');
}

describe('demo data on a PostgreSQL server', () => {
  let knex: Knex;
  let summary: DemoSummary;

  beforeAll(async () => {
    knex = await freshServerDatabase();
    summary = await seedDemo(knex, { scale: 20, seed: 7, today: TODAY });
  });

  it('reports the number of rows it wrote', async () => {
    expect(await tableCounts(knex)).toEqual(summary);
    expect(summary.organisations).toBe(20);
    expect(summary.reports).toBe(3);
  });

  it('gives the organisations a realistic spread of assignments', async () => {
    const perOrg = await knex('organisations as o')
      .leftJoin('assignments as a', 'a.organisation_id', 'o.id')
      .groupBy('o.id')
      .select('o.id')
      .count<{ id: number; count: number }[]>({ count: 'a.id' });
    const counts = perOrg.map((r) => Number(r.count));
    expect(Math.min(...counts)).toBeGreaterThan(0);
    const mean = counts.reduce((a, b) => a + b, 0) / counts.length;
    expect(mean).toBeGreaterThanOrEqual(10);
    expect(mean).toBeLessThanOrEqual(30);
  });

  it('marks every name, slug and reference as fictional', async () => {
    const orgs = await knex('organisations').select('slug', 'name');
    for (const o of orgs) {
      expect(o.slug).toMatch(/^demo-/);
      expect(o.name).toMatch(/^(Demo |Example |Office of the Demo )/);
    }
    const reports = await knex('reports').select('slug', 'title', 'issuer_name');
    for (const r of reports) {
      expect(r.slug).toMatch(/^demo-report-/);
      expect(r.title).toMatch(/^Demo: /);
      expect(r.issuer_name).toBe('Example Oversight Office (fictional)');
    }
    const recs = await knex('recommendations').select('ref', 'source_url');
    for (const rec of recs) {
      expect(rec.ref).toMatch(/^DEMO-R\d{2}-\d{2}$/);
      expect(rec.source_url).toMatch(/^https:\/\/example\.org\//);
    }
  });

  it('mixes legal bases and gives each report 5 to 20 recommendations', async () => {
    const rows = await knex('reports as r')
      .join('recommendations as c', 'c.report_id', 'r.id')
      .groupBy('r.id')
      .select('r.legal_basis')
      .count<{ legal_basis: string; count: number }[]>({ count: 'c.id' });
    expect(new Set(rows.map((r) => r.legal_basis)).size).toBe(3);
    for (const r of rows) {
      expect(Number(r.count)).toBeGreaterThanOrEqual(5);
      expect(Number(r.count)).toBeLessThanOrEqual(20);
    }
  });

  it('addresses every inspection recommendation to every police force', async () => {
    const forces = await knex('organisations').where({ kind: 'police_force' }).pluck('id');
    const recs = await knex('recommendations as c')
      .join('reports as r', 'r.id', 'c.report_id')
      .where('r.legal_basis', 'hmicfrs_s55')
      .pluck('c.id');
    expect(recs.length).toBeGreaterThan(0);
    for (const rec of recs) {
      const addressees = await knex('assignments')
        .where({ recommendation_id: rec })
        .pluck('organisation_id');
      expect(addressees.sort()).toEqual([...forces].sort());
    }
  });

  it('sets each response due date by the statutory rule for its report and addressee', async () => {
    const rows = await knex('assignments as a')
      .join('recommendations as c', 'c.id', 'a.recommendation_id')
      .join('reports as r', 'r.id', 'c.report_id')
      .join('organisations as o', 'o.id', 'a.organisation_id')
      .distinct(
        'r.legal_basis',
        'o.kind',
        'c.made_on',
        'r.published_on',
        'r.dated_on',
        'a.response_due_on',
      );
    for (const row of rows) {
      const expected = statutoryDueDate({
        legalBasis: row.legal_basis as LegalBasis,
        addresseeKind: row.kind,
        recommendationMadeOn: row.made_on,
        reportPublishedOn: row.published_on,
        reportDatedOn: row.dated_on,
      });
      expect(row.response_due_on).toBe(expected);
    }
  });

  it('includes every status, refusals still awaiting a decision, and late and overdue responses', async () => {
    const statuses = await knex('assignments').distinct('status').pluck('status');
    expect(statuses.sort()).toEqual(
      ['awaiting_response', 'awaiting_verification', 'closed', 'implemented', 'in_progress'].sort(),
    );
    const overdue = await knex('assignments')
      .where({ status: 'awaiting_response' })
      .whereNull('responded_on')
      .where('response_due_on', '<', TODAY);
    expect(overdue.length).toBeGreaterThan(0);
    const notYetDue = await knex('assignments').where('response_due_on', '>=', TODAY);
    expect(notYetDue.length).toBeGreaterThan(0);
    const refusedOpen = await knex('assignments').where({
      status: 'awaiting_response',
      response_stance: 'not_accepted',
    });
    expect(refusedOpen.length).toBeGreaterThan(0);
    const late = await knex('assignments').whereRaw('responded_on > response_due_on');
    expect(late.length).toBeGreaterThan(0);
    const future = await knex('assignments').where('responded_on', '>', TODAY);
    expect(future).toEqual([]);
    const beforeMade = await knex('assignments as a')
      .join('recommendations as c', 'c.id', 'a.recommendation_id')
      .whereRaw('a.responded_on < c.made_on');
    expect(beforeMade).toEqual([]);
  });

  it('records the run as one audit event', async () => {
    const events = await knex('audit_events').where({ action: 'demo.seed' });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actor_type: 'system', subject_type: 'database' });
    expect(events[0].after).toMatchObject(summary);
    expect(events[0].hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses to run twice on the same database and changes nothing', async () => {
    const before = await digest(knex);
    await expect(seedDemo(knex, { scale: 5, seed: 8, today: TODAY })).rejects.toThrow(
      'demo data already present; use a fresh database',
    );
    expect(await digest(knex)).toBe(before);
    expect(await count(knex, 'audit_events')).toBe(1);
  });

  it('writes the same rows for the same seed, and different rows for another', async () => {
    const again = await freshServerDatabase();
    expect(await seedDemo(again, { scale: 20, seed: 7, today: TODAY })).toEqual(summary);
    expect(await digest(again)).toBe(await digest(knex));

    const other = await freshServerDatabase();
    await seedDemo(other, { scale: 20, seed: 8, today: TODAY });
    expect(await digest(other)).not.toBe(await digest(knex));
  });

  it('rejects a scale outside 1 to 5000 before touching the database', async () => {
    await expect(seedDemo(knex, { scale: 0, today: TODAY })).rejects.toThrow(/scale/);
    await expect(seedDemo(knex, { scale: 5001, today: TODAY })).rejects.toThrow(/scale/);
  });
});

describe('demo data on the embedded database', () => {
  let dir: string;
  let db: Database;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-seed-'));
    db = await openEmbeddedDatabase(dir, logger);
    await migrateToLatest(db);
  });

  afterAll(async () => {
    await db?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes the same counts it reports, and the same rows as the server for the same seed', async () => {
    const summary = await seedDemo(db.knex, { scale: 20, seed: 7, today: TODAY });
    expect(await tableCounts(db.knex)).toEqual(summary);
    expect(summary.assignments).toBeGreaterThan(200);

    const server = await freshServerDatabase();
    await seedDemo(server, { scale: 20, seed: 7, today: TODAY });
    expect(await digest(db.knex)).toBe(await digest(server));
  });
});
