/**
 * Queries for managing the register. Every function takes the connection or transaction to use, so
 * the service can run reads and writes of one change in one transaction.
 */
import type { Knex } from 'knex';
import type {
  AssignmentRow,
  OrganisationKind,
  OrganisationRow,
  RecommendationRow,
  ReportRow,
} from '../../db/tables';
import { ADMIN_LIST_LIMIT, HISTORY_LIMIT } from './register-admin.schemas';

type Db = Knex | Knex.Transaction;

export interface AdminAssignmentRow extends AssignmentRow {
  organisation_slug: string;
  organisation_name: string;
  organisation_kind: OrganisationKind;
}

export interface AuditEventRow {
  id: string | number;
  occurred_at: Date;
  actor_type: string;
  actor_label: string | null;
  action: string;
  subject_type: string;
  subject_id: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

export function findReport(db: Db, slug: string, lock = false): Promise<ReportRow | undefined> {
  const q = db<ReportRow>('reports').where({ slug }).first();
  return lock ? q.forUpdate() : q;
}

export function findRecommendation(
  db: Db,
  ref: string,
  lock = false,
): Promise<RecommendationRow | undefined> {
  const q = db<RecommendationRow>('recommendations').where({ ref }).first();
  return lock ? q.forUpdate() : q;
}

export function findOrganisation(
  db: Db,
  slug: string,
  lock = false,
): Promise<OrganisationRow | undefined> {
  const q = db<OrganisationRow>('organisations').where({ slug }).first();
  return lock ? q.forUpdate() : q;
}

export async function listReports(db: Db) {
  return db('reports as rp')
    .select<(ReportRow & { recommendation_count: number })[]>(
      'rp.*',
      db.raw(
        '(select count(*) from recommendations r where r.report_id = rp.id)::int as recommendation_count',
      ),
    )
    .orderBy([{ column: 'rp.published_on', order: 'desc', nulls: 'last' }, { column: 'rp.id' }])
    .limit(ADMIN_LIST_LIMIT);
}

export async function recommendationsOfReport(db: Db, reportId: number) {
  return db('recommendations as r')
    .where('r.report_id', reportId)
    .select<(RecommendationRow & { live_assignments: number })[]>(
      'r.*',
      db.raw(
        '(select count(*) from assignments a where a.recommendation_id = r.id and a.withdrawn_at is null)::int as live_assignments',
      ),
    )
    .orderBy([{ column: 'r.position' }, { column: 'r.ref' }])
    .limit(ADMIN_LIST_LIMIT);
}

export async function listOrganisations(db: Db): Promise<OrganisationRow[]> {
  return db<OrganisationRow>('organisations').orderBy('name').limit(ADMIN_LIST_LIMIT);
}

export interface ThemeRow {
  id: number;
  slug: string;
  name: string;
  retired_at: Date | null;
}

export async function listThemes(db: Db): Promise<ThemeRow[]> {
  return db('themes')
    .select('id', 'slug', 'name', 'retired_at')
    .orderBy('name')
    .limit(ADMIN_LIST_LIMIT);
}

/** Themes with how many recommendations carry each, for the admin list: one query. */
export async function listThemesWithUse(
  db: Db,
): Promise<(ThemeRow & { recommendations: number })[]> {
  const rows = await db('themes as t')
    .leftJoin('recommendation_themes as rt', 'rt.theme_id', 't.id')
    .groupBy('t.id')
    .select('t.id', 't.slug', 't.name', 't.retired_at')
    .count({ recommendations: 'rt.recommendation_id' })
    .orderByRaw('t.retired_at is not null, lower(t.name), t.id')
    .limit(ADMIN_LIST_LIMIT);
  return rows.map((r) => ({
    ...(r as unknown as ThemeRow),
    recommendations: Number(r.recommendations),
  }));
}

export async function findTheme(db: Db, slug: string, lock = false): Promise<ThemeRow | undefined> {
  const query = db<ThemeRow>('themes').where({ slug }).first('id', 'slug', 'name', 'retired_at');
  return lock ? query.forUpdate() : query;
}

export async function themeUse(db: Db, themeId: number): Promise<number> {
  const row = await db('recommendation_themes')
    .where({ theme_id: themeId })
    .count({ n: '*' })
    .first();
  return Number(row?.n ?? 0);
}

export async function themeSlugsOf(db: Db, recommendationId: number): Promise<string[]> {
  const rows = await db('recommendation_themes as rt')
    .join('themes as t', 't.id', 'rt.theme_id')
    .where('rt.recommendation_id', recommendationId)
    .orderBy('t.slug')
    .select('t.slug');
  return rows.map((r: { slug: string }) => r.slug);
}

export async function assignmentsOf(db: Db, recommendationId: number) {
  return db('assignments as a')
    .join('organisations as o', 'o.id', 'a.organisation_id')
    .where('a.recommendation_id', recommendationId)
    .select<AdminAssignmentRow[]>(
      'a.*',
      'o.slug as organisation_slug',
      'o.name as organisation_name',
      'o.kind as organisation_kind',
    )
    .orderBy([{ column: 'o.name' }]);
}

/**
 * Whether anything has happened on any of the recommendation's assignments, so that deleting it
 * would lose history: a response recorded, or a status other than awaiting_response.
 * Later issues add actions, progress updates, extension requests and reviews: add an `exists`
 * for each of them here, so deletion stays refused once any of them is recorded.
 */
export async function hasActivity(db: Db, recommendationId: number): Promise<boolean> {
  const row = await db('assignments')
    .where('recommendation_id', recommendationId)
    .where((q) => q.whereNotNull('responded_on').orWhereNot('status', 'awaiting_response'))
    .first('id');
  return row !== undefined;
}

/** History of one subject (and, for a recommendation, of its assignments), newest first. */
export async function history(
  db: Db,
  subjects: { type: string; ids: (number | string)[] }[],
): Promise<AuditEventRow[]> {
  const wanted = subjects.filter((s) => s.ids.length > 0);
  if (wanted.length === 0) return [];
  return db('audit_events')
    .where((q) => {
      for (const s of wanted)
        q.orWhere((w) => w.where('subject_type', s.type).whereIn('subject_id', s.ids.map(String)));
    })
    .select<AuditEventRow[]>(
      'id',
      'occurred_at',
      'actor_type',
      'actor_label',
      'action',
      'subject_type',
      'subject_id',
      'before',
      'after',
    )
    .orderBy('id', 'desc')
    .limit(HISTORY_LIMIT);
}
