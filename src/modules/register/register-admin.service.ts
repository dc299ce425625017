/**
 * Managing the register (administrators only): reports, recommendations, organisations and who each
 * recommendation is addressed to. Every write checks its input against the schemas in
 * register-admin.schemas.ts, runs in one transaction, and writes one audit event with the before and
 * after of the fields it changed. Nothing is written when the input is bad or the change is refused.
 *
 * Functions take the acting user first, then what to change; the HTML controller and (later) the
 * JSON API both call them. They throw ValidationError (field errors), NotFoundError (unknown slug,
 * reference or id) and ConflictError (duplicates, deleting a recommendation with activity).
 */
import type { Knex } from 'knex';
import type { Clock } from '../../shared/clock';
import {
  ConflictError,
  NotFoundError,
  ValidationError,
  type FieldError,
} from '../../shared/errors';
import type { Checker } from '../../shared/validation';
import { recordAudit, userActor } from '../operations/audit.repository';
import { authorise } from '../accounts/policy';
import type { CurrentUser, RequestContext } from '../accounts/accounts.types';
import { recomputeResponseDue } from '../assignments/deadlines.repository';
import type { AssignmentRow, RecommendationRow, ReportRow } from '../../db/tables';
import * as repo from './register-admin.repository';
import {
  checkInput,
  MESSAGES,
  RecommendationInput,
  ReportInput,
  retiredThemeMessage,
} from './register-admin.schemas';

type Db = Knex | Knex.Transaction;

/** Slugs the admin routes use for their own pages (/admin/reports/new), so no report may take them. */
const RESERVED_SLUGS = new Set(['new']);

/** Checks a copy of typed input, so the caller's object is untouched (defaults are applied to the copy). */
function validated<T>(check: Checker<T>, input: unknown): T {
  return check(
    input && typeof input === 'object' && !Array.isArray(input)
      ? structuredClone(input as Record<string, unknown>)
      : input,
  );
}

/** The fields whose values differ, as { before, after } objects holding only those fields. */
function diff(before: Record<string, unknown>, after: Record<string, unknown>) {
  const b: Record<string, unknown> = {};
  const a: Record<string, unknown> = {};
  for (const key of Object.keys(after)) {
    if (JSON.stringify(before[key] ?? null) !== JSON.stringify(after[key] ?? null)) {
      b[key] = before[key] ?? null;
      a[key] = after[key] ?? null;
    }
  }
  return { before: b, after: a, changed: Object.keys(a).length > 0 };
}

const reportFields = (r: ReportRow): ReportInput => ({
  slug: r.slug,
  title: r.title,
  issuerName: r.issuer_name,
  issuerShort: r.issuer_short,
  publishedOn: r.published_on,
  datedOn: r.dated_on,
  legalBasis: r.legal_basis,
  sourceUrl: r.source_url,
  summary: r.summary,
  publishResponses: r.publish_responses,
});

const reportColumns = (i: ReportInput) => ({
  slug: i.slug,
  title: i.title,
  issuer_name: i.issuerName,
  issuer_short: i.issuerShort,
  published_on: i.publishedOn,
  dated_on: i.datedOn,
  legal_basis: i.legalBasis,
  source_url: i.sourceUrl,
  summary: i.summary,
  publish_responses: i.publishResponses,
});

export type RecommendationFields = RecommendationInput & { position: number };

function recommendationFields(
  r: RecommendationRow,
  themes: string[],
  repeatsRef: string | null,
): RecommendationFields {
  return {
    ref: r.ref,
    sourceNumber: r.source_number,
    title: r.title,
    text: r.body,
    textStatus: r.text_status,
    themes,
    madeOn: r.made_on,
    madeOnConfirmed: r.made_on_confirmed,
    sourceUrl: r.source_url,
    repeatsRef,
    position: r.position,
  };
}

const validRecommendation = (input: unknown) => validated(checkInput.recommendation, input);

