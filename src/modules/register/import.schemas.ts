/**
 * What an import file may hold, as TypeBox schemas checked by Ajv. CSV rows and JSON documents are
 * both turned into the same shape first (field names in snake_case, absent and empty both meaning "no
 * value"), so one set of schemas and one set of messages serves both formats. The limits mirror the
 * check constraints in migrations/20261128160000_create_register.ts, so a file that passes here
 * cannot be refused by the database.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { ErrorObject } from 'ajv';
import { StringEnum, ajv, type FieldMessages } from '../../shared/validation';
import { ORGANISATION_KINDS, TEXT_STATUSES } from '../../db/tables';
import { LEGAL_BASES } from '../assignments/deadlines.rules';

/** The most recommendations one file may hold. */
export const MAX_IMPORT_ROWS = 2000;

const SLUG_PATTERN = '^[a-z0-9]+(-[a-z0-9]+)*$';
const REF_PATTERN = '^[A-Z0-9]+(-[A-Z0-9]+)*$';

const Slug = Type.String({
  maxLength: 80,
  pattern: SLUG_PATTERN,
  description: 'lower-case letters, digits and single hyphens, such as operation-linden-2021',
});
const Date_ = Type.String({
  pattern: '^\\d{4}-\\d{2}-\\d{2}$',
  description: 'a date written YYYY-MM-DD, such as 2021-11-23',
});
const Url = Type.String({
  maxLength: 2000,
  pattern: '^https?://[^\\s]+$',
  description: 'a web address starting with http:// or https://',
});
const Text = (max: number) => Type.String({ minLength: 1, maxLength: max });

/** An addressee: an organisation's slug, or kind:<organisation kind> for every organisation of that kind. */
const Addressee = Type.String({
  maxLength: 100,
  pattern: `^(kind:[a-z_]+|[a-z0-9]+(-[a-z0-9]+)*)$`,
  description: `an organisation slug, or kind: followed by one of ${ORGANISATION_KINDS.join(', ')}`,
});

export const ReportInput = Type.Object(
  {
    slug: Slug,
    title: Text(300),
    issuer_name: Text(300),
    issuer_short: Type.Optional(Text(80)),
    published_on: Type.Optional(Date_),
    dated_on: Type.Optional(Date_),
    legal_basis: StringEnum(LEGAL_BASES),
    source_url: Type.Optional(Url),
    summary: Type.Optional(Text(20000)),
  },
  { additionalProperties: false },
);
export type ReportInput = Static<typeof ReportInput>;

export const RecommendationInput = Type.Object(
  {
    ref: Type.String({
      maxLength: 40,
      pattern: REF_PATTERN,
      description: 'capital letters, digits and single hyphens, such as LIN-01',
    }),
    source_number: Type.Optional(Text(40)),
    title: Type.Optional(Text(300)),
    body: Type.Optional(Text(20000)),
    text_status: StringEnum(TEXT_STATUSES),
    made_on: Type.Optional(Date_),
    made_on_confirmed: Type.Optional(Type.Boolean({ description: 'true or false' })),
    source_url: Type.Optional(Url),
    implement_by: Type.Optional(Date_),
    implement_by_wording: Type.Optional(Text(300)),
    themes: Type.Optional(Type.Array(Slug, { maxItems: 50 })),
    addressees: Type.Optional(Type.Array(Addressee, { maxItems: 200 })),
  },
  { additionalProperties: false },
);
export type RecommendationInput = Static<typeof RecommendationInput>;

/** A JSON import file. */
export const ImportDocument = Type.Object(
  {
    report: Type.Unknown(),
    recommendations: Type.Array(Type.Unknown(), { maxItems: MAX_IMPORT_ROWS }),
  },
  { additionalProperties: false },
);

export const validateReport = ajv.compile<ReportInput>(ReportInput);
export const validateRecommendation = ajv.compile<RecommendationInput>(RecommendationInput);
export const validateDocument = ajv.compile<{ report: unknown; recommendations: unknown[] }>(
  ImportDocument,
);

