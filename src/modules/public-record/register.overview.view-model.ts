/**
 * The overview answers its own question first: one headline sentence across reports and one per
 * report, then the exceptions, then a table by organisation, then the chart. The sentences are
 * built here so every page and test reads the same words.
 */
import { formatLongDate } from '../../shared/calendar-date';
import { paths } from '../../shared/paths';
import { plural } from '../../shared/view-helpers/plural';
import type { Headline, RegisterService } from './register.service';
import { assignmentView, reportView, statusSummary } from './register.view-model';

/** "0 of 12 recommendations verified as implemented; 2 responses overdue, the oldest by 4 years 10 months; last reviewed 3 March 2026." */
export function headlineSentence(h: Headline): string {
  if (h.recommendations === 0) return 'No recommendations have been entered yet.';
  const implemented =
    h.implemented === h.recommendations
      ? h.recommendations === 1
        ? 'The 1 recommendation verified as implemented'
        : `All ${plural(h.recommendations, 'recommendation')} verified as implemented`
      : `${h.implemented.toLocaleString('en-GB')} of ${plural(h.recommendations, 'recommendation')} verified as implemented`;
  const overdue =
    h.overdue === 0 || !h.oldestOverdue
      ? 'no response overdue'
      : h.overdue === 1
        ? `1 response overdue, by ${h.oldestOverdue.by}`
        : `${plural(h.overdue, 'response')} overdue, the oldest by ${h.oldestOverdue.by}`;
  const reviewed = h.lastReviewedOn
    ? `last reviewed ${formatLongDate(h.lastReviewedOn)}`
    : 'not yet reviewed by the oversight office';
  return `${implemented}; ${overdue}; ${reviewed}.`;
}

/** What the headline leaves out but a reader must know: texts not yet entered, per-addressee counts. */
export function headlineNotes(h: Headline): string[] {
  const notes: string[] = [];
  if (h.assignments > 0 && h.implemented < h.recommendations)
    notes.push(
      `Counted once per organisation addressed, ${h.implementedAssignments.toLocaleString('en-GB')} of ${plural(h.assignments, 'assignment')} are verified as implemented.`,
    );
  if (h.pendingTexts > 0)
    notes.push(
      h.pendingTexts === 1
        ? 'The text of 1 recommendation is not yet entered here; its source document has it.'
        : `The texts of ${h.pendingTexts.toLocaleString('en-GB')} recommendations are not yet entered here; their source document has them.`,
    );
  return notes;
}

export function headlinesView(
  all: Headline,
  reports: {
    title: string;
    slug: string;
    issuerName: string;
    issuerShort: string | null;
    publishedOn: string | null;
    headline: Headline;
  }[],
  reportTotal: number,
) {
  return {
    // With one report, its own sentence is the answer; with several, the total comes first.
    across:
      reportTotal > 1
        ? { sentence: headlineSentence(all), notes: headlineNotes(all), reportTotal }
        : null,
    reports: reports.map((r) => ({
      title: r.title,
      href: paths.reports.show(r.slug),
      issuer: r.issuerShort ? `${r.issuerName} (${r.issuerShort})` : r.issuerName,
      publishedOn: r.publishedOn,
      sentence: headlineSentence(r.headline),
      notes: headlineNotes(r.headline),
    })),
  };
}

type Overview = Awaited<ReturnType<RegisterService['overview']>>;

/** Everything the overview template shows, in the order it shows it. */
export function overviewView(data: Overview) {
  return {
    today: data.today,
    headlines: headlinesView(data.headline, data.reports, data.reportTotal),
    reports: data.reports.map(reportView),
    reportTotal: data.reportTotal,
    moreReports: data.reportTotal > data.reports.length,
    reportsHref: paths.reports.index(),
    totals: statusSummary(data.totals),
    assignmentTotal: data.totals.total,
    recommendationTotal: data.headline.recommendations,
    overdue: data.overdue.map(assignmentView),
    overdueTotal: data.overdueTotal,
    overdueMore: data.overdueTotal > data.overdue.length,
    late: data.late.map(assignmentView),
    lateTotal: data.headline.late,
    lateMore: data.headline.late > data.late.length,
    returned: data.returned.map((r) => ({
      ...assignmentView(r),
      returnedOn: r.returnedOn,
      returnedAs:
        r.returnedAs === 'reopen'
          ? 'Reopened after it had been verified as implemented'
          : 'A claim that it was implemented was sent back',
    })),
    returnedTotal: data.headline.returned,
    returnedMore: data.headline.returned > data.returned.length,
    exceptionsNone:
      data.overdueTotal === 0 && data.headline.late === 0 && data.headline.returned === 0,
    organisations: data.organisations.map((o) => ({
      ...o,
      href: paths.organisations.show(o.slug),
    })),
    organisationsMore: data.organisationsMore,
    organisationsHref: paths.organisations.index(),
    recommendationsHref: paths.recommendations.index(),
  };
}