/** The recommendations columns set from the form, on insert and on update alike. */
const recommendationColumns = (
  valid: RecommendationInput,
  repeatsId: number | null,
  position: number,
) => ({
  ref: valid.ref,
  source_number: valid.sourceNumber,
  title: valid.title,
  body: valid.text,
  text_status: valid.textStatus,
  made_on: valid.madeOn,
  made_on_confirmed: valid.madeOnConfirmed,
  source_url: valid.sourceUrl,
  repeats_recommendation_id: repeatsId,
  position,
});

const linkThemes = (trx: Knex.Transaction, recommendationId: number, themeIds: number[]) =>
  themeIds.length
    ? trx('recommendation_themes').insert(
        themeIds.map((theme_id) => ({ recommendation_id: recommendationId, theme_id })),
      )
    : Promise.resolve();

const reportOf = async (db: Db, rec: RecommendationRow) =>
  (await db<ReportRow>('reports').where({ id: rec.report_id }).first())!;

/** The reference of the recommendation this one repeats, if any. */
async function repeatsRefOf(db: Db, rec: RecommendationRow): Promise<string | null> {
  if (!rec.repeats_recommendation_id) return null;
  const row = await db('recommendations').where({ id: rec.repeats_recommendation_id }).first('ref');
  return row?.ref ?? null;
}

function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: string } | null)?.code === '23505';
}

export type RegisterAdminService = ReturnType<typeof createRegisterAdminService>;

