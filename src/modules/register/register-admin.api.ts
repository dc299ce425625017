/**
 * Changing the register through /api/v1: the same service, schemas and audit as the admin pages,
 * for a token allowed `register.manage` (an administrator's). Each write answers with the item as
 * the read routes show it, so a client sees the result without a second request.
 *
 * Creating uses POST on the collection; changing uses PUT with the whole item (the same input the
 * edit form sends); withdrawing is a POST of a reason to the item's `withdrawal`; deleting a
 * recommendation is allowed only while nothing has happened on it (else 409: withdraw it instead).
 */
import { Type } from '@sinclair/typebox';
import { paths, routes } from '../../shared/paths';
import { defineApiRoute, type ApiRoute } from '../../shared/api/api-route';
import type { RegisterService } from '../public-record/register.service';
import { RefParam, SlugParam } from '../public-record/register.schemas';
import {
  OrganisationSchema,
  RecommendationSchema,
  ReportSchema,
} from '../public-record/register.api-schemas';
import {
  presentOrganisation,
  presentRecommendation,
  presentReport,
} from '../public-record/register.api';
import type { RegisterAdminService } from './register-admin.service';
import {
  AddresseesInput,
  AssignmentIdParam,
  OrganisationInput,
  RecommendationInput,
  ReportInput,
  WithdrawInput,
} from './register-admin.schemas';

const MANAGE = { action: 'register.manage' } as const;

const AddresseesResult = Type.Object(
  {
    added: Type.Array(Type.String(), { description: 'Names of the organisations newly addressed' }),
    skipped: Type.Integer({
      minimum: 0,
      description: 'Organisations chosen that were already addressed (withdrawn ones included)',
    }),
    recommendation: RecommendationSchema,
  },
  { additionalProperties: false },
);
/** Each write answers with the item as the read routes show it. */
function presenters(register: RegisterService) {
  return {
    report: async (slug: string) => presentReport((await register.report(slug)).report),
    recommendation: async (ref: string) =>
      presentRecommendation(await register.recommendation(ref)),
    organisation: async (slug: string) => presentOrganisation(await register.organisation(slug)),
  };
}
type Presenters = ReturnType<typeof presenters>;

export function registerAdminApiRoutes(
  admin: RegisterAdminService,
  register: RegisterService,
): ApiRoute[] {
  const present = presenters(register);
  return [
    ...reportRoutes(admin, present),
    ...recommendationRoutes(admin, present),
    ...withdrawalRoutes(admin, present),
    ...organisationRoutes(admin, present),
  ];
}

/** Adding and changing a report. */
function reportRoutes(admin: RegisterAdminService, { report }: Presenters): ApiRoute[] {
  return [
    defineApiRoute({
      method: 'post',
      path: routes.api.reports,
      operationId: 'createReport',
      summary: 'Add a report',
      tags: ['Reports'],
      auth: MANAGE,
      body: ReportInput,
      errors: [409],
      responses: { 201: { description: 'The report as stored', schema: ReportSchema } },
      handler: async ({ body, user, context }) => {
        const { slug } = await admin.createReport(user!, body, context);
        return {
          status: 201,
          body: await report(slug),
          headers: { Location: paths.api.report(slug) },
        };
      },
    }),

    defineApiRoute({
      method: 'put',
      path: routes.api.report,
      operationId: 'updateReport',
      summary: 'Change a report',
      description:
        'Send the whole report. A new legal basis or date moves the response due dates of its open assignments that have no response yet.',
      tags: ['Reports'],
      auth: MANAGE,
      params: SlugParam,
      body: ReportInput,
      errors: [409],
      responses: { 200: { description: 'The report as stored', schema: ReportSchema } },
      handler: async ({ params, body, user, context }) => {
        const { slug } = await admin.updateReport(user!, params.slug, body, context);
        return { body: await report(slug) };
      },
    }),
  ];
}

