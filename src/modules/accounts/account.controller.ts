/**
 * HTTP for a person's own account: the account page, changing the password, and two-factor
 * authentication (set up, new recovery codes, turn off). Forms re-render with a GOV.UK error
 * summary; nothing typed in a password or code field is ever sent back.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { ValidateFunction } from 'ajv';
import type { Request, Response } from 'express';
import QRCode from 'qrcode';
import type { Config } from '../../config';
import { londonDate } from '../../shared/calendar-date';
import { ValidationError, type FieldError } from '../../shared/errors';
import { setSessionCookie } from '../../shared/middleware/session';
import { paths } from '../../shared/paths';
import { check, compileText } from '../../shared/validation';
import { PASSWORD_CHANGE_MESSAGES, type AccountService } from './account.service';
import { requestContext } from './accounts.controller';
import { ROLE_LABELS, ROLES_REQUIRING_TWO_FACTOR, type CurrentUser } from './accounts.types';
import { MIN_PASSWORD_LENGTH, PASSWORD_PROBLEMS } from './password';
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

// --- forms -------------------------------------------------------------------------------------

const Csrf = Type.Optional(Type.String({ maxLength: 200 }));
const Password = (description: string) =>
  Type.String({ minLength: 1, maxLength: 1024, description });

export const ChangePasswordForm = Type.Object(
  {
    currentPassword: Password('your current password'),
    newPassword: Password('a new password'),
    confirmPassword: Password('the new password again'),
    _csrf: Csrf,
  },
  { additionalProperties: false },
);
export type ChangePasswordForm = Static<typeof ChangePasswordForm>;

export const EnrolTwoFactorForm = Type.Object(
  {
    code: Type.String({ minLength: 1, maxLength: 64, description: 'the 6-digit code' }),
    _csrf: Csrf,
  },
  { additionalProperties: false },
);
export type EnrolTwoFactorForm = Static<typeof EnrolTwoFactorForm>;

export const RegenerateRecoveryCodesForm = Type.Object(
  { password: Password('your password'), _csrf: Csrf },
  { additionalProperties: false },
);
export type RegenerateRecoveryCodesForm = Static<typeof RegenerateRecoveryCodesForm>;

export const DisableTwoFactorForm = Type.Object(
  { password: Password('your password'), _csrf: Csrf },
  { additionalProperties: false },
);
export type DisableTwoFactorForm = Static<typeof DisableTwoFactorForm>;

const validateChangePassword = compileText<ChangePasswordForm>(ChangePasswordForm);
const validateEnrol = compileText<EnrolTwoFactorForm>(EnrolTwoFactorForm);
const validateRegenerate = compileText<RegenerateRecoveryCodesForm>(RegenerateRecoveryCodesForm);
const validateDisable = compileText<DisableTwoFactorForm>(DisableTwoFactorForm);

const FORM_NOT_RECOGNISED = 'The form was not recognised. Reload the page and try again';

/** Checks a form; on failure, one message per field from `messages` (keyed by field name). */
function readForm<T>(
  validate: ValidateFunction<T>,
  body: unknown,
  messages: Record<string, { missing: string; tooLong?: string }>,
  fieldIds: Record<string, string> = {},
): { ok: true; form: T } | { ok: false; errors: FieldError[] } {
  const data = { ...(body as Record<string, unknown> | undefined) };
  try {
    return { ok: true, form: check(validate, data) };
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    const fields = Object.keys(messages);
    const errors = err.errors.map((e) => {
      const known = messages[e.field];
      const value = data[e.field];
      const id = fieldIds[e.field] ?? e.field;
      if (!known)
        return { field: fieldIds[fields[0]!] ?? fields[0]!, message: FORM_NOT_RECOGNISED };
      const tooLong = typeof value === 'string' && value.length > 0 && known.tooLong;
      return { field: id, message: tooLong || known.missing };
    });
    // One message per field, in the order the fields appear on the page.
    const order = fields.map((f) => fieldIds[f] ?? f);
    const unique = errors.filter((e, i) => errors.findIndex((x) => x.field === e.field) === i);
    unique.sort((a, b) => order.indexOf(a.field) - order.indexOf(b.field));
    return { ok: false, errors: unique };
  }
}

