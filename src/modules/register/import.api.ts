/**
 * POST /api/v1/imports: the bulk import (docs/import-format.md) for other systems, through the same
 * service as the upload page and the command. The body is the JSON import document itself, or
 * `{"csv": "<the CSV text>"}`. `?dryRun=true` answers with the plan and changes nothing; the plan's
 * `digest` may be sent back as `?expectedDigest=` when applying, so the import is refused (409)
 * if the register changed in between, as the page's preview → confirm does.
 *
 * A file with errors is a 422 whose `errors` name every bad row and column, and nothing is stored.
 * Bodies are limited to 1 MB here (the API's limit); larger files go through the page or command.
 */
import { Type } from '@sinclair/typebox';
import { routes } from '../../shared/paths';
import { defineApiRoute, type ApiRoute } from '../../shared/api/api-route';
import { UnprocessableError } from '../../shared/api/api-errors';
import { ConflictError, type FieldError } from '../../shared/errors';
import { userActor } from '../operations/audit.repository';
import type { ImportError } from './import.schemas';
import { planDigest, type ImportPlan, type ImportService } from './import.service';

const Query = Type.Object(
  {
    dryRun: Type.Boolean({ default: false, description: 'Plan only; change nothing' }),
    expectedDigest: Type.Optional(
      Type.String({
        pattern: '^[0-9a-f]{64}$',
        description: 'The digest of a dry run’s plan: refuse (409) if the plan is now different',
      }),
    ),
  },
  { additionalProperties: false },
);

const Body = Type.Object(
  {},
  {
    additionalProperties: true,
    description:
      'An import document as described in docs/import-format.md ({"report": {...}, "recommendations": [...]}), or {"csv": "<CSV text in the import format>"}.',
  },
);

const Change = Type.Object(
  { field: Type.String(), before: Type.Unknown(), after: Type.Unknown() },
  { additionalProperties: false },
);
const Action = Type.Union([
  Type.Literal('create'),
  Type.Literal('update'),
  Type.Literal('unchanged'),
]);

const PlanSchema = Type.Object(
  {
    report: Type.Object(
      { slug: Type.String(), title: Type.String(), action: Action, changes: Type.Array(Change) },
      { additionalProperties: false },
    ),
    recommendations: Type.Array(
      Type.Object(
        {
          ref: Type.String(),
          action: Action,
          changes: Type.Array(Change),
          themesToAdd: Type.Array(Type.String()),
          addresseesToAdd: Type.Array(Type.String({ description: 'Organisation slugs' })),
          addresseesKept: Type.Array(Type.String()),
          dueDatesChanged: Type.Integer({ minimum: 0 }),
        },
        { additionalProperties: false },
      ),
    ),
    counts: Type.Object(
      {
        recommendationsCreated: Type.Integer({ minimum: 0 }),
        recommendationsUpdated: Type.Integer({ minimum: 0 }),
        recommendationsUnchanged: Type.Integer({ minimum: 0 }),
        assignmentsCreated: Type.Integer({ minimum: 0 }),
        assignmentsKept: Type.Integer({ minimum: 0 }),
        themesAdded: Type.Integer({ minimum: 0 }),
        dueDatesChanged: Type.Integer({ minimum: 0 }),
      },
      { additionalProperties: false },
    ),
    changesAnything: Type.Boolean(),
  },
  { additionalProperties: false },
);

const Result = Type.Object(
  {
    applied: Type.Boolean({ description: 'False for a dry run' }),
    digest: Type.String({ description: 'Send as expectedDigest to apply exactly this plan' }),
    plan: PlanSchema,
  },
  { additionalProperties: false },
);

function presentPlan(plan: ImportPlan) {
  return {
    report: {
      slug: plan.report.slug,
      title: plan.report.title,
      action: plan.report.action,
      changes: plan.report.changes,
    },
    recommendations: plan.recommendations.map((r) => ({
      ref: r.ref,
      action: r.action,
      changes: r.changes,
      themesToAdd: r.themesToAdd,
      addresseesToAdd: r.assignmentsToCreate.map((a) => a.organisation),
      addresseesKept: r.assignmentsKept,
      dueDatesChanged: r.dueDatesToChange.length,
    })),
    counts: plan.counts,
    changesAnything: plan.changesAnything,
  };
}

/** Every error of the file, each naming its row and column (CSV) or item and field (JSON). */
function invalid(errors: ImportError[]): UnprocessableError {
  const named: FieldError[] = errors.map((e) => ({
    field: [e.row !== null ? `row ${e.row}` : null, e.column].filter(Boolean).join(', ') || 'file',
    message: e.message,
  }));
  return new UnprocessableError(
    `The import has ${errors.length} ${errors.length === 1 ? 'error' : 'errors'}; nothing was changed.`,
    named,
  );
}

export function importApiRoutes(imports: ImportService): ApiRoute[] {
  return [
    defineApiRoute({
      method: 'post',
      path: routes.api.imports,
      operationId: 'importReport',
      summary: 'Import a report with its recommendations and addressees',
      description:
        'All or nothing, keyed on the report slug and recommendation references; importing the same document again changes nothing. Never removes or withdraws anything. See docs/import-format.md.',
      tags: ['Imports'],
      auth: { action: 'register.manage' },
      query: Query,
      body: Body,
      errors: [409, 422],
      responses: {
        200: { description: 'The plan, applied unless this was a dry run', schema: Result },
      },
      handler: async ({ query, body, user, context }) => {
        const record = body as Record<string, unknown>;
        const keys = Object.keys(record);
        const source =
          keys.length === 1 && typeof record.csv === 'string'
            ? { filename: 'api.csv', text: record.csv, format: 'csv' as const }
            : { filename: 'api.json', text: JSON.stringify(body), format: 'json' as const };
        // userId null: nothing is stored between calls; a dry run's digest stands in for the preview.
        const actor = {
          audit: userActor(user!),
          userId: null,
          ipAddress: context.ip,
          requestId: context.requestId,
        };
        if (query.dryRun) {
          const preview = await imports.preview(actor, source);
          if (preview.errors.length || !preview.plan || !preview.digest)
            throw invalid(preview.errors);
          return {
            body: { applied: false, digest: preview.digest, plan: presentPlan(preview.plan) },
          };
        }
        const result = await imports.apply(actor, {
          source,
          ...(query.expectedDigest ? { expectedDigest: query.expectedDigest } : {}),
        });
        if (!result) throw invalid([]);
        switch (result.kind) {
          case 'invalid':
            throw invalid(result.errors);
          case 'stale':
            throw new ConflictError(
              'The register changed since that plan was made, so nothing was imported. Make a new dry run and check it.',
            );
          case 'already_applied':
            throw new ConflictError('This import has already been applied.');
          case 'applied':
            return {
              body: {
                applied: true,
                digest: planDigest(result.plan),
                plan: presentPlan(result.plan),
              },
            };
        }
      },
    }),
  ];
}
