/** Shapes an import's plan and errors for the preview and result pages. */
import { formatLongDate } from '../../shared/calendar-date';
import type { ImportError, ImportFormat } from './import.schemas';
import type { FieldChange, ImportPlan } from './import.service';

const LONG = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hour12: false,
  timeZone: 'Europe/London',
});

/** Where an error is, in words: "Row 4, column title" (CSV) or "Recommendation 3, field title" (JSON). */
export function describeLocation(e: ImportError, format: ImportFormat | null): string {
  const parts: string[] = [];
  if (e.row !== null) parts.push(format === 'json' ? `Recommendation ${e.row}` : `Row ${e.row}`);
  if (e.column !== null) parts.push(`${format === 'json' ? 'field' : 'column'} ${e.column}`);
  const text = parts.join(', ');
  return text ? text.charAt(0).toUpperCase() + text.slice(1) : 'The file';
}

function show(value: unknown): string {
  if (value === null || value === undefined || value === '') return '(empty)';
  const text = String(value);
  return text.length > 120 ? `${text.slice(0, 117)}…` : text;
}

const changeView = (c: FieldChange) => ({
  field: c.field,
  before: show(c.before),
  after: show(c.after),
});

export function previewView(input: {
  filename: string;
  errors: ImportError[];
  plan: ImportPlan | null;
  format: ImportFormat | null;
  appliedAt?: Date | null;
}) {
  const { errors, plan, format } = input;
  const errorRows = errors.map((e, i) => ({
    id: `import-error-${i + 1}`,
    location: describeLocation(e, format),
    message: e.message,
  }));
  const recs = plan?.recommendations ?? [];
  const due = (d: string | null) =>
    d ? `response due ${formatLongDate(d)}` : 'no statutory due date';
  const recView = (r: (typeof recs)[number]) => ({
    ref: r.ref,
    title: r.title ?? '(text not yet entered)',
    changes: r.changes.map(changeView),
    themesToAdd: r.themesToAdd.join(', '),
    assignmentsToCreate: r.assignmentsToCreate.map(
      (a) => `${a.organisationName} (${due(a.responseDueOn)})`,
    ),
    assignmentsKept: r.assignmentsKept.join(', '),
    dueDatesToChange: r.dueDatesToChange.map(
      (d) =>
        `${d.organisation}: ${d.before ? formatLongDate(d.before) : 'none'} → ${d.after ? formatLongDate(d.after) : 'none'}`,
    ),
  });
  const applied = Boolean(input.appliedAt);
  return {
    pageTitle: `${errors.length ? 'Error: ' : ''}${applied ? 'Import already applied' : 'Check the import'}`,
    filename: input.filename,
    formatLabel: format === 'json' ? 'JSON' : format === 'csv' ? 'CSV' : 'unknown format',
    errorRows,
    errorCount: errors.length,
    errorList: errors.length
      ? [
          {
            text: `The file has ${errors.length === 1 ? '1 problem' : `${errors.length} problems`}. Nothing has been imported. Correct the file and upload it again.`,
            href: '#import-errors',
          },
        ]
      : [],
    plan: plan
      ? {
          report: {
            slug: plan.report.slug,
            title: plan.report.title,
            create: plan.report.action === 'create',
            update: plan.report.action === 'update',
            changes: plan.report.changes.map(changeView),
          },
          counts: plan.counts,
          created: recs.filter((r) => r.action === 'create').map(recView),
          updated: recs.filter((r) => r.action === 'update').map(recView),
          newAssignmentsOnUnchanged: recs
            .filter(
              (r) =>
                r.action === 'unchanged' &&
                (r.assignmentsToCreate.length || r.dueDatesToChange.length),
            )
            .map(recView),
          unchanged: recs
            .filter(
              (r) =>
                r.action === 'unchanged' &&
                !r.assignmentsToCreate.length &&
                !r.dueDatesToChange.length,
            )
            .map((r) => r.ref)
            .join(', '),
          changesAnything: plan.changesAnything,
        }
      : null,
    canConfirm: !applied && errors.length === 0 && Boolean(plan?.changesAnything),
    appliedOn: input.appliedAt ? LONG.format(input.appliedAt) : null,
  };
}