export function createRegisterAdminService(deps: { knex: Knex; clock: Clock }) {
  const { knex, clock } = deps;

  const manage = (actor: CurrentUser) => authorise(actor, 'register.manage');

  async function requireReport(db: Db, slug: string, lock = false) {
    const row = await repo.findReport(db, slug, lock);
    if (!row) throw new NotFoundError(`There is no report called ${slug}.`);
    return row;
  }
  async function requireRecommendation(db: Db, ref: string, lock = false) {
    const row = await repo.findRecommendation(db, ref, lock);
    if (!row) throw new NotFoundError(`There is no recommendation with the reference ${ref}.`);
    return row;
  }
  async function requireOrganisation(db: Db, slug: string, lock = false) {
    const row = await repo.findOrganisation(db, slug, lock);
    if (!row) throw new NotFoundError(`There is no organisation called ${slug}.`);
    return row;
  }

  /**
   * Sets response_due_on again, through the deadlines module, for the open assignments (not
   * withdrawn, not closed, no response yet) of the given recommendations, after the report's legal
   * basis or dates, or a date made, changed. Each addressee's kind and override count; a granted
   * extension keeps its date. Returns what moved, for the audit event.
   */
  async function recomputeDueDates(
    trx: Knex.Transaction,
    _report: ReportRow,
    recommendations: Pick<RecommendationRow, 'id' | 'made_on'>[],
  ) {
    if (recommendations.length === 0) return [];
    const open: number[] = await trx('assignments')
      .whereIn(
        'recommendation_id',
        recommendations.map((r) => r.id),
      )
      .whereNull('withdrawn_at')
      .whereNull('responded_on')
      .whereNot('status', 'closed')
      .orderBy('id')
      .forUpdate()
      .pluck('id');
    return recomputeResponseDue(trx, open, clock.today(), clock.now());
  }

  /**
   * The ids of the themes chosen. A retired theme is accepted only where the recommendation already
   * has it (`kept`), so retiring a theme never strips it from the record.
   */
  async function themeIdsFor(db: Db, slugs: string[], kept: string[] = []): Promise<number[]> {
    if (slugs.length === 0) return [];
    const rows: { id: number; slug: string; name: string; retired_at: Date | null }[] = await db(
      'themes',
    )
      .whereIn('slug', slugs)
      .select('id', 'slug', 'name', 'retired_at');
    if (rows.length !== slugs.length)
      throw new ValidationError([{ field: 'themes', message: MESSAGES.recommendation.themes }]);
    const retired = rows.find((r) => r.retired_at && !kept.includes(r.slug));
    if (retired)
      throw new ValidationError([{ field: 'themes', message: retiredThemeMessage(retired.name) }]);
    return rows.map((r) => r.id);
  }

  async function requireTheme(db: Db, slug: string, lock = false) {
    const row = await repo.findTheme(db, slug, lock);
    if (!row) throw new NotFoundError(`There is no theme called ${slug}.`);
    return row;
  }

  /** Theme names are unique whatever their case (the database's themes_name_key). */
  async function themeNameFree(db: Db, name: string, ownId: number | null) {
    const other = await db('themes').whereRaw('lower(name) = lower(?)', [name]).first('id');
    if (other && other.id !== ownId)
      throw new ConflictError(`Another theme is already called ${name}.`, [
        {
          field: 'name',
          message: `Another theme is already called “${name}”: choose another name`,
        },
      ]);
  }

  async function repeatsIdFor(
    db: Db,
    repeatsRef: string | null,
    ownId: number | null,
    ownRef: string,
  ): Promise<number | null> {
    if (!repeatsRef) return null;
    if (repeatsRef === ownRef)
      throw new ValidationError([
        { field: 'repeatsRef', message: 'A recommendation cannot repeat itself' },
      ]);
    const row = await repo.findRecommendation(db, repeatsRef);
    if (!row || row.id === ownId)
      throw new ValidationError([
        {
          field: 'repeatsRef',
          message:
            row && row.id === ownId
              ? 'A recommendation cannot repeat itself'
              : `There is no recommendation with the reference ${repeatsRef}`,
        },
      ]);
    return row.id;
  }

  async function refFree(db: Db, ref: string, ownId: number | null) {
    const other = await repo.findRecommendation(db, ref);
    if (other && other.id !== ownId)
      throw new ConflictError(`The reference ${ref} is already used by another recommendation.`, [
        { field: 'ref', message: `The reference ${ref} is already used: choose another` },
      ]);
  }

  async function slugFree(
    db: Db,
    table: 'reports' | 'organisations' | 'themes',
    slug: string,
    ownId: number | null,
  ) {
    const noun = table === 'reports' ? 'report' : table === 'themes' ? 'theme' : 'organisation';
    if (RESERVED_SLUGS.has(slug))
      throw new ValidationError([
        { field: 'slug', message: `“${slug}” cannot be used as a short name` },
      ]);
    const other = await db(table).where({ slug }).first('id');
    if (other && other.id !== ownId)
      throw new ConflictError(`The short name ${slug} is already used by another ${noun}.`, [
        {
          field: 'slug',
          message: `Another ${noun} already uses the short name ${slug}: choose another`,
        },
      ]);
  }

  /** Runs a write; a unique violation that slipped past the checks (a race) is a conflict. */
  async function write<T>(work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    try {
      return await knex.transaction(work);
    } catch (err) {
      if (isUniqueViolation(err))
        throw new ConflictError('That conflicts with a change made at the same moment. Try again.');
      throw err;
    }
  }

  const audit = (
    trx: Knex.Transaction,
    actor: CurrentUser,
    context: RequestContext | undefined,
    event: {
      action: string;
      subjectType: string;
      subjectId: number;
      before?: unknown;
      after?: unknown;
    },
  ) =>
    recordAudit(trx, {
      actor: userActor(actor),
      ...event,
      ipAddress: context?.ip ?? null,
      requestId: context?.requestId ?? null,
    });

  /** The event of an update: the fields that changed, and any due dates that moved with them. */
  const auditUpdate = (
    trx: Knex.Transaction,
    actor: CurrentUser,
    context: RequestContext | undefined,
    subject: { type: 'report' | 'recommendation' | 'organisation' | 'theme'; id: number },
    change: ReturnType<typeof diff>,
    moved: unknown[] = [],
  ) =>
    audit(trx, actor, context, {
      action: `${subject.type}.update`,
      subjectType: subject.type,
      subjectId: subject.id,
      before: change.before,
      after: moved.length ? { ...change.after, dueDatesMoved: moved } : change.after,
    });

  /** The columns that mark a recommendation or an assignment withdrawn, now, with the reason. */
  const withdrawal = (actor: CurrentUser, reason: string) => {
    const now = clock.now();
    return {
      withdrawn_at: now,
      withdrawn_reason: reason.trim(),
      withdrawn_by: actor.id,
      updated_at: now,
    };
  };

  return {
    // ---- reads for the admin pages ----

    async listReports(actor: CurrentUser) {
      manage(actor);
      return repo.listReports(knex);
    },

    async report(actor: CurrentUser, slug: string) {
      manage(actor);
      const report = await requireReport(knex, slug);
      const [recommendations, history] = await Promise.all([
        repo.recommendationsOfReport(knex, report.id),
        repo.history(knex, [{ type: 'report', ids: [report.id] }]),
      ]);
      return { report, fields: reportFields(report), recommendations, history };
    },

    async recommendation(actor: CurrentUser, ref: string) {
      manage(actor);
      const rec = await requireRecommendation(knex, ref);
      const [report, themes, assignments, repeatsRef, activity, organisations, allThemes] =
        await Promise.all([
          reportOf(knex, rec),
          repo.themeSlugsOf(knex, rec.id),
          repo.assignmentsOf(knex, rec.id),
          repeatsRefOf(knex, rec),
          repo.hasActivity(knex, rec.id),
          repo.listOrganisations(knex),
          repo.listThemes(knex),
        ]);
      const history = await repo.history(knex, [
        { type: 'recommendation', ids: [rec.id] },
        { type: 'assignment', ids: assignments.map((a) => a.id) },
      ]);
      return {
        recommendation: rec,
        fields: recommendationFields(rec, themes, repeatsRef),
        report,
        assignments,
        hasActivity: activity,
        organisations,
        themes: allThemes,
        history,
      };
    },

    /** The themes a recommendation form offers: those in use, and retired ones it already has. */
    async themes(actor: CurrentUser, kept: string[] = []) {
      manage(actor);
      const rows = await repo.listThemes(knex);
      return rows
        .filter((t) => !t.retired_at || kept.includes(t.slug))
        .map((t) => ({ slug: t.slug, name: t.name, retired: t.retired_at !== null }));
    },

    // ---- themes ----

    async listThemes(actor: CurrentUser) {
      manage(actor);
      return repo.listThemesWithUse(knex);
    },

    async theme(actor: CurrentUser, slug: string) {
      manage(actor);
      const theme = await requireTheme(knex, slug);
      const [recommendations, history] = await Promise.all([
        repo.themeUse(knex, theme.id),
        repo.history(knex, [{ type: 'theme', ids: [theme.id] }]),
      ]);
      return { theme, recommendations, history };
    },

    async createTheme(actor: CurrentUser, input: unknown, context?: RequestContext) {
      manage(actor);
      const valid = validated(checkInput.theme, input);
      const name = valid.name.trim();
      return write(async (trx) => {
        await slugFree(trx, 'themes', valid.slug, null);
        await themeNameFree(trx, name, null);
        const [row] = await trx('themes').insert({ slug: valid.slug, name }).returning('id');
        await audit(trx, actor, context, {
          action: 'theme.create',
          subjectType: 'theme',
          subjectId: row.id,
          after: { slug: valid.slug, name },
        });
        return { slug: valid.slug };
      });
    },

    /** Renames a theme; its short name stays, so import files and links keep working. */
    async renameTheme(actor: CurrentUser, slug: string, input: unknown, context?: RequestContext) {
      manage(actor);
      const valid = validated(checkInput.themeRename, input);
      const name = valid.name.trim();
      return write(async (trx) => {
        const theme = await requireTheme(trx, slug, true);
        const change = diff({ name: theme.name }, { name });
        if (!change.changed) return { slug: theme.slug, changed: false };
        await themeNameFree(trx, name, theme.id);
        await trx('themes').where({ id: theme.id }).update({ name });
        await auditUpdate(trx, actor, context, { type: 'theme', id: theme.id }, change);
        return { slug: theme.slug, changed: true };
      });
    },

    /**
     * Retires a theme (or, with `retired` false, brings it back). A retired theme stays on the
     * recommendations that have it and cannot be chosen for others.
     */
    async setThemeRetired(
      actor: CurrentUser,
      slug: string,
      retired: boolean,
      context?: RequestContext,
    ) {
      manage(actor);
      return write(async (trx) => {
        const theme = await requireTheme(trx, slug, true);
        if ((theme.retired_at !== null) === retired) return { slug: theme.slug, changed: false };
        await trx('themes')
          .where({ id: theme.id })
          .update({ retired_at: retired ? clock.now() : null });
        await audit(trx, actor, context, {
          action: retired ? 'theme.retire' : 'theme.reinstate',
          subjectType: 'theme',
          subjectId: theme.id,
          before: { retired: !retired },
          after: { retired, recommendations: await repo.themeUse(trx, theme.id) },
        });
        return { slug: theme.slug, changed: true };
      });
    },

    async listOrganisations(actor: CurrentUser) {
      manage(actor);
      return repo.listOrganisations(knex);
    },

    async organisation(actor: CurrentUser, slug: string) {
      manage(actor);
      const organisation = await requireOrganisation(knex, slug);
      const history = await repo.history(knex, [{ type: 'organisation', ids: [organisation.id] }]);
      return { organisation, history };
    },

    async assignment(actor: CurrentUser, id: number) {
      manage(actor);
      const row = await knex('assignments as a')
        .join('organisations as o', 'o.id', 'a.organisation_id')
        .join('recommendations as r', 'r.id', 'a.recommendation_id')
        .where('a.id', id)
        .first<
          (AssignmentRow & { organisation_name: string; recommendation_ref: string }) | undefined
        >('a.*', 'o.name as organisation_name', 'r.ref as recommendation_ref');
      if (!row) throw new NotFoundError('There is no assignment with that id.');
      return row;
    },

    // ---- reports ----

    async createReport(actor: CurrentUser, input: unknown, context?: RequestContext) {
      manage(actor);
      const valid = validated(checkInput.report, input);
      return write(async (trx) => {
        await slugFree(trx, 'reports', valid.slug, null);
        const [row] = await trx('reports').insert(reportColumns(valid)).returning('id');
        await audit(trx, actor, context, {
          action: 'report.create',
          subjectType: 'report',
          subjectId: row.id,
          after: valid,
        });
        return { slug: valid.slug };
      });
    },

    /** Changes a report; new legal basis or dates move the due dates of open assignments. */
    async updateReport(actor: CurrentUser, slug: string, input: unknown, context?: RequestContext) {
      manage(actor);
      const valid = validated(checkInput.report, input);
      return write(async (trx) => {
        const report = await requireReport(trx, slug, true);
        const change = diff(reportFields(report), valid);
        if (!change.changed) return { slug: report.slug, changed: false, dueDatesMoved: 0 };
        if (valid.slug !== report.slug) await slugFree(trx, 'reports', valid.slug, report.id);
        const [updated] = await trx('reports')
          .where({ id: report.id })
          .update({ ...reportColumns(valid), updated_at: clock.now() })
          .returning('*');
        const clockChanged = ['legalBasis', 'publishedOn', 'datedOn'].some(
          (k) => k in change.after,
        );
        const moved = clockChanged
          ? await recomputeDueDates(
              trx,
              updated as ReportRow,
              await trx('recommendations').where({ report_id: report.id }).select('id', 'made_on'),
            )
          : [];
        await auditUpdate(trx, actor, context, { type: 'report', id: report.id }, change, moved);
        return { slug: valid.slug, changed: true, dueDatesMoved: moved.length };
      });
    },

    // ---- recommendations ----

    async createRecommendation(
      actor: CurrentUser,
      reportSlug: string,
      input: unknown,
      context?: RequestContext,
    ) {
      manage(actor);
      const valid = validRecommendation(input);
      return write(async (trx) => {
        const report = await requireReport(trx, reportSlug, true);
        await refFree(trx, valid.ref, null);
        const [themeIds, repeatsId] = await Promise.all([
          themeIdsFor(trx, valid.themes),
          repeatsIdFor(trx, valid.repeatsRef, null, valid.ref),
        ]);
        let position = valid.position;
        if (position === null) {
          const last = await trx('recommendations')
            .where({ report_id: report.id })
            .max<{ max: number | null }>('position as max')
            .first();
          position = (last?.max ?? 0) + 1;
        }
        const [row] = await trx('recommendations')
          .insert({ report_id: report.id, ...recommendationColumns(valid, repeatsId, position) })
          .returning('id');
        await linkThemes(trx, row.id, themeIds);
        await audit(trx, actor, context, {
          action: 'recommendation.create',
          subjectType: 'recommendation',
          subjectId: row.id,
          after: { ...valid, position, report: report.slug },
        });
        return { ref: valid.ref };
      });
    },

    async updateRecommendation(
      actor: CurrentUser,
      ref: string,
      input: unknown,
      context?: RequestContext,
    ) {
      manage(actor);
      const valid = validRecommendation(input);
      return write(async (trx) => {
        const rec = await requireRecommendation(trx, ref, true);
        const [themes, repeatsRef] = await Promise.all([
          repo.themeSlugsOf(trx, rec.id),
          repeatsRefOf(trx, rec),
        ]);
        const current = recommendationFields(rec, themes, repeatsRef);
        const wanted: RecommendationFields = {
          ...valid,
          themes: [...valid.themes].sort(),
          position: valid.position ?? rec.position,
        };
        const change = diff(current, wanted);
        if (!change.changed) return { ref: rec.ref, changed: false, dueDatesMoved: 0 };
        if (valid.ref !== rec.ref) await refFree(trx, valid.ref, rec.id);
        const [themeIds, repeatsId] = await Promise.all([
          themeIdsFor(trx, valid.themes, themes),
          repeatsIdFor(trx, valid.repeatsRef, rec.id, valid.ref),
        ]);
        await trx('recommendations')
          .where({ id: rec.id })
          .update({
            ...recommendationColumns(valid, repeatsId, wanted.position),
            updated_at: clock.now(),
          });
        if ('themes' in change.after) {
          await trx('recommendation_themes').where({ recommendation_id: rec.id }).delete();
          await linkThemes(trx, rec.id, themeIds);
        }
        const moved =
          'madeOn' in change.after
            ? await recomputeDueDates(trx, await reportOf(trx, rec), [
                { id: rec.id, made_on: valid.madeOn },
              ])
            : [];
        const subject = { type: 'recommendation', id: rec.id } as const;
        await auditUpdate(trx, actor, context, subject, change, moved);
        return { ref: valid.ref, changed: true, dueDatesMoved: moved.length };
      });
    },

    /**
     * Withdraws a recommendation: it stays visible, marked withdrawn with the reason, and its live
     * assignments are withdrawn with it (same reason), so they stop counting as open.
     */
    async withdrawRecommendation(
      actor: CurrentUser,
      ref: string,
      input: unknown,
      context?: RequestContext,
    ) {
      manage(actor);
      const { reason } = validated(checkInput.withdraw, input);
      return write(async (trx) => {
        const rec = await requireRecommendation(trx, ref, true);
        if (rec.withdrawn_at)
          throw new ConflictError(`Recommendation ${rec.ref} has already been withdrawn.`);
        const withdrawn = withdrawal(actor, reason);
        await trx('recommendations').where({ id: rec.id }).update(withdrawn);
        const assignments: { id: number }[] = await trx('assignments')
          .where({ recommendation_id: rec.id })
          .whereNull('withdrawn_at')
          .update(withdrawn)
          .returning('id');
        await audit(trx, actor, context, {
          action: 'recommendation.withdraw',
          subjectType: 'recommendation',
          subjectId: rec.id,
          before: { withdrawn: false },
          after: {
            withdrawn: true,
            reason: withdrawn.withdrawn_reason,
            assignmentsWithdrawn: assignments.map((a) => a.id),
          },
        });
        return { ref: rec.ref };
      });
    },

    /** Deletes a recommendation that nothing has happened to yet; otherwise it can only be withdrawn. */
    async deleteRecommendation(actor: CurrentUser, ref: string, context?: RequestContext) {
      manage(actor);
      return write(async (trx) => {
        const rec = await requireRecommendation(trx, ref, true);
        if (await repo.hasActivity(trx, rec.id))
          throw new ConflictError(
            `Recommendation ${rec.ref} cannot be deleted because a response or progress has been recorded for it. Withdraw it instead.`,
          );
        const repeatedBy = await trx('recommendations')
          .where({ repeats_recommendation_id: rec.id })
          .first('ref');
        if (repeatedBy)
          throw new ConflictError(
            `Recommendation ${rec.ref} cannot be deleted because ${repeatedBy.ref} repeats it. Change ${repeatedBy.ref} first, or withdraw ${rec.ref} instead.`,
          );
        const [report, themes] = await Promise.all([
          trx('reports').where({ id: rec.report_id }).first('slug'),
          repo.themeSlugsOf(trx, rec.id),
        ]);
        const assignments: { id: number; organisation_id: number }[] = await trx('assignments')
          .where({ recommendation_id: rec.id })
          .delete()
          .returning(['id', 'organisation_id']);
        await trx('recommendations').where({ id: rec.id }).delete();
        await audit(trx, actor, context, {
          action: 'recommendation.delete',
          subjectType: 'recommendation',
          subjectId: rec.id,
          before: { ...recommendationFields(rec, themes, null), report: report.slug, assignments },
        });
        return { reportSlug: report.slug as string };
      });
    },

    // ---- organisations ----

    async createOrganisation(actor: CurrentUser, input: unknown, context?: RequestContext) {
      manage(actor);
      const valid = validated(checkInput.organisation, input);
      return write(async (trx) => {
        await slugFree(trx, 'organisations', valid.slug, null);
        const [row] = await trx('organisations').insert(valid).returning('id');
        await audit(trx, actor, context, {
          action: 'organisation.create',
          subjectType: 'organisation',
          subjectId: row.id,
          after: valid,
        });
        return { slug: valid.slug };
      });
    },

    async updateOrganisation(
      actor: CurrentUser,
      slug: string,
      input: unknown,
      context?: RequestContext,
    ) {
      manage(actor);
      const valid = validated(checkInput.organisation, input);
      return write(async (trx) => {
        const org = await requireOrganisation(trx, slug, true);
        const change = diff({ name: org.name, slug: org.slug, kind: org.kind }, valid);
        if (!change.changed) return { slug: org.slug, changed: false };
        if (valid.slug !== org.slug) await slugFree(trx, 'organisations', valid.slug, org.id);
        await trx('organisations')
          .where({ id: org.id })
          .update({ ...valid, updated_at: clock.now() });
        await auditUpdate(trx, actor, context, { type: 'organisation', id: org.id }, change);
        return { slug: valid.slug, changed: true };
      });
    },

    // ---- assignments ----

    /**
     * Addresses a recommendation to the organisations named and/or every organisation of a kind,
     * skipping those it is already addressed to (including withdrawn ones, which stay in history).
     * The response due date comes from the deadlines module, as in the seed. One audit event.
     */
    async addAddressees(actor: CurrentUser, ref: string, input: unknown, context?: RequestContext) {
      manage(actor);
      const valid = validated(checkInput.addressees, input);
      if (valid.organisations.length === 0 && valid.kind === null)
        throw new ValidationError([{ field: 'organisations', message: MESSAGES.addressees.none }]);
      return write(async (trx) => {
        const rec = await requireRecommendation(trx, ref, true);
        if (rec.withdrawn_at)
          throw new ConflictError(
            `Recommendation ${rec.ref} has been withdrawn, so it cannot be addressed to anyone new.`,
          );
        const named: { id: number; slug: string; name: string }[] = valid.organisations.length
          ? await trx('organisations')
              .whereIn('slug', valid.organisations)
              .select('id', 'slug', 'name')
          : [];
        if (named.length !== valid.organisations.length)
          throw new ValidationError([
            { field: 'organisations', message: MESSAGES.addressees.organisations },
          ]);
        const ofKind: { id: number; slug: string; name: string }[] = valid.kind
          ? await trx('organisations')
              .where({ kind: valid.kind })
              .orderBy('name')
              .select('id', 'slug', 'name')
          : [];
        const chosen = new Map([...named, ...ofKind].map((o) => [o.id, o]));
        const existing = new Set(
          (
            await trx('assignments').where({ recommendation_id: rec.id }).select('organisation_id')
          ).map((a: { organisation_id: number }) => a.organisation_id),
        );
        const toAdd = [...chosen.values()].filter((o) => !existing.has(o.id));
        const skipped = chosen.size - toAdd.length;
        if (toAdd.length === 0) return { ref: rec.ref, added: [] as string[], skipped };
        const rows: { id: number; organisation_id: number }[] = await trx('assignments')
          .insert(
            toAdd.map((o) => ({
              recommendation_id: rec.id,
              organisation_id: o.id,
              response_due_on: null,
            })),
          )
          .returning(['id', 'organisation_id']);
        // Each addressee's own clock: the duty may fall on some kinds of organisation only.
        const dueOn = new Map(
          (
            await recomputeResponseDue(
              trx,
              rows.map((r) => r.id),
              clock.today(),
              clock.now(),
            )
          ).map((m) => [m.assignmentId, m.to]),
        );
        await audit(trx, actor, context, {
          action: 'recommendation.addressees_added',
          subjectType: 'recommendation',
          subjectId: rec.id,
          after: {
            added: rows.map((r) => ({
              assignmentId: r.id,
              organisation: chosen.get(r.organisation_id)!.slug,
              responseDueOn: dueOn.get(r.id) ?? null,
            })),
            skipped,
            ...(valid.kind ? { kind: valid.kind } : {}),
          },
        });
        return { ref: rec.ref, added: toAdd.map((o) => o.name), skipped };
      });
    },

    /** Withdraws one assignment: it stays in the history, marked withdrawn, and stops counting. */
    async withdrawAssignment(
      actor: CurrentUser,
      id: number,
      input: unknown,
      context?: RequestContext,
    ) {
      manage(actor);
      const { reason } = validated(checkInput.withdraw, input);
      return write(async (trx) => {
        const row = await trx('assignments')
          .where({ id })
          .forUpdate()
          .first<AssignmentRow | undefined>();
        if (!row) throw new NotFoundError('There is no assignment with that id.');
        const rec = await trx('recommendations').where({ id: row.recommendation_id }).first('ref');
        if (row.withdrawn_at)
          throw new ConflictError('This assignment has already been withdrawn.');
        await trx('assignments').where({ id }).update(withdrawal(actor, reason));
        await audit(trx, actor, context, {
          action: 'assignment.withdraw',
          subjectType: 'assignment',
          subjectId: id,
          before: { withdrawn: false },
          after: { withdrawn: true, reason: reason.trim() },
        });
        return { ref: rec.ref as string };
      });
    },
  };
}

export type { FieldError };
