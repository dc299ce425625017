/**
 * Managing users (administrators only; the routes ask the policy first): list them, invite people,
 * see, resend and revoke invitations not yet accepted, change a role and organisation, disable and
 * re-enable, and make password reset links.
 *
 * Each change is one transaction with its audit event. A change to what a user may do (role,
 * organisation, disabling) ends every session of that user at once. An administrator cannot demote
 * or disable themselves, and no change may leave the service without an enabled administrator:
 * changes that could take rights away lock the enabled administrators' rows first, so two
 * administrators demoting each other at the same moment cannot both succeed.
 */
import type { Knex } from 'knex';
import type { Clock } from '../../shared/clock';
import { ForbiddenError, NotFoundError, type FieldError } from '../../shared/errors';
import { recordAudit, userActor } from '../operations/audit.repository';
import { emailKey, type UserRow } from './accounts.repository';
import type { CurrentUser, RequestContext, Role } from './accounts.types';
import type { OneTimeLinksService, OneTimeTokenRow } from './one-time-links.service';
import type { SessionService } from './sessions.service';
import { INVITATIONS_SHOWN, ORGANISATION_NEEDED, USERS_PAGE_SIZE } from './users.schemas';

export interface UserSummary {
  id: number;
  name: string;
  email: string;
  role: Role;
  organisationId: number | null;
  organisationName: string | null;
  disabled: boolean;
  twoFactorEnabled: boolean;
  createdAt: Date;
  /** A service account holds API tokens and never signs in. */
  serviceAccount: boolean;
}

/** An invitation not yet accepted: the newest to its email address, neither used nor revoked. */
export interface InvitationSummary {
  id: number;
  name: string;
  email: string;
  role: Role;
  organisationName: string | null;
  invitedAt: Date;
  expiresAt: Date;
  /** Past its 7 days: it no longer works, but it can be resent. */
  expired: boolean;
  invitedByName: string | null;
}

export interface OrganisationOption {
  id: number;
  name: string;
}

export type ChangeOutcome =
  | { kind: 'changed' }
  | { kind: 'unchanged' }
  | { kind: 'refused'; message: string }
  | { kind: 'invalid'; errors: FieldError[] };

export const REFUSALS = Object.freeze({
  demoteSelf:
    'You cannot change your own role. Another administrator must do it, so the service always keeps an administrator.',
  disableSelf:
    'You cannot disable your own account. Another administrator must do it, so the service always keeps an administrator.',
  lastAdmin:
    'This is the only enabled administrator. Make someone else an administrator first, so the service always keeps one.',
  resetDisabled: 'This account is disabled. Re-enable it before making a password reset link.',
  resetService:
    'This is a service account: it never signs in, so it has no password. Manage its API tokens instead.',
  invitationAccepted:
    'This invitation has already been accepted, so there is nothing to resend or revoke.',
  invitationRevoked:
    'This invitation has already been revoked. Invite the person again if they still need an account.',
  invitationReplaced:
    'A newer invitation to this email address has replaced this one. Act on the newer invitation in the list.',
  invitationAccountExists:
    'An account already uses this email address, so the invitation is no longer needed.',
});

export const EMAIL_IN_USE = 'An account already uses this email address';

type Db = Knex | Knex.Transaction;

interface SummaryRow {
  id: number;
  name: string;
  email: string;
  role: Role;
  organisation_id: number | null;
  organisation_name: string | null;
  disabled_at: Date | null;
  totp_enabled_at: Date | null;
  created_at: Date;
  kind: 'person' | 'service';
}

const toSummary = (r: SummaryRow): UserSummary => ({
  id: r.id,
  name: r.name,
  email: r.email,
  role: r.role,
  organisationId: r.organisation_id,
  organisationName: r.organisation_name,
  disabled: r.disabled_at !== null,
  twoFactorEnabled: r.totp_enabled_at !== null,
  createdAt: new Date(r.created_at),
  serviceAccount: r.kind === 'service',
});

function summaries(db: Db) {
  return db('users as u')
    .leftJoin('organisations as o', 'o.id', 'u.organisation_id')
    .select<SummaryRow[]>(
      'u.id',
      'u.name',
      'u.email',
      'u.role',
      'u.organisation_id',
      'o.name as organisation_name',
      'u.disabled_at',
      'u.totp_enabled_at',
      'u.created_at',
      'u.kind',
    );
}

