/**
 * HTTP for an assignment's deadlines page (/workspace/assignments/:id/deadlines) and its forms. A
 * form with errors is shown again with the GOV.UK error summary and what was typed; nothing is
 * changed.
 */
import type { Request, Response } from 'express';
import { ValidationError, type FieldError } from '../../shared/errors';
import { paths } from '../../shared/paths';
import { formatLongDate } from '../../shared/calendar-date';
import { submitForm } from '../../shared/form-submit';
import { requestContext } from '../accounts/accounts.controller';
import type { AssignmentDeadlinesService } from './deadline-settings.service';
import { deadlinesView } from './deadline-settings.view-model';
import { formSummary, idParam, noErrors, readForm, type DateField } from './page-forms';

type FormName = 'override' | 'committed' | 'implementBy' | 'pause' | 'endPause' | 'check';
const FIELDS: Record<FormName, string[]> = {
  override: ['mode', 'dueOn', 'reason'],
  committed: ['committedOn', 'reason'],
  implementBy: ['implementBy', 'wording', 'reason'],
  pause: ['fromOn', 'toOn', 'reason'],
  endPause: ['toOn'],
  check: ['outcome', 'note', 'evidenceUpdateId'],
};

/** The dates each form takes in three boxes (src/shared/date-input.ts), in the words of its labels. */
const DATES: Record<FormName, DateField[]> = {
  override: [{ name: 'dueOn', label: 'The due date' }],
  committed: [{ name: 'committedOn', label: 'The committed date' }],
  implementBy: [{ name: 'implementBy', label: 'The target date' }],
  pause: [
    { name: 'fromOn', label: 'The day the proceedings began', required: true },
    { name: 'toOn', label: 'The day the proceedings ended' },
  ],
  endPause: [{ name: 'toOn', label: 'The day the proceedings ended', required: true }],
  check: [],
};

const NOTICES: Record<string, string> = {
  override: 'The response clock for this assignment has been set.',
  committed: 'The committed date has been saved.',
  implementBy: 'The recommendation’s own target date has been saved.',
  pause: 'The judicial review pause has been recorded.',
  endPause: 'The end of the judicial review proceedings has been recorded.',
  check: 'The outcome of the sustainment check has been recorded.',
};

interface Failed {
  form: FormName;
  values: Record<string, string>;
  errors: FieldError[];
}

/** The deadlines page, with a form that failed shown as it was typed. */
async function render(
  service: AssignmentDeadlinesService,
  req: Request,
  res: Response,
  status: number,
  failed?: Failed,
) {
  const id = idParam(req.params.id);
  const detail = await service.get(req.user!, id);
  const summary = failed
    ? formSummary(failed.form, FIELDS[failed.form], failed.errors)
    : noErrors();
  const view = deadlinesView(detail, failed ? { [failed.form]: failed.values } : {});
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

/** A form's POST: save and go back to the page, or show the page again with the errors. */
const post =
  (
    service: AssignmentDeadlinesService,
    form: FormName,
    save: (
      user: NonNullable<Request['user']>,
      id: number,
      values: Record<string, string>,
      context: ReturnType<typeof requestContext>,
    ) => Promise<unknown>,
  ) =>
  async (req: Request, res: Response) => {
    const id = idParam(req.params.id);
    const { dateErrors, values: typed } = readForm(req.body, FIELDS[form], DATES[form]);
    const values = typed();
    await submitForm(
      res,
      async () => {
        // A date typed wrongly is refused in the boxes' own words before anything is saved.
        if (dateErrors.length) throw new ValidationError(dateErrors);
        await save(req.user!, id, values, requestContext(req));
        return `${paths.assignments.deadlines(id)}?done=${form}`;
      },
      (problem) =>
        render(service, req, res, problem.status, { form, values, errors: problem.errors }),
    );
  };

/** The sustainment checks that are due or coming up, across the assignments the user may see. */
async function renderOpenChecks(service: AssignmentDeadlinesService, req: Request, res: Response) {
  const rows = await service.openChecks(req.user!);
  res.set('Cache-Control', 'no-store');
  res.render('assignment-deadlines/checks', {
    pageTitle: 'Sustainment checks',
    breadcrumbs: [{ text: 'Workspace', href: paths.workspace() }],
    checks: rows.map((r) => ({
      href: paths.assignments.deadlines(r.assignment_id),
      ref: r.ref,
      title: r.title ?? r.ref,
      organisationName: r.organisation_name,
      dueOn: formatLongDate(r.due_on),
      due: r.due,
    })),
  });
}

export function createAssignmentDeadlinesController(service: AssignmentDeadlinesService) {
  return {
    show: (req: Request, res: Response) => render(service, req, res, 200),

    setOverride: post(service, 'override', (user, id, values, ctx) =>
      service.setClockOverride(user, id, values, ctx),
    ),
    setCommittedDate: post(service, 'committed', (user, id, values, ctx) =>
      service.setCommittedDate(user, id, values, ctx),
    ),
    setImplementBy: post(service, 'implementBy', (user, id, values, ctx) =>
      service.setImplementBy(user, id, values, ctx),
    ),
    recordPause: post(service, 'pause', (user, id, values, ctx) =>
      service.recordPause(user, id, values, ctx),
    ),
    recordCheckOutcome: post(service, 'check', (user, id, values, ctx) =>
      service.recordCheckOutcome(user, id, values, ctx),
    ),
    openChecks: (req: Request, res: Response) => renderOpenChecks(service, req, res),
    endPause: async (req: Request, res: Response) => {
      const pauseId = idParam(req.params.pauseId);
      return post(service, 'endPause', (user, id, values, ctx) =>
        service.endPause(user, id, pauseId, values, ctx),
      )(req, res);
    },
  };
}
