/** The forms behind one-time links (first-run set-up, an invitation, a password reset) and their messages. */
import { Type, type Static } from '@sinclair/typebox';
import { asText } from '../../shared/form-input';
import { compileText, withMessages, type FieldMessages } from '../../shared/validation';
import { PASSWORD_PROBLEMS } from './password';
import { personMessages } from './users.schemas';

/** Password fields are only bounded here; the password policy gives the messages people see. */
const PasswordField = Type.String({ maxLength: 1024 });

export const SetupForm = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    email: Type.String({ minLength: 1, maxLength: 254, format: 'email' }),
    password: PasswordField,
    confirmPassword: PasswordField,
  },
  { additionalProperties: false },
);
export type SetupForm = Static<typeof SetupForm>;

export const NewPasswordForm = Type.Object(
  { password: PasswordField, confirmPassword: PasswordField },
  { additionalProperties: false },
);
export type NewPasswordForm = Static<typeof NewPasswordForm>;

const PASSWORD_MESSAGES: FieldMessages = {
  password: (given) =>
    asText(given).length > 0 ? PASSWORD_PROBLEMS.tooLong : PASSWORD_PROBLEMS.empty,
  confirmPassword: (given) =>
    asText(given).length > 0
      ? 'The passwords do not match. Enter the same password in both boxes'
      : 'Enter the password again to confirm it',
};

export const checkSetupForm = withMessages(compileText<SetupForm>(SetupForm), {
  ...personMessages('your'),
  ...PASSWORD_MESSAGES,
});
export const checkNewPasswordForm = withMessages(
  compileText<NewPasswordForm>(NewPasswordForm),
  PASSWORD_MESSAGES,
);
