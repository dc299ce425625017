/**
 * HTTP for an assignment's deadlines page (/workspace/assignments/:id/deadlines) and its forms. A
 * form with errors is shown again with the GOV.UK error summary and what was typed; nothing is
 * changed.
 */
import type { Request, Response } from 'express';
import { NotFoundError, type FieldError } from '../../shared/errors';
import { paths } from '../../shared/paths';
import { errorSummary } from '../../shared/form-errors';
import { asText, pickFields } from '../../shared/form-input';
import { submitForm } from '../../shared/form-submit';
import { requestContext } from '../accounts/accounts.controller';
import type { AssignmentDeadlinesService } from './assignment-deadlines.service';
import { deadlinesView } from './assignment-deadlines.view-model';

type FormName = 'override';
const FIELDS: Record<FormName, string[]> = { override: ['mode', 'dueOn', 'reason'] };

const NOTICES: Record<string, string> = {
  override: 'The response clock for this assignment has been set.',
};

function idParam(value: unknown): number {
  const n = typeof value === 'string' && /^[1-9][0-9]{0,9}$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n > 2147483647) throw new NotFoundError();
  return n;
}

const textValues = (picked: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(picked).map(([k, v]) => [k, asText(v)]));

interface Failed {
  form: FormName;
  values: Record<string, string>;
  errors: FieldError[];
}

export function createAssignmentDeadlinesController(service: AssignmentDeadlinesService) {
  async function render(req: Request, res: Response, status: number, failed?: Failed) {
    const id = idParam(req.params.id);
    const detail = await service.get(req.user!, id);
    const summary = failed
      ? errorSummary(
          failed.errors.map((e) => ({ field: `${failed.form}-${e.field}`, message: e.message })),
          FIELDS[failed.form].map((f) => `${failed.form}-${f}`),
        )
      : { errorList: [], errors: {} };
    const view = deadlinesView(detail, {
      override: failed?.form === 'override' ? failed.values : undefined,
    });
    res.set('Cache-Control', 'no-store');
    res.status(status).render('assignment-deadlines/show', {
      pageTitle: `${summary.errorList.length ? 'Error: ' : ''}Deadlines: ${detail.ref}, ${detail.organisation.name}`,
      breadcrumbs: [
        { text: 'Workspace', href: paths.workspace() },
        { text: 'My recommendations', href: paths.assignments.index() },
        { text: `${detail.ref}: ${detail.organisation.name}`, href: paths.assignments.show(id) },
      ],
      d: view,
      notice: status === 200 ? NOTICES[String(req.query.done ?? '')] : undefined,
      ...summary,
    });
  }

  return {
    show: (req: Request, res: Response) => render(req, res, 200),

    setOverride: async (req: Request, res: Response) => {
      const id = idParam(req.params.id);
      const values = textValues(pickFields(req.body, FIELDS.override, ['dueOn']));
      await submitForm(
        res,
        async () => {
          await service.setClockOverride(req.user!, id, values, requestContext(req));
          return `${paths.assignments.deadlines(id)}?done=override`;
        },
        (problem) =>
          render(req, res, problem.status, { form: 'override', values, errors: problem.errors }),
      );
    },
  };
}
