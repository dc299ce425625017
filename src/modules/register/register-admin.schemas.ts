/**
 * Inputs for managing the register, as typed values (not form text). The HTML controller turns form
 * fields into these shapes; the JSON API (later) sends them as they are. The service checks every
 * input against these schemas, so both get the same rules and the same messages.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { ajv, StringEnum, withMessages, type FieldMessages } from '../../shared/validation';
import { LEGAL_BASES } from '../assignments/deadlines.rules';
import { ORGANISATION_KINDS, TEXT_STATUSES } from '../../db/tables';

/** Most rows any admin list or choice shows at once. */
export const ADMIN_LIST_LIMIT = 500;
/** Events shown in a page's history. */
export const HISTORY_LIMIT = 30;

/** An optional value: null means none, and a missing property is taken as null (API bodies may leave it out). */
const Nullable = <T extends TSchema>(schema: T) =>
  Type.Union([schema, Type.Null()], { default: null });

export const SLUG_PATTERN = '^[a-z0-9]+(-[a-z0-9]+)*$';
export const REF_PATTERN = '^[A-Z0-9]+(-[A-Z0-9]+)*$';
const URL_PATTERN = '^https?://[^\\s]+$';

const Slug = Type.String({ minLength: 1, maxLength: 80, pattern: SLUG_PATTERN });
const Ref = Type.String({ minLength: 1, maxLength: 40, pattern: REF_PATTERN });
const Url = Type.String({ maxLength: 2000, pattern: URL_PATTERN });
const DateText = Type.String({ format: 'date' });

export const ReportInput = Type.Object(
  {
    slug: Slug,
    title: Type.String({ minLength: 1, maxLength: 300 }),
    issuerName: Type.String({ minLength: 1, maxLength: 200 }),
    issuerShort: Nullable(Type.String({ minLength: 1, maxLength: 40 })),
    publishedOn: Nullable(DateText),
    datedOn: Nullable(DateText),
    legalBasis: StringEnum(LEGAL_BASES),
    sourceUrl: Nullable(Url),
    summary: Nullable(Type.String({ minLength: 1, maxLength: 5000 })),
    publishResponses: Type.Boolean({ default: true }),
  },
  { additionalProperties: false },
);
export type ReportInput = Static<typeof ReportInput>;

/**
 * A recommendation. The text must match its status (the database's
 * recommendations_text_matches_status): pending means no text yet; verified and summary need a
 * title and the text. `position` null puts a new recommendation last in its report.
 */
export const RecommendationInput = Type.Object(
  {
    ref: Ref,
    sourceNumber: Nullable(Type.String({ minLength: 1, maxLength: 20 })),
    title: Nullable(Type.String({ minLength: 1, maxLength: 300 })),
    text: Nullable(Type.String({ minLength: 1, maxLength: 20000 })),
    textStatus: StringEnum(TEXT_STATUSES),
    themes: Type.Array(Slug, { maxItems: 100, uniqueItems: true, default: [] }),
    madeOn: Nullable(DateText),
    madeOnConfirmed: Type.Boolean({ default: true }),
    sourceUrl: Nullable(Url),
    repeatsRef: Nullable(Ref),
    position: Nullable(Type.Integer({ minimum: 0, maximum: 100000 })),
  },
  {
    additionalProperties: false,
    allOf: [
      {
        if: {
          type: 'object',
          properties: { textStatus: { const: 'pending' } },
          required: ['textStatus'],
        },
        then: { type: 'object', properties: { text: { type: 'null' } } },
        else: {
          type: 'object',
          properties: { text: { type: 'string' }, title: { type: 'string' } },
        },
      },
    ],
  },
);
export type RecommendationInput = Static<typeof RecommendationInput>;

export const OrganisationInput = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    slug: Slug,
    kind: StringEnum(ORGANISATION_KINDS),
  },
  { additionalProperties: false },
);
export type OrganisationInput = Static<typeof OrganisationInput>;

/** A new theme: its name and the short name used in import files and web addresses (never changed). */
export const ThemeInput = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' }),
    slug: Slug,
  },
  { additionalProperties: false },
);
export type ThemeInput = Static<typeof ThemeInput>;

/** Renaming a theme: the name only; the short name stays, so import files and links keep working. */
export const ThemeRenameInput = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' }) },
  { additionalProperties: false },
);
export type ThemeRenameInput = Static<typeof ThemeRenameInput>;

/** Address a recommendation to the organisations named, and/or to every organisation of a kind. */
export const AddresseesInput = Type.Object(
  {
    organisations: Type.Array(Slug, { maxItems: ADMIN_LIST_LIMIT, uniqueItems: true, default: [] }),
    kind: Nullable(StringEnum(ORGANISATION_KINDS)),
  },
  { additionalProperties: false },
);
export type AddresseesInput = Static<typeof AddresseesInput>;

