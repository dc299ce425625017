/**
 * API tokens: administrators issue them for a person or a service account, with a scope (a role,
 * and an organisation for org_lead) and an expiry at most a year away; anyone holding one calls
 * /api/v1 as the token's effective user. A token is `rtk_` + 32 random bytes (base64url), shown
 * once; only its SHA-256 is stored, so a database leak gives no usable token.
 *
 * Scope never exceeds the owner: a token may act only with a role its owner's current role allows
 * (SCOPES_FOR_ROLE), and an org_lead's token only for that lead's organisation. This is checked at
 * issue and again on every use, so demoting or disabling the owner stops the token at once.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { Clock } from '../../shared/clock';
import { NotFoundError, type FieldError } from '../../shared/errors';
import { recordAudit, userActor } from '../operations/audit.repository';
import type { CurrentUser, RequestContext, Role } from './accounts.types';
import type { BearerAuthenticator, BearerOutcome } from '../../shared/api/api-router';
import { createRateLimiter } from '../../shared/rate-limit/rate-limit';
import { ISSUE_TOKEN_MESSAGES, TOKENS_PAGE_SIZE } from './api-tokens.schemas';

export const TOKEN_PREFIX = 'rtk_';
const TOKEN_SHAPE = /^rtk_[A-Za-z0-9_-]{43}$/;
export const MAX_EXPIRY_DAYS = 365;
/** last_used_at is written at most this often per token. */
const LAST_USED_INTERVAL_MS = 60_000;
/** Failed token attempts per client address allowed in the window before 429s. */
export const TOKEN_THROTTLE = { windowMinutes: 15, perAddress: 20 } as const;

/** The roles a token may act with, by its owner's role: never more than the owner may do. */
export const SCOPES_FOR_ROLE: Record<Role, readonly Role[]> = {
  admin: ['admin', 'viewer'],
  overseer: ['overseer', 'viewer'],
  viewer: ['viewer'],
  org_lead: ['org_lead'],
};

export type TokenStatus = 'active' | 'expired' | 'revoked';

export interface TokenSummary {
  id: number;
  name: string;
  hint: string;
  ownerId: number;
  ownerName: string;
  ownerKind: 'person' | 'service';
  ownerDisabled: boolean;
  role: Role;
  organisationName: string | null;
  createdAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  status: TokenStatus;
}

