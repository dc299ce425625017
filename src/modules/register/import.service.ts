/**
 * Importing a report with its recommendations and addressees: parse → validate → plan → (confirm) →
 * apply. Pages, the command line and (later) the JSON API all go through `preview` and `apply`, so the
 * rules are the same everywhere.
 *
 * - The plan compares the file with the register: the report and each recommendation (matched by slug
 *   and reference) is created, updated (naming the fields that change) or left unchanged; themes and
 *   addressees missing from the register are added. An import never removes or withdraws anything.
 * - Applying is one transaction: the plan is rebuilt inside it and compared (by digest) with the one
 *   the person saw; if the register changed in between, nothing is written and the new plan is
 *   returned to be previewed again. Each created or changed item writes its audit event.
 * - A plan with nothing to do writes nothing, not even an audit event.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { Clock } from '../../shared/clock';
import { recordAudit, type AuditActor, type AuditEvent } from '../operations/audit.repository';
import { statutoryDueDate, type ClockOverride } from '../assignments/deadlines';
import { overrideFrom } from '../assignments/deadlines.repository';
import type { OrganisationKind } from '../../db/tables';
import { parseImport, sortErrors, type ImportSource, type ParseResult } from './import.parse';
import { exportReport } from './import.export';
import * as repo from './import.repository';
import type {
  ImportError,
  ImportFormat,
  NormalisedImport,
  NormalisedRecommendation,
  NormalisedReport,
} from './import.schemas';
import { RECOMMENDATION_FIELDS, REPORT_FIELDS } from './import.schemas';
import { retiredThemeMessage } from './register-admin.schemas';

/** Who is importing. `userId` is null for the command line, which stores no upload. */
export interface ImportActor {
  audit: AuditActor;
  userId: number | null;
  ipAddress?: string | null;
  requestId?: string | null;
}

export interface FieldChange {
  field: string;
  before: unknown;
  after: unknown;
}

export interface PlannedAssignment {
  organisation: string;
  organisationName: string;
  responseDueOn: string | null;
}

export interface PlannedRecommendation {
  ref: string;
  row: number;
  title: string | null;
  action: 'create' | 'update' | 'unchanged';
  changes: FieldChange[];
  themesToAdd: string[];
  assignmentsToCreate: PlannedAssignment[];
  /** Organisations already addressed, named by the file: kept as they are. */
  assignmentsKept: string[];
  /**
   * Existing assignments whose response due date moves because the import changes a date or the
   * legal basis the clock depends on (ADR 0003: the stored due date follows its inputs).
   */
  dueDatesToChange: {
    assignmentId: number;
    organisation: string;
    before: string | null;
    after: string | null;
  }[];
}

export interface ImportPlan {
  report: {
    slug: string;
    title: string;
    action: 'create' | 'update' | 'unchanged';
    changes: FieldChange[];
  };
  recommendations: PlannedRecommendation[];
  counts: {
    recommendationsCreated: number;
    recommendationsUpdated: number;
    recommendationsUnchanged: number;
    assignmentsCreated: number;
    assignmentsKept: number;
    themesAdded: number;
    dueDatesChanged: number;
  };
  changesAnything: boolean;
}

export interface PreviewResult {
  filename: string;
  format: ImportFormat | null;
  errors: ImportError[];
  plan: ImportPlan | null;
  digest: string | null;
  /** Set when the upload was stored for confirmation (a signed-in user, no errors). */
  importId: string | null;
}

export type ApplyResult =
  | { kind: 'applied'; plan: ImportPlan; importId: string | null }
  | { kind: 'invalid'; errors: ImportError[]; plan: ImportPlan | null }
  | { kind: 'stale'; plan: ImportPlan; digest: string; importId: string | null }
  | { kind: 'already_applied'; appliedAt: Date };

export const IMPORT_EXPIRY_HOURS = 24;

/** What an import compares on a recommendation it finds: all but its reference (the key) and its lists (only ever added to). */
const RECOMMENDATION_COMPARED = RECOMMENDATION_FIELDS.filter(
  (f): f is Exclude<(typeof RECOMMENDATION_FIELDS)[number], 'ref' | 'themes' | 'addressees'> =>
    f !== 'ref' && f !== 'themes' && f !== 'addressees',
);

type Db = Knex | Knex.Transaction;

