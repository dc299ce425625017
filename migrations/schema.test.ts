import { migrateToLatest, pendingMigrations } from '../src/db/migrate';
import {
  recordAudit,
  SYSTEM_ACTOR,
  verifyAuditChain,
} from '../src/modules/operations/audit.repository';
import { createTestDatabase, type TestDatabase } from '../test/db';
import {
  createAssignment,
  createOrganisation,
  createRecommendation,
  createReport,
} from '../test/factories';
import { MIGRATIONS, migrationSource } from '.';

describe('the database schema', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.destroy();
  });

  describe('check constraints and foreign keys refuse impossible states, and store nothing', () => {
    const refused = async (work: () => Promise<unknown>, constraint: string) => {
      await expect(work()).rejects.toThrow(constraint);
    };

    it('on assignments: status, closure reason, response completeness', async () => {
      const report = await createReport(db.knex);
      const rec = await createRecommendation(db.knex, report);
      const org = await createOrganisation(db.knex);
      await refused(
        () =>
          createAssignment(db.knex, rec, org, {
            status: 'finished' as never,
            response_stance: 'accepted',
            responded_on: '2024-02-01',
          }),
        'assignments_status_valid',
      );
      await refused(
        () => createAssignment(db.knex, rec, org, { status: 'closed' }),
        'assignments_closed_has_reason',
      );
      await refused(
        () => createAssignment(db.knex, rec, org, { closure_reason: 'superseded' }),
        'assignments_closed_has_reason',
      );
      await refused(
        () => createAssignment(db.knex, rec, org, { response_stance: 'accepted' }),
        'assignments_response_complete',
      );
      await refused(
        () => createAssignment(db.knex, rec, org, { status: 'in_progress' }),
        'assignments_progress_needs_response',
      );
      await refused(
        () =>
          createAssignment(db.knex, rec, org, {
            status: 'awaiting_response',
            response_stance: 'accepted',
            responded_on: '2024-02-01',
          }),
        'assignments_awaiting_has_no_response',
      );
      await refused(
        () => createAssignment(db.knex, rec, { id: 999999 }),
        'assignments_organisation_fk',
      );
      expect(await db.knex('assignments').where({ recommendation_id: rec.id })).toHaveLength(0);

      await createAssignment(db.knex, rec, org, {
        status: 'awaiting_response',
        response_stance: 'not_accepted',
        responded_on: '2024-02-01',
      });
      await refused(
        () => createAssignment(db.knex, rec, org),
        'assignments_recommendation_organisation_key',
      );
    });

    it('on recommendations: references, text status and text agree', async () => {
      const report = await createReport(db.knex);
      await refused(
        () => createRecommendation(db.knex, report, { ref: 'lin 01' }),
        'recommendations_ref_format',
      );
      await refused(
        () => createRecommendation(db.knex, report, { text_status: 'pending' }),
        'recommendations_text_matches_status',
      );
      await refused(
        () => createRecommendation(db.knex, report, { body: null }),
        'recommendations_text_matches_status',
      );
      const rec = await createRecommendation(db.knex, report, {
        text_status: 'pending',
        title: null,
        body: null,
      });
      await refused(
        () => createRecommendation(db.knex, report, { ref: rec.ref }),
        'recommendations_ref_key',
      );
    });

    it('on reports and organisations: slugs, kinds, legal bases and URLs', async () => {
      await refused(() => createReport(db.knex, { slug: 'Not A Slug' }), 'reports_slug_format');
      await refused(
        () => createReport(db.knex, { legal_basis: 'folklore' as never }),
        'reports_legal_basis_valid',
      );
      await refused(
        () => createReport(db.knex, { source_url: 'javascript:alert(1)' }),
        'reports_source_url_http',
      );
      await createReport(db.knex, { source_url: 'https://example.org/report' });
      await createReport(db.knex, { source_url: 'http://example.org/report' });
      await refused(
        () => createOrganisation(db.knex, { kind: 'club' as never }),
        'organisations_kind_valid',
      );
    });
  });

  describe('the audit trail', () => {
    it('refuses UPDATE, DELETE and TRUNCATE', async () => {
      await recordAudit(db.knex, {
        actor: SYSTEM_ACTOR,
        action: 'test.event',
        subjectType: 'test',
        after: { n: 1 },
      });
      await expect(db.knex('audit_events').update({ action: 'test.changed' })).rejects.toThrow(
        'append-only',
      );
      await expect(db.knex('audit_events').delete()).rejects.toThrow('append-only');
      await expect(db.knex.raw('truncate audit_events')).rejects.toThrow('append-only');
    });

    it('chains each event to the one before, so a changed past event is detected', async () => {
      await recordAudit(db.knex, [
        { actor: SYSTEM_ACTOR, action: 'test.event', subjectType: 'test', after: { n: 2 } },
        {
          actor: SYSTEM_ACTOR,
          action: 'test.event',
          subjectType: 'test',
          after: { n: 3, text: 'é ✓' },
        },
      ]);
      const check = await verifyAuditChain(db.knex);
      expect(check.ok).toBe(true);
      const events = await db.knex('audit_events').orderBy('id').select('id', 'prev_hash', 'hash');
      for (let i = 1; i < events.length; i += 1)
        expect(events[i].prev_hash).toBe(events[i - 1].hash);

      // Someone with superuser rights switches the guard off and edits history: the chain shows it.
      const target = events[1].id;
      await db.knex.raw('alter table audit_events disable trigger audit_events_no_update_delete');
      await db
        .knex('audit_events')
        .where({ id: target })
        .update({ after: JSON.stringify({ n: 999 }) });
      await db.knex.raw('alter table audit_events enable trigger audit_events_no_update_delete');
      expect(await verifyAuditChain(db.knex)).toEqual({
        ok: false,
        events: events.length,
        brokenAt: target,
      });
    });
  });

  describe('migrations', () => {
    it('roll all the way back and forward again, leaving nothing pending', async () => {
      const fresh = await createTestDatabase();
      try {
        await fresh.knex.migrate.rollback({ migrationSource }, true);
        expect(await pendingMigrations(fresh.knex)).toEqual(MIGRATIONS.map((m) => m.name));
        const { rows } = await fresh.knex.raw(
          `select count(*)::int as n from information_schema.tables where table_schema = 'public' and table_name in ('assignments', 'audit_events', 'recommendations')`,
        );
        expect(rows[0].n).toBe(0);
        expect(await migrateToLatest(fresh)).toEqual(MIGRATIONS.map((m) => m.name));
        expect(await pendingMigrations(fresh.knex)).toEqual([]);
      } finally {
        await fresh.destroy();
      }
    });
  });
});
