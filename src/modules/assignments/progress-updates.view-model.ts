/** What the progress updates page shows, shaped for the template. */
import type { ProgressUpdatesService, SelfAssessment } from './progress-updates.service';
import { paths } from '../../shared/paths';
import { londonDate } from '../../shared/calendar-date';
import { SELF_ASSESSMENTS, NARRATIVE_MAX } from './progress-updates.service';

export const SELF_ASSESSMENT_LABELS: Record<SelfAssessment, string> = {
  on_track: 'On track',
  at_risk: 'At risk',
  off_track: 'Off track',
  complete: 'Complete',
};

const TAG_CLASSES: Record<SelfAssessment, string> = {
  on_track: 'govuk-tag--green',
  at_risk: 'govuk-tag--yellow',
  off_track: 'govuk-tag--red',
  complete: 'govuk-tag--blue',
};

const HINTS: Record<SelfAssessment, string> = {
  on_track: 'The work is going as planned.',
  at_risk: 'The work may miss its target dates.',
  off_track: 'The work will miss its target dates without a change of plan.',
  complete:
    'The recommendation has been implemented. The oversight office will be asked to verify it.',
};

export function describeSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

type PageData = Awaited<ReturnType<ProgressUpdatesService['listFor']>>;

export function updatesPageView(
  data: PageData,
  form: { maxFileBytes: number; maxFiles: number; narrative: string; selfAssessment: string },
) {
  return {
    reference: data.reference,
    title: data.title,
    organisation: data.organisation,
    more: data.more,
    canPost: data.canPost,
    narrative: form.narrative,
    narrativeMax: NARRATIVE_MAX,
    maxFileSize: describeSize(form.maxFileBytes),
    maxFiles: form.maxFiles,
    options: SELF_ASSESSMENTS.map((value) => ({
      value,
      label: SELF_ASSESSMENT_LABELS[value],
      hint: HINTS[value],
      checked: value === form.selfAssessment,
    })),
    updates: data.updates.map((u) => ({
      id: u.id,
      createdAt: u.createdAt,
      createdAtIso: u.createdAt.toISOString(),
      author: u.author,
      label: SELF_ASSESSMENT_LABELS[u.selfAssessment],
      tagClass: TAG_CLASSES[u.selfAssessment],
      paragraphs: u.narrative.split(/\n{2,}/),
      publicationHref: paths.publication.update(u.id),
      files: u.files.map((f) => ({
        name: f.name,
        type: f.contentType.replace(/;.*$/, ''),
        size: describeSize(f.sizeBytes),
        sha256: f.sha256,
        href: paths.evidence.download(f.id),
      })),
      review: u.review
        ? {
            returned: u.review.decision === 'returned',
            label: u.review.decision === 'returned' ? 'Returned with feedback' : 'Accepted',
            tagClass: u.review.decision === 'returned' ? 'govuk-tag--orange' : 'govuk-tag--green',
            feedback: u.review.feedback,
            reviewer: u.review.reviewer,
            reviewedAtIso: u.review.reviewedAt.toISOString(),
            reviewedOn: londonDate(u.review.reviewedAt),
          }
        : null,
    })),
  };
}
