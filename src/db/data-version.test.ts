/**
 * The data version on a real database: which writes bump which scope, once per transaction and
 * only when it commits; truncation counts; a new table hooked in with attachDataVersion counts;
 * writers bumping scopes in opposite orders never deadlock; a read asked for after a commit always
 * sees it, even when a read was already running.
 */
import { createTestDatabase, usingServerDatabase, type TestDatabase } from '../../test/db';
import { createOrganisation, createRecommendation, createReport } from '../../test/factories';
import { openServerDatabase } from './knex';
import { createLogger } from '../logger';
import {
  attachDataVersion,
  createDataVersionReader,
  detachDataVersion,
  type DataVersions,
} from './data-version';

describe('the data version', () => {
  let db: TestDatabase;
  let read: () => Promise<DataVersions>;
  beforeAll(async () => {
    db = await createTestDatabase();
    read = createDataVersionReader(db.knex).read;
  });
  afterAll(async () => {
    await db.destroy();
  });

  const versions = async () => {
    const v = await read();
    return { public: v.public.version, workspace: v.workspace.version };
  };

  it('a write to a public table bumps both scopes once per transaction, however many statements', async () => {
    const before = await versions();
    await db.knex.transaction(async (trx) => {
      const report = await createReport(trx);
      await createRecommendation(trx, report);
      await createRecommendation(trx, report);
      // Not yet committed: nobody else sees a new version. (The embedded database has one
      // connection, which this transaction holds.)
      if (usingServerDatabase) expect(await versions()).toEqual(before);
    });
    expect(await versions()).toEqual({
      public: before.public + 1,
      workspace: before.workspace + 1,
    });
    expect(await db.knex('data_version_marks').count('* as n')).toEqual([{ n: 0 }]);
  });

  it('a write to a table only the dashboards read bumps only the workspace scope', async () => {
    const report = await createReport(db.knex);
    const rec = await createRecommendation(db.knex, report);
    const org = await createOrganisation(db.knex);
    const [assignment] = await db
      .knex('assignments')
      .insert({ recommendation_id: rec.id, organisation_id: org.id })
      .returning('id');
    const before = await versions();
    await db.knex('assignment_actions').insert({
      assignment_id: assignment.id,
      description: 'Train the call handlers',
      owner: 'Head of training',
      target_on: '2025-01-31',
      state: 'planned',
    });
    expect(await versions()).toEqual({ public: before.public, workspace: before.workspace + 1 });
  });

  it('a rolled-back transaction bumps nothing', async () => {
    const before = await versions();
    await expect(
      db.knex.transaction(async (trx) => {
        await createReport(trx);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(await versions()).toEqual(before);
  });

  it('an update that changes no row, a delete and a truncate all count as writes', async () => {
    let before = await versions();
    await db.knex('reports').where({ id: -1 }).update({ title: 'nothing' });
    await db.knex('reports').where({ id: -1 }).delete();
    // Two statements outside a transaction: two commits.
    expect((await versions()).public).toBe(before.public + 2);
    before = await versions();
    await db.knex.raw('create table scratch_public (id int)');
    await attachDataVersion(db.knex, 'scratch_public', ['public']);
    await db.knex('scratch_public').insert({ id: 1 });
    expect(await versions()).toEqual({ public: before.public + 1, workspace: before.workspace });
    await db.knex.raw('truncate scratch_public');
    expect((await versions()).public).toBe(before.public + 2);
    await detachDataVersion(db.knex, 'scratch_public');
    await db.knex('scratch_public').insert({ id: 2 });
    expect((await versions()).public).toBe(before.public + 2);
    await db.knex.raw('drop table scratch_public');
  });

  it('records when the version changed, and refuses a scope it does not know', async () => {
    const t0 = Date.now() - 60_000;
    await createReport(db.knex);
    const v = await read();
    expect(v.public.changedAt.getTime()).toBeGreaterThan(t0);
    await expect(attachDataVersion(db.knex, 'reports', ['private' as never])).rejects.toThrow(
      'scopes must be',
    );
  });

  it('a read asked for after a commit sees it, even while another read is running', async () => {
    const first = read();
    const before = (await first).public.version;
    const running = read();
    await createReport(db.knex);
    const after = read();
    await running;
    expect((await after).public.version).toBe(before + 1);
  });

  /** How many times `action` asked the database for the versions. */
  async function versionStatements(action: () => Promise<unknown>): Promise<number> {
    let n = 0;
    const count = (q: { sql?: string }) => {
      if (q.sql?.includes('from data_versions')) n += 1;
    };
    db.knex.on('query', count);
    try {
      await action();
    } finally {
      db.knex.off('query', count);
    }
    return n;
  }

  (usingServerDatabase ? it.skip : it)(
    'on the embedded database, which no other process can write, a read is kept until this process sends a statement that could change data',
    async () => {
      const before = (await read()).public.version;
      expect(await versionStatements(async () => Promise.all([read(), read(), read()]))).toBe(0);
      // Reading other tables changes nothing.
      await db.knex('reports').select('id').limit(1);
      expect(await versionStatements(() => read())).toBe(0);
      await createReport(db.knex);
      let seen = 0;
      expect(await versionStatements(async () => (seen = (await read()).public.version))).toBe(1);
      expect(seen).toBe(before + 1);
      expect(await versionStatements(() => read())).toBe(0);
      // A read waiting for the connection while a transaction commits is not kept.
      const trx = await db.knex.transaction();
      await createReport(trx);
      const during = read();
      await trx.commit();
      await during;
      expect((await read()).public.version).toBe(before + 2);
      // A rolled-back write changes nothing, but the next read asks again.
      const rolled = await db.knex.transaction();
      await createReport(rolled);
      await rolled.rollback();
      expect(await versionStatements(() => read())).toBe(1);
      expect((await read()).public.version).toBe(before + 2);
    },
  );

  (usingServerDatabase ? it : it.skip)(
    'on a server database, which other instances write, every read asks the database',
    async () => {
      expect(
        await versionStatements(async () => {
          await read();
          await read();
          await read();
        }),
      ).toBe(3);
    },
  );

  (usingServerDatabase ? it : it.skip)(
    'writers committing different scopes in opposite orders, at once, do not deadlock',
    async () => {
      const other = openServerDatabase(
        {
          kind: 'server',
          url: db.url!,
          poolMax: 4,
          connectTimeoutMs: 5000,
          statementTimeoutMs: 10000,
        },
        createLogger('silent'),
      );
      try {
        const report = await createReport(db.knex);
        const rec = await createRecommendation(db.knex, report);
        const org = await createOrganisation(db.knex);
        const [a] = await db
          .knex('assignments')
          .insert({ recommendation_id: rec.id, organisation_id: org.id })
          .returning('id');
        const before = await versions();
        const rounds = 20;
        const work = (knex: typeof db.knex, workspaceFirst: boolean) =>
          knex.transaction(async (trx) => {
            const action = () =>
              trx('assignment_actions').insert({
                assignment_id: a.id,
                description: 'x',
                owner: 'y',
                target_on: '2025-01-31',
                state: 'planned',
              });
            const publicWrite = () =>
              trx('reports').where({ id: report.id }).update({ title: 'T' });
            if (workspaceFirst) {
              await action();
              await publicWrite();
            } else {
              await publicWrite();
              await action();
            }
          });
        await Promise.all(
          Array.from({ length: rounds }, (_, i) =>
            Promise.all([work(db.knex, i % 2 === 0), work(other.knex, i % 2 === 1)]),
          ),
        );
        expect(await versions()).toEqual({
          public: before.public + 2 * rounds,
          workspace: before.workspace + 2 * rounds,
        });
      } finally {
        await other.close();
      }
    },
  );
});
