/**
 * HTTP for a person's own account: the account page, changing the password, and two-factor
 * authentication (set up, new recovery codes, turn off). Forms re-render with a GOV.UK error
 * summary; nothing typed in a password or code field is ever sent back.
 */
import type { Request, Response } from 'express';
import QRCode from 'qrcode';
import type { Config } from '../../config';
import { londonDate } from '../../shared/calendar-date';
import type { FieldError } from '../../shared/errors';
import { setSessionCookie } from '../../shared/middleware/session';
import { paths } from '../../shared/paths';
import type { AccountService } from './account.service';
import { ACCOUNT_FORMS, ACCOUNT_MESSAGES, type AccountForm } from './account.schemas';
import { requestContext } from './accounts.controller';
import { ROLE_LABELS, ROLES_REQUIRING_TWO_FACTOR, type CurrentUser } from './accounts.types';
import { MIN_PASSWORD_LENGTH } from './password';
import { authorise } from './policy';
import { errorSummary } from '../../shared/form-errors';

/** The account pages' addresses. (Candidates for src/shared/paths.ts.) */
export const accountPaths = {
  index: () => paths.account.index(),
  password: () => '/account/password',
  twoFactor: () => paths.account.enrolTwoFactor(),
  recoveryCodes: () => '/account/two-factor/recovery-codes',
  disableTwoFactor: () => '/account/two-factor/disable',
} as const;

/**
 * Checks a form; on failure, one message per field (shown at `fieldIds`' id where the page's id
 * differs), in the order the fields appear on the page. A field the form does not have is reported
 * on the first field.
 */
function readForm<T>(
  { check, fields }: AccountForm<T>,
  body: unknown,
  fieldIds: Record<string, string> = {},
): { ok: true; form: T } | { ok: false; errors: FieldError[] } {
  const data = { ...(body as Record<string, unknown> | undefined) };
  const found = check.errors(data);
  if (!found.length) return { ok: true, form: data as T };
  const idOf = (f: string) => fieldIds[f] ?? f;
  const errors = found.map((e) => ({
    field: idOf(fields.includes(e.field) ? e.field : fields[0]!),
    message: e.message,
  }));
  const order = fields.map(idOf);
  const unique = errors.filter((e, i) => errors.findIndex((x) => x.field === e.field) === i);
  unique.sort((a, b) => order.indexOf(a.field) - order.indexOf(b.field));
  return { ok: false, errors: unique };
}

const waitMessage = (minutes: number) =>
  `Too many attempts. Wait ${minutes} ${minutes === 1 ? 'minute' : 'minutes'} and try again.`;

/** Banners shown on the account page after a change (the key comes from our own redirect). */
const UPDATES: Record<string, string> = {
  password: 'Your password has been changed. You have been signed out everywhere else.',
  'two-factor-off': 'Two-factor authentication is now off.',
};

const ACCOUNT_BREADCRUMBS = [
  { text: 'Your workspace', href: paths.workspace() },
  { text: 'Your account', href: accountPaths.index() },
];

// --- who may use these pages ---------------------------------------------------------------------

const isEnrolling = (req: Request) =>
  Boolean(req.pendingUser && req.trackerSession?.state === 'enrol_required');

/** The signed-in user; otherwise redirects (to set up two-factor, or to sign in) and returns null. */
function signedInUser(req: Request, res: Response): CurrentUser | null {
  if (req.user && req.trackerSession) {
    authorise(req.user, 'account.manage');
    return req.user;
  }
  res.redirect(303, isEnrolling(req) ? accountPaths.twoFactor() : paths.signIn.form());
  return null;
}

/** As signedInUser, but also someone who must set up two-factor before anything else. */
function enrollingOrSignedInUser(req: Request, res: Response): CurrentUser | null {
  const user = req.user ?? (isEnrolling(req) ? req.pendingUser : null);
  if (!user || !req.trackerSession) {
    res.redirect(303, paths.signIn.form());
    return null;
  }
  authorise(user, 'account.manage');
  return user;
}

/** The QR code as inline SVG (paths only: no script, no style), labelled for screen readers. */
async function qrCodeSvg(uri: string): Promise<string> {
  const svg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 4 });
  return svg.replace(
    /^<svg /,
    '<svg role="img" aria-label="QR code for setting up two-factor authentication in your authenticator app" width="200" height="200" focusable="false" ',
  );
}

/** 'JBSWY3DPEHPK3PXP…' as 'JBSW Y3DP EHPK 3PXP …', easier to type. */
const inGroupsOf4 = (secret: string) => (secret.match(/.{1,4}/g) ?? []).join(' ');

