import { createTestDatabase, type TestDatabase } from '../../test/db';
import { createOrganisation } from '../../test/factories';

describe('the database connection', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.destroy();
  });

  it('returns dates as YYYY-MM-DD strings and counts as numbers, on either engine', async () => {
    const { rows } = await db.knex.raw(
      `select '2021-11-23'::date as d, count(*) as n from (values (1), (2)) v(x)`,
    );
    expect(rows[0]).toEqual({ d: '2021-11-23', n: 2 });
  });

  it('reports how many rows an update and a delete changed', async () => {
    const org = await createOrganisation(db.knex);
    expect(await db.knex('organisations').where({ id: org.id }).update({ name: 'Renamed' })).toBe(
      1,
    );
    expect(await db.knex('organisations').where({ id: org.id }).delete()).toBe(1);
    expect(await db.knex('organisations').where({ id: org.id }).delete()).toBe(0);
  });
});
