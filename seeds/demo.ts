/**
 * Invented data at any size, for demos and benchmarks (`npm run seed:demo -- --scale N`).
 *
 * Everything is fictional and marked so: organisation slugs start `demo-`, report titles `Demo:`,
 * references `DEMO-`, and no name is a real place or force, so a screenshot or a benchmark dump can
 * never be mistaken for a statement about a real body. The whole data set is planned in memory from
 * a seeded generator first and written afterwards, so the same seed gives the same rows on any
 * database, whatever ids it hands out.
 */
import type { Knex } from 'knex';
import { dutyFallsOn, statutoryDueDate } from '../src/modules/assignments/deadlines';
import type { LegalBasis } from '../src/modules/assignments/deadlines.rules';
import {
  type CalendarDate,
  addDays,
  compareDates,
  daysBetween,
  minDate,
  parseCalendarDate,
} from '../src/shared/calendar-date';
import { recordStatusesWithoutHistory } from '../src/modules/assignments/status-history';
import { recordResponsesWithoutVersions } from '../src/modules/assignments/response-versions';

export interface DemoOptions {
  /** The number of invented addressee organisations, 1 to 5000; everything else grows with it. */
  scale: number;
  /** Seed for the generator (an integer 0 to 2^32 − 1); 1 when left out. */
  seed?: number;
  /** The day the data is made relative to: publication dates fall before it, some due dates after. */
  today: CalendarDate;
}

export interface DemoSummary {
  organisations: number;
  reports: number;
  recommendations: number;
  assignments: number;
  themes: number;
}

export const MAX_DEMO_SCALE = 5000;

const ISSUER_NAME = 'Example Oversight Office (fictional)';
const ISSUER_SHORT = 'EOO (fictional)';
const SOURCE_BASE = 'https://example.org/fictional';
const FICTION_NOTE = 'This is invented demonstration data; it describes no real body or event.';

/** The average number of assignments per organisation the fan-out aims at (the brief: 10 to 30). */
const TARGET_ASSIGNMENTS_PER_ORGANISATION = 20;
const MIN_ASSIGNMENTS_PER_ORGANISATION = 8;
const PUBLICATION_SPAN_DAYS = 4 * 365;
/** PostgreSQL takes at most 65,535 parameters per statement; 1000 rows stays far below that. */
const BATCH_ROWS = 1000;

// Real theme slugs rather than demo- ones, so the demo data exercises the same filters as real
// data; the main seed may already have created some of them, and its names then win.
const THEMES = [
  {
    slug: 'training',
    name: 'Training',
    subjects: ['refresher training for first responders', 'training for call handlers'],
  },
  {
    slug: 'information-sharing',
    name: 'Information sharing',
    subjects: ['information sharing with partner agencies', 'referrals between teams'],
  },
  {
    slug: 'victim-care',
    name: 'Victim care',
    subjects: ['updates given to victims', 'the support offered to bereaved families'],
  },
  {
    slug: 'crime-recording',
    name: 'Crime recording',
    subjects: ['how reports of crime are recorded', 'the audit of closed incidents'],
  },
  {
    slug: 'leadership',
    name: 'Leadership',
    subjects: ['senior oversight of this work', 'how lessons are shared by leaders'],
  },
  {
    slug: 'data-quality',
    name: 'Data quality',
    subjects: ['the accuracy of performance data', 'how protected characteristics are recorded'],
  },
] as const;

type Theme = (typeof THEMES)[number];

const TITLE_VERBS = ['Review', 'Improve', 'Strengthen', 'Set clear standards for', 'Audit'];
const PURPOSES = [
  'so that risk is identified earlier',
  'so that the public can see what has changed',
  'so that decisions are recorded and can be checked',
  'so that the same failings are not repeated',
];

type OrganisationKind = 'police_force' | 'national_body' | 'local_authority' | 'pcc_office';
type AssignmentStatus =
  'awaiting_response' | 'in_progress' | 'awaiting_verification' | 'implemented' | 'closed';