interface Built {
  plan: ImportPlan;
  errors: ImportError[];
  /** What apply needs beyond the plan. */
  context: {
    report: repo.ExistingReport | undefined;
    existing: Map<string, repo.ExistingRecommendation>;
    organisations: Map<string, repo.OrganisationRef>;
    themes: Map<string, number>;
  };
}

/** Expands an addressee list (slugs and kind:<kind>) to organisation slugs, in file order, without repeats. */
function expandAddressees(addressees: string[], orgs: repo.OrganisationRef[]): string[] {
  const out: string[] = [];
  for (const a of addressees) {
    const slugs = a.startsWith('kind:')
      ? orgs.filter((o) => o.kind === a.slice(5)).map((o) => o.slug)
      : [a];
    for (const s of slugs) if (!out.includes(s)) out.push(s);
  }
  return out;
}

function changesOf<T extends object>(
  before: T,
  after: Partial<Record<keyof T, unknown>>,
  fields: readonly (keyof T & string)[],
): FieldChange[] {
  return fields
    .filter((f) => (before[f] ?? null) !== (after[f] ?? null))
    .map((f) => ({ field: f, before: before[f] ?? null, after: after[f] ?? null }));
}

/** What the register already holds for the file's report, references, addressees and themes. */
async function loadRegister(db: Db, data: NormalisedImport) {
  const report = await repo.findReport(db, data.report.slug);
  const existingList = await repo.findRecommendationsByRef(
    db,
    data.recommendations.map((x) => x.ref),
  );
  const slugs = new Set<string>();
  const kinds = new Set<string>();
  const themeSlugs = new Set<string>();
  for (const rec of data.recommendations) {
    for (const a of rec.addressees)
      if (a.startsWith('kind:')) kinds.add(a.slice(5));
      else slugs.add(a);
    for (const t of rec.themes) themeSlugs.add(t);
  }
  const orgList = await repo.findOrganisations(db, [...slugs], [...kinds]);
  const themeList = await repo.findThemes(db, [...themeSlugs]);
  const existingIds = existingList.map((e) => e.id);
  const [themeRows, assignmentRows] = await Promise.all([
    repo.themeLinks(db, existingIds),
    repo.assignmentLinks(db, existingIds),
  ]);
  return {
    report,
    existing: new Map(existingList.map((e) => [e.ref, e])),
    orgList,
    organisations: new Map(orgList.map((o) => [o.slug, o])),
    themes: new Map(themeList.map((t) => [t.slug, t.id])),
    retiredThemes: new Map(themeList.filter((t) => t.retired_at).map((t) => [t.slug, t.name])),
    themeRows,
    assignmentRows,
  };
}
type Register = Awaited<ReturnType<typeof loadRegister>>;

/** What is wrong with one recommendation's references to the register, in the order they are found. */
function referenceErrors(
  rec: NormalisedRecommendation,
  reportSlug: string,
  before: repo.ExistingRecommendation | undefined,
  linkedThemes: Set<string>,
  { orgList, organisations, themes, retiredThemes }: Register,
): ImportError[] {
  const row = rec.row;
  const errors: ImportError[] = [];
  if (before && before.report_slug !== reportSlug)
    errors.push({
      row,
      column: 'ref',
      message: `The reference ${rec.ref} already belongs to another report (${before.report_slug}). References are unique across the tracker: choose another one.`,
    });
  for (const a of rec.addressees) {
    if (a.startsWith('kind:')) {
      if (!orgList.some((o) => o.kind === a.slice(5)))
        errors.push({
          row,
          column: 'addressees',
          message: `There is no organisation of kind ${a.slice(5)} in the register, so “${a}” names nobody. Add the organisations first, or remove it.`,
        });
    } else if (!organisations.has(a))
      errors.push({
        row,
        column: 'addressees',
        message: `There is no organisation with the slug “${a}”. Check the spelling, or add the organisation first.`,
      });
  }
  for (const t of rec.themes) {
    if (!themes.has(t))
      errors.push({
        row,
        column: 'themes',
        message: `There is no theme with the slug “${t}”. Check the spelling, or add the theme first.`,
      });
    else if (retiredThemes.has(t) && !linkedThemes.has(t))
      errors.push({
        row,
        column: 'themes',
        message: `${retiredThemeMessage(retiredThemes.get(t)!)} (short name “${t}”).`,
      });
  }
  return errors;
}

