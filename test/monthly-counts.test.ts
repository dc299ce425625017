/**
 * The month-by-month status counts and the per-organisation and per-theme totals, as the dashboards
 * serve them (computed once per data version), against an independent count in this file over a
 * hand-built history whose changes sit either side of London's clock changes (the last Sundays of
 * March and October) and of month ends in summer time, where UTC and London disagree on the month.
 * Then the same after a write, so a kept figure is never stale.
 */
import { buildTestApp } from './app';
import { createTestDatabase, type TestDatabase } from './db';
import {
  createAssignment,
  createOrganisation,
  createRecommendation,
  createReport,
} from './factories';
import { londonDate } from '../src/shared/calendar-date';
import { ASSIGNMENT_STATUSES, type AssignmentStatus } from '../src/db/tables';
import type { CurrentUser } from '../src/modules/accounts/accounts.types';

const NOW = '2025-12-15T12:00:00Z';
const TODAY = '2025-12-15';

interface Built {
  id: number;
  organisation: string;
  themes: string[];
  madeOn: string;
  dueOn: string;
  respondedOn: string | null;
  withdrawnAt: string | null;
  changes: { to: AssignmentStatus; at: string; reason?: string }[];
}

const viewer: CurrentUser = {
  id: 1,
  email: 'viewer@example.test',
  name: 'Viewer',
  role: 'viewer',
  organisationId: null,
  twoFactorEnabled: false,
};

const month = (instant: string) => londonDate(new Date(instant)).slice(0, 7);

/** Months 'YYYY-MM' from `from` to `to` inclusive. */
function months(from: string, to: string): string[] {
  const out: string[] = [];
  let [y, m] = from.split('-').map(Number) as [number, number];
  for (;;) {
    const label = `${y}-${String(m).padStart(2, '0')}`;
    out.push(label);
    if (label === to) return out;
    m += 1;
    if (m === 13) {
      m = 1;
      y += 1;
    }
  }
}

/** The status of each assignment at the end of each London month, counted here by hand. */
function expectedMonths(history: Built[]) {
  const first = history.map((a) => a.madeOn.slice(0, 7)).sort()[0]!;
  return months(first, TODAY.slice(0, 7)).map((m) => {
    const counts = Object.fromEntries(ASSIGNMENT_STATUSES.map((s) => [s, 0])) as Record<
      AssignmentStatus,
      number
    >;
    for (const a of history) {
      if (a.madeOn.slice(0, 7) > m || a.madeOn > TODAY) continue;
      if (a.withdrawnAt && month(a.withdrawnAt) <= m) continue;
      const last = a.changes.filter((c) => month(c.at) <= m && c.at <= NOW).at(-1);
      counts[last ? last.to : 'awaiting_response'] += 1;
    }
    return { month: m, counts };
  });
}

