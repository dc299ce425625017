/** Inputs for managing API tokens: the issue form, a token's id in the path, and the list's page. */
import { Type, type Static } from '@sinclair/typebox';
import { compileText, StringEnum, withMessages } from '../../shared/validation';
import { ROLES } from './accounts.types';

export const TOKENS_PAGE_SIZE = 50;
export const MAX_TOKENS_PAGE = 10000;

/** How long a new token may last, in days: the choices offered (a year at most). */
export const EXPIRY_CHOICES = ['7', '30', '90', '180', '365'] as const;
export const OWNER_KINDS = ['user', 'service'] as const;

export const TokensQuery = Type.Object(
  {
    page: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_TOKENS_PAGE,
        description: `a whole number from 1 to ${MAX_TOKENS_PAGE}`,
      }),
    ),
  },
  { additionalProperties: false },
);
export type TokensQuery = Static<typeof TokensQuery>;

export const TokenIdParam = Type.Object(
  { id: Type.Integer({ minimum: 1, maximum: 2147483647 }) },
  { additionalProperties: false },
);
export type TokenIdParam = Static<typeof TokenIdParam>;

const IdChoice = Type.String({ pattern: '^([1-9][0-9]{0,9})?$', maxLength: 10 });

export const IssueTokenForm = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    owner: StringEnum(OWNER_KINDS),
    userId: IdChoice,
    serviceName: Type.String({ maxLength: 200 }),
    role: StringEnum(ROLES),
    organisationId: IdChoice,
    expiresInDays: StringEnum(EXPIRY_CHOICES),
  },
  { additionalProperties: false },
);
export type IssueTokenForm = Static<typeof IssueTokenForm>;

export const ISSUE_TOKEN_MESSAGES = {
  name: 'Enter what the token is for, in 200 characters or fewer',
  owner: 'Select who the token belongs to',
  userId: 'Select the account that owns the token',
  serviceName: 'Enter a name for the service account, in 200 characters or fewer',
  role: 'Select what the token may do',
  organisationId: 'Select the organisation the token acts for',
  expiresInDays: 'Select when the token expires',
} as const;

export const checkIssueTokenForm = withMessages(
  compileText<IssueTokenForm>(IssueTokenForm),
  ISSUE_TOKEN_MESSAGES,
);
