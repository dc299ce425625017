/**
 * Query schemas for the oversight dashboards: one set of filters (report, organisation, theme)
 * shared by the pages, the CSV exports and the JSON API, so all three read the same rows.
 */
import { Type, type Static } from '@sinclair/typebox';
import { SLUG_PATTERN } from '../public-record/register.schemas';
import { paginationQuery } from '../../shared/api/pagination';

const Slug = (what: string) =>
  Type.String({
    pattern: SLUG_PATTERN,
    maxLength: 80,
    description: `${what} slug: lower-case letters, digits and hyphens`,
  });

export const MAX_DASHBOARD_PAGE = 10000;
/** The most rows an overdue list gives at once (API default); the totals always count them all. */
export const OVERDUE_LIST_LIMIT = 200;
/** On the page, fewer: a list of hundreds is not read, and rendering it costs every visitor. */
export const OVERDUE_PAGE_LIMIT = 50;
export const MAX_OVERDUE_LIST_LIMIT = 1000;

const filterProperties = {
  report: Type.Optional(Slug('a report')),
  organisation: Type.Optional(Slug('an organisation')),
  theme: Type.Optional(Slug('a theme')),
};

const PageNumber = Type.Integer({
  minimum: 1,
  maximum: MAX_DASHBOARD_PAGE,
  description: `a whole number from 1 to ${MAX_DASHBOARD_PAGE}`,
});

export const DashboardQuery = Type.Object(filterProperties, { additionalProperties: false });
export type DashboardQuery = Static<typeof DashboardQuery>;

/** The matrix page: the filters, the page of recommendations and the page of organisations. */
export const MatrixPageQuery = Type.Object(
  { ...filterProperties, page: Type.Optional(PageNumber), orgPage: Type.Optional(PageNumber) },
  { additionalProperties: false },
);
export type MatrixPageQuery = Static<typeof MatrixPageQuery>;

/** The summary page: its rows of organisations come SUMMARY_ROWS_PER_PAGE at a time. */
export const SummaryPageQuery = Type.Object(
  { ...filterProperties, page: Type.Optional(PageNumber) },
  { additionalProperties: false },
);
export type SummaryPageQuery = Static<typeof SummaryPageQuery>;

export const MatrixApiQuery = Type.Object(
  { ...filterProperties, ...paginationQuery },
  { additionalProperties: false },
);

export const OverdueApiQuery = Type.Object(
  {
    ...filterProperties,
    limit: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_OVERDUE_LIST_LIMIT,
        description: `the most items in each list, 1 to ${MAX_OVERDUE_LIST_LIMIT} (default ${OVERDUE_LIST_LIMIT}); each list's total counts them all`,
      }),
    ),
  },
  { additionalProperties: false },
);