/** What applying the file does to one recommendation: its changes, themes, addressees and due dates. */
function planRecommendation(
  rec: NormalisedRecommendation,
  r: NormalisedReport,
  before: repo.ExistingRecommendation | undefined,
  haveThemes: Set<string>,
  reportClockChanged: boolean,
  { orgList, organisations, themes, assignmentRows }: Register,
): PlannedRecommendation {
  const addressed = expandAddressees(rec.addressees, orgList).filter((s) => organisations.has(s));
  const haveAssignments = new Set(
    before
      ? assignmentRows.filter((a) => a.recommendation_id === before.id).map((a) => a.slug)
      : [],
  );
  // The clock depends on the addressee: an HMICFRS report's duty falls on the PCC's office only.
  const dueOn = (addresseeKind: OrganisationKind, override: ClockOverride | null = null) =>
    statutoryDueDate({
      legalBasis: r.legal_basis,
      addresseeKind,
      override,
      recommendationMadeOn: rec.made_on,
      reportPublishedOn: r.published_on,
      reportDatedOn: r.dated_on,
    });
  const changes = before ? changesOf(before, rec, RECOMMENDATION_COMPARED) : [];
  const themesToAdd = rec.themes.filter((t) => themes.has(t) && !haveThemes.has(t));
  const assignmentsToCreate = addressed
    .filter((s) => !haveAssignments.has(s))
    .map((s) => ({
      organisation: s,
      organisationName: organisations.get(s)!.name,
      responseDueOn: dueOn(organisations.get(s)!.kind),
    }));
  const clockChanged = reportClockChanged || changes.some((c) => c.field === 'made_on');
  const dueDatesToChange =
    before && before.report_slug === r.slug && clockChanged
      ? assignmentRows
          .map((a) => ({ a, after: dueOn(a.kind, overrideFrom(a)) }))
          .filter(
            ({ a, after }) =>
              a.recommendation_id === before.id && a.follows_clock && a.response_due_on !== after,
          )
          .map(({ a, after }) => ({
            assignmentId: a.id,
            organisation: a.slug,
            before: a.response_due_on,
            after,
          }))
      : [];
  const action = !before ? 'create' : changes.length || themesToAdd.length ? 'update' : 'unchanged';
  return {
    ref: rec.ref,
    row: rec.row,
    title: rec.title,
    action,
    changes,
    themesToAdd,
    assignmentsToCreate,
    assignmentsKept: addressed.filter((s) => haveAssignments.has(s)),
    dueDatesToChange,
  };
}

function planCounts(recommendations: PlannedRecommendation[]): ImportPlan['counts'] {
  return {
    recommendationsCreated: recommendations.filter((x) => x.action === 'create').length,
    recommendationsUpdated: recommendations.filter((x) => x.action === 'update').length,
    recommendationsUnchanged: recommendations.filter((x) => x.action === 'unchanged').length,
    assignmentsCreated: recommendations.reduce((n, x) => n + x.assignmentsToCreate.length, 0),
    assignmentsKept: recommendations.reduce((n, x) => n + x.assignmentsKept.length, 0),
    themesAdded: recommendations.reduce((n, x) => n + x.themesToAdd.length, 0),
    dueDatesChanged: recommendations.reduce((n, x) => n + x.dueDatesToChange.length, 0),
  };
}

async function buildPlan(db: Db, data: NormalisedImport): Promise<Built> {
  const errors: ImportError[] = [];
  const r = data.report;
  const register = await loadRegister(db, data);
  const { report, existing, organisations, themes, themeRows } = register;

  const reportAction = !report
    ? 'create'
    : changesOf(report, r, REPORT_FIELDS).length
      ? 'update'
      : 'unchanged';
  const reportChanges = report ? changesOf(report, r, REPORT_FIELDS) : [];

  const reportClockChanged = reportChanges.some((c) =>
    ['legal_basis', 'published_on', 'dated_on'].includes(c.field),
  );
  const recommendations: PlannedRecommendation[] = [];
  for (const rec of data.recommendations) {
    const before = existing.get(rec.ref);
    const linkedThemes = new Set(
      before ? themeRows.filter((t) => t.recommendation_id === before.id).map((t) => t.slug) : [],
    );
    errors.push(...referenceErrors(rec, r.slug, before, linkedThemes, register));
    recommendations.push(
      planRecommendation(rec, r, before, linkedThemes, reportClockChanged, register),
    );
  }

  const counts = planCounts(recommendations);
  const plan: ImportPlan = {
    report: { slug: r.slug, title: r.title, action: reportAction, changes: reportChanges },
    recommendations,
    counts,
    changesAnything:
      reportAction !== 'unchanged' ||
      counts.recommendationsCreated +
        counts.recommendationsUpdated +
        counts.assignmentsCreated +
        counts.dueDatesChanged >
        0,
  };
  return {
    plan,
    errors: errors.sort((a, b) => (a.row ?? 0) - (b.row ?? 0)),
    context: { report, existing, organisations, themes },
  };
}

