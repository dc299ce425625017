/**
 * The force leads' workspace: their organisation's assignments, the formal response (every version
 * kept), requests for more time and the overseer's decisions, and the action plan with each
 * action's revisions.
 *
 * Every function takes the acting user first and reaches the assignment only through
 * `authorisedAssignment`, so the per-object policy is never skipped. Every write goes through
 * `writeAssignment` (one transaction, the row locked, exactly one audit event); the writes for
 * extensions and the action plan live in `extensions.service.ts` and `actions.service.ts` and are
 * part of the service this file composes. Derived facts (days left, overdue) are worked out on each
 * read, never stored.
 */
import type { Knex } from 'knex';
import type { Clock } from '../../shared/clock';
import { compareDates, type CalendarDate } from '../../shared/calendar-date';
import { NotFoundError } from '../../shared/errors';
import {
  ASSIGNMENT_STATUSES,
  type AssignmentRow,
  type AssignmentStatus,
  type OrganisationKind,
  type ResponseStance,
} from '../../db/tables';
import type { CurrentUser, RequestContext } from '../accounts/accounts.types';
import { can } from '../accounts/policy';
import { writeAssignment } from './assignment-write';
import { authorisedAssignment } from './assignments.access';
import { applyTransition, statusActor } from './status-history';
import { appendResponseVersion, currentCopy, responseVersionsFor } from './response-versions';
import {
  responseClock,
  type ClockInput,
  type GrantedExtension,
  type JudicialReviewPause,
  type ResponseClock,
} from './deadlines';
import type { LegalBasis } from './deadlines.rules';
import { clockInputsFor, overrideFrom, pausesFor } from './deadlines.repository';
import { targetState, type TargetState } from './deadlines.targets';
import { ACTION_REFUSALS, createActionsService } from './actions.service';
import {
  EXTENSION_REFUSALS,
  createExtensionsService,
  extensionRefusal,
} from './extensions.service';
import {
  ACTION_REASON_MAX,
  ASSIGNMENTS_PAGE_SIZE,
  checkResponse,
  type ActionState,
  type ExtensionState,
  type SortKey,
} from './responses.schemas';

type Db = Knex | Knex.Transaction;

/** The refusals of every workspace write, by name (the extension and action plan ones). */
export const REFUSALS = Object.freeze({ ...EXTENSION_REFUSALS, ...ACTION_REFUSALS });

interface ClockRow {
  legal_basis: LegalBasis;
  made_on: CalendarDate | null;
  published_on: CalendarDate | null;
  dated_on: CalendarDate | null;
  addressee_kind: OrganisationKind;
  clock_override: string | null;
  clock_override_due_on: CalendarDate | null;
}

interface ExtensionRowDb {
  id: number;
  due_on_when_requested: CalendarDate;
  requested_due_on: CalendarDate;
  reason: string;
  requested_by_name: string | null;
  requested_at: Date | string;
  state: ExtensionState;
  decided_by_name: string | null;
  decided_at: Date | string | null;
  decided_on: CalendarDate | null;
  decision_reason: string | null;
}
interface ActionRowDb {
  id: number;
  description: string;
  owner: string;
  target_on: CalendarDate;
  state: ActionState;
}
interface RevisionRowDb {
  action_id: number;
  description: string;
  owner: string;
  previous_target_on: CalendarDate | null;
  target_on: CalendarDate;
  state: ActionState;
  reason: string | null;
  revised_by_name: string | null;
  revised_at: Date | string;
}

export interface ResponseVersion {
  version: number;
  stance: ResponseStance;
  text: string | null;
  /** This version's own date, and whether it is the day it was given (or only reported). */
  respondedOn: CalendarDate;
  respondedOnConfirmed: boolean;
  sourceUrl: string | null;
  /** A user's name, or the seed or import that loaded it. */
  recordedBy: string | null;
  recordedAt: Date;
}

export interface ExtensionRequest {
  id: number;
  dueOnWhenRequested: CalendarDate;
  requestedDueOn: CalendarDate;
  reason: string;
  requestedBy: string | null;
  requestedAt: Date;
  state: ExtensionState;
  decidedBy: string | null;
  decidedAt: Date | null;
  decidedOn: CalendarDate | null;
  decisionReason: string | null;
}

