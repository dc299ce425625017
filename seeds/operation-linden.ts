/**
 * Applies the Operation Linden seed: the report, its organisations and themes, all 12
 * recommendations, their addressees and the two publicly known responses.
 *
 * It runs once per SEED_VERSION. Every start may call it; after the first run it finds its row in
 * seed_runs and changes nothing, so edits (or deletions) made in the app are never undone. Rows that
 * already exist (matched by slug, reference, or recommendation and organisation) are left as they are.
 */
import type { Knex } from 'knex';
import {
  recordAudit,
  SYSTEM_ACTOR,
  type AuditEvent,
} from '../src/modules/operations/audit.repository';
import { statutoryDueDate } from '../src/modules/assignments/deadlines';
import {
  LINDEN_ORGANISATIONS,
  LINDEN_RECOMMENDATIONS,
  LINDEN_REPORT,
  LINDEN_RESPONSES,
  LINDEN_THEMES,
} from './operation-linden.data';
import { recordStatusesWithoutHistory } from '../src/modules/assignments/status-history';
import { recordResponsesWithoutVersions } from '../src/modules/assignments/response-versions';

export const SEED_NAME = 'operation-linden';
export const SEED_VERSION = 1;

const SEED_ACTOR = { ...SYSTEM_ACTOR, label: 'seed: operation-linden' };

export interface SeedResult {
  applied: boolean;
  created: {
    organisations: number;
    themes: number;
    reports: number;
    recommendations: number;
    assignments: number;
  };
}

