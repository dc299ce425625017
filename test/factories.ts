/**
 * Factories: each call creates its own rows with unique slugs and references, so a test never relies
 * on another test's data. Defaults give a valid row; pass only what the test is about.
 */
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type {
  AssignmentRow,
  OrganisationRow,
  RecommendationRow,
  ReportRow,
} from '../src/db/tables';

const unique = () => randomBytes(4).toString('hex');

export async function createOrganisation(
  knex: Knex,
  fields: Partial<OrganisationRow> = {},
): Promise<OrganisationRow> {
  const id = unique();
  const [row] = await knex('organisations')
    .insert({ slug: `org-${id}`, name: `Test Organisation ${id}`, kind: 'police_force', ...fields })
    .returning('*');
  return row;
}

export async function createReport(
  knex: Knex,
  fields: Partial<ReportRow> = {},
): Promise<ReportRow> {
  const id = unique();
  const [row] = await knex('reports')
    .insert({
      slug: `report-${id}`,
      title: `Test Report ${id}`,
      issuer_name: 'Test Oversight Office',
      published_on: '2024-01-10',
      legal_basis: 'iopc_para_28a',
      ...fields,
    })
    .returning('*');
  return row;
}

export async function createRecommendation(
  knex: Knex,
  report: Pick<ReportRow, 'id'>,
  fields: Partial<RecommendationRow> & { themes?: { slug: string; name: string }[] } = {},
): Promise<RecommendationRow> {
  const { themes = [], ...rest } = fields;
  const id = unique().toUpperCase();
  const [row] = await knex('recommendations')
    .insert({
      report_id: report.id,
      ref: `T-${id}`,
      title: `Test recommendation ${id}`,
      body: `Do the thing ${id}.`,
      text_status: 'summary',
      made_on: '2024-01-10',
      ...rest,
    })
    .returning('*');
  for (const theme of themes) {
    // A theme is unique by slug and by name (in any case): reuse whichever already exists.
    await knex('themes').insert(theme).onConflict().ignore();
    const t = await knex('themes')
      .where({ slug: theme.slug })
      .orWhereRaw('lower(name) = lower(?)', [theme.name])
      .orderByRaw('slug = ? desc', [theme.slug])
      .first('id');
    await knex('recommendation_themes').insert({ recommendation_id: row.id, theme_id: t.id });
  }
  return row;
}

export async function createAssignment(
  knex: Knex,
  recommendation: Pick<RecommendationRow, 'id'>,
  organisation: Pick<OrganisationRow, 'id'>,
  fields: Partial<AssignmentRow> = {},
): Promise<AssignmentRow> {
  const [row] = await knex('assignments')
    .insert({
      recommendation_id: recommendation.id,
      organisation_id: organisation.id,
      response_due_on: '2024-03-05',
      ...fields,
    })
    .returning('*');
  // As the seeds do: a response written with the assignment is its version 1.
  if (row.response_stance && row.responded_on)
    await knex('assignment_responses').insert({
      assignment_id: row.id,
      version: 1,
      stance: row.response_stance,
      text: row.response_text || null,
      responded_on: row.responded_on,
      responded_on_confirmed: row.response_date_confirmed,
      source_url: row.response_source_url,
      recorded_by_label: 'Test factory',
      recorded_at: row.updated_at,
    });
  return row;
}
