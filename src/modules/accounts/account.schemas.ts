/**
 * The account pages' forms (changing the password, setting up and turning off two-factor, new
 * recovery codes) and the messages they show. A field too long is answered as if it were wrong, so
 * a length limit gives nothing away; an empty one asks for it.
 */
import { Type, type Static } from '@sinclair/typebox';
import {
  compileText,
  withMessages,
  type FieldMessage,
  type FieldMessages,
} from '../../shared/validation';
import type { CurrentUser } from './accounts.types';
import { ROLE_LABELS } from './accounts.types';
import { PASSWORD_PROBLEMS } from './password';

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

export const PASSWORD_CHANGE_MESSAGES = Object.freeze({
  wrongCurrent: 'Your current password is not correct',
  sameAsCurrent: 'Your new password must be different from your current password',
  mismatch: 'The new passwords do not match. Enter the same password twice',
});

export const ACCOUNT_MESSAGES = {
  codeMissing: 'Enter the 6-digit code from your authenticator app',
  codeWrong:
    'The code is not correct. Enter the 6-digit code your authenticator app shows now for this service',
  passwordMissing: 'Enter your password',
  passwordWrong: 'Your password is not correct',
  requiredForRole: (user: CurrentUser) =>
    `You cannot turn off two-factor authentication. It is required for your role (${ROLE_LABELS[user.role]}).`,
};

export const FORM_NOT_RECOGNISED = 'The form was not recognised. Reload the page and try again';

/** `missing` when the field is empty or absent, `tooLong` when something was typed. */
const missingOrTooLong =
  (missing: string, tooLong: string): FieldMessage =>
  (given) =>
    typeof given === 'string' && given.length > 0 ? tooLong : missing;

/** A form's fields in page order, with their messages; any other field means the form is not ours. */
const form = <T>(
  schema: Parameters<typeof compileText>[0],
  fields: Record<string, FieldMessage>,
) => ({
  fields: Object.keys(fields),
  check: withMessages(compileText<T>(schema), {
    ...fields,
    '*': FORM_NOT_RECOGNISED,
  } satisfies FieldMessages),
});
export type AccountForm<T> = ReturnType<typeof form<T>>;

const passwordField = {
  password: missingOrTooLong(ACCOUNT_MESSAGES.passwordMissing, ACCOUNT_MESSAGES.passwordWrong),
};

export const ACCOUNT_FORMS = {
  changePassword: form<ChangePasswordForm>(ChangePasswordForm, {
    currentPassword: missingOrTooLong(
      'Enter your current password',
      PASSWORD_CHANGE_MESSAGES.wrongCurrent,
    ),
    newPassword: missingOrTooLong('Enter a new password', PASSWORD_PROBLEMS.tooLong),
    confirmPassword: missingOrTooLong('Enter your new password again', PASSWORD_PROBLEMS.tooLong),
  }),
  enrol: form<EnrolTwoFactorForm>(EnrolTwoFactorForm, {
    code: missingOrTooLong(ACCOUNT_MESSAGES.codeMissing, ACCOUNT_MESSAGES.codeWrong),
  }),
  regenerate: form<RegenerateRecoveryCodesForm>(RegenerateRecoveryCodesForm, passwordField),
  disable: form<DisableTwoFactorForm>(DisableTwoFactorForm, passwordField),
};