/** A fingerprint of a plan: the same register and the same file give the same digest. */
export function planDigest(plan: ImportPlan): string {
  return createHash('sha256').update(JSON.stringify(plan)).digest('hex');
}

const reportColumns = (r: NormalisedReport) => ({
  slug: r.slug,
  title: r.title,
  issuer_name: r.issuer_name,
  issuer_short: r.issuer_short,
  published_on: r.published_on,
  dated_on: r.dated_on,
  legal_basis: r.legal_basis,
  source_url: r.source_url,
  summary: r.summary,
});

const recommendationColumns = (rec: NormalisedRecommendation) => ({
  ref: rec.ref,
  source_number: rec.source_number,
  title: rec.title,
  body: rec.body,
  text_status: rec.text_status,
  made_on: rec.made_on,
  made_on_confirmed: rec.made_on_confirmed,
  source_url: rec.source_url,
  implement_by: rec.implement_by,
  implement_by_wording: rec.implement_by_wording,
});

const asObject = (changes: FieldChange[], side: 'before' | 'after') =>
  Object.fromEntries(changes.map((c) => [c.field, c[side]]));

/** One import's writes in one transaction: who, when, and the audit events gathered on the way. */
interface Writing {
  trx: Knex.Transaction;
  actor: ImportActor;
  now: Date;
  importId: string | null;
  context: Built['context'];
  /** Records an audit event by the importing actor; `after` is marked as coming from this import. */
  record(e: Omit<AuditEvent, 'actor' | 'ipAddress' | 'requestId'>): void;
  source: { source: 'import'; import_id: string | null };
}

async function write(
  trx: Knex.Transaction,
  data: NormalisedImport,
  built: Built,
  actor: ImportActor,
  now: Date,
  importId: string | null,
): Promise<void> {
  const { plan, context } = built;
  const audit: AuditEvent[] = [];
  const w: Writing = {
    trx,
    actor,
    now,
    importId,
    context,
    record: (e) =>
      audit.push({
        ...e,
        actor: actor.audit,
        ipAddress: actor.ipAddress ?? null,
        requestId: actor.requestId ?? null,
      }),
    source: { source: 'import', import_id: importId },
  };
  const reportId = await writeReport(w, data.report, plan.report.changes);
  let position = await repo.maxPosition(trx, reportId);
  for (const [i, rec] of data.recommendations.entries()) {
    const planned = plan.recommendations[i]!;
    const before = context.existing.get(rec.ref);
    if (!before) position += 1;
    const recommendationId = await writeRecommendation(w, rec, planned, before, reportId, position);
    await writeTargetDate(w, rec, planned, before, recommendationId);
    await writeLinks(w, planned, recommendationId);
  }
  await recordAudit(trx, audit);
}

/** Creates the report or writes its changes; returns its id. */
async function writeReport(
  { trx, now, context, record, source }: Writing,
  report: NormalisedReport,
  changes: FieldChange[],
): Promise<number> {
  if (!context.report) {
    const [row] = await trx('reports').insert(reportColumns(report)).returning(['id']);
    record({
      action: 'report.create',
      subjectType: 'report',
      subjectId: row.id,
      after: { ...reportColumns(report), ...source },
    });
    return row.id;
  }
  const reportId = context.report.id;
  if (changes.length) {
    await trx('reports')
      .where({ id: reportId })
      .update({ ...asObject(changes, 'after'), updated_at: now });
    record({
      action: 'report.update',
      subjectType: 'report',
      subjectId: reportId,
      before: asObject(changes, 'before'),
      after: { ...asObject(changes, 'after'), ...source },
    });
  }
  return reportId;
}

