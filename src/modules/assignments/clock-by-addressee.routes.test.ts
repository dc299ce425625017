/**
 * The response clock by addressee, through the product's own paths: an HMICFRS thematic report
 * addressed to national bodies, departments and a police and crime commissioner's office. Only the
 * PCC's office carries the s.55 clock; the others show no statutory deadline anywhere, until an
 * administrator records a date for one of them, with a reason that is kept and audited.
 */
import request from 'supertest';
import { buildTestApp } from '../../../test/app';
import { createSignedInUser } from '../../../test/auth';
import { dateBoxes, typedBoxes } from '../../../test/date-boxes';
import { requestsAs } from './test-support';
import { createTestDatabase, type TestDatabase } from '../../../test/db';
import { createOrganisation, createRecommendation, createReport } from '../../../test/factories';
import type { Role, CurrentUser } from '../accounts/accounts.types';
import type { OrganisationRow } from '../../db/tables';

describe('the response clock by addressee (HMICFRS s.55)', () => {
  let db: TestDatabase;
  let built: ReturnType<typeof buildTestApp>;
  const orgs: Record<string, OrganisationRow> = {};
  const people = new Map<string, { cookie: string; csrf: string; user: CurrentUser }>();
  const assignmentIds: Record<string, number> = {};

  async function person(name: string, role: Role, organisationId: number | null = null) {
    const { user, ...session } = await createSignedInUser(
      built.services,
      db.knex,
      role,
      organisationId,
    );
    people.set(name, {
      ...session,
      user: {
        id: user.id,
        email: user.email,
        name: `Test ${role}`,
        role,
        organisationId,
        twoFactorEnabled: role === 'overseer' || role === 'admin',
      },
    });
  }
  const { get, post } = requestsAs(
    () => built.app,
    (who: string) => people.get(who)!,
  );
  const cardOf = (html: string, orgName: string) => {
    const start = html.indexOf(`>${orgName}</a></h3>`);
    if (start < 0) return '';
    const end = html.indexOf('govuk-summary-card__title-wrapper', start);
    return html.slice(start, end < 0 ? undefined : end);
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    built = buildTestApp(db.knex, { now: '2026-11-28T12:00:00Z' });
    const kinds = {
      'Home Office': 'government_department',
      'Department for Education': 'government_department',
      'Welsh Government': 'government_department',
      'National Crime Agency': 'national_body',
      'Office of the Example Police and Crime Commissioner': 'pcc_office',
    } as const;
    for (const [name, kind] of Object.entries(kinds))
      orgs[name] = await createOrganisation(db.knex, { name, kind });
    await person('admin', 'admin');
    await person('overseer', 'overseer');
    await person('homeOfficeLead', 'org_lead', orgs['Home Office']!.id);
    const report = await createReport(db.knex, {
      legal_basis: 'hmicfrs_s55',
      published_on: '2024-01-04',
    });
    const rec = await createRecommendation(db.knex, report, {
      ref: 'HMI-01',
      made_on: '2024-01-04',
    });
    // The product's own path for adding addressees, which stores each one's due date.
    await built.services.registerAdmin.addAddressees(people.get('admin')!.user, 'HMI-01', {
      organisations: Object.values(orgs).map((o) => o.slug),
      kind: null,
    });
    const rows = await db
      .knex('assignments')
      .where({ recommendation_id: rec.id })
      .select('id', 'organisation_id', 'response_due_on');
    for (const [name, o] of Object.entries(orgs))
      assignmentIds[name] = rows.find((r) => r.organisation_id === o.id)!.id;
    // 4 Jan 2024 + 56 days = 29 Feb 2024 (a leap year), for the PCC's office only.
    expect(
      Object.fromEntries(
        Object.entries(orgs).map(([name, o]) => [
          name,
          rows.find((r) => r.organisation_id === o.id)!.response_due_on,
        ]),
      ),
    ).toEqual({
      'Home Office': null,
      'Department for Education': null,
      'Welsh Government': null,
      'National Crime Agency': null,
      'Office of the Example Police and Crime Commissioner': '2024-02-29',
    });
  });
  afterAll(async () => {
    await db.destroy();
  });

  it('shows no national body or department as overdue, and the PCC’s office as overdue', async () => {
    const page = (await request(built.app).get('/recommendations/HMI-01').expect(200)).text;
    for (const name of [
      'Home Office',
      'Department for Education',
      'Welsh Government',
      'National Crime Agency',
    ]) {
      const card = cardOf(page, name);
      expect(card).toContain('No statutory deadline for this organisation');
      expect(card).not.toMatch(/overdue/i);
    }
    const pcc = cardOf(page, 'Office of the Example Police and Crime Commissioner');
    expect(pcc).toContain('29 February 2024');
    // 29 Feb 2024 → 28 Nov 2026 = 1,003 days.
    expect(pcc).toContain('Response overdue by 2 years 8 months');

    // The overview lists every organisation in its table, but only the PCC's office among the
    // responses overdue.
    const home = (await request(built.app).get('/').expect(200)).text;
    const overdueSection = home.slice(
      home.indexOf('id="overdue"'),
      home.indexOf('id="organisations"'),
    );
    expect(overdueSection).toContain('Office of the Example Police and Crime Commissioner');
    expect(overdueSection).not.toContain('Home Office');

    const data = await request(built.app).get('/data/assignments.csv').expect(200);
    const lines = data.text.split('\n');
    const header = lines[0]!.split(',');
    const overdueAt = header.indexOf('response_overdue');
    const basisAt = header.indexOf('response_clock');
    expect(basisAt).toBeGreaterThan(-1);
    const homeOfficeRow = lines.find((l) => l.includes(orgs['Home Office']!.slug))!.split(',');
    expect(homeOfficeRow[overdueAt]).toBe('false');
    expect(homeOfficeRow[basisAt]).toBe('not_this_addressee');
  });

  it('lets an administrator record a date for one national body, with a reason kept and audited', async () => {
    const id = assignmentIds['Home Office']!;
    const url = `/workspace/assignments/${id}/clock-override`;

    // Not for overseers or the addressee itself; nothing changes.
    await post('overseer', url, {
      mode: 'date',
      ...dateBoxes('dueOn', '2024-12-31'),
      reason: 'x',
    }).expect(403);
    await post('homeOfficeLead', url, {
      mode: 'date',
      ...dateBoxes('dueOn', '2024-12-31'),
      reason: 'x',
    }).expect(403);
    // A date is needed to record one, and a reason always.
    const bad = await post('admin', url, {
      mode: 'date',
      ...typedBoxes('dueOn', '', '', ''),
      reason: '',
    }).expect(400);
    expect(bad.text).toContain('Enter the due date to record');
    const badReason = await post('admin', url, {
      mode: 'date',
      ...dateBoxes('dueOn', '2024-12-31'),
      reason: ' ',
    }).expect(400);
    expect(badReason.text).toContain('Enter the reason');
    expect(await db.knex('assignment_clock_overrides').count('* as n').first()).toEqual({ n: 0 });

    await post('admin', url, {
      mode: 'date',
      ...dateBoxes('dueOn', '2024-12-31'),
      reason: 'The Home Office committed in writing to respond by the end of 2024.',
    }).expect(303);
    const stored = await db.knex('assignments').where({ id }).first();
    expect(stored).toMatchObject({
      clock_override: 'date',
      clock_override_due_on: '2024-12-31',
      response_due_on: '2024-12-31',
    });
    const audit = await db
      .knex('audit_events')
      .where({ action: 'assignment.clock_override_set', subject_id: String(id) })
      .first();
    expect(audit.after).toMatchObject({
      basis: 'recorded_date',
      dueOn: '2024-12-31',
      reason: 'The Home Office committed in writing to respond by the end of 2024.',
    });
    expect(audit.before).toMatchObject({ basis: 'not_this_addressee', dueOn: null });

    const deadlines = await get('homeOfficeLead', `/workspace/assignments/${id}/deadlines`).expect(
      200,
    );
    expect(deadlines.text).toContain('Record a due date for this organisation');
    expect(deadlines.text).toContain('committed in writing to respond by the end of 2024');
    expect(deadlines.text).not.toContain('id="override-form"');

    const page = (await request(built.app).get('/recommendations/HMI-01').expect(200)).text;
    // 31 Dec 2024 → 28 Nov 2026 = 697 days.
    expect(cardOf(page, 'Home Office')).toContain('Response overdue by 1 year 10 months');
    expect(cardOf(page, 'National Crime Agency')).toContain(
      'No statutory deadline for this organisation',
    );

    // Back to the rule: the Home Office has no clock again, and both changes stay in the history.
    await post('admin', url, {
      mode: 'rules',
      ...typedBoxes('dueOn', '', '', ''),
      reason: 'Recorded against the wrong assignment.',
    }).expect(303);
    expect((await db.knex('assignments').where({ id }).first()).response_due_on).toBeNull();
    const history = await get('admin', `/workspace/assignments/${id}/deadlines`).expect(200);
    expect(history.text).toContain('Recorded against the wrong assignment.');
    expect(history.text).toContain('committed in writing to respond by the end of 2024');
  });

  it('lets an administrator apply the statutory clock to an addressee the rule leaves out', async () => {
    const id = assignmentIds['National Crime Agency']!;
    await post('admin', `/workspace/assignments/${id}/clock-override`, {
      mode: 'statutory',
      ...typedBoxes('dueOn', '', '', ''),
      reason: 'Named as the local policing body for this inspection (test case).',
    }).expect(303);
    expect((await db.knex('assignments').where({ id }).first()).response_due_on).toBe('2024-02-29');
  });
});
