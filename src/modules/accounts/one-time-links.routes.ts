/**
 * HTTP for one-time links: first-run set-up (GET/POST /setup/:token), accepting an invitation
 * (GET/POST /invitations/:token) and resetting a password (GET/POST /reset-password/:token).
 *
 * A link that is unknown (404), expired or used (410) gets a plain page saying so, and nothing is
 * stored: not even a session. A good link's form gets a session first, so it can carry a CSRF
 * token. Pages holding a link are never cached. Passwords are never echoed back into a form.
 */
import { Router, type Request, type Response } from 'express';
import type { Config } from '../../config';
import type { FieldError } from '../../shared/errors';
import { paths, routes } from '../../shared/paths';
import {
  checkNewPasswordForm,
  checkSetupForm,
  type NewPasswordForm,
  type SetupForm,
} from './one-time-links.schemas';
import { ensureSession, requestContext } from './accounts.controller';
import { ROLE_LABELS } from './accounts.types';
import {
  newPasswordErrors,
  type LinkCheck,
  type LinkOutcome,
  type LinkProblem,
  type LinkPurpose,
  type OneTimeLinksService,
} from './one-time-links.service';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from './password';
import type { SignInService } from './sign-in.service';
import { errorSummary } from '../../shared/form-errors';
import { asText, pickFields } from '../../shared/form-input';
import { PROBLEM_STATUS, PROBLEM_TEXT } from './one-time-links.view-model';

const FIELD_ORDER = ['name', 'email', 'password', 'confirmPassword'];

// --- the page for a link that cannot be used --------------------------------------------------

function noStore(res: Response): void {
  res.set('Cache-Control', 'no-store');
}

function renderProblem(res: Response, purpose: LinkPurpose, problem: LinkProblem): void {
  const { title, body } = PROBLEM_TEXT[purpose][problem];
  noStore(res);
  res.status(PROBLEM_STATUS[problem]).render('accounts/link-problem', {
    pageTitle: title,
    title,
    body,
    signInHref: problem === 'used' || problem === 'closed' ? paths.signIn.form() : null,
  });
}

// --- controller --------------------------------------------------------------------------------

