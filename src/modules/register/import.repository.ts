/**
 * The database side of imports: reading what a plan compares against, writing what it applies, and
 * keeping uploads between preview and confirmation. Every function takes the caller's knex or
 * transaction, so a plan can be rebuilt and applied inside one transaction.
 */
import type { Knex } from 'knex';
import type { OrganisationKind, TextStatus } from '../../db/tables';
import {
  REPORT_FIELDS,
  type ImportFormat,
  type NormalisedImport,
  type NormalisedReport,
} from './import.schemas';

type Db = Knex | Knex.Transaction;

/** A report as stored: the same fields an import file carries for it, and its id. */
export interface ExistingReport extends NormalisedReport {
  id: number;
}

export interface ExistingRecommendation {
  id: number;
  report_id: number;
  report_slug: string;
  ref: string;
  source_number: string | null;
  title: string | null;
  body: string | null;
  text_status: TextStatus;
  made_on: string | null;
  made_on_confirmed: boolean;
  source_url: string | null;
  implement_by: string | null;
  implement_by_wording: string | null;
  position: number;
}

export interface OrganisationRef {
  id: number;
  slug: string;
  name: string;
  kind: OrganisationKind;
}

/** The report columns an import file carries, and the id. */
const REPORT_COLUMNS = ['id', ...REPORT_FIELDS];

/** Recommendations joined to their report, to select as ExistingRecommendation. */
const existingRecommendations = (db: Db) =>
  db('recommendations as r').join('reports as p', 'p.id', 'r.report_id');
const RECOMMENDATION_COLUMNS = [
  'r.id',
  'r.report_id',
  'p.slug as report_slug',
  'r.ref',
  'r.source_number',
  'r.title',
  'r.body',
  'r.text_status',
  'r.made_on',
  'r.made_on_confirmed',
  'r.source_url',
  'r.implement_by',
  'r.implement_by_wording',
  'r.position',
];

export async function findReport(db: Db, slug: string): Promise<ExistingReport | undefined> {
  return db('reports').where({ slug }).first(REPORT_COLUMNS);
}

export async function findRecommendationsByRef(
  db: Db,
  refs: string[],
): Promise<ExistingRecommendation[]> {
  if (refs.length === 0) return [];
  return existingRecommendations(db).whereIn('r.ref', refs).select(RECOMMENDATION_COLUMNS);
}

export async function recommendationsOfReport(
  db: Db,
  reportId: number,
): Promise<ExistingRecommendation[]> {
  return existingRecommendations(db)
    .where('r.report_id', reportId)
    .orderBy([{ column: 'r.position' }, { column: 'r.ref' }])
    .select(RECOMMENDATION_COLUMNS);
}

export async function maxPosition(db: Db, reportId: number): Promise<number> {
  const row = await db('recommendations')
    .where({ report_id: reportId })
    .max('position as max')
    .first();
  return Number(row?.max ?? 0);
}

/** The organisations named by slug, and every organisation of the named kinds. */
export async function findOrganisations(
  db: Db,
  slugs: string[],
  kinds: string[],
): Promise<OrganisationRef[]> {
  if (slugs.length === 0 && kinds.length === 0) return [];
  return db('organisations')
    .where((q) => {
      if (slugs.length) q.orWhereIn('slug', slugs);
      if (kinds.length) q.orWhereIn('kind', kinds);
    })
    .orderBy('name')
    .select('id', 'slug', 'name', 'kind');
}

export async function findThemes(
  db: Db,
  slugs: string[],
): Promise<{ id: number; slug: string; name: string; retired_at: Date | null }[]> {
  if (slugs.length === 0) return [];
  return db('themes').whereIn('slug', slugs).select('id', 'slug', 'name', 'retired_at');
}

/** Theme slugs linked to each recommendation. */
export async function themeLinks(db: Db, recommendationIds: number[]) {
  if (recommendationIds.length === 0) return [];
  return db('recommendation_themes as rt')
    .join('themes as t', 't.id', 'rt.theme_id')
    .whereIn('rt.recommendation_id', recommendationIds)
    .orderBy('t.slug')
    .select('rt.recommendation_id', 't.slug') as Promise<
    { recommendation_id: number; slug: string }[]
  >;
}

/** Organisation slugs each recommendation is addressed to. */
export async function assignmentLinks(db: Db, recommendationIds: number[]) {
  if (recommendationIds.length === 0) return [];
  return db('assignments as a')
    .join('organisations as o', 'o.id', 'a.organisation_id')
    .whereIn('a.recommendation_id', recommendationIds)
    .orderBy('o.slug')
    .select(
      'a.id',
      'a.recommendation_id',
      'o.slug',
      'o.kind',
      'a.clock_override',
      'a.clock_override_due_on',
      'a.response_due_on',
      // Only a live, unanswered assignment without a granted extension follows the statutory clock;
      // a granted extension set its date explicitly and keeps it.
      db.raw(
        `(a.responded_on is null and a.status <> 'closed' and a.withdrawn_at is null and not exists (select 1 from extension_requests e where e.assignment_id = a.id and e.state = 'granted')) as follows_clock`,
      ),
    ) as Promise<
    {
      id: number;
      recommendation_id: number;
      slug: string;
      kind: OrganisationKind;
      clock_override: string | null;
      clock_override_due_on: string | null;
      response_due_on: string | null;
      follows_clock: boolean;
    }[]
  >;
}

// ---------------------------------------------------------------------------------------------
// Uploads kept between preview and confirmation

export interface StoredImport {
  id: string;
  createdBy: number;
  filename: string;
  format: ImportFormat;
  payload: NormalisedImport;
  planDigest: string;
  createdAt: Date;
  appliedAt: Date | null;
}

export async function storeImport(db: Db, row: Omit<StoredImport, 'appliedAt'>): Promise<void> {
  await db('imports').insert({
    id: row.id,
    created_by: row.createdBy,
    filename: row.filename,
    format: row.format,
    payload: JSON.stringify(row.payload),
    plan_digest: row.planDigest,
    created_at: row.createdAt,
  });
}

export async function findImport(
  db: Db,
  id: string,
  opts: { forUpdate?: boolean } = {},
): Promise<StoredImport | undefined> {
  const q = db('imports').where({ id }).first();
  if (opts.forUpdate) q.forUpdate();
  const row = await q;
  if (!row) return undefined;
  return {
    id: row.id,
    createdBy: row.created_by,
    filename: row.filename,
    format: row.format,
    payload: typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload,
    planDigest: row.plan_digest,
    createdAt: new Date(row.created_at),
    appliedAt: row.applied_at ? new Date(row.applied_at) : null,
  };
}

export async function updateImportDigest(db: Db, id: string, planDigest: string): Promise<void> {
  await db('imports').where({ id }).update({ plan_digest: planDigest });
}

export async function markImportApplied(db: Db, id: string, at: Date): Promise<void> {
  await db('imports').where({ id }).update({ applied_at: at });
}

/** Removes uploads never confirmed that are older than `before`. */
export async function deleteExpiredImports(db: Db, before: Date): Promise<number> {
  return db('imports').whereNull('applied_at').where('created_at', '<', before).delete();
}