export const WithdrawInput = Type.Object(
  { reason: Type.String({ minLength: 1, maxLength: 2000, pattern: '\\S' }) },
  { additionalProperties: false },
);
export type WithdrawInput = Static<typeof WithdrawInput>;

export const AssignmentIdParam = Type.Object(
  { id: Type.Integer({ minimum: 1, maximum: 2147483647 }) },
  { additionalProperties: false },
);
export type AssignmentIdParam = Static<typeof AssignmentIdParam>;

/** Why a retired theme cannot be given to a recommendation; the import says the same. */
export const retiredThemeMessage = (name: string) =>
  `The theme “${name}” is retired: it stays on recommendations that already have it, but cannot be given to others. Choose another theme, or bring it back into use first`;

/** Messages a person can act on, per field, for each input. */
export const MESSAGES = {
  report: {
    slug: 'Enter a short name for the web address: lower-case letters, numbers and single hyphens, up to 80 characters, like operation-linden-2021',
    title: 'Enter the report’s title (up to 300 characters)',
    issuerName: 'Enter the name of the body that issued the report (up to 200 characters)',
    issuerShort: 'The issuer’s short name must be 40 characters or fewer',
    publishedOn: 'Enter the publication date as a real date',
    datedOn: 'Enter the date on the report as a real date',
    legalBasis: 'Select the legal basis',
    sourceUrl: 'Enter the source as a web address starting with http:// or https://',
    summary: 'The summary must be 5,000 characters or fewer',
    publishResponses: 'Choose whether formal responses are published',
  },
  recommendation: {
    ref: 'Enter a reference of capital letters and numbers in groups joined by hyphens, up to 40 characters, like LIN-13',
    sourceNumber: 'The number in the source must be 20 characters or fewer',
    title:
      'Enter a title (up to 300 characters): a verified or summarised recommendation needs one',
    text: 'Enter the text of the recommendation (up to 20,000 characters), or mark it as pending if it has not been entered yet',
    textPending:
      'A pending recommendation has no text yet: remove the text, or choose verified or summary',
    textStatus: 'Select whether the text is verified, a summary or pending',
    themes: 'Select themes from the list',
    madeOn: 'Enter the date the recommendation was made as a real date',
    madeOnConfirmed: 'Choose whether the date made is confirmed',
    sourceUrl: 'Enter the source as a web address starting with http:// or https://',
    repeatsRef: 'Enter the reference of the earlier recommendation this one repeats, like LIN-01',
    position: 'Enter the position as a whole number from 0 to 100,000',
  },
  organisation: {
    name: 'Enter the organisation’s name (up to 200 characters)',
    slug: 'Enter a short name for the web address: lower-case letters, numbers and single hyphens, up to 80 characters, like south-yorkshire-police',
    kind: 'Select the kind of organisation',
  },
  theme: {
    name: 'Enter the theme’s name (up to 100 characters)',
    slug: 'Enter a short name for import files and web addresses: lower-case letters, numbers and single hyphens, up to 80 characters, like training',
  },
  addressees: {
    organisations: 'Select organisations from the list',
    kind: 'Select a kind of organisation from the list',
    none: 'Select at least one organisation, or a kind of organisation to address them all',
  },
  withdraw: {
    reason: 'Enter the reason for withdrawing it (up to 2,000 characters)',
  },
} as const;

/** What every admin input says about a field it does not know, or about input that is not an object. */
const ANY_INPUT: FieldMessages = {
  '(root)': 'The request is not valid',
  '*': (_given, _input, e, field) =>
    e.keyword === 'additionalProperties' ? `${field} is not a recognised field` : undefined,
};

/** Each admin input's schema with its messages: the pages and the API say the same words. */
export const checkInput = {
  report: withMessages(ajv.compile<ReportInput>(ReportInput), {
    ...ANY_INPUT,
    ...MESSAGES.report,
  }),
  recommendation: withMessages(ajv.compile<RecommendationInput>(RecommendationInput), {
    ...ANY_INPUT,
    ...MESSAGES.recommendation,
    text: (_given, input) =>
      input.textStatus === 'pending'
        ? MESSAGES.recommendation.textPending
        : MESSAGES.recommendation.text,
  }),
  organisation: withMessages(ajv.compile<OrganisationInput>(OrganisationInput), {
    ...ANY_INPUT,
    ...MESSAGES.organisation,
  }),
  theme: withMessages(ajv.compile<ThemeInput>(ThemeInput), { ...ANY_INPUT, ...MESSAGES.theme }),
  themeRename: withMessages(ajv.compile<ThemeRenameInput>(ThemeRenameInput), {
    ...ANY_INPUT,
    ...MESSAGES.theme,
  }),
  addressees: withMessages(ajv.compile<AddresseesInput>(AddresseesInput), {
    ...ANY_INPUT,
    ...MESSAGES.addressees,
  }),
  withdraw: withMessages(ajv.compile<WithdrawInput>(WithdrawInput), {
    ...ANY_INPUT,
    ...MESSAGES.withdraw,
  }),
};