export interface ActionRevision {
  description: string;
  owner: string;
  previousTargetOn: CalendarDate | null;
  targetOn: CalendarDate;
  state: ActionState;
  reason: string | null;
  revisedBy: string | null;
  revisedAt: Date;
}

export interface PlanAction {
  id: number;
  description: string;
  owner: string;
  targetOn: CalendarDate;
  state: ActionState;
  overdue: boolean;
  revisions: ActionRevision[];
}

export interface AssignmentDetail {
  id: number;
  status: AssignmentStatus;
  organisation: { id: number; name: string; slug: string };
  recommendation: { ref: string; title: string | null; text: string | null };
  report: { title: string; slug: string };
  clock: ResponseClock;
  /** Target dates (the recommendation's own, the addressee's committed one) and whether past. */
  targets: TargetState;
  /** Judicial review proceedings that stop the response clock (to: null while still running). */
  pauses: JudicialReviewPause[];
  /** The current response (the latest version), late or not, or null. */
  response: (ResponseVersion & { late: boolean | null }) | null;
  /** Every version, newest first (the first entry is the current one). */
  responseVersions: ResponseVersion[];
  extensions: ExtensionRequest[];
  actions: PlanAction[];
  /** What the actor may do here. */
  may: { act: boolean; decide: boolean; requestExtension: { allowed: boolean; reason?: string } };
}

export interface AssignmentListItem {
  id: number;
  ref: string;
  title: string | null;
  organisationName: string;
  status: AssignmentStatus;
  clock: ResponseClock;
  nextActionOn: CalendarDate | null;
  lastChangedAt: Date | null;
}

export type WorkspaceAssignmentsService = ReturnType<typeof createWorkspaceAssignmentsService>;

const toClockInput = (row: ClockRow, granted: GrantedExtension[]): ClockInput => ({
  legalBasis: row.legal_basis,
  addresseeKind: row.addressee_kind,
  override: overrideFrom(row),
  recommendationMadeOn: row.made_on,
  reportPublishedOn: row.published_on,
  reportDatedOn: row.dated_on,
  grantedExtensions: granted,
});

async function clockRow(db: Db, assignment: AssignmentRow): Promise<ClockRow> {
  const row = await db('assignments as a')
    .join('recommendations as r', 'r.id', 'a.recommendation_id')
    .join('reports as p', 'p.id', 'r.report_id')
    .join('organisations as o', 'o.id', 'a.organisation_id')
    .where('a.id', assignment.id)
    .first<ClockRow>(
      'p.legal_basis',
      'r.made_on',
      'p.published_on',
      'p.dated_on',
      'o.kind as addressee_kind',
      'a.clock_override',
      'a.clock_override_due_on',
    );
  if (!row) throw new NotFoundError();
  return row;
}

// Built from our own constant list, never from input.
const STATUS_ORDER = `array_position(array[${ASSIGNMENT_STATUSES.map((x) => `'${x}'`).join(', ')}]::text[], a.status)`;

const isActionOverdue = (state: ActionState, targetOn: CalendarDate, today: CalendarDate) =>
  (state === 'planned' || state === 'in_progress') && compareDates(targetOn, today) < 0;

const toExtension = (e: ExtensionRowDb): ExtensionRequest => ({
  id: e.id,
  dueOnWhenRequested: e.due_on_when_requested,
  requestedDueOn: e.requested_due_on,
  reason: e.reason,
  requestedBy: e.requested_by_name,
  requestedAt: new Date(e.requested_at),
  state: e.state,
  decidedBy: e.decided_by_name,
  decidedAt: e.decided_at ? new Date(e.decided_at) : null,
  decidedOn: e.decided_on,
  decisionReason: e.decision_reason,
});

const toVersion = (v: ResponseVersion): ResponseVersion => ({
  version: v.version,
  stance: v.stance,
  text: v.text,
  respondedOn: v.respondedOn,
  respondedOnConfirmed: v.respondedOnConfirmed,
  sourceUrl: v.sourceUrl,
  recordedBy: v.recordedBy,
  recordedAt: v.recordedAt,
});

