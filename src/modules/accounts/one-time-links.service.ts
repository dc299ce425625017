/**
 * One-time links: the first-run set-up link, invitations and password resets. Each is a random
 * token (see tokens.ts) given out once; only its SHA-256 is stored, and a received token is found by
 * looking that hash up, never by comparing tokens. A link works once, until it expires, and only the
 * newest link of its kind (per email for invitations, per user for resets) works.
 *
 * Every change is one transaction with its audit event. Audit events name the token by its row id,
 * never by the token or its hash, and never hold a password.
 */
import type { Knex } from 'knex';
import type { Clock } from '../../shared/clock';
import type { FieldError } from '../../shared/errors';
import { paths } from '../../shared/paths';
import { recordAudit, SYSTEM_ACTOR, userActor } from '../operations/audit.repository';
import { emailKey, type UserRow } from './accounts.repository';
import type { RequestContext, Role } from './accounts.types';
import { checkPasswordPolicy, type PasswordHasher } from './password';
import type { SessionService } from './sessions.service';
import { createOneTimeToken, hashToken, isWellFormedToken } from './tokens';

export type LinkPurpose = 'setup' | 'invitation' | 'password_reset';

const HOUR_MS = 3_600_000;

/** How long each kind of link works for, from when it is made. */
export const LINK_LIFETIME_MS: Readonly<Record<LinkPurpose, number>> = Object.freeze({
  setup: 24 * HOUR_MS,
  invitation: 7 * 24 * HOUR_MS,
  password_reset: 24 * HOUR_MS,
});

/**
 * Why a link cannot be used. unknown: no such link (404). expired, used: it was real (410).
 * revoked: an administrator withdrew it (410; invitations only). closed: it is unused and in date
 * but its purpose is gone (410): the service already has an administrator, the invited email
 * already has an account, the user to reset is disabled.
 */
export type LinkProblem = 'unknown' | 'expired' | 'used' | 'revoked' | 'closed';

export interface OneTimeTokenRow {
  id: number;
  token_hash: string;
  purpose: LinkPurpose;
  user_id: number | null;
  email: string | null;
  name: string | null;
  role: Role | null;
  organisation_id: number | null;
  created_by: number | null;
  created_at: Date;
  expires_at: Date;
  used_at: Date | null;
  revoked_at: Date | null;
  revoked_by: number | null;
}

export interface SetupLink {
  tokenId: number;
}

export interface InvitationLink {
  tokenId: number;
  email: string;
  name: string;
  role: Role;
  organisationId: number | null;
  organisationName: string | null;
  createdBy: number | null;
}

export interface ResetLink {
  tokenId: number;
  userId: number;
  email: string;
  name: string;
}

export type LinkCheck<T> = { ok: true; link: T } | { ok: false; problem: LinkProblem };

export type LinkOutcome =
  | { kind: 'done'; userId: number }
  | { kind: 'problem'; problem: LinkProblem }
  | { kind: 'invalid'; errors: FieldError[] };

/** A link just made: the URL to give out once, and what may be kept (the row id, the expiry). */
export interface IssuedLink {
  tokenId: number;
  url: string;
  expiresAt: Date;
}

/** What the email for an invitation or reset link needs; the admin is still shown the link. */
export interface IssuedLinkEmail {
  purpose: 'invitation' | 'password_reset';
  email: string;
  name: string;
  url: string;
  expiresAt: Date;
  userId: number | null;
}

/** Serialises first-run set-up: issuing set-up links and creating the first administrator. */
const SETUP_LOCK = 7365402;

type Db = Knex | Knex.Transaction;

const trimSlash = (base: string) => base.replace(/\/+$/, '');

/** A unique index refused the row: here, another account took the email at the same moment. */
const isUniqueViolation = (err: unknown) => (err as { code?: string })?.code === '23505';

async function adminExists(db: Db): Promise<boolean> {
  return Boolean(await db('users').where({ role: 'admin' }).first('id'));
}