/** Creates the recommendation (at `position`) or writes its changes; returns its id. */
async function writeRecommendation(
  { trx, now, record, source }: Writing,
  rec: NormalisedRecommendation,
  planned: PlannedRecommendation,
  before: repo.ExistingRecommendation | undefined,
  reportId: number,
  position: number,
): Promise<number> {
  if (!before) {
    const [row] = await trx('recommendations')
      .insert({ ...recommendationColumns(rec), report_id: reportId, position })
      .returning(['id']);
    record({
      action: 'recommendation.create',
      subjectType: 'recommendation',
      subjectId: row.id,
      after: { ...recommendationColumns(rec), themes: planned.themesToAdd, ...source },
    });
    return row.id;
  }
  if (planned.action === 'update') {
    if (planned.changes.length)
      await trx('recommendations')
        .where({ id: before.id })
        .update({ ...asObject(planned.changes, 'after'), updated_at: now });
    record({
      action: 'recommendation.update',
      subjectType: 'recommendation',
      subjectId: before.id,
      before: asObject(planned.changes, 'before'),
      after: {
        ...asObject(planned.changes, 'after'),
        ...(planned.themesToAdd.length ? { themes_added: planned.themesToAdd } : {}),
        ...source,
      },
    });
  }
  return before.id;
}

/** The "implement by" date keeps its history, as when an administrator sets it by hand. */
async function writeTargetDate(
  { trx, now, actor, importId }: Writing,
  rec: NormalisedRecommendation,
  planned: PlannedRecommendation,
  before: repo.ExistingRecommendation | undefined,
  recommendationId: number,
): Promise<void> {
  const targetChanged = before
    ? planned.changes.some((c) => c.field === 'implement_by' || c.field === 'implement_by_wording')
    : rec.implement_by !== null || rec.implement_by_wording !== null;
  if (!targetChanged) return;
  const previous = before?.implement_by ?? null;
  await trx('recommendation_target_dates').insert({
    recommendation_id: recommendationId,
    implement_by: rec.implement_by,
    wording: rec.implement_by_wording,
    previous_implement_by: previous,
    reason:
      previous !== null && previous !== rec.implement_by
        ? `Changed by an import${importId ? ` (${importId})` : ''}`
        : null,
    set_by: actor.userId,
    set_by_label: actor.userId === null ? 'Import from the command line' : null,
    set_at: now,
  });
}

/** The recommendation's new themes, moved due dates and new assignments. */
async function writeLinks(
  { trx, now, context, record, source }: Writing,
  planned: PlannedRecommendation,
  recommendationId: number,
): Promise<void> {
  if (planned.themesToAdd.length)
    await trx('recommendation_themes').insert(
      planned.themesToAdd.map((t) => ({
        recommendation_id: recommendationId,
        theme_id: context.themes.get(t)!,
      })),
    );
  for (const d of planned.dueDatesToChange) {
    await trx('assignments')
      .where({ id: d.assignmentId })
      .update({ response_due_on: d.after, updated_at: now });
    record({
      action: 'assignment.update',
      subjectType: 'assignment',
      subjectId: d.assignmentId,
      before: { response_due_on: d.before },
      after: { response_due_on: d.after, ...source },
    });
  }
  if (!planned.assignmentsToCreate.length) return;
  const rows = await trx('assignments')
    .insert(
      planned.assignmentsToCreate.map((a) => ({
        recommendation_id: recommendationId,
        organisation_id: context.organisations.get(a.organisation)!.id,
        response_due_on: a.responseDueOn,
      })),
    )
    .returning(['id', 'organisation_id', 'status', 'response_due_on']);
  for (const a of rows)
    record({
      action: 'assignment.create',
      subjectType: 'assignment',
      subjectId: a.id,
      after: {
        recommendation_id: recommendationId,
        organisation_id: a.organisation_id,
        status: a.status,
        response_due_on: a.response_due_on,
        ...source,
      },
    });
}

/**
 * The errors of a file that did not parse cleanly, with those its good rows would meet against the
 * register (unknown organisations or themes, a reference of another report) added, so one upload
 * shows every problem rather than one layer at a time.
 */
async function allErrors(db: Db, parsed: ParseResult): Promise<ImportError[]> {
  if (!parsed.partial) return parsed.errors;
  const { errors } = await buildPlan(db, parsed.partial);
  return sortErrors([...parsed.errors, ...errors]);
}