export async function applyLindenSeed(knex: Knex): Promise<SeedResult> {
  return knex.transaction(async (trx) => {
    const claimed = await trx('seed_runs')
      .insert({ name: SEED_NAME, version: SEED_VERSION })
      .onConflict(['name', 'version'])
      .ignore()
      .returning('name');
    const created = { organisations: 0, themes: 0, reports: 0, recommendations: 0, assignments: 0 };
    if (claimed.length === 0) return { applied: false, created };
    const audit: AuditEvent[] = [];

    const newOrgs = await trx('organisations')
      .insert(LINDEN_ORGANISATIONS)
      .onConflict('slug')
      .ignore()
      .returning(['id', 'slug', 'name', 'kind']);
    created.organisations = newOrgs.length;
    for (const o of newOrgs)
      audit.push({
        actor: SEED_ACTOR,
        action: 'organisation.create',
        subjectType: 'organisation',
        subjectId: o.id,
        after: o,
      });
    const orgIds = new Map<string, number>(
      (
        await trx('organisations')
          .whereIn(
            'slug',
            LINDEN_ORGANISATIONS.map((o) => o.slug),
          )
          .select('id', 'slug')
      ).map((o) => [o.slug, o.id]),
    );

    const newThemes = await trx('themes')
      .insert(LINDEN_THEMES)
      .onConflict('slug')
      .ignore()
      .returning(['id', 'slug', 'name']);
    created.themes = newThemes.length;
    for (const t of newThemes)
      audit.push({
        actor: SEED_ACTOR,
        action: 'theme.create',
        subjectType: 'theme',
        subjectId: t.id,
        after: t,
      });
    const themeIds = new Map<string, number>(
      (
        await trx('themes')
          .whereIn(
            'slug',
            LINDEN_THEMES.map((t) => t.slug),
          )
          .select('id', 'slug')
      ).map((t) => [t.slug, t.id]),
    );

    const r = LINDEN_REPORT;
    const newReports = await trx('reports')
      .insert({
        slug: r.slug,
        title: r.title,
        issuer_name: r.issuerName,
        issuer_short: r.issuerShort,
        published_on: r.publishedOn,
        legal_basis: r.legalBasis,
        source_url: r.sourceUrl,
        summary: r.summary,
      })
      .onConflict('slug')
      .ignore()
      .returning(['id', 'slug', 'title']);
    created.reports = newReports.length;
    for (const rep of newReports)
      audit.push({
        actor: SEED_ACTOR,
        action: 'report.create',
        subjectType: 'report',
        subjectId: rep.id,
        after: rep,
      });
    const report = await trx('reports')
      .where({ slug: r.slug })
      .first('id', 'legal_basis', 'published_on', 'dated_on');

    const newRecs = await trx('recommendations')
      .insert(
        LINDEN_RECOMMENDATIONS.map((rec, i) => ({
          report_id: report.id,
          ref: rec.ref,
          title: rec.title,
          body: rec.body,
          text_status: rec.textStatus,
          made_on: r.recommendationsMadeOn,
          made_on_confirmed: r.recommendationsMadeOnConfirmed,
          source_url: rec.sourceUrl,
          position: i + 1,
        })),
      )
      .onConflict('ref')
      .ignore()
      .returning(['id', 'ref', 'title', 'text_status']);
    created.recommendations = newRecs.length;
    for (const rec of newRecs)
      audit.push({
        actor: SEED_ACTOR,
        action: 'recommendation.create',
        subjectType: 'recommendation',
        subjectId: rec.id,
        after: rec,
      });
    // Themes and addressees are only added to recommendations this run created, never to ones users may have edited.
    const createdRecIds = new Map<string, number>(newRecs.map((rec) => [rec.ref, rec.id]));

    const themeLinks = LINDEN_RECOMMENDATIONS.flatMap((rec) =>
      createdRecIds.has(rec.ref)
        ? rec.themes.map((t) => ({
            recommendation_id: createdRecIds.get(rec.ref)!,
            theme_id: themeIds.get(t)!,
          }))
        : [],
    );
    if (themeLinks.length)
      await trx('recommendation_themes')
        .insert(themeLinks)
        .onConflict(['recommendation_id', 'theme_id'])
        .ignore();

    const assignments = LINDEN_RECOMMENDATIONS.flatMap((rec) => {
      const recommendationId = createdRecIds.get(rec.ref);
      if (recommendationId === undefined) return [];
      return rec.addressees.map((a) => {
        const response = LINDEN_RESPONSES.find(
          (resp) =>
            resp.organisation === a.organisation &&
            (resp.appliesTo === 'all' || resp.appliesTo === rec.ref),
        );
        return {
          recommendation_id: recommendationId,
          organisation_id: orgIds.get(a.organisation)!,
          addressee_confirmed: a.confirmed,
          response_due_on: statutoryDueDate({
            legalBasis: report.legal_basis,
            addresseeKind: LINDEN_ORGANISATIONS.find((o) => o.slug === a.organisation)!.kind,
            recommendationMadeOn: r.recommendationsMadeOn,
            reportPublishedOn: report.published_on,
            reportDatedOn: report.dated_on,
          }),
          status: response
            ? response.stance === 'not_accepted'
              ? 'awaiting_response'
              : 'in_progress'
            : 'awaiting_response',
          response_stance: response?.stance ?? null,
          response_text: response?.text ?? null,
          responded_on: response?.reportedOn ?? null,
          response_date_confirmed: response ? false : true,
          response_source_url: response?.sourceUrl ?? null,
        };
      });
    });
    if (assignments.length) {
      const newAssignments = await trx('assignments')
        .insert(assignments)
        .onConflict(['recommendation_id', 'organisation_id'])
        .ignore()
        .returning([
          'id',
          'recommendation_id',
          'organisation_id',
          'status',
          'response_due_on',
          'response_stance',
          'responded_on',
        ]);
      created.assignments = newAssignments.length;
      for (const a of newAssignments)
        audit.push({
          actor: SEED_ACTOR,
          action: 'assignment.create',
          subjectType: 'assignment',
          subjectId: a.id,
          after: a,
        });
    }

    await recordStatusesWithoutHistory(trx, SEED_ACTOR.label);
    // Each response loaded from public sources is version 1, with its own date, source and confidence.
    await recordResponsesWithoutVersions(trx, 'Operation Linden seed (public sources)');
    audit.push({
      actor: SEED_ACTOR,
      action: 'seed.apply',
      subjectType: 'seed',
      subjectId: `${SEED_NAME}@${SEED_VERSION}`,
      after: created,
    });
    await recordAudit(trx, audit);
    return { applied: true, created };
  });
}
