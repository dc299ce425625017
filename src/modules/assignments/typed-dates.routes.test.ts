/**
 * Every date typed on the deadlines page and in the verify form, in the GOV.UK date input's three
 * boxes: 31 February, a blank day and letters are refused in the Design System's words, with the
 * error summary linking to the first box at fault, the boxes at fault marked and what was typed
 * kept, and nothing stored; a real date is saved. Today is 1 March 2022 (London).
 */
import { buildTestApp } from '../../../test/app';
import { createSignedInUser } from '../../../test/auth';
import { boxesShown, dateBoxes, summaryLinks, typedBoxes } from '../../../test/date-boxes';
import { requestsAs } from './test-support';
import { createTestDatabase, type TestDatabase } from '../../../test/db';
import {
  createAssignment,
  createOrganisation,
  createRecommendation,
  createReport,
} from '../../../test/factories';
import type { Role } from '../accounts/accounts.types';

type Who = 'admin' | 'overseer' | 'lead';

/** One date on one form: where it is posted, with what else, and where a saved date is stored. */
interface DateForm {
  who: Who;
  url: string;
  /** The form's other fields, filled in correctly. */
  fields: Record<string, string>;
  /** The other dates of the form, left as a person would leave them. */
  otherDates?: Record<string, string>;
  name: string;
  /** The id of the day box: the field's id on the page, which the error summary links to. */
  id: string;
  label: string;
  good: string;
  stored: () => Promise<unknown>;
}