/** An action of the plan, with its revisions (newest first) and whether it is overdue today. */
const toPlanAction = (
  x: ActionRowDb,
  revisions: RevisionRowDb[],
  today: CalendarDate,
): PlanAction => ({
  id: x.id,
  description: x.description,
  owner: x.owner,
  targetOn: x.target_on,
  state: x.state,
  overdue: isActionOverdue(x.state, x.target_on, today),
  revisions: revisions
    .filter((rv) => rv.action_id === x.id)
    .map((rv) => ({
      description: rv.description,
      owner: rv.owner,
      previousTargetOn: rv.previous_target_on,
      targetOn: rv.target_on,
      state: rv.state,
      reason: rv.reason,
      revisedBy: rv.revised_by_name,
      revisedAt: new Date(rv.revised_at),
    })),
});

export function createWorkspaceAssignmentsService(deps: { knex: Knex; clock: Clock }) {
  const { knex, clock } = deps;

  /** Live assignments the actor may list: an org_lead's own organisation's; all for readers. */
  function scope(actor: CurrentUser, query: { status?: AssignmentStatus; organisation?: string }) {
    if (!can(actor, 'workspace.view')) throw new NotFoundError();
    const base = knex('assignments as a')
      .join('recommendations as r', 'r.id', 'a.recommendation_id')
      .join('reports as p', 'p.id', 'r.report_id')
      .join('organisations as o', 'o.id', 'a.organisation_id')
      .whereNull('a.withdrawn_at')
      .whereNull('r.withdrawn_at');
    if (actor.role === 'org_lead') base.where('a.organisation_id', actor.organisationId ?? -1);
    else if (!can(actor, 'assignment.read_private', { organisationId: 0 })) base.whereRaw('false');
    else if (query.organisation) base.where('o.slug', query.organisation);
    if (query.status) base.where('a.status', query.status);
    return base;
  }

  type ListRow = ClockRow & {
    id: number;
    status: AssignmentStatus;
    responded_on: CalendarDate | null;
    ref: string;
    title: string | null;
    organisation_name: string;
    next_action_on: CalendarDate | null;
    last_changed_at: Date | string | null;
  };

  function withListColumns(query: Knex.QueryBuilder): Knex.QueryBuilder<ListRow, ListRow[]> {
    return query.select(
      'a.id',
      'a.status',
      'a.responded_on',
      'r.ref',
      'r.title',
      'r.made_on',
      'p.legal_basis',
      'p.published_on',
      'p.dated_on',
      'o.kind as addressee_kind',
      'a.clock_override',
      'a.clock_override_due_on',
      'o.name as organisation_name',
      knex.raw(
        `(select min(x.target_on) from assignment_actions x where x.assignment_id = a.id and x.state in ('planned', 'in_progress')) as next_action_on`,
      ),
      knex.raw(
        `greatest((select max(v.recorded_at) from assignment_responses v where v.assignment_id = a.id), (select max(rv.revised_at) from assignment_action_revisions rv join assignment_actions x on x.id = rv.action_id where x.assignment_id = a.id)) as last_changed_at`,
      ),
    );
  }

  async function listItems(found: ListRow[]): Promise<AssignmentListItem[]> {
    // Every clock input (extensions and judicial review pauses too), for the whole page at once.
    const inputs = await clockInputsFor(
      knex,
      found.map((r) => r.id),
    );
    const today = clock.today();
    return found.map((r) => ({
      id: r.id,
      ref: r.ref,
      title: r.title,
      organisationName: r.organisation_name,
      status: r.status,
      clock: responseClock(inputs.get(r.id) ?? toClockInput(r, []), {
        today,
        respondedOn: r.responded_on,
      }),
      nextActionOn: r.next_action_on,
      lastChangedAt: r.last_changed_at ? new Date(r.last_changed_at) : null,
    }));
  }

  /** The rows the assignment page is built from: a few queries, whatever the plan's size. */
  async function detailRows(a: AssignmentRow) {
    const [clock, organisation, recommendation, versions, extensions, actions, pauses] =
      await Promise.all([
        clockRow(knex, a),
        knex('organisations').where({ id: a.organisation_id }).first('id', 'name', 'slug'),
        knex('recommendations as r')
          .join('reports as p', 'p.id', 'r.report_id')
          .where('r.id', a.recommendation_id)
          .first(
            'r.ref',
            'r.title',
            'r.body',
            'r.implement_by',
            'p.title as report_title',
            'p.slug as report_slug',
          ),
        responseVersionsFor(knex, [a.id]),
        knex('extension_requests as e')
          .leftJoin('users as rq', 'rq.id', 'e.requested_by')
          .leftJoin('users as dc', 'dc.id', 'e.decided_by')
          .where('e.assignment_id', a.id)
          .orderBy('e.id', 'desc')
          .select<ExtensionRowDb[]>(
            'e.*',
            'rq.name as requested_by_name',
            'dc.name as decided_by_name',
          ),
        knex('assignment_actions')
          .where({ assignment_id: a.id })
          .orderBy(['target_on', 'id'])
          .select<ActionRowDb[]>('*'),
        pausesFor(knex, [a.id]),
      ]);
    const revisions = actions.length
      ? await knex('assignment_action_revisions as rv')
          .leftJoin('users as u', 'u.id', 'rv.revised_by')
          .whereIn(
            'rv.action_id',
            actions.map((x) => x.id),
          )
          .orderBy('rv.id', 'desc')
          .select<RevisionRowDb[]>('rv.*', 'u.name as revised_by_name')
      : ([] as RevisionRowDb[]);
    return {
      clock,
      organisation,
      recommendation,
      versions,
      extensions,
      actions,
      pauses,
      revisions,
    };
  }

  return {
    /**
     * One page of live assignments: an org_lead's own organisation's only; everyone else who may
     * read private material sees all, optionally for one organisation (by slug).
     */
    async list(
      actor: CurrentUser,
      query: { status?: AssignmentStatus; organisation?: string; sort?: SortKey; page?: number },
    ) {
      const page = query.page ?? 1;
      const base = scope(actor, query);
      const [countRow] = await base.clone().count<{ n: string | number }[]>({ n: '*' });
      const total = Number(countRow?.n ?? 0);
      const rows = withListColumns(base.clone())
        .limit(ASSIGNMENTS_PAGE_SIZE)
        .offset((page - 1) * ASSIGNMENTS_PAGE_SIZE);
      if (query.sort === 'reference') rows.orderBy([{ column: 'r.ref' }, { column: 'o.name' }]);
      // Statuses in the order of an assignment's life, not alphabetically.
      else if (query.sort === 'status') rows.orderByRaw(`${STATUS_ORDER}, r.ref, o.name`);
      else rows.orderByRaw('a.response_due_on asc nulls last, r.ref, o.name');
      rows.orderBy('a.id');
      const items = await listItems(await rows);
      const organisations: { slug: string; name: string }[] =
        actor.role === 'org_lead'
          ? []
          : await knex('organisations')
              .whereExists(
                knex('assignments').whereRaw('assignments.organisation_id = organisations.id'),
              )
              .orderBy('name')
              .select('slug', 'name');
      return {
        items,
        total,
        page,
        pageSize: ASSIGNMENTS_PAGE_SIZE,
        pageCount: Math.max(1, Math.ceil(total / ASSIGNMENTS_PAGE_SIZE)),
        organisations,
      };
    },

    /**
     * The same assignments as `list`, for the API: in id order, `limit` after the id `afterId`
     * (keyset paging, so new assignments never shift later pages).
     */
    async listAfter(
      actor: CurrentUser,
      query: { status?: AssignmentStatus; organisation?: string },
      page: { afterId: number | null; limit: number },
    ) {
      const base = scope(actor, query);
      const [countRow] = await base.clone().count<{ n: string | number }[]>({ n: '*' });
      const rows = withListColumns(base.clone())
        .orderBy('a.id')
        .limit(page.limit + 1);
      if (page.afterId !== null) rows.where('a.id', '>', page.afterId);
      const found = await rows;
      return {
        items: await listItems(found.slice(0, page.limit)),
        total: Number(countRow?.n ?? 0),
        more: found.length > page.limit,
      };
    },

    /** Throws 404/403 unless `actor` may do `action` to the assignment (nothing else is read). */
    async authorise(
      actor: CurrentUser | null,
      assignmentId: number,
      action: 'assignment.act' | 'assignment.read_private' | 'oversight.decide',
    ): Promise<void> {
      await authorisedAssignment(knex, actor, assignmentId, action);
    },

    /** Everything the assignment page shows, for a user who may read it (404 otherwise). */
    async get(actor: CurrentUser, assignmentId: number): Promise<AssignmentDetail> {
      const a = await authorisedAssignment(knex, actor, assignmentId, 'assignment.read_private');
      const rows = await detailRows(a);
      const { recommendation } = rows;
      const today = clock.today();
      const extensions = rows.extensions.map(toExtension);
      const granted = extensions
        .filter((e) => e.state === 'granted' && e.decidedOn)
        .map((e) => ({ newDueOn: e.requestedDueOn, grantedOn: e.decidedOn! }));
      // With the judicial review pauses as well as the extensions shown on this page.
      const input = { ...toClockInput(rows.clock, granted), pauses: rows.pauses.get(a.id) ?? [] };
      const clockState = responseClock(input, { today, respondedOn: a.responded_on });
      const responseVersions = (rows.versions.get(a.id) ?? []).map(toVersion).reverse();
      const latest = responseVersions[0];
      // Lateness is the first response's: a later version does not make an on-time answer late.
      const current = latest
        ? { ...latest, late: a.response_date_confirmed ? clockState.respondedLate : null }
        : null;
      const mayAct = can(actor, 'assignment.act', { organisationId: a.organisation_id });
      return {
        id: a.id,
        status: a.status,
        organisation: rows.organisation,
        recommendation: {
          ref: recommendation.ref,
          title: recommendation.title,
          text: recommendation.body,
        },
        report: { title: recommendation.report_title, slug: recommendation.report_slug },
        clock: clockState,
        pauses: input.pauses ?? [],
        targets: targetState(
          {
            implementBy: recommendation.implement_by,
            committedOn: a.committed_on,
            status: a.status,
          },
          today,
        ),
        response: current,
        responseVersions,
        extensions,
        actions: rows.actions.map((x) => toPlanAction(x, rows.revisions, today)),
        may: {
          act: mayAct,
          decide: can(actor, 'oversight.decide'),
          requestExtension: mayAct
            ? extensionRefusal(a, input, today, extensions)
            : { allowed: false },
        },
      };
    },

    /**
     * Records (or revises) the formal response. Every version is kept; the assignment's response_*
     * columns hold the current one. The response date is the day of the first version, so a later
     * correction does not make an on-time response late; a late first response is accepted and
     * shows as late.
     */
    async recordResponse(
      actor: CurrentUser,
      assignmentId: number,
      input: unknown,
      context?: RequestContext,
    ): Promise<{ version: number }> {
      return writeAssignment(knex, {
        actor,
        assignmentId,
        permission: 'assignment.act',
        context,
        input: () => checkResponse(input),
        change: async (trx, a, valid) => {
          const today = clock.today();
          // The first response's day stops the statutory clock; later versions keep it.
          const respondedOn = a.responded_on ?? today;
          const fresh = {
            stance: valid.stance,
            text: valid.text,
            sourceUrl: valid.sourceUrl?.trim() ? valid.sourceUrl.trim() : null,
          };
          const version = await appendResponseVersion(trx, {
            assignmentId: a.id,
            ...fresh,
            respondedOn: today,
            respondedOnConfirmed: true,
            recordedBy: { userId: actor.id },
            recordedAt: clock.now(),
          });
          const next = await applyTransition(
            trx,
            a,
            { kind: 'respond', stance: valid.stance },
            { actor: statusActor(actor), at: clock.now() },
            {
              ...currentCopy(fresh),
              responded_on: respondedOn,
              response_date_confirmed: a.responded_on ? a.response_date_confirmed : true,
            },
          );
          return {
            action: version === 1 ? 'assignment.response_recorded' : 'assignment.response_revised',
            before: { status: a.status, stance: a.response_stance, respondedOn: a.responded_on },
            after: {
              status: next.status,
              stance: valid.stance,
              respondedOn,
              version,
              textLength: valid.text.length,
            },
            result: { version },
          };
        },
      });
    },

    ...createExtensionsService(deps),
    ...createActionsService(deps),
  };
}

export const ACTION_REASON_LIMIT = ACTION_REASON_MAX;
