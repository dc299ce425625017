/**
 * Writing and checking the audit trail. Events are written inside the caller's transaction, so a
 * change and its audit event are stored together or not at all; the database chains and guards them
 * (see the create_audit_events migration).
 */
import type { Knex } from 'knex';

export interface AuditActor {
  type: 'user' | 'system' | 'public' | 'api_token';
  id?: string | null;
  label?: string | null;
}

export interface AuditEvent {
  actor: AuditActor;
  /** dotted lower-case, e.g. 'recommendation.create' */
  action: string;
  subjectType: string;
  subjectId?: string | number | null;
  before?: unknown;
  after?: unknown;
  ipAddress?: string | null;
  requestId?: string | null;
}

export const SYSTEM_ACTOR: AuditActor = { type: 'system', label: 'system' };

/**
 * A person (or service account) as the actor of an event. When they act through an API token, the
 * label says which token, so the trail shows how a change was made as well as by whom.
 */
export function userActor(user: { id: number; email: string; apiTokenId?: number }): AuditActor {
  return {
    type: 'user',
    id: String(user.id),
    label: user.apiTokenId ? `${user.email} (API token ${user.apiTokenId})` : user.email,
  };
}

export async function recordAudit(
  trx: Knex | Knex.Transaction,
  events: AuditEvent | AuditEvent[],
): Promise<void> {
  const list = Array.isArray(events) ? events : [events];
  if (list.length === 0) return;
  await trx('audit_events').insert(
    list.map((e) => ({
      actor_type: e.actor.type,
      actor_id: e.actor.id ?? null,
      actor_label: e.actor.label ?? null,
      action: e.action,
      subject_type: e.subjectType,
      subject_id: e.subjectId === undefined || e.subjectId === null ? null : String(e.subjectId),
      before: e.before === undefined ? null : JSON.stringify(e.before),
      after: e.after === undefined ? null : JSON.stringify(e.after),
      ip_address: e.ipAddress ?? null,
      request_id: e.requestId ?? null,
      // Filled in by the audit_events_chain trigger.
      prev_hash: '',
      hash: '',
    })),
  );
}

export interface ChainCheck {
  ok: boolean;
  events: number;
  /** The first event whose hash or link does not match, when the chain is broken. */
  brokenAt?: number;
}

/** Recomputes every hash in one query and checks each event links to the one before it. */
export async function verifyAuditChain(knex: Knex): Promise<ChainCheck> {
  const result = await knex.raw(`
    select id,
           hash = encode(sha256(convert_to(prev_hash || '|' || audit_event_content(e), 'UTF8')), 'hex') as hash_ok,
           prev_hash = coalesce(lag(hash) over (order by id), repeat('0', 64)) as link_ok
      from audit_events e
     order by id`);
  const rows = result.rows as { id: number; hash_ok: boolean; link_ok: boolean }[];
  const broken = rows.find((r) => !r.hash_ok || !r.link_ok);
  return broken
    ? { ok: false, events: rows.length, brokenAt: Number(broken.id) }
    : { ok: true, events: rows.length };
}