/** Adding, changing and deleting a recommendation. */
function recommendationRoutes(
  admin: RegisterAdminService,
  { recommendation }: Presenters,
): ApiRoute[] {
  return [
    defineApiRoute({
      method: 'post',
      path: routes.api.reportRecommendations,
      operationId: 'createRecommendation',
      summary: 'Add a recommendation to a report',
      tags: ['Recommendations'],
      auth: MANAGE,
      params: SlugParam,
      body: RecommendationInput,
      errors: [409],
      responses: {
        201: { description: 'The recommendation as stored', schema: RecommendationSchema },
      },
      handler: async ({ params, body, user, context }) => {
        const { ref } = await admin.createRecommendation(user!, params.slug, body, context);
        return {
          status: 201,
          body: await recommendation(ref),
          headers: { Location: paths.api.recommendation(ref) },
        };
      },
    }),

    defineApiRoute({
      method: 'put',
      path: routes.api.recommendation,
      operationId: 'updateRecommendation',
      summary: 'Change a recommendation',
      description:
        'Send the whole recommendation (for example, to fill in a text still pending). A new date made moves the due dates of its open assignments that have no response yet.',
      tags: ['Recommendations'],
      auth: MANAGE,
      params: RefParam,
      body: RecommendationInput,
      errors: [409],
      responses: {
        200: { description: 'The recommendation as stored', schema: RecommendationSchema },
      },
      handler: async ({ params, body, user, context }) => {
        const { ref } = await admin.updateRecommendation(user!, params.ref, body, context);
        return { body: await recommendation(ref) };
      },
    }),

    defineApiRoute({
      method: 'delete',
      path: routes.api.recommendation,
      operationId: 'deleteRecommendation',
      summary: 'Delete a recommendation nothing has happened on',
      description:
        'Refused with 409 once any addressee has responded or moved on, or another recommendation repeats it: withdraw it instead.',
      tags: ['Recommendations'],
      auth: MANAGE,
      params: RefParam,
      errors: [409],
      responses: { 204: { description: 'Deleted' } },
      handler: async ({ params, user, context }) => {
        await admin.deleteRecommendation(user!, params.ref, context);
        return { status: 204 };
      },
    }),
  ];
}

/** Withdrawing a recommendation, addressing it, and withdrawing one of its assignments. */
function withdrawalRoutes(admin: RegisterAdminService, { recommendation }: Presenters): ApiRoute[] {
  return [
    defineApiRoute({
      method: 'post',
      path: routes.api.recommendationWithdrawal,
      operationId: 'withdrawRecommendation',
      summary: 'Withdraw a recommendation, with a reason',
      description:
        'It stays in the register, marked withdrawn with the date and reason; its live assignments are withdrawn with it.',
      tags: ['Recommendations'],
      auth: MANAGE,
      params: RefParam,
      body: WithdrawInput,
      errors: [409],
      responses: {
        200: { description: 'The recommendation, now withdrawn', schema: RecommendationSchema },
      },
      handler: async ({ params, body, user, context }) => {
        const { ref } = await admin.withdrawRecommendation(user!, params.ref, body, context);
        return { body: await recommendation(ref) };
      },
    }),

    defineApiRoute({
      method: 'post',
      path: routes.api.recommendationAddressees,
      operationId: 'addAddressees',
      summary: 'Address a recommendation to more organisations',
      description:
        'Name organisations by slug and/or give a kind (for example police_force) to address every organisation of that kind. Those already addressed are skipped. Due dates come from the report’s legal basis.',
      tags: ['Recommendations'],
      auth: MANAGE,
      params: RefParam,
      body: AddresseesInput,
      errors: [409],
      responses: { 200: { description: 'What was added and skipped', schema: AddresseesResult } },
      handler: async ({ params, body, user, context }) => {
        const result = await admin.addAddressees(user!, params.ref, body, context);
        return {
          body: {
            added: result.added,
            skipped: result.skipped,
            recommendation: await recommendation(result.ref),
          },
        };
      },
    }),

    defineApiRoute({
      method: 'post',
      path: routes.api.assignmentWithdrawal,
      operationId: 'withdrawAssignment',
      summary: 'Withdraw one assignment, with a reason',
      description:
        'The assignment stays in the history (listed under withdrawnAssignments) and stops counting as live.',
      tags: ['Recommendations'],
      auth: MANAGE,
      params: AssignmentIdParam,
      body: WithdrawInput,
      errors: [409],
      responses: {
        200: { description: 'The recommendation it belongs to', schema: RecommendationSchema },
      },
      handler: async ({ params, body, user, context }) => {
        const { ref } = await admin.withdrawAssignment(user!, params.id, body, context);
        return { body: await recommendation(ref) };
      },
    }),
  ];
}

/** Adding and changing an organisation. */
function organisationRoutes(admin: RegisterAdminService, { organisation }: Presenters): ApiRoute[] {
  return [
    defineApiRoute({
      method: 'post',
      path: routes.api.organisations,
      operationId: 'createOrganisation',
      summary: 'Add an organisation',
      tags: ['Organisations'],
      auth: MANAGE,
      body: OrganisationInput,
      errors: [409],
      responses: { 201: { description: 'The organisation as stored', schema: OrganisationSchema } },
      handler: async ({ body, user, context }) => {
        const { slug } = await admin.createOrganisation(user!, body, context);
        return {
          status: 201,
          body: await organisation(slug),
          headers: { Location: paths.api.organisation(slug) },
        };
      },
    }),

    defineApiRoute({
      method: 'put',
      path: routes.api.organisation,
      operationId: 'updateOrganisation',
      summary: 'Change an organisation',
      tags: ['Organisations'],
      auth: MANAGE,
      params: SlugParam,
      body: OrganisationInput,
      errors: [409],
      responses: { 200: { description: 'The organisation as stored', schema: OrganisationSchema } },
      handler: async ({ params, body, user, context }) => {
        const { slug } = await admin.updateOrganisation(user!, params.slug, body, context);
        return { body: await organisation(slug) };
      },
    }),
  ];
}
