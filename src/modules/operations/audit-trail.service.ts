/**
 * Checking the audit trail, and checkpointing its head (ADR 0010). `verify` recomputes every hash
 * and link (verifyAuditChain) and compares each published checkpoint with the event it names now:
 * a rewrite that recomputed the rest of the chain still changes the hashes the checkpoints hold.
 * `checkpoint` stores today's head (Europe/London) once, however many instances ask.
 */
import type { Knex } from 'knex';
import type { Clock } from '../../shared/clock';
import { verifyAuditChain } from './audit.repository';

export interface BrokenEvent {
  id: number;
  occurredAt: string;
  action: string;
  subject: string;
  /** 'hash': the event's own fields no longer give its hash; 'link': prev_hash is not the previous event's hash. */
  problem: 'hash' | 'link';
  storedHash: string;
  expectedHash: string;
}

export interface CheckpointMismatch {
  day: string;
  eventId: number;
  published: string;
  /** The event's hash now, or null when the event is gone. */
  now: string | null;
}

export interface AuditTrailReport {
  ok: boolean;
  events: number;
  head: { id: number; hash: string } | null;
  firstBroken: BrokenEvent | null;
  checkpoints: { checked: number; latest: Checkpoint | null; mismatched: CheckpointMismatch[] };
}

export interface Checkpoint {
  day: string;
  headEventId: number;
  headHash: string;
  eventCount: number;
  createdAt: Date;
}

interface CheckpointRow {
  day: string;
  head_event_id: number;
  head_hash: string;
  event_count: number;
  created_at: Date;
}

const toCheckpoint = (r: CheckpointRow): Checkpoint => ({
  day: r.day,
  headEventId: Number(r.head_event_id),
  headHash: r.head_hash,
  eventCount: Number(r.event_count),
  createdAt: r.created_at,
});

/** The most checkpoints listed at once: one a day is some 27 years. */
export const MAX_CHECKPOINTS = 10000;

export function createAuditTrailService(deps: { knex: Knex; clock: Clock }) {
  const { knex, clock } = deps;

  async function brokenEvent(id: number): Promise<BrokenEvent> {
    const { rows } = await knex.raw(
      `select e.id, e.occurred_at, e.action, e.subject_type, e.subject_id, e.hash,
              encode(sha256(convert_to(e.prev_hash || '|' || audit_event_content(e), 'UTF8')), 'hex') as expected,
              e.prev_hash = coalesce((select p.hash from audit_events p where p.id < e.id order by p.id desc limit 1), repeat('0', 64)) as link_ok
         from audit_events e where e.id = ?`,
      [id],
    );
    const r = rows[0];
    return {
      id: Number(r.id),
      occurredAt: new Date(r.occurred_at).toISOString(),
      action: r.action,
      subject: r.subject_id ? `${r.subject_type} ${r.subject_id}` : r.subject_type,
      problem: r.hash !== r.expected ? 'hash' : 'link',
      storedHash: r.hash,
      expectedHash: r.expected,
    };
  }

  async function head(trx: Knex | Knex.Transaction = knex) {
    const row = await trx('audit_events').select('id', 'hash').orderBy('id', 'desc').first();
    const count = await trx('audit_events').count({ n: '*' }).first();
    return row ? { id: Number(row.id), hash: row.hash as string, count: Number(count!.n) } : null;
  }

  async function latestCheckpoint(): Promise<Checkpoint | null> {
    const row = await knex<CheckpointRow>('audit_checkpoints').orderBy('day', 'desc').first();
    return row ? toCheckpoint(row) : null;
  }

  return {
    latestCheckpoint,

    async verify(): Promise<AuditTrailReport> {
      const chain = await verifyAuditChain(knex);
      const { rows } = await knex.raw(
        `select c.day, c.head_event_id, c.head_hash, e.hash as now
           from audit_checkpoints c left join audit_events e on e.id = c.head_event_id
          order by c.day`,
      );
      const mismatched = (
        rows as { day: string; head_event_id: number; head_hash: string; now: string | null }[]
      )
        .filter((r) => r.now !== r.head_hash)
        .map((r) => ({
          day: r.day,
          eventId: Number(r.head_event_id),
          published: r.head_hash,
          now: r.now,
        }));
      const latest = await latestCheckpoint();
      const top = await head();
      return {
        ok: chain.ok && mismatched.length === 0,
        events: chain.events,
        head: top ? { id: top.id, hash: top.hash } : null,
        firstBroken: chain.ok ? null : await brokenEvent(chain.brokenAt!),
        checkpoints: { checked: rows.length, latest, mismatched },
      };
    },

    /** Stores today's checkpoint unless it exists (or the trail is empty); true when this call stored it. */
    async checkpoint(): Promise<boolean> {
      const day = clock.today();
      if (await knex('audit_checkpoints').where({ day }).first('id')) return false;
      const top = await head();
      if (!top) return false;
      const inserted = await knex('audit_checkpoints')
        .insert({
          day,
          head_event_id: top.id,
          head_hash: top.hash,
          event_count: top.count,
          created_at: clock.now(),
        })
        .onConflict('day')
        .ignore()
        .returning('id');
      return inserted.length > 0;
    },

    /** Every checkpoint, newest first (at most MAX_CHECKPOINTS). */
    async checkpoints(): Promise<Checkpoint[]> {
      const rows = await knex<CheckpointRow>('audit_checkpoints')
        .orderBy('day', 'desc')
        .limit(MAX_CHECKPOINTS);
      return rows.map(toCheckpoint);
    },
  };
}

export type AuditTrailService = ReturnType<typeof createAuditTrailService>;