export function createOneTimeLinksController(
  links: OneTimeLinksService,
  signIn: SignInService,
  config: Config,
) {
  const passwordRules = {
    minPasswordLength: MIN_PASSWORD_LENGTH,
    maxPasswordLength: MAX_PASSWORD_LENGTH,
  };
  const tokenOf = (req: Request) => String(req.params.token ?? '');

  /** Shows a form for a good link (after making sure there is a session), or the problem page. */
  async function showForm<T>(
    req: Request,
    res: Response,
    purpose: LinkPurpose,
    checked: LinkCheck<T>,
    render: (link: T) => void,
  ) {
    if (!checked.ok) return renderProblem(res, purpose, checked.problem);
    await ensureSession(req, res, signIn, config);
    noStore(res);
    render(checked.link);
  }

  /** After a POST: the problem page, the form again with errors (400), or on to `done`. */
  function afterPost(
    res: Response,
    purpose: LinkPurpose,
    outcome: LinkOutcome,
    rerender: (errors: FieldError[]) => void,
    done: string,
  ) {
    if (outcome.kind === 'problem') return renderProblem(res, purpose, outcome.problem);
    if (outcome.kind === 'invalid') return rerender(outcome.errors);
    res.redirect(303, done);
  }

  // set-up

  const renderSetup = (
    res: Response,
    token: string,
    status: number,
    values: { name?: string; email?: string },
    errors: FieldError[] = [],
  ) => {
    noStore(res);
    res.status(status).render('accounts/setup', {
      pageTitle: `${errors.length ? 'Error: ' : ''}Create the first administrator account`,
      action: paths.links.setup(token),
      values,
      ...passwordRules,
      ...errorSummary(errors, FIELD_ORDER),
    });
  };

  // invitation

  const renderInvitation = (
    res: Response,
    token: string,
    status: number,
    invitation: { name: string; email: string; role: keyof typeof ROLE_LABELS },
    organisationName: string | null,
    errors: FieldError[] = [],
  ) => {
    noStore(res);
    res.status(status).render('accounts/accept-invitation', {
      pageTitle: `${errors.length ? 'Error: ' : ''}Create your account`,
      action: paths.links.invitation(token),
      invitation: {
        name: invitation.name,
        email: invitation.email,
        roleLabel: ROLE_LABELS[invitation.role],
        organisationName,
      },
      ...passwordRules,
      ...errorSummary(errors, FIELD_ORDER),
    });
  };

  // reset

  const renderReset = (
    res: Response,
    token: string,
    status: number,
    user: { email: string },
    errors: FieldError[] = [],
  ) => {
    noStore(res);
    res.status(status).render('accounts/reset-password', {
      pageTitle: `${errors.length ? 'Error: ' : ''}Choose a new password`,
      action: paths.links.resetPassword(token),
      email: user.email,
      ...passwordRules,
      ...errorSummary(errors, FIELD_ORDER),
    });
  };

  return {
    async showSetup(req: Request, res: Response) {
      const token = tokenOf(req);
      await showForm(req, res, 'setup', await links.checkSetup(token), () =>
        renderSetup(res, token, 200, {}),
      );
    },

    async setup(req: Request, res: Response) {
      const token = tokenOf(req);
      const form = pickFields(
        req.body,
        ['name', 'email', 'password', 'confirmPassword'],
        ['name', 'email'],
      );
      const values = { name: asText(form.name), email: asText(form.email) };
      const errors = checkSetupForm.errors(form);
      if (errors.length) {
        const checked = await links.checkSetup(token);
        if (!checked.ok) return renderProblem(res, 'setup', checked.problem);
        if (!errors.some((e) => e.field === 'password' || e.field === 'confirmPassword'))
          errors.push(
            ...newPasswordErrors(asText(form.password), asText(form.confirmPassword), {
              email: values.email,
              name: values.name,
              otherWords: [config.serviceName],
            }),
          );
        return renderSetup(res, token, 400, values, errors);
      }
      const valid = form as SetupForm;
      const outcome = await links.completeSetup({
        token,
        name: valid.name,
        email: valid.email,
        password: valid.password,
        confirmPassword: valid.confirmPassword,
        context: requestContext(req),
      });
      afterPost(
        res,
        'setup',
        outcome,
        (errs) => renderSetup(res, token, 400, values, errs),
        paths.links.setupComplete(),
      );
    },

    setupComplete(_req: Request, res: Response) {
      res.render('accounts/setup', {
        pageTitle: 'Administrator account created',
        done: true,
        signInHref: paths.signIn.form(),
      });
    },

    async showInvitation(req: Request, res: Response) {
      const token = tokenOf(req);
      await showForm(req, res, 'invitation', await links.checkInvitation(token), (invitation) =>
        renderInvitation(res, token, 200, invitation, invitation.organisationName),
      );
    },

    async acceptInvitation(req: Request, res: Response) {
      const token = tokenOf(req);
      const checked = await links.checkInvitation(token);
      if (!checked.ok) return renderProblem(res, 'invitation', checked.problem);
      const invitation = checked.link;
      const rerender = (errors: FieldError[]) =>
        renderInvitation(res, token, 400, invitation, invitation.organisationName, errors);
      const form = pickFields(req.body, ['password', 'confirmPassword']);
      const errors = checkNewPasswordForm.errors(form);
      if (errors.length) return rerender(errors);
      const valid = form as NewPasswordForm;
      const outcome = await links.acceptInvitation({
        token,
        password: valid.password,
        confirmPassword: valid.confirmPassword,
        context: requestContext(req),
      });
      afterPost(res, 'invitation', outcome, rerender, paths.links.invitationAccepted());
    },

    invitationAccepted(_req: Request, res: Response) {
      res.render('accounts/accept-invitation', {
        pageTitle: 'Your account has been created',
        done: true,
        signInHref: paths.signIn.form(),
      });
    },

    async showReset(req: Request, res: Response) {
      const token = tokenOf(req);
      await showForm(req, res, 'password_reset', await links.checkReset(token), (link) =>
        renderReset(res, token, 200, link),
      );
    },

    async resetPassword(req: Request, res: Response) {
      const token = tokenOf(req);
      const checked = await links.checkReset(token);
      if (!checked.ok) return renderProblem(res, 'password_reset', checked.problem);
      const rerender = (errors: FieldError[]) => renderReset(res, token, 400, checked.link, errors);
      const form = pickFields(req.body, ['password', 'confirmPassword']);
      const errors = checkNewPasswordForm.errors(form);
      if (errors.length) return rerender(errors);
      const valid = form as NewPasswordForm;
      const outcome = await links.resetPassword({
        token,
        password: valid.password,
        confirmPassword: valid.confirmPassword,
        context: requestContext(req),
      });
      afterPost(res, 'password_reset', outcome, rerender, paths.links.resetPasswordComplete());
    },

    resetComplete(_req: Request, res: Response) {
      res.render('accounts/reset-password', {
        pageTitle: 'Your password has been changed',
        done: true,
        signInHref: paths.signIn.form(),
      });
    },
  };
}

export function createOneTimeLinksRouter(
  links: OneTimeLinksService,
  signIn: SignInService,
  config: Config,
): Router {
  const c = createOneTimeLinksController(links, signIn, config);
  const router = Router();
  // The fixed pages first, so they are not read as tokens.
  router.get(routes.setupComplete, c.setupComplete);
  router.get(routes.invitationAccepted, c.invitationAccepted);
  router.get(routes.resetPasswordComplete, c.resetComplete);
  router.get(routes.setup, c.showSetup);
  router.post(routes.setup, c.setup);
  router.get(routes.invitation, c.showInvitation);
  router.post(routes.invitation, c.acceptInvitation);
  router.get(routes.resetPassword, c.showReset);
  router.post(routes.resetPassword, c.resetPassword);
  return router;
}
