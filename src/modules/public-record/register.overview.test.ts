/**
 * The overview's headline, against hand-built registers: the sentence a newcomer reads first must
 * say how many recommendations are implemented, which responses are overdue and since when, and
 * when the oversight office last looked, for each report and across them, now and as of a date.
 */
import request from 'supertest';
import type { Knex } from 'knex';
import { applyLindenSeed } from '../../../seeds/operation-linden';
import { buildTestApp } from '../../../test/app';
import { createTestDatabase, type TestDatabase } from '../../../test/db';
import {
  createAssignment,
  createOrganisation,
  createRecommendation,
  createReport,
} from '../../../test/factories';

/** The headline block of the overview, as text without tags. */
function headline(html: string): string {
  const start = html.indexOf('id="headline"');
  const end = html.indexOf('id="exceptions"');
  return html
    .slice(start, end)
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .replace(/ ([:;.,)])/g, '$1');
}

async function statusChange(
  knex: Knex,
  assignmentId: number,
  to: string,
  event: string,
  at: string,
  from = 'in_progress',
) {
  await knex('assignment_status_changes').insert({
    assignment_id: assignmentId,
    from_status: from,
    to_status: to,
    event,
    actor_label: 'Test Overseer',
    changed_at: new Date(at),
  });
  await knex('assignments').where({ id: assignmentId }).update({ status: to });
}