/** The parsed, checked and normalised content of a file: what is stored between preview and confirm. */
export interface NormalisedReport {
  slug: string;
  title: string;
  issuer_name: string;
  issuer_short: string | null;
  published_on: string | null;
  dated_on: string | null;
  legal_basis: (typeof LEGAL_BASES)[number];
  source_url: string | null;
  summary: string | null;
}

export interface NormalisedRecommendation {
  ref: string;
  source_number: string | null;
  title: string | null;
  body: string | null;
  text_status: (typeof TEXT_STATUSES)[number];
  made_on: string | null;
  made_on_confirmed: boolean;
  source_url: string | null;
  /** The source's own date to implement by, and its wording ("by 31 December 2024"). */
  implement_by: string | null;
  implement_by_wording: string | null;
  themes: string[];
  addressees: string[];
  /** Where it came from in the file: the CSV row number (header = 1) or the JSON position (from 1). */
  row: number;
}

export interface NormalisedImport {
  report: NormalisedReport;
  recommendations: NormalisedRecommendation[];
}

export type ImportFormat = 'csv' | 'json';

/** One problem with a file: where it is (row and column or field, when known) and what to do. */
export interface ImportError {
  /** CSV: the row number as a spreadsheet shows it (the header is row 1). JSON: the recommendation's position, from 1. */
  row: number | null;
  /** CSV: the column name. JSON: the field name (report fields as report.<name>). */
  column: string | null;
  message: string;
}

export const REPORT_FIELDS = [
  'slug',
  'title',
  'issuer_name',
  'issuer_short',
  'published_on',
  'dated_on',
  'legal_basis',
  'source_url',
  'summary',
] as const;

export const RECOMMENDATION_FIELDS = [
  'ref',
  'source_number',
  'title',
  'body',
  'text_status',
  'made_on',
  'made_on_confirmed',
  'source_url',
  'implement_by',
  'implement_by_wording',
  'themes',
  'addressees',
] as const;

/** CSV columns, in the order exports write them: report fields (prefixed report_) then the recommendation's. */
export const CSV_COLUMNS = [
  ...REPORT_FIELDS.map((f) => `report_${f}`),
  ...RECOMMENDATION_FIELDS,
] as const;
export const CSV_REQUIRED_COLUMNS = [
  'report_slug',
  'report_title',
  'report_issuer_name',
  'report_legal_basis',
  'ref',
  'text_status',
];

/**
 * The import's messages: every field's words come from the kind of mistake, naming the column as
 * the file's format names it (`columnOf`).
 */
export const importMessages = (columnOf: (field: string) => string): FieldMessages => ({
  // The value as a whole is '' to columnOf, as the file's format names no column for it.
  '*': (_given, _input, e, field) => keywordMessage(e, columnOf(field === '(root)' ? '' : field)),
});

function keywordMessage(e: ErrorObject, column: string): string {
  const description = (e.parentSchema as { description?: string } | undefined)?.description;
  switch (e.keyword) {
    case 'required':
      return `${column} is missing: it is required.`;
    case 'additionalProperties':
      return `${column} is not a field this format knows. Remove it, or check its spelling.`;
    case 'maxLength':
      return `${column} is too long: it may have at most ${String(e.params.limit)} characters, and has ${String((e.data as string).length)}.`;
    case 'maxItems':
      return `${column} has too many entries: at most ${String(e.params.limit)}.`;
    case 'enum':
      return `${column} must be one of: ${(e.params.allowedValues as string[]).join(', ')}.`;
    case 'type':
      return e.params.type === 'array'
        ? `${column} must be a list.`
        : e.params.type === 'object'
          ? `${column} must be an object.`
          : `${column} must be ${e.params.type === 'boolean' ? 'true or false' : 'text'}.`;
    default:
      return description
        ? `${column} must be ${description}${typeof e.data === 'string' ? ` (got “${shorten(e.data)}”)` : ''}.`
        : `${column} is not valid.`;
  }
}

function shorten(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}…` : s;
}
