/**
 * Input schemas for reading the register. Each schema gives both the runtime check (Ajv) and the
 * TypeScript type, and serves the HTML pages and the JSON API alike.
 */
import { Type, type Static } from '@sinclair/typebox';
import { ASSIGNMENT_STATUSES } from '../../db/tables';
import { StringEnum } from '../../shared/validation';

export const SLUG_PATTERN = '^[a-z0-9]+(-[a-z0-9]+)*$';
export const REF_PATTERN = '^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$';

const Slug = (what: string) =>
  Type.String({
    pattern: SLUG_PATTERN,
    maxLength: 80,
    description: `${what} slug: lower-case letters, digits and hyphens`,
  });

export const MAX_PAGE = 10000;
export const MAX_PAGE_SIZE = 100;

export const SEARCH_MAX = 100;

export const RecommendationQuery = Type.Object(
  {
    q: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: SEARCH_MAX,
        description: `words to search for, at most ${SEARCH_MAX} characters`,
      }),
    ),
    report: Type.Optional(Slug('a report')),
    organisation: Type.Optional(Slug('an organisation')),
    theme: Type.Optional(Slug('a theme')),
    status: Type.Optional(StringEnum(ASSIGNMENT_STATUSES)),
    page: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_PAGE,
        description: `a whole number from 1 to ${MAX_PAGE}`,
      }),
    ),
    pageSize: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_PAGE_SIZE,
        description: `a whole number from 1 to ${MAX_PAGE_SIZE}`,
      }),
    ),
  },
  { additionalProperties: false },
);
export type RecommendationQuery = Static<typeof RecommendationQuery>;

export const SlugParam = Type.Object({ slug: Slug('a') }, { additionalProperties: false });
export const RefParam = Type.Object(
  {
    ref: Type.String({
      pattern: REF_PATTERN,
      maxLength: 40,
      description: 'a reference such as LIN-01',
    }),
  },
  { additionalProperties: false },
);

/** What the organisation filter's script asks as one types (`/organisation-suggestions?q=`). */
export const OrganisationSuggestionQuery = Type.Object(
  {
    q: Type.Optional(
      Type.String({ maxLength: 120, description: 'part of a name, at most 120 characters' }),
    ),
  },
  { additionalProperties: false },
);
export type OrganisationSuggestionQuery = Static<typeof OrganisationSuggestionQuery>;