const waitMessage = (minutes: number) =>
  `Too many attempts. Wait ${minutes} ${minutes === 1 ? 'minute' : 'minutes'} and try again.`;

const MESSAGES = {
  codeMissing: 'Enter the 6-digit code from your authenticator app',
  codeWrong:
    'The code is not correct. Enter the 6-digit code your authenticator app shows now for this service',
  passwordMissing: 'Enter your password',
  passwordWrong: 'Your password is not correct',
  requiredForRole: (user: CurrentUser) =>
    `You cannot turn off two-factor authentication. It is required for your role (${ROLE_LABELS[user.role]}).`,
};

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
      const read = readForm<ChangePasswordForm>(validateChangePassword, req.body, {
        currentPassword: {
          missing: 'Enter your current password',
          tooLong: PASSWORD_CHANGE_MESSAGES.wrongCurrent,
        },
        newPassword: { missing: 'Enter a new password', tooLong: PASSWORD_PROBLEMS.tooLong },
        confirmPassword: {
          missing: 'Enter your new password again',
          tooLong: PASSWORD_PROBLEMS.tooLong,
        },
      });
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
      const read = readForm<EnrolTwoFactorForm>(validateEnrol, req.body, {
        code: { missing: MESSAGES.codeMissing, tooLong: MESSAGES.codeWrong },
      });
      if (!read.ok) return renderEnrol(req, res, user, 400, read.errors);
      const outcome = await account.completeEnrolment({
        user,
        session: req.trackerSession!,
        code: read.form.code,
        context: requestContext(req),
      });
      if (outcome.kind === 'refused')
        return renderEnrol(req, res, user, 400, [{ field: 'code', message: MESSAGES.codeWrong }]);
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
      const read = readForm<RegenerateRecoveryCodesForm>(
        validateRegenerate,
        req.body,
        { password: { missing: MESSAGES.passwordMissing, tooLong: MESSAGES.passwordWrong } },
        { password: field },
      );
      if (!read.ok) return renderManage(res, user, 400, read.errors);
      const outcome = await account.regenerateRecoveryCodes({
        user,
        password: read.form.password,
        context: requestContext(req),
      });
      if (outcome.kind === 'not_enabled') return res.redirect(303, accountPaths.twoFactor());
      if (outcome.kind === 'throttled') {
        res.set('Retry-After', String(outcome.retryAfterMinutes * 60));
        return renderManage(res, user, 429, [
          { field, message: waitMessage(outcome.retryAfterMinutes) },
        ]);
      }
      if (outcome.kind === 'wrong_password')
        return renderManage(res, user, 400, [{ field, message: MESSAGES.passwordWrong }]);
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
          { field: 'turnOffTwoFactor', message: MESSAGES.requiredForRole(user) },
        ]);
      // Refused before anything else: the page offers no such form to these roles.
      if (ROLES_REQUIRING_TWO_FACTOR.includes(user.role)) return refuse();
      const read = readForm<DisableTwoFactorForm>(
        validateDisable,
        req.body,
        { password: { missing: MESSAGES.passwordMissing, tooLong: MESSAGES.passwordWrong } },
        { password: field },
      );
      if (!read.ok) return renderManage(res, user, 400, read.errors);
      const outcome = await account.disableTwoFactor({
        user,
        sessionId: req.trackerSession!.id,
        password: read.form.password,
        context: requestContext(req),
      });
      if (outcome.kind === 'required_for_role') return refuse();
      if (outcome.kind === 'not_enabled') return res.redirect(303, accountPaths.twoFactor());
      if (outcome.kind === 'throttled') {
        res.set('Retry-After', String(outcome.retryAfterMinutes * 60));
        return renderManage(res, user, 429, [
          { field, message: waitMessage(outcome.retryAfterMinutes) },
        ]);
      }
      if (outcome.kind === 'wrong_password')
        return renderManage(res, user, 400, [{ field, message: MESSAGES.passwordWrong }]);
      res.redirect(303, `${accountPaths.index()}?updated=two-factor-off`);
    },
  };
}
