/**
 * HTTP for taking things out of the register: withdrawing a recommendation or one addressee's
 * assignment (they stay, marked as withdrawn), and deleting a recommendation that has no activity.
 */
import type { Request, Response } from 'express';
import { NotFoundError } from '../../shared/errors';
import { errorSummary } from '../../shared/form-errors';
import { asText } from '../../shared/form-input';
import { submitForm, validationProblem, type FormProblem } from '../../shared/form-submit';
import { paths } from '../../shared/paths';
import { requestContext } from '../accounts/accounts.controller';
import { compileText } from '../../shared/validation';
import { AssignmentIdParam } from './register-admin.schemas';
import type { RegisterAdminService } from './register-admin.service';
import { noStore, actor, param, FRESH, adminCrumbs } from './register-admin.forms';

const validateAssignmentId = compileText<AssignmentIdParam>(AssignmentIdParam);

export function createWithdrawalsController(service: RegisterAdminService) {
  async function renderWithdraw(
    req: Request,
    res: Response,
    options: {
      heading: string;
      intro: string;
      action: string;
      back: { text: string; href: string };
      reason?: string;
    },
    { status, errors }: FormProblem = FRESH,
  ) {
    noStore(res);
    res.status(status).render('register-admin/withdraw', {
      pageTitle: `${errors.length ? 'Error: ' : ''}${options.heading}`,
      breadcrumbs: [...adminCrumbs(), options.back],
      ...options,
      values: { reason: options.reason ?? '' },
      ...errorSummary(errors, ['reason']),
    });
  }

  async function assignmentTarget(req: Request) {
    const params: Record<string, unknown> = { id: req.params.id };
    if (!validateAssignmentId(params))
      throw new NotFoundError('There is no assignment with that id.');
    const id = (params as AssignmentIdParam).id;
    return service.assignment(actor(req), id);
  }

  return {
    async showWithdrawRecommendation(req: Request, res: Response) {
      const page = await service.recommendation(actor(req), param(req, 'ref').toUpperCase());
      await renderWithdraw(req, res, withdrawRecommendationOptions(page.recommendation.ref));
    },

    async withdrawRecommendation(req: Request, res: Response) {
      const ref = param(req, 'ref').toUpperCase();
      const reason = asText((req.body as Record<string, unknown>)?.reason);
      await submitForm(
        res,
        async () => {
          await service.withdrawRecommendation(actor(req), ref, { reason }, requestContext(req));
          return paths.admin.recommendation(ref, { done: 'withdrawn' });
        },
        async (problem) => {
          await service.recommendation(actor(req), ref);
          await renderWithdraw(
            req,
            res,
            { ...withdrawRecommendationOptions(ref), reason },
            problem,
          );
        },
        validationProblem,
      );
    },

    async showDeleteRecommendation(req: Request, res: Response) {
      const page = await service.recommendation(actor(req), param(req, 'ref').toUpperCase());
      noStore(res);
      res.render('register-admin/delete', {
        pageTitle: `Delete recommendation ${page.recommendation.ref}`,
        breadcrumbs: [
          ...adminCrumbs(),
          {
            text: page.recommendation.ref,
            href: paths.admin.recommendation(page.recommendation.ref),
          },
        ],
        ref: page.recommendation.ref,
        canDelete: !page.hasActivity,
        action: paths.admin.deleteRecommendation(page.recommendation.ref),
        withdrawHref: paths.admin.withdrawRecommendation(page.recommendation.ref),
        backHref: paths.admin.recommendation(page.recommendation.ref),
      });
    },

    async deleteRecommendation(req: Request, res: Response) {
      const { reportSlug } = await service.deleteRecommendation(
        actor(req),
        param(req, 'ref').toUpperCase(),
        requestContext(req),
      );
      res.redirect(303, paths.admin.report(reportSlug, { done: 'deleted' }));
    },

    async showWithdrawAssignment(req: Request, res: Response) {
      const a = await assignmentTarget(req);
      await renderWithdraw(req, res, withdrawAssignmentOptions(a));
    },

    async withdrawAssignment(req: Request, res: Response) {
      const a = await assignmentTarget(req);
      const reason = asText((req.body as Record<string, unknown>)?.reason);
      await submitForm(
        res,
        async () => {
          const { ref } = await service.withdrawAssignment(
            actor(req),
            a.id,
            { reason },
            requestContext(req),
          );
          return `${paths.admin.recommendation(ref, { done: 'withdrawn' })}#addressees`;
        },
        (problem) => renderWithdraw(req, res, { ...withdrawAssignmentOptions(a), reason }, problem),
        validationProblem,
      );
    },
  };
}

function withdrawRecommendationOptions(ref: string) {
  return {
    heading: `Withdraw recommendation ${ref}`,
    intro:
      'The recommendation stays in the register, marked as withdrawn with your reason, and everyone it is addressed to is withdrawn with it. Use this when it should not have been entered, or was entered twice.',
    action: paths.admin.withdrawRecommendation(ref),
    back: { text: ref, href: paths.admin.recommendation(ref) },
  };
}

function withdrawAssignmentOptions(a: {
  id: number;
  organisation_name: string;
  recommendation_ref: string;
}) {
  return {
    heading: `Withdraw ${a.recommendation_ref} from ${a.organisation_name}`,
    intro: `The entry stays in the recommendation’s history, shown as withdrawn with your reason. It no longer counts in the figures, overdue lists or filters.`,
    action: paths.admin.withdrawAssignment(a.id),
    back: { text: a.recommendation_ref, href: paths.admin.recommendation(a.recommendation_ref) },
  };
}
