/**
 * Feedback: the public form on each recommendation (with its thanks page) and the oversight
 * office's inbox in the workspace. The form needs a session only to carry its CSRF token, so a
 * visitor with none is given an anonymous one, as on the sign-in page.
 */
import { Router, type Request, type Response } from 'express';
import type { Config } from '../../config';
import { errorSummary } from '../../shared/form-errors';
import { ValidationError } from '../../shared/errors';
import { paths, routes } from '../../shared/paths';
import { check, compileText } from '../../shared/validation';
import { formatLongDate, londonDate } from '../../shared/calendar-date';
import { authorise, can } from '../accounts/policy';
import { ensureSession, requestContext } from '../accounts/accounts.controller';
import { recoverStaleForm } from '../../shared/middleware/csrf';
import { supportServicesView } from './support-services';
import type { SignInService } from '../accounts/sign-in.service';
import { requireSignIn } from '../accounts/workspace.routes';
import { pagination } from './register.view-model';
import {
  checkFeedbackForm,
  InboxQuery,
  StateForm,
  type FeedbackForm,
  type FeedbackState,
} from './feedback.schemas';
import {
  FEEDBACK_MAX_CHARS,
  FEEDBACK_RATE,
  type FeedbackMessage,
  type FeedbackService,
} from './feedback.service';

const validateState = compileText<StateForm>(StateForm);
const validateInbox = compileText<InboxQuery>(InboxQuery);

const STATE_TAGS: Record<FeedbackState, { text: string; classes: string }> = {
  new: { text: 'New', classes: 'govuk-tag--blue' },
  read: { text: 'Read', classes: 'govuk-tag--grey' },
  handled: { text: 'Handled', classes: 'govuk-tag--green' },
};

const when = (d: Date) =>
  `${formatLongDate(londonDate(d))} at ${d.toLocaleTimeString('en-GB', {
    timeZone: 'Europe/London',
    hour: '2-digit',
    minute: '2-digit',
  })}`;

function messageView(m: FeedbackMessage) {
  const chars = [...m.message];
  return {
    ...m,
    href: paths.feedback.message(m.id),
    recommendationHref: m.recommendationExists
      ? paths.recommendations.show(m.recommendationRef)
      : null,
    received: when(m.receivedAt),
    excerpt: chars.length > 120 ? `${chars.slice(0, 120).join('')}…` : m.message,
    tag: STATE_TAGS[m.state],
  };
}

/**
 * The form, with `message` in its box. `stale`: the visitor's earlier post was refused because its
 * session had expired or its token was stale, so the page says the message was not sent.
 */
async function renderFeedbackForm(
  deps: { feedback: FeedbackService; config: Config },
  res: Response,
  input: {
    ref: string;
    status: number;
    message: string;
    errors?: { field: string; message: string }[];
    stale?: boolean;
  },
) {
  const errors = input.errors ?? [];
  const rec = await deps.feedback.recommendation(input.ref);
  res.set('Cache-Control', 'no-store');
  res.status(input.status).render('feedback/form', {
    pageTitle: `${errors.length ? 'Error: ' : ''}${input.stale ? 'Not sent yet: ' : ''}Send feedback about ${rec.ref}`,
    recommendation: { ...rec, href: paths.recommendations.show(rec.ref) },
    action: paths.feedback.form(rec.ref),
    maxChars: FEEDBACK_MAX_CHARS.toLocaleString('en-GB'),
    values: { message: input.message },
    stale: input.stale ?? false,
    supportServices: supportServicesView(deps.config.supportServices),
    ...errorSummary(errors),
  });
}

