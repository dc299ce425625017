/**
 * The accessibility statement's settings, shaped for its page: the compliance status line, the
 * operator's contact details, and the dates the statement was prepared and last reviewed. Each is
 * set by whoever runs the copy (docs/configuration.md); until they are, the page says so plainly.
 */
import type { Config } from '../../config';
import { formatLongDate } from '../../shared/calendar-date';

/** When the statement's text was written for the software as released (the default "prepared" date). */
export const STATEMENT_WRITTEN_ON = '2026-12-02';

const STATUS_LINES: Record<Config['accessibilityStatement']['compliance'], string> = {
  fully:
    'This service is fully compliant with the Web Content Accessibility Guidelines (WCAG) version 2.2 at level AA.',
  partially:
    'This service is partially compliant with the Web Content Accessibility Guidelines (WCAG) version 2.2 at level AA: the parts that are not compliant are listed below, under “Content that is not accessible”.',
  not: 'This service is not compliant with the Web Content Accessibility Guidelines (WCAG) version 2.2 at level AA: the problems we know of are listed below, under “Content that is not accessible”.',
};

export function accessibilityView(
  config: Pick<Config, 'accessibilityStatement' | 'serviceName' | 'session'>,
) {
  const { compliance, preparedOn, reviewedOn, operator } = config.accessibilityStatement;
  const operatorName = operator.name ?? 'the organisation that runs this service';
  const contacts = [
    operator.email
      ? { label: 'Email', text: operator.email, href: `mailto:${operator.email}` }
      : null,
    operator.phone
      ? { label: 'Phone', text: operator.phone, href: `tel:${operator.phone.replace(/ /g, '')}` }
      : null,
    operator.postalAddress ? { label: 'Post', text: operator.postalAddress, href: null } : null,
  ].filter((c) => c !== null);
  return {
    pageTitle: 'Accessibility statement',
    metaDescription: `How accessible ${config.serviceName} is, what is not yet accessible, and how to report a problem or ask for information in another format.`,
    compliance,
    statusLine: STATUS_LINES[compliance],
    showGaps: compliance !== 'fully',
    idleMinutes: config.session.idleMinutes,
    operator: { name: operator.name, shownName: operatorName, contacts },
    // Whoever runs the copy has still to say who they are or how to reach them.
    operatorMissing: operator.name === null || contacts.length === 0,
    preparedOn: preparedOn ? formatLongDate(preparedOn) : null,
    reviewedOn: reviewedOn ? formatLongDate(reviewedOn) : null,
    writtenOn: formatLongDate(STATEMENT_WRITTEN_ON),
  };
}