describe('dates typed in three boxes on the deadlines page and the verify form', () => {
  let db: TestDatabase;
  let built: ReturnType<typeof buildTestApp>;
  let orgId: number;
  let reportId: number;
  const people = new Map<Who, { cookie: string; csrf: string }>();

  const { post } = requestsAs(
    () => built.app,
    (who: Who) => people.get(who)!,
  );
  const auditCount = async () => Number((await db.knex('audit_events').count('* as n').first())!.n);

  /** A fresh IOPC assignment (made 23 November 2021, due 17 January 2022), unanswered. */
  async function assignment(ref: string, fields: Record<string, unknown> = {}) {
    const rec = await createRecommendation(
      db.knex,
      { id: reportId },
      { ref, made_on: '2021-11-23' },
    );
    return createAssignment(
      db.knex,
      rec,
      { id: orgId },
      {
        response_due_on: '2022-01-17',
        ...fields,
      },
    );
  }

  /**
   * The four checks for one date: three refusals (each changing nothing) and the good date saved.
   * Letters go in the month, so the summary must link to the month box rather than the day.
   */
  async function checkTypedDate(form: DateForm) {
    const before = await form.stored();
    const audit = await auditCount();
    const refusals = [
      {
        typed: ['31', '2', '2022'],
        message: `${form.label} must be a real date`,
        href: `#${form.id}`,
        marked: ['day'],
      },
      {
        typed: ['', '2', '2022'],
        message: `${form.label} must include a day`,
        href: `#${form.id}`,
        marked: ['day'],
      },
      {
        typed: ['14', 'Febtember', '2022'],
        message: `${form.label} must be a real date`,
        href: `#${form.id}-month`,
        marked: ['month'],
      },
    ] as const;
    for (const refusal of refusals) {
      const [day, month, year] = refusal.typed;
      const res = await post(form.who, form.url, {
        ...form.fields,
        ...form.otherDates,
        ...typedBoxes(form.name, day, month, year),
      });
      expect({ typed: refusal.typed, status: res.status }).toEqual({
        typed: refusal.typed,
        status: 400,
      });
      expect(res.text).toContain('<title>Error: ');
      expect(summaryLinks(res.text)).toEqual([refusal.href]);
      expect(res.text).toContain(`<a href="${refusal.href}">${refusal.message}</a>`);
      // The message beside the boxes, tied to their fieldset.
      expect(res.text).toContain(`id="${form.id}-error" class="govuk-error-message"`);
      expect(res.text).toContain(`aria-describedby="${form.id}-hint ${form.id}-error"`);
      expect(boxesShown(res.text, form.id)).toEqual({
        day,
        month,
        year,
        marked: refusal.marked,
      });
      expect(await form.stored()).toEqual(before);
    }
    expect(await auditCount()).toBe(audit);
    const saved = await post(form.who, form.url, {
      ...form.fields,
      ...form.otherDates,
      ...dateBoxes(form.name, form.good),
    });
    expect(saved.status).toBe(303);
    expect(await form.stored()).toEqual(form.good);
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    built = buildTestApp(db.knex, { now: '2022-03-01T12:00:00Z' });
    orgId = (await createOrganisation(db.knex, { name: 'Example Police' })).id;
    reportId = (await createReport(db.knex, { legal_basis: 'iopc_para_28a' })).id;
    for (const role of ['admin', 'overseer', 'lead'] as const) {
      const asRole: Role = role === 'lead' ? 'org_lead' : role;
      const signedIn = await createSignedInUser(
        built.services,
        db.knex,
        asRole,
        role === 'lead' ? orgId : null,
      );
      people.set(role, { cookie: signedIn.cookie, csrf: signedIn.csrf });
    }
  });
  afterAll(async () => {
    await db.destroy();
  });

  it('takes the due date of a clock override in three boxes', async () => {
    const a = await assignment('TYP-01');
    await checkTypedDate({
      who: 'admin',
      url: `/workspace/assignments/${a.id}/clock-override`,
      fields: { mode: 'date', reason: 'Agreed in writing.' },
      name: 'dueOn',
      id: 'override-dueOn',
      label: 'The due date',
      good: '2022-04-30',
      stored: async () =>
        (await db.knex('assignments').where({ id: a.id }).first()).clock_override_due_on,
    });
  });

  it('takes the committed date in three boxes, from the organisation’s lead', async () => {
    const a = await assignment('TYP-02');
    await checkTypedDate({
      who: 'lead',
      url: `/workspace/assignments/${a.id}/committed-date`,
      fields: { reason: '' },
      name: 'committedOn',
      id: 'committed-committedOn',
      label: 'The committed date',
      good: '2022-09-30',
      stored: async () => (await db.knex('assignments').where({ id: a.id }).first()).committed_on,
    });
  });

  it('takes the recommendation’s own target date in three boxes', async () => {
    const a = await assignment('TYP-03');
    await checkTypedDate({
      who: 'admin',
      url: `/workspace/assignments/${a.id}/implement-by`,
      fields: { wording: 'by the end of 2022', reason: '' },
      name: 'implementBy',
      id: 'implementBy-implementBy',
      label: 'The target date',
      good: '2022-12-31',
      stored: async () =>
        (await db.knex('recommendations').where({ ref: 'TYP-03' }).first()).implement_by,
    });
  });

  it('takes both days of a judicial review pause, and the day it ended, in three boxes', async () => {
    const a = await assignment('TYP-04');
    // The day it began is needed; the day it ended is not.
    const blank = await post('overseer', `/workspace/assignments/${a.id}/pauses`, {
      reason: 'Claim CO/1/2022.',
      ...typedBoxes('fromOn', '', '', ''),
      ...typedBoxes('toOn', '', '', ''),
    }).expect(400);
    expect(summaryLinks(blank.text)).toEqual(['#pause-fromOn']);
    expect(blank.text).toContain('Enter the day the proceedings began');
    expect(boxesShown(blank.text, 'pause-fromOn').marked).toEqual(['day', 'month', 'year']);
    // What was typed in the form's other fields is kept.
    expect(blank.text).toContain('>Claim CO/1/2022.</textarea>');
    await checkTypedDate({
      who: 'overseer',
      url: `/workspace/assignments/${a.id}/pauses`,
      fields: { reason: 'Claim CO/1/2022.' },
      otherDates: typedBoxes('toOn', '', '', ''),
      name: 'fromOn',
      id: 'pause-fromOn',
      label: 'The day the proceedings began',
      good: '2022-01-10',
      stored: async () =>
        (await db.knex('assignment_pauses').where({ assignment_id: a.id })).map(
          (p) => p.from_on,
        )[0],
    });

    const b = await assignment('TYP-05');
    await checkTypedDate({
      who: 'overseer',
      url: `/workspace/assignments/${b.id}/pauses`,
      fields: { reason: 'Claim CO/2/2022.' },
      otherDates: dateBoxes('fromOn', '2022-01-10'),
      name: 'toOn',
      id: 'pause-toOn',
      label: 'The day the proceedings ended',
      good: '2022-02-10',
      stored: async () =>
        (await db.knex('assignment_pauses').where({ assignment_id: b.id })).map((p) => p.to_on)[0],
    });
    // The form's own rule, on two real dates: the end is not before the start.
    const c = await assignment('TYP-06');
    const reversed = await post('overseer', `/workspace/assignments/${c.id}/pauses`, {
      reason: 'Claim CO/3/2022.',
      ...dateBoxes('fromOn', '2022-02-10'),
      ...dateBoxes('toOn', '2022-01-10'),
    }).expect(400);
    expect(summaryLinks(reversed.text)).toEqual(['#pause-toOn']);
    expect(reversed.text).toContain('must be on or after the day they began');
    expect(boxesShown(reversed.text, 'pause-toOn')).toEqual({
      day: '10',
      month: '1',
      year: '2022',
      marked: ['day', 'month', 'year'],
    });

    // Still in progress, then ended: the end form takes its day in boxes too.
    await post('overseer', `/workspace/assignments/${c.id}/pauses`, {
      reason: 'Claim CO/3/2022.',
      ...dateBoxes('fromOn', '2022-01-10'),
      ...typedBoxes('toOn', '', '', ''),
    }).expect(303);
    const open = await db.knex('assignment_pauses').where({ assignment_id: c.id }).first();
    await checkTypedDate({
      who: 'overseer',
      url: `/workspace/assignments/${c.id}/pauses/${open.id}/end`,
      fields: {},
      name: 'toOn',
      id: 'endPause-toOn',
      label: 'The day the proceedings ended',
      good: '2022-02-20',
      stored: async () => (await db.knex('assignment_pauses').where({ id: open.id }).first()).to_on,
    });
  });

  it('takes the date of a sustainment check in three boxes when verifying', async () => {
    const a = await assignment('TYP-07', {
      status: 'awaiting_verification',
      response_stance: 'accepted',
      response_text: 'Accepted.',
      responded_on: '2022-01-10',
    });
    const [update] = await db
      .knex('progress_updates')
      .insert({
        assignment_id: a.id,
        author_label: 'Force lead',
        self_assessment: 'complete',
        narrative: 'Done.',
        created_at: new Date('2022-02-01T10:00:00Z'),
      })
      .returning('id');
    await db.knex('progress_update_reviews').insert({
      progress_update_id: update.id,
      decision: 'accepted',
      reviewer_label: 'Overseer',
      created_at: new Date('2022-02-02T10:00:00Z'),
    });
    // The form's own rule, on a real date: the check is after today.
    const past = await post('overseer', `/workspace/assignments/${a.id}/verification`, {
      note: 'Seen in practice.',
      ...dateBoxes('checkOn', '2022-02-28'),
    }).expect(400);
    expect(summaryLinks(past.text)).toEqual(['#verify-checkOn']);
    expect(past.text).toContain('The date of the sustainment check must be in the future');
    expect(boxesShown(past.text, 'verify-checkOn')).toEqual({
      day: '28',
      month: '2',
      year: '2022',
      marked: ['day', 'month', 'year'],
    });
    await checkTypedDate({
      who: 'overseer',
      url: `/workspace/assignments/${a.id}/verification`,
      fields: { note: 'Seen in practice.' },
      name: 'checkOn',
      id: 'verify-checkOn',
      label: 'The date of the sustainment check',
      good: '2022-09-01',
      stored: async () =>
        (await db.knex('sustainment_checks').where({ assignment_id: a.id }).first())?.due_on,
    });
    expect((await db.knex('assignments').where({ id: a.id }).first()).status).toBe('implemented');
  });
});
