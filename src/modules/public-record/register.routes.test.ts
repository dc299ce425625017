import request from 'supertest';
import { applyLindenSeed } from '../../../seeds/operation-linden';
import { buildTestApp } from '../../../test/app';
import { createTestDatabase, type TestDatabase } from '../../../test/db';
import {
  createAssignment,
  createOrganisation,
  createRecommendation,
  createReport,
} from '../../../test/factories';

// 1 March 2022: Linden responses were due on 17 January 2022, so an unanswered one is
// 14 (rest of January) + 28 (February) + 1 = 43 days overdue: 1 month (to 17 February) and 12 days.
const NOW = '2022-03-01T12:00:00Z';

describe('public register pages and read API', () => {
  let db: TestDatabase;
  let app: ReturnType<typeof buildTestApp>['app'];

  beforeAll(async () => {
    db = await createTestDatabase();
    await applyLindenSeed(db.knex);
    ({ app } = buildTestApp(db.knex, { now: NOW }));
  });
  afterAll(async () => {
    await db.destroy();
  });

  describe('the overview', () => {
    it('shows the Linden report with its counts and lists unanswered responses as overdue', async () => {
      const res = await request(app).get('/').expect(200);
      expect(res.type).toBe('text/html');
      expect(res.text).toContain('Operation Linden – Learning and Recommendations');
      expect(res.text).toContain('Independent Office for Police Conduct (IOPC)');
      // LIN-04 (College of Policing) and LIN-06 (NPCC) have no recorded response.
      const overdue = res.text.slice(res.text.indexOf('id="overdue"'));
      expect(overdue).toContain('LIN-04');
      expect(overdue).toContain('LIN-06');
      expect(overdue).not.toContain('LIN-01');
      expect(overdue).toContain('1 month 12 days');
      expect(overdue).toContain('2 responses are past the statutory due date');
    });

    it('shows the ten most recent reports and links to the rest', async () => {
      const fresh = await createTestDatabase();
      try {
        for (let i = 0; i < 11; i += 1)
          await createReport(fresh.knex, { published_on: `2024-01-${String(10 + i)}` });
        const res = await request(buildTestApp(fresh.knex).app).get('/').expect(200);
        expect(res.text).toContain('Showing the 10 most recent reports.');
        expect(res.text).toContain('See all 11 reports');
        expect(res.text).not.toContain('2024-01-10');
        expect(res.text).not.toContain('10 January 2024');
        expect(res.text).toContain('20 January 2024');
      } finally {
        await fresh.destroy();
      }
    });

    it('before the due date, shows no response as overdue', async () => {
      const { app: early } = buildTestApp(db.knex, { now: '2022-01-17T23:30:00Z' });
      const res = await request(early).get('/').expect(200);
      expect(res.text).toContain('No response is overdue.');
    });
  });

  describe('a report page', () => {
    it('lists every recommendation with its addressees and explains the response deadline', async () => {
      const res = await request(app).get('/reports/operation-linden-2021').expect(200);
      for (let n = 1; n <= 12; n += 1)
        expect(res.text).toContain(`LIN-${String(n).padStart(2, '0')}`);
      expect(res.text).toContain('Police Reform Act 2002, Schedule 3, paragraph 28A');
      expect(res.text).toContain('23 November 2021');
    });

    it('answers 404 with a page for an unknown report', async () => {
      const res = await request(app).get('/reports/no-such-report').expect(404);
      expect(res.text).toContain('Page not found');
    });
  });

  describe('a recommendation page', () => {
    it('shows the text, its status honestly, and each addressee with response, due date and status', async () => {
      const res = await request(app).get('/recommendations/LIN-01').expect(200);
      expect(res.text).toContain('Keep child sexual exploitation skills up to date');
      expect(res.text).toContain('Summary');
      expect(res.text).toContain('our own summary');
      expect(res.text).toContain('South Yorkshire Police');
      expect(res.text).toContain('Accepted');
      expect(res.text).toContain(
        'Reported on 20 April 2022; the date of the response itself is not confirmed',
      );
      expect(res.text).toContain('17 January 2022');
      expect(res.text).toContain('In progress');
      expect(res.text).toContain('The exact date has not been confirmed');
    });

    it('says when the text has not been entered and links to the source', async () => {
      const res = await request(app).get('/recommendations/LIN-08').expect(200);
      expect(res.text).toContain('Text not yet entered');
      expect(res.text).toContain(
        'href="https://www.policeconduct.gov.uk/our-work/learning/operation-linden-recommendations-south-yorkshire-police-and-college-policing"',
      );
      expect(res.text).toContain('has not been recorded yet');
    });

    it('flags an unanswered response as overdue and an unconfirmed addressee as such', async () => {
      const res = await request(app).get('/recommendations/LIN-04').expect(200);
      expect(res.text).toContain('Response overdue by 1 month 12 days');
      expect(res.text).toContain('No response recorded');
      expect(res.text).toContain('Public sources do not confirm');
    });

    it('accepts a lower-case reference and answers 404 for an unknown one', async () => {
      await request(app).get('/recommendations/lin-03').expect(200);
      const res = await request(app).get('/recommendations/LIN-99').expect(404);
      expect(res.text).toContain('Page not found');
    });

    it('escapes text that came from the database', async () => {
      const report = await createReport(db.knex);
      const rec = await createRecommendation(db.knex, report, {
        title: '<script>alert(1)</script>',
      });
      const res = await request(app).get(`/recommendations/${rec.ref}`).expect(200);
      expect(res.text).not.toContain('<script>alert(1)</script>');
      expect(res.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    });
  });

  describe('the recommendations list', () => {
    const refsIn = (html: string) => [...new Set(html.match(/LIN-\d\d/g) ?? [])].sort();

    it('filters by organisation, theme, status and report, alone and together', async () => {
      expect(
        refsIn(
          (await request(app).get('/recommendations?organisation=law-commission').expect(200)).text,
        ),
      ).toEqual(['LIN-03']);
      expect(
        refsIn((await request(app).get('/recommendations?theme=training').expect(200)).text),
      ).toEqual(['LIN-01', 'LIN-04']);
      expect(
        refsIn(
          (await request(app).get('/recommendations?status=awaiting_response').expect(200)).text,
        ),
      ).toEqual(['LIN-04', 'LIN-06']);
      expect(
        refsIn(
          (
            await request(app)
              .get(
                '/recommendations?report=operation-linden-2021&organisation=south-yorkshire-police&theme=survivor-support',
              )
              .expect(200)
          ).text,
        ),
      ).toEqual(['LIN-05']);
    });

    it('shows counts by status instead of one line per organisation when a recommendation has many addressees', async () => {
      const report = await createReport(db.knex, { legal_basis: 'hmicfrs_s55' });
      const rec = await createRecommendation(db.knex, report);
      const forces = [];
      for (let i = 0; i < 9; i += 1) forces.push(await createOrganisation(db.knex));
      for (const [i, force] of forces.entries()) {
        await createAssignment(
          db.knex,
          rec,
          force,
          i < 3
            ? { status: 'in_progress', response_stance: 'accepted', responded_on: '2024-02-01' }
            : { response_due_on: '2022-02-01' },
        );
      }
      const list = await request(app).get(`/recommendations?report=${report.slug}`).expect(200);
      expect(list.text).toContain('9 organisations');
      expect(list.text).toContain('In progress: 3');
      expect(list.text).toContain('Awaiting response: 6');
      expect(list.text).toContain('6 responses overdue');
      expect(list.text).not.toContain(`href="/organisations/${forces[0]!.slug}"`);
      // The recommendation's own page still lists every addressee.
      const page = await request(app).get(`/recommendations/${rec.ref}`).expect(200);
      for (const force of forces) expect(page.text).toContain(force.name);
      const api = await request(app)
        .get(`/api/v1/recommendations?report=${report.slug}`)
        .expect(200);
      expect(api.body.items[0]).toMatchObject({
        ref: rec.ref,
        addressees: {
          total: 9,
          overdueResponses: 6,
          byStatus: { in_progress: 3, awaiting_response: 6 },
        },
      });
      expect(api.body.items[0].assignments).toBeUndefined();
    });

    it('says plainly when nothing matches', async () => {
      const res = await request(app).get('/recommendations?organisation=home-office').expect(200);
      expect(res.text).toContain('No recommendations match');
    });

    it('pages through long lists, 25 at a time', async () => {
      const report = await createReport(db.knex, { published_on: '2030-01-01' });
      const org = await createOrganisation(db.knex);
      for (let i = 0; i < 30; i += 1) {
        const rec = await createRecommendation(db.knex, report, { position: i + 1 });
        await createAssignment(db.knex, rec, org);
      }
      const first = await request(app).get(`/recommendations?report=${report.slug}`).expect(200);
      expect(first.text).toContain('Showing 1 to 25 of 30 recommendations');
      // Handlebars escapes = as &#x3D; in attributes; browsers read it back as =.
      expect(first.text).toContain(
        `href="/recommendations?report&#x3D;${report.slug}&amp;page&#x3D;2"`,
      );
      const second = await request(app)
        .get(`/recommendations?report=${report.slug}&page=2`)
        .expect(200);
      expect(second.text).toContain('Showing 26 to 30 of 30 recommendations');
      const beyond = await request(app)
        .get(`/recommendations?report=${report.slug}&page=9`)
        .expect(200);
      expect(beyond.text).toContain('There is no page 9: the results fill 2 pages.');
    });

    it('refuses a bad query with 400 naming the parameter', async () => {
      const badPage = await request(app).get('/recommendations?page=abc').expect(400);
      expect(badPage.text).toContain('page must be a whole number from 1 to 10000');
      const badStatus = await request(app).get('/recommendations?status=finished').expect(400);
      expect(badStatus.text).toContain('status must be one of: awaiting_response');
      const unknown = await request(app).get('/recommendations?colour=red').expect(400);
      expect(unknown.text).toContain('colour is not a recognised parameter');
    });
  });

  describe('the reports page', () => {
    it('lists every report with its counts', async () => {
      const res = await request(app).get('/reports').expect(200);
      expect(res.text).toMatch(
        /<a class="govuk-service-navigation__link" href="\/reports" aria-current="page">/,
      );
      expect(res.text).toContain('Operation Linden – Learning and Recommendations');
      expect(res.text).toContain('23 November 2021');
    });
  });

  describe('organisation pages', () => {
    it('lists the organisations and shows one organisation’s recommendations', async () => {
      const list = await request(app).get('/organisations').expect(200);
      expect(list.text).toContain('National Police Chiefs’ Council');
      const syp = await request(app).get('/organisations/south-yorkshire-police').expect(200);
      expect(syp.text).toContain('4 recommendations are addressed to South Yorkshire Police');
      for (const ref of ['LIN-01', 'LIN-02', 'LIN-05', 'LIN-07']) expect(syp.text).toContain(ref);
      expect(syp.text).not.toContain('LIN-03');
      await request(app).get('/organisations/nobody').expect(404);
    });
  });

  describe('the JSON API', () => {
    it('lists recommendations with the same filters and pagination links', async () => {
      const res = await request(app)
        .get('/api/v1/recommendations?report=operation-linden-2021&pageSize=5&page=2')
        .expect(200);
      expect(res.type).toBe('application/json');
      expect(res.body).toMatchObject({ page: 2, pageSize: 5, total: 12, pageCount: 3 });
      expect(res.body.items.map((r: { ref: string }) => r.ref)).toEqual([
        'LIN-06',
        'LIN-07',
        'LIN-08',
        'LIN-09',
        'LIN-10',
      ]);
      expect(res.body.links).toEqual({
        self: '/api/v1/recommendations?report=operation-linden-2021&page=2&pageSize=5',
        next: '/api/v1/recommendations?report=operation-linden-2021&page=3&pageSize=5',
        prev: '/api/v1/recommendations?report=operation-linden-2021&page=1&pageSize=5',
      });
    });

    it('gives one recommendation with its addressees, responses and derived due state', async () => {
      const res = await request(app).get('/api/v1/recommendations/LIN-04').expect(200);
      expect(res.body).toMatchObject({
        ref: 'LIN-04',
        textStatus: 'summary',
        madeOn: '2021-11-23',
        themes: [
          { slug: 'survivor-voice', name: 'Survivor voice' },
          { slug: 'training', name: 'Training' },
        ],
        assignments: [
          {
            organisation: { slug: 'college-of-policing' },
            addresseeConfirmed: false,
            status: 'awaiting_response',
            response: null,
            responseDue: { dueOn: '2022-01-17', overdue: true, overdueByDays: 43 },
          },
        ],
      });
    });

    it('lists reports and organisations, and gives one organisation with its assignments', async () => {
      const reports = await request(app).get('/api/v1/reports').expect(200);
      expect(reports.body.items).toContainEqual(
        expect.objectContaining({
          slug: 'operation-linden-2021',
          recommendationCount: 12,
          legalBasis: expect.objectContaining({ code: 'iopc_para_28a' }),
        }),
      );
      await request(app).get('/api/v1/reports/operation-linden-2021').expect(200);
      const orgs = await request(app).get('/api/v1/organisations').expect(200);
      expect(orgs.body.items.map((o: { slug: string }) => o.slug)).toContain('npcc');
      const lc = await request(app).get('/api/v1/organisations/law-commission').expect(200);
      expect(lc.body).toMatchObject({
        slug: 'law-commission',
        overdueResponses: 0,
        assignments: [{ recommendation: { ref: 'LIN-03' }, status: 'in_progress' }],
      });
    });

    it('answers errors as problem+json naming the field', async () => {
      const bad = await request(app).get('/api/v1/recommendations?pageSize=500').expect(400);
      expect(bad.type).toBe('application/problem+json');
      expect(JSON.parse(bad.text)).toMatchObject({
        status: 400,
        errors: [{ field: 'pageSize', message: 'pageSize must be a whole number from 1 to 100' }],
      });
      const missing = await request(app).get('/api/v1/recommendations/LIN-99').expect(404);
      expect(missing.type).toBe('application/problem+json');
      expect(JSON.parse(missing.text)).toMatchObject({ status: 404, title: 'Not found' });
      const unknownRoute = await request(app).get('/api/v1/nothing-here').expect(404);
      expect(unknownRoute.type).toBe('application/problem+json');
    });
  });

  describe('responses in general', () => {
    it('send security headers and no X-Powered-By', async () => {
      const res = await request(app).get('/').expect(200);
      expect(res.headers['x-powered-by']).toBeUndefined();
      expect(res.headers['content-security-policy']).toContain("script-src 'self'");
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('serve the stylesheet and scripts locally', async () => {
      await request(app).get('/assets/js/app.js').expect(200);
      await request(app).get('/assets/govuk/js/govuk-frontend.min.js').expect(200);
    });
  });
});