export function createImportService(deps: { knex: Knex; clock: Clock; maxBytes: number }) {
  const { knex, clock, maxBytes } = deps;
  const expiryCutoff = () => new Date(clock.now().getTime() - IMPORT_EXPIRY_HOURS * 3600 * 1000);

  /** Parse, check and plan a file; for a signed-in user with a clean file, keep it for confirmation. */
  async function preview(actor: ImportActor, source: ImportSource): Promise<PreviewResult> {
    const filename = source.filename.slice(0, 255) || 'upload';
    const parsed = parseImport(source, maxBytes);
    const base = { filename, format: parsed.format, importId: null };
    if (!parsed.data)
      return { ...base, errors: await allErrors(knex, parsed), plan: null, digest: null };
    const built = await buildPlan(knex, parsed.data);
    const digest = planDigest(built.plan);
    if (built.errors.length) return { ...base, errors: built.errors, plan: built.plan, digest };
    let importId: string | null = null;
    if (actor.userId !== null && built.plan.changesAnything) {
      importId = randomBytes(16).toString('base64url');
      await repo.deleteExpiredImports(knex, expiryCutoff());
      await repo.storeImport(knex, {
        id: importId,
        createdBy: actor.userId,
        filename,
        format: parsed.format!,
        payload: parsed.data,
        planDigest: digest,
        createdAt: clock.now(),
      });
    }
    return { ...base, errors: [], plan: built.plan, digest, importId };
  }

  /** A stored upload, for its creator only (anyone else, or an expired one, is "not found"). */
  async function stored(actor: ImportActor, importId: string) {
    const row = await repo.findImport(knex, importId);
    if (!row || row.createdBy !== actor.userId) return null;
    if (!row.appliedAt && row.createdAt < expiryCutoff()) return null;
    return row;
  }

  /** The preview of a stored upload, planned again against the register as it is now. */
  async function previewStored(actor: ImportActor, importId: string) {
    const row = await stored(actor, importId);
    if (!row) return null;
    const built = await buildPlan(knex, row.payload);
    const digest = planDigest(built.plan);
    if (!row.appliedAt && digest !== row.planDigest)
      await repo.updateImportDigest(knex, row.id, digest);
    return { row, plan: built.plan, errors: built.errors, digest };
  }

  /**
   * Applies either a stored upload (`importId`, by its creator, checked against the digest of the
   * plan they saw) or a file given directly (the command line), all in one transaction.
   */
  async function apply(
    actor: ImportActor,
    input:
      | { importId: string; expectedDigest: string }
      | { source: ImportSource; expectedDigest?: string },
  ): Promise<ApplyResult | null> {
    let data: NormalisedImport;
    let importId: string | null = null;
    if ('importId' in input) {
      const row = await stored(actor, input.importId);
      if (!row) return null;
      if (row.appliedAt) return { kind: 'already_applied', appliedAt: row.appliedAt };
      data = row.payload;
      importId = row.id;
    } else {
      const parsed = parseImport(input.source, maxBytes);
      if (!parsed.data)
        return { kind: 'invalid', errors: await allErrors(knex, parsed), plan: null };
      data = parsed.data;
    }
    return knex.transaction(async (trx) => {
      // One import at a time, so two people confirming at once cannot both pass the digest check.
      await trx.raw('select pg_advisory_xact_lock(7311, 1)');
      if (importId) {
        const row = await repo.findImport(trx, importId, { forUpdate: true });
        if (row?.appliedAt) return { kind: 'already_applied', appliedAt: row.appliedAt } as const;
      }
      const built = await buildPlan(trx, data);
      if (built.errors.length)
        return { kind: 'invalid', errors: built.errors, plan: built.plan } as const;
      const digest = planDigest(built.plan);
      if (input.expectedDigest !== undefined && digest !== input.expectedDigest) {
        if (importId) await repo.updateImportDigest(trx, importId, digest);
        return { kind: 'stale', plan: built.plan, digest, importId } as const;
      }
      const now = clock.now();
      if (built.plan.changesAnything) await write(trx, data, built, actor, now, importId);
      if (importId) await repo.markImportApplied(trx, importId, now);
      return { kind: 'applied', plan: built.plan, importId } as const;
    });
  }

  return {
    preview,
    previewStored,
    apply,
    maxBytes,
    /** The report in the import format (see import.export.ts). */
    exportReport: (slug: string) => exportReport(knex, slug),
  };
}

export type ImportService = ReturnType<typeof createImportService>;