async function emailInUse(db: Db, email: string): Promise<boolean> {
  return Boolean(
    await db('users')
      .whereRaw('lower(email) = ?', [emailKey(email)])
      .first('id'),
  );
}

/** Makes the earlier unused, unexpired links matching `where` stop working from now. */
async function supersede(
  db: Db,
  now: Date,
  purpose: LinkPurpose,
  narrow: (q: Knex.QueryBuilder) => void = () => undefined,
): Promise<number[]> {
  const query = db('one_time_tokens')
    .where({ purpose })
    .whereNull('used_at')
    .where('expires_at', '>', now);
  narrow(query);
  const rows: { id: number }[] = await query.update({ expires_at: now }, ['id']);
  return rows.map((r) => r.id);
}

async function insertToken(
  db: Db,
  now: Date,
  fields: Partial<Omit<OneTimeTokenRow, 'id' | 'token_hash' | 'created_at' | 'expires_at'>> & {
    purpose: LinkPurpose;
  },
): Promise<{ token: string; id: number; expiresAt: Date }> {
  const { token, hash } = createOneTimeToken();
  const expiresAt = new Date(now.getTime() + LINK_LIFETIME_MS[fields.purpose]);
  const [row] = await db('one_time_tokens')
    .insert({ ...fields, token_hash: hash, created_at: now, expires_at: expiresAt })
    .returning(['id']);
  return { token, id: Number(row.id), expiresAt };
}

/**
 * First run: while no administrator exists, makes a new set-up link (24 hours), stops every earlier
 * set-up link from working, and returns the URL to print; returns null once there is an
 * administrator. Safe when several instances start at once (they take turns on a lock).
 */
export async function issueSetupLinkIfNoAdmin(
  knex: Knex,
  clock: Clock,
  publicBaseUrl: string,
): Promise<string | null> {
  return knex.transaction(async (trx) => {
    await trx.raw('select pg_advisory_xact_lock(?)', [SETUP_LOCK]);
    if (await adminExists(trx)) return null;
    const now = clock.now();
    const superseded = await supersede(trx, now, 'setup');
    const issued = await insertToken(trx, now, { purpose: 'setup' });
    await recordAudit(trx, {
      actor: SYSTEM_ACTOR,
      action: 'account.setup_link_issued',
      subjectType: 'one_time_token',
      subjectId: issued.id,
      after: {
        purpose: 'setup',
        tokenId: issued.id,
        expiresAt: issued.expiresAt.toISOString(),
        supersededTokenIds: superseded,
      },
    });
    return `${trimSlash(publicBaseUrl)}${paths.links.setup(issued.token)}`;
  });
}

/** The problems with a new password, as form errors on `password` and `confirmPassword`. */
export function newPasswordErrors(
  password: string,
  confirmPassword: string,
  context: { email?: string | null; name?: string | null; otherWords?: readonly string[] },
): FieldError[] {
  const errors: FieldError[] = [];
  const problems = checkPasswordPolicy(password, context);
  if (problems.length) errors.push({ field: 'password', message: problems[0]! });
  else if (confirmPassword === '')
    errors.push({ field: 'confirmPassword', message: 'Enter the password again to confirm it' });
  else if (password !== confirmPassword)
    errors.push({
      field: 'confirmPassword',
      message: 'The passwords do not match. Enter the same password in both boxes',
    });
  return errors;
}

export type OneTimeLinksService = ReturnType<typeof createOneTimeLinksService>;