export function createAccountController(account: AccountService, config: Config) {
  async function renderAccount(res: Response, user: CurrentUser, update: string | null) {
    const summary = await account.summary(user.id);
    if (!summary) return res.redirect(303, paths.signIn.form());
    res.render('accounts/account', {
      pageTitle: 'Your account',
      summary,
      roleLabel: ROLE_LABELS[summary.role],
      passwordChangedOn: summary.passwordChangedAt ? londonDate(summary.passwordChangedAt) : null,
      update,
      breadcrumbs: [{ text: 'Your workspace', href: paths.workspace() }],
      links: { password: accountPaths.password(), twoFactor: accountPaths.twoFactor() },
    });
  }

  function renderChangePassword(res: Response, status: number, errors: FieldError[] = []) {
    res.status(status).render('accounts/change-password', {
      pageTitle: errors.length ? 'Error: Change your password' : 'Change your password',
      minLength: MIN_PASSWORD_LENGTH,
      action: accountPaths.password(),
      cancelHref: accountPaths.index(),
      breadcrumbs: ACCOUNT_BREADCRUMBS,
      ...errorSummary(errors),
    });
  }

  async function renderEnrol(
    req: Request,
    res: Response,
    user: CurrentUser,
    status: number,
    errors: FieldError[] = [],
  ) {
    const started = await account.startEnrolment({
      user,
      sessionId: req.trackerSession!.id,
      context: requestContext(req),
    });
    if (started.kind === 'already_enabled') return res.redirect(303, accountPaths.twoFactor());
    res.set('Cache-Control', 'no-store');
    res.status(status).render('accounts/enrol-two-factor', {
      pageTitle: errors.length
        ? 'Error: Set up two-factor authentication'
        : 'Set up two-factor authentication',
      qrSvg: await qrCodeSvg(started.uri),
      secretGroups: inGroupsOf4(started.secret),
      enrolling: isEnrolling(req),
      action: accountPaths.twoFactor(),
      cancelHref: accountPaths.index(),
      breadcrumbs: req.user ? ACCOUNT_BREADCRUMBS : null,
      ...errorSummary(errors),
    });
  }

  /**
   * The answer a two-factor form gets when its password check did not let it through (not set up,
   * too many attempts, wrong password); false when it did.
   */
  async function refusedAfterPassword(
    res: Response,
    user: CurrentUser,
    field: string,
    outcome: { kind: string; retryAfterMinutes?: number },
  ): Promise<boolean> {
    if (outcome.kind === 'not_enabled') res.redirect(303, accountPaths.twoFactor());
    else if (outcome.kind === 'throttled') {
      const minutes = outcome.retryAfterMinutes!;
      res.set('Retry-After', String(minutes * 60));
      await renderManage(res, user, 429, [{ field, message: waitMessage(minutes) }]);
    } else if (outcome.kind === 'wrong_password')
      await renderManage(res, user, 400, [{ field, message: ACCOUNT_MESSAGES.passwordWrong }]);
    else return false;
    return true;
  }

  async function renderManage(
    res: Response,
    user: CurrentUser,
    status: number,
    errors: FieldError[] = [],
  ) {
    const summary = await account.summary(user.id);
    if (!summary) return res.redirect(303, paths.signIn.form());
    res.status(status).render('accounts/account-two-factor', {
      pageTitle: errors.length ? 'Error: Two-factor authentication' : 'Two-factor authentication',
      summary,
      roleLabel: ROLE_LABELS[summary.role],
      recoveryCodesAction: accountPaths.recoveryCodes(),
      disableAction: accountPaths.disableTwoFactor(),
      breadcrumbs: ACCOUNT_BREADCRUMBS,
      ...errorSummary(errors),
    });
  }

  function renderRecoveryCodes(
    res: Response,
    codes: string[],
    next: { href: string; text: string },
  ) {
    res.set('Cache-Control', 'no-store');
    res.render('accounts/recovery-codes', {
      pageTitle: 'Save your recovery codes',
      codes,
      next,
    });
  }

  return {
    async show(req: Request, res: Response) {
      const user = signedInUser(req, res);
      if (!user) return;
      const key = typeof req.query.updated === 'string' ? req.query.updated : '';
      await renderAccount(res, user, Object.hasOwn(UPDATES, key) ? UPDATES[key]! : null);
    },

    showChangePassword(req: Request, res: Response) {
      if (!signedInUser(req, res)) return;
      renderChangePassword(res, 200);
    },

    async changePassword(req: Request, res: Response) {
      const user = signedInUser(req, res);
      if (!user) return;
      const read = readForm(ACCOUNT_FORMS.changePassword, req.body);
      if (!read.ok) return renderChangePassword(res, 400, read.errors);
      const outcome = await account.changePassword({
        user,
        sessionId: req.trackerSession!.id,
        currentPassword: read.form.currentPassword,
        newPassword: read.form.newPassword,
        confirmPassword: read.form.confirmPassword,
        context: requestContext(req),
      });
      if (outcome.kind === 'throttled') {
        res.set('Retry-After', String(outcome.retryAfterMinutes * 60));
        return renderChangePassword(res, 429, [
          { field: 'currentPassword', message: waitMessage(outcome.retryAfterMinutes) },
        ]);
      }
      if (outcome.kind === 'invalid') return renderChangePassword(res, 400, outcome.errors);
      res.redirect(303, `${accountPaths.index()}?updated=password`);
    },

    async showTwoFactor(req: Request, res: Response) {
      const user = enrollingOrSignedInUser(req, res);
      if (!user) return;
      if (!user.twoFactorEnabled) return renderEnrol(req, res, user, 200);
      // Two-factor is on but this session still had to enrol: it began before, so start again.
      if (!req.user) return res.redirect(303, paths.signIn.form());
      await renderManage(res, user, 200);
    },

    async enrolTwoFactor(req: Request, res: Response) {
      const user = enrollingOrSignedInUser(req, res);
      if (!user) return;
      const read = readForm(ACCOUNT_FORMS.enrol, req.body);
      if (!read.ok) return renderEnrol(req, res, user, 400, read.errors);
      const outcome = await account.completeEnrolment({
        user,
        session: req.trackerSession!,
        code: read.form.code,
        context: requestContext(req),
      });
      if (outcome.kind === 'refused')
        return renderEnrol(req, res, user, 400, [
          { field: 'code', message: ACCOUNT_MESSAGES.codeWrong },
        ]);
      if (outcome.kind !== 'enabled') return res.redirect(303, accountPaths.twoFactor());
      if (outcome.newSession) {
        setSessionCookie(res, config, outcome.newSession.token);
        req.trackerSession = outcome.newSession.session;
        req.user = { ...user, twoFactorEnabled: true };
        req.pendingUser = null;
        res.locals.user = req.user;
        res.locals.csrfToken = outcome.newSession.session.csrfToken;
      }
      renderRecoveryCodes(
        res,
        outcome.recoveryCodes,
        outcome.newSession
          ? { href: paths.workspace(), text: 'Continue to your workspace' }
          : { href: accountPaths.index(), text: 'Return to your account' },
      );
    },

    async regenerateRecoveryCodes(req: Request, res: Response) {
      const user = signedInUser(req, res);
      if (!user) return;
      const field = 'recoveryPassword';
      const read = readForm(ACCOUNT_FORMS.regenerate, req.body, { password: field });
      if (!read.ok) return renderManage(res, user, 400, read.errors);
      const outcome = await account.regenerateRecoveryCodes({
        user,
        password: read.form.password,
        context: requestContext(req),
      });
      if (await refusedAfterPassword(res, user, field, outcome)) return;
      if (outcome.kind !== 'regenerated') return;
      renderRecoveryCodes(res, outcome.recoveryCodes, {
        href: accountPaths.twoFactor(),
        text: 'Return to two-factor authentication',
      });
    },

    async disableTwoFactor(req: Request, res: Response) {
      const user = signedInUser(req, res);
      if (!user) return;
      const field = 'disablePassword';
      const refuse = () =>
        renderManage(res, user, 403, [
          { field: 'turnOffTwoFactor', message: ACCOUNT_MESSAGES.requiredForRole(user) },
        ]);
      // Refused before anything else: the page offers no such form to these roles.
      if (ROLES_REQUIRING_TWO_FACTOR.includes(user.role)) return refuse();
      const read = readForm(ACCOUNT_FORMS.disable, req.body, { password: field });
      if (!read.ok) return renderManage(res, user, 400, read.errors);
      const outcome = await account.disableTwoFactor({
        user,
        sessionId: req.trackerSession!.id,
        password: read.form.password,
        context: requestContext(req),
      });
      if (outcome.kind === 'required_for_role') return refuse();
      if (await refusedAfterPassword(res, user, field, outcome)) return;
      res.redirect(303, `${accountPaths.index()}?updated=two-factor-off`);
    },
  };
}