export type IssueOutcome =
  | { kind: 'issued'; token: string; summary: TokenSummary }
  | { kind: 'invalid'; errors: FieldError[] };

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** A new token value: 256 bits from the system's CSPRNG, recognisable by its prefix. */
export function newTokenValue(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/** Whether a token scoped to `role`/`organisationId` stays within what its owner may do. */
export function scopeAllowed(
  owner: { role: Role; organisationId: number | null },
  role: Role,
  organisationId: number | null,
): boolean {
  if (!SCOPES_FOR_ROLE[owner.role].includes(role)) return false;
  return role !== 'org_lead' || organisationId === owner.organisationId;
}

type Db = Knex | Knex.Transaction;

interface TokenRow {
  id: number;
  name: string;
  token_hint: string;
  user_id: number;
  role: Role;
  organisation_id: number | null;
  created_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
  last_used_at: Date | null;
  owner_name: string;
  owner_kind: 'person' | 'service';
  owner_disabled_at: Date | null;
  organisation_name: string | null;
}

export type ApiTokensService = ReturnType<typeof createApiTokensService>;

interface IssueInput {
  actor: CurrentUser;
  name: string;
  owner: { userId: number } | { serviceName: string };
  role: Role;
  organisationId: number | null;
  expiresInDays: number;
  context: RequestContext;
}
type Invalid = Extract<IssueOutcome, { kind: 'invalid' }>;
const invalid = (field: string, message: string): Invalid => ({
  kind: 'invalid',
  errors: [{ field, message }],
});

/** The organisation an organisation lead's token acts for (it must exist); none for other roles. */
async function tokenOrganisation(
  trx: Knex.Transaction,
  input: IssueInput,
): Promise<{ kind: 'ok'; id: number | null } | Invalid> {
  if (input.role !== 'org_lead') return { kind: 'ok', id: null };
  const org = input.organisationId
    ? await trx('organisations').where({ id: input.organisationId }).first('id')
    : undefined;
  if (!org) return invalid('organisationId', ISSUE_TOKEN_MESSAGES.organisationId);
  return { kind: 'ok', id: org.id };
}

/**
 * The token's owner: an enabled account whose own scope covers the token's (locked while the token
 * is issued), or a new service account with the token's scope as its role (audited).
 */
async function tokenOwner(
  trx: Knex.Transaction,
  input: IssueInput,
  organisationId: number | null,
  now: Date,
): Promise<{ kind: 'ok'; id: number } | Invalid> {
  if ('userId' in input.owner) {
    const owner = await trx('users')
      .where({ id: input.owner.userId })
      .forUpdate()
      .first('id', 'role', 'organisation_id', 'disabled_at');
    if (!owner || owner.disabled_at)
      return invalid('userId', 'Select an enabled account to own the token');
    if (
      !scopeAllowed(
        { role: owner.role, organisationId: owner.organisation_id },
        input.role,
        organisationId,
      )
    )
      return invalid(
        'role',
        'A token cannot do more than its owner: choose a role (and organisation) the owner has, or Viewer',
      );
    return { kind: 'ok', id: owner.id };
  }
  const slug = randomBytes(6).toString('hex');
  const [created] = await trx('users')
    .insert({
      email: `service-${slug}@service-accounts.invalid`,
      name: input.owner.serviceName,
      role: input.role,
      organisation_id: organisationId,
      kind: 'service',
      created_at: now,
      updated_at: now,
    })
    .returning(['id']);
  await recordAudit(trx, {
    actor: userActor(input.actor),
    action: 'user.create_service_account',
    subjectType: 'user',
    subjectId: created.id,
    after: { name: input.owner.serviceName, role: input.role, organisationId },
    ipAddress: input.context.ip,
    requestId: input.context.requestId,
  });
  return { kind: 'ok', id: created.id };
}

export function createApiTokensService(deps: { knex: Knex; clock: Clock }) {
  const { knex, clock } = deps;
  const lastWritten = new Map<number, number>();
  const tokenFailures = createRateLimiter(knex, clock, {
    name: 'api-token-address',
    points: TOKEN_THROTTLE.perAddress,
    windowSeconds: TOKEN_THROTTLE.windowMinutes * 60,
  });

  const summaries = (db: Db) =>
    db('api_tokens as t')
      .join('users as u', 'u.id', 't.user_id')
      .leftJoin('organisations as o', 'o.id', 't.organisation_id')
      .select<TokenRow[]>(
        't.id',
        't.name',
        't.token_hint',
        't.user_id',
        't.role',
        't.organisation_id',
        't.created_at',
        't.expires_at',
        't.revoked_at',
        't.last_used_at',
        'u.name as owner_name',
        'u.kind as owner_kind',
        'u.disabled_at as owner_disabled_at',
        'o.name as organisation_name',
      );

  const toSummary = (r: TokenRow): TokenSummary => {
    const expiresAt = new Date(r.expires_at);
    const revokedAt = r.revoked_at ? new Date(r.revoked_at) : null;
    return {
      id: r.id,
      name: r.name,
      hint: r.token_hint,
      ownerId: r.user_id,
      ownerName: r.owner_name,
      ownerKind: r.owner_kind,
      ownerDisabled: r.owner_disabled_at !== null,
      role: r.role,
      organisationName: r.organisation_name,
      createdAt: new Date(r.created_at),
      expiresAt,
      revokedAt,
      lastUsedAt: r.last_used_at ? new Date(r.last_used_at) : null,
      status: revokedAt ? 'revoked' : expiresAt <= clock.now() ? 'expired' : 'active',
    };
  };

  /**
   * Counts a failed token from this address. Once the address has used up its failures in the
   * window, it is refused (429) without counting: a client hammering with bad tokens writes nothing
   * more, and the window ends when it ends.
   */
  async function recordFailure(context: RequestContext): Promise<BearerOutcome> {
    const waiting = await tokenFailures.peek(context.ip);
    const answer = waiting.allowed ? await tokenFailures.consume(context.ip) : waiting;
    return answer.allowed
      ? { kind: 'invalid' }
      : {
          kind: 'throttled',
          retryAfterSeconds: Math.max(1, Math.ceil(answer.retryAfterMs / 1000)),
        };
  }

  const authenticator: BearerAuthenticator = {
    /**
     * The effective user for a token: its owner's identity with the token's scope. Unknown,
     * expired or revoked tokens, disabled owners and scopes the owner no longer covers all fail the
     * same way. Failures are counted per client address; past the limit they get 429.
     */
    async authenticate(token, context) {
      if (!TOKEN_SHAPE.test(token)) return recordFailure(context);
      const now = clock.now();
      const row = await knex('api_tokens as t')
        .join('users as u', 'u.id', 't.user_id')
        .where('t.token_hash', hashToken(token))
        .first(
          't.id',
          't.role',
          't.organisation_id',
          't.expires_at',
          't.revoked_at',
          'u.id as user_id',
          'u.email',
          'u.name',
          'u.role as user_role',
          'u.organisation_id as user_organisation_id',
          'u.disabled_at',
        );
      const usable =
        row &&
        !row.revoked_at &&
        !row.disabled_at &&
        new Date(row.expires_at) > now &&
        scopeAllowed(
          { role: row.user_role, organisationId: row.user_organisation_id },
          row.role,
          row.organisation_id,
        );
      if (!usable) return recordFailure(context);
      const previous = lastWritten.get(row.id) ?? 0;
      if (now.getTime() - previous >= LAST_USED_INTERVAL_MS) {
        lastWritten.set(row.id, now.getTime());
        // The condition keeps it to one write a minute across instances too.
        await knex('api_tokens')
          .where({ id: row.id })
          .where((q) =>
            q
              .whereNull('last_used_at')
              .orWhere('last_used_at', '<', new Date(now.getTime() - LAST_USED_INTERVAL_MS)),
          )
          .update({ last_used_at: now });
      }
      const user: CurrentUser = {
        id: row.user_id,
        email: row.email,
        name: row.name,
        role: row.role,
        organisationId: row.organisation_id,
        twoFactorEnabled: false,
        apiTokenId: row.id,
      };
      return { kind: 'ok', user };
    },
  };

  return {
    authenticator,

    async list(page: number) {
      const [countRow] = await knex('api_tokens').count<{ count: string | number }[]>({
        count: '*',
      });
      const total = Number(countRow?.count ?? 0);
      const rows = await summaries(knex)
        .orderBy([
          { column: 't.created_at', order: 'desc' },
          { column: 't.id', order: 'desc' },
        ])
        .limit(TOKENS_PAGE_SIZE)
        .offset((page - 1) * TOKENS_PAGE_SIZE);
      return {
        items: rows.map(toSummary),
        total,
        page,
        pageSize: TOKENS_PAGE_SIZE,
        pageCount: Math.max(1, Math.ceil(total / TOKENS_PAGE_SIZE)),
      };
    },

    async get(id: number): Promise<TokenSummary> {
      const row = await summaries(knex).where('t.id', id).first();
      if (!row) throw new NotFoundError('There is no API token with that id.');
      return toSummary(row);
    },

    /** People and service accounts a token may be issued for (enabled ones). */
    owners(): Promise<
      { id: number; name: string; email: string; role: Role; kind: 'person' | 'service' }[]
    > {
      return knex('users')
        .whereNull('disabled_at')
        .orderByRaw('kind, lower(name), id')
        .limit(1000)
        .select('id', 'name', 'email', 'role', 'kind');
    },

    organisations(): Promise<{ id: number; name: string }[]> {
      return knex('organisations').orderByRaw('lower(name), id').select('id', 'name');
    },

    /**
     * Issues a token for an existing enabled account, or for a new service account created with the
     * token's scope as its role. One transaction with its audit events; the token value is returned
     * to be shown once and is never stored or audited.
     */
    async issue(input: IssueInput): Promise<IssueOutcome> {
      const now = clock.now();
      const days = Math.min(Math.max(1, input.expiresInDays), MAX_EXPIRY_DAYS);
      const expiresAt = new Date(now.getTime() + days * 86_400_000);
      const token = newTokenValue();
      const audit = { ipAddress: input.context.ip, requestId: input.context.requestId };
      return knex.transaction(async (trx) => {
        const organisation = await tokenOrganisation(trx, input);
        if (organisation.kind === 'invalid') return organisation;
        const organisationId = organisation.id;
        const owner = await tokenOwner(trx, input, organisationId, now);
        if (owner.kind === 'invalid') return owner;
        const ownerId = owner.id;
        const [row] = await trx('api_tokens')
          .insert({
            token_hash: hashToken(token),
            token_hint: token.slice(0, TOKEN_PREFIX.length + 6),
            name: input.name,
            user_id: ownerId,
            role: input.role,
            organisation_id: organisationId,
            created_by: input.actor.id,
            created_at: now,
            expires_at: expiresAt,
          })
          .returning(['id']);
        await recordAudit(trx, {
          actor: userActor(input.actor),
          action: 'api_token.issue',
          subjectType: 'api_token',
          subjectId: row.id,
          after: {
            name: input.name,
            ownerId,
            role: input.role,
            organisationId,
            expiresAt: expiresAt.toISOString(),
          },
          ...audit,
        });
        const summary = toSummary((await summaries(trx).where('t.id', row.id).first())!);
        return { kind: 'issued', token, summary };
      });
    },

    /** Revokes a token (idempotent); true when this call revoked it. */
    async revoke(input: { actor: CurrentUser; id: number; context: RequestContext }) {
      return knex.transaction(async (trx) => {
        const row = await trx('api_tokens')
          .where({ id: input.id })
          .forUpdate()
          .first('id', 'revoked_at', 'name');
        if (!row) throw new NotFoundError('There is no API token with that id.');
        if (row.revoked_at) return false;
        await trx('api_tokens')
          .where({ id: input.id })
          .update({ revoked_at: clock.now(), revoked_by: input.actor.id });
        await recordAudit(trx, {
          actor: userActor(input.actor),
          action: 'api_token.revoke',
          subjectType: 'api_token',
          subjectId: input.id,
          before: { name: row.name },
          ipAddress: input.context.ip,
          requestId: input.context.requestId,
        });
        return true;
      });
    },
  };
}
