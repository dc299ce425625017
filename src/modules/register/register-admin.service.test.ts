import type { Knex } from 'knex';
import { createTestDatabase, type TestDatabase } from '../../../test/db';
import { createUser } from '../../../test/auth';
import {
  createAssignment,
  createOrganisation,
  createRecommendation,
  createReport,
} from '../../../test/factories';
import { fixedClock } from '../../shared/clock';
import { ConflictError, NotFoundError, ValidationError } from '../../shared/errors';
import type { CurrentUser } from '../accounts/accounts.types';
import { createRegisterAdminService, type RegisterAdminService } from './register-admin.service';
import type { RecommendationInput, ReportInput } from './register-admin.schemas';

const counts = async (knex: Knex) => {
  const n = async (table: string) => Number((await knex(table).count('* as n').first())?.n ?? 0);
  return {
    reports: await n('reports'),
    recommendations: await n('recommendations'),
    organisations: await n('organisations'),
    assignments: await n('assignments'),
    themes: await n('recommendation_themes'),
    audit: await n('audit_events'),
  };
};

const reportInput = (over: Partial<ReportInput> = {}): ReportInput => ({
  slug: `r-${Math.random().toString(36).slice(2, 8)}`,
  title: 'A learning report',
  issuerName: 'Independent Office for Police Conduct',
  issuerShort: 'IOPC',
  publishedOn: '2024-01-10',
  datedOn: null,
  legalBasis: 'iopc_para_28a',
  sourceUrl: 'https://example.org/report',
  summary: null,
  publishResponses: true,
  ...over,
});

const recInput = (over: Partial<RecommendationInput> = {}): RecommendationInput => ({
  ref: `X-${Math.random().toString(36).slice(2, 8).toUpperCase()}`,
  sourceNumber: '1',
  title: 'Train the staff',
  text: 'The force should train its staff.',
  textStatus: 'verified',
  themes: [],
  madeOn: '2024-01-10',
  madeOnConfirmed: true,
  sourceUrl: null,
  repeatsRef: null,
  position: null,
  ...over,
});

