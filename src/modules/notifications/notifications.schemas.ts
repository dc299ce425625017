/** The public follow form's input, and what it says when the address is wrong. */
import { Type } from '@sinclair/typebox';
import { compileText, withMessages } from '../../shared/validation';

export const EmailForm = Type.Object({
  email: Type.String({ format: 'email', minLength: 3, maxLength: 254 }),
});

export const checkEmailForm = withMessages(compileText<{ email: string }>(EmailForm), {
  email: (given) =>
    given === ''
      ? 'Enter your email address'
      : 'Enter an email address in the correct format, like name@example.com',
});