export function createOneTimeLinksService(deps: {
  knex: Knex;
  clock: Clock;
  hasher: PasswordHasher;
  sessions: SessionService;
  publicBaseUrl: string;
  /** Added to the words a password must not be (the configured service name). */
  serviceName: string;
  /** Called in the transaction that made an invitation or reset link, to email it (notifications). */
  onLinkIssued?: (trx: Knex.Transaction, link: IssuedLinkEmail) => Promise<void>;
}) {
  const { knex, clock, hasher, sessions } = deps;
  const base = trimSlash(deps.publicBaseUrl);

  /** The row for a token of this purpose, if it is well formed and known; locked when in a transaction. */
  async function findToken(
    db: Db,
    purpose: LinkPurpose,
    token: unknown,
    lock = false,
  ): Promise<OneTimeTokenRow | undefined> {
    if (!isWellFormedToken(token)) return undefined;
    const query = db<OneTimeTokenRow>('one_time_tokens')
      .where({ token_hash: hashToken(token), purpose })
      .first();
    return lock ? query.forUpdate() : query;
  }

  function basicProblem(row: OneTimeTokenRow | undefined): LinkProblem | null {
    if (!row) return 'unknown';
    if (row.used_at) return 'used';
    if (row.revoked_at) return 'revoked';
    if (new Date(row.expires_at).getTime() <= clock.now().getTime()) return 'expired';
    return null;
  }

  async function checkSetupIn(db: Db, token: unknown, lock = false): Promise<LinkCheck<SetupLink>> {
    const row = await findToken(db, 'setup', token, lock);
    const problem = basicProblem(row);
    if (problem) return { ok: false, problem };
    if (await adminExists(db)) return { ok: false, problem: 'closed' };
    return { ok: true, link: { tokenId: row!.id } };
  }

  async function checkInvitationIn(
    db: Db,
    token: unknown,
    lock = false,
  ): Promise<LinkCheck<InvitationLink>> {
    const row = await findToken(db, 'invitation', token, lock);
    const problem = basicProblem(row);
    if (problem) return { ok: false, problem };
    const r = row!;
    if (await emailInUse(db, r.email!)) return { ok: false, problem: 'closed' };
    const organisation = r.organisation_id
      ? await db('organisations').where({ id: r.organisation_id }).first('name')
      : undefined;
    return {
      ok: true,
      link: {
        tokenId: r.id,
        email: r.email!,
        name: r.name ?? r.email!,
        role: r.role!,
        organisationId: r.organisation_id,
        organisationName: organisation?.name ?? null,
        createdBy: r.created_by,
      },
    };
  }

  async function checkResetIn(db: Db, token: unknown, lock = false): Promise<LinkCheck<ResetLink>> {
    const row = await findToken(db, 'password_reset', token, lock);
    const problem = basicProblem(row);
    if (problem) return { ok: false, problem };
    const user = await db<UserRow>('users').where({ id: row!.user_id! }).first();
    if (!user || user.disabled_at) return { ok: false, problem: 'closed' };
    return {
      ok: true,
      link: { tokenId: row!.id, userId: user.id, email: user.email, name: user.name },
    };
  }

  const markUsed = (trx: Knex.Transaction, tokenId: number) =>
    trx('one_time_tokens').where({ id: tokenId }).whereNull('used_at').update({
      used_at: clock.now(),
    });

  const otherWords = (...words: (string | null | undefined)[]) =>
    [deps.serviceName, ...words].filter((w): w is string => Boolean(w));

  return {
    issueSetupLinkIfNoAdmin: () => issueSetupLinkIfNoAdmin(knex, clock, base),

    checkSetup: (token: unknown) => checkSetupIn(knex, token),
    checkInvitation: (token: unknown) => checkInvitationIn(knex, token),
    checkReset: (token: unknown) => checkResetIn(knex, token),

    /**
     * Makes an invitation link (7 days) inside the caller's transaction; earlier unused invitations
     * to the same email stop working. The caller checks the fields and writes the audit event.
     */
    async issueInvitation(
      trx: Knex.Transaction,
      input: {
        email: string;
        name: string;
        role: Role;
        organisationId: number | null;
        createdBy: number;
      },
    ): Promise<IssuedLink & { supersededTokenIds: number[] }> {
      const now = clock.now();
      const supersededTokenIds = await supersede(trx, now, 'invitation', (q) =>
        q.whereRaw('lower(email) = ?', [emailKey(input.email)]),
      );
      const issued = await insertToken(trx, now, {
        purpose: 'invitation',
        email: input.email,
        name: input.name,
        role: input.role,
        organisation_id: input.role === 'org_lead' ? input.organisationId : null,
        created_by: input.createdBy,
      });
      const url = `${base}${paths.links.invitation(issued.token)}`;
      await deps.onLinkIssued?.(trx, {
        purpose: 'invitation',
        email: input.email,
        name: input.name,
        url,
        expiresAt: issued.expiresAt,
        userId: null,
      });
      return { tokenId: issued.id, url, expiresAt: issued.expiresAt, supersededTokenIds };
    },

    /**
     * Makes a password reset link (24 hours) for a user inside the caller's transaction; the user's
     * earlier unused reset links stop working. The caller writes the audit event.
     */
    async issuePasswordReset(
      trx: Knex.Transaction,
      input: { userId: number; createdBy: number },
    ): Promise<IssuedLink & { supersededTokenIds: number[] }> {
      const now = clock.now();
      const supersededTokenIds = await supersede(trx, now, 'password_reset', (q) =>
        q.where({ user_id: input.userId }),
      );
      const issued = await insertToken(trx, now, {
        purpose: 'password_reset',
        user_id: input.userId,
        created_by: input.createdBy,
      });
      const url = `${base}${paths.links.resetPassword(issued.token)}`;
      if (deps.onLinkIssued) {
        const user = await trx<UserRow>('users').where({ id: input.userId }).first();
        if (user)
          await deps.onLinkIssued(trx, {
            purpose: 'password_reset',
            email: user.email,
            name: user.name,
            url,
            expiresAt: issued.expiresAt,
            userId: user.id,
          });
      }
      return { tokenId: issued.id, url, expiresAt: issued.expiresAt, supersededTokenIds };
    },

    /** Stops a user's unused reset links from working (when the user is disabled). */
    cancelPasswordResets(trx: Knex.Transaction, userId: number): Promise<number[]> {
      return supersede(trx, clock.now(), 'password_reset', (q) => q.where({ user_id: userId }));
    },

    /** Creates the first administrator from a set-up link. The link is used in the same transaction. */
    async completeSetup(input: {
      token: string;
      name: string;
      email: string;
      password: string;
      confirmPassword: string;
      context: RequestContext;
    }): Promise<LinkOutcome> {
      const first = await checkSetupIn(knex, input.token);
      if (!first.ok) return { kind: 'problem', problem: first.problem };
      const errors: FieldError[] = [];
      if (await emailInUse(knex, input.email))
        errors.push({ field: 'email', message: 'An account already uses this email address' });
      errors.push(
        ...newPasswordErrors(input.password, input.confirmPassword, {
          email: input.email,
          name: input.name,
          otherWords: otherWords(),
        }),
      );
      if (errors.length) return { kind: 'invalid', errors };
      const passwordHash = await hasher.hash(input.password);
      const emailTaken: LinkOutcome = {
        kind: 'invalid',
        errors: [{ field: 'email', message: 'An account already uses this email address' }],
      };
      return knex.transaction(async (trx): Promise<LinkOutcome> => {
        await trx.raw('select pg_advisory_xact_lock(?)', [SETUP_LOCK]);
        const checked = await checkSetupIn(trx, input.token, true);
        if (!checked.ok) return { kind: 'problem', problem: checked.problem };
        if (await emailInUse(trx, input.email)) return emailTaken;
        const now = clock.now();
        const [user] = await trx('users')
          .insert({
            email: input.email,
            name: input.name,
            role: 'admin',
            organisation_id: null,
            password_hash: passwordHash,
            password_changed_at: now,
            created_at: now,
            updated_at: now,
          })
          .returning(['id', 'email']);
        await markUsed(trx, checked.link.tokenId);
        await recordAudit(trx, {
          actor: userActor(user),
          action: 'account.setup',
          subjectType: 'user',
          subjectId: user.id,
          after: {
            email: input.email,
            name: input.name,
            role: 'admin',
            tokenId: checked.link.tokenId,
          },
          ipAddress: input.context.ip,
          requestId: input.context.requestId,
        });
        return { kind: 'done', userId: user.id };
      });
    },

    /** Creates the invited user with the invited role and organisation, and uses the invitation. */
    async acceptInvitation(input: {
      token: string;
      password: string;
      confirmPassword: string;
      context: RequestContext;
    }): Promise<LinkOutcome> {
      const first = await checkInvitationIn(knex, input.token);
      if (!first.ok) return { kind: 'problem', problem: first.problem };
      const invitation = first.link;
      const errors = newPasswordErrors(input.password, input.confirmPassword, {
        email: invitation.email,
        name: invitation.name,
        otherWords: otherWords(invitation.organisationName),
      });
      if (errors.length) return { kind: 'invalid', errors };
      const passwordHash = await hasher.hash(input.password);
      const accept = knex.transaction(async (trx): Promise<LinkOutcome> => {
        const checked = await checkInvitationIn(trx, input.token, true);
        if (!checked.ok) return { kind: 'problem', problem: checked.problem };
        const link = checked.link;
        const now = clock.now();
        const [user] = await trx('users')
          .insert({
            email: link.email,
            name: link.name,
            role: link.role,
            organisation_id: link.role === 'org_lead' ? link.organisationId : null,
            password_hash: passwordHash,
            password_changed_at: now,
            created_at: now,
            updated_at: now,
          })
          .returning(['id', 'email']);
        await markUsed(trx, link.tokenId);
        await recordAudit(trx, {
          actor: userActor(user),
          action: 'account.invitation_accepted',
          subjectType: 'user',
          subjectId: user.id,
          after: {
            email: link.email,
            name: link.name,
            role: link.role,
            organisationId: link.organisationId,
            invitedBy: link.createdBy,
            tokenId: link.tokenId,
          },
          ipAddress: input.context.ip,
          requestId: input.context.requestId,
        });
        return { kind: 'done', userId: user.id };
      });
      // Another account took the email between the check and the insert: the invitation is moot.
      return accept.catch((err: unknown): LinkOutcome => {
        if (isUniqueViolation(err)) return { kind: 'problem', problem: 'closed' };
        throw err;
      });
    },

    /** Sets a new password from a reset link, ends all the user's sessions and uses the link. */
    async resetPassword(input: {
      token: string;
      password: string;
      confirmPassword: string;
      context: RequestContext;
    }): Promise<LinkOutcome> {
      const first = await checkResetIn(knex, input.token);
      if (!first.ok) return { kind: 'problem', problem: first.problem };
      const organisation = await knex('users as u')
        .join('organisations as o', 'o.id', 'u.organisation_id')
        .where('u.id', first.link.userId)
        .first('o.name');
      const errors = newPasswordErrors(input.password, input.confirmPassword, {
        email: first.link.email,
        name: first.link.name,
        otherWords: otherWords(organisation?.name),
      });
      if (errors.length) return { kind: 'invalid', errors };
      const passwordHash = await hasher.hash(input.password);
      return knex.transaction(async (trx): Promise<LinkOutcome> => {
        const checked = await checkResetIn(trx, input.token, true);
        if (!checked.ok) return { kind: 'problem', problem: checked.problem };
        const link = checked.link;
        const now = clock.now();
        const updated = await trx('users')
          .where({ id: link.userId })
          .whereNull('disabled_at')
          .update({ password_hash: passwordHash, password_changed_at: now, updated_at: now });
        if (updated !== 1) return { kind: 'problem', problem: 'closed' };
        await markUsed(trx, link.tokenId);
        const supersededTokenIds = await supersede(trx, now, 'password_reset', (q) =>
          q.where({ user_id: link.userId }),
        );
        const sessionsEnded = await sessions.destroyAllForUser(trx, link.userId);
        await recordAudit(trx, {
          actor: userActor({ id: link.userId, email: link.email }),
          action: 'user.password_reset',
          subjectType: 'user',
          subjectId: link.userId,
          after: { tokenId: link.tokenId, sessionsEnded, supersededTokenIds },
          ipAddress: input.context.ip,
          requestId: input.context.requestId,
        });
        return { kind: 'done', userId: link.userId };
      });
    },
  };
}
