/**
 * The register's admin forms as HTTP sees them: which fields each form has, how its text fields
 * become the typed inputs of register-admin.schemas.ts (the service validates them), how a saved
 * record is shown back in the form, and the small pieces every register admin page shares.
 */
import type { Request, Response } from 'express';
import { ValidationError } from '../../shared/errors';
import { asText, pickFields } from '../../shared/form-input';
import { readDateFields } from '../../shared/date-input';
import type { FormProblem } from '../../shared/form-submit';
import { paths } from '../../shared/paths';
import type { CurrentUser } from '../accounts/accounts.types';
import type { RecommendationInput, ReportInput } from './register-admin.schemas';

export type Values = Record<string, string>;

export const REPORT_FIELDS = [
  'title',
  'slug',
  'issuerName',
  'issuerShort',
  'publishedOn',
  'datedOn',
  'legalBasis',
  'sourceUrl',
  'summary',
  'publishResponses',
] as const;
export const RECOMMENDATION_FIELDS = [
  'ref',
  'sourceNumber',
  'position',
  'textStatus',
  'title',
  'text',
  'themes',
  'madeOn',
  'madeOnConfirmed',
  'sourceUrl',
  'repeatsRef',
] as const;
export const ORGANISATION_FIELDS = ['name', 'slug', 'kind'] as const;
export const THEME_FIELDS = ['name', 'slug'] as const;

export const NOTICES: Record<string, string> = {
  created: 'Saved.',
  changed: 'Your changes have been saved.',
  unchanged: 'Nothing was changed.',
  withdrawn: 'Withdrawn. It stays in the register, marked as withdrawn.',
  deleted: 'The recommendation has been deleted.',
  retired:
    'Theme retired. It stays on the recommendations that have it, and cannot be chosen for others.',
  reinstated: 'Theme back in use. It can be chosen for recommendations again.',
};

/** '' (a field left empty) means "none"; anything else is kept as typed, trimmed. */
export const optional = (v: unknown) => {
  const t = asText(v).trim();
  return t === '' ? null : t;
};
/** A whole number typed into a form, or the text itself so the schema names the field. */
export const wholeNumber = (v: unknown): unknown => {
  const t = asText(v).trim();
  if (t === '') return null;
  return /^\d{1,9}$/.test(t) ? Number(t) : t;
};
export const yesNo = (v: unknown, absent: boolean): unknown => {
  const t = asText(v);
  if (t === 'yes') return true;
  if (t === 'no') return false;
  return t === '' ? absent : t;
};
/** Checkbox groups arrive as one string or several. */
export const list = (v: unknown): string[] =>
  (Array.isArray(v) ? v : v === undefined || v === '' ? [] : [v]).filter(
    (x): x is string => typeof x === 'string',
  );

export const noStore = (res: Response) => res.set('Cache-Control', 'no-store');
export const actor = (req: Request): CurrentUser => req.user!;
export const param = (req: Request, name: string) => String(req.params[name] ?? '');

/** A form page shown fresh (GET): 200 and no errors. */
export const FRESH: FormProblem = { status: 200, errors: [] };
/** The `done` notice after an update, which may have found nothing to change. */
export const changedNotice = (changed: boolean) => ({ done: changed ? 'changed' : 'unchanged' });

export const adminCrumbs = () => [
  { text: 'Workspace', href: paths.workspace() },
  { text: 'Reports', href: paths.admin.reports() },
];

/** The dates typed in three boxes on each form (src/shared/date-input.ts). */
export const REPORT_DATES = [
  { name: 'publishedOn', label: 'Publication date' },
  { name: 'datedOn', label: 'Date on the report' },
];
export const RECOMMENDATION_DATES = [{ name: 'madeOn', label: 'Date made' }];

/** The form body with each date's boxes read into one value; a date that is wrong is refused. */
export function withDates(body: unknown, dates: typeof REPORT_DATES, refuse = false) {
  const read = readDateFields(body, dates);
  if (refuse && read.errors.length) throw new ValidationError(read.errors);
  return read.body;
}

export function reportFormToInput(body: unknown): unknown {
  const f = pickFields(withDates(body, REPORT_DATES, true), REPORT_FIELDS);
  return {
    slug: asText(f.slug).trim(),
    title: asText(f.title).trim(),
    issuerName: asText(f.issuerName).trim(),
    issuerShort: optional(f.issuerShort),
    publishedOn: optional(f.publishedOn),
    datedOn: optional(f.datedOn),
    legalBasis: asText(f.legalBasis),
    sourceUrl: optional(f.sourceUrl),
    summary: optional(f.summary),
    publishResponses: yesNo(f.publishResponses, true),
  };
}

export function recommendationFormToInput(body: unknown): unknown {
  const f = pickFields(withDates(body, RECOMMENDATION_DATES, true), RECOMMENDATION_FIELDS);
  return {
    ref: asText(f.ref).trim().toUpperCase(),
    sourceNumber: optional(f.sourceNumber),
    title: optional(f.title),
    text: optional(f.text),
    textStatus: asText(f.textStatus),
    themes: list((body as Record<string, unknown> | undefined)?.themes),
    madeOn: optional(f.madeOn),
    madeOnConfirmed: asText(f.madeOnConfirmed) === 'yes',
    sourceUrl: optional(f.sourceUrl),
    repeatsRef: optional(f.repeatsRef)?.toUpperCase() ?? null,
    position: wholeNumber(f.position),
  };
}

export function organisationFormToInput(body: unknown): unknown {
  const f = pickFields(body, ORGANISATION_FIELDS);
  return { name: asText(f.name).trim(), slug: asText(f.slug).trim(), kind: asText(f.kind) };
}

export const textValues = (body: unknown, fields: readonly string[]): Values =>
  Object.fromEntries(fields.map((k) => [k, asText((body as Record<string, unknown>)?.[k])]));

export const reportValues = (r: ReportInput): Values => ({
  slug: r.slug,
  title: r.title,
  issuerName: r.issuerName,
  issuerShort: r.issuerShort ?? '',
  publishedOn: r.publishedOn ?? '',
  datedOn: r.datedOn ?? '',
  legalBasis: r.legalBasis,
  sourceUrl: r.sourceUrl ?? '',
  summary: r.summary ?? '',
  publishResponses: r.publishResponses ? 'yes' : 'no',
});

export const recommendationValues = (r: RecommendationInput & { position: number }): Values => ({
  ref: r.ref,
  sourceNumber: r.sourceNumber ?? '',
  title: r.title ?? '',
  text: r.text ?? '',
  textStatus: r.textStatus,
  madeOn: r.madeOn ?? '',
  madeOnConfirmed: r.madeOnConfirmed ? 'yes' : '',
  sourceUrl: r.sourceUrl ?? '',
  repeatsRef: r.repeatsRef ?? '',
  position: String(r.position),
});

/** A list page (reports, organisations, themes): never cached, under the workspace, with a link to add one. */
export function renderAdminList(
  res: Response,
  view: string,
  locals: { pageTitle: string; newHref: string } & Record<string, unknown>,
): void {
  noStore(res);
  res.render(view, {
    ...locals,
    breadcrumbs: [{ text: 'Workspace', href: paths.workspace() }],
  });
}