describe('the register administration service', () => {
  let db: TestDatabase;
  let service: RegisterAdminService;
  let admin: CurrentUser;
  let viewer: CurrentUser;

  beforeAll(async () => {
    db = await createTestDatabase();
    service = createRegisterAdminService({
      knex: db.knex,
      clock: fixedClock('2026-11-28T12:00:00Z'),
    });
    const a = await createUser(db.knex, { role: 'admin' });
    const v = await createUser(db.knex, { role: 'viewer' });
    const asCurrent = (u: typeof a): CurrentUser => ({
      id: u.id,
      email: u.email,
      name: 'Test',
      role: u.role,
      organisationId: null,
      twoFactorEnabled: true,
    });
    admin = asCurrent(a);
    viewer = asCurrent(v);
  });
  afterAll(async () => {
    await db.destroy();
  });

  async function expectNothingChanged(work: () => Promise<unknown>, error: unknown) {
    const before = await counts(db.knex);
    await expect(work()).rejects.toBeInstanceOf(error as never);
    expect(await counts(db.knex)).toEqual(before);
  }

  const fieldErrors = async (work: () => Promise<unknown>) => {
    const before = await counts(db.knex);
    const err = await work().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ValidationError);
    expect(await counts(db.knex)).toEqual(before);
    return (err as ValidationError).errors;
  };

  describe('reports', () => {
    it('creates a report with one audit event holding what was entered', async () => {
      const input = reportInput({ publishResponses: false });
      await service.createReport(admin, input);
      const row = await db.knex('reports').where({ slug: input.slug }).first();
      expect(row).toMatchObject({
        title: input.title,
        publish_responses: false,
        issuer_short: 'IOPC',
      });
      const event = await db.knex('audit_events').orderBy('id', 'desc').first();
      expect(event).toMatchObject({
        action: 'report.create',
        subject_type: 'report',
        subject_id: String(row.id),
        actor_id: String(admin.id),
      });
      expect(event.after).toMatchObject({ slug: input.slug, publishResponses: false });
    });

    it('refuses bad input field by field, and stores nothing', async () => {
      const errors = await fieldErrors(() =>
        service.createReport(admin, {
          ...reportInput(),
          slug: 'Not A Slug',
          title: '',
          publishedOn: '2024-02-30',
          sourceUrl: 'ftp://x',
          legalBasis: 'whim',
        }),
      );
      expect(errors.map((e) => e.field).sort()).toEqual(
        ['legalBasis', 'publishedOn', 'slug', 'sourceUrl', 'title'].sort(),
      );
      expect(errors.find((e) => e.field === 'publishedOn')!.message).toBe(
        'Enter the publication date as a real date',
      );
    });

    it('refuses a duplicate slug with a conflict naming the field, and stores nothing', async () => {
      const existing = await createReport(db.knex);
      const before = await counts(db.knex);
      const err = await service
        .createReport(admin, reportInput({ slug: existing.slug }))
        .catch((e) => e);
      expect(err).toBeInstanceOf(ConflictError);
      expect(err.status).toBe(409);
      expect(err.errors[0].field).toBe('slug');
      expect(await counts(db.knex)).toEqual(before);
    });

    it('is refused for anyone but an admin', async () => {
      await expectNothingChanged(() => service.createReport(viewer, reportInput()), Error);
    });

    it('edits only what changed into the audit event, and an unknown slug is not found', async () => {
      const input = reportInput();
      await service.createReport(admin, input);
      const auditBefore = (await counts(db.knex)).audit;
      const unchanged = await service.updateReport(admin, input.slug, input);
      expect(unchanged.changed).toBe(false);
      expect((await counts(db.knex)).audit).toBe(auditBefore);
      await service.updateReport(admin, input.slug, { ...input, title: 'A better title' });
      const event = await db.knex('audit_events').orderBy('id', 'desc').first();
      expect(event.action).toBe('report.update');
      expect(event.before).toEqual({ title: 'A learning report' });
      expect(event.after).toEqual({ title: 'A better title' });
      await expectNothingChanged(
        () => service.updateReport(admin, 'no-such-report', input),
        NotFoundError,
      );
    });
  });

  describe('recommendations', () => {
    it('creates one at the end of its report with themes, and history shows it', async () => {
      const report = await createReport(db.knex);
      await createRecommendation(db.knex, report, { position: 4 });
      await db
        .knex('themes')
        .insert({ slug: 'training', name: 'Training' })
        .onConflict('slug')
        .ignore();
      const input = recInput({ themes: ['training'] });
      await service.createRecommendation(admin, report.slug, input);
      const row = await db.knex('recommendations').where({ ref: input.ref }).first();
      expect(row.position).toBe(5);
      const page = await service.recommendation(admin, input.ref);
      expect(page.fields.themes).toEqual(['training']);
      expect(page.history[0]).toMatchObject({ action: 'recommendation.create' });
    });

    it('says clearly when the text does not match its status, and stores nothing', async () => {
      const report = await createReport(db.knex);
      const pendingWithText = await fieldErrors(() =>
        service.createRecommendation(admin, report.slug, recInput({ textStatus: 'pending' })),
      );
      expect(pendingWithText).toEqual([
        {
          field: 'text',
          message:
            'A pending recommendation has no text yet: remove the text, or choose verified or summary',
        },
      ]);
      const verifiedWithout = await fieldErrors(() =>
        service.createRecommendation(
          admin,
          report.slug,
          recInput({ textStatus: 'verified', text: null, title: null }),
        ),
      );
      expect(verifiedWithout.map((e) => e.field).sort()).toEqual(['text', 'title']);
      const badRef = await fieldErrors(() =>
        service.createRecommendation(admin, report.slug, recInput({ ref: 'lin 13' })),
      );
      expect(badRef[0]!.field).toBe('ref');
    });

    it('refuses a duplicate reference, an unknown theme and a self-repeat', async () => {
      const report = await createReport(db.knex);
      const existing = await createRecommendation(db.knex, report);
      await expectNothingChanged(
        () => service.createRecommendation(admin, report.slug, recInput({ ref: existing.ref })),
        ConflictError,
      );
      const themeErrors = await fieldErrors(() =>
        service.createRecommendation(admin, report.slug, recInput({ themes: ['no-such-theme'] })),
      );
      expect(themeErrors[0]!.field).toBe('themes');
      const own = recInput();
      const selfRepeat = await fieldErrors(() =>
        service.createRecommendation(admin, report.slug, { ...own, repeatsRef: own.ref }),
      );
      expect(selfRepeat[0]).toEqual({
        field: 'repeatsRef',
        message: 'A recommendation cannot repeat itself',
      });
    });

    it('moves the due dates of open assignments without a response or extension when the date made changes', async () => {
      const report = await createReport(db.knex, { legal_basis: 'iopc_para_28a' });
      const rec = await createRecommendation(db.knex, report, { made_on: '2024-01-10' });
      const open = await createAssignment(db.knex, rec, await createOrganisation(db.knex), {
        response_due_on: '2024-03-05',
      });
      const answered = await createAssignment(db.knex, rec, await createOrganisation(db.knex), {
        response_due_on: '2024-03-05',
        status: 'in_progress',
        response_stance: 'accepted',
        responded_on: '2024-02-01',
      });
      // An overseer gave this one more time: the granted date stands.
      const extended = await createAssignment(db.knex, rec, await createOrganisation(db.knex), {
        response_due_on: '2024-04-30',
      });
      await db.knex('extension_requests').insert({
        assignment_id: extended.id,
        due_on_when_requested: '2024-03-05',
        requested_due_on: '2024-04-30',
        reason: 'The review board meets in April.',
        state: 'granted',
        decided_at: new Date('2024-02-20T10:00:00Z'),
        decided_on: '2024-02-20',
        decision_reason: 'Reasonable.',
      });
      const page = await service.recommendation(admin, rec.ref);
      const result = await service.updateRecommendation(admin, rec.ref, {
        ...page.fields,
        madeOn: '2024-02-01',
      });
      expect(result.dueDatesMoved).toBe(1);
      expect(
        (await db.knex('assignments').where({ id: extended.id }).first()).response_due_on,
      ).toBe('2024-04-30');
      // 56 days beginning with 1 February 2024 (a leap year): 27 March 2024.
      expect((await db.knex('assignments').where({ id: open.id }).first()).response_due_on).toBe(
        '2024-03-27',
      );
      expect(
        (await db.knex('assignments').where({ id: answered.id }).first()).response_due_on,
      ).toBe('2024-03-05');
      const event = await db.knex('audit_events').orderBy('id', 'desc').first();
      expect(event.after.dueDatesMoved).toEqual([
        { assignmentId: open.id, from: '2024-03-05', to: '2024-03-27' },
      ]);
    });

    it('moves due dates when the report’s legal basis changes', async () => {
      const input = reportInput({ legalBasis: 'iopc_para_28a', publishedOn: '2024-01-10' });
      await service.createReport(admin, input);
      const report = await db.knex('reports').where({ slug: input.slug }).first();
      const rec = await createRecommendation(db.knex, report, { made_on: '2024-01-10' });
      const a = await createAssignment(db.knex, rec, await createOrganisation(db.knex), {
        response_due_on: '2024-03-05',
      });
      await service.updateReport(admin, input.slug, { ...input, legalBasis: 'none' });
      expect((await db.knex('assignments').where({ id: a.id }).first()).response_due_on).toBeNull();
    });

    it('deletes a recommendation with no activity, with its untouched assignments', async () => {
      const report = await createReport(db.knex);
      const rec = await createRecommendation(db.knex, report);
      await createAssignment(db.knex, rec, await createOrganisation(db.knex));
      await service.deleteRecommendation(admin, rec.ref);
      expect(await db.knex('recommendations').where({ id: rec.id }).first()).toBeUndefined();
      expect(await db.knex('assignments').where({ recommendation_id: rec.id })).toHaveLength(0);
      const event = await db.knex('audit_events').orderBy('id', 'desc').first();
      expect(event).toMatchObject({ action: 'recommendation.delete', subject_id: String(rec.id) });
    });

    it('refuses to delete a recommendation with a response recorded, and changes nothing', async () => {
      const report = await createReport(db.knex);
      const rec = await createRecommendation(db.knex, report);
      await createAssignment(db.knex, rec, await createOrganisation(db.knex), {
        status: 'in_progress',
        response_stance: 'accepted',
        responded_on: '2024-02-01',
      });
      await expectNothingChanged(() => service.deleteRecommendation(admin, rec.ref), ConflictError);
    });

    it('withdraws a recommendation with a reason, and its live assignments with it', async () => {
      const report = await createReport(db.knex);
      const rec = await createRecommendation(db.knex, report);
      const a = await createAssignment(db.knex, rec, await createOrganisation(db.knex));
      const errors = await fieldErrors(() =>
        service.withdrawRecommendation(admin, rec.ref, { reason: '   ' }),
      );
      expect(errors[0]!.field).toBe('reason');
      await service.withdrawRecommendation(admin, rec.ref, { reason: 'Entered twice' });
      expect(await db.knex('recommendations').where({ id: rec.id }).first()).toMatchObject({
        withdrawn_reason: 'Entered twice',
        withdrawn_by: admin.id,
      });
      expect(await db.knex('assignments').where({ id: a.id }).first()).toMatchObject({
        withdrawn_reason: 'Entered twice',
      });
      await expectNothingChanged(
        () => service.withdrawRecommendation(admin, rec.ref, { reason: 'Again' }),
        ConflictError,
      );
    });
  });

  describe('addressing and withdrawing assignments', () => {
    it('addresses every organisation of a kind, skipping ones already addressed, with the statutory due date', async () => {
      const kind = 'local_authority';
      const orgs = [
        await createOrganisation(db.knex, { kind }),
        await createOrganisation(db.knex, { kind }),
        await createOrganisation(db.knex, { kind }),
      ];
      const totalOfKind = Number(
        (await db.knex('organisations').where({ kind }).count('* as n').first())?.n,
      );
      const report = await createReport(db.knex, { legal_basis: 'iopc_para_28a' });
      const rec = await createRecommendation(db.knex, report, { made_on: '2021-11-23' });
      await createAssignment(db.knex, rec, orgs[0]!);
      const result = await service.addAddressees(admin, rec.ref, {
        organisations: [orgs[1]!.slug],
        kind,
      });
      expect(result.skipped).toBe(1);
      expect(result.added).toHaveLength(totalOfKind - 1);
      const rows = await db.knex('assignments').where({ recommendation_id: rec.id });
      expect(rows).toHaveLength(totalOfKind);
      // Made 23 November 2021: due 17 January 2022 (DOMAIN.md's worked example).
      expect(
        rows.filter((r) => r.organisation_id !== orgs[0]!.id).map((r) => r.response_due_on),
      ).toEqual(Array(totalOfKind - 1).fill('2022-01-17'));
      const again = await service.addAddressees(admin, rec.ref, { organisations: [], kind });
      expect(again).toMatchObject({ added: [], skipped: totalOfKind });
    });

    it('refuses an empty choice and an unknown organisation, adding nothing', async () => {
      const report = await createReport(db.knex);
      const rec = await createRecommendation(db.knex, report);
      const none = await fieldErrors(() =>
        service.addAddressees(admin, rec.ref, { organisations: [], kind: null }),
      );
      expect(none[0]!.message).toMatch(/Select at least one organisation/);
      await fieldErrors(() =>
        service.addAddressees(admin, rec.ref, { organisations: ['no-such-org'], kind: null }),
      );
    });

    it('withdraws an assignment with a reason; it stays, marked withdrawn, in the history', async () => {
      const report = await createReport(db.knex);
      const rec = await createRecommendation(db.knex, report);
      const a = await createAssignment(db.knex, rec, await createOrganisation(db.knex));
      await fieldErrors(() => service.withdrawAssignment(admin, a.id, { reason: '' }));
      await service.withdrawAssignment(admin, a.id, { reason: 'Sent to the wrong force' });
      const page = await service.recommendation(admin, rec.ref);
      expect(page.assignments[0]).toMatchObject({ withdrawn_reason: 'Sent to the wrong force' });
      expect(page.history[0]).toMatchObject({
        action: 'assignment.withdraw',
        subject_id: String(a.id),
      });
      await expectNothingChanged(
        () => service.withdrawAssignment(admin, 999999, { reason: 'x' }),
        NotFoundError,
      );
    });
  });

  it('takes JSON with the optional fields left out, as the API will send it', async () => {
    const slug = 'minimal-report';
    await service.createReport(admin, {
      slug,
      title: 'Minimal',
      issuerName: 'Some body',
      legalBasis: 'none',
    });
    expect(await db.knex('reports').where({ slug }).first()).toMatchObject({
      issuer_short: null,
      published_on: null,
      publish_responses: true,
    });
    await service.createRecommendation(admin, slug, { ref: 'MIN-1', textStatus: 'pending' });
    expect(await db.knex('recommendations').where({ ref: 'MIN-1' }).first()).toMatchObject({
      body: null,
      position: 1,
      made_on_confirmed: true,
    });
    const errors = await fieldErrors(() =>
      service.createReport(admin, { ...reportInput(), colour: 'blue' }),
    );
    expect(errors).toEqual([{ field: 'colour', message: 'colour is not a recognised field' }]);
  });

  describe('organisations', () => {
    it('creates and edits, with history, and refuses a duplicate slug', async () => {
      await service.createOrganisation(admin, {
        name: 'Northshire Police',
        slug: 'northshire-police',
        kind: 'police_force',
      });
      await expectNothingChanged(
        () =>
          service.createOrganisation(admin, {
            name: 'Other',
            slug: 'northshire-police',
            kind: 'other',
          }),
        ConflictError,
      );
      await service.updateOrganisation(admin, 'northshire-police', {
        name: 'Northshire Constabulary',
        slug: 'northshire-police',
        kind: 'police_force',
      });
      const page = await service.organisation(admin, 'northshire-police');
      expect(page.history.map((h) => h.action)).toEqual([
        'organisation.update',
        'organisation.create',
      ]);
      expect(page.history[0]!.after).toEqual({ name: 'Northshire Constabulary' });
    });
  });
});