type Stance = 'accepted' | 'partially_accepted' | 'not_accepted';
type ClosureReason = 'not_accepted' | 'overtaken_by_events' | 'superseded' | 'not_implemented';

const RESPONSE_TEXTS: Record<Stance, string[]> = {
  accepted: [
    'Accepted. We will {action} and report progress to our oversight board every quarter.',
    'Accepted. A named lead will {action}; the first review is planned within six months.',
  ],
  partially_accepted: [
    'Partially accepted. We agree with the aim and will {action}, but the proposed timescale is not achievable.',
    'Partially accepted. Part of this is already in place; we will {action} where it is not.',
  ],
  not_accepted: [
    'Not accepted. We believe our current arrangements already meet the aim of this recommendation.',
    'Not accepted. The cost is not justified by the expected benefit; we will keep this under review.',
  ],
};

/** mulberry32: tiny, fast and good enough to make varied-looking data reproducibly. */
class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A number in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer from min to max, both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[this.int(0, items.length - 1)];
    if (item === undefined) throw new Error('Cannot pick from an empty list');
    return item;
  }

  weighted<T extends string>(weights: Readonly<Record<T, number>>): T {
    const entries = Object.entries(weights) as [T, number][];
    let roll = this.next() * entries.reduce((sum, [, w]) => sum + w, 0);
    for (const [value, weight] of entries) {
      roll -= weight;
      if (roll < 0) return value;
    }
    return entries[entries.length - 1]![0];
  }

  /** k distinct items of `items` (Floyd's algorithm: O(k) however long the list is). */
  sample<T>(items: readonly T[], k: number): T[] {
    const n = items.length;
    if (k >= n) return [...items];
    const chosen = new Set<number>();
    for (let j = n - k; j < n; j += 1) {
      const t = this.int(0, j);
      chosen.add(chosen.has(t) ? j : t);
    }
    return [...chosen].sort((a, b) => a - b).map((i) => items[i]!);
  }

  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i -= 1) {
      const j = this.int(0, i);
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    return items;
  }
}

interface PlannedOrganisation {
  slug: string;
  name: string;
  kind: OrganisationKind;
}

interface PlannedReport {
  slug: string;
  title: string;
  legalBasis: LegalBasis;
  publishedOn: CalendarDate;
  datedOn: CalendarDate | null;
  mainTheme: Theme;
}

interface PlannedRecommendation {
  report: PlannedReport;
  ref: string;
  position: number;
  title: string | null;
  body: string | null;
  madeOn: CalendarDate;
  dueOn: CalendarDate | null;
  themes: Theme[];
  addressees: number[];
}

