/** The link to the feedback form on a recommendation's public page (views/partials/feedback/link). */
import { paths } from '../../shared/paths';

export function feedbackLinkFor(ref: string): { feedbackHref: string } {
  return { feedbackHref: paths.feedback.form(ref.toUpperCase()) };
}