describe('the overview headline', () => {
  describe('on the Operation Linden seed', () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await createTestDatabase();
      await applyLindenSeed(db.knex);
    });
    afterAll(async () => {
      await db.destroy();
    });

    it('says none of the 12 is verified, two responses are overdue by almost five years, and none reviewed yet', async () => {
      const { app } = buildTestApp(db.knex, { now: '2026-12-02T09:00:00Z' });
      const res = await request(app).get('/').expect(200);
      const text = headline(res.text);
      expect(text).toContain(
        '0 of 12 recommendations verified as implemented; 2 responses overdue, the oldest by 4 years 10 months; not yet reviewed by the oversight office.',
      );
      // Texts not yet entered are said, not hidden.
      expect(text).toContain('The texts of 5 recommendations are not yet entered here');
      expect(text).toContain('Operation Linden – Learning and Recommendations');
      // The headline comes before the exceptions, the table and the chart.
      const at = (s: string) => res.text.indexOf(s);
      expect(at('id="headline"')).toBeLessThan(at('id="exceptions"'));
      expect(at('id="exceptions"')).toBeLessThan(at('id="organisations"'));
      expect(at('id="organisations"')).toBeLessThan(at('id="progress"'));
      // Five years of months are shown by quarter, with the figures folded away.
      expect(res.text).toContain(
        '<span class="govuk-details__summary-text">Show the figures</span>',
      );
      expect(res.text).toContain('October to December 2021');
      expect(res.text).toContain('October to December 2026 (to 2 December 2026)');
      expect(res.text).not.toContain('<th scope="row" class="govuk-table__header">March 2023</th>');
      // The page says the headline in its description too.
      expect(res.text).toContain(
        '<meta name="description" content="Where the recommendations stand: 0 of 12 recommendations verified as implemented;',
      );
    });

    it('takes the date of a past record in three boxes, with the Design System’s messages', async () => {
      const { app } = buildTestApp(db.knex, { now: '2026-12-02T09:00:00Z' });
      const ask = (day: string, month: string, year: string) =>
        request(app).get('/').query({ 'as_of-day': day, 'as_of-month': month, 'as_of-year': year });
      const ok = await ask('1', '3', '2022').expect(200);
      expect(ok.text).toContain(
        'This is the record as it stood on <time datetime="2022-03-01">1 March 2022</time>',
      );
      expect(ok.text).toContain('name="as_of-day" type="text" inputmode="numeric" value="1"');
      expect((await ask('31', '2', '2024').expect(400)).text).toContain(
        'The date to show the record on must be a real date',
      );
      expect((await ask('', '2', '2024').expect(400)).text).toContain(
        'The date to show the record on must include a day',
      );
      expect((await ask('first', 'March', '2022').expect(400)).text).toContain(
        'The date to show the record on must be a real date',
      );
      expect((await ask('1', '1', '2027').expect(400)).text).toContain(
        'The date to show the record on must be today or in the past',
      );
      // Left empty, the boxes ask for today's record.
      const today = await ask('', '', '').expect(200);
      expect(today.text).not.toContain('This is the record as it stood on');
    });

    it('titles a recommendation whose text is pending by its report and number, with a link to the source', async () => {
      const { app } = buildTestApp(db.knex, { now: '2026-12-02T09:00:00Z' });
      const page = await request(app).get('/recommendations/LIN-08').expect(200);
      expect(page.text).toContain('<title>LIN-08: Operation Linden recommendation 8 –');
      expect(page.text).toContain(
        '<h1 class="govuk-heading-xl">Operation Linden recommendation 8</h1>',
      );
      const callout = page.text.slice(page.text.indexOf('id="text-pending"'));
      expect(callout).toContain('Read what the source says about recommendation');
      expect(callout).toContain(
        'href="https://www.policeconduct.gov.uk/our-work/learning/operation-linden-recommendations-south-yorkshire-police-and-college-policing"',
      );
      const list = await request(app).get('/reports/operation-linden-2021').expect(200);
      expect(list.text).toContain('Operation Linden recommendation 12');
      expect(list.text).not.toContain('LIN-12:</span> Text not yet entered');
    });

    it('carries the caveats the pages show into the open data and the feed', async () => {
      const { app } = buildTestApp(db.knex, { now: '2026-12-02T09:00:00Z' });
      const csv = (await request(app).get('/data/assignments.csv').expect(200)).text;
      const header = csv.split(/\r?\n/)[0]!.split(',');
      expect(header).toContain('caveats');
      expect(csv).toContain(
        'response date is the day it was reported (the date of the response itself is not confirmed)',
      );
      expect(csv).toContain('addressee not confirmed by public sources');
      const feed = (await request(app).get('/data/feed.atom').expect(200)).text;
      expect(feed).toContain(
        'A response from South Yorkshire Police was reported on 20 April 2022; the date of the response itself is not confirmed.',
      );
      expect(feed).not.toContain('South Yorkshire Police responded on 20 April 2022');
    });

    it('lists each organisation with what is addressed to it and its overdue responses', async () => {
      const { app } = buildTestApp(db.knex, { now: '2026-12-02T09:00:00Z' });
      const res = await request(app).get('/').expect(200);
      const table = res.text.slice(
        res.text.indexOf('id="organisations"'),
        res.text.indexOf('id="progress"'),
      );
      const row = (name: string) => {
        const i = table.indexOf(`>${name}</a>`) + 1;
        return table
          .slice(i, table.indexOf('</tr>', i))
          .replace(/<[^>]+>/g, '|')
          .split('|')
          .map((c) => c.trim())
          .filter(Boolean);
      };
      expect(row('College of Policing')).toEqual([
        'College of Policing',
        '1',
        '0',
        '1',
        '0',
        '1',
        'Not yet reviewed',
      ]);
    });
  });

  describe('on registers built for the case', () => {
    let db: TestDatabase;
    beforeEach(async () => {
      db = await createTestDatabase();
    });
    afterEach(async () => {
      await db.destroy();
    });

    it('with every response in on time and nothing verified, says no response is overdue', async () => {
      const report = await createReport(db.knex, { title: 'On time report' });
      const org = await createOrganisation(db.knex);
      for (let i = 0; i < 3; i += 1)
        await createAssignment(db.knex, await createRecommendation(db.knex, report), org, {
          status: 'in_progress',
          response_due_on: '2024-03-05',
          responded_on: '2024-03-01',
          response_stance: 'accepted',
          response_date_confirmed: true,
        });
      const { app } = buildTestApp(db.knex, { now: '2025-06-01T12:00:00Z' });
      const res = await request(app).get('/').expect(200);
      expect(headline(res.text)).toContain(
        '0 of 3 recommendations verified as implemented; no response overdue; not yet reviewed by the oversight office.',
      );
      expect(res.text).toContain('No response is overdue, none came late');
    });

    it('with every recommendation verified for every addressee, says all are, and when it was last reviewed', async () => {
      const report = await createReport(db.knex);
      const [a, b] = [await createOrganisation(db.knex), await createOrganisation(db.knex)];
      const r1 = await createRecommendation(db.knex, report);
      const r2 = await createRecommendation(db.knex, report);
      const ids = [
        (
          await createAssignment(db.knex, r1, a, {
            status: 'in_progress',
            responded_on: '2024-03-01',
            response_stance: 'accepted',
          })
        ).id,
        (
          await createAssignment(db.knex, r1, b, {
            status: 'in_progress',
            responded_on: '2024-03-01',
            response_stance: 'accepted',
          })
        ).id,
        (
          await createAssignment(db.knex, r2, a, {
            status: 'in_progress',
            responded_on: '2024-03-01',
            response_stance: 'accepted',
          })
        ).id,
      ];
      await statusChange(
        db.knex,
        ids[0]!,
        'implemented',
        'verify',
        '2025-01-10T10:00:00Z',
        'awaiting_verification',
      );
      await statusChange(
        db.knex,
        ids[1]!,
        'implemented',
        'verify',
        '2025-03-03T10:00:00Z',
        'awaiting_verification',
      );
      await statusChange(
        db.knex,
        ids[2]!,
        'implemented',
        'verify',
        '2025-02-01T10:00:00Z',
        'awaiting_verification',
      );
      const { app } = buildTestApp(db.knex, { now: '2025-06-01T12:00:00Z' });
      const res = await request(app).get('/').expect(200);
      expect(headline(res.text)).toContain(
        'All 2 recommendations verified as implemented; no response overdue; last reviewed 3 March 2025.',
      );

      // As of 1 February 2025 only one of r1's two addressees had been verified.
      const before = await request(app).get('/?as_of=2025-02-01').expect(200);
      expect(headline(before.text)).toContain(
        '1 of 2 recommendations verified as implemented; no response overdue; last reviewed 1 February 2025.',
      );
      expect(headline(before.text)).toContain('2 of 3 assignments are verified as implemented');
      const earlier = await request(app).get('/?as_of=2025-01-09').expect(200);
      expect(headline(earlier.text)).toContain('0 of 2 recommendations verified as implemented');
      expect(headline(earlier.text)).toContain('not yet reviewed by the oversight office');
    });

    it('with pending texts, counts them, and across several reports gives the total first', async () => {
      const first = await createReport(db.knex, {
        title: 'First report',
        published_on: '2023-05-01',
      });
      const second = await createReport(db.knex, {
        title: 'Second report',
        published_on: '2024-01-10',
      });
      const org = await createOrganisation(db.knex);
      await createAssignment(
        db.knex,
        await createRecommendation(db.knex, first, { made_on: '2023-05-01' }),
        org,
        {
          response_due_on: '2023-06-25',
        },
      );
      await createRecommendation(db.knex, second, {
        title: null,
        body: null,
        text_status: 'pending',
      });
      await createRecommendation(db.knex, second, {
        title: null,
        body: null,
        text_status: 'pending',
      });
      const { app } = buildTestApp(db.knex, { now: '2025-06-01T12:00:00Z' });
      const text = headline((await request(app).get('/').expect(200)).text);
      expect(text).toContain(
        'Across all 2 reports: 0 of 3 recommendations verified as implemented; 1 response overdue, by 1 year 11 months; not yet reviewed by the oversight office.',
      );
      expect(text).toContain(
        'Second report (Test Oversight Office, 10 January 2024): 0 of 2 recommendations verified as implemented; no response overdue;',
      );
      expect(text).toContain('The texts of 2 recommendations are not yet entered here');
      expect(text).toContain(
        'First report (Test Oversight Office, 1 May 2023): 0 of 1 recommendation verified',
      );
    });

    it('lists late responses and assignments the oversight office sent back, and counts a return as a review', async () => {
      const report = await createReport(db.knex);
      const org = await createOrganisation(db.knex, { name: 'Late Force' });
      const late = await createRecommendation(db.knex, report, { title: 'Answered late' });
      const back = await createRecommendation(db.knex, report, { title: 'Sent back' });
      await createAssignment(db.knex, late, org, {
        status: 'in_progress',
        response_due_on: '2024-03-05',
        responded_on: '2024-07-20',
        response_stance: 'accepted',
        response_date_confirmed: true,
      });
      const sent = await createAssignment(db.knex, back, org, {
        status: 'in_progress',
        responded_on: '2024-03-01',
        response_stance: 'accepted',
        response_date_confirmed: true,
      });
      await statusChange(
        db.knex,
        sent.id,
        'awaiting_verification',
        'claim_complete',
        '2025-04-01T10:00:00Z',
      );
      await statusChange(
        db.knex,
        sent.id,
        'in_progress',
        'return_update',
        '2025-04-20T10:00:00Z',
        'awaiting_verification',
      );
      const { app } = buildTestApp(db.knex, { now: '2025-06-01T12:00:00Z' });
      const res = await request(app).get('/').expect(200);
      const lateSection = res.text.slice(
        res.text.indexOf('id="late"'),
        res.text.indexOf('id="returned"'),
      );
      expect(lateSection).toContain('Answered late');
      expect(lateSection).toContain('20 July 2024');
      expect(lateSection).toContain('4 months 15 days');
      expect(lateSection).not.toContain('Sent back');
      const returned = res.text.slice(
        res.text.indexOf('id="returned"'),
        res.text.indexOf('id="organisations"'),
      );
      expect(returned).toContain('Sent back');
      expect(returned).toContain('20 April 2025');
      expect(returned).toContain('A claim that it was implemented was sent back');
      expect(headline(res.text)).toContain('last reviewed 20 April 2025');
    });
  });
});