describe('monthly status counts and totals, against a hand count', () => {
  let db: TestDatabase;
  let built: ReturnType<typeof buildTestApp>;
  const history: Built[] = [];

  async function add(b: Omit<Built, 'id'>) {
    const report = await createReport(db.knex, { published_on: b.madeOn });
    const rec = await createRecommendation(db.knex, report, {
      made_on: b.madeOn,
      themes: b.themes.map((slug) => ({ slug, name: `Theme ${slug}` })),
    });
    const org =
      (await db.knex('organisations').where({ slug: b.organisation }).first()) ??
      (await createOrganisation(db.knex, { slug: b.organisation, name: `Org ${b.organisation}` }));
    const last = b.changes.at(-1);
    const a = await createAssignment(db.knex, rec, org, {
      response_due_on: b.dueOn,
      status: last?.to ?? 'awaiting_response',
      closure_reason: (last?.reason as never) ?? null,
      ...(b.respondedOn
        ? { responded_on: b.respondedOn, response_stance: 'accepted' as const }
        : {}),
      withdrawn_at: b.withdrawnAt ? new Date(b.withdrawnAt) : null,
      withdrawn_reason: b.withdrawnAt ? 'Addressed by mistake' : null,
    });
    let from: AssignmentStatus | null = null;
    for (const c of b.changes) {
      await db.knex('assignment_status_changes').insert({
        assignment_id: a.id,
        from_status: from,
        to_status: c.to,
        closure_reason: c.reason ?? null,
        event: 'recorded',
        actor_label: 'Hand-built history',
        changed_at: new Date(c.at),
      });
      from = c.to;
    }
    history.push({ ...b, id: a.id });
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    built = buildTestApp(db.knex, { now: NOW });
    // 30 March 2025 and 26 October 2025 are London's clock-change days.
    await add({
      organisation: 'hand-one',
      themes: ['training'],
      madeOn: '2025-01-15',
      dueOn: '2025-03-11',
      respondedOn: '2025-03-01',
      withdrawnAt: null,
      changes: [
        { to: 'in_progress', at: '2025-03-30T00:30:00Z' }, // 00:30 GMT, before the change: March
        { to: 'awaiting_verification', at: '2025-03-31T23:30:00Z' }, // 00:30 BST on 1 April
        { to: 'implemented', at: '2025-10-26T00:30:00Z' }, // 01:30 BST on the day clocks go back
      ],
    });
    await add({
      organisation: 'hand-two',
      themes: ['training', 'data'],
      madeOn: '2025-01-15',
      dueOn: '2025-03-11',
      respondedOn: '2025-10-31',
      withdrawnAt: null,
      changes: [
        { to: 'in_progress', at: '2025-10-31T23:30:00Z' }, // 23:30 GMT: still October
        { to: 'closed', at: '2025-11-30T23:59:00Z', reason: 'superseded' },
      ],
    });
    await add({
      organisation: 'hand-two',
      themes: [],
      madeOn: '2025-01-15',
      dueOn: '2025-02-10', // never answered: overdue
      respondedOn: null,
      withdrawnAt: null,
      changes: [],
    });
    await add({
      organisation: 'hand-three',
      themes: ['data'],
      madeOn: '2025-02-28',
      dueOn: '2025-04-24',
      respondedOn: '2025-04-30',
      withdrawnAt: '2025-08-14T23:30:00Z', // 00:30 BST on 15 August
      changes: [{ to: 'in_progress', at: '2025-04-30T23:30:00Z' }], // 00:30 BST on 1 May
    });
    await add({
      organisation: 'hand-three',
      themes: ['training'],
      madeOn: '2025-06-01',
      dueOn: '2025-07-26',
      respondedOn: '2025-06-01',
      withdrawnAt: null,
      // 00:15 BST on 1 June, the day it was made (still 31 May in UTC).
      changes: [{ to: 'in_progress', at: '2025-05-31T23:15:00Z' }],
    });
    await add({
      organisation: 'hand-one',
      themes: ['data'],
      madeOn: '2025-03-30',
      dueOn: '2025-05-24',
      respondedOn: '2025-03-30',
      withdrawnAt: null,
      changes: [
        { to: 'in_progress', at: '2025-03-30T01:30:00Z' }, // 02:30 BST, after the change: March
        { to: 'awaiting_verification', at: '2025-10-26T01:30:00Z' }, // 01:30 GMT after going back
        { to: 'in_progress', at: '2025-12-01T00:00:00Z' }, // midnight GMT: December
      ],
    });
  });
  afterAll(async () => {
    await db.destroy();
  });

  function actualMonths(rows: Awaited<ReturnType<typeof built.services.dashboards.progress>>) {
    return rows.map((m) => {
      const { total: _total, ...counts } = m.counts;
      return { month: m.month, counts };
    });
  }

  it('gives each London month-end the statuses a hand count gives, across both clock changes', async () => {
    const served = await built.services.dashboards.progress(viewer, {});
    expect(actualMonths(served)).toEqual(expectedMonths(history));
    // The second ask is the kept copy: the same figures.
    expect(await built.services.dashboards.progress(viewer, {})).toEqual(served);
  });

  it('gives per-organisation and per-theme totals and overdue counts a hand count gives', async () => {
    const live = history.filter((a) => !a.withdrawnAt);
    const statusOf = (a: Built) => a.changes.at(-1)?.to ?? 'awaiting_response';
    const overdue = (a: Built) =>
      a.respondedOn === null && statusOf(a) !== 'closed' && a.dueOn < TODAY;
    const { organisations, themes } = await built.services.dashboards.summary(viewer, {});
    for (const org of ['hand-one', 'hand-two', 'hand-three']) {
      const mine = live.filter((a) => a.organisation === org);
      const line = organisations.find((l) => l.slug === org)!;
      expect({ org, total: line.counts.total, overdue: line.overdueResponses }).toEqual({
        org,
        total: mine.length,
        overdue: mine.filter(overdue).length,
      });
      for (const s of ASSIGNMENT_STATUSES)
        expect({ org, s, n: line.counts[s] }).toEqual({
          org,
          s,
          n: mine.filter((a) => statusOf(a) === s).length,
        });
    }
    for (const theme of ['training', 'data']) {
      const mine = live.filter((a) => a.themes.includes(theme));
      const line = themes.find((l) => l.slug === theme)!;
      expect({ theme, total: line.counts.total }).toEqual({ theme, total: mine.length });
    }
    expect(themes.find((l) => l.slug === null)!.counts.total).toBe(
      live.filter((a) => a.themes.length === 0).length,
    );
  });

  it('counts a new status change at once, not from a kept copy', async () => {
    const before = await built.services.dashboards.progress(viewer, {});
    const target = history.find((a) => a.changes.length === 0 && !a.withdrawnAt)!;
    const change = { to: 'closed' as const, at: '2025-12-10T10:00:00Z', reason: 'superseded' };
    await db.knex('assignment_status_changes').insert({
      assignment_id: target.id,
      from_status: 'awaiting_response',
      to_status: 'closed',
      closure_reason: 'superseded',
      event: 'recorded',
      actor_label: 'Hand-built history',
      changed_at: new Date(change.at),
    });
    target.changes.push(change);
    const after = await built.services.dashboards.progress(viewer, {});
    expect(after).not.toEqual(before);
    expect(actualMonths(after)).toEqual(expectedMonths(history));
  });
});