interface PlannedResponse {
  status: AssignmentStatus;
  closureReason: ClosureReason | null;
  stance: Stance | null;
  respondedOn: CalendarDate | null;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

function planOrganisations(scale: number): PlannedOrganisation[] {
  // Fixed proportions rather than random draws, so that even scale 1 has a police force to send
  // inspection reports to.
  const national = Math.floor(scale * 0.08);
  const local = Math.floor(scale * 0.1);
  const pcc = Math.floor(scale * 0.07);
  const forces = scale - national - local - pcc;
  const width = Math.max(3, String(scale).length);
  const make = (
    count: number,
    kind: OrganisationKind,
    name: string,
    slug: string,
  ): PlannedOrganisation[] =>
    Array.from({ length: count }, (_, i) => ({
      kind,
      name: `${name} ${pad(i + 1, width)}`,
      slug: `demo-${slug}-${pad(i + 1, width)}`,
    }));
  return [
    ...make(forces, 'police_force', 'Demo Constabulary', 'constabulary'),
    ...make(national, 'national_body', 'Example National Body', 'national-body'),
    ...make(local, 'local_authority', 'Demo District Council', 'district-council'),
    ...make(pcc, 'pcc_office', 'Office of the Demo Police and Crime Commissioner', 'pcc-office'),
  ];
}

function planReports(rng: Random, scale: number, today: CalendarDate): PlannedReport[] {
  const count = Math.max(3, Math.round(scale / 10));
  // Every inspection recommendation goes to every force, so their number is held to about a dozen
  // whatever the scale; otherwise the fan-out alone would swamp each force.
  const inspections = count >= 20 ? 2 : 1;
  const cycle: LegalBasis[] = ['iopc_para_28a', 'coroner_pfd', 'none', 'iopc_para_28a'];
  const bases: LegalBasis[] = Array.from(
    { length: count - inspections },
    (_, i) => cycle[i % cycle.length]!,
  );
  rng.shuffle(bases);
  // The newest report is the one whose responses are not yet due, so it needs a response clock.
  const newestIopc = bases.lastIndexOf('iopc_para_28a');
  [bases[newestIopc], bases[bases.length - 1]] = [bases[bases.length - 1]!, bases[newestIopc]!];
  // An inspection that is not yet due would put every force's assignments for it in that state at
  // once, so inspections are kept at least about three months old.
  const slot = PUBLICATION_SPAN_DAYS / count;
  const latestInspection = Math.max(0, count - 1 - Math.ceil(90 / slot));
  for (let i = 0; i < inspections; i += 1) {
    bases.splice(rng.int(0, Math.min(latestInspection, bases.length - 1)), 0, 'hmicfrs_s55');
  }

  const width = Math.max(2, String(count).length);
  return bases.map((legalBasis, i) => {
    // One report per slot of the span, oldest first, so dates spread evenly over the years and the
    // older reports are always long past their deadlines. The newest is a few weeks old, so some
    // responses are not yet due.
    const isNewest = i === count - 1;
    const daysAgo = isNewest
      ? rng.int(10, 40)
      : Math.max(41, Math.round(PUBLICATION_SPAN_DAYS - (i + rng.next()) * slot));
    const publishedOn = addDays(today, -daysAgo);
    const mainTheme = rng.pick(THEMES);
    const number = pad(i + 1, width);
    return {
      slug: `demo-report-${number}`,
      title: reportTitle(legalBasis, mainTheme, number),
      legalBasis,
      publishedOn,
      datedOn: legalBasis === 'coroner_pfd' ? addDays(publishedOn, -rng.int(2, 20)) : null,
      mainTheme,
    };
  });
}

function reportTitle(basis: LegalBasis, theme: Theme, number: string): string {
  const topic = theme.name.toLowerCase();
  switch (basis) {
    case 'iopc_para_28a':
      return `Demo: Learning recommendations on ${topic} from fictional investigation ${number}`;
    case 'hmicfrs_s55':
      return `Demo: Fictional national inspection of ${topic} in policing (${number})`;
    case 'coroner_pfd':
      return `Demo: Report to prevent future deaths after fictional inquest ${number}`;
    case 'none':
      return `Demo: Thematic review of ${topic} (fictional, ${number})`;
  }
}

function planRecommendations(
  rng: Random,
  reports: PlannedReport[],
  organisations: PlannedOrganisation[],
): PlannedRecommendation[] {
  const all = organisations.map((_, i) => i);
  const forces = all.filter((i) => organisations[i]!.kind === 'police_force');
  const notCouncils = all.filter((i) => organisations[i]!.kind !== 'local_authority');
  const reportWidth = Math.max(2, String(reports.length).length);

  const recommendations: PlannedRecommendation[] = [];
  reports.forEach((report, r) => {
    const count = report.legalBasis === 'hmicfrs_s55' ? rng.int(5, 8) : rng.int(5, 20);
    const madeOn = report.datedOn ?? report.publishedOn;
    // The law's date for an addressee the duty falls on; each assignment keeps it only if so.
    const dueOn = statutoryDueDate({
      legalBasis: report.legalBasis,
      addresseeKind: 'pcc_office',
      override: { mode: 'statutory' },
      recommendationMadeOn: madeOn,
      reportPublishedOn: report.publishedOn,
      reportDatedOn: report.datedOn,
    });
    for (let n = 1; n <= count; n += 1) {
      const themes = [report.mainTheme];
      for (const extra of rng.sample(THEMES, rng.int(0, 2))) {
        if (!themes.includes(extra)) themes.push(extra);
      }
      const pending = rng.chance(0.05);
      const subject = rng.pick(themes[0]!.subjects);
      const verb = rng.pick(TITLE_VERBS);
      recommendations.push({
        report,
        ref: `DEMO-R${pad(r + 1, reportWidth)}-${pad(n, 2)}`,
        position: n,
        title: pending ? null : `${verb} ${subject}`,
        body: pending
          ? null
          : `Each addressee should ${verb.toLowerCase()} ${subject}, ${rng.pick(PURPOSES)}. ` +
            FICTION_NOTE,
        madeOn,
        dueOn,
        themes,
        addressees: report.legalBasis === 'hmicfrs_s55' ? forces : [],
      });
    }
  });

  // Size the other fan-outs so that, with the inspections, organisations average about
  // TARGET_ASSIGNMENTS_PER_ORGANISATION assignments: most recommendations go to one or a few
  // bodies, a long tail to many (an exponential spread around the mean).
  const fannedOut = recommendations.reduce((sum, rec) => sum + rec.addressees.length, 0);
  const rest = recommendations.filter((rec) => rec.addressees.length === 0);
  const budget = TARGET_ASSIGNMENTS_PER_ORGANISATION * organisations.length - fannedOut;
  const mean = Math.max(1, budget / Math.max(1, rest.length));
  for (const rec of rest) {
    const pool = rec.report.legalBasis === 'iopc_para_28a' ? notCouncils : all;
    const k = 1 + Math.floor(-Math.log(1 - rng.next()) * (mean - 0.5));
    rec.addressees = rng.sample(pool, Math.min(k, pool.length));
  }

  // Organisations outside most pools (councils get no IOPC recommendations) would otherwise end
  // up with a handful of assignments, too few to make their pages or benchmarks realistic.
  const load = new Array<number>(organisations.length).fill(0);
  for (const rec of recommendations) for (const org of rec.addressees) load[org]! += 1;
  for (const org of all) {
    const eligible =
      organisations[org]!.kind === 'local_authority'
        ? rest.filter((rec) => rec.report.legalBasis !== 'iopc_para_28a')
        : rest;
    const wanted = Math.min(MIN_ASSIGNMENTS_PER_ORGANISATION, eligible.length);
    for (let tries = 0; load[org]! < wanted && tries < 20 * wanted; tries += 1) {
      const rec = rng.pick(eligible);
      if (rec.addressees.includes(org)) continue;
      rec.addressees = [...rec.addressees, org].sort((a, b) => a - b);
      load[org]! += 1;
    }
  }
  return recommendations;
}

/**
 * A status, stance and response date that satisfy every assignments check constraint and make
 * sense against the due date: nothing is answered before it was made or after today.
 */
function planResponse(
  rng: Random,
  rec: PlannedRecommendation,
  today: CalendarDate,
): PlannedResponse {
  const { madeOn, dueOn } = rec;
  const notYetDue = dueOn !== null && compareDates(dueOn, today) >= 0;
  const status = rng.weighted<AssignmentStatus | 'refused'>(
    notYetDue
      ? {
          awaiting_response: 75,
          refused: 3,
          in_progress: 22,
          awaiting_verification: 0,
          implemented: 0,
          closed: 0,
        }
      : {
          awaiting_response: 14,
          refused: 4,
          in_progress: 40,
          awaiting_verification: 10,
          implemented: 20,
          closed: 12,
        },
  );

  const respond = (stance: Stance) => ({
    stance,
    respondedOn: responseDate(rng, madeOn, dueOn, today),
  });
  switch (status) {
    case 'awaiting_response':
      return { status, closureReason: null, stance: null, respondedOn: null };
    case 'refused':
      // A refusal leaves the assignment open until an overseer closes or challenges it.
      return { status: 'awaiting_response', closureReason: null, ...respond('not_accepted') };
    case 'in_progress':
    case 'awaiting_verification':
    case 'implemented':
      return {
        status,
        closureReason: null,
        ...respond(rng.chance(0.75) ? 'accepted' : 'partially_accepted'),
      };
    case 'closed': {
      const closureReason = rng.weighted<ClosureReason>({
        not_accepted: 30,
        overtaken_by_events: 25,
        superseded: 20,
        not_implemented: 25,
      });
      if (closureReason === 'not_accepted')
        return { status, closureReason, ...respond('not_accepted') };
      if (closureReason === 'not_implemented')
        return { status, closureReason, ...respond('accepted') };
      return rng.chance(0.5)
        ? { status, closureReason, ...respond('accepted') }
        : { status, closureReason, stance: null, respondedOn: null };
    }
  }
}

function responseDate(
  rng: Random,
  madeOn: CalendarDate,
  dueOn: CalendarDate | null,
  today: CalendarDate,
): CalendarDate {
  if (dueOn === null) {
    const age = daysBetween(madeOn, today);
    return addDays(madeOn, rng.int(Math.min(7, age), Math.min(180, age)));
  }
  const daysPastDue = daysBetween(dueOn, today);
  if (daysPastDue >= 1 && rng.chance(0.3))
    return addDays(dueOn, rng.int(1, Math.min(150, daysPastDue)));
  return addDays(madeOn, rng.int(0, daysBetween(madeOn, minDate(dueOn, today))));
}

function fill(template: string, rec: PlannedRecommendation): string {
  const action = `${rec.title ? rec.title.toLowerCase() : 'act on this recommendation'}`;
  return `${template.replace('{action}', action)} (Fictional demonstration response.)`;
}

async function insertInBatches<T>(
  trx: Knex.Transaction,
  table: string,
  rows: object[],
  returning?: string[],
): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < rows.length; i += BATCH_ROWS) {
    const chunk = rows.slice(i, i + BATCH_ROWS);
    if (returning) out.push(...((await trx(table).insert(chunk).returning(returning)) as T[]));
    else await trx(table).insert(chunk);
  }
  return out;
}

