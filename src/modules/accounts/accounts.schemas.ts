/** Form and API inputs for accounts. The same schemas check the HTML forms and the JSON API. */
import { Type, type Static } from '@sinclair/typebox';

const Csrf = Type.Optional(Type.String({ maxLength: 200 }));

export const SignInForm = Type.Object(
  {
    email: Type.String({ minLength: 1, maxLength: 254, description: 'an email address' }),
    password: Type.String({ minLength: 1, maxLength: 1024, description: 'your password' }),
    _csrf: Csrf,
  },
  { additionalProperties: false },
);
export type SignInForm = Static<typeof SignInForm>;

export const TwoFactorForm = Type.Object(
  {
    code: Type.String({
      minLength: 1,
      maxLength: 64,
      description: 'the 6-digit code from your authenticator app, or a recovery code',
    }),
    _csrf: Csrf,
  },
  { additionalProperties: false },
);
export type TwoFactorForm = Static<typeof TwoFactorForm>;