export function createFeedbackRouter(deps: {
  feedback: FeedbackService;
  signIn: SignInService;
  config: Config;
}): Router {
  const { feedback, signIn, config } = deps;
  const router = Router();

  const renderForm = (
    ref: string,
    res: Response,
    status: number,
    message: string,
    errors: { field: string; message: string }[] = [],
  ) => renderFeedbackForm({ feedback, config }, res, { ref, status, message, errors });

  router.get(routes.feedback.form, async (req, res) => {
    await feedback.recommendation(String(req.params.ref));
    await ensureSession(req, res, signIn, config);
    await renderForm(String(req.params.ref), res, 200, '');
  });

  router.post(routes.feedback.form, async (req, res) => {
    const text = messageFrom(req);
    let form: FeedbackForm;
    try {
      // Only the message is read: any other field a client adds is ignored, not an error.
      form = checkFeedbackForm({ message: text.trim() });
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return renderForm(String(req.params.ref), res, 400, text, err.errors);
    }
    const outcome = await feedback.submit({
      ref: String(req.params.ref),
      message: form.message,
      senderAddress: requestContext(req).ip,
    });
    if (!outcome.stored) {
      res.set('Retry-After', String(outcome.retryAfterSeconds));
      const minutes = Math.ceil(outcome.retryAfterSeconds / 60);
      return renderForm(String(req.params.ref), res, 429, text, [
        {
          field: 'message',
          message: `You have sent ${FEEDBACK_RATE.perWindow} messages in the last hour, which is the most we accept. Your message has not been sent. Try again in ${minutes} ${minutes === 1 ? 'minute' : 'minutes'}; you may want to copy it first.`,
        },
      ]);
    }
    res.redirect(303, paths.feedback.sent(String(req.params.ref).toUpperCase()));
  });

  router.get(routes.feedback.sent, async (req, res) => {
    const rec = await feedback.recommendation(String(req.params.ref));
    res.render('feedback/sent', {
      pageTitle: 'Your message has been sent',
      recommendation: { ...rec, href: paths.recommendations.show(rec.ref) },
      supportServices: supportServicesView(config.supportServices),
    });
  });

  router.get(routes.feedback.inbox, requireSignIn, async (req, res) => {
    const query = check(validateInbox, { ...req.query });
    const state = query.state && query.state !== 'all' ? query.state : undefined;
    const page = query.page ?? 1;
    const result = await feedback.inbox(req.user, { state, page });
    const hrefFor = (n: number) =>
      paths.feedback.inbox({ state: query.state, page: n === 1 ? undefined : n });
    res.render('feedback/inbox', {
      pageTitle: page > 1 ? `Feedback from the public (page ${page})` : 'Feedback from the public',
      breadcrumbs: [{ text: 'Workspace', href: paths.workspace() }],
      items: result.items.map(messageView),
      total: result.total,
      filters: (['all', 'new', 'read', 'handled'] as const).map((value) => ({
        value,
        text:
          value === 'all'
            ? `All (${result.byState.new + result.byState.read + result.byState.handled})`
            : `${STATE_TAGS[value].text} (${result.byState[value]})`,
        checked: (query.state ?? 'all') === value,
      })),
      filterAction: paths.feedback.inbox(),
      pagination: pagination(page, result.pageCount, hrefFor),
    });
  });

  const renderMessage = (req: Request, res: Response, m: FeedbackMessage) =>
    res.render('feedback/message', {
      pageTitle: `Message about ${m.recommendationRef}`,
      breadcrumbs: [
        { text: 'Workspace', href: paths.workspace() },
        { text: 'Feedback from the public', href: paths.feedback.inbox() },
      ],
      m: messageView(m),
      stateAction: paths.feedback.state(m.id),
      canDecide: can(req.user, 'oversight.decide'),
      otherStates: (['read', 'handled'] as const)
        .filter((s) => s !== m.state)
        .map((s) => ({
          value: s,
          text: s === 'read' ? 'Mark as read (not yet handled)' : 'Mark as handled',
        })),
    });

  router.get(routes.feedback.message, requireSignIn, async (req, res) => {
    renderMessage(req, res, await feedback.open(req.user, idParam(req)));
  });

  router.post(routes.feedback.state, requireSignIn, async (req, res) => {
    // Permission first, so a reader who may not decide is told so, whatever they sent.
    authorise(req.user, 'oversight.decide');
    const id = idParam(req);
    const form = check(validateState, { ...req.body });
    await feedback.setState(req.user, id, form.state);
    res.redirect(303, paths.feedback.message(id));
  });

  return router;
}

/** The message as typed. Browsers send line breaks as CRLF; count them as people see them, one character each. */
function messageFrom(req: Request): string {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const raw = typeof body.message === 'string' ? body.message : '';
  return raw.replace(/\r\n/g, '\n');
}

const FORM_PATH = /^\/recommendations\/([^/]+)\/feedback$/;

/**
 * A feedback form posted with an expired session or a stale token (csrf.ts refused it) comes back
 * with the visitor's words in it, a fresh session and token, and a note asking them to check it and
 * send it again. The refused post stores nothing and does not count towards the sender's limit.
 * Mount it after the routers (it is an error handler).
 */
export function recoverStaleFeedback(deps: {
  feedback: FeedbackService;
  signIn: SignInService;
  config: Config;
}) {
  const { feedback, signIn, config } = deps;
  return recoverStaleForm(
    (req) => FORM_PATH.test(req.path),
    async (req, res) => {
      const ref = decodeURIComponent(FORM_PATH.exec(req.path)![1]!);
      // An unknown recommendation is a 404, as for any post to it, before any session is made.
      await feedback.recommendation(ref);
      await ensureSession(req, res, signIn, config);
      await renderFeedbackForm({ feedback, config }, res, {
        ref,
        status: 200,
        message: messageFrom(req),
        stale: true,
      });
    },
  );
}

function idParam(req: Request): number {
  const id = Number(req.params.id);
  if (!Number.isInteger(id) || id < 1 || id > 2147483647)
    throw new ValidationError([{ field: 'id', message: 'id must be a positive whole number' }]);
  return id;
}