function checkOptions(options: DemoOptions): { scale: number; seed: number } {
  const { scale, seed = 1, today } = options;
  if (!Number.isInteger(scale) || scale < 1 || scale > MAX_DEMO_SCALE) {
    throw new RangeError(`scale must be a whole number from 1 to ${MAX_DEMO_SCALE}, got ${scale}`);
  }
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError(`seed must be a whole number from 0 to 4294967295, got ${seed}`);
  }
  parseCalendarDate(today);
  return { scale, seed };
}

/**
 * Adds invented organisations, reports, recommendations and assignments in one transaction, with
 * one audit event for the run. Refuses a database that already holds demo data, because a second
 * set would collide on slugs halfway through and would double every count anyway.
 */
export async function seedDemo(knex: Knex, options: DemoOptions): Promise<DemoSummary> {
  const { scale, seed } = checkOptions(options);
  const { today } = options;

  const rng = new Random(seed);
  const organisations = planOrganisations(scale);
  const reports = planReports(rng, scale, today);
  const recommendations = planRecommendations(rng, reports, organisations);

  // The embedded database has one connection, held by the transaction: only trx may be used here.
  return knex.transaction(async (trx) => {
    const existing = await trx('organisations').where('slug', 'like', 'demo-%').first('id');
    if (existing) throw new Error('demo data already present; use a fresh database');

    await trx.raw(
      `insert into themes (slug, name) values ${THEMES.map(() => '(?, ?)').join(', ')} ` +
        'on conflict (slug) do nothing',
      THEMES.flatMap((t) => [t.slug, t.name]),
    );
    const themeRows: { id: number; slug: string }[] = await trx('themes')
      .whereIn(
        'slug',
        THEMES.map((t) => t.slug),
      )
      .select('id', 'slug');
    const themeIds = new Map(themeRows.map((t) => [t.slug, t.id]));

    // Ids are matched back by slug or ref rather than by position: PostgreSQL does not promise
    // that RETURNING lists rows in VALUES order.
    const orgRows = await insertInBatches<{ id: number; slug: string }>(
      trx,
      'organisations',
      organisations.map((o) => ({ slug: o.slug, name: o.name, kind: o.kind })),
      ['id', 'slug'],
    );
    const orgIdBySlug = new Map(orgRows.map((o) => [o.slug, o.id]));
    const orgIds = organisations.map((o) => orgIdBySlug.get(o.slug)!);

    const reportRows = await insertInBatches<{ id: number; slug: string }>(
      trx,
      'reports',
      reports.map((r) => ({
        slug: r.slug,
        title: r.title,
        issuer_name: ISSUER_NAME,
        issuer_short: ISSUER_SHORT,
        published_on: r.publishedOn,
        dated_on: r.datedOn,
        legal_basis: r.legalBasis,
        // reports_source_url_http as written ('^https\\?://') matches only a literal "https?://",
        // so a real URL is refused; left empty until that constraint is fixed.
        source_url: null,
        summary: `An invented report about ${r.mainTheme.name.toLowerCase()}. ${FICTION_NOTE}`,
      })),
      ['id', 'slug'],
    );
    const reportIds = new Map(reportRows.map((r) => [r.slug, r.id]));

    const recRows = await insertInBatches<{ id: number; ref: string }>(
      trx,
      'recommendations',
      recommendations.map((rec) => ({
        report_id: reportIds.get(rec.report.slug)!,
        ref: rec.ref,
        source_number: String(rec.position),
        title: rec.title,
        body: rec.body,
        text_status: rec.body === null ? 'pending' : 'summary',
        made_on: rec.madeOn,
        source_url: `${SOURCE_BASE}/${rec.report.slug}#${rec.ref.toLowerCase()}`,
        position: rec.position,
      })),
      ['id', 'ref'],
    );
    const recIds = new Map(recRows.map((r) => [r.ref, r.id]));

    await insertInBatches(
      trx,
      'recommendation_themes',
      recommendations.flatMap((rec) =>
        rec.themes.map((t) => ({
          recommendation_id: recIds.get(rec.ref)!,
          theme_id: themeIds.get(t.slug)!,
        })),
      ),
    );

    const assignments = recommendations.flatMap((rec) =>
      rec.addressees.map((org) => {
        const response = planResponse(rng, rec, today);
        const template = response.stance ? rng.pick(RESPONSE_TEXTS[response.stance]) : null;
        return {
          recommendation_id: recIds.get(rec.ref)!,
          organisation_id: orgIds[org]!,
          addressee_confirmed: rec.report.legalBasis === 'hmicfrs_s55' || !rng.chance(0.03),
          status: response.status,
          closure_reason: response.closureReason,
          response_due_on: dutyFallsOn(rec.report.legalBasis, organisations[org]!.kind)
            ? rec.dueOn
            : null,
          response_stance: response.stance,
          response_text: template ? fill(template, rec) : null,
          responded_on: response.respondedOn,
          response_date_confirmed: response.respondedOn === null || !rng.chance(0.05),
        };
      }),
    );
    await insertInBatches(trx, 'assignments', assignments);
    await recordStatusesWithoutHistory(trx, 'seed-demo');
    await recordResponsesWithoutVersions(trx, 'Demonstration seed');

    const summary: DemoSummary = {
      organisations: organisations.length,
      reports: reports.length,
      recommendations: recommendations.length,
      assignments: assignments.length,
      themes: THEMES.length,
    };
    // The trigger fills in prev_hash and hash.
    await trx('audit_events').insert({
      actor_type: 'system',
      actor_label: 'seed-demo',
      action: 'demo.seed',
      subject_type: 'database',
      after: JSON.stringify({ ...summary, scale, seed, today }),
      prev_hash: '',
      hash: '',
    });
    return summary;
  });
}