export type UsersService = ReturnType<typeof createUsersService>;

export function createUsersService(deps: {
  knex: Knex;
  clock: Clock;
  sessions: SessionService;
  links: OneTimeLinksService;
}) {
  const { knex, clock, sessions, links } = deps;

  const emailInUse = async (db: Db, email: string) =>
    Boolean(
      await db('users')
        .whereRaw('lower(email) = ?', [emailKey(email)])
        .first('id'),
    );

  /** The organisation for an org_lead (null for other roles), or an error when it is missing. */
  async function organisationFor(
    db: Db,
    role: Role,
    organisationId: number | null,
  ): Promise<{ organisationId: number | null; error?: FieldError }> {
    if (role !== 'org_lead') return { organisationId: null };
    const found = organisationId
      ? await db('organisations').where({ id: organisationId }).first('id')
      : undefined;
    return found
      ? { organisationId: found.id }
      : {
          organisationId: null,
          error: { field: 'organisationId', message: ORGANISATION_NEEDED },
        };
  }

  /**
   * Locks the enabled administrators' rows (in id order, so concurrent changes queue rather than
   * deadlock) and returns their ids. Refuses if the acting user is no longer one of them.
   */
  async function lockAdmins(trx: Knex.Transaction, actor: CurrentUser): Promise<number[]> {
    const rows: { id: number }[] = await trx('users')
      // Service accounts cannot sign in, so they never count as the service's administrator.
      .where({ role: 'admin', kind: 'person' })
      .whereNull('disabled_at')
      .orderBy('id')
      .forUpdate()
      .select('id');
    const ids = rows.map((r) => r.id);
    if (!ids.includes(actor.id)) throw new ForbiddenError();
    return ids;
  }

  async function lockUser(trx: Knex.Transaction, id: number): Promise<UserRow> {
    const user = await trx<UserRow>('users').where({ id }).forUpdate().first();
    if (!user) throw new NotFoundError('There is no user with that id.');
    return user;
  }

  /**
   * Locks an invitation for a resend or revoke, and says why it cannot be acted on: only the newest
   * invitation to an email address, unused, unrevoked and without an account yet, can be.
   */
  async function lockCurrentInvitation(
    trx: Knex.Transaction,
    id: number,
  ): Promise<{ ok: true; row: OneTimeTokenRow } | { ok: false; message: string }> {
    const row = await trx<OneTimeTokenRow>('one_time_tokens')
      .where({ id, purpose: 'invitation' })
      .forUpdate()
      .first();
    if (!row) throw new NotFoundError('There is no invitation with that id.');
    if (row.used_at) return { ok: false, message: REFUSALS.invitationAccepted };
    if (row.revoked_at) return { ok: false, message: REFUSALS.invitationRevoked };
    const newer = await trx('one_time_tokens')
      .where({ purpose: 'invitation' })
      .whereRaw('lower(email) = ?', [emailKey(row.email!)])
      .where('id', '>', row.id)
      .first('id');
    if (newer) return { ok: false, message: REFUSALS.invitationReplaced };
    if (await emailInUse(trx, row.email!))
      return { ok: false, message: REFUSALS.invitationAccountExists };
    return { ok: true, row };
  }

  return {
    /**
     * The invitations not yet accepted, newest first (at most INVITATIONS_SHOWN), with how many are
     * pending (still in date) and how many have expired, over all of them. One query.
     */
    async invitations(): Promise<{
      items: InvitationSummary[];
      pending: number;
      expired: number;
    }> {
      const now = clock.now();
      const { rows } = (await knex.raw(
        `with latest as (
           select distinct on (lower(t.email)) t.*
             from one_time_tokens t
            where t.purpose = 'invitation'
            order by lower(t.email), t.id desc
         )
         select l.id, l.email, l.name, l.role, o.name as organisation_name, l.created_at,
                l.expires_at, c.name as invited_by_name,
                count(*) filter (where l.expires_at > ?) over () as pending_count,
                count(*) over () as total_count
           from latest l
           left join organisations o on o.id = l.organisation_id
           left join users c on c.id = l.created_by
          where l.used_at is null
            and l.revoked_at is null
            and not exists (select 1 from users u where lower(u.email) = lower(l.email))
          order by l.id desc
          limit ?`,
        [now, INVITATIONS_SHOWN],
      )) as {
        rows: {
          id: number;
          email: string;
          name: string | null;
          role: Role;
          organisation_name: string | null;
          created_at: Date;
          expires_at: Date;
          invited_by_name: string | null;
          pending_count: number | string;
          total_count: number | string;
        }[];
      };
      const pending = Number(rows[0]?.pending_count ?? 0);
      const total = Number(rows[0]?.total_count ?? 0);
      return {
        items: rows.map((r) => ({
          id: r.id,
          name: r.name ?? r.email,
          email: r.email,
          role: r.role,
          organisationName: r.organisation_name,
          invitedAt: new Date(r.created_at),
          expiresAt: new Date(r.expires_at),
          expired: new Date(r.expires_at).getTime() <= now.getTime(),
          invitedByName: r.invited_by_name,
        })),
        pending,
        expired: total - pending,
      };
    },

    /**
     * Sends an invitation again: a new link (7 days) with the same name, email, role and
     * organisation, emailed like the first; the old link stops working. Returns the new link, to be
     * shown once.
     */
    async resendInvitation(input: {
      actor: CurrentUser;
      invitationId: number;
      context: RequestContext;
    }): Promise<
      | {
          kind: 'resent';
          url: string;
          expiresAt: Date;
          invitation: { name: string; email: string; role: Role; organisationName: string | null };
        }
      | { kind: 'refused'; message: string }
    > {
      return knex.transaction(async (trx) => {
        const locked = await lockCurrentInvitation(trx, input.invitationId);
        if (!locked.ok) return { kind: 'refused' as const, message: locked.message };
        const old = locked.row;
        const name = old.name ?? old.email!;
        const issued = await links.issueInvitation(trx, {
          email: old.email!,
          name,
          role: old.role!,
          organisationId: old.organisation_id,
          createdBy: input.actor.id,
        });
        await recordAudit(trx, {
          actor: userActor(input.actor),
          action: 'user.invitation_resent',
          subjectType: 'invitation',
          subjectId: issued.tokenId,
          before: { tokenId: old.id, expiresAt: new Date(old.expires_at).toISOString() },
          after: {
            email: old.email,
            role: old.role,
            organisationId: old.organisation_id,
            tokenId: issued.tokenId,
            expiresAt: issued.expiresAt.toISOString(),
            supersededTokenIds: issued.supersededTokenIds,
          },
          ipAddress: input.context.ip,
          requestId: input.context.requestId,
        });
        const org = old.organisation_id
          ? await trx('organisations').where({ id: old.organisation_id }).first('name')
          : undefined;
        return {
          kind: 'resent' as const,
          url: issued.url,
          expiresAt: issued.expiresAt,
          invitation: {
            name,
            email: old.email!,
            role: old.role!,
            organisationName: org?.name ?? null,
          },
        };
      });
    },

    /** Withdraws an invitation: its link is refused from now on, as withdrawn. */
    async revokeInvitation(input: {
      actor: CurrentUser;
      invitationId: number;
      context: RequestContext;
    }): Promise<{ kind: 'revoked'; email: string } | { kind: 'refused'; message: string }> {
      return knex.transaction(async (trx) => {
        const locked = await lockCurrentInvitation(trx, input.invitationId);
        if (!locked.ok) return { kind: 'refused' as const, message: locked.message };
        const now = clock.now();
        await trx('one_time_tokens')
          .where({ id: locked.row.id })
          .update({ revoked_at: now, revoked_by: input.actor.id });
        await recordAudit(trx, {
          actor: userActor(input.actor),
          action: 'user.invitation_revoked',
          subjectType: 'invitation',
          subjectId: locked.row.id,
          before: { revoked: false },
          after: { revoked: true, email: locked.row.email, tokenId: locked.row.id },
          ipAddress: input.context.ip,
          requestId: input.context.requestId,
        });
        return { kind: 'revoked' as const, email: locked.row.email! };
      });
    },

    async list(page: number) {
      const [countRow] = await knex('users').count<{ count: string | number }[]>({ count: '*' });
      const total = Number(countRow?.count ?? 0);
      const rows = await summaries(knex)
        .orderByRaw('lower(u.name), u.id')
        .limit(USERS_PAGE_SIZE)
        .offset((page - 1) * USERS_PAGE_SIZE);
      return {
        items: rows.map(toSummary),
        total,
        page,
        pageSize: USERS_PAGE_SIZE,
        pageCount: Math.max(1, Math.ceil(total / USERS_PAGE_SIZE)),
      };
    },

    async get(id: number): Promise<UserSummary> {
      const row = await summaries(knex).where('u.id', id).first();
      if (!row) throw new NotFoundError('There is no user with that id.');
      return toSummary(row);
    },

    organisations(): Promise<OrganisationOption[]> {
      return knex('organisations').orderByRaw('lower(name), id').select('id', 'name');
    },

    /**
     * Invites a person: a 7-day invitation link that creates their account with this role (and
     * organisation, for an organisation lead). Returns the link, to be shown once.
     */
    async invite(input: {
      actor: CurrentUser;
      name: string;
      email: string;
      role: Role;
      organisationId: number | null;
      context: RequestContext;
    }): Promise<
      | { kind: 'invited'; url: string; expiresAt: Date; organisationName: string | null }
      | { kind: 'invalid'; errors: FieldError[] }
    > {
      const errors: FieldError[] = [];
      if (await emailInUse(knex, input.email))
        errors.push({ field: 'email', message: EMAIL_IN_USE });
      const organisation = await organisationFor(knex, input.role, input.organisationId);
      if (organisation.error) errors.push(organisation.error);
      if (errors.length) return { kind: 'invalid', errors };

      return knex.transaction(async (trx) => {
        if (await emailInUse(trx, input.email))
          return { kind: 'invalid' as const, errors: [{ field: 'email', message: EMAIL_IN_USE }] };
        const issued = await links.issueInvitation(trx, {
          email: input.email,
          name: input.name,
          role: input.role,
          organisationId: organisation.organisationId,
          createdBy: input.actor.id,
        });
        await recordAudit(trx, {
          actor: userActor(input.actor),
          action: 'user.invited',
          subjectType: 'invitation',
          subjectId: issued.tokenId,
          after: {
            email: input.email,
            name: input.name,
            role: input.role,
            organisationId: organisation.organisationId,
            tokenId: issued.tokenId,
            expiresAt: issued.expiresAt.toISOString(),
            supersededTokenIds: issued.supersededTokenIds,
          },
          ipAddress: input.context.ip,
          requestId: input.context.requestId,
        });
        const org = organisation.organisationId
          ? await trx('organisations').where({ id: organisation.organisationId }).first('name')
          : undefined;
        return {
          kind: 'invited' as const,
          url: issued.url,
          expiresAt: issued.expiresAt,
          organisationName: org?.name ?? null,
        };
      });
    },

    /** Changes a user's role and organisation; ends all their sessions so the change takes hold. */
    async changeRole(input: {
      actor: CurrentUser;
      userId: number;
      role: Role;
      organisationId: number | null;
      context: RequestContext;
    }): Promise<ChangeOutcome> {
      if (input.userId === input.actor.id) return { kind: 'refused', message: REFUSALS.demoteSelf };
      const organisation = await organisationFor(knex, input.role, input.organisationId);
      if (organisation.error) return { kind: 'invalid', errors: [organisation.error] };

      return knex.transaction(async (trx): Promise<ChangeOutcome> => {
        const adminIds = await lockAdmins(trx, input.actor);
        const user = await lockUser(trx, input.userId);
        const before = { role: user.role, organisationId: user.organisation_id };
        const after = { role: input.role, organisationId: organisation.organisationId };
        if (before.role === after.role && before.organisationId === after.organisationId)
          return { kind: 'unchanged' };
        const remainingAdmins = adminIds.filter((id) => id !== user.id);
        if (user.role === 'admin' && input.role !== 'admin' && remainingAdmins.length === 0)
          return { kind: 'refused', message: REFUSALS.lastAdmin };
        await trx('users').where({ id: user.id }).update({
          role: after.role,
          organisation_id: after.organisationId,
          updated_at: clock.now(),
        });
        const sessionsEnded = await sessions.destroyAllForUser(trx, user.id);
        await recordAudit(trx, {
          actor: userActor(input.actor),
          action: 'user.role_changed',
          subjectType: 'user',
          subjectId: user.id,
          before,
          after: { ...after, sessionsEnded },
          ipAddress: input.context.ip,
          requestId: input.context.requestId,
        });
        return { kind: 'changed' };
      });
    },

    /** Disables a user: every session of theirs ends now, and their reset links stop working. */
    async disable(input: {
      actor: CurrentUser;
      userId: number;
      context: RequestContext;
    }): Promise<ChangeOutcome> {
      if (input.userId === input.actor.id)
        return { kind: 'refused', message: REFUSALS.disableSelf };
      return knex.transaction(async (trx): Promise<ChangeOutcome> => {
        const adminIds = await lockAdmins(trx, input.actor);
        const user = await lockUser(trx, input.userId);
        if (user.disabled_at) return { kind: 'unchanged' };
        if (user.role === 'admin' && adminIds.filter((id) => id !== user.id).length === 0)
          return { kind: 'refused', message: REFUSALS.lastAdmin };
        const now = clock.now();
        await trx('users').where({ id: user.id }).update({ disabled_at: now, updated_at: now });
        const sessionsEnded = await sessions.destroyAllForUser(trx, user.id);
        const cancelledTokenIds = await links.cancelPasswordResets(trx, user.id);
        await recordAudit(trx, {
          actor: userActor(input.actor),
          action: 'user.disabled',
          subjectType: 'user',
          subjectId: user.id,
          before: { disabled: false },
          after: { disabled: true, sessionsEnded, cancelledTokenIds },
          ipAddress: input.context.ip,
          requestId: input.context.requestId,
        });
        return { kind: 'changed' };
      });
    },

    /** Lets a disabled user sign in again (with their existing password and two-factor). */
    async enable(input: {
      actor: CurrentUser;
      userId: number;
      context: RequestContext;
    }): Promise<ChangeOutcome> {
      return knex.transaction(async (trx): Promise<ChangeOutcome> => {
        await lockAdmins(trx, input.actor);
        const user = await lockUser(trx, input.userId);
        if (!user.disabled_at) return { kind: 'unchanged' };
        await trx('users')
          .where({ id: user.id })
          .update({ disabled_at: null, updated_at: clock.now() });
        await recordAudit(trx, {
          actor: userActor(input.actor),
          action: 'user.enabled',
          subjectType: 'user',
          subjectId: user.id,
          before: { disabled: true },
          after: { disabled: false },
          ipAddress: input.context.ip,
          requestId: input.context.requestId,
        });
        return { kind: 'changed' };
      });
    },

    /** A 24-hour password reset link for a user, to be shown to the administrator once. */
    async createResetLink(input: {
      actor: CurrentUser;
      userId: number;
      context: RequestContext;
    }): Promise<
      { kind: 'created'; url: string; expiresAt: Date } | { kind: 'refused'; message: string }
    > {
      return knex.transaction(async (trx) => {
        const user = await lockUser(trx, input.userId);
        if (user.disabled_at) return { kind: 'refused' as const, message: REFUSALS.resetDisabled };
        if (user.kind === 'service')
          return { kind: 'refused' as const, message: REFUSALS.resetService };
        const issued = await links.issuePasswordReset(trx, {
          userId: user.id,
          createdBy: input.actor.id,
        });
        await recordAudit(trx, {
          actor: userActor(input.actor),
          action: 'user.password_reset_link_created',
          subjectType: 'user',
          subjectId: user.id,
          after: {
            tokenId: issued.tokenId,
            expiresAt: issued.expiresAt.toISOString(),
            supersededTokenIds: issued.supersededTokenIds,
          },
          ipAddress: input.context.ip,
          requestId: input.context.requestId,
        });
        return { kind: 'created' as const, url: issued.url, expiresAt: issued.expiresAt };
      });
    },
  };
}
